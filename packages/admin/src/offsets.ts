import { UnsupportedVersionError } from '@kafkats/connection'
import { DeleteRecordsApi, ListOffsetsApi } from '@kafkats/protocol'
import type { AdminContext, Result, Shard } from './context.js'
import { isolationLevels } from './enums.js'
import { invalid, requireOffset, requireOneOf, requireOptions, requirePartition, requireTopicName } from './errors.js'
import type { DeleteRecordsRequest, DeleteRecordsResult, ListOffsetsOptions, ListOffsetsRequest, OffsetSpec, PartitionMap, PartitionOffset, TopicPartitionOffsets } from './types.js'

/** ListOffsets' special timestamps, and the version that introduced each. */
const SPECIAL_TIMESTAMPS = {
  latest: { timestamp: -1n, minVersion: 0 },
  earliest: { timestamp: -2n, minVersion: 0 },
  'max-timestamp': { timestamp: -3n, minVersion: 7 },
  'earliest-local': { timestamp: -4n, minVersion: 8 },
  'latest-tiered': { timestamp: -5n, minVersion: 9 },
} as const

type SpecialSpec = keyof typeof SPECIAL_TIMESTAMPS

export interface PartitionTask {
  topic: string
  partition: number
}

interface ListOffsetsTask extends PartitionTask {
  timestamp: bigint
  minVersion: number
}

function isSpec(value: unknown): value is OffsetSpec {
  return typeof value === 'string' || (typeof value === 'object' && value !== null && 'timestamp' in value)
}

function toTimestamp(spec: OffsetSpec, argument: string): { timestamp: bigint; minVersion: number } {
  if (typeof spec === 'string') {
    const name = requireOneOf(spec, argument, Object.keys(SPECIAL_TIMESTAMPS) as SpecialSpec[])
    return SPECIAL_TIMESTAMPS[name]
  }
  if (typeof spec !== 'object' || spec === null) throw invalid(argument, spec, `one of ${Object.keys(SPECIAL_TIMESTAMPS).map((name) => `'${name}'`).join(', ')} or { timestamp }`)
  const raw: unknown = spec.timestamp
  const timestamp = typeof raw === 'number' && Number.isSafeInteger(raw) ? BigInt(raw) : raw
  if (typeof timestamp !== 'bigint' || timestamp < 0n || timestamp > 2n ** 63n - 1n) {
    throw invalid(`${argument}.timestamp`, raw, 'milliseconds since the epoch (a bigint or safe integer ≥ 0)')
  }
  return { timestamp, minVersion: 0 }
}

/** Groups a shard's tasks by topic, keeping each task's index in the shard. */
export function byTopic<T extends PartitionTask>(shard: Shard<T>): Map<string, Array<{ task: T; index: number }>> {
  const topics = new Map<string, Array<{ task: T; index: number }>>()
  shard.tasks.forEach((task, index) => {
    const list = topics.get(task.topic) ?? []
    list.push({ task, index })
    topics.set(task.topic, list)
  })
  return topics
}

/** Sets `map[topic][partition] = value`. */
export function put<T>(map: PartitionMap<T>, topic: string, partition: number, value: NoInfer<T>): void {
  ;(map[topic] ??= {})[partition] = value
}

export async function listOffsets(ctx: AdminContext, request: ListOffsetsRequest, optionsArgument?: ListOffsetsOptions): Promise<TopicPartitionOffsets> {
  const options = requireOptions(optionsArgument)
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw invalid('request', request, "{ [topic]: 'earliest' | 'latest' | … | { timestamp } | { [partition]: spec } }")
  }
  const isolationLevel = isolationLevels.code(requireOneOf(options.isolationLevel ?? 'read_uncommitted', 'options.isolationLevel', isolationLevels.names))
  const tasks: ListOffsetsTask[] = []
  const wholeTopics = new Map<string, { timestamp: bigint; minVersion: number }>()
  for (const [topic, value] of Object.entries(request)) {
    requireTopicName(topic, 'request')
    if (isSpec(value)) {
      wholeTopics.set(topic, toTimestamp(value, `request.${topic}`))
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`request.${topic}`, value, "an offset spec ('earliest', 'latest', …, { timestamp }) or { [partition]: spec }")
    const entries = Object.entries(value)
    if (entries.length === 0) throw invalid(`request.${topic}`, value, 'at least one partition')
    for (const [partition, spec] of entries) {
      tasks.push({ topic, partition: requirePartition(partition, `request.${topic}`), ...toTimestamp(spec, `request.${topic}.${partition}`) })
    }
  }
  if (wholeTopics.size > 0) {
    const partitions = await ctx.partitionsOf('ListOffsets', [...wholeTopics.keys()])
    for (const [topic, spec] of wholeTopics) for (const partition of partitions.get(topic)!) tasks.push({ topic, partition, ...spec })
  }
  const results = await ctx.batched<ListOffsetsTask, PartitionOffset>({
    apiName: 'ListOffsets',
    tasks,
    route: ctx.leaderRouter('ListOffsets', (task) => task.topic, (task) => task.partition),
    send: async (connection, shard) => {
      const version = connection.versionFor(ListOffsetsApi)
      const needed = Math.max(...shard.tasks.map((task) => task.minVersion))
      if (version < needed) {
        throw new UnsupportedVersionError(`this offset spec needs ListOffsets v${needed}; broker ${connection.address} supports up to v${version}`, 'ListOffsets')
      }
      const topics = byTopic(shard)
      const response = await connection.request(
        ListOffsetsApi,
        ListOffsetsApi.createRequest({
          replicaId: -1,
          isolationLevel,
          timeoutMs: ctx.timeoutMs,
          topics: [...topics].map(([name, entries]) => ({
            name,
            partitions: entries.map(({ task, index }) => ({ partitionIndex: task.partition, currentLeaderEpoch: shard.leaderEpochs[index]!, timestamp: task.timestamp })),
          })),
        }),
        { version, serverTimeoutMs: ctx.timeoutMs },
      )
      const out: Array<[ListOffsetsTask, Result<PartitionOffset>]> = []
      for (const topic of response.topics) {
        for (const answer of topic.partitions) {
          const entry = topics.get(topic.name)?.find(({ task }) => task.partition === answer.partitionIndex)
          if (entry === undefined) continue
          out.push([
            entry.task,
            answer.errorCode !== 0
              ? { error: ctx.error(answer.errorCode, { apiName: 'ListOffsets', topic: topic.name, partition: answer.partitionIndex }) }
              : { value: { offset: answer.offset, leaderEpoch: answer.leaderEpoch, timestamp: answer.timestamp } },
          ])
        }
      }
      return out
    },
  })
  const out: TopicPartitionOffsets = {}
  for (const task of tasks) {
    const result = results.get(task)!
    put(out, task.topic, task.partition, result.error === undefined ? result.value : { offset: -1n, leaderEpoch: -1, timestamp: -1n, error: result.error })
  }
  return out
}

interface DeleteRecordsTask extends PartitionTask {
  offset: bigint
}

export async function deleteRecords(ctx: AdminContext, request: DeleteRecordsRequest): Promise<PartitionMap<DeleteRecordsResult>> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw invalid('request', request, '{ [topic]: { [partition]: beforeOffset } }')
  const tasks: DeleteRecordsTask[] = []
  for (const [topic, partitions] of Object.entries(request)) {
    requireTopicName(topic, 'request')
    if (typeof partitions !== 'object' || partitions === null || Array.isArray(partitions)) throw invalid(`request.${topic}`, partitions, '{ [partition]: beforeOffset }')
    const entries = Object.entries(partitions)
    if (entries.length === 0) throw invalid(`request.${topic}`, partitions, 'at least one partition')
    for (const [partition, offset] of entries) {
      tasks.push({ topic, partition: requirePartition(partition, `request.${topic}`), offset: requireOffset(offset, `request.${topic}.${partition}`) })
    }
  }
  const results = await ctx.batched<DeleteRecordsTask, DeleteRecordsResult>({
    apiName: 'DeleteRecords',
    tasks,
    route: ctx.leaderRouter('DeleteRecords', (task) => task.topic, (task) => task.partition),
    send: async (connection, shard) => {
      const topics = byTopic(shard)
      const response = await connection.request(
        DeleteRecordsApi,
        DeleteRecordsApi.createRequest({
          timeoutMs: ctx.timeoutMs,
          topics: [...topics].map(([name, entries]) => ({ name, partitions: entries.map(({ task }) => ({ partitionIndex: task.partition, offset: task.offset })) })),
        }),
        { serverTimeoutMs: ctx.timeoutMs },
      )
      const out: Array<[DeleteRecordsTask, Result<DeleteRecordsResult>]> = []
      for (const topic of response.topics) {
        for (const answer of topic.partitions) {
          const entry = topics.get(topic.name)?.find(({ task }) => task.partition === answer.partitionIndex)
          if (entry === undefined) continue
          out.push([
            entry.task,
            answer.errorCode !== 0
              ? { error: ctx.error(answer.errorCode, { apiName: 'DeleteRecords', topic: topic.name, partition: answer.partitionIndex }) }
              : { value: { lowWatermark: answer.lowWatermark } },
          ])
        }
      }
      return out
    },
  })
  const out: PartitionMap<DeleteRecordsResult> = {}
  for (const task of tasks) {
    const result = results.get(task)!
    put(out, task.topic, task.partition, result.error === undefined ? result.value : { lowWatermark: -1n, error: result.error })
  }
  return out
}
