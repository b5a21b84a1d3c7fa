import { checkPartition, checkTopic, checkTopicPartitions } from './arguments.js'
import {
  type BrokerCounters,
  FetchPlanner,
  checkStartOffset,
  type FetchPlannerEventMap,
  type FetchPlannerListener,
  type FetchPlannerOptions,
  type FetchedBatch,
  type FetchedRecord,
  type PartitionFetchMetrics,
  type StartOffset,
  type TopicPartition,
} from '@kafkats/fetch-planner'
import { ConfigError, ErrorCode, InvalidArgumentError, InvalidStateError, type KafkaError, KafkaProtocolError } from '@kafkats/protocol'

/**
 * An offset exactly as the admin API returns it: ListOffsets results
 * (`{ offset, leaderEpoch, timestamp }`) and committed offsets from OffsetFetch
 * (`{ offset, leaderEpoch, metadata }`, `leaderEpoch` -1 when unknown, `offset` -1 when nothing
 * is committed). Used as-is: an epoch >= 0 is validated with the leader (KIP-320) and the
 * partition then follows the same rack-aware path as any other offset; -1 applies
 * `autoOffsetReset`.
 */
export interface AdminOffset {
  offset: bigint
  leaderEpoch: number
  timestamp?: bigint
  metadata?: string | null
}

/**
 * A hand-built `StartOffset` (see `Offset`), an offset the admin API returned, or a bare offset
 * (`42n` or `42`, the same as `Offset.at(42n)`).
 */
export type PartitionStart = StartOffset | AdminOffset | bigint | number

/** `{ [topic]: { [partition]: PartitionStart } }`: what `assign`, `addPartitions` and admin offset calls use. */
export type Assignment = Readonly<Record<string, Readonly<Record<number, PartitionStart>>>>

export interface DirectConsumerOptions<R = FetchedRecord> extends FetchPlannerOptions<R> {
  /** The partitions to read and where to start. More can be added with `addPartitions`. */
  assign?: Assignment
}

/** Turns either shape into a `StartOffset` (no other conversion: the fields mean the same thing). */
export function toStartOffset(start: PartitionStart, field = 'offset'): StartOffset {
  if (typeof start === 'bigint' || typeof start === 'number') {
    if (typeof start === 'number' ? Number.isSafeInteger(start) && start >= 0 : start >= 0n) return { kind: 'offset', offset: BigInt(start) }
    throw new InvalidArgumentError(field, start, 'an offset >= 0 (42n), Offset.earliest(), Offset.latest() or Offset.at(42n)')
  }
  if (typeof start !== 'object' || start === null) {
    throw new InvalidArgumentError(field, start, 'an offset (42n), a StartOffset (Offset.earliest(), Offset.at(42n), …) or an admin offset { offset, leaderEpoch }')
  }
  if ('kind' in start) return start
  if (typeof start.offset !== 'bigint') throw new InvalidArgumentError(`${field}.offset`, start.offset, 'a bigint')
  return start.leaderEpoch >= 0 ? { kind: 'offset', offset: start.offset, leaderEpoch: start.leaderEpoch } : { kind: 'offset', offset: start.offset }
}

function flatten(assignment: Assignment): Array<{ topic: string; partition: number; offset: StartOffset }> {
  const out: Array<{ topic: string; partition: number; offset: StartOffset }> = []
  if (typeof assignment !== 'object' || assignment === null || Array.isArray(assignment)) {
    throw new InvalidArgumentError('assignment', assignment, '{ [topic]: { [partition]: offset } }, e.g. { orders: { 0: Offset.earliest() } }')
  }
  for (const [topic, partitions] of Object.entries(assignment)) {
    if (typeof partitions !== 'object' || partitions === null || Array.isArray(partitions)) {
      throw new InvalidArgumentError(`assignment.${topic}`, partitions, '{ [partition]: offset }, e.g. { 0: Offset.earliest() }')
    }
    for (const [key, start] of Object.entries(partitions)) {
      const partition = Number(key)
      if (!Number.isInteger(partition) || partition < 0) throw new InvalidArgumentError(`assignment.${topic}`, key, 'partition numbers (integers >= 0) as keys')
      out.push({ topic, partition, offset: toStartOffset(start, `assignment.${topic}[${partition}]`) })
    }
  }
  return out
}

/**
 * A consumer of partitions the application assigns itself (no group, no commits): reads from the
 * given offsets through `@kafkats/fetch-planner`, so it fetches from the closest replica when
 * `rack` is set (KIP-392) and validates offsets that carry a leader epoch (KIP-320) exactly as
 * the group consumer does.
 *
 * ```ts
 * const consumer = new DirectConsumer({ metadata, pool, rack: 'rack-2', assign: { orders: { 0: Offset.earliest() } } })
 * for await (const batch of consumer) handle(batch.records)
 * ```
 */
export class DirectConsumer<R = FetchedRecord> implements AsyncIterable<FetchedBatch<R>> {
  private readonly planner: FetchPlanner<R>
  private iterating = false

  /** A partition the planner stopped (or another error it cannot retry), not yet reported to an iteration. */
  private partitionFailure: KafkaError | undefined
  private abortIteration: AbortController | undefined

  constructor(options: DirectConsumerOptions<R>) {
    const { assign, ...plannerOptions } = options
    this.planner = new FetchPlanner(plannerOptions)
    // A partition the planner cannot go on with (it does not exist, corrupt data, no offset with
    // autoOffsetReset 'none', not authorized) fails the iteration, as Java's poll() throws and as the
    // group consumer's iteration does: the 'error' event alone left a loop waiting, with a silent
    // default logger, for records that would never come.
    this.planner.on('error', (error) => {
      if (error.retriable && !(KafkaProtocolError.isInstance(error) && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) return
      if (this.abortIteration !== undefined) this.abortIteration.abort(error)
      else this.partitionFailure ??= error
    })
    try {
      if (assign !== undefined) this.planner.assign(flatten(assign))
    } catch (error) {
      // A bad assignment in the options is a configuration problem: say so, with the same text.
      this.planner.close().catch(() => undefined)
      throw InvalidArgumentError.isInstance(error) ? new ConfigError('assign', error.message.replace(/^invalid /, '')) : error
    }
  }

  /** Adds partitions (a partition already assigned restarts at the new offset). */
  addPartitions(assignment: Assignment): void {
    this.planner.assign(flatten(assignment))
  }

  /** Stops reading partitions (`[{ topic, partition }]` or `{ topic: [partitions] }`); their buffered records are dropped. */
  removePartitions(partitions: ReadonlyArray<TopicPartition> | Readonly<Record<string, readonly number[]>>): void {
    this.planner.unassign(checkRemovedPartitions(partitions))
  }

  assignment(): TopicPartition[] {
    return this.planner.assignment()
  }

  /** Moves a partition; records of it already fetched but not yet returned are dropped. */
  seek(topic: string, partition: number, offset: PartitionStart): void {
    checkTopic(topic, 'topic')
    checkPartition(partition, 'partition')
    const start = toStartOffset(offset)
    checkStartOffset(topic, partition, start)
    // As the group consumer: the arguments are fine, the partition is just not read now.
    if (!this.planner.assignment().some((tp) => tp.topic === topic && tp.partition === partition)) {
      throw new InvalidStateError(`cannot seek ${topic}-${partition}: it is not assigned to this consumer (addPartitions first)`)
    }
    this.planner.seek(topic, partition, start)
  }

  pause(partitions: ReadonlyArray<TopicPartition>): void {
    this.planner.pause(checkTopicPartitions(partitions))
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    this.planner.resume(checkTopicPartitions(partitions))
  }

  /**
   * The next offset the application will see for a partition and the leader epoch of the record
   * before it: an `AdminOffset`-compatible value to store and pass back to `assign` later.
   * A batch counts as seen once `poll` or the iteration has handed it out.
   */
  position(topic: string, partition: number): { offset: bigint; leaderEpoch: number } | undefined {
    return this.planner.position(topic, partition)
  }

  /** The batches fetched so far (one partition each; at most `maxBatches`), waiting up to `maxWaitMs` (default 1000) for the first. */
  poll(options: { signal?: AbortSignal; maxWaitMs?: number; maxBatches?: number } = {}): Promise<FetchedBatch<R>[]> {
    try {
      checkPollOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.planner.poll(options)
  }

  [Symbol.asyncIterator](): AsyncIterator<FetchedBatch<R>> {
    return this.batches()[Symbol.asyncIterator]()
  }

  /** The batches, one partition each, until `close()`; `signal` ends a waiting `next()` by rejecting with its reason. */
  batches(options: { signal?: AbortSignal } = {}): AsyncIterable<FetchedBatch<R>> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<FetchedBatch<R>> => {
        if (this.iterating) throw new InvalidStateError('a DirectConsumer can be iterated by one loop at a time')
        this.iterating = true
        let done = false
        // A partition the planner stopped fails the waiting next() (the error names it), not a silent wait.
        const missing = new AbortController()
        this.abortIteration = missing
        const stopWatching = (): void => {
          if (this.abortIteration === missing) this.abortIteration = undefined
        }
        const signal = options.signal === undefined ? missing.signal : AbortSignal.any([missing.signal, options.signal])
        const finish = (): IteratorResult<FetchedBatch<R>> => {
          done = true
          this.iterating = false
          stopWatching()
          return { done: true, value: undefined }
        }
        return {
          next: async (): Promise<IteratorResult<FetchedBatch<R>>> => {
            if (done) return { done: true, value: undefined }
            try {
              for (;;) {
                if (this.planner.closed) return finish()
                const failure = this.partitionFailure
                if (failure !== undefined) {
                  this.partitionFailure = undefined
                  throw failure
                }
                // One batch at a time, so positions move only past what the loop has received.
                const [batch] = await this.planner.poll({ signal, maxWaitMs: 5_000, maxBatches: 1 })
                if (batch !== undefined) return { done: false, value: batch }
              }
            } catch (error) {
              finish()
              throw error
            }
          },
          return: async (): Promise<IteratorResult<FetchedBatch<R>>> => finish(),
        }
      },
    }
  }

  /** Every record, one at a time (a thin layer over `batches`). */
  async *records(options: { signal?: AbortSignal } = {}): AsyncGenerator<R> {
    for await (const batch of this.batches(options)) yield* batch.records
  }

  /** `dataLoss` (KIP-320 truncation), `offsetReset` (autoOffsetReset applied), `error` (a partition stopped until `seek`). */
  on<K extends keyof FetchPlannerEventMap>(event: K, listener: FetchPlannerListener<K>): () => void {
    return this.planner.on(event, listener)
  }

  /** Fetch counters per broker id: which brokers served how many requests, bytes and records. */
  brokerCounters(): Map<number, BrokerCounters> {
    return this.planner.brokerCounters()
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.planner.closed
  }

  /** Each assigned partition's position, high watermark, lag and fetch source (leader or preferred replica) now. */
  partitionMetrics(): PartitionFetchMetrics[] {
    return this.planner.partitionMetrics()
  }

  /** The broker a partition is fetched from now (a same-rack follower after a KIP-392 redirect), or -1. */
  sourceOf(topic: string, partition: number): number {
    return this.planner.sourceOf(topic, partition)
  }

  /** Stops fetching; a waiting iteration ends. The metadata and connection pool passed in stay open (they are the caller's). */
  async close(): Promise<void> {
    await this.planner.close()
  }
}

/** `removePartitions`' argument, either shape, checked before anything is unassigned. */
function checkRemovedPartitions(partitions: unknown): TopicPartition[] {
  if (Array.isArray(partitions)) return checkTopicPartitions(partitions)
  if (typeof partitions !== 'object' || partitions === null) {
    throw new InvalidArgumentError('partitions', partitions, '[{ topic, partition }, …] or { [topic]: [partition, …] }')
  }
  return Object.entries(partitions).flatMap(([topic, numbers]: [string, unknown]) => {
    if (!Array.isArray(numbers)) throw new InvalidArgumentError(`partitions.${topic}`, numbers, 'an array of partition numbers, e.g. [0, 1]')
    return numbers.map((partition: unknown, i) => ({ topic: checkTopic(topic, 'partitions'), partition: checkPartition(partition, `partitions.${topic}[${i}]`) }))
  })
}

function checkPollOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, '{ signal?, maxWaitMs?, maxBatches? }')
  const { signal, maxWaitMs, maxBatches } = options as { signal?: unknown; maxWaitMs?: unknown; maxBatches?: unknown }
  if (maxWaitMs !== undefined && (typeof maxWaitMs !== 'number' || !Number.isInteger(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > 2 ** 31 - 1)) {
    throw new InvalidArgumentError('maxWaitMs', maxWaitMs, 'an integer number of milliseconds >= 0')
  }
  if (maxBatches !== undefined && maxBatches !== Infinity && (typeof maxBatches !== 'number' || !Number.isInteger(maxBatches) || maxBatches < 1)) {
    throw new InvalidArgumentError('maxBatches', maxBatches, 'an integer >= 1 (or Infinity)')
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', signal, 'an AbortSignal')
}
