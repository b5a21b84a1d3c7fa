export { Offset, type StartOffset } from './offset.js'
export { DirectConsumer, toStartOffset, type AdminOffset, type Assignment, type DirectConsumerOptions, type PartitionStart } from './direct-consumer.js'
export { batchLag, headerString, headerValue, keyString, valueString, type ConsumerBatch, type ConsumerRecord } from './consumer-record.js'
export { DataLossError, OffsetOutOfRangeError, type BrokerCounters, type PartitionFetchMetrics, type FetchedBatch, type FetchedRecord, type OffsetResetEvent } from '@kafkats/fetch-planner'
export type { RecordShape } from '@kafkats/protocol'
export {
  GroupConsumer,
  groupConsumerDefaults,
  type AssignorName,
  type CommitOffset,
  type ConsumerGroupMetadata,
  type GroupConsumerOptions,
  type GroupFetcher,
  type RebalanceListeners,
} from './group-consumer.js'
export { CommitFailedError } from './group/commit-failed-error.js'
export {
  builtinAssignors,
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  type Assignor,
  type AssignorInput,
  type AssignorMember,
  type AssignorPartition,
  type GroupAssignment,
} from './group/assignors/index.js'
export {
  consumerChannelNames,
  type ConsumerChannelMessages,
  type GroupMessageBase,
  type GroupJoinMessage,
  type GroupSyncMessage,
  type GroupAssignmentMessage,
  type GroupRevokeMessage,
  type GroupLostMessage,
  type GroupCommitMessage,
} from './diagnostics.js'
