import { type ConnectionPool, type Logger, backoffMs, silentLogger } from '@kafkats/connection'
import { FetchPlanner, checkStartOffset, type FetchOptions, type FetchedBatch, type FetchedRecord, type FetchPlannerEventMap, type FetchPlannerOptions, type StartOffset } from '@kafkats/fetch-planner'
import type { ClusterMetadata } from '@kafkats/metadata'
import { ClosedError, ConfigError, ErrorCode, InvalidArgumentError, InvalidStateError, KafkaError, KafkaProtocolError, type RecordShape } from '@kafkats/protocol'
import { checkPartition, checkTopic, checkTopicPartitions } from './arguments.js'
import { type PartitionStart, toStartOffset } from './direct-consumer.js'
import { builtinAssignors } from './group/assignors/builtin.js'
import type { Assignor, TopicPartition } from './group/assignors/types.js'
import { ClassicMembership } from './group/classic-membership.js'
import { CommitFailedError } from './group/commit-failed-error.js'
import { ConsumerMembership } from './group/consumer-membership.js'
import { COORDINATOR_ERRORS, COORDINATOR_RETRY_ERRORS, GroupCoordinator } from './group/coordinator.js'
import type { Membership, MembershipHost } from './group/membership.js'
import { type CommittedOffset, type OffsetToCommit, commitOffsets, fetchCommittedOffsets } from './group/offsets.js'
import { RETRY_BACKOFF_MAX_MS, Signal, abortError, describePartitions, sleep, topicPartitionKey, within } from './group/util.js'
import { groupAssignmentChannel, groupCommitChannel, groupLostChannel, groupRevokeChannel } from './diagnostics.js'

/** Called around rebalances with the partitions concerned. May be async: the rebalance waits for it. */
/** A consumer's group membership, for `sendOffsets` of a transactional producer (KIP-447). */
export interface ConsumerGroupMetadata {
  groupId: string
  /** Classic: the generation id; KIP-848: the member epoch. */
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface RebalanceListeners {
  /** Partitions this consumer now owns (their committed offsets are fetched, fetching has started). */
  assigned?(partitions: TopicPartition[]): void | Promise<void>
  /** Partitions given up cleanly: their last batch was handed back and (with auto-commit) committed. */
  revoked?(partitions: TopicPartition[]): void | Promise<void>
  /** Partitions taken away without a clean hand-over (session expired, fenced): commits for them fail. */
  lost?(partitions: TopicPartition[]): void | Promise<void>
}

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky'

/** The subset of `FetchPlanner` the group consumer drives (`on` and `seek` optional, for test doubles). */
export type GroupFetcher<R = FetchedRecord> = Pick<FetchPlanner<R>, 'assign' | 'unassign' | 'pause' | 'resume' | 'poll' | 'brokerCounters' | 'close'> &
  Partial<Pick<FetchPlanner<R>, 'on' | 'seek' | 'partitionMetrics'>>

/** The group's options, and beside them the same flat fetch options as a direct consumer (`fetchMaxWaitMs`, `fetchMaxBytes`, `partitionMaxBytes`…). */
export interface GroupConsumerOptions<R = FetchedRecord> extends FetchOptions {
  /** The client's cluster view. */
  metadata: ClusterMetadata
  /** The client's connections (group traffic uses each coordinator's `group` connection). */
  pool: ConnectionPool
  /**
   * Connections for the group traffic (JoinGroup, SyncGroup, heartbeats, commits). Default: a
   * private `pool.fork()` (same options), closed with the consumer: a JoinGroup holds its
   * connection for the whole join phase, so group consumers sharing connections would delay each
   * other's joins and heartbeats. A pool given here is not closed by the consumer.
   */
  groupPool?: ConnectionPool
  /** Java: group.id */
  groupId: string
  /** Topics to subscribe to. */
  topics: readonly string[]
  /** The client's rack: sent in the subscription (KIP-881 assignment) and with each Fetch (KIP-392). Java: client.rack */
  rack?: string
  /** KIP-345 static membership: a restart within the session timeout keeps the partitions, without a rebalance. Java: group.instance.id */
  groupInstanceId?: string
  /** `classic` (JoinGroup/SyncGroup, default) or `consumer` (KIP-848). Java: group.protocol */
  groupProtocol?: 'classic' | 'consumer'
  /** Classic protocol: partition assignors in order of preference. Default ['cooperative-sticky']. Java: partition.assignment.strategy */
  assignors?: ReadonlyArray<Assignor | AssignorName>
  /** KIP-848: the coordinator's assignor (`uniform`, `range`); default the broker's. Java: group.remote.assignor */
  serverAssignor?: string
  /** Classic: the member is removed when the coordinator hears nothing for this long. Default 45 000. Java: session.timeout.ms */
  sessionTimeoutMs?: number
  /** Longest a rebalance waits for this member (to finish its batch, commit, rejoin). Default 60 000. Java: max.poll.interval.ms */
  rebalanceTimeoutMs?: number
  /** Classic: time between heartbeats (KIP-848: the coordinator decides). Default 3 000. Java: heartbeat.interval.ms */
  heartbeatIntervalMs?: number
  /** Commit the positions of handed-back batches periodically, before rebalances and on close. Default true. Java: enable.auto.commit */
  autoCommit?: boolean
  /** Default 5 000. Java: auto.commit.interval.ms */
  autoCommitIntervalMs?: number
  /** Where to start a partition without a committed offset. Default 'latest'. Java: auto.offset.reset */
  autoOffsetReset?: 'earliest' | 'latest' | 'none'
  /** Wait between retries of group requests (doubling up to 1 s) and of a partition's fetches. Default 100. Java: retry.backoff.ms */
  retryBackoffMs?: number
  /** Default silent. */
  logger?: Logger
  listeners?: RebalanceListeners
  /**
   * Records in a shape of the caller's instead of `FetchedRecord`, made by the decoder (see
   * `RecordShape` in @kafkats/protocol; `@kafkats/kafkajs` makes its KafkaJS messages so). Default none.
   */
  recordShape?: RecordShape<R>
  /** Replaces the fetch planner (tests). */
  createFetcher?: (options: FetchPlannerOptions<R>) => GroupFetcher<R>
}

export const groupConsumerDefaults = {
  groupProtocol: 'classic',
  sessionTimeoutMs: 45_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  autoCommit: true,
  autoCommitIntervalMs: 5_000,
  autoOffsetReset: 'latest',
  retryBackoffMs: 100,
  assignors: ['cooperative-sticky'],
} as const

/** An offset to commit by hand: the next record to read (and the leader epoch of the record before it). */
export interface CommitOffset {
  topic: string
  partition: number
  offset: bigint
  leaderEpoch?: number
  metadata?: string | null
}

interface OwnedPartition {
  tp: TopicPartition
  key: string
  /** Changes at every assignment: a commit for an older ownership is refused. */
  ownership: number
  revoking: boolean
  paused: boolean
  /** The next offset the application should see (records below it are never handed out again). */
  expected: bigint | null
  /** Position after the last batch the application handed back. */
  consumed: { offset: bigint; leaderEpoch: number } | null
  committed: bigint | null
}

/**
 * A consumer in a consumer group: the group decides which partitions it reads, and it commits
 * how far it got.
 *
 * ```ts
 * const group = new GroupConsumer({ metadata, pool, groupId: 'billing', topics: ['orders'], autoCommit: false })
 * for await (const batch of group) {
 *   await handle(batch.records)
 *   await group.commit(batch)
 * }
 * await group.close()
 * ```
 *
 * Each batch holds records of one partition. A batch counts as handed back when the next one is
 * asked for (or the loop ends): a partition is revoked only after that, so with commits made
 * before asking for the next batch, every record is processed by exactly one member even while
 * members come and go.
 */
export class GroupConsumer<R = FetchedRecord> implements AsyncIterable<FetchedBatch<R>> {
  readonly groupId: string
  private readonly options: GroupConsumerOptions<R>
  /** A handed-out record's offset (`recordShape.offsetOf`, or `record.offset`). */
  private readonly offsetOf: (record: R) => bigint
  private readonly logger: Logger
  private readonly fetcher: GroupFetcher<R>
  private readonly coordinator: GroupCoordinator
  private readonly membership: Membership
  private readonly listeners: RebalanceListeners
  private readonly autoCommit: boolean
  private readonly emptyBatches: boolean
  private readonly rebalanceTimeoutMs: number
  private readonly retryBackoffMs: number
  private readonly autoOffsetReset: 'earliest' | 'latest' | 'none'
  private readonly owned = new Map<string, OwnedPartition>()
  private nextOwnership = 1
  private queue: FetchedBatch<R>[] = []
  private outstanding: { batch: FetchedBatch<R>; ownership: number } | null = null
  /** The ownership each handed-out batch belongs to: a batch from before a reassignment cannot be committed. */
  private readonly handedOut = new WeakMap<FetchedBatch<R>, number>()
  private readonly released = new Signal()
  private readonly changed = new Signal()
  private pollAbort: AbortController | null = null
  private readonly inFlightCommits = new Set<Promise<void>>()
  private chain: Promise<void> = Promise.resolve()
  private autoCommitTimer: ReturnType<typeof setInterval> | undefined
  private autoCommitRunning = false
  private started = false
  private iterating = false
  private closing = false
  private closePromise: Promise<void> | null = null
  private readonly groupPool: ConnectionPool
  private readonly ownsGroupPool: boolean
  private fatalError: unknown = null
  /** Partition errors from the planner, thrown once each by the iteration. */
  private readonly fetchErrors: KafkaError[] = []
  /** Set when close() starts leaving: coordinator lookups stop retrying. */
  private leaving = false
  /** `error` listeners of this consumer's own events (a subscribed topic that does not exist). */
  private readonly errorListeners = new Set<(error: KafkaError) => void>()
  /** Subscribed topics the metadata does not have, since when (ms); reported once each past MISSING_TOPIC_MS. */
  private readonly missingTopics = new Map<string, { since: number; reported: boolean }>()
  private topicWatch: ReturnType<typeof setTimeout> | undefined

  constructor(options: GroupConsumerOptions<R>) {
    validate(options)
    this.options = options
    const shape = options.recordShape
    this.offsetOf = shape !== undefined ? (record) => shape.offsetOf(record) : (record) => (record as unknown as FetchedRecord).offset
    this.ownsGroupPool = options.groupPool === undefined
    this.groupPool = options.groupPool ?? options.pool.fork()
    this.groupId = options.groupId
    this.logger = (options.logger ?? silentLogger).child({ component: 'group-consumer', groupId: options.groupId })
    this.listeners = options.listeners ?? {}
    this.autoCommit = options.autoCommit ?? groupConsumerDefaults.autoCommit
    this.emptyBatches = options.emptyBatches === true
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? groupConsumerDefaults.rebalanceTimeoutMs
    this.retryBackoffMs = options.retryBackoffMs ?? groupConsumerDefaults.retryBackoffMs
    this.autoOffsetReset = options.autoOffsetReset ?? groupConsumerDefaults.autoOffsetReset
    const plannerOptions: FetchPlannerOptions<R> = {
      ...pickFetchOptions(options),
      ...(options.recordShape !== undefined ? { recordShape: options.recordShape } : {}),
      metadata: options.metadata,
      pool: options.pool,
      logger: options.logger ?? silentLogger,
      autoOffsetReset: this.autoOffsetReset,
      ...(options.rack !== undefined ? { rack: options.rack } : {}),
    }
    this.fetcher = options.createFetcher?.(plannerOptions) ?? new FetchPlanner(plannerOptions)
    // A partition the planner cannot go on with (no offset and autoOffsetReset 'none', not
    // authorized, corrupt data) is paused there; the iteration reports it, as Java's poll() throws.
    this.fetcher.on?.('error', (error) => {
      if (error.retriable) {
        this.logger.warn({ error: error.message }, 'fetching')
        return
      }
      this.fetchErrors.push(error)
      this.pollAbort?.abort()
      this.wakeIterator()
    })
    // The planner moved a partition on its own (reset policy, log truncation): do not hold the new position against it.
    const moved = (topic: string, partition: number, offset: bigint | null): void => {
      const owned = this.owned.get(topicPartitionKey(topic, partition))
      if (owned !== undefined) owned.expected = offset
    }
    this.fetcher.on?.('offsetReset', (event) => moved(event.topic, event.partition, event.offset))
    this.fetcher.on?.('dataLoss', (event) => moved(event.topic, event.partition, null))
    this.coordinator = new GroupCoordinator({
      metadata: options.metadata,
      pool: options.pool,
      groupPool: this.groupPool,
      groupId: options.groupId,
      logger: this.logger,
      retryBackoffMs: this.retryBackoffMs,
      isClosed: () => this.leaving,
    })
    const host = this.host()
    const common = {
      groupId: options.groupId,
      topics: [...options.topics],
      groupInstanceId: options.groupInstanceId ?? null,
      rack: options.rack === undefined || options.rack === '' ? null : options.rack,
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      retryBackoffMs: this.retryBackoffMs,
      metadata: options.metadata,
      coordinator: this.coordinator,
      host,
      logger: this.logger,
    }
    this.membership =
      (options.groupProtocol ?? groupConsumerDefaults.groupProtocol) === 'consumer'
        ? new ConsumerMembership({ ...common, serverAssignor: options.serverAssignor ?? null })
        : new ClassicMembership({
            ...common,
            assignors: (options.assignors ?? groupConsumerDefaults.assignors).map((assignor) =>
              typeof assignor === 'string' ? builtinAssignors[assignor] : assignor,
            ),
            sessionTimeoutMs: options.sessionTimeoutMs ?? groupConsumerDefaults.sessionTimeoutMs,
            heartbeatIntervalMs: options.heartbeatIntervalMs ?? groupConsumerDefaults.heartbeatIntervalMs,
          })
  }

  /** The member id the coordinator knows this consumer by ('' before joining). */
  get memberId(): string {
    return this.membership.memberId
  }

  /** Classic: the group generation; KIP-848: the member epoch. */
  get generationId(): number {
    return this.membership.generationId
  }

  /**
   * What a transactional producer's `sendOffsets` needs (KIP-447; Java: ConsumerGroupMetadata):
   * the broker accepts the offsets only while this member still belongs to the group in this
   * generation, so a consumer that lost its partitions cannot commit them from a zombie.
   */
  groupMetadata(): ConsumerGroupMetadata {
    return {
      groupId: this.groupId,
      generationId: this.membership.generationId,
      memberId: this.membership.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
    }
  }

  /** The partitions this consumer owns now. */
  assignment(): TopicPartition[] {
    return [...this.owned.values()].map((p) => ({ ...p.tp }))
  }

  /** Per-broker fetch counters of the planner (requests, bytes, partitions served). */
  brokerCounters(): ReturnType<FetchPlanner['brokerCounters']> {
    return this.fetcher.brokerCounters()
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closing
  }

  /** Each owned partition's position, high watermark, lag and fetch source (leader or preferred replica) now. */
  partitionMetrics(): ReturnType<FetchPlanner['partitionMetrics']> {
    return this.fetcher.partitionMetrics?.() ?? []
  }

  /** Joins the group (iterating does it too). */
  start(): void {
    if (this.started || this.closing) return
    this.started = true
    this.membership.start()
    this.watchTopics()
    if (this.autoCommit) {
      const interval = this.options.autoCommitIntervalMs ?? groupConsumerDefaults.autoCommitIntervalMs
      this.autoCommitTimer = setInterval(() => this.autoCommitTick(), interval)
      this.autoCommitTimer.unref?.()
    }
  }

  /**
   * Moves an owned partition (after a fetch error, or to replay); batches not yet handed out are
   * dropped. A bad argument throws `InvalidArgumentError`; a partition not owned, `InvalidStateError`.
   */
  seek(topic: string, partition: number, start: StartOffset | PartitionStart): void {
    checkTopic(topic, 'topic')
    checkPartition(partition, 'partition')
    const offset = toStartOffset(start, 'offset')
    checkStartOffset(topic, partition, offset)
    const owned = this.owned.get(topicPartitionKey(topic, partition))
    if (owned === undefined || this.fetcher.seek === undefined) {
      throw new InvalidStateError(`cannot seek ${topic}-${partition}: it is not assigned to this consumer`)
    }
    this.queue = this.queue.filter((batch) => batch.topic !== topic || batch.partition !== partition)
    owned.expected = offset.kind === 'offset' && offset.offset >= 0n ? offset.offset : null
    this.fetcher.seek(topic, partition, offset)
    this.wakeIterator()
  }

  /**
   * The planner's events: `dataLoss` (KIP-320 truncation), `offsetReset`, `error`; `error` also
   * reports a subscribed topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION, naming it).
   */
  on<K extends keyof FetchPlannerEventMap>(event: K, listener: (payload: FetchPlannerEventMap[K]) => void): () => void {
    const off = this.fetcher.on?.(event, listener) ?? (() => {})
    if (event !== 'error') return off
    const own = listener as (error: KafkaError) => void
    this.errorListeners.add(own)
    return () => {
      this.errorListeners.delete(own)
      off()
    }
  }

  /** Stops handing out batches of these partitions (they stay assigned). */
  pause(list: readonly TopicPartition[]): void {
    const partitions = checkTopicPartitions(list)
    for (const tp of partitions) {
      const owned = this.owned.get(topicPartitionKey(tp.topic, tp.partition))
      if (owned !== undefined) owned.paused = true
    }
    this.fetcher.pause([...partitions])
  }

  resume(list: readonly TopicPartition[]): void {
    const partitions = checkTopicPartitions(list)
    for (const tp of partitions) {
      const owned = this.owned.get(topicPartitionKey(tp.topic, tp.partition))
      if (owned !== undefined) owned.paused = false
    }
    this.fetcher.resume([...partitions])
    this.wakeIterator()
  }

  [Symbol.asyncIterator](): AsyncIterator<FetchedBatch<R>> {
    return this.batches()[Symbol.asyncIterator]()
  }

  /** The batches, one partition each; `signal` ends a waiting `next()` with an AbortError. */
  batches(options: { signal?: AbortSignal } = {}): AsyncIterable<FetchedBatch<R>> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<FetchedBatch<R>> => {
        if (this.iterating) throw new InvalidStateError('a GroupConsumer can be iterated by one loop at a time')
        this.iterating = true
        let done = false
        const finish = (): IteratorResult<FetchedBatch<R>> => {
          if (!done) {
            done = true
            this.iterating = false
            this.release()
          }
          return { done: true, value: undefined }
        }
        return {
          next: async () => {
            if (done) return { done: true, value: undefined }
            try {
              const batch = await this.next(options.signal)
              return batch === null ? finish() : { done: false, value: batch }
            } catch (error) {
              finish()
              throw error
            }
          },
          return: async () => finish(),
        }
      },
    }
  }

  /** The records one by one (a batch is handed back when the record after its last one is asked for). */
  async *records(options: { signal?: AbortSignal } = {}): AsyncGenerator<R> {
    for await (const batch of this.batches(options)) yield* batch.records
  }

  /**
   * Commits offsets to the group: a batch's `nextOffset` (with its leader epoch), explicit offsets,
   * or, without an argument, the position after every batch handed out so far. Retries through
   * coordinator moves and a rebalance in progress; throws `CommitFailedError` when the consumer
   * no longer owns a partition, `ClosedError` after `close()`.
   */
  async commit(what?: FetchedBatch<R> | readonly CommitOffset[]): Promise<void> {
    checkCommit(what)
    // Once close() has left the group nothing can be committed: say closed, not "not assigned".
    // (Inside the `revoked` listener that close() calls, commits still work.)
    if (this.closing && this.leaving) throw new ClosedError('group consumer', `group consumer ${this.groupId} is closed: commit before close(), or in the revoked listener`)
    const offsets: Array<OffsetToCommit & { ownership: number }> = []
    const add = (topic: string, partition: number, offset: bigint, leaderEpoch: number, metadata: string | null, ownership?: number): void => {
      const owned = this.owned.get(topicPartitionKey(topic, partition))
      if (owned === undefined || (ownership !== undefined && ownership !== owned.ownership)) {
        throw new CommitFailedError(`cannot commit ${topic}-${partition}: it is not assigned to this consumer (any more)`, [{ topic, partition }])
      }
      offsets.push({ topic, partition, offset, leaderEpoch, metadata, ownership: owned.ownership })
    }
    if (what === undefined) {
      for (const owned of this.owned.values()) {
        const position = this.position(owned)
        if (position !== null && position.offset !== owned.committed) add(owned.tp.topic, owned.tp.partition, position.offset, position.leaderEpoch, null)
      }
    } else if (isBatch(what)) {
      add(what.topic, what.partition, what.nextOffset, what.leaderEpoch, null, this.handedOut.get(what))
      const owned = this.owned.get(topicPartitionKey(what.topic, what.partition))
      if (owned !== undefined && (owned.consumed === null || owned.consumed.offset < what.nextOffset)) {
        owned.consumed = { offset: what.nextOffset, leaderEpoch: what.leaderEpoch }
      }
    } else {
      for (const o of what) add(o.topic, o.partition, o.offset, o.leaderEpoch ?? -1, o.metadata ?? null)
    }
    if (offsets.length === 0) return
    await this.track(this.commitWithRetry(offsets))
  }

  /** Commits (with auto-commit), calls `revoked`, leaves the group (static members stay, as in Java) and closes the planner. */
  close(): Promise<void> {
    this.closePromise ??= this.doClose()
    return this.closePromise
  }

  // ------------------------------------------------------------------------------------------
  // subscribed topics that do not exist

  /**
   * Java's consumer only logs UNKNOWN_TOPIC_OR_PARTITION for a subscribed topic and waits. Here a
   * topic the metadata still lacks after MISSING_TOPIC_MS (refreshed every MISSING_TOPIC_CHECK_MS
   * meanwhile) is an `error` event naming it, and, when no subscribed topic exists at all (the
   * iteration could only wait), also a rejected iteration. The consumer stays in the group: a
   * topic created later is assigned and read as usual, and a new iteration can go on waiting.
   */
  private watchTopics(): void {
    const check = async (): Promise<void> => {
      const metadata = this.options.metadata
      const topics = this.options.topics
      if (topics.some((topic) => metadata.topic(topic) === undefined)) {
        try {
          // addTopics also makes sure every subscribed topic is among those refreshed.
          await metadata.addTopics(topics)
        } catch (error) {
          // Only the metadata's own answer counts: an unreachable cluster is not a missing topic.
          if (!KafkaProtocolError.isInstance(error) || error.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return
        }
      }
      if (this.closing) return
      const now = Date.now()
      const overdue: string[] = []
      for (const topic of topics) {
        if (metadata.topic(topic) !== undefined) {
          this.missingTopics.delete(topic)
          continue
        }
        let missing = this.missingTopics.get(topic)
        if (missing === undefined) this.missingTopics.set(topic, (missing = { since: now, reported: false }))
        if (missing.reported || now - missing.since < MISSING_TOPIC_MS) continue
        missing.reported = true
        overdue.push(topic)
      }
      for (const topic of overdue) this.emitError(missingTopicError(topic, this.groupId))
      if (overdue.length > 0 && topics.every((topic) => this.missingTopics.get(topic)?.reported === true)) {
        this.fetchErrors.push(missingTopicError(overdue[0]!, this.groupId, topics))
        this.pollAbort?.abort()
        this.wakeIterator()
      }
    }
    const tick = (): void => {
      check()
        .catch((error: unknown) => this.logger.warn({ error: String(error) }, 'checking the subscribed topics'))
        .finally(() => {
          if (this.closing) return
          schedule()
        })
    }
    const schedule = (): void => {
      this.topicWatch = setTimeout(tick, MISSING_TOPIC_CHECK_MS)
      this.topicWatch.unref?.()
    }
    // The first look after a check interval: the membership loads the subscribed topics itself at
    // start, and a second, concurrent load of the same topics would only duplicate it.
    schedule()
  }

  private emitError(error: KafkaError): void {
    this.logger.warn({ error: error.message }, 'subscribed topic does not exist')
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error)
      } catch (thrown) {
        this.logger.error({ error: String(thrown) }, 'error listener threw')
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // iteration

  private async next(signal: AbortSignal | undefined): Promise<FetchedBatch<R> | null> {
    this.release()
    this.start()
    for (;;) {
      if (this.fatalError !== null) throw this.fatalError
      if (this.closing) return null
      const fetchError = this.fetchErrors.shift()
      if (fetchError !== undefined) throw fetchError
      if (signal?.aborted === true) throw abortError(signal)
      const batch = this.takeQueued()
      if (batch !== null) return batch
      await this.fill(signal)
    }
  }

  private takeQueued(): FetchedBatch<R> | null {
    for (let i = 0; i < this.queue.length; i++) {
      const batch = this.queue[i]!
      const owned = this.owned.get(topicPartitionKey(batch.topic, batch.partition))
      if (owned !== undefined && owned.paused && !owned.revoking) continue
      this.queue.splice(i, 1)
      i--
      if (owned === undefined || owned.revoking) continue
      let records = batch.records
      if (owned.expected !== null && records.length > 0 && this.offsetOf(records[0]!) < owned.expected) {
        const expected = owned.expected
        records = records.filter((record) => this.offsetOf(record) >= expected)
      }
      if (records.length === 0) {
        // Nothing for the application (control records, aborted transactions): just move on,
        // handing the empty batch out only when asked to (`emptyBatches`) and when it moves the position.
        const moves = owned.expected === null || batch.nextOffset > owned.expected
        if (moves) {
          owned.expected = batch.nextOffset
          if (owned.consumed === null || owned.consumed.offset < batch.nextOffset) owned.consumed = { offset: batch.nextOffset, leaderEpoch: batch.leaderEpoch }
        }
        if (!moves || !this.emptyBatches || batch.records.length > 0) continue
        this.outstanding = { batch, ownership: owned.ownership }
        this.handedOut.set(batch, owned.ownership)
        return batch
      }
      owned.expected = batch.nextOffset
      const handed = records === batch.records ? batch : { ...batch, records }
      this.outstanding = { batch: handed, ownership: owned.ownership }
      this.handedOut.set(handed, owned.ownership)
      return handed
    }
    return null
  }

  private async fill(signal: AbortSignal | undefined): Promise<void> {
    const controller = new AbortController()
    this.pollAbort = controller
    const onAbort = (): void => controller.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const fetchable = [...this.owned.values()].some((owned) => !owned.revoking && !owned.paused)
      if (!fetchable) {
        await Promise.race([this.changed.wait(), new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))])
        return
      }
      // One batch at a time, as the direct consumer: what is left stays in the planner's buffer,
      // which bufferMaxBatches bounds. Draining it all here let the planner fetch that many again
      // while the application awaited its handler (58 batches held instead of 36 at 100 B records).
      const batches = await this.fetcher.poll({ signal: controller.signal, maxBatches: 1 })
      this.queue.push(...batches)
    } catch (error) {
      if (controller.signal.aborted) return
      throw error
    } finally {
      signal?.removeEventListener('abort', onAbort)
      if (this.pollAbort === controller) this.pollAbort = null
    }
  }

  /** The application asked for the next batch (or ended the loop): the one it held is done. */
  private release(): void {
    const outstanding = this.outstanding
    if (outstanding === null) return
    this.outstanding = null
    const { batch, ownership } = outstanding
    const owned = this.owned.get(topicPartitionKey(batch.topic, batch.partition))
    if (owned !== undefined && owned.ownership === ownership && (owned.consumed === null || owned.consumed.offset < batch.nextOffset)) {
      owned.consumed = { offset: batch.nextOffset, leaderEpoch: batch.leaderEpoch }
    }
    this.released.notify()
  }

  private wakeIterator(): void {
    this.changed.notify()
  }

  /** Where the application is in a partition: after the batch it holds, else after the last one it handed back. */
  private position(owned: OwnedPartition): { offset: bigint; leaderEpoch: number } | null {
    const outstanding = this.outstanding
    if (outstanding !== null && outstanding.ownership === owned.ownership && topicPartitionKey(outstanding.batch.topic, outstanding.batch.partition) === owned.key) {
      return { offset: outstanding.batch.nextOffset, leaderEpoch: outstanding.batch.leaderEpoch }
    }
    return owned.consumed
  }

  // ------------------------------------------------------------------------------------------
  // rebalance steps (MembershipHost), one at a time

  private host(): MembershipHost {
    return {
      owned: () => [...this.owned.values()].map((owned) => ({ ...owned.tp })),
      prepareJoin: (eager) =>
        this.transition(async () => {
          if (eager && this.owned.size > 0) await this.revokeNow([...this.owned.values()].map((owned) => owned.tp))
          await this.settleCommits()
          if (this.autoCommit) await this.commitPositions([...this.owned.values()], 'before rejoining')
        }),
      revoke: (partitions) => this.transition(() => this.revokeNow(partitions)),
      assign: (partitions) => this.transition(() => this.assignNow(partitions)),
      lose: (partitions, reason) => {
        const lost = this.dropNow(partitions)
        if (lost.length === 0) return Promise.resolve()
        this.logger.warn({ partitions: describePartitions(lost), reason }, 'partitions lost')
        if (groupLostChannel.hasSubscribers) groupLostChannel.publish({ ...this.groupIdentity(), partitions: lost.map((tp) => ({ ...tp })), reason })
        return this.transition(() => this.callListener('lost', lost))
      },
      fatal: (error) => {
        if (this.fatalError === null) this.fatalError = error
        this.pollAbort?.abort()
        this.wakeIterator()
      },
    }
  }

  private transition(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step, step)
    this.chain = run.catch(() => undefined)
    return run
  }

  private async assignNow(partitions: TopicPartition[]): Promise<void> {
    if (this.closing) return
    const fresh = partitions.filter((tp) => !this.owned.has(topicPartitionKey(tp.topic, tp.partition)))
    if (fresh.length === 0) return
    const entries = fresh.map((tp): OwnedPartition => ({
      tp: { topic: tp.topic, partition: tp.partition },
      key: topicPartitionKey(tp.topic, tp.partition),
      ownership: this.nextOwnership++,
      revoking: false,
      paused: false,
      expected: null,
      consumed: null,
      committed: null,
    }))
    for (const entry of entries) this.owned.set(entry.key, entry)
    // Topic ids for OffsetFetch v10 / OffsetCommit v10 (and the planner needs the topics anyway).
    await this.options.metadata.addTopics([...new Set(fresh.map((tp) => tp.topic))]).catch((error: unknown) => {
      this.logger.warn({ error: String(error) }, 'assigned topics not in metadata yet')
    })
    const committed = await this.fetchOffsets(fresh)
    const starts = entries
      .filter((entry) => this.owned.get(entry.key) === entry)
      .map((entry) => {
        const offset = committed.get(entry.key)
        if (offset !== undefined) {
          entry.expected = offset.offset
          entry.consumed = { offset: offset.offset, leaderEpoch: offset.leaderEpoch }
          entry.committed = offset.offset
        }
        return { topic: entry.tp.topic, partition: entry.tp.partition, offset: this.startOffset(offset) }
      })
    this.fetcher.assign(starts)
    this.logger.info(
      {
        partitions: describePartitions(fresh),
        committed: Object.fromEntries([...committed].map(([key, value]) => [key.replace('\u0000', '-'), value.offset.toString()])),
      },
      'partitions assigned',
    )
    if (groupAssignmentChannel.hasSubscribers) groupAssignmentChannel.publish({ ...this.groupIdentity(), partitions: fresh.map((tp) => ({ topic: tp.topic, partition: tp.partition })) })
    await this.callListener('assigned', fresh)
    this.wakeIterator()
  }

  private startOffset(committed: CommittedOffset | undefined): StartOffset {
    if (committed !== undefined) {
      return committed.leaderEpoch >= 0 ? { kind: 'offset', offset: committed.offset, leaderEpoch: committed.leaderEpoch } : { kind: 'offset', offset: committed.offset }
    }
    // No committed offset: the reset policy ('none' lets the planner report it).
    if (this.autoOffsetReset === 'earliest') return { kind: 'earliest' }
    if (this.autoOffsetReset === 'latest') return { kind: 'latest' }
    return { kind: 'offset', offset: -1n }
  }

  private async fetchOffsets(partitions: TopicPartition[]): Promise<Map<string, CommittedOffset>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const consumerProtocol = this.membership.protocol === 'consumer'
        return await fetchCommittedOffsets(this.coordinator, this.options.metadata, {
          groupId: this.groupId,
          partitions,
          ...(consumerProtocol ? { memberId: this.membership.memberId, memberEpoch: this.membership.generationId } : {}),
        })
      } catch (error) {
        const code = KafkaProtocolError.isInstance(error) ? error.errorCode : undefined
        if (code === ErrorCode.STALE_MEMBER_EPOCH) {
          await this.membership.settled()
        } else if (code === ErrorCode.UNSTABLE_OFFSET_COMMIT || this.coordinator.retriable(error)) {
          this.logger.debug({ attempt, error: String(error) }, 'OffsetFetch failed; retrying')
          // UNSTABLE_OFFSET_COMMIT: a transaction with offsets for these partitions is still open (KIP-447).
          await sleep(backoffMs(attempt, this.retryBackoffMs, RETRY_BACKOFF_MAX_MS))
        } else {
          throw error
        }
        if (this.closing) return new Map()
      }
    }
  }

  /** Clean hand-over: stop handing out the partitions, wait for the batch the application holds, commit, `revoked`, stop fetching. */
  private async revokeNow(partitions: TopicPartition[]): Promise<void> {
    const entries = partitions.map((tp) => this.owned.get(topicPartitionKey(tp.topic, tp.partition))).filter((owned) => owned !== undefined)
    if (entries.length === 0) return
    const keys = new Set(entries.map((owned) => owned.key))
    for (const owned of entries) owned.revoking = true
    this.queue = this.queue.filter((batch) => !keys.has(topicPartitionKey(batch.topic, batch.partition)))
    this.fetcher.pause(entries.map((owned) => owned.tp))
    const deadline = Date.now() + this.rebalanceTimeoutMs
    while (!this.closing && this.outstanding !== null && keys.has(topicPartitionKey(this.outstanding.batch.topic, this.outstanding.batch.partition))) {
      const left = deadline - Date.now()
      if (left <= 0) {
        this.logger.warn({ partitions: describePartitions(entries.map((owned) => owned.tp)) }, 'the application kept a batch past the rebalance timeout; revoking anyway')
        break
      }
      await within(this.released.wait(), left)
    }
    await this.settleCommits()
    if (this.autoCommit) await this.commitPositions(entries, 'revoking')
    const list = entries.map((owned) => ({ ...owned.tp }))
    await this.callListener('revoked', list)
    this.dropNow(list)
    this.logger.info({ partitions: describePartitions(list) }, 'partitions revoked')
    if (groupRevokeChannel.hasSubscribers) groupRevokeChannel.publish({ ...this.groupIdentity(), partitions: list.map((tp) => ({ ...tp })) })
  }

  /** The member as group diagnostics messages name it. */
  private groupIdentity(): { groupId: string; memberId: string; generationId: number; protocol: 'classic' | 'consumer' } {
    return { groupId: this.groupId, memberId: this.membership.memberId, generationId: this.membership.generationId, protocol: this.membership.protocol }
  }

  private publishCommit(memberId: string, generationId: number, offsets: readonly OffsetToCommit[], codes: Map<string, number> | null, startedAt: number, error: unknown): void {
    groupCommitChannel.publish({
      groupId: this.groupId,
      memberId,
      generationId,
      protocol: this.membership.protocol,
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, errorCode: codes?.get(topicPartitionKey(o.topic, o.partition)) ?? -1 })),
      durationMs: performance.now() - startedAt,
      error: error === null ? null : error instanceof Error ? error : new Error(String(error)),
    })
  }

  /** Forgets partitions at once (revoked or lost): no more batches, no more fetching. */
  private dropNow(partitions: TopicPartition[]): TopicPartition[] {
    const dropped: TopicPartition[] = []
    for (const tp of partitions) {
      const key = topicPartitionKey(tp.topic, tp.partition)
      if (this.owned.delete(key)) dropped.push({ topic: tp.topic, partition: tp.partition })
    }
    if (dropped.length === 0) return dropped
    const keys = new Set(dropped.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    this.queue = this.queue.filter((batch) => !keys.has(topicPartitionKey(batch.topic, batch.partition)))
    this.fetcher.unassign(dropped)
    this.wakeIterator()
    return dropped
  }

  private async callListener(name: keyof RebalanceListeners, partitions: TopicPartition[]): Promise<void> {
    const listener = this.listeners[name]
    if (listener === undefined || partitions.length === 0) return
    try {
      await listener.call(this.listeners, partitions.map((tp) => ({ ...tp })))
    } catch (error) {
      this.logger.error({ listener: name, error: String(error) }, 'rebalance listener failed')
    }
  }

  // ------------------------------------------------------------------------------------------
  // commits

  private track(promise: Promise<void>): Promise<void> {
    this.inFlightCommits.add(promise)
    const done = (): void => {
      this.inFlightCommits.delete(promise)
    }
    promise.then(done, done)
    return promise
  }

  private async settleCommits(): Promise<void> {
    while (this.inFlightCommits.size > 0) await Promise.allSettled([...this.inFlightCommits])
  }

  /** Commits the handed-back positions of `entries` that moved since the last commit; failures are logged. */
  private async commitPositions(entries: OwnedPartition[], why: string): Promise<void> {
    const offsets = entries
      .filter((owned) => owned.consumed !== null && owned.consumed.offset !== owned.committed && this.owned.get(owned.key) === owned)
      .map((owned) => ({ ...owned.tp, offset: owned.consumed!.offset, leaderEpoch: owned.consumed!.leaderEpoch, ownership: owned.ownership }))
    if (offsets.length === 0) return
    try {
      await this.track(this.commitWithRetry(offsets))
      this.logger.debug({ why, partitions: offsets.length }, 'offsets committed')
    } catch (error) {
      this.logger.warn({ why, error: String(error) }, 'auto-commit failed')
    }
  }

  private autoCommitTick(): void {
    if (this.autoCommitRunning || this.closing) return
    this.autoCommitRunning = true
    void this.commitPositions([...this.owned.values()].filter((owned) => !owned.revoking), 'auto-commit interval').finally(() => {
      this.autoCommitRunning = false
    })
  }

  private async commitWithRetry(offsets: Array<OffsetToCommit & { ownership: number }>): Promise<void> {
    let pending = offsets
    const deadline = Date.now() + Math.max(this.rebalanceTimeoutMs, 30_000)
    for (let attempt = 0; ; attempt++) {
      const gone = pending.filter((o) => this.owned.get(topicPartitionKey(o.topic, o.partition))?.ownership !== o.ownership)
      if (gone.length > 0) {
        throw new CommitFailedError(`cannot commit ${describePartitions(gone)}: no longer assigned to this consumer`, gone.map((o) => ({ topic: o.topic, partition: o.partition })))
      }
      const identity = await this.membership.commitIdentity()
      let codes: Map<string, number>
      const startedAt = performance.now()
      try {
        codes = await commitOffsets(this.coordinator, this.options.metadata, this.groupId, identity, pending)
        if (groupCommitChannel.hasSubscribers) this.publishCommit(identity.memberId, identity.generationIdOrMemberEpoch, pending, codes, startedAt, null)
      } catch (error) {
        if (groupCommitChannel.hasSubscribers) this.publishCommit(identity.memberId, identity.generationIdOrMemberEpoch, pending, null, startedAt, error)
        if (!this.coordinator.retriable(error) || Date.now() > deadline) throw error
        await sleep(backoffMs(attempt, this.retryBackoffMs, RETRY_BACKOFF_MAX_MS))
        continue
      }
      const retry: typeof pending = []
      let settle = false
      let fenced: number | null = null
      for (const o of pending) {
        const code = codes.get(topicPartitionKey(o.topic, o.partition)) ?? ErrorCode.UNKNOWN_SERVER_ERROR
        if (code === 0) {
          const owned = this.owned.get(topicPartitionKey(o.topic, o.partition))
          if (owned !== undefined && owned.ownership === o.ownership) owned.committed = o.offset
        } else if (COORDINATOR_RETRY_ERRORS.has(code) || code === ErrorCode.REQUEST_TIMED_OUT) {
          if (COORDINATOR_ERRORS.has(code)) this.coordinator.markUnknown(KafkaProtocolError.fromCode(code).errorName)
          retry.push(o)
        } else if (code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.STALE_MEMBER_EPOCH) {
          settle = true
          retry.push(o)
        } else if (
          code === ErrorCode.ILLEGAL_GENERATION ||
          code === ErrorCode.UNKNOWN_MEMBER_ID ||
          code === ErrorCode.FENCED_MEMBER_EPOCH ||
          code === ErrorCode.FENCED_INSTANCE_ID
        ) {
          fenced = code
        } else {
          throw KafkaProtocolError.fromCode(code, { apiName: 'OffsetCommit', topic: o.topic, partition: o.partition, groupId: this.groupId })
        }
      }
      if (fenced !== null) {
        this.membership.commitFenced(fenced)
        throw new CommitFailedError(
          `commit failed: ${KafkaProtocolError.fromCode(fenced).errorName}; the group has moved on without this consumer`,
          pending.map((o) => ({ topic: o.topic, partition: o.partition })),
          { cause: KafkaProtocolError.fromCode(fenced, { apiName: 'OffsetCommit', groupId: this.groupId }) },
        )
      }
      if (retry.length === 0) return
      if (Date.now() > deadline) {
        throw new CommitFailedError(`commit of ${describePartitions(retry)} did not succeed in time`, retry.map((o) => ({ topic: o.topic, partition: o.partition })))
      }
      pending = retry
      if (settle) await this.membership.settled()
      await sleep(backoffMs(attempt, this.retryBackoffMs, RETRY_BACKOFF_MAX_MS))
    }
  }

  // ------------------------------------------------------------------------------------------
  // close

  private async doClose(): Promise<void> {
    this.closing = true
    clearInterval(this.autoCommitTimer)
    clearTimeout(this.topicWatch)
    this.membership.beginClose()
    this.pollAbort?.abort()
    this.wakeIterator()
    this.released.notify()
    if (this.started) {
      await this.chain
      await this.settleCommits()
      const owned = [...this.owned.values()]
      if (owned.length > 0) {
        if (this.autoCommit) await this.commitPositions(owned, 'closing')
        await this.callListener('revoked', owned.map((entry) => ({ ...entry.tp })))
        if (groupRevokeChannel.hasSubscribers) groupRevokeChannel.publish({ ...this.groupIdentity(), partitions: owned.map((entry) => ({ ...entry.tp })) })
      }
      this.leaving = true
      await this.membership.leave()
      this.owned.clear()
    }
    this.queue = []
    this.leaving = true
    await this.fetcher.close()
    if (this.ownsGroupPool) this.groupPool.close()
  }
}

/** How long a subscribed topic may be missing from the metadata before it is reported (as the direct consumer's partitions). */
const MISSING_TOPIC_MS = 5_000
const MISSING_TOPIC_CHECK_MS = 1_000

function missingTopicError(topic: string, groupId: string, subscribed?: readonly string[]): KafkaProtocolError {
  const errorMessage =
    subscribed === undefined
      ? `Topic "${topic}" does not exist: create it (admin.createTopics) or check the name. Group "${groupId}" keeps waiting for it and reads it once it exists.`
      : `No subscribed topic exists (${subscribed.map((name) => `"${name}"`).join(', ')}): create them (admin.createTopics) or check the names. Group "${groupId}" keeps waiting; iterate again to go on.`
  return KafkaProtocolError.fromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, groupId, errorMessage })
}

function isBatch<R>(value: FetchedBatch<R> | readonly CommitOffset[]): value is FetchedBatch<R> {
  return !Array.isArray(value) && typeof (value as FetchedBatch<R>).nextOffset === 'bigint'
}

/** What `commit` takes: nothing, a batch this consumer handed out, or `[{ topic, partition, offset, leaderEpoch?, metadata? }]`. */
function checkCommit(what: unknown): void {
  if (what === undefined) return
  if (typeof what === 'object' && what !== null && !Array.isArray(what)) {
    const batch = what as Partial<FetchedBatch<unknown>>
    if (typeof batch.nextOffset === 'bigint' && typeof batch.topic === 'string' && typeof batch.partition === 'number' && typeof batch.leaderEpoch === 'number') return
  }
  if (!Array.isArray(what)) {
    throw new InvalidArgumentError('commit', what, 'a batch from this consumer, an array of { topic, partition, offset }, or nothing (every position handed out)')
  }
  what.forEach((entry: unknown, i) => {
    const field = `offsets[${i}]`
    if (typeof entry !== 'object' || entry === null) throw new InvalidArgumentError(field, entry, '{ topic, partition, offset, leaderEpoch?, metadata? }')
    const { topic, partition, offset, leaderEpoch, metadata } = entry as Record<string, unknown>
    checkTopic(topic, `${field}.topic`)
    checkPartition(partition, `${field}.partition`)
    if (typeof offset !== 'bigint' || offset < 0n || offset > 2n ** 63n - 1n) throw new InvalidArgumentError(`${field}.offset`, offset, 'the next offset to read, a bigint >= 0 (batch.nextOffset, record.offset + 1n)')
    if (leaderEpoch !== undefined && (typeof leaderEpoch !== 'number' || !Number.isInteger(leaderEpoch) || leaderEpoch < -1 || leaderEpoch > 0x7fffffff)) {
      throw new InvalidArgumentError(`${field}.leaderEpoch`, leaderEpoch, 'an integer >= -1 (or undefined)')
    }
    if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') throw new InvalidArgumentError(`${field}.metadata`, metadata, 'a string, null or undefined')
  })
}

const FETCH_OPTION_NAMES = [
  'isolationLevel',
  'fetchMaxWaitMs',
  'fetchMinBytes',
  'fetchMaxBytes',
  'partitionMaxBytes',
  'preferredReplicaLeaseMs',
  'bufferMaxBatches',
  'retryBackoffMs',
  'emptyBatches',
] as const satisfies ReadonlyArray<keyof FetchOptions>

/** The fetch options among the group consumer's (the planner gets those, not the group's). */
function pickFetchOptions(options: FetchOptions): FetchOptions {
  const picked: Record<string, unknown> = {}
  for (const name of FETCH_OPTION_NAMES) if (options[name] !== undefined) picked[name] = options[name]
  return picked as FetchOptions
}

function validate<R>(options: GroupConsumerOptions<R>): void {
  if (typeof options.groupId !== 'string' || options.groupId === '') throw new ConfigError('groupId', 'expected a non-empty string')
  if (!Array.isArray(options.topics) || options.topics.length === 0 || options.topics.some((topic) => typeof topic !== 'string' || topic === '')) {
    throw new ConfigError('topics', 'expected a non-empty array of topic names')
  }
  const positive = (name: keyof GroupConsumerOptions, min: number): void => {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1)) {
      throw new ConfigError(name, `expected an integer from ${min} to ${2 ** 31 - 1}, got ${String(value)}`)
    }
  }
  positive('sessionTimeoutMs', 1)
  positive('rebalanceTimeoutMs', 1)
  positive('heartbeatIntervalMs', 1)
  positive('autoCommitIntervalMs', 1)
  positive('retryBackoffMs', 0)
  const session = options.sessionTimeoutMs ?? groupConsumerDefaults.sessionTimeoutMs
  const heartbeat = options.heartbeatIntervalMs ?? groupConsumerDefaults.heartbeatIntervalMs
  if (heartbeat >= session) throw new ConfigError('heartbeatIntervalMs', `must be lower than sessionTimeoutMs (${session}); Java's rule`)
  const protocol = options.groupProtocol ?? groupConsumerDefaults.groupProtocol
  if (protocol !== 'classic' && protocol !== 'consumer') throw new ConfigError('groupProtocol', `expected 'classic' or 'consumer', got ${String(protocol)}`)
  if (protocol === 'consumer' && options.assignors !== undefined) {
    throw new ConfigError('assignors', "the consumer protocol (KIP-848) assigns on the coordinator; use serverAssignor (Java rejects partition.assignment.strategy too)")
  }
  const reset = options.autoOffsetReset
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
    throw new ConfigError('autoOffsetReset', `expected 'earliest', 'latest' or 'none', got ${String(reset)}`)
  }
  if (options.groupInstanceId !== undefined && (typeof options.groupInstanceId !== 'string' || options.groupInstanceId === '')) {
    throw new ConfigError('groupInstanceId', 'expected a non-empty string')
  }
  const assignors = options.assignors ?? groupConsumerDefaults.assignors
  if (assignors.length === 0) throw new ConfigError('assignors', 'expected at least one assignor')
  for (const assignor of assignors) {
    if (typeof assignor === 'string' && !(assignor in builtinAssignors)) {
      throw new ConfigError('assignors', `unknown assignor ${assignor}: expected ${Object.keys(builtinAssignors).join(', ')} or an Assignor object`)
    }
  }
}
