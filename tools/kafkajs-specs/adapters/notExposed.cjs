// Stand-in for a KafkaJS-internal module that @kafkats/kafkajs has no public counterpart of. It
// loads (top-level requires and `jest.mock` factories of a spec file must not take down the
// file's applicable tests) and throws, naming the module, as soon as a test uses it.
const PROBED_BY_LOADERS = new Set(['__esModule', 'default', 'then', 'asymmetricMatch', '$$typeof', 'nodeType', 'toJSON', 'prototype', 'constructor', 'length', 'name', 'mock', '_isMockFunction'])

class KafkaJSInternalNotExposedError extends Error {
  constructor(key, detail) {
    super(`KafkaJS-internal module '${key}' has no public counterpart in @kafkats/kafkajs (${detail})`)
    this.name = 'KafkaJSInternalNotExposedError'
  }
}

module.exports = (key) =>
  new Proxy(function notExposed() {}, {
    apply: () => {
      throw new KafkaJSInternalNotExposedError(key, 'called')
    },
    construct: () => {
      throw new KafkaJSInternalNotExposedError(key, 'constructed')
    },
    get: (target, property) => {
      if (typeof property === 'symbol' || PROBED_BY_LOADERS.has(property)) return target[property]
      throw new KafkaJSInternalNotExposedError(key, `property '${property}' read`)
    },
  })
