// `require('../errors')`: KafkaJS's error classes, which KafkaJS also exports from its entry point.
// Every class @kafkats/kafkajs exports whose name starts with KafkaJS.
const { compat } = require('./compat.cjs')

module.exports = new Proxy(
  {},
  {
    get: (_, name) => (typeof name === 'string' && name.startsWith('KafkaJS') ? compat()[name] : undefined),
    has: (_, name) => typeof name === 'string' && name in compat(),
  },
)
