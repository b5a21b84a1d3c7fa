import {
  AuthenticationError,
  ConnectionError,
  CorruptRecordError,
  errorByCode,
  InvalidArgumentError,
  KafkaError,
  KafkaProtocolError,
  OffsetOutOfRangeError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from 'kafkats'
import type { PartitionMetadata } from './types.js'

export interface KafkaJSErrorMetadata {
  retriable?: boolean
  topic?: string
  partitionId?: number
  metadata?: PartitionMetadata
  cause?: Error
}

/** The message of `e` whether it is an Error, a KafkaJS-style `{ message }` or a string. */
function messageOf(e: Error | string | { message?: string }): string {
  return typeof e === 'string' ? e : (e.message ?? String(e))
}

/**
 * KafkaJS's base error. `retriable` says whether repeating the operation may succeed; `cause`
 * keeps the kafkats error it was mapped from (with its `errorName` and context).
 */
export class KafkaJSError extends Error {
  readonly retriable: boolean
  readonly helpUrl?: string
  override readonly cause?: Error

  constructor(e: Error | string, metadata: KafkaJSErrorMetadata = {}) {
    super(messageOf(e), metadata.cause === undefined ? undefined : { cause: metadata.cause })
    this.name = 'KafkaJSError'
    this.retriable = metadata.retriable ?? true
    const helpUrl = typeof e === 'object' ? (e as { helpUrl?: unknown }).helpUrl : undefined
    if (typeof helpUrl === 'string') this.helpUrl = helpUrl
    if (metadata.cause !== undefined) this.cause = metadata.cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: Error | string, metadata: { cause?: Error } = {}) {
    super(e, { ...metadata, retriable: false })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/** A broker error code: `type` is Kafka's name (`UNKNOWN_TOPIC_OR_PARTITION`), `code` its number. */
export class KafkaJSProtocolError extends KafkaJSError {
  readonly code: number
  readonly type: string

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, metadata: KafkaJSErrorMetadata = {}) {
    const fields = typeof e === 'object' ? (e as { type?: unknown; code?: unknown; retriable?: unknown }) : {}
    // As KafkaJS: the error's own `retriable` when it has one, else retriable.
    super(e as Error | string, { ...metadata, retriable: metadata.retriable ?? (typeof fields.retriable === 'boolean' ? fields.retriable : true) })
    this.name = 'KafkaJSProtocolError'
    this.type = typeof fields.type === 'string' ? fields.type : 'UNKNOWN'
    this.code = typeof fields.code === 'number' ? fields.code : -1
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, metadata: { topic: string; partition: number; cause?: Error }) {
    super(e, { ...(metadata.cause !== undefined ? { cause: metadata.cause } : {}) })
    this.name = 'KafkaJSOffsetOutOfRange'
    this.topic = metadata.topic
    this.partition = metadata.partition
  }
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  readonly memberId: string

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, metadata: { memberId: string }) {
    super(e)
    this.name = 'KafkaJSMemberIdRequired'
    this.memberId = metadata.memberId
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number

  constructor(e: Error | string, metadata: { retryCount: number; retryTime: number }) {
    super(e, typeof e === 'string' ? {} : { cause: e })
    this.name = 'KafkaJSNumberOfRetriesExceeded'
    this.retryCount = metadata.retryCount
    this.retryTime = metadata.retryTime
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker?: string
  readonly code?: string

  constructor(e: Error | string, metadata: { broker?: string; code?: string; cause?: Error } = {}) {
    super(e, metadata.cause === undefined ? {} : { cause: metadata.cause })
    this.name = 'KafkaJSConnectionError'
    if (metadata.broker !== undefined) this.broker = metadata.broker
    if (metadata.code !== undefined) this.code = metadata.code
  }
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  readonly host?: string
  readonly port?: number

  constructor(e: Error | string, metadata: { host?: string; port?: number } = {}) {
    super(e, { broker: `${metadata.host ?? ''}:${metadata.port ?? ''}` })
    this.name = 'KafkaJSConnectionClosedError'
    if (metadata.host !== undefined) this.host = metadata.host
    if (metadata.port !== undefined) this.port = metadata.port
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker?: string
  readonly correlationId?: number
  readonly createdAt?: number
  readonly sentAt?: number
  readonly pendingDuration?: number

  constructor(
    e: Error | string,
    metadata: { broker?: string; clientId?: string; correlationId?: number; createdAt?: number; sentAt?: number; pendingDuration?: number; cause?: Error } = {},
  ) {
    super(e, metadata.cause === undefined ? {} : { cause: metadata.cause })
    this.name = 'KafkaJSRequestTimeoutError'
    if (metadata.broker !== undefined) this.broker = metadata.broker
    if (metadata.correlationId !== undefined) this.correlationId = metadata.correlationId
    if (metadata.createdAt !== undefined) this.createdAt = metadata.createdAt
    if (metadata.sentAt !== undefined) this.sentAt = metadata.sentAt
    if (metadata.pendingDuration !== undefined) this.pendingDuration = metadata.pendingDuration
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e: Error | string = 'Metadata not loaded', metadata: KafkaJSErrorMetadata = {}) {
    super(e, metadata)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  readonly topic?: string

  constructor(e: Error | string, metadata: { topic?: string } = {}) {
    super(e)
    this.name = 'KafkaJSTopicMetadataNotLoaded'
    if (metadata.topic !== undefined) this.topic = metadata.topic
  }
}

export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  readonly topic?: string
  readonly unknownPartitions?: PartitionMetadata[]

  constructor(e: Error | string, metadata: { topic?: string; unknownPartitions?: PartitionMetadata[] } = {}) {
    super(e)
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
    if (metadata.topic !== undefined) this.topic = metadata.topic
    if (metadata.unknownPartitions !== undefined) this.unknownPartitions = metadata.unknownPartitions
  }
}

export interface DeleteGroupsResult {
  groupId: string
  errorCode?: number
  error?: KafkaJSProtocolError
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: DeleteGroupsResult[]

  constructor(e: Error | string, groups: DeleteGroupsResult[] = []) {
    super(e)
    this.name = 'KafkaJSDeleteGroupsError'
    this.groups = groups
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  readonly apiKey?: number
  readonly apiName?: string

  constructor(e: Error | string, metadata: { apiKey?: number; apiName?: string; cause?: Error } = {}) {
    super(e, metadata.cause === undefined ? {} : { cause: metadata.cause })
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
    if (metadata.apiKey !== undefined) this.apiKey = metadata.apiKey
    if (metadata.apiName !== undefined) this.apiName = metadata.apiName
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e: Error | string = 'Broker not found', metadata: KafkaJSErrorMetadata = {}) {
    super(e, metadata)
    this.name = 'KafkaJSBrokerNotFound'
  }
}

/** The KafkaJS errors that only carry a message and are not retriable. */
function nonRetriable(name: string): typeof KafkaJSNonRetriableError {
  const named = class extends KafkaJSNonRetriableError {
    constructor(e: Error | string = name, metadata: { cause?: Error } = {}) {
      super(e, metadata)
      this.name = name
    }
  }
  Object.defineProperty(named, 'name', { value: name })
  return named
}

export class KafkaJSPartialMessageError extends nonRetriable('KafkaJSPartialMessageError') {}
export class KafkaJSSASLAuthenticationError extends nonRetriable('KafkaJSSASLAuthenticationError') {}
export class KafkaJSGroupCoordinatorNotFound extends nonRetriable('KafkaJSGroupCoordinatorNotFound') {}
export class KafkaJSNotImplemented extends nonRetriable('KafkaJSNotImplemented') {}
export class KafkaJSTimeout extends nonRetriable('KafkaJSTimeout') {}
export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor(e: Error | string = 'KafkaJSLockTimeout', metadata: { cause?: Error } = {}) {
    super(e, metadata)
    this.name = 'KafkaJSLockTimeout'
  }
}
export class KafkaJSUnsupportedMagicByteInMessageSet extends nonRetriable('KafkaJSUnsupportedMagicByteInMessageSet') {}
export class KafkaJSInvalidVarIntError extends nonRetriable('KafkaJSNonRetriableError') {}
export class KafkaJSInvalidLongError extends nonRetriable('KafkaJSNonRetriableError') {}

export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e: Error | string) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}

export interface KafkaJSDeleteTopicRecordsErrorPartition {
  partition: number
  offset: string
  error: KafkaJSError
}

export interface KafkaJSDeleteTopicRecordsErrorTopic {
  topic: string
  partitions: KafkaJSDeleteTopicRecordsErrorPartition[]
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  readonly partitions: KafkaJSDeleteTopicRecordsErrorPartition[]

  constructor(metadata: KafkaJSDeleteTopicRecordsErrorTopic) {
    // Retriable only when every partition's error is.
    const failed = metadata.partitions.filter((p) => p.error !== undefined && p.error !== null)
    super('Error while deleting records', { retriable: failed.every((p) => p.error.retriable) })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = metadata.partitions
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, topicName: string) {
    super(e)
    this.name = 'KafkaJSCreateTopicError'
    this.topic = topicName
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  readonly topic?: string
  readonly partition?: number

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, topic?: string, partition?: number) {
    super(e)
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
    if (topic !== undefined) this.topic = topic
    if (partition !== undefined) this.partition = partition
  }
}

export class KafkaJSAggregateError extends Error {
  readonly errors: (Error | string)[]

  constructor(message: Error | string, errors: (Error | string)[]) {
    super(messageOf(message))
    this.name = 'KafkaJSAggregateError'
    this.errors = errors
  }
}

export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}

/** Kafka's error code for an illegal topic name. */
const INVALID_TOPIC_EXCEPTION = 17
/** Kafka's error code for a record batch whose checksum does not match (CORRUPT_MESSAGE). */
const CORRUPT_MESSAGE_CODE = 2

/** A kafkats protocol error as the `{ message, type, code, retriable }` KafkaJS builds its errors from. */
function protocolFields(error: KafkaProtocolError): { message: string; type: string; code: number; retriable: boolean } {
  return { message: error.message, type: error.errorName, code: error.errorCode, retriable: error.retriable }
}

/**
 * kafkats says 'SCRAM-SHA-256 authentication failed: ...'; KafkaJS 'SASL SCRAM SHA256
 * authentication failed: ...' (its SCRAM authenticator names the digest without dashes), and code
 * migrated from KafkaJS may match on those words.
 */
function saslFailureMessage(message: string): string {
  if (message.startsWith('SASL ')) return message
  const scram = /^SCRAM-SHA-(256|512) /.exec(message)
  if (scram !== null) return `SASL SCRAM SHA${scram[1]} ${message.slice(scram[0].length)}`
  return `SASL ${message}`
}

/**
 * The KafkaJS error class for an error kafkats threw, so `catch` blocks written for KafkaJS
 * (`e instanceof KafkaJSProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION'`, `e.retriable`)
 * keep working. The kafkats error stays reachable as `cause`.
 */
export function toKafkaJSError(error: unknown): Error {
  if (error instanceof KafkaJSError || error instanceof KafkaJSAggregateError) return error
  if (!(error instanceof Error)) return new KafkaJSNonRetriableError(String(error))
  if (!KafkaError.isInstance(error)) return error
  if (OffsetOutOfRangeError.isInstance(error)) {
    const range = error as OffsetOutOfRangeError & { topic?: string; partition?: number }
    return new KafkaJSOffsetOutOfRange({ message: error.message, type: 'OFFSET_OUT_OF_RANGE', code: 1, retriable: false }, {
      topic: range.topic ?? '',
      partition: range.partition ?? -1,
      cause: error,
    })
  }
  if (KafkaProtocolError.isInstance(error)) return new KafkaJSProtocolError(protocolFields(error), { cause: error })
  if (CorruptRecordError.isInstance(error)) {
    // A batch whose checksum does not match, found by the client (KafkaJS does not check them):
    // Kafka's CORRUPT_MESSAGE, not retriable here as in the Java consumer (reading the same bytes
    // again fails again; the application seeks past the batch or stops).
    return new KafkaJSProtocolError({ message: error.message, type: 'CORRUPT_MESSAGE', code: CORRUPT_MESSAGE_CODE, retriable: false }, { cause: error })
  }
  if (InvalidArgumentError.isInstance(error) && error.field === 'record.topic') {
    // kafkats refuses an illegal topic name before asking the cluster; KafkaJS relays the broker's
    // INVALID_TOPIC_EXCEPTION, and code migrated from it checks that type. kafkats's reason follows.
    const invalidTopic = errorByCode(INVALID_TOPIC_EXCEPTION)
    return new KafkaJSProtocolError(
      { message: `${invalidTopic.message} (${error.message})`, type: invalidTopic.name, code: invalidTopic.code, retriable: invalidTopic.retriable },
      { cause: error },
    )
  }
  if (ConnectionError.isInstance(error)) return new KafkaJSConnectionError(error.message, { broker: error.broker, cause: error })
  if (RequestTimeoutError.isInstance(error)) return new KafkaJSRequestTimeoutError(error.message, { broker: error.broker, cause: error })
  if (AuthenticationError.isInstance(error)) return new KafkaJSSASLAuthenticationError(saslFailureMessage(error.message), { cause: error })
  if (UnsupportedVersionError.isInstance(error)) return new KafkaJSServerDoesNotSupportApiKey(error.message, { cause: error })
  if (error.errorName === 'REQUEST_TIMED_OUT') return new KafkaJSTimeout(error.message, { cause: error })
  return new KafkaJSError(error.message, { retriable: error.retriable, cause: error })
}

/** Runs `operation` and rethrows anything it rejects with as the matching KafkaJS error. */
export async function kafkaJSErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw toKafkaJSError(error)
  }
}
