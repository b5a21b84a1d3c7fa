import { UnsupportedVersionError } from '@kafkats/connection'
import { DescribeProducersApi, DescribeTransactionsApi, ListTransactionsApi } from '@kafkats/protocol'
import type { AdminContext, Result } from './context.js'
import { CoordinatorType } from './enums.js'
import { invalid, requireArray, requireInt, requireName, requirePartition, requireUnique } from './errors.js'
import { type PartitionTask, byTopic, put } from './offsets.js'
import type {
  BrokerFailure,
  ListTransactionsOptions,
  ListTransactionsResult,
  PartitionMap,
  PartitionProducers,
  TopicPartitions,
  TransactionDescription,
  TransactionListing,
} from './types.js'

export async function listTransactions(ctx: AdminContext, options: ListTransactionsOptions = {}): Promise<ListTransactionsResult> {
  const stateFilters = requireArray(options.states ?? [], 'states', true).map((s, i) => requireName(s, `states[${i}]`, 'a transaction state'))
  const producerIdFilters = requireArray(options.producerIds ?? [], 'producerIds', true).map((id, i) => {
    if (typeof id !== 'bigint' || id < 0n) throw invalid(`producerIds[${i}]`, 'expected a producer id (bigint ≥ 0)')
    return id
  })
  const durationFilter = options.durationMs === undefined ? -1n : BigInt(requireInt(options.durationMs, 'durationMs', 0, Number.MAX_SAFE_INTEGER))
  const pattern = options.transactionalIdPattern === undefined ? null : requireName(options.transactionalIdPattern, 'transactionalIdPattern', 'a regular expression')
  const brokers = await ctx.brokers()
  // Each broker lists the transactions it coordinates.
  const answers = await Promise.allSettled(
    brokers.map((broker) =>
      ctx.call(
        'ListTransactions',
        async () => broker.address,
        async (connection) => {
          const version = connection.versionFor(ListTransactionsApi)
          if (durationFilter >= 0n && version < 1) throw new UnsupportedVersionError(`durationMs needs ListTransactions v1; broker ${connection.address} supports v0`, 'ListTransactions')
          if (pattern !== null && version < 2) throw new UnsupportedVersionError(`transactionalIdPattern needs ListTransactions v2; broker ${connection.address} supports v${version}`, 'ListTransactions')
          const response = await connection.request(
            ListTransactionsApi,
            ListTransactionsApi.createRequest({ stateFilters, producerIdFilters, durationFilter, transactionalIdPattern: pattern }),
            { version },
          )
          ctx.check(response.errorCode, { apiName: 'ListTransactions' })
          return response.transactionStates.map(
            (state): TransactionListing => ({
              transactionalId: state.transactionalId,
              producerId: state.producerId,
              state: state.transactionState,
              coordinator: broker.nodeId,
            }),
          )
        },
      ),
    ),
  )
  const transactions: TransactionListing[] = []
  const errors: BrokerFailure[] = []
  answers.forEach((answer, i) => {
    if (answer.status === 'fulfilled') transactions.push(...answer.value)
    else errors.push({ broker: brokers[i]!.nodeId, error: answer.reason instanceof Error ? answer.reason : new Error(String(answer.reason)) })
  })
  transactions.sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0))
  return { transactions, errors }
}

interface TransactionTask {
  transactionalId: string
}

export async function describeTransactions(ctx: AdminContext, transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
  const ids = requireArray(transactionalIds, 'transactionalIds').map((id, i) => requireName(id, `transactionalIds[${i}]`, 'a transactional id'))
  requireUnique(ids, 'transactionalIds')
  const tasks = ids.map((transactionalId) => ({ transactionalId }))
  const results = await ctx.batched<TransactionTask, TransactionDescription>({
    apiName: 'DescribeTransactions',
    tasks,
    route: ctx.coordinatorRouter(CoordinatorType.transaction, (task) => task.transactionalId),
    onRetry: ctx.forgetCoordinators(CoordinatorType.transaction, (task) => task.transactionalId),
    send: async (connection, shard) => {
      const response = await connection.request(DescribeTransactionsApi, DescribeTransactionsApi.createRequest({ transactionalIds: shard.tasks.map((task) => task.transactionalId) }))
      return shard.tasks.flatMap((task): Array<[TransactionTask, Result<TransactionDescription>]> => {
        const state = response.transactionStates.find((s) => s.transactionalId === task.transactionalId)
        if (state === undefined) return []
        if (state.errorCode !== 0) return [[task, { error: ctx.error(state.errorCode, { apiName: 'DescribeTransactions', resource: task.transactionalId }) }]]
        const topics: TopicPartitions = {}
        for (const topic of state.topics) topics[topic.topic] = [...topic.partitions].sort((a, b) => a - b)
        return [
          [
            task,
            {
              value: {
                transactionalId: task.transactionalId,
                state: state.transactionState,
                timeoutMs: state.transactionTimeoutMs,
                startTimeMs: state.transactionStartTimeMs,
                producerId: state.producerId,
                producerEpoch: state.producerEpoch,
                topics,
                coordinator: shard.nodeId,
              },
            },
          ],
        ]
      })
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined
      ? result.value
      : { transactionalId: task.transactionalId, state: '', timeoutMs: 0, startTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: {}, coordinator: -1, error: result.error }
  })
}

/** Active producers of each partition, from its leader. `partitions`: topic names (all partitions) or `{ [topic]: partitions }`. */
export async function describeProducers(
  ctx: AdminContext,
  partitions: readonly string[] | Readonly<Record<string, readonly number[]>>,
): Promise<PartitionMap<PartitionProducers>> {
  const tasks: PartitionTask[] = []
  if (Array.isArray(partitions)) {
    const names = requireArray(partitions as readonly string[], 'partitions').map((topic, i) => requireName(topic, `partitions[${i}]`, 'a topic name'))
    const known = await ctx.partitionsOf('DescribeProducers', names)
    for (const topic of names) for (const partition of known.get(topic)!) tasks.push({ topic, partition })
  } else if (typeof partitions === 'object' && partitions !== null) {
    for (const [topic, list] of Object.entries(partitions as Readonly<Record<string, readonly number[]>>)) {
      requireName(topic, 'partitions', 'a topic name')
      for (const [i, partition] of requireArray(list, `partitions.${topic}`).entries()) tasks.push({ topic, partition: requirePartition(partition, `partitions.${topic}[${i}]`) })
    }
  } else throw invalid('partitions', 'expected topic names or { [topic]: partitions }')
  const results = await ctx.batched<PartitionTask, PartitionProducers>({
    apiName: 'DescribeProducers',
    tasks,
    route: ctx.leaderRouter('DescribeProducers', (task) => task.topic, (task) => task.partition),
    send: async (connection, shard) => {
      const topics = byTopic(shard)
      const response = await connection.request(
        DescribeProducersApi,
        DescribeProducersApi.createRequest({ topics: [...topics].map(([name, entries]) => ({ name, partitionIndexes: entries.map(({ task }) => task.partition) })) }),
      )
      const out: Array<[PartitionTask, Result<PartitionProducers>]> = []
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          const entry = topics.get(topic.name)?.find(({ task }) => task.partition === p.partitionIndex)
          if (entry === undefined) continue
          out.push([
            entry.task,
            p.errorCode !== 0
              ? { error: ctx.error(p.errorCode, { apiName: 'DescribeProducers', topic: topic.name, partition: p.partitionIndex, errorMessage: p.errorMessage }) }
              : {
                  value: {
                    producers: p.activeProducers.map((producer) => ({
                      producerId: producer.producerId,
                      producerEpoch: producer.producerEpoch,
                      lastSequence: producer.lastSequence,
                      lastTimestamp: producer.lastTimestamp,
                      coordinatorEpoch: producer.coordinatorEpoch,
                      currentTransactionStartOffset: producer.currentTxnStartOffset,
                    })),
                  },
                },
          ])
        }
      }
      return out
    },
  })
  const out: PartitionMap<PartitionProducers> = {}
  for (const task of tasks) {
    const result = results.get(task)!
    put(out, task.topic, task.partition, result.error === undefined ? result.value : { producers: [], error: result.error })
  }
  return out
}
