import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls'
import { Admin, type AdminOptions } from '@kafkats/admin'
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION, ConnectionPool, type Logger, type LoggerLike, type SaslOptions, type SocketFactory, toLogger } from '@kafkats/connection'
import { type Assignment, DirectConsumer, type DirectConsumerOptions, type FetchedRecord, GroupConsumer, type GroupConsumerOptions } from '@kafkats/consumer'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer, type ProducerOptions } from '@kafkats/producer-sink'
import { type ApiDefinition, ClosedError, ConfigError, InvalidArgumentError, KafkaError, ZERO_UUID, checkOptionNames, crc32cImplementation } from '@kafkats/protocol'
import { ClientMetrics } from './telemetry/client-metrics.js'
import { ClientTelemetry } from './telemetry/client-telemetry.js'
import type { ConsumerMetrics, KafkaMetrics } from './metrics.js'

export interface KafkaOptions {
  /** Bootstrap brokers as `host:port`. Java: bootstrap.servers */
  bootstrapBrokers: readonly string[]
  /** Default 'kafkats'. Java: client.id */
  clientId?: string
  /** The rack (zone) this client runs in: consumers fetch from the closest replica (KIP-392). Default none. Java: client.rack */
  rack?: string
  /** Default none. Java: sasl.mechanism + sasl.jaas.config */
  sasl?: SaslOptions
  /** `true` for TLS with the system CAs, or Node's TLS options (ca, cert, key…). Default off. Java: security.protocol=SSL */
  tls?: boolean | TlsConnectionOptions
  /** A pino logger, `console`, or anything with debug, info, warn and error methods. Default silent. */
  logger?: LoggerLike
  /** Default 10 000. Java: socket.connection.setup.timeout.ms */
  connectTimeoutMs?: number
  /** Default 30 000. Java: request.timeout.ms */
  requestTimeoutMs?: number
  /** Default 300 000. Java: metadata.max.age.ms */
  metadataMaxAgeMs?: number
  /**
   * Let the brokers create a topic the first time a producer asks for it (only where the cluster
   * allows it, `auto.create.topics.enable`). Default false: sending to a missing topic fails with
   * a message saying to create it. Java: allow.auto.create.topics
   */
  allowAutoTopicCreation?: boolean
  /**
   * Push this client's metrics to the cluster when the cluster asks for them (KIP-714: a broker
   * with a client telemetry receiver and a client-metrics subscription that matches this client).
   * Without both, the client asks once and then every push interval, and sends nothing else.
   * What is pushed: packages/kafkats/README.md, "Client telemetry". Default true.
   * Java: enable.metrics.push
   */
  enableMetricsPush?: boolean
  /**
   * Opens the stream to a broker instead of a TCP socket; `undefined` from it: TCP for that
   * address. For brokers in this process (`@kafkats/fake`: `socketFactory: cluster.socketFactory`
   * connects in memory), tunnels, proxies. Default none: TCP. KafkaJS: socketFactory
   */
  socketFactory?: SocketFactory
}

/** Options of `kafka.connect()`. */
export interface ConnectOptions {
  /** How long to try bootstrap, authentication and the first metadata before failing. Default 10 000. */
  timeoutMs?: number
}

/** Options of `kafka.consumer()` for a direct consumer: the application assigns partitions. */
export type DirectConsumerConfig<R = FetchedRecord> = Omit<DirectConsumerOptions<R>, 'metadata' | 'pool' | 'logger' | 'rack'> & { assign: Assignment }
/** Options of `kafka.consumer()` for a group consumer: the group coordinator assigns partitions. */
export type GroupConsumerConfig<R = FetchedRecord> = Omit<GroupConsumerOptions<R>, 'metadata' | 'pool' | 'logger' | 'rack'>

interface Closable {
  close(): Promise<void> | void
}

/**
 * The kafkats client: one connection pool and one cluster view shared by every producer,
 * consumer and admin it creates.
 *
 * ```ts
 * const kafka = new Kafka({ bootstrapBrokers: ['127.0.0.1:19092'], clientId: 'billing', rack: 'rack-2' })
 * const producer = kafka.producer()
 * await producer.send({ topic: 'orders', key: 'customer-42', value: 'hello' })
 * await kafka.close()
 * ```
 */
export class Kafka {
  readonly metadata: ClusterMetadata
  readonly pool: ConnectionPool
  /** The `clientId` every request carries (default 'kafkats'): what telemetry reports as `messaging.client.id`. */
  readonly clientId: string
  private readonly options: KafkaOptions
  private readonly logger: Logger
  private readonly children = new Set<Closable>()
  // Held for metrics() only while open: a closed producer or consumer leaves at the next snapshot.
  private readonly producers = new Set<Producer>()
  private readonly consumers = new Set<DirectConsumer<unknown> | GroupConsumer<unknown>>()
  private closed = false
  private readonly clientMetrics = new ClientMetrics()
  private readonly telemetry: ClientTelemetry | null
  /** The one broker telemetry goes to (KIP-714: any broker; a new one after a failure). */
  private telemetryBroker: string | null = null

  constructor(options: KafkaOptions) {
    checkKafkaOptions(options)
    this.options = options
    this.clientId = options.clientId ?? 'kafkats'
    this.logger = toLogger(options.logger)
    // Which CRC-32C checks record batches decides much of the consume cost: say it once, at debug.
    this.logger.debug({ crc32c: crc32cImplementation() }, 'record batch CRC-32C implementation (native: @node-rs/crc32; js: the portable tables)')
    this.pool = new ConnectionPool({
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.socketFactory !== undefined ? { socketFactory: options.socketFactory } : {}),
      logger: this.logger,
      // Diagnostics messages carry this client as `owner`: a subscriber can pick its own client's
      // requests out of the process-wide channels (clientIds need not be unique).
      owner: this,
    })
    this.metadata = new ClusterMetadata({
      bootstrapBrokers: options.bootstrapBrokers,
      pool: this.pool,
      logger: this.logger,
      ...(options.metadataMaxAgeMs !== undefined ? { metadataMaxAgeMs: options.metadataMaxAgeMs } : {}),
      ...(options.allowAutoTopicCreation !== undefined ? { allowAutoTopicCreation: options.allowAutoTopicCreation } : {}),
    })
    this.telemetry =
      options.enableMetricsPush === false
        ? null
        : new ClientTelemetry({
            transport: (api, request) => this.telemetryRequest(api, request),
            collect: () => this.clientMetrics.sample(),
            resourceAttributes: { client_id: options.clientId ?? 'kafkats', client_software_name: CLIENT_SOFTWARE_NAME, client_software_version: CLIENT_SOFTWARE_VERSION },
            logger: this.logger,
            retryBackoffMs: 5_000,
          })
  }

  /**
   * The id the cluster gave this client for its telemetry (KIP-714), in Kafka's text form; null
   * while it has none (before the first producer or consumer, when the brokers do not take
   * telemetry, or with `enableMetricsPush: false`). Brokers log and export metrics under it.
   * Java: KafkaProducer#clientInstanceId
   */
  clientInstanceId(): string | null {
    const id = this.telemetry?.clientInstanceId
    return id === undefined || id === ZERO_UUID ? null : id
  }

  /**
   * Checks now that the cluster is usable: connects to a bootstrap broker, authenticates, and
   * reads the cluster metadata, within `timeoutMs`. Rejects at once with the typed error
   * (ConnectionError, AuthenticationError, a TLS hint, ...) instead of letting the first `send`
   * wait for its delivery timeout. Optional: clients connect lazily without it.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    this.checkOpen()
    const timeoutMs = options.timeoutMs ?? 10_000
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidArgumentError('timeoutMs', timeoutMs, 'an integer >= 1 (milliseconds)')
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KafkaError(`no answer from the cluster (${this.options.bootstrapBrokers.join(', ')}) within ${timeoutMs} ms`, { errorName: 'REQUEST_TIMED_OUT', retriable: true })),
        timeoutMs,
      )
    })
    const refreshed = this.metadata.refresh()
    // The loser of the race must not become an unhandled rejection.
    refreshed.catch(() => undefined)
    try {
      await Promise.race([refreshed, deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  /** An idempotent producer (acks=all, up to 5 requests in flight per broker) unless told otherwise. */
  producer(options: ProducerOptions = {}): Producer {
    this.checkOpen()
    checkNames(options, producerOptionNames)
    const producer = new Producer({ logger: this.logger, ...options, metadata: this.metadata, pool: this.pool })
    if (this.telemetry !== null) {
      this.clientMetrics.addProducer(producer)
      this.telemetry.start()
    }
    this.producers.add(producer)
    return this.track(producer)
  }

  admin(options: Omit<AdminOptions, 'metadata' | 'pool'> = {}): Admin {
    this.checkOpen()
    checkNames(options, adminOptionNames)
    const admin = new Admin({ logger: this.logger, ...options, metadata: this.metadata, pool: this.pool })
    this.children.add({ close: () => undefined })
    return admin
  }

  /**
   * A direct consumer (`{ assign }`: offsets from `Offset` helpers or exactly as `admin.listOffsets`
   * / `admin.fetchOffsets` return them) or a group consumer (`{ groupId, topics }`).
   */
  consumer<R = FetchedRecord>(options: DirectConsumerConfig<R>): DirectConsumer<R>
  consumer<R = FetchedRecord>(options: GroupConsumerConfig<R>): GroupConsumer<R>
  consumer(options: DirectConsumerConfig<unknown> | GroupConsumerConfig<unknown>): DirectConsumer<unknown> | GroupConsumer<unknown> {
    this.checkOpen()
    const shared = { metadata: this.metadata, pool: this.pool, logger: this.logger, ...(this.options.rack !== undefined ? { rack: this.options.rack } : {}) }
    if ('groupId' in options) {
      if (typeof options.groupId !== 'string' || options.groupId === '') throw new ConfigError('groupId', 'a group consumer needs a non-empty groupId')
      checkNames(options, groupConsumerOptionNames)
      const group = this.measured(this.track(new GroupConsumer({ ...options, ...shared })))
      this.consumers.add(group)
      return group
    }
    if (!('assign' in options)) throw new ConfigError('consumer', 'give either { assign } for a direct consumer or { groupId, topics } for a group consumer')
    checkNames(options, directConsumerOptionNames)
    const direct = this.measured(this.track(new DirectConsumer({ ...options, ...shared })))
    this.consumers.add(direct)
    return direct
  }

  /**
   * A snapshot of the client for people without OpenTelemetry: per broker request counts, rate,
   * bytes and latency (with a histogram) and the requests in flight; per producer the buffer use
   * and progress; per consumer each partition's lag and fetch source (leader or preferred
   * replica). Plain objects, nothing kept: take one per scrape (`toPrometheusText` renders it).
   */
  metrics(): KafkaMetrics {
    const brokers = this.pool.requestMetrics()
    for (const producer of this.producers) if (producer.isClosed) this.producers.delete(producer)
    for (const consumer of this.consumers) if (consumer.isClosed) this.consumers.delete(consumer)
    return {
      timestampMs: Date.now(),
      crc32cImplementation: crc32cImplementation(),
      brokers,
      inFlightRequests: brokers.reduce((sum, broker) => sum + broker.inFlightRequests, 0),
      producers: [...this.producers].map((producer) => producer.metrics()),
      consumers: [...this.consumers].map(
        (consumer): ConsumerMetrics => ({
          groupId: consumer instanceof GroupConsumer ? consumer.groupId : null,
          partitions: consumer.partitionMetrics(),
          fetchesByBroker: [...consumer.brokerCounters()].map(([nodeId, counters]) => ({ nodeId, ...counters })),
        }),
      ),
    }
  }

  /** Closes every producer (after flushing), consumer and admin it created, then the connections. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const results = await Promise.allSettled([...this.children].map((child) => child.close()))
    // after the clients closed, so the terminating push carries their final counts
    await this.telemetry?.close()
    this.metadata.close()
    this.pool.close()
    for (const result of results) if (result.status === 'rejected') this.logger.warn({ error: String(result.reason) }, 'a client failed to close cleanly')
  }

  private measured<T extends DirectConsumer<unknown> | GroupConsumer<unknown>>(consumer: T): T {
    if (this.telemetry !== null) {
      this.clientMetrics.addConsumer(consumer)
      this.telemetry.start()
    }
    return consumer
  }

  /** Sends a telemetry request to the telemetry broker, choosing one at random the first time and after a failure. */
  private async telemetryRequest<Request, Response>(api: ApiDefinition<Request, Response>, request: Request): Promise<Response> {
    if (this.telemetryBroker === null) {
      let brokers = [...this.metadata.snapshot.brokers.values()]
      if (brokers.length === 0) brokers = [...(await this.metadata.refresh()).brokers.values()]
      const broker = brokers[Math.floor(Math.random() * brokers.length)]
      if (broker === undefined) throw new KafkaError('no broker is known to send client telemetry to', { errorName: 'LEADER_NOT_AVAILABLE', retriable: true })
      this.telemetryBroker = broker.address
    }
    try {
      const connection = await this.pool.get(this.telemetryBroker, 'metadata')
      return await connection.request(api, request)
    } catch (error) {
      this.telemetryBroker = null
      throw error
    }
  }

  private track<T extends Closable>(child: T): T {
    this.children.add(child)
    return child
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('Kafka client', 'this Kafka client is closed: create a new one')
  }
}

const BROKER = /^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/

/** Every option of `new Kafka()` that could be wrong is checked here, once, as a ConfigError. */
function checkKafkaOptions(options: KafkaOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `expected { bootstrapBrokers: ["host:port", ...] }, got ${String(options)}`)
  }
  if (!Array.isArray(options.bootstrapBrokers) || options.bootstrapBrokers.length === 0) {
    const legacy = 'brokers' in options ? ' (KafkaJS calls it brokers)' : ''
    throw new ConfigError('bootstrapBrokers', `give at least one bootstrap broker as "host:port"${legacy}, e.g. bootstrapBrokers: ["127.0.0.1:9092"]`)
  }
  for (const broker of options.bootstrapBrokers) {
    if (typeof broker !== 'string' || !BROKER.test(broker.trim())) {
      throw new ConfigError('bootstrapBrokers', `"${String(broker)}" is not "host:port" (for example "kafka-1.internal:9092")`)
    }
  }
  checkOptionNames(options, kafkaOptionNames)
  for (const name of ['clientId', 'rack'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(name, `expected a non-empty string, got ${String(value)}`)
  }
  for (const name of ['connectTimeoutMs', 'requestTimeoutMs', 'metadataMaxAgeMs'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1)) {
      throw new ConfigError(name, `expected an integer number of milliseconds from 1 to ${2 ** 31 - 1}, got ${String(value)}`)
    }
  }
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && (typeof options.tls !== 'object' || options.tls === null)) {
    throw new ConfigError('tls', `expected true, false or Node TLS options ({ ca, cert, key, ... }), got ${String(options.tls)}`)
  }
  if (options.sasl !== undefined && (typeof options.sasl !== 'object' || options.sasl === null)) {
    throw new ConfigError('sasl', `expected { mechanism, ... }, got ${String(options.sasl)}`)
  }
  for (const name of ['allowAutoTopicCreation', 'enableMetricsPush'] as const) {
    const value = options[name]
    if (value !== undefined && typeof value !== 'boolean') throw new ConfigError(name, `expected true or false, got ${String(value)}`)
  }
  if (options.socketFactory !== undefined && typeof options.socketFactory !== 'function') {
    throw new ConfigError('socketFactory', `expected a function ({ host, port }) => Duplex stream or undefined (e.g. a fake cluster's socketFactory), got ${String(options.socketFactory)}`)
  }
}

// The option names of each public entry point, checked against its options type by `satisfies`
// (a new option cannot be forgotten here). A name not among them is refused (see DESIGN.md,
// "Unknown options"): here at the umbrella, because the objects it passes down to the packages
// below are merged from the caller's options and its own (metadata, pool, logger, rack).
const kafkaOptionNames = {
  bootstrapBrokers: true,
  clientId: true,
  rack: true,
  sasl: true,
  tls: true,
  logger: true,
  connectTimeoutMs: true,
  requestTimeoutMs: true,
  metadataMaxAgeMs: true,
  allowAutoTopicCreation: true,
  enableMetricsPush: true,
  socketFactory: true,
} as const satisfies Record<keyof KafkaOptions, true>

const producerOptionNames = {
  idempotent: true,
  acks: true,
  inFlightMaxRequestsPerBroker: true,
  lingerMs: true,
  batchMaxBytes: true,
  requestMaxBytes: true,
  compression: true,
  bufferMaxBytes: true,
  bufferMaxRecords: true,
  deliveryTimeoutMs: true,
  ackTimeoutMs: true,
  retryBackoffMs: true,
  metadataWaitMaxMs: true,
  partitioner: true,
  transactionalId: true,
  transactionTimeoutMs: true,
  logger: true,
} as const satisfies Record<keyof ProducerOptions, true>

const adminOptionNames = {
  logger: true,
  operationTimeoutMs: true,
  retries: true,
  retryBackoffMs: true,
  retryBackoffMaxMs: true,
  principal: true,
} as const satisfies Record<keyof Omit<AdminOptions, 'metadata' | 'pool'>, true>

const fetchOptionNames = {
  isolationLevel: true,
  fetchMaxWaitMs: true,
  fetchMinBytes: true,
  fetchMaxBytes: true,
  partitionMaxBytes: true,
  preferredReplicaLeaseMs: true,
  autoOffsetReset: true,
  bufferMaxBatches: true,
  retryBackoffMs: true,
  emptyBatches: true,
} as const

const directConsumerOptionNames = { ...fetchOptionNames, recordShape: true, assign: true } as const satisfies Record<keyof DirectConsumerConfig, true>

const groupConsumerOptionNames = {
  ...fetchOptionNames,
  groupPool: true,
  groupId: true,
  topics: true,
  groupInstanceId: true,
  groupProtocol: true,
  assignors: true,
  serverAssignor: true,
  sessionTimeoutMs: true,
  rebalanceTimeoutMs: true,
  heartbeatIntervalMs: true,
  autoCommit: true,
  autoCommitIntervalMs: true,
  listeners: true,
  recordShape: true,
  createFetcher: true,
} as const satisfies Record<keyof GroupConsumerConfig, true>

/** Unknown option names of a producer, consumer or admin; a non-object is left to the package's own ConfigError. */
function checkNames(options: unknown, known: Readonly<Record<string, true>>): void {
  if (typeof options === 'object' && options !== null) checkOptionNames(options, known)
}
