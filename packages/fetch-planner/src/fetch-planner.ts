import { type BrokerConnection, type ConnectionPool, type ConnectionPurpose, ConnectionError, type Logger, silentLogger } from '@kafkats/connection'
import type { BrokerInfo, ClusterMetadata, LeaderChangedEvent, ReplicasChangedEvent } from '@kafkats/metadata'
import {
  ClosedError,
  ErrorCode,
  type FetchResponse,
  type FetchResponsePartitionData,
  InvalidArgumentError,
  KafkaError,
  KafkaProtocolError,
  ListOffsetsApi,
  OffsetForLeaderEpochApi,
  ZERO_UUID,
} from '@kafkats/protocol'
import { type Cursor, createCursor } from './cursor.js'
import { DataLossError } from './data-loss-error.js'
import type { FetchPlannerEventMap, FetchPlannerListener } from './events.js'
import { partitionKey } from './fetch-session.js'
import { OffsetOutOfRangeError } from './offset-out-of-range-error.js'
import { type FetchPlannerOptions, type ResolvedFetchPlannerOptions, resolveFetchPlannerOptions } from './options.js'
import { type ExtractedRecords, decodeBatches, extractRecords } from './records.js'
import { chooseReplica, decideFetchAnswer, decideValidation, formatMoves, onBrokerRemoved, onLeaderChange, onReplicasChange, onSourceFailure, pinToLeader, rackForRequest } from './rules.js'
import { type FetchPlan, FetchSource, type FetchSourceHost } from './source.js'
import type { BrokerCounters, FetchedBatch, StartOffset, TopicPartition } from './types.js'

/** How long `poll()` waits for data when no `maxWaitMs` is given. */
export const DEFAULT_POLL_WAIT_MS = 1000
/** Back-off after an error that retrying soon will not fix (authentication, unsupported versions). */
const SLOW_RETRY_MS = 1000
/** Back-off before asking again about a topic metadata does not know. */
const TOPIC_RETRY_MS = 1000

const LIST_OFFSETS_EARLIEST = -2n
const LIST_OFFSETS_LATEST = -1n

/** ListOffsets partition errors worth retrying after a metadata refresh. */
const LIST_OFFSETS_RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.REQUEST_TIMED_OUT,
])

interface BufferedBatch {
  cursor: Cursor
  generation: number
  batch: FetchedBatch
}

interface PartitionOffset {
  errorCode: number
  offset: bigint
  leaderEpoch: number
}

/**
 * Fetches assigned partitions for a consumer: one fetch source per broker (one Fetch in flight
 * each, with an incremental fetch session), a cursor per partition, KIP-392 moves to the closest
 * replica when `rack` is set, KIP-320 validation of offsets that carry a leader epoch, and a
 * buffer of fetched batches that `poll()` drains. The decisions live in `rules.ts`.
 */
export class FetchPlanner implements FetchSourceHost {
  readonly options: ResolvedFetchPlannerOptions
  private readonly metadata: ClusterMetadata
  private readonly pool: ConnectionPool
  private readonly logger: Logger
  private readonly cursors = new Map<string, Cursor>()
  private readonly sources = new Map<number, FetchSource>()
  private buffer: BufferedBatch[] = []
  private readonly counters = new Map<number, BrokerCounters>()
  private readonly listeners: { [K in keyof FetchPlannerEventMap]: Array<FetchPlannerListener<K>> } = { dataLoss: [], offsetReset: [], error: [] }
  private dataWaiters = new Set<() => void>()
  private spaceWaiters = new Set<() => void>()
  private readonly unsubscribe: Array<() => void> = []
  private isClosed = false
  private maintenanceTimer: ReturnType<typeof setTimeout> | undefined
  private maintenanceAt = Infinity
  private readonly topicsLoading = new Set<string>()
  private readonly topicRetryAt = new Map<string, number>()

  constructor(options: FetchPlannerOptions) {
    this.options = resolveFetchPlannerOptions(options)
    this.metadata = options.metadata
    this.pool = options.pool
    this.logger = (options.logger ?? silentLogger).child({ component: 'fetch-planner' })
    this.unsubscribe.push(
      this.metadata.on('leaderChanged', (event) => this.onLeaderChanged(event)),
      this.metadata.on('replicasChanged', (event) => this.onReplicasChanged(event)),
      this.metadata.on('brokerRemoved', (event) => this.onBrokerRemoved(event)),
    )
  }

  get closed(): boolean {
    return this.isClosed
  }

  // -------------------------------------------------------------------------------------------
  // Public API

  /** Adds partitions (or restarts ones already assigned) at the given offsets. */
  assign(partitions: ReadonlyArray<{ topic: string; partition: number; offset: StartOffset }>): void {
    this.ensureOpen()
    for (const { topic, partition, offset } of partitions) checkStartOffset(topic, partition, offset)
    for (const { topic, partition, offset } of partitions) {
      const key = partitionKey(topic, partition)
      let cursor = this.cursors.get(key)
      if (cursor === undefined) {
        cursor = createCursor(topic, partition, key)
        this.cursors.set(key, cursor)
      }
      this.start(cursor, offset)
    }
    this.kick()
  }

  /** Stops fetching partitions and drops their buffered data. */
  unassign(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(partitionKey(topic, partition))
      if (cursor === undefined) continue
      this.detach(cursor)
      this.dropBuffered(cursor)
      cursor.generation++
      this.cursors.delete(cursor.key)
    }
  }

  assignment(): TopicPartition[] {
    return [...this.cursors.values()].map((cursor) => ({ topic: cursor.topic, partition: cursor.partition }))
  }

  /** Moves an assigned partition to `offset`; buffered data of the partition is dropped. */
  seek(topic: string, partition: number, offset: StartOffset): void {
    this.ensureOpen()
    checkStartOffset(topic, partition, offset)
    const cursor = this.requireCursor(topic, partition)
    this.start(cursor, offset)
    this.kick()
  }

  /** Stops fetching (and returning buffered data of) partitions until `resume`. */
  pause(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(partitionKey(topic, partition))
      if (cursor !== undefined) cursor.paused = true
    }
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(partitionKey(topic, partition))
      if (cursor === undefined || !cursor.paused) continue
      cursor.paused = false
      if (cursor.source >= 0) this.sources.get(cursor.source)?.notify()
      if (cursor.buffered > 0) this.wakeData()
    }
    this.wakeSpace()
  }

  paused(): TopicPartition[] {
    return [...this.cursors.values()].filter((cursor) => cursor.paused).map((cursor) => ({ topic: cursor.topic, partition: cursor.partition }))
  }

  /** The next offset to hand to the application and the epoch of the record before it; undefined while unknown. */
  position(topic: string, partition: number): { offset: bigint; leaderEpoch: number } | undefined {
    const cursor = this.cursors.get(partitionKey(topic, partition))
    if (cursor === undefined || cursor.position === null) return undefined
    return { offset: cursor.position, leaderEpoch: cursor.positionEpoch }
  }

  /**
   * The batches buffered so far (at most one per partition per Fetch response, in arrival
   * order; at most `maxBatches`), waiting up to `maxWaitMs` (default 1000) for the first one.
   * Polling moves each partition's position past what it returns. Rejects with the signal's
   * reason when aborted; resolves empty once closed.
   */
  async poll(options: { signal?: AbortSignal; maxWaitMs?: number; maxBatches?: number } = {}): Promise<FetchedBatch[]> {
    const { signal } = options
    const limit = options.maxBatches ?? Infinity
    signal?.throwIfAborted()
    if (this.isClosed) return []
    const ready = this.drain(limit)
    if (ready.length > 0) return ready
    const waitMs = options.maxWaitMs ?? DEFAULT_POLL_WAIT_MS
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          this.dataWaiters.delete(done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, waitMs)
        this.dataWaiters.add(done)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
    signal?.throwIfAborted()
    return this.drain(limit)
  }

  /** Fetch counters per broker id (a copy). */
  brokerCounters(): Map<number, BrokerCounters> {
    const copy = new Map<number, BrokerCounters>()
    for (const [broker, counters] of this.counters) copy.set(broker, { ...counters })
    return copy
  }

  /** The broker the partition is fetched from now (a follower after a KIP-392 redirect), or -1. */
  sourceOf(topic: string, partition: number): number {
    const cursor = this.cursors.get(partitionKey(topic, partition))
    return cursor === undefined || cursor.state !== 'fetching' ? -1 : cursor.source
  }

  on<K extends keyof FetchPlannerEventMap>(event: K, listener: FetchPlannerListener<K>): () => void {
    this.listeners[event].push(listener)
    return () => this.off(event, listener)
  }

  off<K extends keyof FetchPlannerEventMap>(event: K, listener: FetchPlannerListener<K>): void {
    const list = this.listeners[event]
    const index = list.indexOf(listener)
    if (index >= 0) list.splice(index, 1)
  }

  /**
   * Stops fetching. Fetches in flight are not waited for: their answers are ignored when they
   * arrive (the connections belong to the pool and stay open). Pending polls resolve empty.
   */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    clearTimeout(this.maintenanceTimer)
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe()
    for (const source of this.sources.values()) source.stop()
    this.sources.clear()
    this.buffer = []
    this.wakeData()
    this.wakeSpace()
  }

  // -------------------------------------------------------------------------------------------
  // Cursor transitions

  private start(cursor: Cursor, offset: StartOffset): void {
    this.detach(cursor)
    this.dropBuffered(cursor)
    cursor.generation++
    cursor.retryAt = 0
    cursor.followerOutOfRangeCount = 0
    cursor.resetReason = null
    cursor.resetFrom = null
    switch (offset.kind) {
      case 'offset': {
        if (offset.offset < 0n) {
          // "Nothing committed" (OffsetFetch answers -1): the reset policy decides.
          cursor.state = 'resolving'
          cursor.resolve = { kind: 'policy' }
          cursor.resetReason = 'no offset to start from'
          cursor.position = null
          break
        }
        const epoch = offset.leaderEpoch !== undefined && offset.leaderEpoch >= 0 ? offset.leaderEpoch : -1
        cursor.fetchOffset = offset.offset
        cursor.position = offset.offset
        cursor.offsetEpoch = epoch
        cursor.positionEpoch = epoch
        cursor.resolve = null
        // KIP-320: an offset with an epoch is checked with the leader before fetching.
        cursor.state = epoch >= 0 ? 'validating' : 'fetching'
        if (cursor.state === 'fetching') this.place(cursor)
        break
      }
      case 'earliest':
      case 'latest':
        cursor.state = 'resolving'
        cursor.resolve = { kind: offset.kind, delta: offset.delta ?? 0n, policy: false }
        cursor.position = null
        break
      case 'timestamp':
        cursor.state = 'resolving'
        cursor.resolve = { kind: 'timestamp', timestamp: offset.timestamp }
        cursor.position = null
        break
    }
  }

  /** Fetching starts (or continues) at `offset`, from the leader or the preferred replica. */
  private startFetchingAt(cursor: Cursor, offset: bigint, epoch: number): void {
    cursor.generation++
    cursor.fetchOffset = offset
    cursor.position = offset
    cursor.offsetEpoch = epoch
    cursor.positionEpoch = epoch
    cursor.state = 'fetching'
    cursor.resolve = null
    cursor.retryAt = 0
    this.place(cursor)
  }

  /** KIP-320: check the position with the leader before fetching again. Data fetched ahead of the position is dropped. */
  private startValidation(cursor: Cursor): void {
    this.detach(cursor)
    this.dropBuffered(cursor)
    cursor.generation++
    if (cursor.position !== null) {
      cursor.fetchOffset = cursor.position
      cursor.offsetEpoch = cursor.positionEpoch
    }
    cursor.state = 'validating'
    cursor.retryAt = 0
    this.kick()
  }

  /** The leader's OFFSET_OUT_OF_RANGE (or no offset): the reset policy applies (in the next maintenance pass). */
  private resetToPolicy(cursor: Cursor, previousOffset: bigint | null, reason: string): void {
    this.detach(cursor)
    this.dropBuffered(cursor)
    cursor.generation++
    cursor.state = 'resolving'
    cursor.resolve = { kind: 'policy' }
    cursor.resetReason = reason
    cursor.resetFrom = previousOffset
    cursor.position = null
    cursor.retryAt = 0
    this.kick()
  }

  /** Log truncation (KIP-320): report it and continue from the leader's end offset for our epoch. */
  private truncate(cursor: Cursor, endOffset: bigint, endOffsetEpoch: number, detectedBy: 'validation' | 'diverging-epoch'): void {
    this.detach(cursor)
    this.dropBuffered(cursor)
    cursor.generation++
    const position = cursor.position ?? cursor.fetchOffset
    if (endOffset < position) {
      const error = new DataLossError({
        topic: cursor.topic,
        partition: cursor.partition,
        offset: position,
        leaderEpoch: cursor.positionEpoch,
        endOffset,
        endOffsetEpoch,
        detectedBy,
      })
      this.logger.warn({ topic: cursor.topic, partition: cursor.partition, offset: position, endOffset, endOffsetEpoch, detectedBy }, 'log truncation detected: records were lost')
      cursor.preferredReplica = -1
      this.startFetchingAt(cursor, endOffset, endOffsetEpoch)
      this.emit('dataLoss', error)
      return
    }
    // What the application consumed is still in the log; what was fetched ahead of it may not be: validate the position.
    cursor.fetchOffset = position
    cursor.offsetEpoch = cursor.positionEpoch
    if (cursor.offsetEpoch >= 0) this.startValidation(cursor)
    else this.startFetchingAt(cursor, position, -1)
  }

  private fail(cursor: Cursor, error: KafkaError): void {
    this.detach(cursor)
    cursor.state = 'failed'
    cursor.generation++
    this.logger.error({ topic: cursor.topic, partition: cursor.partition, error: error.message }, 'partition stopped until seek()')
    this.emit('error', error)
  }

  // -------------------------------------------------------------------------------------------
  // Placement on fetch sources

  /** The broker to fetch from now; gives up an expired or vanished preferred replica (KIP-392). */
  private chooseBroker(cursor: Cursor, now: number): number {
    const info = this.metadata.partition(cursor.topic, cursor.partition)
    if (info === undefined) return -1
    const choice = chooseReplica(cursor, info, now, (id) => this.metadata.broker(id) !== undefined)
    if (choice.backToLeader) {
      this.logger.debug(
        { topic: cursor.topic, partition: cursor.partition, replica: cursor.preferredReplica, leader: info.leader, reason: choice.reason },
        'fetching from the leader again',
      )
      cursor.preferredReplica = -1
      cursor.followerOutOfRangeCount = 0
    }
    return choice.broker
  }

  /** Puts a fetching cursor on the source of the broker it should be fetched from now. */
  private place(cursor: Cursor, now = Date.now()): void {
    if (cursor.state !== 'fetching' || this.isClosed) {
      this.detach(cursor)
      return
    }
    const broker = this.chooseBroker(cursor, now)
    if (broker < 0) {
      this.detach(cursor)
      if (this.metadata.topic(cursor.topic) === undefined) this.loadTopic(cursor.topic)
      else this.metadata.requestRefresh(`no leader for ${cursor.topic}-${cursor.partition}`)
      this.scheduleMaintenance(this.options.retryBackoffMs)
      return
    }
    if (cursor.source === broker) return
    this.detach(cursor)
    let source = this.sources.get(broker)
    if (source === undefined) {
      source = new FetchSource(this, broker)
      this.sources.set(broker, source)
    }
    source.add(cursor)
  }

  private detach(cursor: Cursor): void {
    if (cursor.source >= 0) this.sources.get(cursor.source)?.remove(cursor)
    cursor.source = -1
  }

  // -------------------------------------------------------------------------------------------
  // FetchSourceHost

  collect(source: FetchSource, now: number): { cursors: Cursor[]; wakeAt: number } {
    const cursors: Cursor[] = []
    let wakeAt = Infinity
    for (const cursor of [...source.cursors]) {
      if (cursor.state !== 'fetching' || this.cursors.get(cursor.key) !== cursor) {
        source.remove(cursor)
        continue
      }
      if (cursor.paused) continue
      // The lease is checked when the request is built: expired → back to the leader.
      if (this.chooseBroker(cursor, now) !== source.brokerId) {
        this.place(cursor, now)
        continue
      }
      if (cursor.retryAt > now) {
        wakeAt = Math.min(wakeAt, cursor.retryAt)
        continue
      }
      cursors.push(cursor)
    }
    return { cursors, wakeAt }
  }

  hasBufferSpace(): boolean {
    let active = 0
    for (const entry of this.buffer) if (!entry.cursor.paused) active++
    return active < this.options.bufferMaxBatches
  }

  waitForBufferSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.add(resolve))
  }

  connect(brokerId: number, purpose: ConnectionPurpose = 'fetch'): Promise<BrokerConnection> {
    const broker = this.metadata.broker(brokerId)
    if (broker === undefined) return Promise.reject(new ConnectionError(`broker ${brokerId} is not in the cluster metadata`, `node ${brokerId}`))
    return this.pool.get(broker.address, purpose)
  }

  rackFor(cursors: readonly Cursor[], now: number): string {
    return rackForRequest(this.options.rack, cursors, now)
  }

  describe(cursor: Cursor): { topicId: string; leaderEpoch: number } {
    return {
      topicId: this.metadata.topic(cursor.topic)?.topicId ?? ZERO_UUID,
      leaderEpoch: this.metadata.partition(cursor.topic, cursor.partition)?.leaderEpoch ?? -1,
    }
  }

  countRequest(brokerId: number): void {
    this.countersFor(brokerId).requests++
  }

  handleFailure(source: FetchSource, error: unknown): void {
    if (this.isClosed) return
    if (this.pool.isClosed) {
      // Nothing can be fetched any more: stop instead of retrying forever (and keeping timers alive).
      this.logger.warn({ broker: source.brokerId }, 'the connection pool was closed; the fetch planner stops')
      void this.close()
      return
    }
    const now = Date.now()
    const retriable = !KafkaError.isInstance(error) || error.retriable
    const moved: Array<{ topic: string; partition: number; to: number }> = []
    let refresh = false
    for (const cursor of [...source.cursors]) {
      const leader = this.metadata.partition(cursor.topic, cursor.partition)?.leader ?? -1
      const decision = onSourceFailure(cursor, source.brokerId, leader)
      if (decision.action === 'to-leader') {
        cursor.preferredReplica = -1
        cursor.followerOutOfRangeCount = 0
        cursor.leaderPinnedUntil = pinToLeader(now, this.options.preferredReplicaLeaseMs)
        moved.push({ topic: cursor.topic, partition: cursor.partition, to: leader })
        this.place(cursor, now)
      } else {
        cursor.retryAt = now + (retriable ? this.options.retryBackoffMs : SLOW_RETRY_MS)
        refresh = true
      }
    }
    const fields = { broker: source.brokerId, error: String(error) }
    if (moved.length > 0) this.logger.info({ ...fields, moves: formatMoves(moved) }, 'fetch from a preferred replica failed; fetching from the leaders again')
    else this.logger.debug(fields, 'fetch failed; retrying')
    if (refresh) this.metadata.requestRefresh(`fetch from broker ${source.brokerId} failed`)
    if (!retriable && KafkaError.isInstance(error)) this.emit('error', error)
  }

  async handleResponse(source: FetchSource, plan: FetchPlan, response: FetchResponse): Promise<void> {
    const broker = source.brokerId
    const now = Date.now()
    if (response.errorCode !== ErrorCode.NONE) {
      source.session.reset()
      const code = response.errorCode
      if (code === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || code === ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
        this.logger.debug({ broker, sessionId: plan.session.sessionId, sessionEpoch: plan.session.sessionEpoch, errorCode: code }, 'fetch session lost; sending a full fetch')
        return
      }
      this.logger.warn({ broker, error: KafkaProtocolError.fromCode(code, { apiName: 'Fetch' }).message }, 'fetch failed')
      for (const { cursor } of plan.cursors.values()) cursor.retryAt = now + this.options.retryBackoffMs
      this.metadata.requestRefresh(`Fetch error ${code}`)
      return
    }
    source.session.succeeded(plan.session, response.sessionId)
    const endpoints = new Map(response.nodeEndpoints.map((endpoint) => [endpoint.nodeId, endpoint]))
    const moves: Array<{ topic: string; partition: number; to: number }> = []
    const isKnownBroker = (id: number): boolean => this.metadata.broker(id) !== undefined
    for (const topicResponse of response.responses) {
      const topic = plan.useTopicIds ? plan.topicNames.get(topicResponse.topicId) : topicResponse.topic
      if (topic === undefined) continue
      for (const answer of topicResponse.partitions) {
        const entry = plan.cursors.get(partitionKey(topic, answer.partitionIndex))
        if (entry === undefined || !this.isCurrent(entry, broker)) continue
        const cursor = entry.cursor
        const leader = this.metadata.partition(topic, answer.partitionIndex)?.leader ?? -1
        const decision = decideFetchAnswer(answer, {
          responder: broker,
          leader,
          fetchOffset: entry.fetchOffset,
          now,
          leaseMs: this.options.preferredReplicaLeaseMs,
          isKnownBroker,
          followerOutOfRangeCount: cursor.followerOutOfRangeCount,
        })
        switch (decision.action) {
          case 'deliver':
            await this.deliver(entry, broker, topic, answer)
            break
          case 'redirect':
            cursor.preferredReplica = decision.to
            cursor.leaseExpiresAt = decision.leaseExpiresAt
            cursor.followerOutOfRangeCount = 0
            moves.push({ topic, partition: cursor.partition, to: decision.to })
            this.place(cursor, now)
            break
          case 'stay-on-leader':
            this.logger.debug({ topic, partition: cursor.partition, replica: decision.unknownReplica }, 'preferred replica is not in the metadata; refreshing, fetching from the leader')
            this.metadata.requestRefresh(`preferred replica ${decision.unknownReplica} unknown`)
            cursor.retryAt = now + this.options.retryBackoffMs
            break
          case 'to-leader':
            this.logger.debug({ topic, partition: cursor.partition, replica: broker, leader, reason: decision.reason }, 'fetching from the leader again')
            this.applyLeaderHint(topic, answer, endpoints)
            if (decision.refreshMetadata) this.metadata.requestRefresh(decision.reason)
            // The replica failed us (an error answer), unless it only lacks the offset: stay on the leader for a lease.
            if (answer.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE) cursor.leaderPinnedUntil = pinToLeader(now, this.options.preferredReplicaLeaseMs)
            cursor.preferredReplica = -1
            cursor.followerOutOfRangeCount = 0
            this.place(cursor, now)
            break
          case 'validate':
            this.logger.debug({ topic, partition: cursor.partition, replica: broker, reason: decision.reason }, 'validating the offset with the leader')
            if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) cursor.followerOutOfRangeCount++
            this.startValidation(cursor)
            break
          case 'truncated':
            this.truncate(cursor, decision.endOffset, decision.endOffsetEpoch, 'diverging-epoch')
            break
          case 'reset':
            this.logger.info({ topic, partition: cursor.partition, offset: entry.fetchOffset, policy: this.options.autoOffsetReset }, 'offset out of range on the leader; applying the reset policy')
            this.resetToPolicy(cursor, entry.fetchOffset, decision.reason)
            break
          case 'retry':
            this.logger.debug({ topic, partition: cursor.partition, broker, reason: decision.reason }, 'retrying the partition')
            this.applyLeaderHint(topic, answer, endpoints)
            if (decision.refreshMetadata) this.metadata.requestRefresh(decision.reason)
            cursor.retryAt = now + this.options.retryBackoffMs
            break
          case 'fail':
            this.fail(cursor, KafkaProtocolError.fromCode(decision.errorCode, { apiName: 'Fetch', topic, partition: cursor.partition }))
            break
        }
      }
    }
    if (moves.length > 0) this.logger.info({ fromBroker: broker, moves: formatMoves(moves) }, 'fetch partitions returned preferred replicas')
  }

  // -------------------------------------------------------------------------------------------
  // Fetch answers

  private isCurrent(entry: { cursor: Cursor; generation: number; fetchOffset: bigint }, broker: number): boolean {
    const cursor = entry.cursor
    return (
      !this.isClosed &&
      this.cursors.get(cursor.key) === cursor &&
      cursor.generation === entry.generation &&
      cursor.state === 'fetching' &&
      cursor.source === broker &&
      cursor.fetchOffset === entry.fetchOffset
    )
  }

  private async deliver(
    entry: { cursor: Cursor; generation: number; fetchOffset: bigint },
    broker: number,
    topic: string,
    answer: FetchResponsePartitionData,
  ): Promise<void> {
    const cursor = entry.cursor
    const bytes = answer.records
    cursor.followerOutOfRangeCount = 0
    if (bytes === null || bytes.length === 0) return
    const counters = this.countersFor(broker)
    counters.bytes += bytes.length
    let extracted: ExtractedRecords
    try {
      const pending = decodeBatches(bytes, { topic, partition: cursor.partition })
      const decoded = pending instanceof Promise ? await pending : pending
      if (!this.isCurrent(entry, broker)) return
      if (decoded.batches.length === 0) {
        if (decoded.truncated !== null) {
          this.logger.debug({ topic, partition: cursor.partition, offset: entry.fetchOffset, size: decoded.truncated.size }, 'only a partial batch arrived; fetching again')
        }
        return
      }
      extracted = extractRecords({
        topic,
        partition: cursor.partition,
        fetchOffset: entry.fetchOffset,
        isolationLevel: this.options.isolationLevel,
        abortedTransactions: answer.abortedTransactions,
        batches: decoded.batches,
      })
    } catch (error) {
      if (!this.isCurrent(entry, broker)) return
      this.fail(cursor, KafkaError.isInstance(error) ? error : new KafkaError(String(error), { errorName: 'CORRUPT_MESSAGE', cause: error }))
      return
    }
    if (extracted.records.length > 0) {
      counters.partitionsServed++
      counters.records += extracted.records.length
    }
    const advanced = extracted.nextOffset > cursor.fetchOffset
    cursor.fetchOffset = extracted.nextOffset
    if (extracted.lastEpoch >= 0) cursor.offsetEpoch = extracted.lastEpoch
    if (extracted.records.length === 0) {
      if (!advanced) return
      if (cursor.buffered === 0) {
        // Only control or aborted batches: nothing to hand out, the position moves past them.
        cursor.position = cursor.fetchOffset
        cursor.positionEpoch = cursor.offsetEpoch
        return
      }
    }
    const batch: FetchedBatch = {
      topic,
      partition: cursor.partition,
      records: extracted.records,
      highWatermark: answer.highWatermark,
      lastStableOffset: answer.lastStableOffset,
      logStartOffset: answer.logStartOffset,
      nextOffset: cursor.fetchOffset,
      leaderEpoch: cursor.offsetEpoch,
      servedBy: broker,
    }
    this.buffer.push({ cursor, generation: cursor.generation, batch })
    cursor.buffered++
    this.wakeData()
  }

  private applyLeaderHint(topic: string, answer: FetchResponsePartitionData, endpoints: Map<number, { host: string; port: number; rack: string | null }>): void {
    const hint = answer.currentLeader
    if (answer.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && answer.errorCode !== ErrorCode.FENCED_LEADER_EPOCH) return
    if (hint.leaderId < 0 || hint.leaderEpoch < 0) return
    const endpoint = endpoints.get(hint.leaderId)
    this.metadata.applyLeaderHint(topic, answer.partitionIndex, hint.leaderId, hint.leaderEpoch, endpoint === undefined ? undefined : { host: endpoint.host, port: endpoint.port, rack: endpoint.rack })
  }

  /** Buffered batches of partitions that are not paused; moves their positions. */
  private drain(limit = Infinity): FetchedBatch[] {
    if (this.buffer.length === 0) return []
    const out: FetchedBatch[] = []
    const keep: BufferedBatch[] = []
    for (const entry of this.buffer) {
      const cursor = entry.cursor
      if (this.cursors.get(cursor.key) !== cursor || entry.generation !== cursor.generation) continue
      if (cursor.paused || out.length >= limit) {
        keep.push(entry)
        continue
      }
      cursor.buffered--
      cursor.position = entry.batch.nextOffset
      cursor.positionEpoch = entry.batch.leaderEpoch
      if (entry.batch.records.length > 0) out.push(entry.batch)
    }
    const changed = keep.length !== this.buffer.length
    this.buffer = keep
    if (changed) this.wakeSpace()
    return out
  }

  private dropBuffered(cursor: Cursor): void {
    if (cursor.buffered === 0) return
    this.buffer = this.buffer.filter((entry) => entry.cursor !== cursor)
    cursor.buffered = 0
    this.wakeSpace()
  }

  private wakeData(): void {
    const waiters = [...this.dataWaiters]
    this.dataWaiters.clear()
    for (const wake of waiters) wake()
  }

  private wakeSpace(): void {
    const waiters = [...this.spaceWaiters]
    this.spaceWaiters.clear()
    for (const wake of waiters) wake()
  }

  // -------------------------------------------------------------------------------------------
  // Maintenance: metadata, ListOffsets and OffsetForLeaderEpoch (always to the leader)

  private kick(): void {
    this.scheduleMaintenance(0)
  }

  private scheduleMaintenance(delayMs: number): void {
    if (this.isClosed) return
    const at = Date.now() + Math.max(0, delayMs)
    if (this.maintenanceTimer !== undefined && this.maintenanceAt <= at) return
    clearTimeout(this.maintenanceTimer)
    this.maintenanceAt = at
    this.maintenanceTimer = setTimeout(() => {
      this.maintenanceTimer = undefined
      this.maintenanceAt = Infinity
      this.maintain()
    }, Math.max(0, delayMs))
    this.maintenanceTimer.unref?.()
  }

  private maintain(): void {
    if (this.isClosed) return
    const now = Date.now()
    let next = Infinity
    const resolveByLeader = new Map<number, Cursor[]>()
    const validateByLeader = new Map<number, Cursor[]>()
    for (const cursor of this.cursors.values()) {
      if (cursor.state === 'failed') continue
      const info = this.metadata.partition(cursor.topic, cursor.partition)
      if (info === undefined) {
        this.loadTopic(cursor.topic)
        next = Math.min(next, Math.max(now + this.options.retryBackoffMs, this.topicRetryAt.get(cursor.topic) ?? 0))
        continue
      }
      if (cursor.state === 'fetching') {
        if (cursor.source < 0) this.place(cursor, now)
        if (cursor.source < 0) next = Math.min(next, now + this.options.retryBackoffMs)
        continue
      }
      if (cursor.busy) continue
      if (cursor.retryAt > now) {
        next = Math.min(next, cursor.retryAt)
        continue
      }
      if (cursor.resolve?.kind === 'policy') {
        const policy = this.options.autoOffsetReset
        if (policy === 'none') {
          this.fail(cursor, new OffsetOutOfRangeError(cursor.topic, cursor.partition, cursor.resetFrom))
          continue
        }
        cursor.resolve = { kind: policy, delta: 0n, policy: true }
      }
      const leader = info.leader
      if (leader < 0 || this.metadata.broker(leader) === undefined) {
        this.metadata.requestRefresh(`no leader for ${cursor.topic}-${cursor.partition}`)
        next = Math.min(next, now + this.options.retryBackoffMs)
        continue
      }
      const groups = cursor.state === 'resolving' ? resolveByLeader : validateByLeader
      const list = groups.get(leader) ?? []
      list.push(cursor)
      groups.set(leader, list)
    }
    for (const [leader, cursors] of resolveByLeader) void this.resolveOffsets(leader, cursors)
    for (const [leader, cursors] of validateByLeader) void this.validateOffsets(leader, cursors)
    if (next < Infinity) this.scheduleMaintenance(next - now)
  }

  private loadTopic(topic: string): void {
    if (this.topicsLoading.has(topic) || (this.topicRetryAt.get(topic) ?? 0) > Date.now()) return
    this.topicsLoading.add(topic)
    this.metadata
      .addTopics([topic])
      .catch((error: unknown) => {
        this.topicRetryAt.set(topic, Date.now() + TOPIC_RETRY_MS)
        this.logger.warn({ topic, error: String(error) }, 'cannot load topic metadata; retrying')
      })
      .finally(() => {
        this.topicsLoading.delete(topic)
        this.kick()
      })
  }

  /** ListOffsets to the leader for cursors that need an offset (earliest, latest, timestamp, reset policy). */
  private async resolveOffsets(leader: number, cursors: Cursor[]): Promise<void> {
    const generations = cursors.map((cursor) => cursor.generation)
    for (const cursor of cursors) cursor.busy = true
    try {
      const connection = await this.connect(leader, 'metadata')
      const first = await this.listOffsets(connection, cursors.map((cursor) => ({ cursor, timestamp: primaryTimestamp(cursor) })))
      // A delta is clamped to the log: latest - n needs the log start, earliest + n the log end.
      const bounds = cursors
        .filter((cursor) => (cursor.resolve?.kind === 'earliest' || cursor.resolve?.kind === 'latest') && cursor.resolve.delta !== 0n)
        .map((cursor) => ({ cursor, timestamp: cursor.resolve?.kind === 'latest' ? LIST_OFFSETS_EARLIEST : LIST_OFFSETS_LATEST }))
      const second = bounds.length > 0 ? await this.listOffsets(connection, bounds) : new Map<string, PartitionOffset>()
      const now = Date.now()
      let refresh = false
      cursors.forEach((cursor, i) => {
        cursor.busy = false
        const target = cursor.resolve
        if (this.cursors.get(cursor.key) !== cursor || cursor.generation !== generations[i] || cursor.state !== 'resolving') return
        if (target === null || target.kind === 'policy') return
        const answer = first.get(cursor.key)
        if (answer === undefined || answer.errorCode !== ErrorCode.NONE) {
          const code = answer?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          if (LIST_OFFSETS_RETRIABLE.has(code)) {
            cursor.retryAt = now + this.options.retryBackoffMs
            refresh = true
          } else {
            this.fail(cursor, KafkaProtocolError.fromCode(code, { apiName: 'ListOffsets', topic: cursor.topic, partition: cursor.partition }))
          }
          return
        }
        let offset = answer.offset
        let epoch = answer.leaderEpoch
        if (target.kind === 'timestamp') {
          if (offset < 0n) {
            // No record at or after the timestamp: start at the log end (as Java's reset by timestamp).
            cursor.resolve = { kind: 'latest', delta: 0n, policy: false }
            cursor.retryAt = 0
            return
          }
        } else if (target.delta !== 0n) {
          const bound = second.get(cursor.key)
          if (bound === undefined || bound.errorCode !== ErrorCode.NONE) {
            cursor.retryAt = now + this.options.retryBackoffMs
            refresh = true
            return
          }
          const shifted = offset + target.delta
          offset = target.kind === 'latest' ? (shifted < bound.offset ? bound.offset : shifted) : shifted > bound.offset ? bound.offset : shifted
          epoch = -1
        }
        const wasPolicy = target.kind !== 'timestamp' && target.policy
        const previousOffset = cursor.resetFrom
        const reason = cursor.resetReason
        this.startFetchingAt(cursor, offset, epoch)
        if (wasPolicy && (target.kind === 'earliest' || target.kind === 'latest')) {
          this.logger.info({ topic: cursor.topic, partition: cursor.partition, previousOffset, offset, policy: target.kind, reason }, 'offset reset')
          this.emit('offsetReset', { topic: cursor.topic, partition: cursor.partition, previousOffset, offset, policy: target.kind, reason: reason ?? 'reset policy' })
        }
      })
      if (refresh) this.metadata.requestRefresh('ListOffsets answered a retriable error')
    } catch (error) {
      this.requestFailed('ListOffsets', leader, cursors, generations, error)
    } finally {
      for (const cursor of cursors) cursor.busy = false
      this.kick()
    }
  }

  private async listOffsets(connection: BrokerConnection, items: Array<{ cursor: Cursor; timestamp: bigint }>): Promise<Map<string, PartitionOffset>> {
    const topics = new Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }>>()
    for (const { cursor, timestamp } of items) {
      const list = topics.get(cursor.topic) ?? []
      list.push({ partitionIndex: cursor.partition, currentLeaderEpoch: this.describe(cursor).leaderEpoch, timestamp })
      topics.set(cursor.topic, list)
    }
    const response = await connection.request(
      ListOffsetsApi,
      ListOffsetsApi.createRequest({
        replicaId: -1,
        isolationLevel: this.options.isolationLevel === 'read_committed' ? 1 : 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        timeoutMs: 30_000,
      }),
    )
    const answers = new Map<string, PartitionOffset>()
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        answers.set(partitionKey(topic.name, partition.partitionIndex), { errorCode: partition.errorCode, offset: partition.offset, leaderEpoch: partition.leaderEpoch })
      }
    }
    return answers
  }

  /** OffsetForLeaderEpoch to the leader (KIP-320) for cursors whose position must be checked. */
  private async validateOffsets(leader: number, cursors: Cursor[]): Promise<void> {
    const generations = cursors.map((cursor) => cursor.generation)
    for (const cursor of cursors) cursor.busy = true
    try {
      const connection = await this.connect(leader, 'metadata')
      const topics = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }>>()
      const asked = new Map<string, number>()
      for (const cursor of cursors) {
        const currentLeaderEpoch = this.describe(cursor).leaderEpoch
        // Without an epoch for the offset, the current epoch's end offset (the leader's log end) still bounds it.
        const leaderEpoch = cursor.offsetEpoch >= 0 ? cursor.offsetEpoch : currentLeaderEpoch
        asked.set(cursor.key, leaderEpoch)
        if (leaderEpoch < 0) continue
        const list = topics.get(cursor.topic) ?? []
        list.push({ partition: cursor.partition, currentLeaderEpoch, leaderEpoch })
        topics.set(cursor.topic, list)
      }
      const answers = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: bigint }>()
      if (topics.size > 0) {
        const response = await connection.request(
          OffsetForLeaderEpochApi,
          OffsetForLeaderEpochApi.createRequest({ replicaId: -1, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }),
        )
        for (const topic of response.topics) {
          for (const partition of topic.partitions) {
            answers.set(partitionKey(topic.topic, partition.partition), { errorCode: partition.errorCode, leaderEpoch: partition.leaderEpoch, endOffset: partition.endOffset })
          }
        }
      }
      const now = Date.now()
      let refresh = false
      cursors.forEach((cursor, i) => {
        cursor.busy = false
        if (this.cursors.get(cursor.key) !== cursor || cursor.generation !== generations[i] || cursor.state !== 'validating') return
        const answer = answers.get(cursor.key) ?? (asked.get(cursor.key)! < 0 ? { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1n } : undefined)
        if (answer === undefined) {
          cursor.retryAt = now + this.options.retryBackoffMs
          return
        }
        const decision = decideValidation(cursor.fetchOffset, cursor.offsetEpoch, answer)
        switch (decision.action) {
          case 'valid':
            this.logger.debug({ topic: cursor.topic, partition: cursor.partition, offset: cursor.fetchOffset, leaderEpoch: cursor.offsetEpoch, leader }, 'offset validated with the leader')
            cursor.offsetEpoch = decision.offsetEpoch
            if (cursor.position === cursor.fetchOffset) cursor.positionEpoch = decision.offsetEpoch
            cursor.state = 'fetching'
            // Back to a lagging follower (it answered OFFSET_OUT_OF_RANGE): give it a moment.
            cursor.retryAt = cursor.preferredReplica >= 0 ? now + this.options.retryBackoffMs : 0
            this.place(cursor, now)
            break
          case 'truncated':
            this.truncate(cursor, decision.endOffset, decision.endOffsetEpoch, 'validation')
            break
          case 'fetch-from-leader':
            this.logger.debug({ topic: cursor.topic, partition: cursor.partition, reason: decision.reason }, 'offset not confirmed by the leader; fetching from the leader')
            cursor.preferredReplica = -1
            cursor.state = 'fetching'
            cursor.retryAt = 0
            this.place(cursor, now)
            break
          case 'retry':
            cursor.retryAt = now + this.options.retryBackoffMs
            if (decision.refreshMetadata) refresh = true
            break
          case 'fail':
            this.fail(cursor, KafkaProtocolError.fromCode(decision.errorCode, { apiName: 'OffsetForLeaderEpoch', topic: cursor.topic, partition: cursor.partition }))
            break
        }
      })
      if (refresh) this.metadata.requestRefresh('OffsetForLeaderEpoch answered a retriable error')
    } catch (error) {
      this.requestFailed('OffsetForLeaderEpoch', leader, cursors, generations, error)
    } finally {
      for (const cursor of cursors) cursor.busy = false
      this.kick()
    }
  }

  private requestFailed(api: string, leader: number, cursors: Cursor[], generations: number[], error: unknown): void {
    if (this.isClosed) return
    const retriable = !KafkaError.isInstance(error) || error.retriable
    const retryAt = Date.now() + (retriable ? this.options.retryBackoffMs : SLOW_RETRY_MS)
    cursors.forEach((cursor, i) => {
      if (cursor.generation === generations[i]) cursor.retryAt = retryAt
    })
    this.logger.debug({ api, broker: leader, error: String(error) }, 'request to the leader failed; retrying')
    this.metadata.requestRefresh(`${api} to broker ${leader} failed`)
    if (!retriable && KafkaError.isInstance(error)) this.emit('error', error)
  }

  // -------------------------------------------------------------------------------------------
  // Metadata events

  private onLeaderChanged(event: LeaderChangedEvent): void {
    const cursor = this.cursors.get(partitionKey(event.topic, event.partition))
    if (cursor === undefined) return
    cursor.preferredReplica = -1
    cursor.followerOutOfRangeCount = 0
    if (cursor.state !== 'fetching') return
    const decision = onLeaderChange(cursor)
    this.logger.debug(
      { topic: event.topic, partition: event.partition, leader: event.leader, leaderEpoch: event.leaderEpoch, validate: decision.validate },
      'leader changed; fetching from the new leader',
    )
    if (decision.validate) this.startValidation(cursor)
    else this.place(cursor)
  }

  private onReplicasChanged(event: ReplicasChangedEvent): void {
    const cursor = this.cursors.get(partitionKey(event.topic, event.partition))
    if (cursor === undefined || !onReplicasChange(cursor, event.replicas).toLeader) return
    cursor.preferredReplica = -1
    this.place(cursor)
  }

  private onBrokerRemoved(broker: BrokerInfo): void {
    for (const cursor of this.cursors.values()) {
      if (!onBrokerRemoved(cursor, broker.nodeId).toLeader) continue
      cursor.preferredReplica = -1
      this.place(cursor)
    }
  }

  // -------------------------------------------------------------------------------------------

  private countersFor(broker: number): BrokerCounters {
    let counters = this.counters.get(broker)
    if (counters === undefined) {
      counters = { requests: 0, bytes: 0, partitionsServed: 0, records: 0 }
      this.counters.set(broker, counters)
    }
    return counters
  }

  private emit<K extends keyof FetchPlannerEventMap>(event: K, value: FetchPlannerEventMap[K]): void {
    const list = this.listeners[event] as Array<FetchPlannerListener<K>>
    if (list.length === 0 && event === 'error') {
      this.logger.error({ error: String(value) }, 'fetch planner error (no error listener)')
      return
    }
    for (const listener of [...list]) {
      try {
        listener(value)
      } catch (error) {
        this.logger.error({ event, error: String(error) }, 'fetch planner event listener threw')
      }
    }
  }

  private requireCursor(topic: string, partition: number): Cursor {
    const cursor = this.cursors.get(partitionKey(topic, partition))
    if (cursor === undefined) throw new InvalidArgumentError('partition', `${topic}-${partition}`, 'an assigned partition')
    return cursor
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new ClosedError('fetch planner')
  }
}

function primaryTimestamp(cursor: Cursor): bigint {
  const target = cursor.resolve
  if (target === null || target.kind === 'policy') return LIST_OFFSETS_LATEST
  if (target.kind === 'timestamp') return target.timestamp
  return target.kind === 'earliest' ? LIST_OFFSETS_EARLIEST : LIST_OFFSETS_LATEST
}

function checkStartOffset(topic: string, partition: number, offset: StartOffset): void {
  if (typeof topic !== 'string' || topic === '') throw new InvalidArgumentError('topic', topic, 'a non-empty string')
  if (!Number.isInteger(partition) || partition < 0) throw new InvalidArgumentError(`partition of ${topic}`, partition, 'an integer >= 0')
  const where = `offset of ${topic}-${partition}`
  if (typeof offset !== 'object' || offset === null) throw new InvalidArgumentError(where, offset, 'a StartOffset (Offset.earliest(), Offset.at(42n), …)')
  switch (offset.kind) {
    case 'offset':
      if (typeof offset.offset !== 'bigint' || offset.offset < 0n) throw new InvalidArgumentError(`${where}.offset`, offset.offset, 'a bigint >= 0')
      if (offset.leaderEpoch !== undefined && !Number.isInteger(offset.leaderEpoch)) throw new InvalidArgumentError(`${where}.leaderEpoch`, offset.leaderEpoch, 'an integer')
      return
    case 'earliest':
    case 'latest':
      if (offset.delta !== undefined && typeof offset.delta !== 'bigint') throw new InvalidArgumentError(`${where}.delta`, offset.delta, 'a bigint')
      return
    case 'timestamp':
      if (typeof offset.timestamp !== 'bigint' || offset.timestamp < 0n) throw new InvalidArgumentError(`${where}.timestamp`, offset.timestamp, 'a bigint >= 0')
      return
    default:
      throw new InvalidArgumentError(`${where}.kind`, (offset as { kind: unknown }).kind, "'offset', 'earliest', 'latest' or 'timestamp'")
  }
}
