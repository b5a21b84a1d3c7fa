// KafkaJS 2.2.4's public API on kafkats: `import { Kafka } from '@kafkats/kafkajs'` where code said
// `from 'kafkajs'`. The README is the migration guide (what changes, what is better, what is not supported).
export { Kafka } from './kafka.js'
export type { Producer, Transaction } from './producer.js'
export type { Consumer, CompatConsumerConfig } from './consumer.js'
export type { Admin } from './admin.js'
export { logLevel, type Logger, type LogEntry, type LoggerEntryContent, type logCreator } from './logger.js'
export { CompressionTypes, CompressionCodecs, type CompressionCodecFactory } from './compression.js'
export { Partitioners } from './partitioners.js'
export { PartitionAssigners, AssignerProtocol, type ISerializer, type MemberMetadata, type MemberAssignment } from './assigners.js'
export {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSDeleteGroupsError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSBrokerNotFound,
  KafkaJSPartialMessageError,
  KafkaJSSASLAuthenticationError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSInvariantViolation,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSCreateTopicError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  KafkaJSNoBrokerAvailableError,
  type DeleteGroupsResult,
  type KafkaJSErrorMetadata,
  type KafkaJSDeleteTopicRecordsErrorPartition,
  type KafkaJSDeleteTopicRecordsErrorTopic,
} from './errors.js'
export { AclResourceTypes, ConfigResourceTypes, ConfigSource, AclPermissionTypes, AclOperationTypes, ResourcePatternTypes } from './types.js'
export type * from './types.js'
