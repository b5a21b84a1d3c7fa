// KafkaJS's internal `createProducer({ cluster, logger, createPartitioner, retry, idempotent,
// transactionalId, transactionTimeout })` as `new Kafka(...).producer(...)` of @kafkats/kafkajs.
const { kafkaFor, describeCluster, defined } = require('./compat.cjs')

module.exports = ({ cluster, logger, createPartitioner, retry, idempotent, transactionalId, transactionTimeout }) => {
  const { allowAutoTopicCreation, maxInFlightRequests, metadataMaxAge } = describeCluster(cluster)
  return kafkaFor(cluster, logger).producer(
    defined({ createPartitioner, retry, idempotent, transactionalId, transactionTimeout, allowAutoTopicCreation, maxInFlightRequests, metadataMaxAge }),
  )
}
