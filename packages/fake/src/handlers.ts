// Request handlers: each takes a decoded request and answers what a Kafka 4.3.1 broker would,
// from the shared cluster model. Where the broker's behaviour depends on which broker got the
// request (leader or follower, coordinator or not), `ctx.broker` is that broker.
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  AlterConfigsApi,
  AlterPartitionReassignmentsApi,
  ApiVersionsApi,
  ConsumerGroupDescribeApi,
  ConsumerGroupHeartbeatApi,
  CreatePartitionsApi,
  CreateTopicsApi,
  DeleteGroupsApi,
  DeleteRecordsApi,
  DeleteTopicsApi,
  DescribeClusterApi,
  DescribeConfigsApi,
  DescribeGroupsApi,
  DescribeProducersApi,
  DescribeTransactionsApi,
  ElectLeadersApi,
  EndTxnApi,
  ErrorCode,
  FetchApi,
  FindCoordinatorApi,
  HeartbeatApi,
  IncrementalAlterConfigsApi,
  InitProducerIdApi,
  JoinGroupApi,
  LeaveGroupApi,
  ListGroupsApi,
  ListOffsetsApi,
  ListPartitionReassignmentsApi,
  ListTransactionsApi,
  MetadataApi,
  OffsetCommitApi,
  OffsetDeleteApi,
  OffsetFetchApi,
  OffsetForLeaderEpochApi,
  ProduceApi,
  SyncGroupApi,
  TxnOffsetCommitApi,
  WriteTxnMarkersApi,
  ZERO_UUID,
  decodeRecordBatchesSync,
  type ApiDefinition,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '@kafkats/protocol'
import type { GroupCoordinator } from './groups.js'
import { wake, type BrokerState, type ClusterModel, type PartitionState, type TopicState } from './model.js'
import { fetchedRecords } from './fetch-records.js'
import { parseBatches, withLogOffsets } from './partition-log.js'
import { TRANSACTION_STATE_NAMES, type TransactionCoordinator } from './transactions.js'
import { TOPIC_CONFIG_DEFAULTS, invalidTopicConfigValue } from './topic-configs.js'

/** Answer nothing (acks=0 produce). */
export const NO_RESPONSE: unique symbol = Symbol('no-response')

export interface HandlerContext {
  broker: BrokerState
  version: number
  clientId: string
  /** Fetch sessions of the broker that got the request. */
  sessions: Map<number, FetchSession>
}

export interface ClusterDefaults {
  numPartitions: number
  defaultReplicationFactor: number
  autoCreateTopics: boolean
}

export interface Services {
  model: ClusterModel
  groups: GroupCoordinator
  defaults: ClusterDefaults
  producerIds: ProducerIdManager
  transactions: TransactionCoordinator
}

// biome-ignore lint: handler tables are heterogeneous by nature
export type Handler = (request: never, ctx: HandlerContext, services: Services) => unknown

interface SessionPartition {
  topic: string
  topicId: string
  partition: number
  fetchOffset: bigint
  partitionMaxBytes: number
  currentLeaderEpoch: number
  lastHighWatermark: bigint
  lastLogStartOffset: bigint
}

export interface FetchSession {
  id: number
  epoch: number
  partitions: Map<string, SessionPartition>
}

export class ProducerIdManager {
  nextId = 1000n
  readonly epochs = new Map<bigint, number>()

  /** A producer id never handed out before (idempotent and transactional producers share the range). */
  allocate(): bigint {
    return this.nextId++
  }

  /** InitProducerId without a transactional id (transactional ids go to the TransactionCoordinator). */
  init(producerId: bigint, producerEpoch: number): { errorCode: number; producerId: bigint; producerEpoch: number } {
    if (producerId >= 0n) {
      // KIP-360: an idempotent producer bumps its own epoch after a sequence problem.
      const known = this.epochs.get(producerId)
      if (known !== undefined && producerEpoch !== known) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, producerId: -1n, producerEpoch: -1 }
      if (known !== undefined && known < 32766) {
        this.epochs.set(producerId, known + 1)
        return { errorCode: ErrorCode.NONE, producerId, producerEpoch: known + 1 }
      }
    }
    const id = this.allocate()
    this.epochs.set(id, 0)
    return { errorCode: ErrorCode.NONE, producerId: id, producerEpoch: 0 }
  }
}

/** APIs the fake answers (advertised in ApiVersions with Kafka 4.3.1's version ranges). */
export const HANDLERS = new Map<ApiDefinition<unknown, unknown>, Handler>()

function handle<Req, Res>(api: ApiDefinition<Req, Res>, fn: (request: Req, ctx: HandlerContext, services: Services) => Res | Promise<Res> | typeof NO_RESPONSE): void {
  HANDLERS.set(api as ApiDefinition<unknown, unknown>, fn as Handler)
}

// ---------------------------------------------------------------------------------------------
// helpers

function findTopic(model: ClusterModel, name: string | null, topicId: string | null): TopicState | undefined {
  if (topicId !== null && topicId !== ZERO_UUID) return model.topicsById.get(topicId)
  return name === null ? undefined : model.topics.get(name)
}

function leaderEndpoint(model: ClusterModel, partition: PartitionState): { leaderId: number; leaderEpoch: number } {
  return { leaderId: partition.leader, leaderEpoch: partition.leaderEpoch }
}

function nodeEndpoints(model: ClusterModel, ids: Iterable<number>): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  const out = []
  for (const id of new Set(ids)) {
    const broker = model.broker(id)
    if (broker !== undefined && broker.alive) out.push({ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack })
  }
  return out
}

/** KIP-320 epoch check of a request's currentLeaderEpoch. */
function epochError(partition: PartitionState, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch === -1) return ErrorCode.NONE
  if (currentLeaderEpoch < partition.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH
  if (currentLeaderEpoch > partition.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH
  return ErrorCode.NONE
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/

function topicNameError(name: string): string | null {
  if (name === '') return 'Topic name is illegal, it can\'t be empty'
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."'
  if (name.length > 249) return `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`
  if (!LEGAL_TOPIC.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`
  return null
}

/** The coordinator of a group or transactional id: the leader of its __consumer_offsets partition (50 of them). */
export function coordinatorFor(model: ClusterModel, key: string): BrokerState | undefined {
  let hash = 0
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0
  const partition = (hash & 0x7fffffff) % 50
  const brokers = model.brokers
  for (let i = 0; i < brokers.length; i++) {
    const candidate = brokers[(partition + i) % brokers.length]!
    if (candidate.alive) return candidate
  }
  return undefined
}

function notCoordinator(services: Services, ctx: HandlerContext, groupId: string): boolean {
  return coordinatorFor(services.model, groupId)?.id !== ctx.broker.id
}

// ---------------------------------------------------------------------------------------------
// ApiVersions, Metadata, DescribeCluster

handle(ApiVersionsApi, (_request, _ctx, { transactions }) =>
  ApiVersionsApi.createResponse({
    apiKeys: [...HANDLERS.keys()].map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion })).sort((a, b) => a.apiKey - b.apiKey),
    finalizedFeaturesEpoch: 1n,
    supportedFeatures: [
      { name: 'metadata.version', minVersion: 7, maxVersion: 29 },
      { name: 'group.version', minVersion: 0, maxVersion: 1 },
      { name: 'transaction.version', minVersion: 0, maxVersion: 2 },
    ],
    finalizedFeatures: [
      { name: 'metadata.version', maxVersionLevel: 29, minVersionLevel: 29 },
      { name: 'group.version', maxVersionLevel: 1, minVersionLevel: 1 },
      // A Kafka 4.x cluster formatted with its defaults finalizes transaction.version 2 (KIP-890
      // part 2); clients pick the transaction protocol from it. Level 0 is not listed (Kafka 3.x).
      ...(transactions.transactionVersion > 0 ? [{ name: 'transaction.version', maxVersionLevel: transactions.transactionVersion, minVersionLevel: transactions.transactionVersion }] : []),
    ],
  }),
)

handle(MetadataApi, (request, _ctx, { model, defaults }) => {
  const topics: TopicState[] = []
  const errors: Array<{ name: string | null; topicId: string; errorCode: number }> = []
  if (request.topics === null) {
    topics.push(...model.topics.values())
  } else {
    for (const wanted of request.topics) {
      const topic = findTopic(model, wanted.name, wanted.topicId)
      if (topic !== undefined) {
        topics.push(topic)
        continue
      }
      if (wanted.name !== null && (wanted.topicId === ZERO_UUID || wanted.topicId === null) && request.allowAutoTopicCreation && defaults.autoCreateTopics && topicNameError(wanted.name) === null) {
        // Auto-creation: the broker answers LEADER_NOT_AVAILABLE while the topic is being created.
        model.createTopic(wanted.name, defaults.numPartitions, Math.min(defaults.defaultReplicationFactor, model.brokers.length), new Map())
        errors.push({ name: wanted.name, topicId: ZERO_UUID, errorCode: ErrorCode.LEADER_NOT_AVAILABLE })
        continue
      }
      const byId = wanted.topicId !== null && wanted.topicId !== ZERO_UUID
      errors.push({
        name: wanted.name,
        topicId: wanted.topicId ?? ZERO_UUID,
        errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : wanted.name !== null && topicNameError(wanted.name) !== null ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })
    }
  }
  return MetadataApi.createResponse({
    brokers: model.aliveBrokers().map((b) => ({ nodeId: b.id, host: b.host, port: b.port, rack: b.rack })),
    clusterId: model.clusterId,
    controllerId: model.controllerId(),
    clusterAuthorizedOperations: -2147483648,
    topics: [
      ...errors.map((e) => ({ errorCode: e.errorCode, name: e.name, topicId: e.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 })),
      ...topics.map((topic) => ({
        errorCode: ErrorCode.NONE,
        name: topic.name,
        topicId: topic.id,
        isInternal: false,
        topicAuthorizedOperations: request.includeTopicAuthorizedOperations ? 0x0ff8 : -2147483648,
        partitions: topic.partitions.map((p) => {
          const isr = model.isr(p)
          return {
            errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
            partitionIndex: p.index,
            leaderId: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicaNodes: [...p.replicas],
            isrNodes: isr,
            offlineReplicas: p.replicas.filter((id) => model.broker(id)?.alive !== true),
          }
        }),
      })),
    ],
  })
})

handle(DescribeClusterApi, (_request, _ctx, { model }) =>
  DescribeClusterApi.createResponse({
    clusterId: model.clusterId,
    controllerId: model.controllerId(),
    endpointType: 1,
    brokers: model.aliveBrokers().map((b) => ({ brokerId: b.id, host: b.host, port: b.port, rack: b.rack, isFenced: false })),
    clusterAuthorizedOperations: -2147483648,
  }),
)

// ---------------------------------------------------------------------------------------------
// topics and configs

handle(CreateTopicsApi, (request, _ctx, { model, defaults }) => {
  const alive = model.aliveBrokers().length
  return CreateTopicsApi.createResponse({
    topics: request.topics.map((t) => {
      const fail = (errorCode: number, errorMessage: string) => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage,
        topicConfigErrorCode: ErrorCode.NONE,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      })
      const nameError = topicNameError(t.name)
      if (nameError !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError)
      if (model.topics.has(t.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`)
      const assignments = t.assignments.length > 0 ? [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds) : undefined
      const partitions = assignments?.length ?? (t.numPartitions === -1 ? defaults.numPartitions : t.numPartitions)
      const replicationFactor = assignments?.[0]?.length ?? (t.replicationFactor === -1 ? defaults.defaultReplicationFactor : t.replicationFactor)
      if (partitions < 1) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.')
      if (replicationFactor < 1) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.')
      if (replicationFactor > alive) {
        return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${alive} broker(s) are registered.`)
      }
      if (assignments?.some((a) => a.some((id) => model.broker(id) === undefined))) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Replica assignment names an unknown broker.')
      const configs = new Map<string, string>()
      for (const c of t.configs) {
        const invalid = invalidTopicConfigValue(c.name, c.value)
        if (invalid !== null) return fail(ErrorCode.INVALID_CONFIG, invalid)
        if (c.value !== null) configs.set(c.name, c.value)
      }
      const topic = request.validateOnly ? undefined : model.createTopic(t.name, partitions, replicationFactor, configs, assignments)
      return {
        name: t.name,
        topicId: topic?.id ?? ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topicConfigErrorCode: ErrorCode.NONE,
        numPartitions: partitions,
        replicationFactor,
        configs: describeTopicConfigs(configs, null).map((c) => ({ name: c.name, value: c.value, readOnly: false, configSource: c.configSource, isSensitive: false })),
      }
    }),
  })
})

handle(DeleteTopicsApi, (request, ctx, { model }) => {
  const wanted = ctx.version >= 6 ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }))
  return DeleteTopicsApi.createResponse({
    responses: wanted.map((w) => {
      const topic = findTopic(model, w.name, w.topicId)
      if (topic === undefined) {
        const byId = w.topicId !== ZERO_UUID && w.topicId !== null
        return { name: w.name, topicId: w.topicId ?? ZERO_UUID, errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null }
      }
      model.deleteTopic(topic)
      return { name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null }
    }),
  })
})

handle(CreatePartitionsApi, (request, _ctx, { model }) =>
  CreatePartitionsApi.createResponse({
    results: request.topics.map((t) => {
      const topic = model.topics.get(t.name)
      if (topic === undefined) return { name: t.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${t.name}' does not exist.` }
      const current = topic.partitions.length
      if (t.count < current) return { name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.` }
      if (t.count === current) return { name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partitions.` }
      if (t.assignments !== null && t.assignments.length !== t.count - current) {
        return { name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Attempted to add ${t.count - current} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.` }
      }
      if (!request.validateOnly) {
        const rf = topic.partitions[0]?.replicas.length ?? 1
        for (let p = current; p < t.count; p++) model.addPartition(topic, t.assignments?.[p - current]?.brokerIds ?? model.assignReplicas(p, rf))
      }
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null }
    }),
  }),
)

interface DescribedConfig {
  name: string
  value: string | null
  configSource: number
  configType: number
}

function describeTopicConfigs(overrides: Map<string, string>, keys: string[] | null): DescribedConfig[] {
  const out: DescribedConfig[] = []
  for (const [name, info] of TOPIC_CONFIG_DEFAULTS) {
    if (keys !== null && !keys.includes(name)) continue
    const override = overrides.get(name)
    // configSource: 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG
    out.push({ name, value: override ?? info.value, configSource: override === undefined ? 5 : 1, configType: info.type })
  }
  return out
}

const RESOURCE_TOPIC = 2
const RESOURCE_BROKER = 4

handle(DescribeConfigsApi, (request, _ctx, { model }) =>
  DescribeConfigsApi.createResponse({
    results: request.resources.map((r) => {
      const result = { errorCode: ErrorCode.NONE, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as DescribedConfig[] }
      if (r.resourceType === RESOURCE_TOPIC) {
        const topic = model.topics.get(r.resourceName)
        if (topic === undefined) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.`, configs: [] }
        result.configs = describeTopicConfigs(topic.configs, r.configurationKeys)
      } else if (r.resourceType === RESOURCE_BROKER) {
        const broker = r.resourceName === '' ? model.brokers[0] : model.broker(Number(r.resourceName))
        if (broker === undefined) return { ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id ${r.resourceName}`, configs: [] }
        const all: DescribedConfig[] = [
          { name: 'broker.id', value: String(broker.id), configSource: 4, configType: 3 },
          { name: 'node.id', value: String(broker.id), configSource: 4, configType: 3 },
          { name: 'broker.rack', value: broker.rack, configSource: 4, configType: 2 },
          { name: 'num.partitions', value: '1', configSource: 5, configType: 3 },
          { name: 'auto.create.topics.enable', value: 'true', configSource: 5, configType: 1 },
          { name: 'replica.selector.class', value: 'org.apache.kafka.common.replica.RackAwareReplicaSelector', configSource: 4, configType: 8 },
          { name: 'message.max.bytes', value: '1048588', configSource: 5, configType: 3 },
        ]
        result.configs = all.filter((c) => r.configurationKeys === null || r.configurationKeys.includes(c.name))
      } else {
        return { ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType} in the fake cluster`, configs: [] }
      }
      return {
        ...result,
        configs: result.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: false,
          configSource: c.configSource,
          isSensitive: false,
          synonyms: request.includeSynonyms ? [{ name: c.name, value: c.value, source: c.configSource }] : [],
          configType: c.configType,
          documentation: null,
        })),
      }
    }),
  }),
)

function checkTopicConfigs(configs: Iterable<{ name: string; value: string | null }>): string | null {
  for (const c of configs) {
    const invalid = invalidTopicConfigValue(c.name, c.value)
    if (invalid !== null) return invalid
  }
  return null
}

handle(AlterConfigsApi, (request, _ctx, { model }) =>
  AlterConfigsApi.createResponse({
    responses: request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName }
      if (r.resourceType !== RESOURCE_TOPIC) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The fake cluster alters topic configs only' }
      const topic = model.topics.get(r.resourceName)
      if (topic === undefined) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.` }
      const invalid = checkTopicConfigs(r.configs)
      if (invalid !== null) return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: invalid }
      if (!request.validateOnly) {
        // AlterConfigs replaces the whole set of overrides.
        topic.configs.clear()
        for (const c of r.configs) if (c.value !== null) topic.configs.set(c.name, c.value)
      }
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null }
    }),
  }),
)

handle(IncrementalAlterConfigsApi, (request, _ctx, { model }) =>
  IncrementalAlterConfigsApi.createResponse({
    responses: request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName }
      if (r.resourceType !== RESOURCE_TOPIC) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The fake cluster alters topic configs only' }
      const topic = model.topics.get(r.resourceName)
      if (topic === undefined) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.` }
      const invalid = checkTopicConfigs(r.configs)
      if (invalid !== null) return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: invalid }
      if (!request.validateOnly) {
        for (const c of r.configs) {
          const current = topic.configs.get(c.name) ?? TOPIC_CONFIG_DEFAULTS.get(c.name)!.value
          const list = current === '' ? [] : current.split(',')
          // configOperation: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT
          if (c.configOperation === 0 && c.value !== null) topic.configs.set(c.name, c.value)
          else if (c.configOperation === 1) topic.configs.delete(c.name)
          else if (c.configOperation === 2 && c.value !== null) topic.configs.set(c.name, [...new Set([...list, ...c.value.split(',')])].join(','))
          else if (c.configOperation === 3 && c.value !== null) topic.configs.set(c.name, list.filter((v) => !c.value!.split(',').includes(v)).join(','))
        }
      }
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null }
    }),
  }),
)

// ---------------------------------------------------------------------------------------------
// produce

handle(ProduceApi, (request, ctx, { model, transactions }) => {
  const leaders = new Set<number>()
  const responses = request.topicData.map((t) => {
    const topic = findTopic(model, t.name, t.topicId)
    return {
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((pd) => {
        const result = {
          index: pd.index,
          errorCode: ErrorCode.NONE as number,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          recordErrors: [] as Array<{ batchIndex: number; batchIndexErrorMessage: string | null }>,
          errorMessage: null as string | null,
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
        }
        const partition = topic?.partitions[pd.index]
        if (topic === undefined || partition === undefined) {
          result.errorCode = t.topicId !== ZERO_UUID && t.topicId !== null && topic === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          return result
        }
        if (partition.leader !== ctx.broker.id) {
          result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER
          if (ctx.version >= 10) {
            result.currentLeader = leaderEndpoint(model, partition)
            leaders.add(partition.leader)
          }
          return result
        }
        if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) {
          result.errorCode = ErrorCode.INVALID_REQUIRED_ACKS
          return result
        }
        if (request.acks === -1) {
          const minIsr = Number(partition.topic.configs.get('min.insync.replicas') ?? '1')
          if (model.isr(partition).length < minIsr) {
            result.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS
            return result
          }
        }
        const records = pd.records ?? new Uint8Array(0)
        const headers = parseBatches(records)
        if (typeof headers === 'string') {
          result.errorCode = ErrorCode[headers]
          return result
        }
        const maxMessageBytes = Number(partition.topic.configs.get('max.message.bytes') ?? '1048588')
        // CreateTime topics refuse a batch holding a record too far ahead, whole (Kafka's
        // LogValidator); the batch's max timestamp is its latest record's.
        const createTime = (partition.topic.configs.get('message.timestamp.type') ?? 'CreateTime') === 'CreateTime'
        const latestAcceptedMs = Date.now() + Number(partition.topic.configs.get('message.timestamp.after.max.ms') ?? '3600000')
        for (const header of headers) {
          if (header.size > maxMessageBytes) {
            result.errorCode = ErrorCode.MESSAGE_TOO_LARGE
            return result
          }
          if (createTime && header.maxTimestamp > latestAcceptedMs) {
            result.errorCode = ErrorCode.INVALID_TIMESTAMP
            result.errorMessage = `Timestamp ${header.maxTimestamp} of a record is out of range: it is after now + message.timestamp.after.max.ms`
            return result
          }
          if (header.isControl) {
            // Only the broker writes control batches (transaction markers).
            result.errorCode = ErrorCode.INVALID_RECORD
            return result
          }
          if (header.isTransactional) {
            if (request.transactionalId === null) {
              result.errorCode = ErrorCode.INVALID_TXN_STATE
              result.errorMessage = 'A transactional batch needs the transactional id in the Produce request'
              return result
            }
            const verified = transactions.verifyProduce(request.transactionalId, header.producerId, header.producerEpoch, partition, ctx.version)
            if (verified !== ErrorCode.NONE) {
              result.errorCode = verified
              return result
            }
          }
        }
        for (let i = 0; i < headers.length; i++) {
          const appended = partition.log.append(records, headers[i]!, partition.leaderEpoch)
          if (!appended.ok) {
            result.errorCode = ErrorCode[appended.error]
            result.errorMessage = appended.message
            return result
          }
          if (i === 0) result.baseOffset = BigInt(appended.baseOffset)
        }
        result.logStartOffset = BigInt(partition.log.logStartOffset)
        wake(partition)
        return result
      }),
    }
  })
  if (request.acks === 0) return NO_RESPONSE
  return ProduceApi.createResponse({ responses, nodeEndpoints: ctx.version >= 10 ? nodeEndpoints(model, leaders) : [] })
})

handle(InitProducerIdApi, (request, ctx, services) => {
  if (request.transactionalId === null) return InitProducerIdApi.createResponse({ ...services.producerIds.init(request.producerId, request.producerEpoch) })
  if (notCoordinator(services, ctx, request.transactionalId)) return InitProducerIdApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1n, producerEpoch: -1 })
  return InitProducerIdApi.createResponse({ ...services.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, request.producerId, request.producerEpoch) })
})

// ---------------------------------------------------------------------------------------------
// transactions (the coordinator side is in transactions.ts)

function notTxnCoordinator(services: Services, ctx: HandlerContext, transactionalId: string): boolean {
  return coordinatorFor(services.model, transactionalId)?.id !== ctx.broker.id
}

handle(AddPartitionsToTxnApi, (request, ctx, services) => {
  const run = (transactionalId: string, producerId: bigint, producerEpoch: number, topics: Array<{ name: string; partitions: number[] }>, verifyOnly: boolean) => {
    const wanted = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })))
    const codes = notTxnCoordinator(services, ctx, transactionalId)
      ? new Map(wanted.map((p) => [`${p.topic}\u0000${p.partition}`, ErrorCode.NOT_COORDINATOR]))
      : services.transactions.addPartitions(transactionalId, producerId, producerEpoch, wanted, verifyOnly)
    return topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codes.get(`${t.name}\u0000${partitionIndex}`) ?? ErrorCode.NONE })),
    }))
  }
  if (ctx.version <= 3) {
    return AddPartitionsToTxnApi.createResponse({ resultsByTopicV3AndBelow: run(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, false) })
  }
  // v4+: batched, sent by partition leaders (verifyOnly: KIP-890 part 1 verification).
  return AddPartitionsToTxnApi.createResponse({
    errorCode: ErrorCode.NONE,
    resultsByTransaction: request.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: run(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly) })),
  })
})

handle(AddOffsetsToTxnApi, (request, ctx, services) => {
  if (notTxnCoordinator(services, ctx, request.transactionalId)) return AddOffsetsToTxnApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR })
  return AddOffsetsToTxnApi.createResponse({ errorCode: services.transactions.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId) })
})

handle(EndTxnApi, (request, ctx, services) => {
  if (notTxnCoordinator(services, ctx, request.transactionalId)) return EndTxnApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1n, producerEpoch: -1 })
  return EndTxnApi.createResponse({ ...services.transactions.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed, ctx.version) })
})

handle(TxnOffsetCommitApi, (request, ctx, services) => {
  const { model, groups, transactions } = services
  let code: number = ErrorCode.NONE
  if (notCoordinator(services, ctx, request.groupId)) code = ErrorCode.NOT_COORDINATOR
  else {
    // KIP-447: a member that was fenced (newer generation, unknown member) cannot commit.
    code = groups.validateTxnCommit(groups.group(request.groupId, false), request.generationId, request.memberId, request.groupInstanceId)
  }
  const unknown = (name: string, partition: number): boolean => model.topics.get(name)?.partitions[partition] === undefined
  if (code === ErrorCode.NONE) {
    const offsets = request.topics.flatMap((t) =>
      t.partitions
        .filter((p) => !unknown(t.name, p.partitionIndex))
        .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata } })),
    )
    code = transactions.commitOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, ctx.version, offsets)
  }
  return TxnOffsetCommitApi.createResponse({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code === ErrorCode.NONE && unknown(t.name, p.partitionIndex) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : code })),
    })),
  })
})

handle(WriteTxnMarkersApi, (request, ctx, { model }) =>
  WriteTxnMarkersApi.createResponse({
    markers: request.markers.map((marker) => ({
      producerId: marker.producerId,
      topics: marker.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const partition = model.topics.get(t.name)?.partitions[partitionIndex]
          if (partition === undefined) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
          if (partition.leader !== ctx.broker.id) return { partitionIndex, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
          const written = partition.log.appendMarker(marker.producerId, marker.producerEpoch, marker.transactionResult, marker.coordinatorEpoch, partition.leaderEpoch)
          if (!written.ok) return { partitionIndex, errorCode: ErrorCode[written.error] }
          wake(partition)
          return { partitionIndex, errorCode: ErrorCode.NONE }
        }),
      })),
    })),
  }),
)

handle(DescribeProducersApi, (request, ctx, { model }) =>
  DescribeProducersApi.createResponse({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const base = { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: [] as Array<{ producerId: bigint; producerEpoch: number; lastSequence: number; lastTimestamp: bigint; coordinatorEpoch: number; currentTxnStartOffset: bigint }> }
        const partition = model.topics.get(t.name)?.partitions[partitionIndex]
        if (partition === undefined) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
        if (partition.leader !== ctx.broker.id) return { ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
        base.activeProducers = partition.log.producerSnapshots().map((p) => ({
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          lastSequence: p.lastSequence,
          lastTimestamp: BigInt(p.lastTimestamp),
          coordinatorEpoch: p.coordinatorEpoch,
          currentTxnStartOffset: BigInt(p.currentTxnStartOffset),
        }))
        return base
      }),
    })),
  }),
)

handle(DescribeTransactionsApi, (request, ctx, services) =>
  DescribeTransactionsApi.createResponse({
    transactionStates: request.transactionalIds.map((transactionalId) => {
      const base = { errorCode: ErrorCode.NONE, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] as Array<{ topic: string; partitions: number[] }> }
      if (notTxnCoordinator(services, ctx, transactionalId)) return { ...base, errorCode: ErrorCode.NOT_COORDINATOR }
      const txn = services.transactions.transactions.get(transactionalId)
      if (txn === undefined) return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND }
      const topics = new Map<string, number[]>()
      for (const { topic, partition } of txn.partitions.values()) topics.set(topic, [...(topics.get(topic) ?? []), partition])
      return {
        ...base,
        transactionState: txn.state,
        transactionTimeoutMs: txn.timeoutMs,
        transactionStartTimeMs: BigInt(txn.startTimeMs),
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      }
    }),
  }),
)

handle(ListTransactionsApi, (request, ctx, services) => {
  const known = new Set<string>(TRANSACTION_STATE_NAMES)
  const unknownStateFilters = request.stateFilters.filter((s) => !known.has(s))
  let pattern: RegExp | null = null
  if (ctx.version >= 2 && request.transactionalIdPattern !== null && request.transactionalIdPattern !== '') {
    try {
      // Kafka matches the whole id (RE2J Matcher.matches).
      pattern = new RegExp(`^(?:${request.transactionalIdPattern})$`)
    } catch {
      return ListTransactionsApi.createResponse({ errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION })
    }
  }
  const now = Date.now()
  const transactionStates = [...services.transactions.transactions.values()]
    .filter((txn) => !notTxnCoordinator(services, ctx, txn.transactionalId))
    .filter((txn) => request.stateFilters.length === 0 || request.stateFilters.includes(txn.state))
    .filter((txn) => request.producerIdFilters.length === 0 || request.producerIdFilters.includes(txn.producerId))
    .filter((txn) => ctx.version < 1 || request.durationFilter < 0n || BigInt(now - txn.startTimeMs) >= request.durationFilter)
    .filter((txn) => pattern === null || pattern.test(txn.transactionalId))
    .map((txn) => ({ transactionalId: txn.transactionalId, producerId: txn.producerId, transactionState: txn.state }))
  return ListTransactionsApi.createResponse({ errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates })
})

// ---------------------------------------------------------------------------------------------
// ListOffsets, OffsetForLeaderEpoch, DeleteRecords

function exactOffsetForTimestamp(partition: PartitionState, timestamp: number, maxTimestamp: boolean): { offset: number; timestamp: number } | null {
  const log = partition.log
  let best: { offset: number; timestamp: number } | null = null
  const batches = maxTimestamp ? log.batches : log.offsetForTimestamp(timestamp) === null ? [] : log.batches.slice(log.batches.indexOf(log.offsetForTimestamp(timestamp)!))
  for (const batch of batches) {
    if (!maxTimestamp && best !== null) break
    if (maxTimestamp && best !== null && batch.maxTimestamp < best.timestamp) continue
    try {
      for (const b of decodeRecordBatchesSync(withLogOffsets(batch)).batches) {
        for (const r of b.records) {
          const ts = Number(r.timestamp)
          if (maxTimestamp ? best === null || ts > best.timestamp : ts >= timestamp && best === null) best = { offset: Number(r.offset), timestamp: ts }
        }
      }
    } catch {
      // a codec not loaded synchronously: fall back to batch granularity
      if (best === null) best = { offset: batch.baseOffset, timestamp: batch.maxTimestamp }
    }
  }
  return best
}

handle(ListOffsetsApi, (request, ctx, { model }) =>
  ListOffsetsApi.createResponse({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const result = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n, leaderEpoch: -1 }
        const partition = model.topics.get(t.name)?.partitions[p.partitionIndex]
        if (partition === undefined) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
        if (partition.leader !== ctx.broker.id) return { ...result, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
        const epochCheck = epochError(partition, p.currentLeaderEpoch)
        if (epochCheck !== ErrorCode.NONE) return { ...result, errorCode: epochCheck }
        const log = partition.log
        const ts = Number(p.timestamp)
        let offset: number
        let timestamp = -1
        if (ts === -1) offset = request.isolationLevel === 1 ? model.lastStableOffset(partition, ctx.broker.id) : model.highWatermark(partition, ctx.broker.id)
        else if (ts === -2 || ts === -4 || ts === -5) offset = log.logStartOffset
        else if (ts === -3 || ts >= 0) {
          const found = exactOffsetForTimestamp(partition, ts, ts === -3)
          if (found === null) return result
          offset = found.offset
          timestamp = found.timestamp
        } else return { ...result, errorCode: ErrorCode.UNSUPPORTED_VERSION }
        // The leader epoch is in the response from v4 only (an older one cannot carry it).
        return { ...result, offset: BigInt(offset), timestamp: BigInt(timestamp), leaderEpoch: ctx.version >= 4 ? log.epochAt(offset) : -1 }
      }),
    })),
  }),
)

handle(OffsetForLeaderEpochApi, (request, ctx, { model }) =>
  OffsetForLeaderEpochApi.createResponse({
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const result = { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: -1, endOffset: -1n }
        const partition = model.topics.get(t.topic)?.partitions[p.partition]
        if (partition === undefined) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
        if (partition.leader !== ctx.broker.id) return { ...result, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
        const epochCheck = epochError(partition, p.currentLeaderEpoch)
        if (epochCheck !== ErrorCode.NONE) return { ...result, errorCode: epochCheck }
        const found = partition.log.endOffsetForEpoch(p.leaderEpoch)
        return { ...result, leaderEpoch: found.epoch, endOffset: BigInt(found.endOffset) }
      }),
    })),
  }),
)

handle(DeleteRecordsApi, (request, ctx, { model }) =>
  DeleteRecordsApi.createResponse({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const partition = model.topics.get(t.name)?.partitions[p.partitionIndex]
        if (partition === undefined) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
        if (partition.leader !== ctx.broker.id) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
        const offset = p.offset === -1n ? partition.log.endOffset : Number(p.offset)
        if (offset > partition.log.endOffset) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }
        partition.log.deleteBefore(offset)
        return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(partition.log.logStartOffset), errorCode: ErrorCode.NONE }
      }),
    })),
  }),
)

// ---------------------------------------------------------------------------------------------
// partition reassignments and leader elections (the controller's, answered by any broker)

/**
 * AlterPartitionReassignments. The fake's replicas share one log, so a new replica is caught up
 * at once and a reassignment completes within the request: ListPartitionReassignments never
 * shows one ongoing, and cancelling answers NO_REASSIGNMENT_IN_PROGRESS, as Kafka does once a
 * reassignment finished. The leader stays if it is among the new replicas (a reorder changes
 * only the preferred leader, as on Kafka); otherwise the first alive new replica leads, with a
 * new leader epoch. Refused, per partition: a replica list that is empty, repeats a broker or
 * names one the cluster does not have (INVALID_REPLICA_ASSIGNMENT), a replication factor change
 * when the request forbids it (INVALID_REPLICATION_FACTOR), an unknown topic or partition.
 */
handle(AlterPartitionReassignmentsApi, (request, _ctx, { model }) =>
  AlterPartitionReassignmentsApi.createResponse({
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    allowReplicationFactorChange: request.allowReplicationFactorChange,
    responses: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(({ partitionIndex, replicas }) => {
        const result = (errorCode: number, errorMessage: string | null = null) => ({ partitionIndex, errorCode, errorMessage })
        const partition = model.topics.get(t.name)?.partitions[partitionIndex]
        if (partition === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${t.name}-${partitionIndex} does not exist`)
        if (replicas === null) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `no reassignment of ${t.name}-${partitionIndex} is in progress`)
        if (replicas.length === 0 || new Set(replicas).size !== replicas.length || replicas.some((id) => model.broker(id) === undefined)) {
          return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replicas [${replicas.join(', ')}]: empty, repeated or unknown brokers`)
        }
        if (!request.allowReplicationFactorChange && replicas.length !== partition.replicas.length) {
          return result(ErrorCode.INVALID_REPLICATION_FACTOR, `the reassignment changes the replication factor of ${t.name}-${partitionIndex} from ${partition.replicas.length} to ${replicas.length}`)
        }
        model.reassign(partition, replicas)
        return result(ErrorCode.NONE)
      }),
    })),
  }),
)

/** Nothing is ever ongoing (see AlterPartitionReassignments): an empty list, whatever was asked. */
handle(ListPartitionReassignmentsApi, () => ListPartitionReassignmentsApi.createResponse({ errorCode: ErrorCode.NONE, errorMessage: null, topics: [] }))

/**
 * ElectLeaders. Preferred (type 0): the first replica leads if it is alive and in sync
 * (PREFERRED_LEADER_NOT_AVAILABLE if not), ELECTION_NOT_NEEDED if it already does. Unclean
 * (type 1): only a partition without a leader gets one, the first alive replica, in sync or not
 * (ELIGIBLE_LEADERS_NOT_AVAILABLE if none). With no partitions named (null) every partition is
 * considered and, as Kafka answers, only those not answered ELECTION_NOT_NEEDED are listed.
 */
handle(ElectLeadersApi, (request, ctx, { model }) => {
  const unclean = ctx.version >= 1 && request.electionType === 1
  const wanted = request.topicPartitions ?? [...model.topics.values()].map((topic) => ({ topic: topic.name, partitions: topic.partitions.map((p) => p.index) }))
  const results = wanted.map((t) => ({
    topic: t.topic,
    partitionResult: t.partitions.map((partitionId) => {
      const result = (errorCode: number, errorMessage: string | null = null) => ({ partitionId, errorCode, errorMessage })
      const partition = model.topics.get(t.topic)?.partitions[partitionId]
      if (partition === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${t.topic}-${partitionId} does not exist`)
      if (unclean) {
        if (partition.leader >= 0) return result(ErrorCode.ELECTION_NOT_NEEDED, 'the partition has a leader')
        const alive = partition.replicas.find((id) => model.broker(id)?.alive === true)
        if (alive === undefined) return result(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, 'no replica is alive')
        model.electLeader(partition, alive)
        return result(ErrorCode.NONE)
      }
      const preferred = partition.replicas[0]!
      if (partition.leader === preferred) return result(ErrorCode.ELECTION_NOT_NEEDED, 'the preferred replica leads already')
      if (!model.isr(partition).includes(preferred)) return result(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `the preferred replica ${preferred} is not alive and in sync`)
      model.electLeader(partition, preferred)
      return result(ErrorCode.NONE)
    }),
  }))
  const listed = request.topicPartitions !== null ? results : results.map((t) => ({ ...t, partitionResult: t.partitionResult.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) })).filter((t) => t.partitionResult.length > 0)
  return ElectLeadersApi.createResponse({ errorCode: ErrorCode.NONE, replicaElectionResults: listed })
})

// ---------------------------------------------------------------------------------------------
// fetch (sessions, KIP-392)

/**
 * Kafka's RackAwareReplicaSelector as the leader applies it: among in-sync replicas that hold
 * `fetchOffset`, one in the client's rack (the leader itself if it is in that rack, else the one
 * with the highest log end); -1 (the leader) when the client has no rack or none matches.
 */
function preferredReadReplica(model: ClusterModel, partition: PartitionState, clientRack: string, fetchOffset: number): number {
  if (clientRack === '') return -1
  const leader = model.broker(partition.leader)
  if (leader?.rack === clientRack) return -1
  let best = -1
  let bestEnd = -1
  for (const id of model.isr(partition)) {
    if (id === partition.leader) continue
    const broker = model.broker(id)
    if (broker?.rack !== clientRack) continue
    const end = model.replicaEndOffset(partition, id)
    if (end < fetchOffset || partition.log.logStartOffset > fetchOffset) continue
    if (end > bestEnd) {
      best = id
      bestEnd = end
    }
  }
  return best
}

interface PartitionRead {
  key: string
  data: FetchResponsePartitionData
  topic: string
  topicId: string
  bytes: number
}

const EMPTY_RECORDS = new Uint8Array(0)

function readPartition(
  services: Services,
  ctx: HandlerContext,
  request: FetchRequest,
  want: SessionPartition,
  budget: { remaining: number; minOneBatch: boolean },
): PartitionRead {
  const { model } = services
  const data: FetchResponsePartitionData = {
    partitionIndex: want.partition,
    errorCode: ErrorCode.NONE,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY_RECORDS,
  }
  const read: PartitionRead = { key: `${want.topicId}:${want.topic}:${want.partition}`, data, topic: want.topic, topicId: want.topicId, bytes: 0 }
  const topic = findTopic(model, want.topic, ctx.version >= 13 ? want.topicId : null)
  const partition = topic?.partitions[want.partition]
  if (partition === undefined) {
    data.errorCode = ctx.version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    return read
  }
  const brokerId = ctx.broker.id
  const isLeader = partition.leader === brokerId
  // KIP-392: followers serve consumers from Fetch v11 on.
  const isFollower = !isLeader && partition.replicas.includes(brokerId) && ctx.version >= 11
  if (!isLeader && !isFollower) {
    data.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER
    if (ctx.version >= 12) data.currentLeader = leaderEndpoint(model, partition)
    return read
  }
  const epochCheck = epochError(partition, want.currentLeaderEpoch)
  if (epochCheck !== ErrorCode.NONE) {
    data.errorCode = epochCheck
    if (ctx.version >= 12) data.currentLeader = leaderEndpoint(model, partition)
    return read
  }
  const log = partition.log
  const highWatermark = model.highWatermark(partition, brokerId)
  const endOffset = model.replicaEndOffset(partition, brokerId)
  const lastStableOffset = model.lastStableOffset(partition, brokerId)
  const readCommitted = request.isolationLevel === 1
  data.highWatermark = BigInt(highWatermark)
  data.lastStableOffset = BigInt(lastStableOffset)
  data.logStartOffset = BigInt(log.logStartOffset)
  data.abortedTransactions = readCommitted ? [] : null
  const offset = Number(want.fetchOffset)
  if (offset < log.logStartOffset || offset > endOffset) {
    data.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE
    return read
  }
  if (isLeader && ctx.version >= 11) {
    const preferred = preferredReadReplica(model, partition, request.rackId, offset)
    if (preferred !== -1) {
      // The leader sends no data, only where to fetch from.
      data.preferredReadReplica = preferred
      return read
    }
  }
  const maxBytes = Math.min(want.partitionMaxBytes, budget.remaining)
  // read_committed reads stop at the last stable offset (before the oldest open transaction).
  const { batches, bytes, lastOffset } = log.read(offset, readCommitted ? lastStableOffset : highWatermark, Math.max(0, maxBytes), budget.minOneBatch)
  if (batches.length > 0) {
    if (readCommitted) {
      // The aborted transactions the returned batches may hold, so the consumer drops their records.
      data.abortedTransactions = log.abortedBetween(offset, lastOffset + 1).map((a) => ({ producerId: a.producerId, firstOffset: BigInt(a.firstOffset) }))
    }
    data.records = fetchedRecords(batches, bytes)
    read.bytes = bytes
    budget.remaining -= bytes
    budget.minOneBatch = false
  }
  return read
}

function sessionKey(topic: string, topicId: string, partition: number): string {
  return `${topicId}:${topic}:${partition}`
}

handle(FetchApi, async (request, ctx, services) => {
  const { model } = services
  const v13 = ctx.version >= 13
  const resolveName = (topic: string, topicId: string): { topic: string; topicId: string } => {
    if (v13) return { topic: model.topicsById.get(topicId)?.name ?? '', topicId }
    return { topic, topicId: model.topics.get(topic)?.id ?? ZERO_UUID }
  }
  const requested: SessionPartition[] = []
  for (const t of request.topics) {
    const names = resolveName(t.topic, t.topicId)
    for (const p of t.partitions) {
      requested.push({
        topic: v13 ? names.topic : t.topic,
        topicId: v13 ? t.topicId : names.topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastHighWatermark: -2n,
        lastLogStartOffset: -2n,
      })
    }
  }
  // KIP-227 fetch sessions.
  let session: FetchSession | undefined
  let incremental = false
  let responseSessionId = 0
  const sessionFail = (errorCode: number): FetchResponse => FetchApi.createResponse({ errorCode, sessionId: 0, responses: [] })
  if (ctx.version >= 7) {
    if (request.sessionId === 0) {
      if (request.sessionEpoch === 0) {
        session = { id: newSessionId(ctx.sessions), epoch: 1, partitions: new Map() }
        ctx.sessions.set(session.id, session)
        responseSessionId = session.id
      }
      // epoch -1: a sessionless full fetch
    } else {
      const existing = ctx.sessions.get(request.sessionId)
      if (request.sessionEpoch === -1) {
        ctx.sessions.delete(request.sessionId)
      } else if (existing === undefined) {
        return sessionFail(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
      } else if (existing.epoch !== request.sessionEpoch) {
        return sessionFail(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
      } else {
        session = existing
        incremental = true
        responseSessionId = existing.id
      }
    }
  }
  let wanted: SessionPartition[]
  if (session !== undefined && incremental) {
    for (const f of request.forgottenTopicsData) {
      const names = resolveName(f.topic, f.topicId)
      for (const p of f.partitions) session.partitions.delete(sessionKey(v13 ? names.topic : f.topic, v13 ? f.topicId : names.topicId, p))
    }
    for (const r of requested) {
      const key = sessionKey(r.topic, r.topicId, r.partition)
      const previous = session.partitions.get(key)
      if (previous !== undefined) {
        previous.fetchOffset = r.fetchOffset
        previous.partitionMaxBytes = r.partitionMaxBytes
        previous.currentLeaderEpoch = r.currentLeaderEpoch
      } else session.partitions.set(key, r)
    }
    session.epoch = session.epoch === 2147483647 ? 1 : session.epoch + 1
    wanted = [...session.partitions.values()]
  } else {
    if (session !== undefined) for (const r of requested) session.partitions.set(sessionKey(r.topic, r.topicId, r.partition), r)
    wanted = requested
  }

  const evaluate = (): PartitionRead[] => {
    const budget = { remaining: request.maxBytes, minOneBatch: true }
    return wanted.map((w) => readPartition(services, ctx, request, w, budget))
  }
  let reads = evaluate()
  const deadline = Date.now() + request.maxWaitMs
  const enough = (rs: PartitionRead[]) => rs.some((r) => r.data.errorCode !== ErrorCode.NONE || r.data.preferredReadReplica !== -1) || rs.reduce((s, r) => s + r.bytes, 0) >= Math.max(1, request.minBytes)
  // Long poll: wait for an append (or a leader change) on any wanted partition, up to maxWaitMs.
  while (!enough(reads) && Date.now() < deadline && ctx.broker.alive) {
    const partitions = wanted.map((w) => findTopic(model, w.topic, v13 ? w.topicId : null)?.partitions[w.partition]).filter((p): p is PartitionState => p !== undefined)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()))
      function done(): void {
        clearTimeout(timer)
        for (const p of partitions) p.waiters.delete(done)
        resolve()
      }
      for (const p of partitions) p.waiters.add(done)
    })
    reads = evaluate()
  }

  const responses: FetchResponse['responses'] = []
  const byTopic = new Map<string, FetchResponse['responses'][number]>()
  const leaders = new Set<number>()
  for (const read of reads) {
    let include = true
    if (session !== undefined) {
      const state = session.partitions.get(read.key)
      if (state !== undefined) {
        const changed = read.data.highWatermark !== state.lastHighWatermark || read.data.logStartOffset !== state.lastLogStartOffset
        // An incremental answer carries only partitions with news (KIP-227).
        include = !incremental || read.bytes > 0 || read.data.errorCode !== ErrorCode.NONE || read.data.preferredReadReplica !== -1 || changed
        state.lastHighWatermark = read.data.highWatermark
        state.lastLogStartOffset = read.data.logStartOffset
      }
    }
    if (!include) continue
    if (read.data.currentLeader.leaderId >= 0) leaders.add(read.data.currentLeader.leaderId)
    if (read.data.preferredReadReplica >= 0) leaders.add(read.data.preferredReadReplica)
    const topicKey = `${read.topicId}:${read.topic}`
    let entry = byTopic.get(topicKey)
    if (entry === undefined) {
      entry = { topic: read.topic, topicId: read.topicId, partitions: [] }
      byTopic.set(topicKey, entry)
      responses.push(entry)
    }
    entry.partitions.push(read.data)
  }
  return FetchApi.createResponse({
    errorCode: ErrorCode.NONE,
    sessionId: responseSessionId,
    responses,
    nodeEndpoints: ctx.version >= 16 ? nodeEndpoints(model, leaders) : [],
  })
})

function newSessionId(sessions: Map<number, FetchSession>): number {
  for (;;) {
    const id = 1 + Math.floor(Math.random() * 2147483646)
    if (!sessions.has(id)) return id
  }
}

// ---------------------------------------------------------------------------------------------
// groups

handle(FindCoordinatorApi, (request, ctx, { model }) => {
  const keys = ctx.version >= 4 ? request.coordinatorKeys : [request.key]
  const coordinators = keys.map((key) => {
    const broker = coordinatorFor(model, key)
    if (request.keyType !== 0 && request.keyType !== 1) return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown coordinator type ${request.keyType}` }
    if (broker === undefined) return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null }
    return { key, nodeId: broker.id, host: broker.host, port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null }
  })
  if (ctx.version >= 4) return FindCoordinatorApi.createResponse({ coordinators })
  const first = coordinators[0]!
  return FindCoordinatorApi.createResponse({ errorCode: first.errorCode, errorMessage: first.errorMessage, nodeId: first.nodeId, host: first.host, port: first.port })
})

handle(JoinGroupApi, async (request, ctx, services) => {
  if (notCoordinator(services, ctx, request.groupId)) return JoinGroupApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, memberId: request.memberId })
  const result = await services.groups.join(request, ctx.version, ctx.clientId)
  return JoinGroupApi.createResponse(result)
})

handle(SyncGroupApi, async (request, ctx, services) => {
  if (notCoordinator(services, ctx, request.groupId)) return SyncGroupApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR })
  return SyncGroupApi.createResponse(await services.groups.sync(request))
})

handle(HeartbeatApi, (request, ctx, services) => {
  if (notCoordinator(services, ctx, request.groupId)) return HeartbeatApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR })
  return HeartbeatApi.createResponse({ errorCode: services.groups.heartbeat(request) })
})

handle(LeaveGroupApi, (request, ctx, services) => {
  if (notCoordinator(services, ctx, request.groupId)) return LeaveGroupApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR })
  const identities = ctx.version >= 3 ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }]
  const result = services.groups.leave(request.groupId, identities)
  if (ctx.version < 3) return LeaveGroupApi.createResponse({ errorCode: result.members[0]?.errorCode ?? ErrorCode.NONE })
  return LeaveGroupApi.createResponse(result)
})

handle(ConsumerGroupHeartbeatApi, (request, ctx, services) => {
  if (notCoordinator(services, ctx, request.groupId)) return ConsumerGroupHeartbeatApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR, memberEpoch: -1 })
  const result = services.groups.consumerHeartbeat(request, ctx.clientId)
  return ConsumerGroupHeartbeatApi.createResponse({
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    memberId: result.memberId,
    memberEpoch: result.memberEpoch,
    heartbeatIntervalMs: result.errorCode === ErrorCode.NONE ? services.groups.consumerHeartbeatIntervalMs : 0,
    assignment: result.assignment === null ? null : { topicPartitions: result.assignment },
  })
})

handle(OffsetCommitApi, (request, ctx, services) => {
  const { model, groups } = services
  const wrongCoordinator = notCoordinator(services, ctx, request.groupId)
  const group = groups.group(request.groupId, false)
  const memberError = wrongCoordinator ? ErrorCode.NOT_COORDINATOR : groups.validateCommit(group, request.generationIdOrMemberEpoch, request.memberId, request.groupInstanceId)
  const target = memberError === ErrorCode.NONE ? groups.group(request.groupId, true)! : undefined
  return OffsetCommitApi.createResponse({
    topics: request.topics.map((t) => {
      const topic = findTopic(model, t.name, ctx.version >= 10 ? t.topicId : null)
      return {
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          if (memberError !== ErrorCode.NONE) return { partitionIndex: p.partitionIndex, errorCode: memberError }
          if (topic === undefined || topic.partitions[p.partitionIndex] === undefined) {
            return { partitionIndex: p.partitionIndex, errorCode: ctx.version >= 10 && topic === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
          }
          target!.offsets.set(`${topic.name}:${p.partitionIndex}`, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata })
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE }
        }),
      }
    }),
  })
})

handle(OffsetFetchApi, (request, ctx, services) => {
  const { model, groups } = services
  const requireStable = ctx.version >= 7 && request.requireStable
  const fetchGroup = (groupId: string, topics: Array<{ name: string; topicId: string; partitionIndexes: number[] }> | null) => {
    if (notCoordinator(services, ctx, groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] as Array<{ name: string; topicId: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }> }> }
    const group = groups.group(groupId, false)
    const offsets = group?.offsets ?? new Map()
    let wanted = topics
    if (wanted === null) {
      const byTopic = new Map<string, number[]>()
      for (const key of offsets.keys()) {
        const cut = key.lastIndexOf(':')
        const name = key.slice(0, cut)
        const list = byTopic.get(name) ?? []
        list.push(Number(key.slice(cut + 1)))
        byTopic.set(name, list)
      }
      wanted = [...byTopic].map(([name, partitionIndexes]) => ({ name, topicId: model.topics.get(name)?.id ?? ZERO_UUID, partitionIndexes: partitionIndexes.sort((a, b) => a - b) }))
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: wanted.map((t) => {
        const name = ctx.version >= 10 && t.topicId !== ZERO_UUID ? (model.topicsById.get(t.topicId)?.name ?? t.name) : t.name
        return {
          name: t.name,
          topicId: t.topicId,
          partitions: t.partitionIndexes.map((partitionIndex) => {
            const committed = offsets.get(`${name}:${partitionIndex}`)
            // KIP-447: with requireStable, an offset an open transaction will commit is not answered yet.
            const unstable = requireStable && services.transactions.hasPendingOffset(groupId, `${name}:${partitionIndex}`)
            return {
              partitionIndex,
              committedOffset: unstable ? -1n : (committed?.offset ?? -1n),
              committedLeaderEpoch: unstable ? -1 : (committed?.leaderEpoch ?? -1),
              metadata: unstable ? '' : (committed?.metadata ?? ''),
              errorCode: unstable ? ErrorCode.UNSTABLE_OFFSET_COMMIT : ErrorCode.NONE,
            }
          }),
        }
      }),
    }
  }
  if (ctx.version >= 8) {
    return OffsetFetchApi.createResponse({
      groups: request.groups.map((g) => {
        const result = fetchGroup(g.groupId, g.topics === null ? null : g.topics.map((t) => ({ name: t.name, topicId: t.topicId, partitionIndexes: t.partitionIndexes })))
        return { groupId: g.groupId, errorCode: result.errorCode, topics: result.topics }
      }),
    })
  }
  const result = fetchGroup(request.groupId, request.topics === null ? null : request.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, partitionIndexes: t.partitionIndexes })))
  return OffsetFetchApi.createResponse({ errorCode: result.errorCode, topics: result.topics.map((t) => ({ name: t.name, partitions: t.partitions })) })
})

// Each broker lists the groups it coordinates, as on Kafka (whose brokers list the groups of the
// __consumer_offsets partitions they lead): a client asks every broker and learns the coordinators.
handle(ListGroupsApi, (request, ctx, services) => {
  const groups = services.groups
  return ListGroupsApi.createResponse({
    groups: [...groups.groups.values()]
      .filter((g) => !notCoordinator(services, ctx, g.groupId))
      .filter((g) => g.type === 'consumer' || g.members.size > 0 || g.offsets.size > 0)
      .map((g) => ({ groupId: g.groupId, protocolType: g.type === 'consumer' ? 'consumer' : (g.protocolType ?? ''), groupState: groups.groupStateName(g), groupType: g.type }))
      .filter((g) => request.statesFilter.length === 0 || request.statesFilter.some((s) => s.toLowerCase() === g.groupState.toLowerCase()))
      .filter((g) => request.typesFilter.length === 0 || request.typesFilter.some((s) => s.toLowerCase() === g.groupType)),
  })
})

handle(DescribeGroupsApi, (request, ctx, services) =>
  DescribeGroupsApi.createResponse({
    groups: request.groups.map((groupId) => {
      const base = { errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] as never[], authorizedOperations: -2147483648 }
      if (notCoordinator(services, ctx, groupId)) return { ...base, errorCode: ErrorCode.NOT_COORDINATOR }
      const group = services.groups.group(groupId, false)
      if (group === undefined) return base
      if (group.type === 'consumer') return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a classic group.` }
      return {
        ...base,
        groupState: services.groups.groupStateName(group),
        protocolType: group.protocolType ?? '',
        protocolData: group.protocolName ?? '',
        members: services.groups.describeMembers(group).map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: '/127.0.0.1',
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
      }
    }),
  }),
)

handle(ConsumerGroupDescribeApi, (request, ctx, services) =>
  ConsumerGroupDescribeApi.createResponse({
    groups: request.groupIds.map((groupId) => {
      const group = services.groups.group(groupId, false)
      const base = ConsumerGroupDescribeApi.createResponse({}).groups[0]
      void base
      if (notCoordinator(services, ctx, groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, errorMessage: null, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: -2147483648 }
      if (group === undefined || group.type !== 'consumer') {
        return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: -2147483648 }
      }
      const toAssignment = (m: Map<string, number[]>) => ({
        topicPartitions: [...m].map(([topicId, partitions]) => ({ topicId, topicName: services.model.topicsById.get(topicId)?.name ?? '', partitions })),
      })
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: services.groups.groupStateName(group),
        groupEpoch: group.groupEpoch,
        assignmentEpoch: group.groupEpoch,
        assignorName: 'uniform',
        authorizedOperations: -2147483648,
        members: services.groups.consumerMembers(group).map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: '/127.0.0.1',
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: toAssignment(m.assigned),
          targetAssignment: toAssignment(group.targetAssignment.get(m.memberId) ?? new Map()),
          memberType: 1,
        })),
      }
    }),
  }),
)

handle(DeleteGroupsApi, (request, ctx, services) =>
  DeleteGroupsApi.createResponse({
    results: request.groupsNames.map((groupId) => {
      if (notCoordinator(services, ctx, groupId)) return { groupId, errorCode: ErrorCode.NOT_COORDINATOR }
      const group = services.groups.group(groupId, false)
      if (group === undefined) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND }
      if (!services.groups.isEmpty(group)) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP }
      services.groups.groups.delete(groupId)
      return { groupId, errorCode: ErrorCode.NONE }
    }),
  }),
)

/**
 * OffsetDelete, as Kafka 4.3.1 answers it: no group, GROUP_ID_NOT_FOUND; a classic group with
 * members that is not a consumer group, NON_EMPTY_GROUP; per partition UNKNOWN_TOPIC_OR_PARTITION
 * for a topic or partition the cluster does not have, GROUP_SUBSCRIBED_TO_TOPIC while a member
 * subscribes to the topic, else the committed offset (if any) is gone and the answer is NONE.
 */
handle(OffsetDeleteApi, (request, ctx, services) => {
  const refuse = (errorCode: number) => OffsetDeleteApi.createResponse({ errorCode, topics: [] })
  if (notCoordinator(services, ctx, request.groupId)) return refuse(ErrorCode.NOT_COORDINATOR)
  const groups = services.groups
  const group = groups.group(request.groupId, false)
  if (group === undefined) return refuse(ErrorCode.GROUP_ID_NOT_FOUND)
  if (group.type === 'classic' && !groups.isEmpty(group) && group.protocolType !== 'consumer') return refuse(ErrorCode.NON_EMPTY_GROUP)
  return OffsetDeleteApi.createResponse({
    errorCode: ErrorCode.NONE,
    topics: request.topics.map((t) => {
      const topic = services.model.topics.get(t.name)
      const subscribed = topic !== undefined && groups.isSubscribedToTopic(group, t.name)
      return {
        name: t.name,
        partitions: t.partitions.map(({ partitionIndex }) => {
          if (topic?.partitions[partitionIndex] === undefined) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
          if (subscribed) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }
          group.offsets.delete(`${t.name}:${partitionIndex}`)
          return { partitionIndex, errorCode: ErrorCode.NONE }
        }),
      }
    }),
  })
})
