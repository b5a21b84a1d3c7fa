import { type ConnectionPool, ConnectionError, type Logger, silentLogger, toLogger } from '@kafkats/connection'
import {
  ClosedError,
  ConfigError,
  ErrorCode,
  checkOptionNames,
  describeValue,
  KafkaError,
  KafkaProtocolError,
  MetadataApi,
  type MetadataResponse,
  ZERO_UUID,
} from '@kafkats/protocol'
import { CoordinatorCache } from './coordinators.js'
import { MetadataEvents } from './events.js'

export interface ClusterMetadataOptions {
  /** Bootstrap brokers as `host:port`. Java: bootstrap.servers */
  bootstrapBrokers: readonly string[]
  /** The client's connection pool (metadata requests use the `metadata` purpose). */
  pool: ConnectionPool
  /** Refresh at least this often even without errors. Default 300 000. Java: metadata.max.age.ms */
  metadataMaxAgeMs?: number
  /** Minimum time between two refreshes triggered by errors. Default 100. Java: retry.backoff.ms */
  refreshMinIntervalMs?: number
  /** Let Metadata requests create missing topics (needs the broker's auto.create.topics.enable). Default false. Java: allow.auto.create.topics */
  allowAutoTopicCreation?: boolean
  /** Default silent. */
  logger?: Logger
}

export const clusterMetadataDefaults = {
  metadataMaxAgeMs: 300_000,
  refreshMinIntervalMs: 100,
  allowAutoTopicCreation: false,
} as const

export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
  /** `host:port` */
  address: string
  rack: string | null
}

export interface PartitionInfo {
  topic: string
  partition: number
  /** Broker id of the leader, or -1 while there is none. */
  leader: number
  /** -1 when the broker does not report epochs (Metadata < v7). */
  leaderEpoch: number
  replicas: readonly number[]
  isr: readonly number[]
  offlineReplicas: readonly number[]
  /** Error reported for this partition (0 = none), e.g. LEADER_NOT_AVAILABLE. */
  errorCode: number
}

export interface TopicInfo {
  name: string
  /** Kafka's base64url topic id, or ZERO_UUID on brokers without topic ids. */
  topicId: string
  isInternal: boolean
  /** Indexed by partition number. */
  partitions: readonly PartitionInfo[]
}

/** What `ClusterMetadata` knows at one moment. Replaced, never mutated, on each refresh. */
export interface ClusterSnapshot {
  clusterId: string | null
  controllerId: number
  brokers: ReadonlyMap<number, BrokerInfo>
  topics: ReadonlyMap<string, TopicInfo>
  /** `Date.now()` of the refresh that produced it. */
  updatedAt: number
}

const emptySnapshot: ClusterSnapshot = {
  clusterId: null,
  controllerId: -1,
  brokers: new Map(),
  topics: new Map(),
  updatedAt: 0,
}

/** Topic errors that mean "ask again shortly", not "give up". */
const RETRIABLE_TOPIC_ERRORS = new Set<number>([ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])

/**
 * The client's view of the cluster, kept current by periodic refresh (`metadataMaxAgeMs`) and
 * on demand. Concurrent refresh requests share one Metadata request. A partition's leader epoch
 * never goes backwards: an answer from a broker with older metadata keeps the newer partition
 * state (as the Java client does). Emits events for leader moves, broker and partition changes.
 */
export class ClusterMetadata extends MetadataEvents {
  /** The client's one coordinator cache (groups, transactional ids), shared by its admin and consumers. */
  readonly coordinators = new CoordinatorCache()
  private readonly options: ClusterMetadataOptions
  private readonly logger: Logger
  private readonly maxAgeMs: number
  private readonly refreshMinIntervalMs: number
  private current: ClusterSnapshot = emptySnapshot
  /** Topics the client cares about; `null` means every topic. */
  private interest = new Set<string>()
  private everyTopic = false
  private inFlight: Promise<ClusterSnapshot> | null = null
  private queued: Promise<ClusterSnapshot> | null = null
  private lastRefreshAt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  /** Round-robin position over known brokers for the next Metadata request. */
  private nextBroker = 0

  constructor(options: ClusterMetadataOptions) {
    super()
    checkClusterMetadataOptions(options)
    this.options = options
    this.logger = (options.logger === undefined ? silentLogger : toLogger(options.logger)).child({ component: 'metadata' })
    this.maxAgeMs = options.metadataMaxAgeMs ?? clusterMetadataDefaults.metadataMaxAgeMs
    this.refreshMinIntervalMs = options.refreshMinIntervalMs ?? clusterMetadataDefaults.refreshMinIntervalMs
  }

  /** The latest snapshot (empty before the first refresh). */
  get snapshot(): ClusterSnapshot {
    return this.current
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.current.brokers.get(nodeId)
  }

  topic(name: string): TopicInfo | undefined {
    return this.current.topics.get(name)
  }

  partition(topic: string, partition: number): PartitionInfo | undefined {
    return this.current.topics.get(topic)?.partitions[partition]
  }

  /** The leader of a partition, if known and present in the broker list. */
  leaderFor(topic: string, partition: number): BrokerInfo | undefined {
    const info = this.partition(topic, partition)
    return info === undefined || info.leader < 0 ? undefined : this.current.brokers.get(info.leader)
  }

  /** Adds topics to those refreshed; resolves once they are known (or fails with their error). */
  async addTopics(topics: readonly string[]): Promise<TopicInfo[]> {
    let added = false
    for (const topic of topics) {
      if (!this.interest.has(topic)) {
        this.interest.add(topic)
        added = true
      }
    }
    if (added || topics.some((topic) => !this.current.topics.has(topic))) await this.refresh()
    return topics.map((topic) => this.requireTopic(topic))
  }

  /** Stops refreshing `topics`. */
  removeTopics(topics: readonly string[]): void {
    for (const topic of topics) this.interest.delete(topic)
  }

  /** Track every topic of the cluster (admin, regex subscriptions). */
  trackAllTopics(): void {
    this.everyTopic = true
  }

  /**
   * Waits until `topic` has a leader for every partition, refreshing as needed (new topics take a
   * moment to elect leaders). Rejects with the topic's error once `timeoutMs` passes.
   */
  async waitForTopic(topic: string, timeoutMs = 10_000): Promise<TopicInfo> {
    this.interest.add(topic)
    const deadline = Date.now() + timeoutMs
    let lastError: unknown
    for (;;) {
      try {
        await this.refresh()
        const info = this.requireTopic(topic)
        if (info.partitions.length > 0 && info.partitions.every((p) => p.leader >= 0 && this.current.brokers.has(p.leader))) return info
        lastError = KafkaProtocolError.fromCode(ErrorCode.LEADER_NOT_AVAILABLE, { topic })
      } catch (error) {
        if (!KafkaError.isInstance(error) || !error.retriable) throw error
        lastError = error
      }
      if (Date.now() >= deadline) throw lastError
      await delay(Math.min(200, Math.max(0, deadline - Date.now())))
    }
  }

  /**
   * Refreshes now (or joins the refresh in flight). Calls made while one is in flight share one
   * follow-up request, so a burst of errors costs at most two Metadata requests.
   */
  refresh(): Promise<ClusterSnapshot> {
    if (this.closed) return Promise.reject(new ClosedError('metadata'))
    if (this.inFlight === null) {
      this.inFlight = this.runRefresh()
      return this.inFlight
    }
    if (this.queued === null) {
      this.queued = this.inFlight
        .catch(() => undefined)
        .then(() => {
          this.queued = null
          return this.refresh()
        })
    }
    return this.queued
  }

  /** Asks for a refresh soon (after the minimum interval); errors are logged, not thrown. */
  requestRefresh(reason: string): void {
    if (this.closed) return
    const wait = this.lastRefreshAt + this.refreshMinIntervalMs - Date.now()
    const run = (): void => {
      this.refresh().catch((error: unknown) => this.logger.warn({ reason, error: String(error) }, 'metadata refresh failed'))
    }
    this.logger.debug({ reason }, 'metadata refresh requested')
    if (wait <= 0) run()
    else setTimeout(run, wait).unref?.()
  }

  /**
   * Applies a leader hint from a response (KIP-951: Produce v10+ and Fetch v12+ name the new
   * leader with the NOT_LEADER_OR_FOLLOWER error) without waiting for a Metadata round trip. Only
   * a strictly newer leader epoch is applied; `endpoint` adds the broker if it is not known yet.
   * Returns whether anything changed.
   */
  applyLeaderHint(
    topic: string,
    partition: number,
    leader: number,
    leaderEpoch: number,
    endpoint?: { host: string; port: number; rack: string | null },
  ): boolean {
    const info = this.current.topics.get(topic)
    const old = info?.partitions[partition]
    if (info === undefined || old === undefined || leader < 0 || leaderEpoch <= old.leaderEpoch) return false
    let brokers = this.current.brokers
    if (!brokers.has(leader)) {
      if (endpoint === undefined) return false
      const withLeader = new Map(brokers)
      withLeader.set(leader, { nodeId: leader, ...endpoint, address: `${endpoint.host}:${endpoint.port}` })
      this.options.pool.nameBroker(`${endpoint.host}:${endpoint.port}`, leader)
      brokers = withLeader
    }
    const partitions = [...info.partitions]
    partitions[partition] = { ...old, leader, leaderEpoch }
    const topics = new Map(this.current.topics)
    topics.set(topic, { ...info, partitions })
    const previous = this.current
    this.current = { ...previous, brokers, topics }
    this.emitChanges(previous, this.current)
    return true
  }

  /** Stops the periodic refresh. */
  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.removeAllListeners()
  }

  private requireTopic(topic: string): TopicInfo {
    const info = this.current.topics.get(topic)
    if (info !== undefined) return info
    throw KafkaProtocolError.fromCode(this.topicErrors.get(topic) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic })
  }

  /** Last error code seen per requested topic that did not come back. */
  private topicErrors = new Map<string, number>()

  private async runRefresh(): Promise<ClusterSnapshot> {
    try {
      const response = await this.requestMetadata()
      this.apply(response)
      return this.current
    } finally {
      this.lastRefreshAt = Date.now()
      this.inFlight = null
      this.scheduleNext()
    }
  }

  private scheduleNext(): void {
    clearTimeout(this.timer)
    if (this.closed) return
    this.timer = setTimeout(() => this.requestRefresh('metadata max age'), this.maxAgeMs)
    this.timer.unref?.()
  }

  /** Candidate brokers: the known ones in round-robin order, then the bootstrap list (re-bootstrap). */
  private candidates(): string[] {
    const known = [...this.current.brokers.values()].map((broker) => broker.address)
    const start = known.length === 0 ? 0 : this.nextBroker++ % known.length
    const ordered = [...known.slice(start), ...known.slice(0, start)]
    for (const address of this.options.bootstrapBrokers) if (!ordered.includes(address)) ordered.push(address)
    return ordered
  }

  private async requestMetadata(): Promise<MetadataResponse> {
    const topics = this.everyTopic ? null : [...this.interest].sort().map((name) => ({ topicId: ZERO_UUID, name }))
    let lastError: unknown
    for (const address of this.candidates()) {
      let connection
      try {
        connection = await this.options.pool.get(address, 'metadata')
      } catch (error) {
        lastError = error
        if (KafkaError.isInstance(error) && !error.retriable) throw error
        this.logger.debug({ address, error: String(error) }, 'cannot reach broker for metadata; trying the next one')
        continue
      }
      try {
        const response = await connection.request(
          MetadataApi,
          MetadataApi.createRequest({
            topics,
            allowAutoTopicCreation: this.options.allowAutoTopicCreation ?? clusterMetadataDefaults.allowAutoTopicCreation,
          }),
        )
        if (response.errorCode !== 0) throw KafkaProtocolError.fromCode(response.errorCode, { apiName: 'Metadata' })
        return response
      } catch (error) {
        lastError = error
        if (!ConnectionError.isInstance(error) && !(KafkaError.isInstance(error) && error.retriable)) throw error
      }
    }
    throw lastError ?? new ConnectionError('no broker answered a Metadata request', this.options.bootstrapBrokers.join(','))
  }

  private apply(response: MetadataResponse): void {
    const previous = this.current
    const brokers = new Map<number, BrokerInfo>()
    for (const broker of response.brokers) {
      brokers.set(broker.nodeId, {
        nodeId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        address: `${broker.host}:${broker.port}`,
        rack: broker.rack,
      })
      this.options.pool.nameBroker(`${broker.host}:${broker.port}`, broker.nodeId)
    }
    const topics = new Map<string, TopicInfo>()
    // Topics we did not ask about this time keep their last known state.
    if (!this.everyTopic) for (const [name, info] of previous.topics) if (this.interest.has(name)) topics.set(name, info)
    for (const topic of response.topics) {
      if (topic.name === null) continue
      if (topic.errorCode !== 0 && topic.partitions.length === 0) {
        this.topicErrors.set(topic.name, topic.errorCode)
        if (!RETRIABLE_TOPIC_ERRORS.has(topic.errorCode)) topics.delete(topic.name)
        if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) topics.delete(topic.name)
        continue
      }
      this.topicErrors.delete(topic.name)
      const known = previous.topics.get(topic.name)
      const recreated = known !== undefined && known.topicId !== ZERO_UUID && topic.topicId !== ZERO_UUID && known.topicId !== topic.topicId
      const partitions: PartitionInfo[] = []
      for (const partition of topic.partitions) {
        const fresh: PartitionInfo = {
          topic: topic.name,
          partition: partition.partitionIndex,
          leader: partition.leaderId,
          leaderEpoch: partition.leaderEpoch,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
          offlineReplicas: partition.offlineReplicas,
          errorCode: partition.errorCode,
        }
        const old = recreated ? undefined : known?.partitions[partition.partitionIndex]
        // A broker with older metadata must not move a partition back to an older leader.
        partitions[partition.partitionIndex] = old !== undefined && fresh.leaderEpoch >= 0 && fresh.leaderEpoch < old.leaderEpoch ? old : fresh
      }
      topics.set(topic.name, { name: topic.name, topicId: topic.topicId, isInternal: topic.isInternal, partitions })
    }
    this.current = {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers,
      topics,
      updatedAt: Date.now(),
    }
    this.emitChanges(previous, this.current)
  }

  private emitChanges(previous: ClusterSnapshot, next: ClusterSnapshot): void {
    if (previous.updatedAt === 0) return
    for (const [nodeId, broker] of next.brokers) if (!previous.brokers.has(nodeId)) this.emit('brokerAdded', broker)
    for (const [nodeId, broker] of previous.brokers) if (!next.brokers.has(nodeId)) this.emit('brokerRemoved', broker)
    for (const [name, topic] of next.topics) {
      const before = previous.topics.get(name)
      if (before === undefined) continue
      if (topic.partitions.length > before.partitions.length) {
        this.emit('partitionsAdded', { topic: name, previousCount: before.partitions.length, count: topic.partitions.length })
      }
      for (const partition of topic.partitions) {
        if (partition === undefined) continue
        const old = before.partitions[partition.partition]
        if (old === undefined) continue
        if (old.leader !== partition.leader || old.leaderEpoch !== partition.leaderEpoch) {
          this.emit('leaderChanged', {
            topic: name,
            partition: partition.partition,
            previousLeader: old.leader,
            leader: partition.leader,
            previousLeaderEpoch: old.leaderEpoch,
            leaderEpoch: partition.leaderEpoch,
          })
        }
        if (old.replicas.join() !== partition.replicas.join()) {
          this.emit('replicasChanged', { topic: name, partition: partition.partition, previousReplicas: old.replicas, replicas: partition.replicas })
        }
      }
    }
    for (const name of previous.topics.keys()) if (!next.topics.has(name)) this.emit('topicRemoved', { topic: name })
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// Every option of ClusterMetadataOptions, checked against the interface by `satisfies`.
const optionNames = {
  bootstrapBrokers: true,
  pool: true,
  metadataMaxAgeMs: true,
  refreshMinIntervalMs: true,
  allowAutoTopicCreation: true,
  logger: true,
} as const satisfies Record<keyof ClusterMetadataOptions, true>

const BROKER_ADDRESS = /^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/

/**
 * Checks every option of `new ClusterMetadata()` once, at construction: a wrong or unknown one is
 * a ConfigError naming the option, the value and what is expected, not a failure at the first
 * refresh (a number as bootstrapBrokers) or a timer that fires in a tight loop (a negative interval).
 */
function checkClusterMetadataOptions(options: ClusterMetadataOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', `expected { bootstrapBrokers, pool }, got ${describeValue(options)}`)
  checkOptionNames(options, optionNames)
  const brokers: unknown = options.bootstrapBrokers
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new ConfigError('bootstrapBrokers', `expected a non-empty array of "host:port" strings (at least one bootstrap broker is needed), got ${describeValue(brokers)}`)
  }
  for (const broker of brokers as unknown[]) {
    if (typeof broker !== 'string' || !BROKER_ADDRESS.test(broker.trim())) {
      throw new ConfigError('bootstrapBrokers', `expected "host:port" strings (for example "kafka-1.internal:9092"), got ${describeValue(broker)}`)
    }
  }
  const pool = options.pool as { get?: unknown } | null | undefined
  if (typeof pool !== 'object' || pool === null || typeof pool.get !== 'function') {
    throw new ConfigError('pool', `expected the client's ConnectionPool, got ${describeValue(options.pool)}`)
  }
  for (const name of ['metadataMaxAgeMs', 'refreshMinIntervalMs'] as const) {
    const value = options[name]
    // metadataMaxAgeMs 0 would refresh in a loop; refreshMinIntervalMs 0 only drops the throttle.
    const min = name === 'metadataMaxAgeMs' ? 1 : 0
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1)) {
      throw new ConfigError(name, `expected an integer number of milliseconds from ${min} to ${2 ** 31 - 1}, got ${describeValue(value)}`)
    }
  }
  if (options.allowAutoTopicCreation !== undefined && typeof options.allowAutoTopicCreation !== 'boolean') {
    throw new ConfigError('allowAutoTopicCreation', `expected true or false, got ${describeValue(options.allowAutoTopicCreation)}`)
  }
}
