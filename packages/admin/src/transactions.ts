import { UnsupportedVersionError } from '@kafkats/connection'
import { DescribeProducersApi, DescribeTransactionsApi, InitProducerIdApi, ListTransactionsApi, WriteTxnMarkersApi } from '@kafkats/protocol'
import type { AdminContext, Result } from './context.js'
import { CoordinatorType } from './enums.js'
import { invalid, requireArray, requireInt, requireName, requireOffset, requireOptions, requirePartition, requireTopicName, requireUnique } from './errors.js'
import { type PartitionTask, byTopic, put } from './offsets.js'
import type {
  AbortTransactionSpec,
  BrokerFailure,
  FencedProducer,
  ListTransactionsOptions,
  ListTransactionsResult,
  PartitionMap,
  PartitionProducers,
  TopicPartitions,
  TransactionDescription,
  TransactionListing,
} from './types.js'

export async function listTransactions(ctx: AdminContext, optionsArgument?: ListTransactionsOptions): Promise<ListTransactionsResult> {
  const options = requireOptions(optionsArgument)
  const stateFilters = requireArray(options.states ?? [], 'options.states', true).map((s, i) => requireName(s, `options.states[${i}]`, 'a transaction state'))
  const producerIdFilters = requireArray(options.producerIds ?? [], 'options.producerIds', true).map((id, i) => requireOffset(id, `options.producerIds[${i}]`, 0n))
  const durationFilter = options.durationMs === undefined ? -1n : BigInt(requireInt(options.durationMs, 'options.durationMs', 0, Number.MAX_SAFE_INTEGER))
  const pattern =
    options.transactionalIdPattern === undefined ? null : requireName(options.transactionalIdPattern, 'options.transactionalIdPattern', 'a regular expression')
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
    const names = requireArray(partitions as readonly string[], 'partitions').map((topic, i) => requireTopicName(topic, `partitions[${i}]`))
    const known = await ctx.partitionsOf('DescribeProducers', names)
    for (const topic of names) for (const partition of known.get(topic)!) tasks.push({ topic, partition })
  } else if (typeof partitions === 'object' && partitions !== null) {
    for (const [topic, list] of Object.entries(partitions as Readonly<Record<string, readonly number[]>>)) {
      requireTopicName(topic, 'partitions')
      for (const [i, partition] of requireArray(list, `partitions.${topic}`).entries()) tasks.push({ topic, partition: requirePartition(partition, `partitions.${topic}[${i}]`) })
    }
  } else throw invalid('partitions', partitions, 'topic names or { [topic]: partition numbers }')
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

/**
 * KIP-664: aborts a hanging transaction on one partition by writing an ABORT marker there
 * (WriteTxnMarkers to the partition's leader), for a producer that will never finish it (e.g. its
 * coordinator lost track). Take producerId, producerEpoch and coordinatorEpoch from
 * `describeProducers` (the producer's entry with a `currentTransactionStartOffset` ≥ 0).
 */
export async function abortTransaction(ctx: AdminContext, spec: AbortTransactionSpec): Promise<void> {
  if (typeof spec !== 'object' || spec === null) throw invalid('spec', spec, '{ topic, partition, producerId, producerEpoch, coordinatorEpoch } (from describeProducers)')
  const topic = requireTopicName(spec.topic, 'spec.topic')
  const partition = requireInt(spec.partition, 'spec.partition', 0)
  if (typeof spec.producerId !== 'bigint' || spec.producerId < 0n) throw invalid('spec.producerId', spec.producerId, 'a producer id (bigint ≥ 0), e.g. from describeProducers')
  const producerEpoch = requireInt(spec.producerEpoch, 'spec.producerEpoch', 0, 32767)
  const coordinatorEpoch = requireInt(spec.coordinatorEpoch, 'spec.coordinatorEpoch', -1, 2 ** 31 - 1)
  const task: PartitionTask = { topic, partition }
  const results = await ctx.batched<PartitionTask, true>({
    apiName: 'WriteTxnMarkers',
    tasks: [task],
    route: ctx.leaderRouter('WriteTxnMarkers', (t) => t.topic, (t) => t.partition),
    send: async (connection) => {
      const response = await connection.request(
        WriteTxnMarkersApi,
        WriteTxnMarkersApi.createRequest({
          markers: [
            {
              producerId: spec.producerId,
              producerEpoch,
              transactionResult: false,
              topics: [{ name: topic, partitionIndexes: [partition] }],
              coordinatorEpoch,
              transactionVersion: 0,
            },
          ],
        }),
      )
      const result = response.markers[0]?.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition)
      if (result === undefined) return []
      return [[task, result.errorCode === 0 ? { value: true } : { error: ctx.error(result.errorCode, { apiName: 'WriteTxnMarkers', topic, partition }) }]]
    },
  })
  const result = results.get(task)
  if (result === undefined) throw ctx.error(-1, { apiName: 'WriteTxnMarkers', topic, partition, errorMessage: 'The response left this partition out.' })
  if (result.error !== undefined) throw result.error
}

/**
 * KIP-664: fences every producer using these transactional ids, as a new instance's
 * initTransactions would (InitProducerId with the id: the epoch is bumped and any open transaction
 * aborted). Returns the new producer id and epoch per id, or its error.
 */
export async function fenceProducers(ctx: AdminContext, transactionalIds: readonly string[]): Promise<FencedProducer[]> {
  const ids = requireArray(transactionalIds, 'transactionalIds').map((id, i) => requireName(id, `transactionalIds[${i}]`, 'a transactional id'))
  requireUnique(ids, 'transactionalIds')
  const tasks = ids.map((transactionalId) => ({ transactionalId }))
  const results = await fenceOnce(ctx, tasks)
  // While the coordinator aborts the fenced producer's open transaction it answers
  // COORDINATOR_NOT_AVAILABLE / CONCURRENT_TRANSACTIONS for longer than the generic retries last:
  // ask again for those ids (Java's handler keeps retrying them too) for up to ~10 s.
  const deadline = Date.now() + 10_000
  for (;;) {
    const again = tasks.filter((task) => results.get(task)?.error?.retriable === true)
    if (again.length === 0 || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 200))
    const retried = await fenceOnce(ctx, again)
    for (const [task, result] of retried) results.set(task, result)
  }
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined ? { transactionalId: task.transactionalId, ...result.value } : { transactionalId: task.transactionalId, producerId: -1n, producerEpoch: -1, error: result.error }
  })
}

function fenceOnce(ctx: AdminContext, tasks: readonly TransactionTask[]): Promise<Map<TransactionTask, Result<{ producerId: bigint; producerEpoch: number }>>> {
  return ctx.batched<TransactionTask, { producerId: bigint; producerEpoch: number }>({
    apiName: 'InitProducerId',
    tasks,
    // One InitProducerId per transactional id: route each alone.
    route: ctx.coordinatorRouter(CoordinatorType.transaction, (task) => task.transactionalId),
    onRetry: ctx.forgetCoordinators(CoordinatorType.transaction, (task) => task.transactionalId),
    send: async (connection, shard) =>
      Promise.all(
        shard.tasks.map(async (task): Promise<[TransactionTask, Result<{ producerId: bigint; producerEpoch: number }>]> => {
          // The fencing "producer" never starts a transaction; the timeout only has to be valid.
          const response = await connection.request(InitProducerIdApi, InitProducerIdApi.createRequest({ transactionalId: task.transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }))
          return [
            task,
            response.errorCode === 0
              ? { value: { producerId: response.producerId, producerEpoch: response.producerEpoch } }
              : { error: ctx.error(response.errorCode, { apiName: 'InitProducerId', resource: task.transactionalId }) },
          ]
        }),
      ),
  })
}
