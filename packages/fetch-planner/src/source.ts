// A fetch source: the Fetch cycle of one broker. It holds the cursors fetched from that broker,
// keeps one Fetch in flight at a time on the pool's `fetch` connection to it and an incremental
// fetch session (KIP-227), and handles its own answers: each partition's answer is decided by the
// pure rules (rules.ts) and delivered to the buffer or handed to the planner as a cursor
// transition (the planner owns the cursors' state machine).
import type { BrokerConnection, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import {
  ErrorCode,
  FetchApi,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  KafkaError,
  type RecordBatch,
  KafkaProtocolError,
  ZERO_UUID,
} from '@kafkats/protocol'
import type { Cursor } from './cursor.js'
import type { FetchResponseEvent, FetchStartEvent } from './events.js'
import { topicPartitionKey } from '@kafkats/metadata'
import { FetchSession, type SessionPartition, type SessionRequest } from './fetch-session.js'
import type { ResolvedFetchPlannerOptions } from './options.js'
import { type FetchedPartition, decodeBatches, recordsFailure, scanBatches, summarizeBatches } from './records.js'
import { decideFetchAnswer, formatMoves, onSourceFailure, pinToLeader, rackForRequest } from './rules.js'
import type { BrokerCounters } from './types.js'
import { type FetchResponsePartition, type PreferredReplicaMove, fetchResponseChannel } from './diagnostics.js'

/** Fetch v13 replaced topic names with topic ids. */
const FIRST_TOPIC_ID_VERSION = 13
/** Back-off after an error that retrying soon will not fix (authentication, unsupported versions). */
export const SLOW_RETRY_MS = 1000

/** What a source needs from its planner: the shared state and the cursor transitions. */
export interface FetchSourceHost {
  readonly closed: boolean
  readonly options: ResolvedFetchPlannerOptions
  readonly metadata: ClusterMetadata
  readonly logger: Logger
  /** True once the connection pool is closed: nothing can be fetched any more. */
  readonly poolClosed: boolean
  /** Cursors of `source` to fetch now (lease checks may move others away), and when to look again. */
  collect(source: FetchSource, now: number): { cursors: Cursor[]; wakeAt: number }
  /** False while the application has not polled enough buffered data. */
  hasBufferSpace(): boolean
  waitForBufferSpace(): Promise<void>
  /** The connection to broker `brokerId` (rejects when it is unknown or unreachable). */
  connect(brokerId: number): Promise<BrokerConnection>
  countersFor(brokerId: number): BrokerCounters
  /** Whether `cursor` is still the planner's cursor for its partition (not unassigned or replaced). */
  isAssigned(cursor: Cursor): boolean
  /** Buffers a partition's answer for `poll` (which decodes its records). */
  buffer(cursor: Cursor, fetched: FetchedPartition): void
  /** Cursor transitions, owned by the planner. */
  place(cursor: Cursor, now?: number): void
  startValidation(cursor: Cursor): void
  truncate(cursor: Cursor, endOffset: bigint, endOffsetEpoch: number, detectedBy: 'validation' | 'diverging-epoch'): void
  resetToPolicy(cursor: Cursor, previousOffset: bigint | null, reason: string): void
  fail(cursor: Cursor, error: KafkaError): void
  /** A non-retriable error for the application (the planner's `error` event). */
  reportError(error: KafkaError): void
  /** Whether anyone listens to `fetchStart`/`fetchResponse` (nothing is counted otherwise). */
  readonly observesFetches: boolean
  fetchStarted(event: FetchStartEvent): void
  fetchHandled(event: FetchResponseEvent): void
  close(): Promise<void>
}

/** A Fetch request as sent, with what each partition in the session was fetched at. */
export interface FetchPlan {
  version: number
  useTopicIds: boolean
  session: SessionRequest
  /** Per partition key: the cursor and its generation when the request was built. */
  cursors: Map<string, { cursor: Cursor; generation: number; fetchOffset: bigint }>
  /** topicId → name, for v13+ responses. */
  topicNames: Map<string, string>
  request: FetchRequest
}

export class FetchSource {
  readonly brokerId: number
  readonly cursors = new Set<Cursor>()
  readonly session = new FetchSession()
  private readonly host: FetchSourceHost
  private stopped = false
  private running = false
  private wake: (() => void) | null = null
  private woken = false
  /** Batches the response being handled added to the buffer (for `fetchHandled`). */
  private bufferedBatches = 0

  constructor(host: FetchSourceHost, brokerId: number) {
    this.host = host
    this.brokerId = brokerId
  }

  add(cursor: Cursor): void {
    this.cursors.add(cursor)
    cursor.source = this.brokerId
    this.notify()
  }

  remove(cursor: Cursor): void {
    this.cursors.delete(cursor)
    if (cursor.source === this.brokerId) cursor.source = -1
  }

  /** Something changed (a cursor arrived, resumed, a retry time passed): build the next request now if idle. */
  notify(): void {
    if (!this.running && !this.stopped) {
      this.running = true
      // On a microtask: cursors placed in the same turn (a ListOffsets answer) share the first request.
      queueMicrotask(() => {
        this.run().catch((error: unknown) => {
          // run() catches what a request can throw; this is for what nothing foresaw (the loop ends, the next notify() starts it again).
          this.host.logger.error({ broker: this.brokerId, error: String(error) }, 'unexpected error in the fetch loop')
          if (!this.host.closed) this.host.reportError(new KafkaError(`unexpected error in the fetch loop of broker ${this.brokerId}: ${String(error)}`, { errorName: 'UNKNOWN', retriable: false, cause: error }))
        })
      })
      return
    }
    this.woken = true
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  stop(): void {
    this.stopped = true
    this.notify()
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped && !this.host.closed) {
        const { cursors, wakeAt } = this.host.collect(this, Date.now())
        if (cursors.length === 0) {
          if (this.cursors.size === 0 && wakeAt === Infinity) {
            // Nothing to do: the session is dropped (the broker expires it) and the loop ends until a cursor arrives.
            this.session.reset()
            break
          }
          await this.sleep(wakeAt - Date.now())
          continue
        }
        if (!this.host.hasBufferSpace()) {
          await Promise.race([this.host.waitForBufferSpace(), this.sleep(Infinity)])
          continue
        }
        let connection: BrokerConnection
        try {
          connection = await this.host.connect(this.brokerId)
        } catch (error) {
          this.session.reset()
          this.handleFailure(error)
          continue
        }
        if (this.stopped || this.host.closed) break
        let plan: FetchPlan
        try {
          plan = this.buildPlan(connection, cursors)
        } catch (error) {
          this.session.reset()
          this.handleFailure(error)
          continue
        }
        this.host.countersFor(this.brokerId).requests++
        let response: FetchResponse
        const observed = this.host.observesFetches
        const sentAt = Date.now()
        if (observed) this.host.fetchStarted({ nodeId: this.brokerId })
        try {
          response = await connection.request(FetchApi, plan.request, { version: plan.version, serverTimeoutMs: plan.request.maxWaitMs })
        } catch (error) {
          if (this.stopped || this.host.closed) break
          this.session.reset()
          this.handleFailure(error)
          continue
        }
        // After close, a late answer is ignored; the connection belongs to the pool.
        if (this.stopped || this.host.closed) break
        this.bufferedBatches = 0
        try {
          await this.handleResponse(plan, response)
        } catch (error) {
          // Last line of defence: a response this code could not handle (a bug, or bytes no check
          // foresaw) fails this request like a broker error would, reported to the application
          // as a typed error, and the cursors retry after a back-off; never an unhandled rejection.
          if (this.stopped || this.host.closed) break
          this.host.logger.error({ broker: this.brokerId, error: String(error) }, 'a fetch response could not be handled')
          this.session.reset()
          this.handleFailure(KafkaError.isInstance(error) ? error : new KafkaError(`the fetch response from broker ${this.brokerId} could not be handled: ${String(error)}`, { errorName: 'UNKNOWN', retriable: false, cause: error }))
          continue
        }
        if (observed) {
          this.host.fetchHandled({ nodeId: this.brokerId, durationMs: Date.now() - sentAt, partitionCount: response.responses.reduce((n, topic) => n + topic.partitions.length, 0), bufferedBatches: this.bufferedBatches })
        }
        // KIP-219: the broker muted this connection for throttleTimeMs; send nothing before it ends.
        if (response.throttleTimeMs > 0) await new Promise((resolve) => setTimeout(resolve, response.throttleTimeMs).unref?.())
      }
    } finally {
      this.running = false
      // A cursor may have arrived between the last look and the end of the loop.
      if (!this.stopped && !this.host.closed && this.cursors.size > 0) this.notify()
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      if (Number.isFinite(ms)) {
        timer = setTimeout(() => {
          if (this.wake === done) this.wake = null
          resolve()
        }, Math.max(0, ms))
        timer.unref?.()
      }
      const done = (): void => {
        clearTimeout(timer)
        this.woken = false
        resolve()
      }
      this.wake = done
    })
  }

  private buildPlan(connection: BrokerConnection, cursors: Cursor[]): FetchPlan {
    const options = this.host.options
    let version = connection.versionFor(FetchApi)
    const wanted: SessionPartition[] = []
    const byKey = new Map<string, { cursor: Cursor; generation: number; fetchOffset: bigint }>()
    const topicNames = new Map<string, string>()
    let missingTopicId = false
    for (const cursor of cursors) {
      const topicId = this.host.metadata.topic(cursor.topic)?.topicId ?? ZERO_UUID
      const leaderEpoch = this.host.metadata.partition(cursor.topic, cursor.partition)?.leaderEpoch ?? -1
      if (topicId === ZERO_UUID) missingTopicId = true
      topicNames.set(topicId, cursor.topic)
      wanted.push({
        topic: cursor.topic,
        topicId,
        partition: cursor.partition,
        fetchOffset: cursor.fetchOffset,
        currentLeaderEpoch: leaderEpoch,
        lastFetchedEpoch: cursor.offsetEpoch,
        partitionMaxBytes: options.partitionMaxBytes,
      })
    }
    // Like the Java client: without every topic id, fall back to the last version with names.
    if (missingTopicId && version >= FIRST_TOPIC_ID_VERSION) version = FIRST_TOPIC_ID_VERSION - 1
    const useTopicIds = version >= FIRST_TOPIC_ID_VERSION
    const session = this.session.build(wanted, version, useTopicIds)
    // The broker fetches every partition of the session: record what each was fetched at.
    const cursorByKey = new Map<string, Cursor>()
    for (const cursor of cursors) cursorByKey.set(cursor.key, cursor)
    for (const [key, partition] of session.partitions) {
      const cursor = cursorByKey.get(key)
      if (cursor !== undefined) byKey.set(key, { cursor, generation: cursor.generation, fetchOffset: partition.fetchOffset })
    }
    const topics = new Map<string, FetchRequest['topics'][number]>()
    for (const partition of session.send) {
      let topic = topics.get(partition.topic)
      if (topic === undefined) {
        topic = { topic: partition.topic, topicId: useTopicIds ? partition.topicId : ZERO_UUID, partitions: [] }
        topics.set(partition.topic, topic)
      }
      topic.partitions.push({
        partition: partition.partition,
        currentLeaderEpoch: partition.currentLeaderEpoch,
        fetchOffset: partition.fetchOffset,
        lastFetchedEpoch: partition.lastFetchedEpoch,
        logStartOffset: -1n,
        partitionMaxBytes: partition.partitionMaxBytes,
        replicaDirectoryId: ZERO_UUID,
        highWatermark: 9223372036854775807n,
      })
    }
    const forgotten = new Map<string, { topic: string; topicId: string; partitions: number[] }>()
    for (const partition of session.forget) {
      const entry = forgotten.get(partition.topic) ?? { topic: partition.topic, topicId: useTopicIds ? partition.topicId : ZERO_UUID, partitions: [] }
      entry.partitions.push(partition.partition)
      forgotten.set(partition.topic, entry)
    }
    const request = FetchApi.createRequest({
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: options.fetchMaxWaitMs,
      minBytes: options.fetchMinBytes,
      maxBytes: options.fetchMaxBytes,
      isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0,
      sessionId: session.sessionId,
      sessionEpoch: session.sessionEpoch,
      topics: [...topics.values()],
      forgottenTopicsData: [...forgotten.values()],
      // The wire's "no rack" is the empty string.
      rackId: rackForRequest(options.rack, cursors, Date.now()) ?? '',
    })
    return { version, useTopicIds, session, cursors: byKey, topicNames, request }
  }

  // ---- answers ----

  /** The request failed (no connection, dropped, timed out): retry, or leave a failed preferred replica for the leader. */
  private handleFailure(error: unknown): void {
    if (this.host.closed) return
    if (this.host.poolClosed) {
      // Nothing can be fetched any more: stop instead of retrying forever (and keeping timers alive).
      this.host.logger.warn({ broker: this.brokerId }, 'the connection pool was closed; the fetch planner stops')
      void this.host.close()
      return
    }
    const now = Date.now()
    const retriable = !KafkaError.isInstance(error) || error.retriable
    const moved: Array<{ topic: string; partition: number; to: number }> = []
    let refresh = false
    for (const cursor of [...this.cursors]) {
      const leader = this.host.metadata.partition(cursor.topic, cursor.partition)?.leader ?? -1
      const decision = onSourceFailure(cursor, this.brokerId, leader)
      if (decision.action === 'to-leader') {
        cursor.preferredReplica = -1
        cursor.followerOutOfRangeCount = 0
        cursor.leaderPinnedUntil = pinToLeader(now, this.host.options.preferredReplicaLeaseMs)
        moved.push({ topic: cursor.topic, partition: cursor.partition, to: leader })
        this.host.place(cursor, now)
      } else {
        cursor.retryAt = now + (retriable ? this.host.options.retryBackoffMs : SLOW_RETRY_MS)
        refresh = true
      }
    }
    const fields = { broker: this.brokerId, error: String(error) }
    if (moved.length > 0) this.host.logger.info({ ...fields, moves: formatMoves(moved) }, 'fetch from a preferred replica failed; fetching from the leaders again')
    else this.host.logger.debug(fields, 'fetch failed; retrying')
    if (refresh) this.host.metadata.requestRefresh(`fetch from broker ${this.brokerId} failed`)
    if (!retriable && KafkaError.isInstance(error)) this.host.reportError(error)
  }

  /** One Fetch answer: each partition's answer goes through `decideFetchAnswer` (rules.ts) and the planner applies the outcome. */
  private async handleResponse(plan: FetchPlan, response: FetchResponse): Promise<void> {
    const broker = this.brokerId
    const now = Date.now()
    // Built only when someone listens on kafkats:fetch:response.
    const details: FetchResponsePartition[] | null = fetchResponseChannel.hasSubscribers ? [] : null
    if (response.errorCode !== ErrorCode.NONE) {
      if (details !== null) this.publishResponse(response, details, [])
      this.session.reset()
      const code = response.errorCode
      if (code === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || code === ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
        this.host.logger.debug({ broker, sessionId: plan.session.sessionId, sessionEpoch: plan.session.sessionEpoch, errorCode: code }, 'fetch session lost; sending a full fetch')
        return
      }
      this.host.logger.warn({ broker, error: KafkaProtocolError.fromCode(code, { apiName: 'Fetch' }).message }, 'fetch failed')
      for (const { cursor } of plan.cursors.values()) cursor.retryAt = now + this.host.options.retryBackoffMs
      this.host.metadata.requestRefresh(`Fetch error ${code}`)
      return
    }
    this.session.succeeded(plan.session, response.sessionId)
    const endpoints = new Map(response.nodeEndpoints.map((endpoint) => [endpoint.nodeId, endpoint]))
    const moves: Array<{ topic: string; partition: number; to: number }> = []
    const isKnownBroker = (id: number): boolean => this.host.metadata.broker(id) !== undefined
    for (const topicResponse of response.responses) {
      const topic = plan.useTopicIds ? plan.topicNames.get(topicResponse.topicId) : topicResponse.topic
      if (topic === undefined) continue
      for (const answer of topicResponse.partitions) {
        const entry = plan.cursors.get(topicPartitionKey(topic, answer.partitionIndex))
        if (entry === undefined || !this.isCurrent(entry)) continue
        const cursor = entry.cursor
        if (answer.errorCode === ErrorCode.NONE) cursor.highWatermark = answer.highWatermark
        const leader = this.host.metadata.partition(topic, answer.partitionIndex)?.leader ?? -1
        let delivered = 0
        const decision = decideFetchAnswer(answer, {
          responder: broker,
          leader,
          fetchOffset: entry.fetchOffset,
          now,
          leaseMs: this.host.options.preferredReplicaLeaseMs,
          isKnownBroker,
          followerOutOfRangeCount: cursor.followerOutOfRangeCount,
        })
        switch (decision.action) {
          case 'deliver':
            delivered = await this.deliver(entry, broker, topic, answer)
            break
          case 'redirect':
            cursor.preferredReplica = decision.to
            cursor.leaseExpiresAt = decision.leaseExpiresAt
            cursor.followerOutOfRangeCount = 0
            moves.push({ topic, partition: cursor.partition, to: decision.to })
            this.host.place(cursor, now)
            break
          case 'stay-on-leader':
            this.host.logger.debug({ topic, partition: cursor.partition, replica: decision.unknownReplica }, 'preferred replica is not in the metadata; refreshing, fetching from the leader')
            this.host.metadata.requestRefresh(`preferred replica ${decision.unknownReplica} unknown`)
            cursor.retryAt = now + this.host.options.retryBackoffMs
            break
          case 'to-leader':
            this.host.logger.debug({ topic, partition: cursor.partition, replica: broker, leader, reason: decision.reason }, 'fetching from the leader again')
            this.applyLeaderHint(topic, answer, endpoints)
            if (decision.refreshMetadata) this.host.metadata.requestRefresh(decision.reason)
            // The replica failed us (an error answer), unless it only lacks the offset: stay on the leader for a lease.
            if (answer.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE) cursor.leaderPinnedUntil = pinToLeader(now, this.host.options.preferredReplicaLeaseMs)
            cursor.preferredReplica = -1
            cursor.followerOutOfRangeCount = 0
            this.host.place(cursor, now)
            break
          case 'validate':
            this.host.logger.debug({ topic, partition: cursor.partition, replica: broker, reason: decision.reason }, 'validating the offset with the leader')
            if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) cursor.followerOutOfRangeCount++
            this.host.startValidation(cursor)
            break
          case 'truncated':
            this.host.truncate(cursor, decision.endOffset, decision.endOffsetEpoch, 'diverging-epoch')
            break
          case 'reset':
            this.host.logger.info({ topic, partition: cursor.partition, offset: entry.fetchOffset, policy: this.host.options.autoOffsetReset }, 'offset out of range on the leader; applying the reset policy')
            this.host.resetToPolicy(cursor, entry.fetchOffset, decision.reason)
            break
          case 'retry':
            this.host.logger.debug({ topic, partition: cursor.partition, broker, reason: decision.reason }, 'retrying the partition')
            this.applyLeaderHint(topic, answer, endpoints)
            if (decision.refreshMetadata) this.host.metadata.requestRefresh(decision.reason)
            cursor.retryAt = now + this.host.options.retryBackoffMs
            break
          case 'fail':
            this.host.fail(cursor, KafkaProtocolError.fromCode(decision.errorCode, { apiName: 'Fetch', topic, partition: cursor.partition }))
            break
        }
        if (details !== null) {
          details.push({
            topic,
            partition: answer.partitionIndex,
            fetchOffset: entry.fetchOffset,
            errorCode: answer.errorCode,
            highWatermark: answer.highWatermark,
            bytes: answer.records?.length ?? 0,
            records: delivered,
            preferredReadReplica: answer.preferredReadReplica,
          })
        }
      }
    }
    if (details !== null) this.publishResponse(response, details, moves.map((move) => ({ topic: move.topic, partition: move.partition, fromNodeId: broker, toNodeId: move.to })))
    if (moves.length > 0) this.host.logger.info({ fromBroker: broker, moves: formatMoves(moves) }, 'fetch partitions returned preferred replicas')
  }

  private publishResponse(response: FetchResponse, partitions: FetchResponsePartition[], preferredReplicaMoves: PreferredReplicaMove[]): void {
    let bytes = 0
    let records = 0
    for (const partition of partitions) {
      bytes += partition.bytes
      records += partition.records
    }
    fetchResponseChannel.publish({
      nodeId: this.brokerId,
      errorCode: response.errorCode,
      sessionId: response.sessionId,
      partitionCount: partitions.length,
      bytes,
      records,
      partitions,
      preferredReplicaMoves,
      throttleTimeMs: response.throttleTimeMs,
    })
  }

  /** Whether an answer still applies: same cursor, same generation, still fetched here at the same offset. */
  private isCurrent(entry: { cursor: Cursor; generation: number; fetchOffset: bigint }): boolean {
    const cursor = entry.cursor
    return (
      !this.host.closed &&
      this.host.isAssigned(cursor) &&
      cursor.generation === entry.generation &&
      cursor.state === 'fetching' &&
      cursor.source === this.brokerId &&
      cursor.fetchOffset === entry.fetchOffset
    )
  }

  private async deliver(
    entry: { cursor: Cursor; generation: number; fetchOffset: bigint },
    broker: number,
    topic: string,
    answer: FetchResponsePartitionData,
  ): Promise<number> {
    const cursor = entry.cursor
    const bytes = answer.records
    cursor.followerOutOfRangeCount = 0
    if (bytes === null || bytes.length === 0) return 0
    this.host.countersFor(broker).bytes += bytes.length
    // The batch headers say where the next Fetch starts; the records are decoded (and their CRCs
    // checked) when `poll` hands the batch out (records.ts, FetchedPartition).
    let scan = scanBatches(bytes, entry.fetchOffset)
    let decoded: RecordBatch<unknown>[] | null = null
    if (scan === null) {
      try {
        const pending = decodeBatches(bytes, { topic, partition: cursor.partition }, this.host.options.recordShape)
        const result = pending instanceof Promise ? await pending : pending
        decoded = result.batches
        scan = summarizeBatches(decoded, entry.fetchOffset, result.truncated === null ? 0 : result.truncated.available)
      } catch (error) {
        if (!this.isCurrent(entry)) return 0
        this.host.fail(cursor, recordsFailure(error, topic, cursor.partition, this.host.options.recordShape !== null))
        return 0
      }
      if (!this.isCurrent(entry)) return 0
    }
    if (scan.batches === 0) {
      if (scan.truncatedBytes > 0) {
        this.host.logger.debug({ topic, partition: cursor.partition, offset: entry.fetchOffset, available: scan.truncatedBytes }, 'only a partial batch arrived; fetching again')
      }
      return 0
    }
    cursor.fetchOffset = scan.nextOffset
    if (scan.lastEpoch >= 0) cursor.offsetEpoch = scan.lastEpoch
    if (scan.onlyControl && cursor.buffered === 0 && !this.host.options.emptyBatches) {
      // Only control batches (transaction markers): nothing to hand out, the position moves past them.
      cursor.position = cursor.fetchOffset
      cursor.positionEpoch = cursor.offsetEpoch
      return 0
    }
    this.host.buffer(cursor, {
      topic,
      partition: cursor.partition,
      fetchOffset: entry.fetchOffset,
      bytes,
      batches: decoded,
      abortedTransactions: answer.abortedTransactions,
      highWatermark: answer.highWatermark,
      lastStableOffset: answer.lastStableOffset,
      logStartOffset: answer.logStartOffset,
      nextOffset: cursor.fetchOffset,
      leaderEpoch: cursor.offsetEpoch,
      servedBy: broker,
    })
    this.bufferedBatches++
    return scan.records
  }

  private applyLeaderHint(topic: string, answer: FetchResponsePartitionData, endpoints: Map<number, { host: string; port: number; rack: string | null }>): void {
    const hint = answer.currentLeader
    if (answer.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && answer.errorCode !== ErrorCode.FENCED_LEADER_EPOCH) return
    if (hint.leaderId < 0 || hint.leaderEpoch < 0) return
    const endpoint = endpoints.get(hint.leaderId)
    this.host.metadata.applyLeaderHint(topic, answer.partitionIndex, hint.leaderId, hint.leaderEpoch, endpoint === undefined ? undefined : { host: endpoint.host, port: endpoint.port, rack: endpoint.rack })
  }
}
