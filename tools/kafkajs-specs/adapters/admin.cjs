// KafkaJS's internal `createAdmin({ cluster, logger, retry })` as `new Kafka(...).admin(...)`.
const { kafkaFor, defined } = require('./compat.cjs')

module.exports = ({ cluster, logger, retry }) => kafkaFor(cluster, logger).admin(defined({ retry }))
