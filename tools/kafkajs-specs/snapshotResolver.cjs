// The specs' snapshots carry Jest 25's header, which Jest 30 refuses ("Outdated guide link").
// jest.config.cjs copies them, header updated, into node_modules/.cache (never into the repo or
// the read-only shared directory) and this resolver points Jest at the copies.
const path = require('node:path')
const { specsDir } = require('./paths.cjs')

const snapshotsDir = path.join(__dirname, 'node_modules', '.cache', 'kafkajs-specs', 'snapshots')

module.exports = {
  snapshotsDir,
  resolveSnapshotPath: (testPath, extension) =>
    path.join(snapshotsDir, path.relative(specsDir, path.dirname(testPath)), '__snapshots__', path.basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) =>
    path.join(specsDir, path.relative(snapshotsDir, path.dirname(path.dirname(snapshotPath))), path.basename(snapshotPath, extension)),
  testPathForConsistencyCheck: path.join(specsDir, 'src', 'producer', 'index.spec.js'),
}
