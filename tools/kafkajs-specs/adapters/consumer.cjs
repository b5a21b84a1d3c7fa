// KafkaJS's internal `createConsumer({ cluster, logger, groupId, ... })` as
// `new Kafka(...).consumer(...)` of @kafkats/kafkajs. The internal factory takes an
// `isolationLevel` (READ_COMMITTED = 1 by default); the public API spells it `readUncommitted`.
const { kafkaFor, describeCluster, defined } = require('./compat.cjs')
const ISOLATION_LEVEL = require('./isolationLevel.cjs')

module.exports = ({
  cluster,
  logger,
  groupId,
  retry,
  partitionAssigners,
  sessionTimeout,
  rebalanceTimeout,
  heartbeatInterval,
  maxBytesPerPartition,
  minBytes,
  maxBytes,
  maxWaitTimeInMs,
  isolationLevel,
  rackId,
  metadataMaxAge,
}) => {
  const description = describeCluster(cluster)
  const level = isolationLevel ?? description.isolationLevel ?? ISOLATION_LEVEL.READ_COMMITTED
  return kafkaFor(cluster, logger).consumer(
    defined({
      groupId,
      retry,
      partitionAssigners,
      sessionTimeout,
      rebalanceTimeout,
      heartbeatInterval,
      maxBytesPerPartition,
      minBytes,
      maxBytes,
      maxWaitTimeInMs,
      readUncommitted: level === ISOLATION_LEVEL.READ_UNCOMMITTED,
      rackId,
      metadataMaxAge: metadataMaxAge ?? description.metadataMaxAge,
      allowAutoTopicCreation: description.allowAutoTopicCreation,
      maxInFlightRequests: description.maxInFlightRequests,
    }),
  )
}
