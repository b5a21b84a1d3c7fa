// Runs KafkaJS 2.2.4's own consumer and producer specs, unchanged, from ../shared/peer-tests/kafkajs.
// The specs require KafkaJS-internal modules by relative path; resolver.cjs maps each one either
// to the real KafkaJS 2.2.4 (KAFKAJS_SPECS_TARGET=kafkajs: the harness baseline) or to an adapter
// over @kafkats/kafkajs (KAFKAJS_SPECS_TARGET=kafkats, the default).
const fs = require('node:fs')
const path = require('node:path')
const { specsDir } = require('./paths.cjs')
const { snapshotsDir, resolveSnapshotPath } = require('./snapshotResolver.cjs')

// Jest 30 reads only snapshots whose header names its current guide link; the specs' were
// written by Jest 25. Copy them (contents unchanged below the header) where the resolver looks.
const JEST_25_GUIDE = 'https://goo.gl/fbAQLP'
const JEST_30_GUIDE = 'https://jestjs.io/docs/snapshot-testing'
const copySnapshots = (dir) => {
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) copySnapshots(file)
    else if (entry.name.endsWith('.snap')) {
      const testPath = path.join(path.dirname(dir), entry.name.replace(/\.snap$/, ''))
      const target = resolveSnapshotPath(testPath, '.snap')
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, fs.readFileSync(file, 'utf8').replace(JEST_25_GUIDE, JEST_30_GUIDE))
    }
  }
}
fs.rmSync(snapshotsDir, { recursive: true, force: true })
copySnapshots(path.join(specsDir, 'src'))

module.exports = {
  rootDir: specsDir,
  roots: ['<rootDir>/src/consumer', '<rootDir>/src/producer'],
  // the specs' own pattern (their jest.config.js)
  testRegex: '(/__tests__/.*\\.spec\\.js|(\\.|/)spec)\\.jsx?$',
  testPathIgnorePatterns: ['/node_modules/'],
  testEnvironment: 'node',
  resolver: require.resolve('./resolver.cjs'),
  snapshotResolver: require.resolve('./snapshotResolver.cjs'),
  setupFilesAfterEnv: [require.resolve('./setup.cjs')],
  // the specs were written for Jest 25, whose snapshots print `Object {` and escape strings
  snapshotFormat: { printBasicPrototype: true, escapeString: true },
  // the shared directory is read-only in CI; nothing may be written next to the specs
  cacheDirectory: path.join(__dirname, 'node_modules', '.cache', 'jest'),
  watchman: false,
  bail: false,
  verbose: false,
}
