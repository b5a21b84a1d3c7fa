import { type ConnectionPool, type Logger, silentLogger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { createAcls, deleteAcls, describeAcls } from './acls.js'
import { alterPartitionReassignments, describeCluster, describeFeatures, describeLogDirs, electLeaders, listPartitionReassignments } from './cluster.js'
import { describeConfigs, incrementalAlterConfigs } from './configs.js'
import { AdminContext } from './context.js'
import type { IsolationLevel } from './enums.js'
import { asConfigError, requireInt } from './errors.js'
import { ConfigError } from '@kafkats/protocol'
import {
  type TopicSelection,
  alterOffsets,
  deleteGroups,
  deleteOffsets,
  describeGroups,
  fetchOffsets,
  groupLag,
  listGroups,
  removeMembers,
} from './groups.js'
import { deleteRecords, listOffsets } from './offsets.js'
import { createPartitions, createTopics, deleteTopics, describeTopics, listTopics } from './topics.js'
import { abortTransaction, describeProducers, describeTransactions, fenceProducers, listTransactions } from './transactions.js'
import type {
  AclBinding,
  AclDescription,
  AclFilter,
  AlterConfigsResource,
  AlterOffsetsRequest,
  BrokerLogDirs,
  ClientQuotaAlteration,
  ClientQuotaEntry,
  ClientQuotaFilter,
  ClientQuotaResult,
  ClusterDescription,
  ConfigResourceOutcome,
  ConfigResourceResult,
  CreateAclResult,
  CreatePartitionsOptions,
  CreateTopicResult,
  CreateTopicsOptions,
  DeleteAclsResult,
  DeleteRecordsRequest,
  DeleteRecordsResult,
  DeleteTopicResult,
  DescribeClusterOptions,
  DescribeConfigsOptions,
  DescribeConfigsResource,
  DescribeGroupsOptions,
  DescribeTopicsOptions,
  ElectLeadersRequest,
  FeatureDescription,
  FetchOffsetsOptions,
  GroupDescription,
  GroupLag,
  GroupOffsets,
  GroupResult,
  ItemError,
  ListGroupsOptions,
  ListGroupsResult,
  ListOffsetsOptions,
  ListOffsetsRequest,
  ListTopicsOptions,
  ListTransactionsOptions,
  ListTransactionsResult,
  MemberToRemove,
  NewPartitions,
  NewTopic,
  OngoingReassignment,
  PartitionMap,
  PartitionProducers,
  AbortTransactionSpec,
  FencedProducer,
  PartitionReassignments,
  RemoveMemberResult,
  ScramCredentialDeletion,
  ScramCredentialUpsertion,
  TopicDescription,
  TopicPartitionOffsets,
  TopicResult,
  TransactionDescription,
  UserResult,
  UserScramCredentials,
} from './types.js'
import {
  alterClientQuotas,
  deleteUserScramCredentials,
  describeClientQuotas,
  describeUserScramCredentials,
  upsertUserScramCredentials,
} from './users.js'

export interface AdminOptions {
  /** The client's cluster view: the broker list and addresses come from it. */
  metadata: ClusterMetadata
  /** The client's connection pool (admin requests use the `admin` purpose). */
  pool: ConnectionPool
  /** Default silent. */
  logger?: Logger
  /**
   * How long the broker may take for operations that wait (CreateTopics, DeleteTopics,
   * CreatePartitions, DeleteRecords, ElectLeaders, reassignments, ListOffsets); also added to the
   * connection's own request deadline for them. Default 30 000. Java: default.api.timeout.ms
   */
  operationTimeoutMs?: number
  /** Attempts after the first for retriable failures (coordinator moved, no leader, connection lost…). Default 5. Java: retries */
  retries?: number
  /** First back-off between attempts, doubling. Default 100. Java: retry.backoff.ms */
  retryBackoffMs?: number
  /** Longest back-off. Default 1000. Java: retry.backoff.max.ms */
  retryBackoffMaxMs?: number
  /** The client's principal (`User:alice`), only to say in authorization errors who needs the ACL. */
  principal?: string
}

export const adminDefaults = {
  operationTimeoutMs: 30_000,
  retries: 5,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
} as const

/**
 * Typed Kafka admin operations. Each request goes where Kafka wants it: any broker for controller
 * operations (KRaft brokers forward them), the group or transaction coordinator (FindCoordinator,
 * cached), or each partition's leader. Retriable failures are retried with back-off; per-topic,
 * per-partition and per-group failures come back as `error` entries in the result, never dropped.
 * Bad options are a `ConfigError` at construction; a bad argument to a method is rejected (as a
 * rejected promise) before any request with an `InvalidArgumentError` naming the field, the value
 * and what is expected.
 */
export class Admin {
  private readonly ctx: AdminContext

  constructor(options: AdminOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected { metadata, pool }')
    if (options.metadata === undefined || options.metadata === null) throw new ConfigError('metadata', "pass the client's ClusterMetadata")
    if (options.pool === undefined || options.pool === null) throw new ConfigError('pool', "pass the client's ConnectionPool")
    this.ctx = asConfigError(() => new AdminContext({
      metadata: options.metadata,
      pool: options.pool,
      logger: (options.logger ?? silentLogger).child({ component: 'admin' }),
      timeoutMs: requireInt(options.operationTimeoutMs ?? adminDefaults.operationTimeoutMs, 'operationTimeoutMs', 1),
      retries: requireInt(options.retries ?? adminDefaults.retries, 'retries', 0, 1000),
      retryBackoffMs: requireInt(options.retryBackoffMs ?? adminDefaults.retryBackoffMs, 'retryBackoffMs', 0),
      retryBackoffMaxMs: requireInt(options.retryBackoffMaxMs ?? adminDefaults.retryBackoffMaxMs, 'retryBackoffMaxMs', 0),
      principal: options.principal,
    }))
  }

  // ---- topics ----

  /** Creates topics; waits (by default) until every broker knows their leaders. */
  createTopics(topics: readonly NewTopic[], options?: CreateTopicsOptions): Promise<CreateTopicResult[]> {
    return createTopics(this.ctx, topics, options)
  }

  /** Deletes topics by name, or by id (`{ topicIds }`, DeleteTopics v6+). */
  deleteTopics(topics: readonly string[] | { topicIds: readonly string[] }, options?: { timeoutMs?: number }): Promise<DeleteTopicResult[]> {
    return deleteTopics(this.ctx, topics, options)
  }

  /** Names of every topic, sorted; internal topics only with `includeInternal`. */
  listTopics(options?: ListTopicsOptions): Promise<string[]> {
    return listTopics(this.ctx, options)
  }

  /** Partitions, leaders, leader epochs, replicas (with racks), ISR and offline replicas. */
  describeTopics(topics: readonly string[], options?: DescribeTopicsOptions): Promise<TopicDescription[]> {
    return describeTopics(this.ctx, topics, options)
  }

  /** Raises topics' partition counts. */
  createPartitions(topics: readonly NewPartitions[], options?: CreatePartitionsOptions): Promise<TopicResult[]> {
    return createPartitions(this.ctx, topics, options)
  }

  // ---- configs ----

  describeConfigs(resources: readonly DescribeConfigsResource[], options?: DescribeConfigsOptions): Promise<ConfigResourceResult[]> {
    return describeConfigs(this.ctx, resources, options)
  }

  incrementalAlterConfigs(resources: readonly AlterConfigsResource[], options?: { validateOnly?: boolean }): Promise<ConfigResourceOutcome[]> {
    return incrementalAlterConfigs(this.ctx, resources, options)
  }

  // ---- offsets ----

  /** Offsets by spec, from each partition's leader: `{ [topic]: { [partition]: { offset, leaderEpoch, timestamp } } }`. */
  listOffsets(request: ListOffsetsRequest, options?: ListOffsetsOptions): Promise<TopicPartitionOffsets> {
    return listOffsets(this.ctx, request, options)
  }

  /** Deletes records before the given offsets (-1n: up to the high watermark). */
  deleteRecords(request: DeleteRecordsRequest): Promise<PartitionMap<DeleteRecordsResult>> {
    return deleteRecords(this.ctx, request)
  }

  // ---- groups ----

  /** Groups of every broker (ListGroups goes to each), optionally filtered by state and type. */
  listGroups(options?: ListGroupsOptions): Promise<ListGroupsResult> {
    return listGroups(this.ctx, options)
  }

  /** Classic groups (with decoded subscriptions and assignments) and KIP-848 consumer groups. */
  describeGroups(groupIds: readonly string[], options?: DescribeGroupsOptions): Promise<GroupDescription[]> {
    return describeGroups(this.ctx, groupIds, options)
  }

  /** Deletes empty groups and their committed offsets. */
  deleteGroups(groupIds: readonly string[]): Promise<GroupResult[]> {
    return deleteGroups(this.ctx, groupIds)
  }

  /** Removes members (LeaveGroup v3+); without `members`, every current member. */
  removeMembers(groupId: string, members?: readonly MemberToRemove[]): Promise<RemoveMemberResult[]> {
    return removeMembers(this.ctx, groupId, members)
  }

  /** Committed offsets (with leader epochs) of a group; partitions without a commit are left out. */
  fetchOffsets(groupId: string, topics?: TopicSelection | null, options?: FetchOffsetsOptions): Promise<GroupOffsets> {
    return fetchOffsets(this.ctx, groupId, topics, options)
  }

  /** Commits offsets for an empty group (generation -1, no member id). */
  alterOffsets(groupId: string, offsets: AlterOffsetsRequest): Promise<PartitionMap<ItemError>> {
    return alterOffsets(this.ctx, groupId, offsets)
  }

  /** Deletes committed offsets of partitions the group no longer consumes. */
  deleteOffsets(groupId: string, partitions: Readonly<Record<string, readonly number[]>>): Promise<PartitionMap<ItemError>> {
    return deleteOffsets(this.ctx, groupId, partitions)
  }

  /** Committed offset vs. end offset of every partition the group committed. */
  groupLag(groupId: string, options?: { isolationLevel?: IsolationLevel }): Promise<GroupLag> {
    return groupLag(this.ctx, groupId, options)
  }

  // ---- ACLs ----

  createAcls(acls: readonly AclBinding[]): Promise<CreateAclResult[]> {
    return createAcls(this.ctx, acls)
  }

  describeAcls(filter?: AclFilter): Promise<AclDescription[]> {
    return describeAcls(this.ctx, filter)
  }

  deleteAcls(filters: readonly AclFilter[]): Promise<DeleteAclsResult[]> {
    return deleteAcls(this.ctx, filters)
  }

  // ---- SCRAM users ----

  /** SCRAM mechanisms and iterations per user (all users when omitted). */
  describeUserScramCredentials(users?: readonly string[]): Promise<UserScramCredentials[]> {
    return describeUserScramCredentials(this.ctx, users)
  }

  /** Creates or replaces SCRAM credentials; the password is salted and hashed here (RFC 5802), never sent. */
  upsertUserScramCredentials(credentials: readonly ScramCredentialUpsertion[]): Promise<UserResult[]> {
    return upsertUserScramCredentials(this.ctx, credentials)
  }

  deleteUserScramCredentials(credentials: readonly ScramCredentialDeletion[]): Promise<UserResult[]> {
    return deleteUserScramCredentials(this.ctx, credentials)
  }

  // ---- client quotas ----

  describeClientQuotas(filter: ClientQuotaFilter): Promise<ClientQuotaEntry[]> {
    return describeClientQuotas(this.ctx, filter)
  }

  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], options?: { validateOnly?: boolean }): Promise<ClientQuotaResult[]> {
    return alterClientQuotas(this.ctx, alterations, options)
  }

  // ---- cluster ----

  describeCluster(options?: DescribeClusterOptions): Promise<ClusterDescription> {
    return describeCluster(this.ctx, options)
  }

  describeFeatures(): Promise<FeatureDescription> {
    return describeFeatures(this.ctx)
  }

  describeLogDirs(
    topics?: readonly string[] | Readonly<Record<string, readonly number[]>> | null,
    options?: { brokers?: readonly number[] },
  ): Promise<BrokerLogDirs[]> {
    return describeLogDirs(this.ctx, topics, options)
  }

  /** Starts (replicas) or cancels (null) partition reassignments. */
  alterPartitionReassignments(reassignments: PartitionReassignments, options?: { timeoutMs?: number }): Promise<PartitionMap<ItemError>> {
    return alterPartitionReassignments(this.ctx, reassignments, options)
  }

  listPartitionReassignments(partitions?: Readonly<Record<string, readonly number[]>> | null): Promise<PartitionMap<OngoingReassignment>> {
    return listPartitionReassignments(this.ctx, partitions)
  }

  electLeaders(request: ElectLeadersRequest): Promise<PartitionMap<ItemError>> {
    return electLeaders(this.ctx, request)
  }

  // ---- transactions and producers ----

  listTransactions(options?: ListTransactionsOptions): Promise<ListTransactionsResult> {
    return listTransactions(this.ctx, options)
  }

  describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    return describeTransactions(this.ctx, transactionalIds)
  }

  describeProducers(partitions: readonly string[] | Readonly<Record<string, readonly number[]>>): Promise<PartitionMap<PartitionProducers>> {
    return describeProducers(this.ctx, partitions)
  }

  /** KIP-664: writes an ABORT marker for a hanging transaction on one partition (values from `describeProducers`). */
  abortTransaction(spec: AbortTransactionSpec): Promise<void> {
    return abortTransaction(this.ctx, spec)
  }

  /** KIP-664: fences the producers of these transactional ids (bumps the epoch, aborts their open transactions). */
  fenceProducers(transactionalIds: readonly string[]): Promise<FencedProducer[]> {
    return fenceProducers(this.ctx, transactionalIds)
  }
}
