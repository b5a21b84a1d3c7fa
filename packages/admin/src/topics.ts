import {
  CreatePartitionsApi,
  type CreatePartitionsRequestCreatePartitionsTopic,
  CreateTopicsApi,
  type CreateTopicsRequestCreatableTopic,
  DeleteTopicsApi,
  ErrorCode,
  KafkaError,
  MetadataApi,
  ZERO_UUID,
} from '@kafkats/protocol'
import { UnsupportedVersionError } from '@kafkats/connection'
import { type AdminContext, type Result, type Routing, retryOn } from './context.js'
import { configSources, decodeAuthorizedOperations } from './enums.js'
import { invalid, requireArray, requireBoolean, requireInt, requireName, requireOptions, requirePartition, requireTopicName, requireUnique } from './errors.js'
import type {
  CreatePartitionsOptions,
  CreateTopicResult,
  CreateTopicsOptions,
  DeleteTopicResult,
  DescribeTopicsOptions,
  ListTopicsOptions,
  NewPartitions,
  NewTopic,
  PartitionDescription,
  TopicDescription,
  TopicResult,
} from './types.js'

/** Controller requests: retried when the controller moved or throttled us, never on a timeout (the change may have happened). */
const CONTROLLER_RETRY = retryOn(ErrorCode.NOT_CONTROLLER, ErrorCode.THROTTLING_QUOTA_EXCEEDED)

/** Every task in one request to any broker (KRaft brokers forward controller requests). */
export function anyBrokerRoute<T>(ctx: AdminContext): (tasks: readonly T[]) => Promise<Routing<T>> {
  return async (tasks) => ({ shards: [{ nodeId: -1, address: await ctx.anyBroker(), tasks: [...tasks], leaderEpochs: [] }], failed: [] })
}

function toCreatableTopic(topic: NewTopic, argument: string): CreateTopicsRequestCreatableTopic {
  if (typeof topic !== 'object' || topic === null) throw invalid(argument, topic, '{ topic, partitions?, replicationFactor?, assignments?, configs? }')
  const name = requireTopicName(topic.topic, `${argument}.topic`)
  const assignments: CreateTopicsRequestCreatableTopic['assignments'] = []
  if (topic.assignments !== undefined) {
    const entries = Array.isArray(topic.assignments)
      ? (topic.assignments as ReadonlyArray<readonly number[]>).map((replicas, partition) => [partition, replicas] as const)
      : Object.entries(topic.assignments as Readonly<Record<number, readonly number[]>>).map(([partition, replicas]) => [Number(partition), replicas] as const)
    if (entries.length === 0) throw invalid(`${argument}.assignments`, topic.assignments, 'at least one partition (or omit assignments)')
    for (const [partition, replicas] of entries) {
      requirePartition(partition, `${argument}.assignments`)
      const ids = requireArray(replicas, `${argument}.assignments[${partition}]`)
      ids.forEach((id, i) => requireInt(id, `${argument}.assignments[${partition}][${i}]`, 0))
      if (new Set(ids).size !== ids.length) throw invalid(`${argument}.assignments[${partition}]`, ids, 'distinct broker ids (a broker appears twice in one partition)')
      assignments.push({ partitionIndex: partition, brokerIds: [...ids] })
    }
    if (topic.partitions !== undefined || topic.replicationFactor !== undefined) {
      throw invalid(`${argument}.assignments`, topic.assignments, 'either assignments or partitions/replicationFactor, not both')
    }
  }
  if (topic.configs !== undefined && (typeof topic.configs !== 'object' || topic.configs === null || Array.isArray(topic.configs))) {
    throw invalid(`${argument}.configs`, topic.configs, "{ [config name]: string value }, e.g. { 'retention.ms': '3600000' }")
  }
  const configs = Object.entries(topic.configs ?? {}).map(([key, value]) => {
    requireName(key, `${argument}.configs`, 'a config name')
    if (typeof value !== 'string') throw invalid(`${argument}.configs.${key}`, value, 'a string (config values are strings, e.g. "3600000")')
    return { name: key, value }
  })
  return {
    name,
    numPartitions: assignments.length > 0 ? -1 : topic.partitions === undefined ? -1 : requireInt(topic.partitions, `${argument}.partitions`, 1),
    replicationFactor:
      assignments.length > 0 ? -1 : topic.replicationFactor === undefined ? -1 : requireInt(topic.replicationFactor, `${argument}.replicationFactor`, 1, 32767),
    assignments,
    configs,
  }
}

export async function createTopics(ctx: AdminContext, topics: readonly NewTopic[], optionsArgument?: CreateTopicsOptions): Promise<CreateTopicResult[]> {
  const options = requireOptions(optionsArgument)
  requireArray(topics, 'topics')
  const tasks = topics.map((topic, i) => toCreatableTopic(topic, `topics[${i}]`))
  requireUnique(
    tasks.map((task) => task.name),
    'topics',
  )
  const timeoutMs = options.timeoutMs === undefined ? ctx.timeoutMs : requireInt(options.timeoutMs, 'options.timeoutMs', 0)
  const validateOnly = requireBoolean(options.validateOnly, 'options.validateOnly') ?? false
  const waitForLeadersToo = requireBoolean(options.waitForLeaders, 'options.waitForLeaders') ?? true
  const results = await ctx.batched<CreateTopicsRequestCreatableTopic, CreateTopicResult>({
    apiName: 'CreateTopics',
    tasks,
    route: anyBrokerRoute(ctx),
    retriable: CONTROLLER_RETRY,
    send: async (connection, shard) => {
      const response = await connection.request(CreateTopicsApi, CreateTopicsApi.createRequest({ topics: shard.tasks, timeoutMs, validateOnly }), {
        serverTimeoutMs: timeoutMs,
      })
      const byName = new Map(response.topics.map((topic) => [topic.name, topic]))
      return shard.tasks.flatMap((task): Array<[CreateTopicsRequestCreatableTopic, Result<CreateTopicResult>]> => {
        const answer = byName.get(task.name)
        if (answer === undefined) return []
        if (answer.errorCode !== 0) {
          return [[task, { error: ctx.error(answer.errorCode, { apiName: 'CreateTopics', topic: task.name, errorMessage: answer.errorMessage }) }]]
        }
        const configs: CreateTopicResult['configs'] = {}
        for (const config of answer.configs ?? []) {
          configs[config.name] = { value: config.value, source: configSources.name(config.configSource), isSensitive: config.isSensitive, readOnly: config.readOnly }
        }
        return [
          [
            task,
            { value: { topic: task.name, topicId: answer.topicId, partitions: answer.numPartitions, replicationFactor: answer.replicationFactor, configs } },
          ],
        ]
      })
    },
  })
  const out = tasks.map((task): CreateTopicResult => {
    const result = results.get(task)!
    if (result.error === undefined) return result.value
    return { topic: task.name, topicId: ZERO_UUID, partitions: -1, replicationFactor: -1, configs: {}, error: result.error }
  })
  const created = out.filter((result) => result.error === undefined).map((result) => result.topic)
  if (!validateOnly && created.length > 0 && waitForLeadersToo) await waitForLeaders(ctx, created, timeoutMs)
  return out
}

/** Polls every broker until it reports a leader for every partition of `topics` (or the time is up: logged, not thrown). */
async function waitForLeaders(ctx: AdminContext, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const brokers = await ctx.brokers()
  const request = MetadataApi.createRequest({ topics: topics.map((name) => ({ topicId: ZERO_UUID, name })), allowAutoTopicCreation: false })
  const lagging = await Promise.all(
    brokers.map(async (broker) => {
      for (;;) {
        try {
          const response = await (await ctx.connection(broker.address)).request(MetadataApi, request)
          const ready = topics.every((name) => {
            const topic = response.topics.find((candidate) => candidate.name === name)
            return topic !== undefined && topic.errorCode === 0 && topic.partitions.length > 0 && topic.partitions.every((p) => p.leaderId >= 0)
          })
          if (ready) return null
        } catch (error) {
          // An unreachable broker must not hold up the caller: it learns the topic when it is back.
          if (!KafkaError.isInstance(error) || !error.retriable) throw error
          return null
        }
        if (Date.now() >= deadline) return broker.nodeId
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }),
  )
  const late = lagging.filter((nodeId) => nodeId !== null)
  if (late.length > 0) ctx.logger.warn({ topics, brokers: late, timeoutMs }, 'topics were created but some brokers do not report their leaders yet')
}

interface DeleteTask {
  name: string | null
  topicId: string
}

export async function deleteTopics(
  ctx: AdminContext,
  topics: readonly string[] | { topicIds: readonly string[] },
  optionsArgument?: { timeoutMs?: number },
): Promise<DeleteTopicResult[]> {
  const options = requireOptions(optionsArgument)
  const byId = !Array.isArray(topics)
  if (byId && (typeof topics !== 'object' || topics === null)) throw invalid('topics', topics, 'an array of topic names, or { topicIds: [...] }')
  const tasks: DeleteTask[] = byId
    ? requireArray((topics as { topicIds: readonly string[] }).topicIds, 'topicIds').map((id, i) => {
        const topicId = requireName(id, `topicIds[${i}]`, 'a topic id')
        if (!/^[A-Za-z0-9_-]{22}$/.test(topicId) || topicId === ZERO_UUID) throw invalid(`topicIds[${i}]`, topicId, 'a topic id (22 base64url characters, not all zero)')
        return { name: null, topicId }
      })
    : requireArray(topics as readonly string[], 'topics').map((name, i) => ({ name: requireTopicName(name, `topics[${i}]`), topicId: ZERO_UUID }))
  requireUnique(
    tasks.map((task) => task.name ?? task.topicId),
    byId ? 'topicIds' : 'topics',
  )
  const timeoutMs = options.timeoutMs === undefined ? ctx.timeoutMs : requireInt(options.timeoutMs, 'options.timeoutMs', 0)
  const results = await ctx.batched<DeleteTask, DeleteTopicResult>({
    apiName: 'DeleteTopics',
    tasks,
    route: anyBrokerRoute(ctx),
    retriable: CONTROLLER_RETRY,
    send: async (connection, shard) => {
      const version = connection.versionFor(DeleteTopicsApi)
      if (byId && version < 6) {
        throw new UnsupportedVersionError(`deleting topics by id needs DeleteTopics v6; broker ${connection.address} supports up to v${version}: delete them by name`, 'DeleteTopics')
      }
      const request =
        version >= 6
          ? DeleteTopicsApi.createRequest({ topics: shard.tasks.map((task) => ({ name: task.name, topicId: task.topicId })), timeoutMs })
          : DeleteTopicsApi.createRequest({ topicNames: shard.tasks.map((task) => task.name!), timeoutMs })
      const response = await connection.request(DeleteTopicsApi, request, { version, serverTimeoutMs: timeoutMs })
      return shard.tasks.flatMap((task): Array<[DeleteTask, Result<DeleteTopicResult>]> => {
        const answer = response.responses.find((r) => (task.name !== null ? r.name === task.name : r.topicId === task.topicId))
        if (answer === undefined) return []
        const topic = answer.name ?? task.name
        if (answer.errorCode !== 0) {
          return [[task, { error: ctx.error(answer.errorCode, { apiName: 'DeleteTopics', ...(topic !== null ? { topic } : { resource: task.topicId }), errorMessage: answer.errorMessage }) }]]
        }
        return [[task, { value: { topic, topicId: answer.topicId } }]]
      })
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined ? result.value : { topic: task.name, topicId: task.topicId, error: result.error }
  })
}

export async function listTopics(ctx: AdminContext, options?: ListTopicsOptions): Promise<string[]> {
  const includeInternal = requireBoolean(requireOptions(options).includeInternal, 'options.includeInternal') ?? false
  const view = await ctx.topicMetadata(null)
  return [...view.topics.values()]
    .filter((topic) => topic.error === undefined && (includeInternal || !topic.isInternal))
    .map((topic) => topic.name)
    .sort()
}

export async function describeTopics(ctx: AdminContext, topics: readonly string[], optionsArgument?: DescribeTopicsOptions): Promise<TopicDescription[]> {
  const options = requireOptions(optionsArgument)
  requireBoolean(options.includeAuthorizedOperations, 'options.includeAuthorizedOperations')
  const names = requireArray(topics, 'topics').map((name, i) => requireTopicName(name, `topics[${i}]`))
  requireUnique(names, 'topics')
  const tasks = names.map((name) => ({ name }))
  const results = await ctx.batched<{ name: string }, TopicDescription>({
    apiName: 'Metadata',
    tasks,
    route: anyBrokerRoute(ctx),
    send: async (_connection, shard) => {
      const view = await ctx.topicMetadata(
        shard.tasks.map((task) => task.name),
        { authorizedOperations: options.includeAuthorizedOperations ?? false },
      )
      return shard.tasks.flatMap((task): Array<[{ name: string }, Result<TopicDescription>]> => {
        const topic = view.topics.get(task.name)
        if (topic === undefined) return []
        if (topic.error !== undefined) return [[task, { error: topic.error }]]
        if (topic.partitions.size === 0) return [[task, { error: ctx.error(ErrorCode.LEADER_NOT_AVAILABLE, { apiName: 'Metadata', topic: task.name }) }]]
        const partitions = [...topic.partitions.values()]
          .sort((a, b) => a.partitionIndex - b.partitionIndex)
          .map((p): PartitionDescription => {
            const racks: Record<number, string | null> = {}
            for (const id of p.replicaNodes) racks[id] = view.brokers.get(id)?.rack ?? null
            return {
              partition: p.partitionIndex,
              leader: p.leaderId,
              leaderEpoch: p.leaderEpoch,
              replicas: p.replicaNodes,
              isr: p.isrNodes,
              offlineReplicas: p.offlineReplicas,
              racks,
              ...(p.errorCode !== 0 ? { error: ctx.error(p.errorCode, { apiName: 'Metadata', topic: task.name, partition: p.partitionIndex }) } : {}),
            }
          })
        const authorizedOperations = decodeAuthorizedOperations(topic.authorizedOperations)
        return [
          [
            task,
            {
              value: {
                topic: task.name,
                topicId: topic.topicId,
                isInternal: topic.isInternal,
                partitions,
                ...(authorizedOperations !== undefined && options.includeAuthorizedOperations === true ? { authorizedOperations } : {}),
              },
            },
          ],
        ]
      })
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined ? result.value : { topic: task.name, topicId: ZERO_UUID, isInternal: false, partitions: [], error: result.error }
  })
}

export async function createPartitions(ctx: AdminContext, topics: readonly NewPartitions[], optionsArgument?: CreatePartitionsOptions): Promise<TopicResult[]> {
  const options = requireOptions(optionsArgument)
  const validateOnly = requireBoolean(options.validateOnly, 'options.validateOnly') ?? false
  const tasks = requireArray(topics, 'topics').map((topic, i): CreatePartitionsRequestCreatePartitionsTopic => {
    const argument = `topics[${i}]`
    if (typeof topic !== 'object' || topic === null) throw invalid(argument, topic, '{ topic, count, assignments? }')
    const name = requireTopicName(topic.topic, `${argument}.topic`)
    const count = requireInt(topic.count, `${argument}.count`, 1)
    const assignments =
      topic.assignments === undefined
        ? null
        : requireArray(topic.assignments, `${argument}.assignments`).map((replicas, p) => ({
            brokerIds: requireArray(replicas, `${argument}.assignments[${p}]`).map((id, r) => requireInt(id, `${argument}.assignments[${p}][${r}]`, 0)),
          }))
    return { name, count, assignments }
  })
  requireUnique(
    tasks.map((task) => task.name),
    'topics',
  )
  const timeoutMs = options.timeoutMs === undefined ? ctx.timeoutMs : requireInt(options.timeoutMs, 'options.timeoutMs', 0)
  const results = await ctx.batched<CreatePartitionsRequestCreatePartitionsTopic, TopicResult>({
    apiName: 'CreatePartitions',
    tasks,
    route: anyBrokerRoute(ctx),
    retriable: CONTROLLER_RETRY,
    send: async (connection, shard) => {
      const response = await connection.request(
        CreatePartitionsApi,
        CreatePartitionsApi.createRequest({ topics: shard.tasks, timeoutMs, validateOnly }),
        { serverTimeoutMs: timeoutMs },
      )
      return shard.tasks.flatMap((task): Array<[CreatePartitionsRequestCreatePartitionsTopic, Result<TopicResult>]> => {
        const answer = response.results.find((r) => r.name === task.name)
        if (answer === undefined) return []
        if (answer.errorCode !== 0) {
          return [[task, { error: ctx.error(answer.errorCode, { apiName: 'CreatePartitions', topic: task.name, errorMessage: answer.errorMessage }) }]]
        }
        return [[task, { value: { topic: task.name } }]]
      })
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined ? result.value : { topic: task.name, error: result.error }
  })
}
