// Where the shared KafkaJS specs live: ../shared/peer-tests/kafkajs beside the repository
// (KAFKAJS_SPECS_DIR overrides it).
const fs = require('node:fs')
const path = require('node:path')

const repoRoot = path.resolve(__dirname, '..', '..')
const configured = path.resolve(process.env.KAFKAJS_SPECS_DIR ?? path.join(repoRoot, '..', 'shared', 'peer-tests', 'kafkajs'))
// Jest hands the resolver real paths, so compare against the real path (../shared may be a link).
const specsDir = fs.existsSync(configured) ? fs.realpathSync(configured) : configured

module.exports = { repoRoot, specsDir }
