import type { AclFilter as KafkatsAclFilter, Admin as KafkatsAdmin, Kafka as KafkatsKafka, KafkaProtocolError } from 'kafkats'
import { aclCodes, configResourceTypes, configSources, operations, patternTypes, permissions, resourceTypes } from './admin-mapping.js'
import type { ClientFactory } from './client.js'
import {
  KafkaJSAggregateError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  kafkaJSErrors,
  toKafkaJSError,
  type DeleteGroupsResult,
} from './errors.js'
import { toGroupDescription } from './groups.js'
import { InstrumentationEmitter } from './instrumentation.js'
import type { Logger } from './logger.js'
import type {
  AclEntry,
  AclFilter,
  DeleteAclResponse,
  DescribeAclResource,
  DescribeAclResponse,
  DescribeConfigResponse,
  IResourceConfig,
  ListPartitionReassignmentsResponse,
  PartitionReassignment,
  ResourceConfigQuery,
  TopicPartitions,
  AdminConfig,
  AdminEvents,
  ConnectEvent,
  DisconnectEvent,
  FetchOffsetsPartition,
  GroupDescriptions,
  GroupOverview,
  ITopicConfig,
  ITopicMetadata,
  ITopicPartitionConfig,
  InstrumentationEvent,
  PartitionMetadata,
  RemoveInstrumentationEventListener,
  RequestEvent,
  RequestQueueSizeEvent,
  RequestTimeoutEvent,
  SeekEntry,
  ValueOf,
} from './types.js'

export const adminEvents: AdminEvents = {
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
}

export type Admin = {
  connect(): Promise<void>
  disconnect(): Promise<void>
  listTopics(): Promise<string[]>
  createTopics(options: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }): Promise<boolean>
  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>
  createPartitions(options: { validateOnly?: boolean; timeout?: number; topicPartitions: ITopicPartitionConfig[] }): Promise<boolean>
  fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: Array<ITopicMetadata> }>
  fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>>
  fetchTopicOffsets(topic: string): Promise<Array<SeekEntry & { high: string; low: string }>>
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<SeekEntry>>
  describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; controller: number | null; clusterId: string }>
  setOffsets(options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void>
  resetOffsets(options: { groupId: string; topic: string; earliest: boolean }): Promise<void>
  listGroups(): Promise<{ groups: GroupOverview[] }>
  deleteGroups(groupIds: string[]): Promise<DeleteGroupsResult[]>
  describeGroups(groupIds: string[]): Promise<GroupDescriptions>
  deleteTopicRecords(options: { topic: string; partitions: SeekEntry[] }): Promise<void>
  describeConfigs(configs: { resources: ResourceConfigQuery[]; includeSynonyms: boolean }): Promise<DescribeConfigResponse>
  alterConfigs(configs: { validateOnly: boolean; resources: IResourceConfig[] }): Promise<unknown>
  describeAcls(options: AclFilter): Promise<DescribeAclResponse>
  deleteAcls(options: { filters: AclFilter[] }): Promise<DeleteAclResponse>
  createAcls(options: { acl: AclEntry[] }): Promise<boolean>
  alterPartitionReassignments(request: { topics: PartitionReassignment[]; timeout?: number }): Promise<void>
  listPartitionReassignments(request: { topics?: TopicPartitions[]; timeout?: number }): Promise<ListPartitionReassignmentsResponse>
  logger(): Logger
  on(eventName: AdminEvents['CONNECT'], listener: (event: ConnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: AdminEvents['DISCONNECT'], listener: (event: DisconnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: AdminEvents['REQUEST'], listener: (event: RequestEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: AdminEvents['REQUEST_QUEUE_SIZE'], listener: (event: RequestQueueSizeEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: AdminEvents['REQUEST_TIMEOUT'], listener: (event: RequestTimeoutEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ValueOf<AdminEvents>, listener: (event: InstrumentationEvent<unknown>) => void): RemoveInstrumentationEventListener<typeof eventName>
  readonly events: AdminEvents
}

function protocolError(error: KafkaProtocolError): KafkaJSProtocolError {
  return toKafkaJSError(error) as KafkaJSProtocolError
}

/** Throws the first per-item error of a kafkats result list (KafkaJS fails the whole call). */
function throwItemErrors(items: ReadonlyArray<{ error?: KafkaProtocolError }>): void {
  const failed = items.find((item) => item.error !== undefined)
  if (failed?.error !== undefined) throw protocolError(failed.error)
}

export class CompatAdmin implements Admin {
  readonly events = adminEvents
  private readonly emitter = new InstrumentationEmitter(adminEvents, 'admin')
  private readonly log: Logger
  private client: KafkatsKafka | null = null
  private kafkatsAdmin: KafkatsAdmin | null = null

  constructor(
    private readonly factory: ClientFactory,
    private readonly config: AdminConfig,
  ) {
    this.log = factory.logger.namespace('Admin')
  }

  logger(): Logger {
    return this.log
  }

  on(eventName: ValueOf<AdminEvents>, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener<typeof eventName> {
    return this.emitter.on(eventName, listener as (event: InstrumentationEvent<unknown>) => void)
  }

  connect(): Promise<void> {
    return kafkaJSErrors(async () => {
      if (this.client !== null) return
      this.client = await this.factory.connect({ component: 'Admin' })
      this.kafkatsAdmin = this.client.admin(this.config.retry?.initialRetryTime !== undefined ? { retryBackoffMs: this.config.retry.initialRetryTime } : {})
      this.emitter.emit(adminEvents.CONNECT, null)
    })
  }

  async disconnect(): Promise<void> {
    const client = this.client
    this.client = null
    this.kafkatsAdmin = null
    if (client === null) return
    await client.close()
    this.emitter.emit(adminEvents.DISCONNECT, null)
  }

  /** The kafkats admin; KafkaJS's admin needs connect() first, so does this one. */
  protected admin(): KafkatsAdmin {
    if (this.kafkatsAdmin === null) throw new KafkaJSError('Admin client is not connected: call admin.connect() first', { retriable: false })
    return this.kafkatsAdmin
  }

  listTopics(): Promise<string[]> {
    // KafkaJS lists every topic in the metadata, internal ones included.
    return kafkaJSErrors(() => this.admin().listTopics({ includeInternal: true }))
  }

  createTopics(options: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }): Promise<boolean> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(options?.topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(options?.topics)}`)
      if (options.topics.some((t) => typeof t?.topic !== 'string')) throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
      if (new Set(options.topics.map((t) => t.topic)).size < options.topics.length) throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
      const results = await this.admin().createTopics(
        options.topics.map((t) => ({
          topic: t.topic,
          ...(t.numPartitions !== undefined && t.numPartitions !== -1 ? { partitions: t.numPartitions } : {}),
          ...(t.replicationFactor !== undefined && t.replicationFactor !== -1 ? { replicationFactor: t.replicationFactor } : {}),
          ...(t.replicaAssignment !== undefined && t.replicaAssignment.length > 0
            ? { assignments: Object.fromEntries(t.replicaAssignment.map((a) => [a.partition, a.replicas])) }
            : {}),
          ...(t.configEntries !== undefined ? { configs: Object.fromEntries(t.configEntries.map((c) => [c.name, c.value])) } : {}),
        })),
        {
          ...(options.validateOnly !== undefined ? { validateOnly: options.validateOnly } : {}),
          ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
          waitForLeaders: options.waitForLeaders ?? true,
        },
      )
      // KafkaJS: an existing topic is not an error, the call just answers false.
      const errors = results.filter((r) => r.error !== undefined && r.error.errorName !== 'TOPIC_ALREADY_EXISTS')
      if (errors.length > 0) {
        throw new KafkaJSAggregateError(
          'Topic creation errors',
          errors.map((r) => new KafkaJSCreateTopicError({ message: r.error!.message, type: r.error!.errorName, code: r.error!.errorCode, retriable: r.error!.retriable }, r.topic)),
        )
      }
      return results.every((r) => r.error === undefined)
    })
  }

  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(options?.topics) || options.topics.some((t) => typeof t !== 'string')) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(options?.topics)}`)
      throwItemErrors(await this.admin().deleteTopics(options.topics, options.timeout !== undefined ? { timeoutMs: options.timeout } : {}))
    })
  }

  createPartitions(options: { validateOnly?: boolean; timeout?: number; topicPartitions: ITopicPartitionConfig[] }): Promise<boolean> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(options?.topicPartitions)) throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${String(options?.topicPartitions)}`)
      const results = await this.admin().createPartitions(
        options.topicPartitions.map((t) => ({ topic: t.topic, count: t.count, ...(t.assignments !== undefined ? { assignments: t.assignments } : {}) })),
        { ...(options.validateOnly !== undefined ? { validateOnly: options.validateOnly } : {}), ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}) },
      )
      throwItemErrors(results)
      return true
    })
  }

  fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: Array<ITopicMetadata> }> {
    return kafkaJSErrors(async () => {
      const names = options?.topics !== undefined && options.topics.length > 0 ? options.topics : await this.admin().listTopics({ includeInternal: true })
      const described = await this.admin().describeTopics(names)
      throwItemErrors(described)
      return {
        topics: described.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map(
            (p): PartitionMetadata => ({
              partitionErrorCode: p.error?.errorCode ?? 0,
              partitionId: p.partition,
              leader: p.leader,
              replicas: p.replicas,
              isr: p.isr,
              offlineReplicas: p.offlineReplicas,
            }),
          ),
        })),
      }
    })
  }

  fetchTopicOffsets(topic: string): Promise<Array<SeekEntry & { high: string; low: string }>> {
    return kafkaJSErrors(async () => {
      const [low, high] = await Promise.all([this.admin().listOffsets({ [topic]: 'earliest' }), this.admin().listOffsets({ [topic]: 'latest' })])
      return Object.entries(high[topic] ?? {}).map(([partition, h]) => {
        if (h.error !== undefined) throw protocolError(h.error)
        return { partition: Number(partition), offset: String(h.offset), high: String(h.offset), low: String(low[topic]?.[Number(partition)]?.offset ?? 0n) }
      })
    })
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<SeekEntry>> {
    return kafkaJSErrors(async () => {
      const latest = await this.admin().listOffsets({ [topic]: 'latest' })
      if (timestamp === undefined) return Object.entries(latest[topic] ?? {}).map(([partition, o]) => ({ partition: Number(partition), offset: String(o.offset) }))
      const byTime = await this.admin().listOffsets({ [topic]: { timestamp: BigInt(timestamp) } })
      // No record at or after the timestamp: KafkaJS answers the partition's end offset.
      return Object.entries(byTime[topic] ?? {}).map(([partition, o]) => ({
        partition: Number(partition),
        offset: String(o.offset >= 0n ? o.offset : (latest[topic]?.[Number(partition)]?.offset ?? -1n)),
      }))
    })
  }

  fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>> {
    return kafkaJSErrors(async () => {
      if (typeof options?.groupId !== 'string' || options.groupId === '') throw new KafkaJSNonRetriableError(`Invalid groupId ${String(options?.groupId)}`)
      const admin = this.admin()
      const topics = options.topics
      const committed = await admin.fetchOffsets(options.groupId, topics === undefined || topics.length === 0 ? null : topics)
      const names = topics === undefined || topics.length === 0 ? Object.keys(committed) : topics
      const result: Array<{ topic: string; partitions: FetchOffsetsPartition[] }> = []
      for (const topic of names) {
        // KafkaJS lists every partition of a named topic, '-1' where nothing is committed.
        const described = topics === undefined || topics.length === 0 ? null : (await admin.describeTopics([topic]))[0]
        const partitionIds = described !== null && described !== undefined && described.error === undefined ? described.partitions.map((p) => p.partition) : Object.keys(committed[topic] ?? {}).map(Number)
        let partitions: FetchOffsetsPartition[] = partitionIds.map((partition) => {
          const entry = committed[topic]?.[partition]
          return { partition, offset: entry === undefined ? '-1' : String(entry.offset), metadata: entry?.metadata ?? null }
        })
        if (options.resolveOffsets === true && partitions.some((p) => p.offset === '-1')) {
          const ends = await admin.listOffsets({ [topic]: 'latest' })
          partitions = partitions.map((p) => (p.offset === '-1' ? { ...p, offset: String(ends[topic]?.[p.partition]?.offset ?? -1n) } : p))
        }
        result.push({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) })
      }
      return result
    })
  }

  setOffsets(options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void> {
    return kafkaJSErrors(async () => {
      if (typeof options?.groupId !== 'string' || options.groupId === '') throw new KafkaJSNonRetriableError(`Invalid groupId ${String(options?.groupId)}`)
      if (typeof options.topic !== 'string' || options.topic === '') throw new KafkaJSNonRetriableError(`Invalid topic ${String(options.topic)}`)
      if (!Array.isArray(options.partitions) || options.partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
      const admin = this.admin()
      // -1 and -2 are KafkaJS's "latest" and "earliest": resolved to offsets first.
      const special = options.partitions.filter((p) => p.offset === '-1' || p.offset === '-2')
      const ends = special.length > 0 ? await admin.listOffsets({ [options.topic]: Object.fromEntries(special.map((p) => [p.partition, p.offset === '-2' ? 'earliest' : 'latest'] as const)) }) : {}
      const offsets: Record<number, bigint> = {}
      for (const { partition, offset } of options.partitions) {
        offsets[partition] = offset === '-1' || offset === '-2' ? (ends[options.topic]?.[partition]?.offset ?? 0n) : BigInt(offset)
      }
      const outcome = await admin.alterOffsets(options.groupId, { [options.topic]: offsets })
      for (const item of Object.values(outcome[options.topic] ?? {})) if (item.error !== undefined) throw protocolError(item.error)
    })
  }

  resetOffsets(options: { groupId: string; topic: string; earliest: boolean }): Promise<void> {
    return kafkaJSErrors(async () => {
      const described = (await this.admin().describeTopics([options.topic]))[0]
      if (described?.error !== undefined) throw protocolError(described.error)
      const offset = options.earliest ? '-2' : '-1'
      await this.setOffsets({ groupId: options.groupId, topic: options.topic, partitions: (described?.partitions ?? []).map((p) => ({ partition: p.partition, offset })) })
    })
  }

  describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; controller: number | null; clusterId: string }> {
    return kafkaJSErrors(async () => {
      const cluster = await this.admin().describeCluster()
      return {
        brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
        controller: cluster.controllerId < 0 ? null : cluster.controllerId,
        clusterId: cluster.clusterId,
      }
    })
  }

  listGroups(): Promise<{ groups: GroupOverview[] }> {
    return kafkaJSErrors(async () => {
      const listed = await this.admin().listGroups()
      return { groups: listed.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }
    })
  }

  describeGroups(groupIds: string[]): Promise<GroupDescriptions> {
    return kafkaJSErrors(async () => {
      const groups = await this.admin().describeGroups(groupIds)
      throwItemErrors(groups)
      return { groups: groups.map(toGroupDescription) }
    })
  }

  deleteGroups(groupIds: string[]): Promise<DeleteGroupsResult[]> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(groupIds) || groupIds.some((g) => typeof g !== 'string')) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${String(groupIds)}`)
      const results = await this.admin().deleteGroups(groupIds)
      const mapped: DeleteGroupsResult[] = results.map((r) =>
        r.error === undefined ? { groupId: r.groupId, errorCode: 0 } : { groupId: r.groupId, errorCode: r.error.errorCode, error: protocolError(r.error) },
      )
      const failed = mapped.filter((r) => r.error !== undefined)
      if (failed.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed)
      return mapped
    })
  }

  deleteTopicRecords(options: { topic: string; partitions: SeekEntry[] }): Promise<void> {
    return kafkaJSErrors(async () => {
      if (typeof options?.topic !== 'string' || options.topic === '') throw new KafkaJSNonRetriableError(`Invalid topic "${String(options?.topic)}"`)
      if (!Array.isArray(options.partitions) || options.partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
      // '-1' deletes everything up to the high watermark, as in KafkaJS.
      const request = { [options.topic]: Object.fromEntries(options.partitions.map((p) => [p.partition, BigInt(p.offset)])) }
      const results = await this.admin().deleteRecords(request)
      const partitions = options.partitions.map((p) => {
        const error = results[options.topic]?.[p.partition]?.error
        return { partition: p.partition, offset: p.offset, error: error === undefined ? undefined : protocolError(error) }
      })
      if (partitions.some((p) => p.error !== undefined)) {
        throw new KafkaJSDeleteTopicRecordsError({ topic: options.topic, partitions: partitions.filter((p) => p.error !== undefined) as Array<{ partition: number; offset: string; error: KafkaJSProtocolError }> })
      }
    })
  }

  describeConfigs(configs: { resources: ResourceConfigQuery[]; includeSynonyms: boolean }): Promise<DescribeConfigResponse> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(configs?.resources) || configs.resources.length === 0) throw new KafkaJSNonRetriableError('Invalid resources array')
      const results = await this.admin().describeConfigs(
        configs.resources.map((r) => ({ type: configResourceTypes.name(r.type), name: r.name, ...(r.configNames !== undefined ? { keys: r.configNames } : {}) })),
        { includeSynonyms: configs.includeSynonyms === true },
      )
      return {
        throttleTime: 0,
        resources: results.map((r) => ({
          errorCode: r.error?.errorCode ?? 0,
          errorMessage: r.error?.message ?? '',
          resourceName: r.name,
          resourceType: configResourceTypes.code(r.type),
          configEntries: Object.values(r.configs).map((entry) => ({
            configName: entry.name,
            configValue: entry.value ?? '',
            isDefault: entry.isDefault,
            configSource: configSources.code(entry.source),
            isSensitive: entry.isSensitive,
            readOnly: entry.readOnly,
            configSynonyms: entry.synonyms.map((synonym) => ({ configName: synonym.name, configValue: synonym.value ?? '', configSource: configSources.code(synonym.source) })),
          })),
        })),
      }
    })
  }

  alterConfigs(configs: { validateOnly: boolean; resources: IResourceConfig[] }): Promise<unknown> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(configs?.resources) || configs.resources.length === 0) throw new KafkaJSNonRetriableError('Invalid resources array')
      // IncrementalAlterConfigs SET per entry (see the README: other settings are kept).
      const results = await this.admin().incrementalAlterConfigs(
        configs.resources.map((r) => ({ type: configResourceTypes.name(r.type), name: r.name, operations: r.configEntries.map((c) => ({ key: c.name, op: 'set' as const, value: c.value })) })),
        { validateOnly: configs.validateOnly === true },
      )
      throwItemErrors(results)
      return {
        throttleTime: 0,
        resources: results.map((r) => ({ errorCode: 0, errorMessage: null, resourceName: r.name, resourceType: configResourceTypes.code(r.type) })),
      }
    })
  }

  describeAcls(options: AclFilter): Promise<DescribeAclResponse> {
    return kafkaJSErrors(async () => {
      const acls = await this.admin().describeAcls(toKafkatsFilter(options))
      const resources = new Map<string, DescribeAclResource>()
      for (const acl of acls) {
        const codes = aclCodes(acl)
        const id = `${codes.resourceType}\u0000${acl.resourceName}\u0000${codes.resourcePatternType}`
        let resource = resources.get(id)
        if (resource === undefined) {
          resource = { resourceType: codes.resourceType, resourceName: acl.resourceName, resourcePatternType: codes.resourcePatternType, acls: [] }
          resources.set(id, resource)
        }
        resource.acls.push({ principal: acl.principal, host: acl.host, operation: codes.operation, permissionType: codes.permissionType })
      }
      return { throttleTime: 0, errorCode: 0, resources: [...resources.values()] }
    })
  }

  createAcls(options: { acl: AclEntry[] }): Promise<boolean> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(options?.acl) || options.acl.length === 0) throw new KafkaJSNonRetriableError('Invalid ACL array')
      const results = await this.admin().createAcls(
        options.acl.map((acl) => ({
          resourceType: resourceTypes.name(acl.resourceType) as Exclude<ReturnType<typeof resourceTypes.name>, 'any'>,
          resourceName: acl.resourceName,
          patternType: patternTypes.name(acl.resourcePatternType) as 'literal' | 'prefixed',
          principal: acl.principal,
          host: acl.host,
          operation: operations.name(acl.operation) as Exclude<ReturnType<typeof operations.name>, 'any'>,
          permission: permissions.name(acl.permissionType) as 'allow' | 'deny',
        })),
      )
      throwItemErrors(results)
      return true
    })
  }

  deleteAcls(options: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(options?.filters) || options.filters.length === 0) throw new KafkaJSNonRetriableError('Invalid ACL Filter array')
      const results = await this.admin().deleteAcls(options.filters.map(toKafkatsFilter))
      throwItemErrors(results)
      return {
        throttleTime: 0,
        filterResponses: results.map((r) => ({
          errorCode: 0,
          matchingAcls: r.deleted.map((acl) => ({ errorCode: acl.error?.errorCode ?? 0, resourceName: acl.resourceName, principal: acl.principal, host: acl.host, ...aclCodes(acl) })),
        })),
      }
    })
  }

  alterPartitionReassignments(request: { topics: PartitionReassignment[]; timeout?: number }): Promise<void> {
    return kafkaJSErrors(async () => {
      if (!Array.isArray(request?.topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(request?.topics)}`)
      const reassignments = Object.fromEntries(request.topics.map((t) => [t.topic, Object.fromEntries(t.partitionAssignment.map((a) => [a.partition, a.replicas]))]))
      const results = await this.admin().alterPartitionReassignments(reassignments, request.timeout !== undefined ? { timeoutMs: request.timeout } : {})
      for (const [topic, partitions] of Object.entries(results)) {
        for (const [partition, item] of Object.entries(partitions)) {
          if (item.error !== undefined) {
            throw new KafkaJSAlterPartitionReassignmentsError({ message: item.error.message, type: item.error.errorName, code: item.error.errorCode, retriable: item.error.retriable }, topic, Number(partition))
          }
        }
      }
    })
  }

  listPartitionReassignments(request: { topics?: TopicPartitions[]; timeout?: number } = {}): Promise<ListPartitionReassignmentsResponse> {
    return kafkaJSErrors(async () => {
      const selection = request.topics === undefined ? null : Object.fromEntries(request.topics.map((t) => [t.topic, t.partitions]))
      const ongoing = await this.admin().listPartitionReassignments(selection)
      return {
        topics: Object.entries(ongoing).map(([topic, partitions]) => ({
          topic,
          partitions: Object.entries(partitions).map(([partition, r]) => ({ partitionIndex: Number(partition), replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas })),
        })),
      }
    })
  }
}

/** A KafkaJS ACL filter as kafkats's (names for KafkaJS's numeric codes). */
function toKafkatsFilter(filter: AclFilter): KafkatsAclFilter {
  return {
    resourceType: resourceTypes.name(filter.resourceType),
    patternType: patternTypes.name(filter.resourcePatternType),
    operation: operations.name(filter.operation),
    permission: permissions.name(filter.permissionType),
    ...(filter.resourceName !== undefined ? { resourceName: filter.resourceName } : {}),
    ...(filter.principal !== undefined ? { principal: filter.principal } : {}),
    ...(filter.host !== undefined ? { host: filter.host } : {}),
  }
}
