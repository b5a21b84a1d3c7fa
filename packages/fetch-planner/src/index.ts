export { FetchPlanner, DEFAULT_POLL_WAIT_MS, checkStartOffset } from './fetch-planner.js'
export {
  fetchPlannerDefaults,
  resolveFetchPlannerOptions,
  type AutoOffsetReset,
  type FetchOptions,
  type FetchPlannerOptions,
  type IsolationLevel,
  type ResolvedFetchPlannerOptions,
} from './options.js'
export type { BrokerCounters, FetchedBatch, FetchedRecord, PartitionFetchMetrics, StartOffset, TopicPartition } from './types.js'
export type { FetchPlannerEventMap, FetchPlannerListener, FetchResponseEvent, FetchStartEvent, OffsetResetEvent } from './events.js'
export { DataLossError } from './data-loss-error.js'
export { OffsetOutOfRangeError } from './offset-out-of-range-error.js'
export {
  chooseReplica,
  decideFetchAnswer,
  decideValidation,
  formatMoves,
  onBrokerRemoved,
  onLeaderChange,
  onReplicasChange,
  onSourceFailure,
  MAX_FOLLOWER_OUT_OF_RANGE,
  type AnswerContext,
  type CursorView,
  type EpochAnswer,
  type FetchDecision,
  type PartitionAnswer,
  type PartitionView,
  type ReplicaChoice,
  type SourceFailureDecision,
  type ValidationDecision,
} from './rules.js'
export { extractRecords, type AbortedTransaction, type ExtractInput, type ExtractedRecords } from './records.js'
export { FetchSession, type SessionPartition, type SessionRequest } from './fetch-session.js'
export {
  fetchChannelNames,
  type FetchChannelMessages,
  type FetchResponseMessage,
  type FetchResponsePartition,
  type PreferredReplicaMove,
} from './diagnostics.js'
