import { ErrorCode, apiByKey, apis, randomUuid, type ApiDefinition, type ErrorCodeName } from '@kafkats/protocol'
import { BrokerServer, type FaultRule, type RequestLogEntry } from './broker-server.js'
import { supportsInjectedError } from './error-response.js'
import { FakeClusterError } from './fake-cluster-error.js'
import { GroupCoordinator } from './groups.js'
import { HANDLERS, ProducerIdManager, coordinatorFor, type Services } from './handlers.js'
import { ClusterModel, wake, type PartitionState } from './model.js'
import { TransactionCoordinator } from './transactions.js'
import { REQUEST_LOG_MAX_BYTES, RequestLog } from './request-log.js'
import { loadCluster, saveCluster, storedClusterId } from './storage.js'
import { WorkerLink } from './worker-link.js'
import type { Duplex } from 'node:stream'

export interface FakeClusterOptions {
  /** Number of brokers (ids 1..n). Default 3. */
  brokers?: number
  /** broker.rack of each broker, in id order (shorter list: the rest have no rack). Default: none. */
  racks?: ReadonlyArray<string | null>
  /** Listener host. Default 127.0.0.1. */
  host?: string
  /** Fixed ports per broker, in id order (default: ephemeral ports). */
  ports?: readonly number[]
  /** Kafka's num.partitions for auto-created topics and CreateTopics with -1. Default 1. */
  numPartitions?: number
  /** Kafka's default.replication.factor (capped at the broker count). Default 1. */
  defaultReplicationFactor?: number
  /** Kafka's auto.create.topics.enable. Default true. */
  autoCreateTopics?: boolean
  /** Kafka's group.initial.rebalance.delay.ms. Default 0 (Kafka's default 3000 only slows tests). */
  groupInitialRebalanceDelayMs?: number
  /** Kafka's group.consumer.heartbeat.interval.ms. Default 500 (Kafka: 5000). */
  consumerHeartbeatIntervalMs?: number
  /** Kafka's group.consumer.session.timeout.ms. Default 45000. */
  consumerSessionTimeoutMs?: number
  /**
   * The finalized `transaction.version` feature ApiVersions reports: 2 (Kafka 4.x's default; KIP-890
   * part 2: partitions are added by the leader, every EndTxn bumps the epoch) or 1 (the classic
   * protocol: AddPartitionsToTxn/AddOffsetsToTxn, as with Kafka 3.x). Default 2.
   */
  transactionVersion?: 1 | 2
  /**
   * How long a transaction's COMMIT/ABORT markers take to reach its partitions after EndTxn (or a
   * timeout or fence) was answered; meanwhile the transaction is PrepareCommit/PrepareAbort, its
   * producer's next calls get CONCURRENT_TRANSACTIONS (NOT_ENOUGH_REPLICAS for Produce) and
   * read_committed readers stay at the last stable offset before it. Default 0: the markers are
   * written right after the answer (a real broker takes a few milliseconds).
   */
  transactionMarkerDelayMs?: number
  /** The cluster id Metadata reports. Default: random. */
  clusterId?: string
  /**
   * Run the brokers in a worker thread: their own event loop and heap, so a busy client under test
   * (and its garbage collector) does not slow them down, nor they it, and a second core can serve
   * them. The controls work the same (synchronous ones block the caller until the worker answered),
   * except that `match` predicates cannot cross threads (use `broker`) and `requests` is a copy.
   * Default false.
   */
  thread?: boolean
  /**
   * Keep the cluster's data in this directory: topics, their records (each partition's batches
   * as a Kafka log segment lays them out), committed offsets, producer ids and transactional ids
   * are written when the cluster closes, and a cluster started on the same directory (with at
   * least the brokers its replicas name) has them back, with the same offsets and topic ids.
   * Default: memory only.
   */
  dataDir?: string
  /**
   * How many requests `requests` keeps; past it the oldest are dropped (counted in
   * `requestsDropped`). 0 keeps none. Default: every request (Infinity).
   */
  requestLogMaxEntries?: number
  /**
   * How many bytes of decoded requests (their size on the wire) `requests` keeps: past it the
   * oldest entries stay, with `request: undefined`. A decoded Produce request holds its record
   * batches, deleted topics or not, so keeping every one would hold every byte a test suite
   * produced. Default 64 MiB; Infinity keeps every decoded request.
   */
  requestLogMaxBytes?: number
  /** Topics to create before start() resolves (those already in `dataDir` are kept as they are). */
  topics?: ReadonlyArray<{ name: string; partitions?: number; replicationFactor?: number; configs?: Record<string, string> }>
}

/** Names an API by its Kafka name (`'Fetch'`) or its definition (`FetchApi`). */
export type ApiSelector = string | ApiDefinition<unknown, unknown>

export interface FaultOptions {
  api: ApiSelector
  /** How many matching requests it applies to. Default 1; Infinity until clearFaults(). */
  times?: number
  /** Only requests to this broker. */
  broker?: number
  /** Only requests this predicate accepts. */
  match?: (entry: RequestLogEntry) => boolean
}

export interface InjectErrorOptions extends FaultOptions {
  /** Kafka's error name (`'NOT_LEADER_OR_FOLLOWER'`) or code. */
  error: ErrorCodeName | number
}

export interface DelayOptions extends FaultOptions {
  ms: number
}

export interface TopicPartitionRef {
  topic: string
  partition: number
}

/** What a test sees of a partition (read-only snapshot). */
export interface PartitionInfo {
  topic: string
  partition: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  logStartOffset: bigint
  logEndOffset: bigint
  highWatermark: bigint
  /** Where read_committed consumers stop: before the oldest open transaction, else the high watermark. */
  lastStableOffset: bigint
}

/**
 * An in-process Kafka cluster for tests: `brokers` brokers on real TCP listeners (127.0.0.1,
 * ephemeral ports), answering with Kafka 4.3.1's semantics from memory. Any client connects to
 * `bootstrap`; the controls (`kill`, `restart`, `moveLeader`, `setFollowerLag`, `injectError`,
 * `dropResponse`, `delay`) and `requests` let a test steer and observe it.
 */
export class FakeCluster {
  private readonly log: RequestLog
  private readonly model: ClusterModel
  private readonly servers: BrokerServer[]
  private readonly coordinator: GroupCoordinator
  private transactions: TransactionCoordinator | null = null
  private readonly faults: FaultRule[] = []
  private closed = false
  private services: Services | null = null
  private dataDir: string | null = null
  /** Set when the brokers run in a worker thread (`thread: true`): every control is forwarded there. */
  private readonly remote: WorkerLink | null

  private constructor(model: ClusterModel, services: Services | null, brokers: number[], coordinator: GroupCoordinator, log: RequestLog, remote: WorkerLink | null = null) {
    this.model = model
    this.log = log
    this.coordinator = coordinator
    this.remote = remote
    this.servers = services === null ? [] : brokers.map((id) => new BrokerServer(model.broker(id)!, services, { log: (entry, sizeBytes) => this.log.push(entry, sizeBytes), faults: this.faults }))
  }

  /**
   * Every request received, oldest first (see `clearRequests`; past `requestLogMaxEntries` the
   * oldest are dropped), the newest within `requestLogMaxBytes` with their decoded `request`, older
   * ones with `request: undefined`. A snapshot, which later requests do not change.
   */
  get requests(): RequestLogEntry[] {
    if (this.remote !== null) return this.remote.callSync('get:requests') as RequestLogEntry[]
    return this.log.entries()
  }

  /** Entries dropped from `requests` past `requestLogMaxEntries` (since the start or `clearRequests`). */
  get requestsDropped(): number {
    if (this.remote !== null) return this.remote.callSync('get:requestsDropped') as number
    return this.log.dropped
  }

  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const count = options.brokers ?? 3
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new FakeClusterError(`brokers must be an integer from 1 to 100, got ${String(count)}`)
    if (options.racks !== undefined && options.racks.length > count) throw new FakeClusterError(`racks names ${options.racks.length} racks for ${count} brokers`)
    if (options.ports !== undefined && options.ports.length !== count) throw new FakeClusterError(`ports must name one port per broker (${count}), got ${options.ports.length}`)
    // Checked here too so that bad options fail before a worker thread is started for them.
    const log = new RequestLog(options.requestLogMaxEntries ?? Infinity, options.requestLogMaxBytes ?? REQUEST_LOG_MAX_BYTES)
    if (options.thread === true) return FakeCluster.startThread(options, log)
    const stored = options.dataDir === undefined ? null : storedClusterId(options.dataDir)
    const model = new ClusterModel(stored ?? options.clusterId ?? randomUuid())
    const host = options.host ?? '127.0.0.1'
    for (let i = 0; i < count; i++) model.brokers.push({ id: i + 1, rack: options.racks?.[i] ?? null, host, port: 0, alive: true })
    const coordinator = new GroupCoordinator(model, {
      initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
      consumerHeartbeatIntervalMs: options.consumerHeartbeatIntervalMs ?? 500,
      consumerSessionTimeoutMs: options.consumerSessionTimeoutMs ?? 45_000,
    })
    const transactionVersion = options.transactionVersion ?? 2
    if (transactionVersion !== 1 && transactionVersion !== 2) throw new FakeClusterError(`transactionVersion must be 1 or 2, got ${String(transactionVersion)}`)
    const markerDelayMs = options.transactionMarkerDelayMs ?? 0
    if (!(markerDelayMs >= 0)) throw new FakeClusterError(`transactionMarkerDelayMs must be >= 0, got ${String(markerDelayMs)}`)
    const producerIds = new ProducerIdManager()
    const services: Services = {
      model,
      groups: coordinator,
      producerIds,
      transactions: new TransactionCoordinator(model, coordinator, () => producerIds.allocate(), transactionVersion, markerDelayMs),
      defaults: {
        numPartitions: options.numPartitions ?? 1,
        defaultReplicationFactor: options.defaultReplicationFactor ?? 1,
        autoCreateTopics: options.autoCreateTopics ?? true,
      },
    }
    if (options.dataDir !== undefined) loadCluster(options.dataDir, services)
    const cluster = new FakeCluster(model, services, model.brokers.map((b) => b.id), coordinator, log)
    cluster.transactions = services.transactions
    cluster.services = services
    cluster.dataDir = options.dataDir ?? null
    try {
      await Promise.all(cluster.servers.map((s, i) => s.listen(options.ports?.[i] ?? 0)))
    } catch (error) {
      await cluster.close()
      throw error
    }
    for (const t of options.topics ?? []) if (!model.topics.has(t.name)) cluster.createTopic(t.name, t)
    return cluster
  }

  /** `log`: unused on this side (the worker keeps the real one), made by `start` to check the options. */
  private static async startThread(options: FakeClusterOptions, log: RequestLog): Promise<FakeCluster> {
    const { link, ports } = await WorkerLink.start({ ...options, thread: false })
    // The main thread keeps only the addresses (they never change, restart reuses the port).
    const model = new ClusterModel(options.clusterId ?? '')
    const host = options.host ?? '127.0.0.1'
    ports.forEach((port, i) => model.brokers.push({ id: i + 1, rack: options.racks?.[i] ?? null, host, port, alive: true }))
    // Unused on this side (the worker runs the real one); closed at once so its tick timer never runs.
    const coordinator = new GroupCoordinator(model, { initialRebalanceDelayMs: 0, consumerHeartbeatIntervalMs: 500, consumerSessionTimeoutMs: 45_000 })
    coordinator.close()
    return new FakeCluster(model, null, [], coordinator, log, link)
  }

  /** `host:port` of every broker, broker 1 first (alive or not: a client's bootstrap list). */
  get bootstrap(): string[] {
    return this.model.brokers.map((b) => `${b.host}:${b.port}`)
  }

  /** `bootstrap` joined with commas (for bootstrap.servers). */
  get bootstrapServers(): string {
    return this.bootstrap.join(',')
  }

  /**
   * Connects a client in this process to the brokers in memory instead of over loopback TCP: pass
   * it as kafkats's `socketFactory` option (`new Kafka({ bootstrapBrokers: cluster.bootstrap,
   * socketFactory: cluster.socketFactory })`). Same requests, answers, request log and controls; a
   * killed broker cuts its in-memory connections as it cuts TCP ones. Addresses that are not a
   * listening broker of this cluster (a killed one, or another cluster's) get `undefined`, so the
   * client dials TCP and is refused as it would be. Only for brokers in this thread: a cluster
   * started with `thread: true` is reached over TCP.
   */
  get socketFactory(): (target: { host: string; port: number }) => Duplex | undefined {
    if (this.remote !== null) throw new FakeClusterError('socketFactory connects clients to brokers in the same thread; a cluster started with thread: true is reached over TCP (cluster.bootstrap)')
    return this.connectInMemory
  }

  private readonly connectInMemory = (target: { host: string; port: number }): Duplex | undefined => {
    if (this.closed || typeof target !== 'object' || target === null) return undefined
    for (const server of this.servers) {
      const { host, port } = server.state
      if (target.port === port && (target.host === host || target.host === 'localhost') && server.isListening) return server.connectInMemory()
    }
    return undefined
  }

  get clusterId(): string {
    if (this.remote !== null) return this.remote.callSync('get:clusterId') as string
    return this.model.clusterId
  }

  /** Brokers with id, address, rack and whether they run. */
  get brokers(): Array<{ id: number; host: string; port: number; rack: string | null; alive: boolean }> {
    if (this.remote !== null) return this.remote.callSync('get:brokers') as Array<{ id: number; host: string; port: number; rack: string | null; alive: boolean }>
    return this.model.brokers.map((b) => ({ ...b }))
  }

  /** Creates a topic directly (as an admin client would). */
  createTopic(name: string, options: { partitions?: number; replicationFactor?: number; configs?: Record<string, string>; replicas?: number[][] } = {}): void {
    if (this.remote !== null) {
      this.remote.callSync('createTopic', [name, options])
      return
    }
    if (this.model.topics.has(name)) throw new FakeClusterError(`topic ${name} already exists`)
    const partitions = options.replicas?.length ?? options.partitions ?? 1
    const rf = options.replicas?.[0]?.length ?? options.replicationFactor ?? Math.min(3, this.model.brokers.length)
    if (rf > this.model.brokers.length) throw new FakeClusterError(`replicationFactor ${rf} exceeds the ${this.model.brokers.length} brokers`)
    this.model.createTopic(name, partitions, rf, new Map(Object.entries(options.configs ?? {})), options.replicas)
  }

  /** A snapshot of one partition's leader, replicas and offsets. */
  partition(topic: string, partition: number): PartitionInfo {
    if (this.remote !== null) return this.remote.callSync('partition', [topic, partition]) as PartitionInfo
    const p = this.partitionState(topic, partition)
    return {
      topic,
      partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: [...p.replicas],
      isr: this.model.isr(p),
      logStartOffset: BigInt(p.log.logStartOffset),
      logEndOffset: BigInt(p.log.endOffset),
      highWatermark: BigInt(p.log.endOffset),
      lastStableOffset: BigInt(Math.min(p.log.endOffset, p.log.firstUnstableOffset())),
    }
  }

  /** Topic names. */
  topics(): string[] {
    if (this.remote !== null) return this.remote.callSync('topics') as string[]
    return [...this.model.topics.keys()]
  }

  /**
   * Crash `broker`: its listener closes and every connection to it is cut; the partitions it
   * led get the next alive replica as leader (new leader epoch), as the controller would.
   */
  async kill(broker: number): Promise<void> {
    if (this.remote !== null) return void (await this.remote.call('kill', [broker]))
    const server = this.server(broker)
    if (!server.state.alive) return
    server.state.alive = false
    await server.close()
    for (const topic of this.model.topics.values()) {
      for (const partition of topic.partitions) if (partition.leader === broker) this.model.electLeader(partition)
    }
    this.model.metadataVersion++
  }

  /** Restarts a killed broker on its old port; partitions without a leader get it back. */
  async restart(broker: number): Promise<void> {
    if (this.remote !== null) return void (await this.remote.call('restart', [broker]))
    const server = this.server(broker)
    if (server.state.alive) return
    await server.listen(server.state.port)
    server.state.alive = true
    for (const topic of this.model.topics.values()) {
      for (const partition of topic.partitions) if (partition.leader === -1 && partition.replicas.includes(broker)) this.model.electLeader(partition, broker)
    }
    this.model.metadataVersion++
  }

  /** Makes `broker` (a replica) the leader of the partition, with a new leader epoch. */
  moveLeader(tp: TopicPartitionRef, broker: number): void {
    if (this.remote !== null) return void this.remote.callSync('moveLeader', [tp, broker])
    const p = this.partitionState(tp.topic, tp.partition)
    if (!p.replicas.includes(broker)) throw new FakeClusterError(`broker ${broker} is not a replica of ${tp.topic}-${tp.partition} (replicas ${p.replicas.join(', ')})`)
    if (this.model.broker(broker)?.alive !== true) throw new FakeClusterError(`broker ${broker} is not running`)
    p.followerLag.delete(broker)
    this.model.electLeader(p, broker)
  }

  /**
   * Makes the follower `broker` lag `records` behind the leader's log end (0 = caught up): it
   * serves fetches only up to there, answers OFFSET_OUT_OF_RANGE past it, and leaves the ISR.
   */
  setFollowerLag(tp: TopicPartitionRef, broker: number, records: number): void {
    if (this.remote !== null) return void this.remote.callSync('setFollowerLag', [tp, broker, records])
    const p = this.partitionState(tp.topic, tp.partition)
    if (!p.replicas.includes(broker) || p.leader === broker) throw new FakeClusterError(`broker ${broker} is not a follower of ${tp.topic}-${tp.partition} (leader ${p.leader}, replicas ${p.replicas.join(', ')})`)
    if (!Number.isInteger(records) || records < 0) throw new FakeClusterError(`records must be a non-negative integer, got ${records}`)
    if (records === 0) p.followerLag.delete(broker)
    else p.followerLag.set(broker, records)
    wake(p)
  }

  /**
   * Flips one byte of the stored record batch that holds `offset`, so that its CRC-32C no longer
   * matches, as a bad disk or a bit flip in transit would: consumers that verify checksums
   * (kafkats, the Java client with `check.crcs`) refuse the batch with CORRUPT_MESSAGE. As a
   * Kafka broker does, the fake serves it as it is. The request log keeps what the producer sent
   * (the log gets a corrupted copy of the batch). Returns the batch's first and last offset.
   */
  corruptBatch(tp: TopicPartitionRef, offset: number): { baseOffset: number; lastOffset: number } {
    if (this.remote !== null) return this.remote.callSync('corruptBatch', [tp, offset]) as { baseOffset: number; lastOffset: number }
    if (!Number.isSafeInteger(offset) || offset < 0) throw new FakeClusterError(`offset must be a non-negative integer, got ${String(offset)}`)
    const log = this.partitionState(tp.topic, tp.partition).log
    const batch = log.batches[log.batchIndexFor(offset)]
    if (batch === undefined || batch.baseOffset > offset) throw new FakeClusterError(`no stored batch of ${tp.topic}-${tp.partition} holds offset ${offset} (log ${log.logStartOffset}..${log.endOffset})`)
    // A copy (`slice` of a Buffer, which the request's bytes are, would be a view of them).
    const bytes = new Uint8Array(batch.bytes)
    // The last byte belongs to the last record, which the CRC covers (attributes to the end).
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
    batch.bytes = bytes
    return { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset }
  }

  /** Answers the next matching request(s) with `error` instead of handling them. */
  injectError(options: InjectErrorOptions): void {
    if (this.remote !== null) return void this.remote.callSync('injectError', [this.portable(options)])
    const api = this.api(options.api)
    if (!supportsInjectedError(api)) throw new FakeClusterError(`cannot inject an error into ${api.name}: its response has no error code`)
    const errorCode = typeof options.error === 'number' ? options.error : ErrorCode[options.error]
    if (errorCode === undefined) throw new FakeClusterError(`unknown Kafka error ${String(options.error)}`)
    this.addFault(options, api, 'error', errorCode, 0)
  }

  /** Handles the next matching request(s) but never answers (the client's request times out). */
  dropResponse(options: FaultOptions): void {
    if (this.remote !== null) return void this.remote.callSync('dropResponse', [this.portable(options)])
    this.addFault(options, this.api(options.api), 'drop', 0, 0)
  }

  /** Handles the next matching request(s) and answers after `ms`. */
  delay(options: DelayOptions): void {
    if (this.remote !== null) return void this.remote.callSync('delay', [this.portable(options)])
    if (!(options.ms >= 0)) throw new FakeClusterError(`delay ms must be >= 0, got ${options.ms}`)
    this.addFault(options, this.api(options.api), 'delay', 0, options.ms)
  }

  /** Closes the connection on the next matching request(s), without answering. */
  closeConnection(options: FaultOptions): void {
    if (this.remote !== null) return void this.remote.callSync('closeConnection', [this.portable(options)])
    this.addFault(options, this.api(options.api), 'close', 0, 0)
  }

  clearFaults(): void {
    if (this.remote !== null) return void this.remote.callSync('clearFaults')
    this.faults.length = 0
  }

  clearRequests(): void {
    if (this.remote !== null) return void this.remote.callSync('clearRequests')
    this.log.clear()
  }

  /** Requests of one API (by Kafka name, e.g. 'Fetch'), optionally to one broker. */
  requestsOf(api: ApiSelector, broker?: number): RequestLogEntry[] {
    const key = this.api(api).apiKey
    return this.requests.filter((r) => r.apiKey === key && (broker === undefined || r.broker === broker))
  }

  /** Broker that coordinates a group (FindCoordinator's answer). */
  coordinatorOf(groupId: string): number {
    if (this.remote !== null) return this.remote.callSync('coordinatorOf', [groupId]) as number
    return coordinatorFor(this.model, groupId)?.id ?? -1
  }

  /** Cuts every client connection of `broker` (it keeps running). */
  dropConnections(broker: number): void {
    if (this.remote !== null) return void this.remote.callSync('dropConnections', [broker])
    this.server(broker).dropConnections()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.remote !== null) {
      await this.remote.call('close').catch(() => undefined)
      await this.remote.terminate()
      return
    }
    this.coordinator.close()
    this.transactions?.close()
    for (const topic of this.model.topics.values()) for (const p of topic.partitions) wake(p)
    await Promise.all(this.servers.map((s) => s.close()))
    if (this.dataDir !== null && this.services !== null) saveCluster(this.dataDir, this.services)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Fault options as they can cross to the worker thread: an ApiDefinition by name, no predicate. */
  private portable<T extends FaultOptions>(options: T): T {
    if (options.match !== undefined) throw new FakeClusterError('match predicates cannot cross to the worker thread (thread: true): select by api and broker')
    return { ...options, api: typeof options.api === 'string' ? options.api : options.api.name }
  }

  private server(broker: number): BrokerServer {
    const server = this.servers.find((s) => s.state.id === broker)
    if (server === undefined) throw new FakeClusterError(`no broker ${broker} (brokers are 1..${this.servers.length})`)
    return server
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const t = this.model.topics.get(topic)
    if (t === undefined) throw new FakeClusterError(`no topic ${topic}`)
    const p = t.partitions[partition]
    if (p === undefined) throw new FakeClusterError(`topic ${topic} has no partition ${partition} (it has ${t.partitions.length})`)
    return p
  }

  private api(selector: ApiSelector): ApiDefinition<unknown, unknown> {
    const api = typeof selector === 'string' ? apis.find((a) => a.name === selector) : apiByKey(selector.apiKey)
    if (api === undefined) throw new FakeClusterError(`unknown Kafka API ${typeof selector === 'string' ? selector : selector.name}`)
    if (!HANDLERS.has(api)) throw new FakeClusterError(`the fake cluster does not implement ${api.name}`)
    return api
  }

  private addFault(options: FaultOptions, api: ApiDefinition<unknown, unknown>, kind: FaultRule['kind'], errorCode: number, delayMs: number): void {
    const times = options.times ?? 1
    if (!(times >= 1)) throw new FakeClusterError(`times must be >= 1, got ${times}`)
    this.faults.push({
      apiKey: api.apiKey,
      kind,
      errorCode,
      delayMs,
      remaining: times,
      match: { ...(options.broker === undefined ? {} : { broker: options.broker }), ...(options.match === undefined ? {} : { where: options.match }) },
    })
  }
}
