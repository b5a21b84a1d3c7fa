export { Kafka, type KafkaOptions, type DirectConsumerConfig, type GroupConsumerConfig } from './kafka.js'
export {
  KafkaError,
  KafkaProtocolError,
  ConfigError,
  DecodeError,
  EncodeError,
  CorruptRecordError,
  CompressionError,
  ErrorCode,
  errorByCode,
  type ErrorCodeName,
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
  type SaslOptions,
  type OAuthBearerToken,
  type OAuthBearerTokenProvider,
} from '@kafkats/connection'
export type { BrokerInfo, PartitionInfo, TopicInfo } from '@kafkats/metadata'
export {
  Producer,
  ProducerClosedError,
  BufferFullError,
  DeliveryTimeoutError,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type Partitioner,
} from '@kafkats/producer-sink'
export { Admin, type AdminOptions } from '@kafkats/admin'
export {
  Offset,
  DirectConsumer,
  GroupConsumer,
  DataLossError,
  OffsetOutOfRangeError,
  type StartOffset,
  type Assignment,
  type FetchedBatch,
  type FetchedRecord,
  type GroupConsumerOptions,
  type DirectConsumerOptions,
} from '@kafkats/consumer'
