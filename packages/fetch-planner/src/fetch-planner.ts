import { type BrokerConnection, type ConnectionPool, type ConnectionPurpose, ConnectionError, type Logger, silentLogger } from '@kafkats/connection'
import type { BrokerInfo, ClusterMetadata, LeaderChangedEvent, ReplicasChangedEvent } from '@kafkats/metadata'
import { ClosedError, InvalidArgumentError, KafkaError, type RecordShape } from '@kafkats/protocol'
import { type Cursor, createCursor } from './cursor.js'
import { DataLossError } from './data-loss-error.js'
import type { FetchPlannerEventMap, FetchPlannerListener } from './events.js'
import { topicPartitionKey } from '@kafkats/metadata'
import { OffsetResolver } from './offsets.js'
import { type FetchPlannerOptions, type ResolvedFetchPlannerOptions, resolveFetchPlannerOptions } from './options.js'
import { type FetchedPartition, materialize, materializeBefore, recordsFailure } from './records.js'
import { chooseReplica, onBrokerRemoved, onLeaderChange, onReplicasChange } from './rules.js'
import { FetchSource, type FetchSourceHost } from './source.js'
import type { BrokerCounters, FetchedBatch, FetchedRecord, PartitionFetchMetrics, StartOffset, TopicPartition } from './types.js'

/** How long `poll()` waits for data when no `maxWaitMs` is given. */
export const DEFAULT_POLL_WAIT_MS = 1000
interface BufferedBatch {
  cursor: Cursor
  generation: number
  /** Decoded into a FetchedBatch when polled. */
  fetched: FetchedPartition
  /** Set when the batches before a bad one were handed out: the failure `poll` reports next (see `drain`). */
  failure?: KafkaError
}

/**
 * Fetches assigned partitions for a consumer: one fetch source per broker (one Fetch in flight
 * each, with an incremental fetch session), a cursor per partition, KIP-392 moves to the closest
 * replica when `rack` is set, KIP-320 validation of offsets that carry a leader epoch, and a
 * buffer of fetched batches that `poll()` drains. The decisions live in `rules.ts`.
 */
export class FetchPlanner<R = FetchedRecord> {
  readonly options: ResolvedFetchPlannerOptions
  private readonly metadata: ClusterMetadata
  private readonly pool: ConnectionPool
  private readonly logger: Logger
  private readonly cursors = new Map<string, Cursor>()
  private readonly sources = new Map<number, FetchSource>()
  private buffer: BufferedBatch[] = []
  private readonly counters = new Map<number, BrokerCounters>()
  private readonly listeners: { [K in keyof FetchPlannerEventMap]: Array<FetchPlannerListener<K>> } = { dataLoss: [], offsetReset: [], error: [], fetchStart: [], fetchResponse: [] }
  private dataWaiters = new Set<() => void>()
  private spaceWaiters = new Set<() => void>()
  private readonly unsubscribe: Array<() => void> = []
  private isClosed = false
  private readonly sourceHost: FetchSourceHost
  private readonly offsets: OffsetResolver

  constructor(options: FetchPlannerOptions<R>) {
    this.options = resolveFetchPlannerOptions(options)
    this.metadata = options.metadata
    this.pool = options.pool
    this.logger = (options.logger ?? silentLogger).child({ component: 'fetch-planner' })
    this.unsubscribe.push(
      this.metadata.on('leaderChanged', (event) => this.onLeaderChanged(event)),
      this.metadata.on('replicasChanged', (event) => this.onReplicasChanged(event)),
      this.metadata.on('brokerRemoved', (event) => this.onBrokerRemoved(event)),
    )
    // The fetch sources and the offset resolver see the planner through these narrow views.
    const planner = this
    this.sourceHost = {
      get closed() {
        return planner.isClosed
      },
      get poolClosed() {
        return planner.pool.isClosed
      },
      options: this.options,
      metadata: this.metadata,
      logger: this.logger,
      collect: (source, now) => planner.collect(source, now),
      hasBufferSpace: () => planner.hasBufferSpace(),
      waitForBufferSpace: () => planner.waitForBufferSpace(),
      connect: (brokerId) => planner.connect(brokerId, 'fetch'),
      countersFor: (brokerId) => planner.countersFor(brokerId),
      isAssigned: (cursor) => planner.cursors.get(cursor.key) === cursor,
      buffer: (cursor, fetched) => planner.bufferBatch(cursor, fetched),
      place: (cursor, now) => planner.place(cursor, now),
      startValidation: (cursor) => planner.startValidation(cursor),
      truncate: (cursor, endOffset, endOffsetEpoch, detectedBy) => planner.truncate(cursor, endOffset, endOffsetEpoch, detectedBy),
      resetToPolicy: (cursor, previousOffset, reason) => planner.resetToPolicy(cursor, previousOffset, reason),
      fail: (cursor, error) => planner.fail(cursor, error),
      reportError: (error) => planner.emit('error', error),
      get observesFetches() {
        return planner.listeners.fetchStart.length > 0 || planner.listeners.fetchResponse.length > 0
      },
      fetchStarted: (event) => planner.emit('fetchStart', event),
      fetchHandled: (event) => planner.emit('fetchResponse', event),
      close: () => planner.close(),
    }
    this.offsets = new OffsetResolver({
      get closed() {
        return planner.isClosed
      },
      options: this.options,
      metadata: this.metadata,
      logger: this.logger,
      cursors: () => planner.cursors.values(),
      isAssigned: (cursor) => planner.cursors.get(cursor.key) === cursor,
      connect: (brokerId, purpose) => planner.connect(brokerId, purpose),
      place: (cursor, now) => planner.place(cursor, now),
      startFetchingAt: (cursor, offset, epoch) => planner.startFetchingAt(cursor, offset, epoch),
      truncate: (cursor, endOffset, endOffsetEpoch, detectedBy) => planner.truncate(cursor, endOffset, endOffsetEpoch, detectedBy),
      fail: (cursor, error) => planner.fail(cursor, error),
      offsetReset: (event) => planner.emit('offsetReset', event),
      reportError: (error) => planner.emit('error', error),
    })
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
      const key = topicPartitionKey(topic, partition)
      let cursor = this.cursors.get(key)
      if (cursor === undefined) {
        cursor = createCursor(topic, partition, key)
        this.cursors.set(key, cursor)
      }
      this.start(cursor, offset)
    }
    this.offsets.kick()
  }

  /** Stops fetching partitions and drops their buffered data. */
  unassign(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(topicPartitionKey(topic, partition))
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
    this.offsets.kick()
  }

  /** Stops fetching (and returning buffered data of) partitions until `resume`. */
  pause(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(topicPartitionKey(topic, partition))
      if (cursor !== undefined) cursor.paused = true
    }
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    for (const { topic, partition } of partitions) {
      const cursor = this.cursors.get(topicPartitionKey(topic, partition))
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
    const cursor = this.cursors.get(topicPartitionKey(topic, partition))
    if (cursor === undefined || cursor.position === null) return undefined
    return { offset: cursor.position, leaderEpoch: cursor.positionEpoch }
  }

  /**
   * The batches buffered so far (at most one per partition per Fetch response, in arrival
   * order; at most `maxBatches`), waiting up to `maxWaitMs` (default 1000) for the first one.
   * Polling moves each partition's position past what it returns. Rejects with the signal's
   * reason when aborted; resolves empty once closed.
   */
  async poll(options: { signal?: AbortSignal; maxWaitMs?: number; maxBatches?: number } = {}): Promise<FetchedBatch<R>[]> {
    const { signal } = options
    const limit = options.maxBatches ?? Infinity
    signal?.throwIfAborted()
    if (this.isClosed) return []
    const ready = this.drain(limit)
    if (ready.length > 0) return ready
    // An 'error' listener may have aborted the signal during the drain: no wait for a wake that already happened.
    signal?.throwIfAborted()
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

  /** Every assigned partition's position, high watermark, lag and fetch source now. */
  partitionMetrics(): PartitionFetchMetrics[] {
    const metrics: PartitionFetchMetrics[] = []
    for (const cursor of this.cursors.values()) {
      const fetching = cursor.state === 'fetching'
      const source = fetching ? cursor.source : -1
      const leader = this.metadata.partition(cursor.topic, cursor.partition)?.leader ?? -1
      const known = cursor.position !== null && cursor.highWatermark >= 0n
      metrics.push({
        topic: cursor.topic,
        partition: cursor.partition,
        position: cursor.position,
        highWatermark: cursor.highWatermark,
        // The high watermark is from the last answer; the position may already be past an older one.
        lag: known ? (cursor.highWatermark > cursor.position! ? cursor.highWatermark - cursor.position! : 0n) : null,
        fetchSourceNodeId: source,
        leaderNodeId: leader,
        fromPreferredReplica: source >= 0 && source !== leader,
        paused: cursor.paused,
        state: cursor.state,
      })
    }
    return metrics
  }

  /** The broker the partition is fetched from now (a follower after a KIP-392 redirect), or -1. */
  sourceOf(topic: string, partition: number): number {
    const cursor = this.cursors.get(topicPartitionKey(topic, partition))
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
    this.offsets.stop()
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
    this.offsets.kick()
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
    this.offsets.kick()
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
    this.stop(cursor)
    this.reportFailure(cursor, error)
  }

  /** The partition fetches nothing more until `seek` (its buffered answers become stale). */
  private stop(cursor: Cursor): void {
    this.detach(cursor)
    cursor.state = 'failed'
    cursor.generation++
  }

  private reportFailure(cursor: Cursor, error: KafkaError): void {
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
      if (this.metadata.topic(cursor.topic) === undefined) this.offsets.loadTopic(cursor.topic)
      else this.metadata.requestRefresh(`no leader for ${cursor.topic}-${cursor.partition}`)
      this.offsets.scheduleMaintenance(this.options.retryBackoffMs)
      return
    }
    if (cursor.source === broker) return
    this.detach(cursor)
    let source = this.sources.get(broker)
    if (source === undefined) {
      source = new FetchSource(this.sourceHost, broker)
      this.sources.set(broker, source)
    }
    source.add(cursor)
  }

  private detach(cursor: Cursor): void {
    if (cursor.source >= 0) this.sources.get(cursor.source)?.remove(cursor)
    cursor.source = -1
  }

  // -------------------------------------------------------------------------------------------
  // For the fetch sources

  private collect(source: FetchSource, now: number): { cursors: Cursor[]; wakeAt: number } {
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

  private hasBufferSpace(): boolean {
    let active = 0
    for (const entry of this.buffer) if (!entry.cursor.paused) active++
    return active < this.options.bufferMaxBatches
  }

  private waitForBufferSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.add(resolve))
  }

  private connect(brokerId: number, purpose: ConnectionPurpose): Promise<BrokerConnection> {
    const broker = this.metadata.broker(brokerId)
    if (broker === undefined) return Promise.reject(new ConnectionError(`broker ${brokerId} is not in the cluster metadata`, `node ${brokerId}`))
    return this.pool.get(broker.address, purpose)
  }

  /** A fetch source delivers a partition's answer for `poll`. */
  private bufferBatch(cursor: Cursor, fetched: FetchedPartition): void {
    this.buffer.push({ cursor, generation: cursor.generation, fetched })
    cursor.buffered++
    this.wakeData()
  }

  // -------------------------------------------------------------------------------------------
  // The buffer

  /** Buffered batches of partitions that are not paused; moves their positions. */
  private drain(limit = Infinity): FetchedBatch<R>[] {
    if (this.buffer.length === 0) return []
    const out: FetchedBatch<R>[] = []
    const keep: BufferedBatch[] = []
    for (const entry of this.buffer) {
      const cursor = entry.cursor
      if (this.cursors.get(cursor.key) !== cursor || entry.generation !== cursor.generation) continue
      if (cursor.paused || out.length >= limit) {
        keep.push(entry)
        continue
      }
      if (entry.failure !== undefined) {
        // Reported by a poll that hands out nothing before it, so the records before the bad batch
        // reach the application first (a group consumer throws a partition error at once).
        if (out.length > 0) {
          keep.push(entry)
          continue
        }
        cursor.buffered = 0
        this.reportFailure(cursor, entry.failure)
        continue
      }
      let batch: FetchedBatch<R>
      try {
        // Records of the shape `recordShape` makes: R (FetchedRecord without one).
        batch = materialize(entry.fetched, this.options.isolationLevel, this.options.recordShape as RecordShape<R> | null)
      } catch (error) {
        // Corrupt data (a CRC mismatch, bytes the decoder rejects) or a recordShape that threw: the partition stops at the
        // position before it until `seek`, as when the fetch itself fails; its later buffered
        // answers belong to the old generation and are skipped.
        const failure = recordsFailure(error, entry.fetched.topic, entry.fetched.partition, this.options.recordShape !== null)
        const before = materializeBefore(entry.fetched, this.options.isolationLevel, this.options.recordShape as RecordShape<R> | null)
        if (before === null) {
          cursor.buffered = 0
          this.fail(cursor, failure)
          continue
        }
        // The good batches before the bad one are handed out now, the failure at the next poll
        // (Java's CompletedFetch); the partition stops fetching at once.
        this.stop(cursor)
        cursor.buffered = 1
        keep.push({ cursor, generation: cursor.generation, fetched: entry.fetched, failure })
        this.handOut(cursor, before, out)
        continue
      }
      cursor.buffered--
      this.handOut(cursor, batch, out)
    }
    const changed = keep.length !== this.buffer.length
    this.buffer = keep
    if (changed) this.wakeSpace()
    return out
  }

  /** `batch` goes to the application: the partition's position moves past it. */
  private handOut(cursor: Cursor, batch: FetchedBatch<R>, out: FetchedBatch<R>[]): void {
    cursor.position = batch.nextOffset
    cursor.positionEpoch = batch.leaderEpoch
    if (batch.records.length > 0) {
      const counters = this.countersFor(batch.servedBy)
      counters.partitionsServed++
      counters.records += batch.records.length
      out.push(batch)
    } else if (this.options.emptyBatches) {
      out.push(batch)
    }
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
  // Metadata events

  private onLeaderChanged(event: LeaderChangedEvent): void {
    const cursor = this.cursors.get(topicPartitionKey(event.topic, event.partition))
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
    const cursor = this.cursors.get(topicPartitionKey(event.topic, event.partition))
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
    const cursor = this.cursors.get(topicPartitionKey(topic, partition))
    if (cursor === undefined) throw new InvalidArgumentError('partition', `${topic}-${partition}`, 'an assigned partition')
    return cursor
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new ClosedError('fetch planner')
  }
}

/** Checks a seek/assign target; exported so consumers can reject a bad one before their own state checks. */
export function checkStartOffset(topic: string, partition: number, offset: StartOffset): void {
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
