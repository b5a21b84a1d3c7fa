// Jest resolver: the KafkaJS specs require KafkaJS-internal modules by relative path
// (`../index`, `../../producer`, `../../errors`, ...) and `testHelpers`, none of which exist beside
// them. Each such request is turned into a key (its path under the specs' src/, without `.js` and
// `/index`) and sent to:
//   - KAFKAJS_SPECS_TARGET=kafkajs: the same module of the real KafkaJS 2.2.4, so that the harness
//     itself can be checked (the specs should pass there);
//   - KAFKAJS_SPECS_TARGET=kafkats (default): an adapter over @kafkats/kafkajs's public API
//     (ADAPTERS below), or a stand-in that fails on first use for a module the compat package has
//     no public counterpart of (such specs are classified "not applicable" in classification.cjs).
const fs = require('node:fs')
const path = require('node:path')
const { specsDir } = require('./paths.cjs')

const target = process.env.KAFKAJS_SPECS_TARGET ?? 'kafkats'
if (target !== 'kafkats' && target !== 'kafkajs') {
  throw new Error(`KAFKAJS_SPECS_TARGET must be 'kafkats' or 'kafkajs', not '${target}'`)
}
const specsSrc = path.join(specsDir, 'src')
const kafkajsSrc = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src')
const adaptersDir = path.join(__dirname, 'adapters')

/** Internal module key -> adapter file (kafkats target). */
const ADAPTERS = {
  producer: 'producer.cjs',
  consumer: 'consumer.cjs',
  admin: 'admin.cjs',
  errors: 'errors.cjs',
  'consumer/assignerProtocol': 'assignerProtocol.cjs',
  'protocol/message/compression': 'compression.cjs',
  'protocol/isolationLevel': 'isolationLevel.cjs',
  'instrumentation/emitter': 'instrumentationEmitter.cjs',
  'producer/partitioners/legacy': 'legacyPartitioner.cjs',
  'producer/partitioners/default/murmur2': 'murmur2.cjs',
  retry: 'retry.cjs',
  'utils/sleep': 'sleep.cjs',
  'utils/waitFor': 'waitFor.cjs',
  'utils/uniq': 'uniq.cjs',
}

const keyOf = (absolutePath) =>
  path
    .relative(specsSrc, absolutePath)
    .split(path.sep)
    .join('/')
    .replace(/\.js$/, '')
    .replace(/\/index$/, '')

/** A module that loads (so `jest.mock` factories and top-level requires work) but fails when used. */
const notExposedModule = (key) => {
  const dir = path.join(__dirname, 'node_modules', '.cache', 'kafkajs-specs', 'not-exposed')
  const file = path.join(dir, `${key.replace(/\//g, '__')}.cjs`)
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(file, `module.exports = require(${JSON.stringify(path.join(adaptersDir, 'notExposed.cjs'))})(${JSON.stringify(key)})\n`)
  }
  return file
}

const inSpecs = (dir) => dir === specsSrc || dir.startsWith(specsSrc + path.sep) || dir.startsWith(path.join(specsDir, 'testHelpers'))

module.exports = (request, options) => {
  if (request === 'testHelpers') return path.join(__dirname, 'helpers', `${target}.cjs`)
  // the specs were written against uuid 3's deep import; node's crypto has the same v4 UUIDs
  if (request === 'uuid/v4') return path.join(adaptersDir, 'uuidV4.cjs')
  if (!inSpecs(options.basedir)) return options.defaultResolver(request, options)
  // packages the specs require (jest-circus) come from this workspace: the shared directory has no node_modules
  if (!request.startsWith('.')) return options.defaultResolver(request, { ...options, basedir: __dirname })
  try {
    // fixtures and snapshots that really are beside the specs
    return options.defaultResolver(request, options)
  } catch {
    const key = keyOf(path.resolve(options.basedir, request))
    if (target === 'kafkajs') return require.resolve(path.join(kafkajsSrc, key))
    return ADAPTERS[key] ? path.join(adaptersDir, ADAPTERS[key]) : notExposedModule(key)
  }
}
