export { Producer, type ProducerMetrics, type ProducerRecord, type ProducerEvents, type ProducerInit, type Transaction, type DeliveryCallback, type SendBatchOptions } from './producer.js'
export type { PartitionProduceResult, RecordMetadata } from './accumulator.js'
export { incrementSequence } from './accumulator.js'
export {
  producerDefaults,
  resolveProducerOptions,
  MAX_IN_FLIGHT_IDEMPOTENT,
  type Acks,
  type ProducerOptions,
  type ResolvedProducerOptions,
} from './options.js'
export { DefaultPartitioner, murmur2Partitioner, type Partitioner, type PartitionerRecord } from './partitioner.js'
export { ProducerClosedError } from './producer-closed-error.js'
export { BufferFullError } from './buffer-full-error.js'
export { DeliveryTimeoutError } from './delivery-timeout-error.js'
export { ProducerFencedError } from './producer-fenced-error.js'
export { TransactionAbortableError } from './transaction-abortable-error.js'
export { TransactionAbortedError } from './transaction-aborted-error.js'
export { TransactionFatalError } from './transaction-fatal-error.js'
export { TransactionStateError } from './transaction-state-error.js'
export { type TransactionState, type TransactionErrorKind, type TransactionApi, classifyTransactionError, isTransitionValid } from './transaction-state.js'
export { TransactionManager, type ConsumerGroupMetadata, type TransactionOffset, type TransactionHost } from './transaction-manager.js'
export {
  producerChannelNames,
  type ProducerChannelMessages,
  type ProduceBatchSentMessage,
  type ProduceBatchAckedMessage,
  type ProduceBatchFailedMessage,
  type ProduceProducerIdMessage,
} from './diagnostics.js'
