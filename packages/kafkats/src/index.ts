// Everything a user of `kafkats` needs comes from here: the client, the errors it can throw, the
// option, record and event types, the record helpers and the admin types. No second import.
export { Kafka, type KafkaOptions, type ConnectOptions, type DirectConsumerConfig, type GroupConsumerConfig } from './kafka.js'
export {
  KafkaError,
  KafkaProtocolError,
  ConfigError,
  InvalidArgumentError,
  ClosedError,
  InvalidStateError,
  DecodeError,
  EncodeError,
  CorruptRecordError,
  CompressionError,
  ErrorCode,
  errorByCode,
  isRetriableErrorCode,
  crc32cImplementation,
  type ErrorCodeName,
  type ErrorCodeInfo,
  type CompressionCodec,
  type RecordHeader,
} from '@kafkats/protocol'
export {
  ConnectionError,
  RequestTimeoutError,
  ResponseTooLargeError,
  UnsupportedVersionError,
  AuthenticationError,
  type Logger,
  type LoggerLike,
  type SaslOptions,
  type SaslMechanism,
  type OAuthBearerToken,
  type OAuthBearerTokenProvider,
  type SocketFactory,
  type SocketTarget,
} from '@kafkats/connection'
export type { BrokerInfo, PartitionInfo, TopicInfo } from '@kafkats/metadata'
export {
  Producer,
  ProducerClosedError,
  BufferFullError,
  DeliveryTimeoutError,
  DefaultPartitioner,
  murmur2Partitioner,
  type Acks,
  type ProducerEvents,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
  TransactionStateError,
  type Transaction,
  type TransactionState,
  type TransactionOffset,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type PartitionProduceResult,
  type SendBatchOptions,
  type DeliveryCallback,
  type Partitioner,
  type PartitionerRecord,
} from '@kafkats/producer-sink'
export {
  Offset,
  DirectConsumer,
  GroupConsumer,
  CommitFailedError,
  DataLossError,
  OffsetOutOfRangeError,
  valueString,
  keyString,
  headerString,
  headerValue,
  batchLag,
  builtinAssignors,
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  type StartOffset,
  type Assignment,
  type AdminOffset,
  type PartitionStart,
  type FetchedBatch,
  type FetchedRecord,
  type RecordShape,
  type ConsumerBatch,
  type ConsumerRecord,
  type BrokerCounters,
  type OffsetResetEvent,
  type CommitOffset,
  type RebalanceListeners,
  type AssignorName,
  type Assignor,
  type AssignorInput,
  type AssignorMember,
  type AssignorPartition,
  type GroupAssignment,
  type GroupConsumerOptions,
  type DirectConsumerOptions,
  type ConsumerGroupMetadata,
} from '@kafkats/consumer'
export type { FetchOptions, AutoOffsetReset, TopicPartition } from '@kafkats/fetch-planner'
// The admin client and every type its methods take or return.
export * from '@kafkats/admin'
// node:diagnostics_channel: the catalogue of channels and their message types.
export { diagnosticsChannelNames, subscribeDiagnostics, type DiagnosticsChannelMessages, type DiagnosticsChannelName } from './diagnostics.js'
export type {
  BrokerEndpoint,
  RequestStartMessage,
  RequestEndMessage,
  ConnectionConnectMessage,
  ConnectionAuthenticateMessage,
  ConnectionCloseMessage,
  ConnectionErrorMessage,
} from '@kafkats/connection'
export type { ProduceBatchSentMessage, ProduceBatchAckedMessage, ProduceBatchFailedMessage, ProduceProducerIdMessage } from '@kafkats/producer-sink'
export type { FetchResponseMessage, FetchResponsePartition, PreferredReplicaMove } from '@kafkats/fetch-planner'
export { toPrometheusText, type KafkaMetrics, type ConsumerMetrics } from './metrics.js'
export { LATENCY_BUCKET_BOUNDS_MS, type BrokerRequestMetrics, type ApiRequestMetrics } from '@kafkats/connection'
export type { ProducerMetrics } from '@kafkats/producer-sink'
export type { PartitionFetchMetrics } from '@kafkats/fetch-planner'
export type {
  GroupMessageBase,
  GroupJoinMessage,
  GroupSyncMessage,
  GroupAssignmentMessage,
  GroupRevokeMessage,
  GroupLostMessage,
  GroupCommitMessage,
} from '@kafkats/consumer'
