// A fetch source: the Fetch loop of one broker. It holds the cursors fetched from that broker,
// keeps one Fetch in flight at a time on the pool's `fetch` connection to it, and an incremental
// fetch session (KIP-227). Decisions about the answers belong to the planner (and its pure rules).
import type { BrokerConnection } from '@kafkats/connection'
import { FetchApi, type FetchRequest, type FetchResponse, ZERO_UUID } from '@kafkats/protocol'
import type { Cursor } from './cursor.js'
import { FetchSession, type SessionPartition, type SessionRequest } from './fetch-session.js'
import type { ResolvedFetchPlannerOptions } from './options.js'

/** Fetch v13 replaced topic names with topic ids. */
const FIRST_TOPIC_ID_VERSION = 13

/** What a source needs from its planner. */
export interface FetchSourceHost {
  readonly closed: boolean
  readonly options: ResolvedFetchPlannerOptions
  /** Cursors of `source` to fetch now (lease checks may move others away), and when to look again. */
  collect(source: FetchSource, now: number): { cursors: Cursor[]; wakeAt: number }
  /** False while the application has not polled enough buffered data. */
  hasBufferSpace(): boolean
  waitForBufferSpace(): Promise<void>
  /** The connection to broker `brokerId` (rejects when it is unknown or unreachable). */
  connect(brokerId: number): Promise<BrokerConnection>
  /** The rackId for a request carrying `cursors`. */
  rackFor(cursors: readonly Cursor[], now: number): string
  /** Topic id and current leader epoch of a cursor's partition, from metadata. */
  describe(cursor: Cursor): { topicId: string; leaderEpoch: number }
  countRequest(brokerId: number): void
  handleResponse(source: FetchSource, plan: FetchPlan, response: FetchResponse): Promise<void>
  handleFailure(source: FetchSource, error: unknown): void
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
      queueMicrotask(() => void this.run())
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
          this.host.handleFailure(this, error)
          continue
        }
        if (this.stopped || this.host.closed) break
        let plan: FetchPlan
        try {
          plan = this.buildPlan(connection, cursors)
        } catch (error) {
          this.session.reset()
          this.host.handleFailure(this, error)
          continue
        }
        this.host.countRequest(this.brokerId)
        let response: FetchResponse
        try {
          response = await connection.request(FetchApi, plan.request, { version: plan.version, serverTimeoutMs: plan.request.maxWaitMs })
        } catch (error) {
          if (this.stopped || this.host.closed) break
          this.session.reset()
          this.host.handleFailure(this, error)
          continue
        }
        // After close, a late answer is ignored; the connection belongs to the pool.
        if (this.stopped || this.host.closed) break
        await this.host.handleResponse(this, plan, response)
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
      const { topicId, leaderEpoch } = this.host.describe(cursor)
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
      rackId: this.host.rackFor(cursors, Date.now()),
    })
    return { version, useTopicIds, session, cursors: byKey, topicNames, request }
  }
}
