import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION, UnsupportedVersionError } from '@kafkats/connection'
import {
  AlterPartitionReassignmentsApi,
  ApiVersionsApi,
  DescribeClusterApi,
  DescribeLogDirsApi,
  ElectLeadersApi,
  ListPartitionReassignmentsApi,
} from '@kafkats/protocol'
import type { AdminContext } from './context.js'
import { decodeAuthorizedOperations, electionTypes } from './enums.js'
import { invalid, requireArray, requireBoolean, requireInt, requireOneOf, requireOptions, requirePartition, requireTopicName } from './errors.js'
import { put } from './offsets.js'
import type {
  BrokerLogDirs,
  ClusterDescription,
  DescribeClusterOptions,
  ElectLeadersRequest,
  FeatureDescription,
  ItemError,
  LogDirDescription,
  LogDirPartition,
  OngoingReassignment,
  PartitionMap,
  PartitionReassignments,
} from './types.js'

export async function describeCluster(ctx: AdminContext, optionsArgument?: DescribeClusterOptions): Promise<ClusterDescription> {
  const options = requireOptions(optionsArgument)
  requireBoolean(options.includeAuthorizedOperations, 'options.includeAuthorizedOperations')
  requireBoolean(options.includeFencedBrokers, 'options.includeFencedBrokers')
  const response = await ctx.call('DescribeCluster', () => ctx.anyBroker(), async (connection) => {
    const version = connection.versionFor(DescribeClusterApi)
    return connection.request(
      DescribeClusterApi,
      DescribeClusterApi.createRequest({
        includeClusterAuthorizedOperations: options.includeAuthorizedOperations ?? false,
        endpointType: 1, // brokers (KIP-919: 2 = controllers)
        includeFencedBrokers: version >= 2 && (options.includeFencedBrokers ?? false),
      }),
      { version },
    )
  })
  ctx.check(response.errorCode, { apiName: 'DescribeCluster', errorMessage: response.errorMessage })
  const authorizedOperations = decodeAuthorizedOperations(response.clusterAuthorizedOperations)
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    brokers: response.brokers
      .map((broker) => ({ nodeId: broker.brokerId, host: broker.host, port: broker.port, rack: broker.rack, isFenced: broker.isFenced }))
      .sort((a, b) => a.nodeId - b.nodeId),
    ...(authorizedOperations !== undefined && options.includeAuthorizedOperations === true ? { authorizedOperations } : {}),
  }
}

/** The finalized and supported feature levels (ApiVersions v3+ carries them; Java's describeFeatures does the same). */
export async function describeFeatures(ctx: AdminContext): Promise<FeatureDescription> {
  const response = await ctx.call('ApiVersions', () => ctx.anyBroker(), (connection) =>
    connection.request(ApiVersionsApi, ApiVersionsApi.createRequest({ clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION })),
  )
  ctx.check(response.errorCode, { apiName: 'ApiVersions' })
  const finalized: FeatureDescription['finalized'] = {}
  for (const feature of response.finalizedFeatures) finalized[feature.name] = { minVersionLevel: feature.minVersionLevel, maxVersionLevel: feature.maxVersionLevel }
  const supported: FeatureDescription['supported'] = {}
  for (const feature of response.supportedFeatures) supported[feature.name] = { minVersion: feature.minVersion, maxVersion: feature.maxVersion }
  return { finalized, finalizedEpoch: response.finalizedFeaturesEpoch, supported }
}

/** Parses `{ [topic]: partitions }`. */
function partitionLists(value: Readonly<Record<string, readonly number[]>>, argument: string): Array<{ topic: string; partitions: number[] }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(argument, value, '{ [topic]: partition numbers }, e.g. { orders: [0, 1] }')
  return Object.entries(value).map(([topic, partitions]) => ({
    topic: requireTopicName(topic, argument),
    partitions: requireArray(partitions, `${argument}.${topic}`).map((p, i) => requirePartition(p, `${argument}.${topic}[${i}]`)),
  }))
}

/**
 * Each broker's log directories (every broker is asked; `brokers` narrows it). `topics`: names
 * (all their partitions) or `{ [topic]: partitions }`; default every partition.
 */
export async function describeLogDirs(
  ctx: AdminContext,
  topics?: readonly string[] | Readonly<Record<string, readonly number[]>> | null,
  optionsArgument?: { brokers?: readonly number[] },
): Promise<BrokerLogDirs[]> {
  const options = requireOptions(optionsArgument)
  const wanted = options.brokers === undefined ? null : requireArray(options.brokers, 'options.brokers').map((id, i) => requireInt(id, `options.brokers[${i}]`, 0))
  let request: Array<{ topic: string; partitions: number[] }> | null = null
  const names = Array.isArray(topics) ? (topics as readonly string[]).map((topic, i) => requireTopicName(topic, `topics[${i}]`)) : null
  if (names === null && topics !== undefined && topics !== null) request = partitionLists(topics as Readonly<Record<string, readonly number[]>>, 'topics')
  if (names !== null) {
    const partitions = names.length === 0 ? new Map<string, number[]>() : await ctx.partitionsOf('DescribeLogDirs', names)
    request = names.map((topic) => ({ topic, partitions: partitions.get(topic)! }))
  }
  let brokers = await ctx.brokers()
  if (wanted !== null) {
    const unknown = wanted.findIndex((id) => !brokers.some((broker) => broker.nodeId === id))
    if (unknown >= 0) throw invalid(`options.brokers[${unknown}]`, wanted[unknown], `a broker id of this cluster (${brokers.map((b) => b.nodeId).join(', ')})`)
    brokers = brokers.filter((broker) => wanted.includes(broker.nodeId))
  }
  return Promise.all(
    brokers.map(async (broker): Promise<BrokerLogDirs> => {
      const response = await ctx.call(
        'DescribeLogDirs',
        async () => broker.address,
        (connection) => connection.request(DescribeLogDirsApi, DescribeLogDirsApi.createRequest({ topics: request })),
      )
      if (response.errorCode !== 0) return { broker: broker.nodeId, logDirs: [], error: ctx.error(response.errorCode, { apiName: 'DescribeLogDirs' }) }
      return {
        broker: broker.nodeId,
        logDirs: response.results.map((dir): LogDirDescription => {
          const partitions: PartitionMap<LogDirPartition> = {}
          for (const topic of dir.topics) {
            for (const p of topic.partitions) put(partitions, topic.name, p.partitionIndex, { size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey })
          }
          return {
            path: dir.logDir,
            totalBytes: dir.totalBytes,
            usableBytes: dir.usableBytes,
            partitions,
            ...(dir.errorCode !== 0 ? { error: ctx.error(dir.errorCode, { apiName: 'DescribeLogDirs', resource: dir.logDir }) } : {}),
          }
        }),
      }
    }),
  )
}

export async function alterPartitionReassignments(
  ctx: AdminContext,
  reassignments: PartitionReassignments,
  optionsArgument?: { timeoutMs?: number },
): Promise<PartitionMap<ItemError>> {
  const options = requireOptions(optionsArgument)
  if (typeof reassignments !== 'object' || reassignments === null || Array.isArray(reassignments)) {
    throw invalid('reassignments', reassignments, '{ [topic]: { [partition]: replica broker ids, or null to cancel } }')
  }
  const topics = Object.entries(reassignments).map(([topic, partitions]) => {
    requireTopicName(topic, 'reassignments')
    if (typeof partitions !== 'object' || partitions === null || Array.isArray(partitions)) {
      throw invalid(`reassignments.${topic}`, partitions, '{ [partition]: replica broker ids, or null to cancel }')
    }
    return {
      name: topic,
      partitions: Object.entries(partitions).map(([partition, replicas]) => ({
        partitionIndex: requirePartition(partition, `reassignments.${topic}`),
        replicas:
          replicas === null
            ? null
            : requireArray(replicas, `reassignments.${topic}.${partition}`).map((id, i) => requireInt(id, `reassignments.${topic}.${partition}[${i}]`, 0)),
      })),
    }
  })
  if (topics.every((topic) => topic.partitions.length === 0)) throw invalid('reassignments', reassignments, 'at least one partition')
  const timeoutMs = options.timeoutMs === undefined ? ctx.timeoutMs : requireInt(options.timeoutMs, 'options.timeoutMs', 0)
  const response = await ctx.call('AlterPartitionReassignments', () => ctx.anyBroker(), (connection) =>
    connection.request(AlterPartitionReassignmentsApi, AlterPartitionReassignmentsApi.createRequest({ timeoutMs, topics }), { serverTimeoutMs: timeoutMs }),
  )
  ctx.check(response.errorCode, { apiName: 'AlterPartitionReassignments', errorMessage: response.errorMessage })
  const out: PartitionMap<ItemError> = {}
  for (const topic of response.responses) {
    for (const p of topic.partitions) {
      put(
        out,
        topic.name,
        p.partitionIndex,
        p.errorCode !== 0 ? { error: ctx.error(p.errorCode, { apiName: 'AlterPartitionReassignments', topic: topic.name, partition: p.partitionIndex, errorMessage: p.errorMessage }) } : {},
      )
    }
  }
  return out
}

/** Reassignments in progress (all, or of the given partitions); finished ones are not listed. */
export async function listPartitionReassignments(
  ctx: AdminContext,
  partitions?: Readonly<Record<string, readonly number[]>> | null,
): Promise<PartitionMap<OngoingReassignment>> {
  const topics = partitions === undefined || partitions === null ? null : partitionLists(partitions, 'partitions').map(({ topic, partitions: list }) => ({ name: topic, partitionIndexes: list }))
  const response = await ctx.call('ListPartitionReassignments', () => ctx.anyBroker(), (connection) =>
    connection.request(ListPartitionReassignmentsApi, ListPartitionReassignmentsApi.createRequest({ timeoutMs: ctx.timeoutMs, topics }), { serverTimeoutMs: ctx.timeoutMs }),
  )
  ctx.check(response.errorCode, { apiName: 'ListPartitionReassignments', errorMessage: response.errorMessage })
  const out: PartitionMap<OngoingReassignment> = {}
  for (const topic of response.topics) {
    for (const p of topic.partitions) put(out, topic.name, p.partitionIndex, { replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })
  }
  return out
}

/**
 * Elects leaders. Per-partition results; ELECTION_NOT_NEEDED means the preferred replica already
 * leads. With `partitions` omitted every partition is considered and only those where an election
 * ran (or failed) are listed.
 */
export async function electLeaders(ctx: AdminContext, request: ElectLeadersRequest): Promise<PartitionMap<ItemError>> {
  if (typeof request !== 'object' || request === null) throw invalid('request', request, "{ type: 'preferred' | 'unclean', partitions?, timeoutMs? }")
  const type = requireOneOf(request.type, 'request.type', electionTypes.names)
  const topicPartitions = request.partitions === undefined || request.partitions === null ? null : partitionLists(request.partitions, 'request.partitions')
  const timeoutMs = request.timeoutMs === undefined ? ctx.timeoutMs : requireInt(request.timeoutMs, 'request.timeoutMs', 0)
  const response = await ctx.call('ElectLeaders', () => ctx.anyBroker(), async (connection) => {
    const version = connection.versionFor(ElectLeadersApi)
    if (type !== 'preferred' && version < 1) throw new UnsupportedVersionError(`unclean elections need ElectLeaders v1; broker ${connection.address} supports v0`, 'ElectLeaders')
    return connection.request(ElectLeadersApi, ElectLeadersApi.createRequest({ electionType: electionTypes.code(type), topicPartitions, timeoutMs }), {
      version,
      serverTimeoutMs: timeoutMs,
    })
  })
  ctx.check(response.errorCode, { apiName: 'ElectLeaders' })
  const out: PartitionMap<ItemError> = {}
  for (const topic of response.replicaElectionResults) {
    for (const p of topic.partitionResult) {
      put(
        out,
        topic.topic,
        p.partitionId,
        p.errorCode !== 0 ? { error: ctx.error(p.errorCode, { apiName: 'ElectLeaders', topic: topic.topic, partition: p.partitionId, errorMessage: p.errorMessage }) } : {},
      )
    }
  }
  return out
}
