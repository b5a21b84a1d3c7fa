export { Producer, type ProducerRecord, type ProducerEvents, type ProducerInit } from './producer.js'
export type { RecordMetadata } from './accumulator.js'
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
