import type { KafkaProtocolError } from '@kafkats/protocol'
import type {
  AclOperation,
  AclPatternType,
  AclPermission,
  AclResourceType,
  AlterConfigOperation,
  ConfigResourceType,
  ConfigSource,
  ConfigType,
  ElectionType,
  IsolationLevel,
  ScramMechanismName,
} from './enums.js'

/** `{ [topic]: { [partition]: T } }`: the shape of every per-partition result. */
export type PartitionMap<T> = Record<string, Record<number, T>>

/** Per-item outcome: `error` is set when this item failed; the call itself succeeded. */
export interface ItemError {
  error?: KafkaProtocolError
}

// ---- topics ----

export interface NewTopic {
  topic: string
  /** Default: the broker's `num.partitions` (omit when giving `assignments`). */
  partitions?: number
  /** Default: the broker's `default.replication.factor` (omit when giving `assignments`). */
  replicationFactor?: number
  /** Replica broker ids per partition (`[[1, 2], [2, 3]]` or `{ 0: [1, 2], 1: [2, 3] }`); the first is the preferred leader. */
  assignments?: ReadonlyArray<readonly number[]> | Readonly<Record<number, readonly number[]>>
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Readonly<Record<string, string>>
}

export interface CreateTopicsOptions {
  /** Only check that the topics could be created. Default false. */
  validateOnly?: boolean
  /** How long the controller may take. Default: the admin's `operationTimeoutMs`. */
  timeoutMs?: number
  /**
   * Resolve only once every broker reports a leader for every partition of the new topics (as
   * KafkaJS does), so a producer or consumer can use them at once. Default true.
   */
  waitForLeaders?: boolean
}

export interface CreateTopicResult extends ItemError {
  topic: string
  /** The new topic's id (`ZERO_UUID` for validateOnly or on error). */
  topicId: string
  partitions: number
  replicationFactor: number
  /** The topic's effective configs as the controller created them (when the broker reports them). */
  configs: Record<string, { value: string | null; source: ConfigSource | 'unknown'; isSensitive: boolean; readOnly: boolean }>
}

export interface DeleteTopicResult extends ItemError {
  /** null when deleted by id on a broker that did not echo the name. */
  topic: string | null
  topicId: string
}

export interface ListTopicsOptions {
  /** Include `__consumer_offsets`, `__transaction_state`, … Default false. */
  includeInternal?: boolean
}

export interface DescribeTopicsOptions {
  /** Ask for the client's authorized operations on each topic (KIP-430). Default false. */
  includeAuthorizedOperations?: boolean
}

export interface PartitionDescription extends ItemError {
  partition: number
  /** Broker id of the leader, -1 while there is none. */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
  /** Rack of each replica, by broker id (null: the broker has no rack or is not in the metadata). */
  racks: Record<number, string | null>
}

export interface TopicDescription extends ItemError {
  topic: string
  topicId: string
  isInternal: boolean
  /** Ordered by partition number. */
  partitions: PartitionDescription[]
  /** Only with `includeAuthorizedOperations`. */
  authorizedOperations?: AclOperation[]
}

export interface NewPartitions {
  topic: string
  /** The new total number of partitions (must be larger than today's). */
  count: number
  /** Replicas for each added partition, in order. */
  assignments?: ReadonlyArray<readonly number[]>
}

export interface CreatePartitionsOptions {
  validateOnly?: boolean
  timeoutMs?: number
}

export interface TopicResult extends ItemError {
  topic: string
}

// ---- configs ----

export interface ConfigResource {
  type: ConfigResourceType
  /** Topic name, broker id as a string (`''`: the cluster-wide broker default), group id, … */
  name: string
}

export interface DescribeConfigsResource extends ConfigResource {
  /** Only these keys. Default: all. */
  keys?: readonly string[]
}

export interface DescribeConfigsOptions {
  /** Each entry's lower-precedence values (default true). */
  includeSynonyms?: boolean
  /** Each entry's documentation (default false). */
  includeDocumentation?: boolean
}

export interface ConfigSynonym {
  name: string
  value: string | null
  source: ConfigSource | 'unknown'
}

export interface ConfigEntry {
  name: string
  /** null for sensitive values and unset ones. */
  value: string | null
  source: ConfigSource | 'unknown'
  isSensitive: boolean
  readOnly: boolean
  /** `source === 'default'` */
  isDefault: boolean
  synonyms: ConfigSynonym[]
  type: ConfigType | 'unknown'
  documentation: string | null
}

export interface ConfigResourceResult extends ConfigResource, ItemError {
  /** By config name. */
  configs: Record<string, ConfigEntry>
}

export interface ConfigOperation {
  key: string
  op: AlterConfigOperation
  /** Required for set/append/subtract; ignored for delete. Lists are comma-separated. */
  value?: string
}

export interface AlterConfigsResource extends ConfigResource {
  operations: readonly ConfigOperation[]
}

export interface ConfigResourceOutcome extends ConfigResource, ItemError {}

// ---- offsets ----

/**
 * Which offset to look up: the first (`'earliest'`), the next to be written (`'latest'`, the high
 * watermark, or the last stable offset with read_committed), the record with the largest timestamp
 * (`'max-timestamp'`), the first on local storage (`'earliest-local'`), the last in tiered storage
 * (`'latest-tiered'`), or the first whose timestamp is ≥ `timestamp` (ms).
 */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | 'earliest-local' | 'latest-tiered' | { timestamp: bigint | number }

/** `{ [topic]: spec }` (every partition) or `{ [topic]: { [partition]: spec } }`, mixed freely. */
export type ListOffsetsRequest = Readonly<Record<string, OffsetSpec | Readonly<Record<number, OffsetSpec>>>>

export interface ListOffsetsOptions {
  /** Default read_uncommitted. */
  isolationLevel?: IsolationLevel
}

/** An offset and the leader epoch it belongs to: what a consumer needs to start at a position. */
export interface OffsetAndEpoch {
  offset: bigint
  /** -1 when unknown. The consumer validates it with the leader (KIP-320) before fetching. */
  leaderEpoch: number
}

export interface PartitionOffset extends OffsetAndEpoch, ItemError {
  /** The record's timestamp for timestamp/max-timestamp lookups; -1 otherwise. */
  timestamp: bigint
}

/** listOffsets' result: `{ [topic]: { [partition]: { offset, leaderEpoch, timestamp } } }`, accepted by the consumer as-is. */
export type TopicPartitionOffsets = PartitionMap<PartitionOffset>

/** `{ [topic]: { [partition]: beforeOffset } }`; -1n deletes up to the high watermark. */
export type DeleteRecordsRequest = Readonly<Record<string, Readonly<Record<number, bigint | number>>>>

export interface DeleteRecordsResult extends ItemError {
  /** The partition's new log start offset. */
  lowWatermark: bigint
}

// ---- groups ----

export type GroupState =
  | 'Empty'
  | 'Stable'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Dead'
  | 'Assigning'
  | 'Reconciling'
  | 'NotReady'
  | (string & {})

export type GroupType = 'classic' | 'consumer' | 'share' | 'streams' | (string & {})

export interface ListGroupsOptions {
  /** Only groups in these states (ListGroups v4+). */
  states?: readonly GroupState[]
  /** Only groups of these types (ListGroups v5+). */
  types?: readonly GroupType[]
}

export interface GroupListing {
  groupId: string
  /** `'consumer'` for consumer groups, `''` for groups that only commit offsets. */
  protocolType: string
  state: GroupState
  type: GroupType
  /** The coordinator's broker id. */
  coordinator: number
}

export interface BrokerFailure {
  broker: number
  error: Error
}

export interface ListGroupsResult {
  groups: GroupListing[]
  /** Brokers that could not answer: the listing may miss their groups. */
  errors: BrokerFailure[]
}

/** `{ [topic]: partitions }` */
export type TopicPartitions = Record<string, number[]>

export interface GroupMemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Classic members: the decoded ConsumerProtocolSubscription, when the group's protocol type is `consumer`. */
  subscription?: {
    topics: string[]
    userData: Uint8Array | null
    ownedPartitions: TopicPartitions
    generationId: number
    rackId: string | null
  }
  /** Topic-partitions assigned to the member (decoded for classic consumer groups). */
  assignment: TopicPartitions
  /** Classic: the raw assignment's user data. */
  assignmentUserData?: Uint8Array | null
  /** Classic members of non-consumer protocols: the raw bytes. */
  memberMetadata?: Uint8Array
  memberAssignment?: Uint8Array
  /** Consumer-protocol members (KIP-848). */
  memberEpoch?: number
  rackId?: string | null
  subscribedTopicNames?: string[]
  subscribedTopicRegex?: string | null
  targetAssignment?: TopicPartitions
  /** KIP-848: 'consumer' or 'classic' (a classic member of a consumer group); 'unknown' when the broker does not say (ConsumerGroupDescribe v0, before Kafka 4.1). */
  memberType?: 'consumer' | 'classic' | 'unknown'
}

export interface GroupDescription extends ItemError {
  groupId: string
  type: 'classic' | 'consumer'
  state: GroupState
  protocolType: string
  /** Classic: the chosen protocol (assignor); consumer: the server assignor. */
  protocol: string
  members: GroupMemberDescription[]
  coordinator: number
  /** Consumer groups only. */
  groupEpoch?: number
  assignmentEpoch?: number
  authorizedOperations?: AclOperation[]
}

export interface DescribeGroupsOptions {
  includeAuthorizedOperations?: boolean
}

export interface GroupResult extends ItemError {
  groupId: string
}

export interface MemberToRemove {
  /** A static member (group.instance.id). */
  groupInstanceId?: string
  /** A dynamic member (LeaveGroup v3+). */
  memberId?: string
  reason?: string
}

export interface RemoveMemberResult extends ItemError {
  memberId: string
  groupInstanceId: string | null
}

export interface CommittedOffset extends OffsetAndEpoch, ItemError {
  metadata: string | null
}

/** fetchOffsets' result: `{ [topic]: { [partition]: { offset, leaderEpoch, metadata } } }`, accepted by the consumer as-is. */
export type GroupOffsets = PartitionMap<CommittedOffset>

export interface FetchOffsetsOptions {
  /** Wait for pending transactional commits (KIP-447). Default false. */
  requireStable?: boolean
}

/** `{ [topic]: { [partition]: offset | { offset, leaderEpoch?, metadata? } } }`; a listOffsets or fetchOffsets result fits. */
export type AlterOffsetsRequest = Readonly<
  Record<string, Readonly<Record<number, bigint | { offset: bigint; leaderEpoch?: number; metadata?: string | null }>>>
>

export interface PartitionLag extends ItemError {
  topic: string
  partition: number
  committedOffset: bigint
  committedLeaderEpoch: number
  /** The next offset to be written (-1n if it could not be listed). */
  endOffset: bigint
  /** endOffset - committedOffset, never negative. */
  lag: bigint
}

export interface GroupLag {
  groupId: string
  partitions: PartitionLag[]
  totalLag: bigint
}

// ---- ACLs ----

export interface AclBinding {
  resourceType: Exclude<AclResourceType, 'any'>
  resourceName: string
  /** Default 'literal'. */
  patternType?: Extract<AclPatternType, 'literal' | 'prefixed'>
  /** `User:alice` */
  principal: string
  /** Default '*'. */
  host?: string
  operation: Exclude<AclOperation, 'any'>
  permission: Exclude<AclPermission, 'any'>
}

/** An ACL as the broker reports it (every field set). */
export interface AclDescription {
  resourceType: AclResourceType | 'unknown'
  resourceName: string
  patternType: AclPatternType | 'unknown'
  principal: string
  host: string
  operation: AclOperation | 'unknown'
  permission: AclPermission | 'unknown'
}

/** Every field is optional: omitted means "any" (null names/principals/hosts match all). */
export interface AclFilter {
  resourceType?: AclResourceType
  resourceName?: string | null
  patternType?: AclPatternType
  principal?: string | null
  host?: string | null
  operation?: AclOperation
  permission?: AclPermission
}

export interface CreateAclResult extends ItemError {
  acl: AclBinding
}

export interface DeleteAclsResult extends ItemError {
  filter: AclFilter
  /** The ACLs this filter deleted; each may carry its own error. */
  deleted: Array<AclDescription & ItemError>
}

// ---- SCRAM users ----

export interface UserScramCredentials extends ItemError {
  user: string
  credentials: Array<{ mechanism: ScramMechanismName | 'unknown'; iterations: number }>
}

export interface ScramCredentialUpsertion {
  user: string
  mechanism: ScramMechanismName
  /** Default 4096 (Kafka's minimum; the maximum is 16384). */
  iterations?: number
  password: string
  /** Default: 32 random bytes. */
  salt?: Uint8Array
}

export interface ScramCredentialDeletion {
  user: string
  mechanism: ScramMechanismName
}

export interface UserResult extends ItemError {
  user: string
}

// ---- client quotas ----

/** Known entity types; others are passed through. */
export type ClientQuotaEntityType = 'user' | 'client-id' | 'ip' | (string & {})

/** `{ user: 'alice', 'client-id': 'billing' }`; null is the default entity of that type. */
export type ClientQuotaEntity = Partial<Record<ClientQuotaEntityType, string | null>>

/**
 * One filter component: `name` a string matches that entity exactly, `name: null` the default
 * entity, `name` omitted any entity of the type that has a name.
 */
export interface ClientQuotaFilterComponent {
  entityType: ClientQuotaEntityType
  name?: string | null
}

export interface ClientQuotaFilter {
  components: readonly ClientQuotaFilterComponent[]
  /** Only entities with no other component types. Default false. */
  strict?: boolean
}

export interface ClientQuotaEntry {
  entity: ClientQuotaEntity
  /** e.g. `{ producer_byte_rate: 1048576 }` */
  values: Record<string, number>
}

export interface ClientQuotaAlteration {
  entity: ClientQuotaEntity
  /** A number sets the quota, null removes it. */
  values: Readonly<Record<string, number | null>>
}

export interface ClientQuotaResult extends ItemError {
  entity: ClientQuotaEntity
}

// ---- cluster ----

export interface ClusterBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
  /** Only reported with `includeFencedBrokers` (DescribeCluster v2+). */
  isFenced: boolean
}

export interface ClusterDescription {
  clusterId: string
  /** In KRaft mode, a broker id the client can send controller requests to (brokers forward them). */
  controllerId: number
  brokers: ClusterBroker[]
  /** Only with `includeAuthorizedOperations`. */
  authorizedOperations?: AclOperation[]
}

export interface DescribeClusterOptions {
  includeAuthorizedOperations?: boolean
  includeFencedBrokers?: boolean
}

export interface FeatureDescription {
  /** Finalized (cluster-wide enabled) feature levels, e.g. `{ 'metadata.version': { min: 1, max: 27 } }`. */
  finalized: Record<string, { minVersionLevel: number; maxVersionLevel: number }>
  /** -1n when the broker did not report it. */
  finalizedEpoch: bigint
  /** Feature ranges the answering broker supports. */
  supported: Record<string, { minVersion: number; maxVersion: number }>
}

export interface LogDirPartition {
  size: bigint
  offsetLag: bigint
  /** A future replica (being moved between log dirs). */
  isFuture: boolean
}

export interface LogDirDescription extends ItemError {
  path: string
  /** -1n when the broker did not report it. */
  totalBytes: bigint
  usableBytes: bigint
  partitions: PartitionMap<LogDirPartition>
}

export interface BrokerLogDirs extends ItemError {
  broker: number
  logDirs: LogDirDescription[]
}

/** `{ [topic]: { [partition]: replicas } }`; null cancels that partition's reassignment. */
export type PartitionReassignments = Readonly<Record<string, Readonly<Record<number, readonly number[] | null>>>>

export interface OngoingReassignment {
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

export interface ElectLeadersRequest {
  type: ElectionType
  /** Default: every partition (preferred elections only where needed). */
  partitions?: Readonly<Record<string, readonly number[]>> | null
  timeoutMs?: number
}

// ---- transactions and producers ----

export interface ListTransactionsOptions {
  /** e.g. 'Ongoing', 'PrepareCommit', 'CompleteCommit', 'Empty'. */
  states?: readonly string[]
  producerIds?: readonly bigint[]
  /** Only transactions running longer than this (ListTransactions v1+). */
  durationMs?: number
  /** A regular expression on the transactional id (v2+). */
  transactionalIdPattern?: string
}

export interface TransactionListing {
  transactionalId: string
  producerId: bigint
  state: string
  coordinator: number
}

export interface ListTransactionsResult {
  transactions: TransactionListing[]
  errors: BrokerFailure[]
}

/** What `abortTransaction` needs; from `describeProducers` (KIP-664). */
export interface AbortTransactionSpec {
  topic: string
  partition: number
  producerId: bigint
  producerEpoch: number
  coordinatorEpoch: number
}

/** `fenceProducers`' result per transactional id: the epoch that fenced the old producers. */
export interface FencedProducer extends ItemError {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
}

export interface TransactionDescription extends ItemError {
  transactionalId: string
  state: string
  timeoutMs: number
  /** -1n when no transaction is open. */
  startTimeMs: bigint
  producerId: bigint
  producerEpoch: number
  /** Partitions in the current transaction. */
  topics: TopicPartitions
  coordinator: number
}

export interface ProducerState {
  producerId: bigint
  producerEpoch: number
  lastSequence: number
  lastTimestamp: bigint
  coordinatorEpoch: number
  /** -1n when the producer has no open transaction on the partition. */
  currentTransactionStartOffset: bigint
}

export interface PartitionProducers extends ItemError {
  producers: ProducerState[]
}
