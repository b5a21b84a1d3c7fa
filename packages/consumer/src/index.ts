export { Offset, type StartOffset } from './offset.js'
export { DirectConsumer, toStartOffset, type AdminOffset, type Assignment, type DirectConsumerOptions, type PartitionStart } from './direct-consumer.js'
export { batchLag, headerString, headerValue, keyString, valueString, type ConsumerBatch, type ConsumerRecord } from './consumer-record.js'
export { DataLossError, OffsetOutOfRangeError, type BrokerCounters, type FetchedBatch, type FetchedRecord, type OffsetResetEvent } from '@kafkats/fetch-planner'
