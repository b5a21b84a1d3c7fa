// Node's global `Buffer` is an accessor on globalThis (a getter call per use); the module binding is not.
import { Buffer } from 'node:buffer'
import { subscribeDiagnostics, type FetchedBatch, type GroupConsumer as KafkatsGroupConsumer, type GroupConsumerConfig, type Kafka as KafkatsKafka, type RecordHeader, type RecordShape, type StartOffset } from 'kafkats'
import { PartitionAssigners, toAssignors } from './assigners.js'
import type { ClientFactory } from './client.js'
import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, kafkaJSErrors, toKafkaJSError } from './errors.js'
import { InstrumentationEmitter } from './instrumentation.js'
import type { Logger } from './logger.js'
import { describeOneGroup } from './groups.js'
import { OffsetStrings } from './offset-strings.js'
import type {
  Batch,
  ConnectEvent,
  ConsumerCommitOffsetsEvent,
  ConsumerConfig,
  ConsumerCrashEvent,
  ConsumerEndBatchProcessEvent,
  ConsumerEvents,
  ConsumerFetchEvent,
  ConsumerFetchStartEvent,
  ConsumerGroupJoinEvent,
  ConsumerHeartbeatEvent,
  ConsumerRebalancingEvent,
  ConsumerReceivedUnsubcribedTopicsEvent,
  ConsumerRunConfig,
  ConsumerStartBatchProcessEvent,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  DisconnectEvent,
  EachBatchPayload,
  GroupDescription,
  IBatchProcessEvent,
  IHeaders,
  InstrumentationEvent,
  KafkaMessage,
  Offsets,
  OffsetsByTopicPartition,
  RemoveInstrumentationEventListener,
  RequestEvent,
  RequestQueueSizeEvent,
  RequestTimeoutEvent,
  TopicOffsets,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
  TopicPartitions,
  ValueOf,
} from './types.js'

export const consumerEvents: ConsumerEvents = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
}

export type Consumer = {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void>
  stop(): Promise<void>
  run(config?: ConsumerRunConfig): Promise<void>
  commitOffsets(topicPartitions: Array<TopicPartitionOffsetAndMetadata>): Promise<void>
  seek(topicPartitionOffset: TopicPartitionOffset): void
  describeGroup(): Promise<GroupDescription>
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void
  paused(): TopicPartitions[]
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void
  on(eventName: ConsumerEvents['HEARTBEAT'], listener: (event: ConsumerHeartbeatEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['COMMIT_OFFSETS'], listener: (event: ConsumerCommitOffsetsEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['GROUP_JOIN'], listener: (event: ConsumerGroupJoinEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['FETCH_START'], listener: (event: ConsumerFetchStartEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['FETCH'], listener: (event: ConsumerFetchEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['START_BATCH_PROCESS'], listener: (event: ConsumerStartBatchProcessEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['END_BATCH_PROCESS'], listener: (event: ConsumerEndBatchProcessEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['CONNECT'], listener: (event: ConnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['DISCONNECT'], listener: (event: DisconnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['STOP'], listener: (event: InstrumentationEvent<null>) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['CRASH'], listener: (event: ConsumerCrashEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['REBALANCING'], listener: (event: ConsumerRebalancingEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(
    eventName: ConsumerEvents['RECEIVED_UNSUBSCRIBED_TOPICS'],
    listener: (event: ConsumerReceivedUnsubcribedTopicsEvent) => void,
  ): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['REQUEST'], listener: (event: RequestEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['REQUEST_TIMEOUT'], listener: (event: RequestTimeoutEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ConsumerEvents['REQUEST_QUEUE_SIZE'], listener: (event: RequestQueueSizeEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ValueOf<ConsumerEvents>, listener: (event: InstrumentationEvent<unknown>) => void): RemoveInstrumentationEventListener<typeof eventName>
  logger(): Logger
  readonly events: ConsumerEvents
}

/** kafkats extensions of KafkaJS's consumer config (optional; KafkaJS code never sets them). */
export interface CompatConsumerConfig extends ConsumerConfig {
  /** `consumer` for KIP-848's consumer group protocol (Kafka 4.x); default `classic`, as KafkaJS. */
  groupProtocol?: 'classic' | 'consumer'
}

const EARLIEST = -2n
const LATEST = -1n

/** KafkaJS's retry defaults (milliseconds). */
const RETRY_DEFAULTS = { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000, factor: 0.2, multiplier: 2 }

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/**
 * KafkaJS keeps resolved offsets in objects keyed by partition, so the partitions it reports from
 * them (uncommittedOffsets(), auto-commit COMMIT_OFFSETS events) are strings at run time, though its
 * types say number. Code compares them (e.g. `partition: '0'` in its own tests): kept as KafkaJS has it.
 */
const partitionKey = (partition: number): number => String(partition) as unknown as number

/**
 * The constructor Node's own `Buffer` views are made with (`buf.subarray()` uses it): a new view of
 * the same memory through it skips the argument checks of `Buffer.from(arrayBuffer, offset,
 * length)`, which cost more than the whole record decoding at 100-byte records. Not every runtime
 * has it (it is Node's, not a standard): otherwise `Buffer.from`.
 */
type BufferViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer
const BufferView: BufferViewConstructor | null = (() => {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species]
  if (typeof species !== 'function' || species === Buffer) return null
  const View = species as BufferViewConstructor
  try {
    const probe = new View(new ArrayBuffer(4), 1, 2)
    return Buffer.isBuffer(probe) && probe.byteOffset === 1 && probe.length === 2 ? View : null
  } catch {
    return null
  }
})()

/** A `Buffer` over the same bytes (no copy): kafkats hands out `Uint8Array` views, KafkaJS promises `Buffer`s. */
function toBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes
  return BufferView !== null ? new BufferView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * The `{}` of a message without headers, in less than half the memory of a `{}` literal (24 bytes
 * against 56 on 64-bit Node 20: a literal reserves room for four properties, instances of a
 * constructor shrink to what they use). Its instances are plain objects to JavaScript: prototype
 * `Object.prototype`, `constructor` `Object`, no own properties, extensible (code that adds a header
 * to a consumed message before producing it again still can), equal to `{}` for toStrictEqual and
 * deepStrictEqual. At 100-byte records the messages are most of what the layer allocates, and its
 * garbage collection is most of what it costs (apps/bench/results/kafkajs-compat.md).
 */
const EmptyHeaders = function EmptyHeaders(): void {} as unknown as new () => IHeaders
EmptyHeaders.prototype = Object.prototype

/** Headers as KafkaJS decodes them: Buffers, and an array when a key repeats. */
function toIHeaders(headers: readonly RecordHeader[]): IHeaders {
  const out: IHeaders = {}
  for (let i = 0; i < headers.length; i++) {
    const { key: name, value } = headers[i]!
    const buffer = value === null ? Buffer.alloc(0) : toBuffer(value)
    const existing = out[name]
    if (existing === undefined) out[name] = buffer
    else if (Array.isArray(existing)) existing.push(buffer)
    else out[name] = [existing, buffer]
  }
  return out
}

/**
 * Makes KafkaJS messages in the decoder, in place of kafkats' records (`recordShape` of the group
 * consumer underneath): one object per record instead of a kafkats record copied into a message
 * and dropped (the copy was most of what this layer cost per record at 100-byte records;
 * apps/bench/results/kafkajs-compat.md). One instance per consumer: `make` is called record by
 * record, synchronously, so the conversions it caches (the batch's shared timestamp as a string,
 * the thousands of the offsets, see `OffsetStrings`) are only ever used by one decode at a time.
 */
class KafkaMessageShape implements RecordShape<KafkaMessage> {
  private readonly offsets = new OffsetStrings()
  private lastTimestamp: bigint | null = null
  private lastTimestampString = ''

  make(_topic: string, _partition: number, offset: bigint, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaMessage {
    return this.message(this.offsets.of(offset), timestamp, key, value, headers)
  }

  /** What the decoder calls for every batch of offsets below 2^53: no offset bigint made per message. */
  makeWithNumberOffset(_topic: string, _partition: number, offset: number, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaMessage {
    return this.message(this.offsets.ofNumber(offset), timestamp, key, value, headers)
  }

  private message(offset: string, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaMessage {
    // The records of a producer batch usually share one timestamp, and the decoder then shares the bigint too.
    if (timestamp !== this.lastTimestamp) {
      this.lastTimestamp = timestamp
      this.lastTimestampString = String(timestamp)
    }
    // A plain object, as KafkaJS's (with its magicByte and isControlRecord, not in its types), one
    // literal of one shape: users spread messages, JSON.stringify them and compare them with
    // toEqual/toStrictEqual, so every field is an own data property, in KafkaJS's order.
    const message = {
      magicByte: 2,
      attributes: 0,
      timestamp: this.lastTimestampString,
      offset,
      key: key === null ? null : toBuffer(key),
      value: value === null ? null : toBuffer(value),
      headers: headers.length === 0 ? new EmptyHeaders() : toIHeaders(headers),
      isControlRecord: false,
    }
    return message
  }

  offsetOf(message: KafkaMessage): bigint {
    return BigInt(message.offset)
  }
}

/** KafkaJS's `Batch`: one partition's records from one fetch, offsets as strings. */
class CompatBatch implements Batch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly messages: KafkaMessage[]
  private readonly nextOffset: bigint
  private readonly high: bigint

  constructor(batch: FetchedBatch<KafkaMessage>) {
    this.topic = batch.topic
    this.partition = batch.partition
    this.high = batch.highWatermark
    this.highWatermark = String(batch.highWatermark)
    // The decoder made them as KafkaJS messages (KafkaMessageShape): the batch's own array.
    this.messages = batch.records
    this.nextOffset = batch.nextOffset
  }

  isEmpty(): boolean {
    return this.messages.length === 0
  }

  firstOffset(): string | null {
    return this.messages[0]?.offset ?? null
  }

  lastOffset(): string {
    const last = this.messages[this.messages.length - 1]
    return last !== undefined ? last.offset : String(this.nextOffset - 1n)
  }

  offsetLag(): string {
    return String(this.high - 1n - BigInt(this.lastOffset()))
  }

  offsetLagLow(): string {
    const first = this.firstOffset()
    return first === null ? '0' : String(this.high - 1n - BigInt(first))
  }
}

/** The kafkats group consumer underneath, handing out KafkaJS messages (KafkaMessageShape). */
type GroupConsumer = KafkatsGroupConsumer<KafkaMessage>

interface PartitionState {
  topic: string
  partition: number
  /** The next offset to commit (last resolved + 1), or null. Read it with `resolvedOf`: `pendingOffset` may be ahead. */
  resolved: bigint | null
  /**
   * The offset of the last message eachMessage handled, as the message's string: folded into
   * `resolved` when that is read (`resolvedOf`), so that handling a message costs no BigInt.
   */
  pendingOffset: string | null
  committed: bigint | null
  /** Bumped by every seek: a batch handed out before it is stale. */
  version: number
  /** Processing of this partition's batches, in order. */
  chain: Promise<void>
  failures: number
  /** Where the next fetched batch starts (the previous batch's end, or a seek), null when unknown. */
  fetchPosition: bigint | null
}

/** The next offset to commit of a partition, with the message eachMessage handled last folded in (`pendingOffset`). */
function resolvedOf(state: PartitionState): bigint | null {
  const pending = state.pendingOffset
  if (pending !== null) {
    state.pendingOffset = null
    const next = BigInt(pending) + 1n
    if (state.resolved === null || next > state.resolved) state.resolved = next
  }
  return state.resolved
}

export class CompatConsumer implements Consumer {
  readonly events = consumerEvents
  private readonly emitter = new InstrumentationEmitter(consumerEvents, 'consumer')
  private readonly log: Logger
  private client: KafkatsKafka | null = null
  private readonly subscriptions: Array<{ topic: string | RegExp; fromBeginning: boolean }> = []
  private group: GroupConsumer | null = null
  private running = false
  private runRequested = false
  private abort: AbortController | null = null
  private loop: Promise<void> | null = null
  private runConfig: ConsumerRunConfig = {}
  private readonly partitions = new Map<string, PartitionState>()
  /** Topic → paused partitions, or 'all' for a whole topic (also partitions assigned later). */
  private readonly pausedTopics = new Map<string, Set<number> | 'all'>()
  private readonly pendingSeeks = new Map<string, { topic: string; partition: number; offset: bigint }>()
  private lastCommitAt = Date.now()
  private resolvedSinceCommit = 0
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private idleFetchTimer: ReturnType<typeof setInterval> | undefined
  /** The subscribed topic names of the running group, in subscription order (KafkaJS's `topicsSubscribed`). */
  private topicsSubscribed: string[] = []
  /** From kafkats's group-join diagnostics: whether this member leads the current generation, and the protocol chosen. */
  private membership: { memberId: string; isLeader: boolean; protocolName: string | null } | null = null
  /** The topics of this member's last SyncGroup assignment, in the leader's order (KafkaJS reports them so). */
  private syncedTopics: string[] = []
  private readonly unsubscribe: Array<() => void> = []
  private readonly retry: typeof RETRY_DEFAULTS & { restartOnFailure?: (e: Error) => Promise<boolean> }

  constructor(
    private readonly factory: ClientFactory,
    private readonly config: CompatConsumerConfig,
  ) {
    if (config === null || typeof config !== 'object' || typeof config.groupId !== 'string' || config.groupId === '') {
      throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    }
    const sessionTimeout = config.sessionTimeout ?? 30_000
    const heartbeatInterval = config.heartbeatInterval ?? 3_000
    if (heartbeatInterval >= sessionTimeout) {
      throw new KafkaJSNonRetriableError(
        `Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`,
      )
    }
    this.log = factory.logger.namespace('Consumer')
    this.retry = { ...RETRY_DEFAULTS, ...factory.config.retry, ...config.retry }
  }

  logger(): Logger {
    return this.log
  }

  on(eventName: ValueOf<ConsumerEvents>, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener<typeof eventName> {
    return this.emitter.on(eventName, listener as (event: InstrumentationEvent<unknown>) => void)
  }

  connect(): Promise<void> {
    return kafkaJSErrors(async () => {
      if (this.client !== null) return
      this.client = await this.factory.connect({
        component: 'Consumer',
        // REQUEST, REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE of this consumer's connections.
        network: this.emitter,
        ...(this.config.metadataMaxAge !== undefined ? { metadataMaxAge: this.config.metadataMaxAge } : {}),
        ...(this.config.allowAutoTopicCreation !== undefined ? { allowAutoTopicCreation: this.config.allowAutoTopicCreation } : {}),
        ...(this.config.rackId !== undefined ? { rack: this.config.rackId } : {}),
      })
      this.emitter.emit(consumerEvents.CONNECT, null)
    })
  }

  async disconnect(): Promise<void> {
    await this.stop()
    const client = this.client
    this.client = null
    if (client === null) return
    this.emitter.attachConnections(null)
    await client.close()
    this.emitter.emit(consumerEvents.DISCONNECT, null)
  }

  subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    return kafkaJSErrors(async () => {
      if (this.running) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
      const single = (subscription as ConsumerSubscribeTopic | undefined)?.topic
      const topics = subscription !== null && typeof subscription === 'object' && 'topics' in subscription && subscription.topics !== undefined ? subscription.topics : single ? [single] : undefined
      if (topics === undefined) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
      if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
      for (const topic of topics) {
        if (!(topic instanceof RegExp) && (typeof topic !== 'string' || topic === '')) {
          throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)} (${typeof topic}), the topic name has to be a String or a RegExp`)
        }
        this.subscriptions.push({ topic, fromBeginning: subscription.fromBeginning === true })
      }
    })
  }

  /** The subscribed topic names: strings as given, RegExps matched against the cluster's topics now. */
  private async subscribedTopics(client: KafkatsKafka): Promise<Map<string, boolean>> {
    const topics = new Map<string, boolean>()
    const patterns = this.subscriptions.filter((s) => s.topic instanceof RegExp)
    const existing = patterns.length > 0 ? await client.admin().listTopics() : []
    for (const subscription of this.subscriptions) {
      if (typeof subscription.topic === 'string') topics.set(subscription.topic, subscription.fromBeginning)
      else for (const name of existing) if (subscription.topic.test(name)) topics.set(name, subscription.fromBeginning)
    }
    return topics
  }

  run(config: ConsumerRunConfig = {}): Promise<void> {
    // KafkaJS creates its consumer group synchronously inside run(): seek() and pause() right
    // after a run() that is not awaited are kept and applied when the partitions are assigned.
    this.runRequested = true
    return kafkaJSErrors(async () => {
      if (this.running) {
        this.log.warn('consumer#run was called, but the consumer is already running', { groupId: this.config.groupId })
        return
      }
      const client = this.client
      if (client === null) throw new KafkaJSNonRetriableError('Consumer not connected: call consumer.connect() first')
      this.runConfig = config
      const topics = await this.subscribedTopics(client)
      this.running = true
      if (topics.size === 0) {
        // KafkaJS runs a consumer without subscriptions (it joins with no topics and gets nothing): nothing to fetch.
        this.log.warn('consumer#run was called without subscribed topics; nothing will be consumed', { groupId: this.config.groupId })
        return
      }
      await this.start(client, topics)
    })
  }

  private async start(client: KafkatsKafka, topics: Map<string, boolean>): Promise<void> {
    // kafkats resets per consumer, KafkaJS per subscription: earliest when any topic asked for it.
    const fromBeginning = [...topics.values()].some(Boolean)
    this.topicsSubscribed = [...topics.keys()]
    let joined: () => void = () => {}
    const firstJoin = new Promise<void>((resolve) => (joined = resolve))
    const joinStarted = Date.now()
    const options: GroupConsumerConfig<KafkaMessage> = {
      recordShape: new KafkaMessageShape(),
      groupId: this.config.groupId,
      topics: [...topics.keys()],
      // Commits are made here, of resolved offsets, as KafkaJS makes them.
      autoCommit: false,
      autoOffsetReset: fromBeginning ? 'earliest' : 'latest',
      // KafkaJS reads committed data only unless readUncommitted is set.
      isolationLevel: this.config.readUncommitted === true ? 'read_uncommitted' : 'read_committed',
      // KafkaJS reports batches that filtering emptied (START/END_BATCH_PROCESS) and resolves past them.
      emptyBatches: true,
      ...(this.config.sessionTimeout !== undefined ? { sessionTimeoutMs: this.config.sessionTimeout } : {}),
      ...(this.config.rebalanceTimeout !== undefined ? { rebalanceTimeoutMs: this.config.rebalanceTimeout } : {}),
      // KafkaJS accepts 0 (heartbeat at every chance); kafkats needs at least 1 ms.
      ...(this.config.heartbeatInterval !== undefined ? { heartbeatIntervalMs: Math.max(1, this.config.heartbeatInterval) } : {}),
      ...(this.config.maxBytesPerPartition !== undefined ? { partitionMaxBytes: this.config.maxBytesPerPartition } : {}),
      ...(this.config.minBytes !== undefined ? { fetchMinBytes: this.config.minBytes } : {}),
      ...(this.config.maxBytes !== undefined ? { fetchMaxBytes: this.config.maxBytes } : {}),
      ...(this.config.maxWaitTimeInMs !== undefined ? { fetchMaxWaitMs: this.config.maxWaitTimeInMs } : {}),
      ...(this.config.groupProtocol !== undefined ? { groupProtocol: this.config.groupProtocol } : {}),
      // KafkaJS's default is its round robin (protocol RoundRobinAssigner): the same default lets
      // KafkaJS members and migrated ones share a group during a rolling deploy.
      ...(this.config.groupProtocol !== 'consumer'
        ? {
            assignors: toAssignors(this.config.partitionAssigners ?? [PartitionAssigners.roundRobin], {
              groupId: this.config.groupId,
              logger: this.log,
              subscribedTopics: () => this.topicsSubscribed,
            }),
          }
        : {}),
      listeners: {
        assigned: (assigned) => {
          this.dropUnsubscribed(assigned)
          for (const tp of assigned) this.partitionState(tp.topic, tp.partition)
          this.applyPauses()
          for (const tp of assigned) {
            const pending = this.pendingSeeks.get(key(tp.topic, tp.partition))
            if (pending !== undefined) {
              this.pendingSeeks.delete(key(tp.topic, tp.partition))
              this.seekOwned(pending.topic, pending.partition, pending.offset)
            }
          }
          this.emitGroupJoin(Date.now() - joinStarted)
          joined()
        },
        revoked: async (revoked) => {
          this.emitter.emit(consumerEvents.REBALANCING, { groupId: this.config.groupId, memberId: this.group?.memberId ?? '' })
          // Finish what is being processed for these partitions, then commit what it resolved.
          await Promise.allSettled(revoked.map((tp) => this.partitions.get(key(tp.topic, tp.partition))?.chain))
          if (this.autoCommit()) await this.commitResolved(revoked).catch((error: unknown) => this.log.warn('commit on revocation failed', { error: String(error) }))
          for (const tp of revoked) this.partitions.delete(key(tp.topic, tp.partition))
        },
        lost: (lost) => {
          for (const tp of lost) this.partitions.delete(key(tp.topic, tp.partition))
        },
      },
    }
    const group = client.consumer(options)
    this.group = group
    this.membership = null
    // Offsets this Kafka object's transactions commit for the group count as committed here (KafkaJS shares one map).
    this.unsubscribe.push(
      this.factory.committedOffsets.subscribe(this.config.groupId, (offsets) => {
        for (const o of offsets) {
          const state = this.partitions.get(key(o.topic, o.partition))
          if (state !== undefined) state.committed = o.offset
        }
      }),
    )
    this.unsubscribe.push(
      // Which member leads is known only to the group protocol; kafkats publishes it on its join channel.
      subscribeDiagnostics('kafkats:group:join', (message) => {
        if (message.groupId !== this.config.groupId || this.group !== group || message.memberId !== group.memberId) return
        this.membership = { memberId: message.memberId, isLeader: message.leader, protocolName: message.protocolName }
      }),
      subscribeDiagnostics('kafkats:group:sync', (message) => {
        if (message.groupId !== this.config.groupId || this.group !== group || message.memberId !== group.memberId) return
        this.syncedTopics = [...new Set(message.assignedPartitions.map((tp) => tp.topic))]
      }),
    )
    this.observeFetches(group)
    this.abort = new AbortController()
    this.loop = this.consume(group, this.abort.signal)
    // KafkaJS heartbeats after each batch, on heartbeat() calls, and when an idle fetch ends (after maxWaitTimeInMs).
    // Its interval counts from run(), as KafkaJS's consumer group stamps its last request when run()
    // creates it: the first HEARTBEAT comes a full interval later, not at the first batch after a
    // fast join (KafkaJS's spec times that first gap from before subscribe(); CI saw 31 ms for 50).
    this.lastHeartbeatAt = Date.now()
    this.heartbeatTimer = setInterval(() => this.emitHeartbeat(), Math.max(this.config.maxWaitTimeInMs ?? 5000, this.config.heartbeatInterval ?? 3000, 1))
    this.heartbeatTimer.unref?.()
    this.startIdleFetchRounds(client, group)
    // KafkaJS's run() resolves once the member has joined and received its assignment; a member
    // given no partitions gets no `assigned` call, so its join shows as a generation with none.
    await Promise.race([firstJoin, this.joinedWithoutPartitions(group), this.loop])
  }

  private async joinedWithoutPartitions(group: GroupConsumer): Promise<void> {
    let emptyPolls = 0
    while (this.running && this.group === group) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      if (group.memberId !== '' && group.generationId > 0 && group.assignment().length === 0) emptyPolls++
      else emptyPolls = 0
      if (emptyPolls >= 4) {
        this.emitGroupJoin(0)
        return
      }
    }
  }

  /**
   * KafkaJS's leader assigns its own topics to every member, so a member can be given partitions of
   * topics it did not subscribe to: it reports them (RECEIVED_UNSUBSCRIBED_TOPICS) and leaves them alone.
   */
  private dropUnsubscribed(assigned: ReadonlyArray<{ topic: string; partition: number }>): void {
    const group = this.group
    const topics = new Set(assigned.map((tp) => tp.topic))
    const assignedTopics = [...this.syncedTopics.filter((topic) => topics.has(topic)), ...[...topics].filter((topic) => !this.syncedTopics.includes(topic))]
    const topicsNotSubscribed = assignedTopics.filter((topic) => !this.topicsSubscribed.includes(topic))
    if (group === null || topicsNotSubscribed.length === 0) return
    const payload = {
      groupId: this.config.groupId,
      generationId: group.generationId,
      memberId: group.memberId,
      assignedTopics,
      topicsSubscribed: [...this.topicsSubscribed],
      topicsNotSubscribed,
    }
    this.log.warn('Consumer group received unsubscribed topics', payload)
    this.emitter.emit(consumerEvents.RECEIVED_UNSUBSCRIBED_TOPICS, payload)
    group.pause(assigned.filter((tp) => topicsNotSubscribed.includes(tp.topic)))
  }

  /**
   * KafkaJS's fetch loop runs a round per broker every maxWaitTimeInMs even when the member has
   * nothing to fetch (no partitions, or all paused): the round waits and emits FETCH_START and an
   * empty FETCH. kafkats sends no Fetch then, so those rounds are reported here, per broker.
   */
  private startIdleFetchRounds(client: KafkatsKafka, group: GroupConsumer): void {
    const waitMs = Math.max(this.config.maxWaitTimeInMs ?? 5000, 1)
    // The brokers a round would go to, asked once (KafkaJS: every broker of its metadata).
    let nodeIds: string[] = []
    void client
      .admin()
      .describeCluster()
      .then((cluster) => (nodeIds = cluster.brokers.map((broker) => String(broker.nodeId))))
      .catch((error: unknown) => this.log.debug('describeCluster for idle fetch rounds failed', { error: String(error) }))
    this.idleFetchTimer = setInterval(() => {
      if (this.group !== group || group.memberId === '' || !(this.emitter.has(consumerEvents.FETCH_START) || this.emitter.has(consumerEvents.FETCH))) return
      if (group.assignment().some((tp) => !this.isPaused(tp.topic, tp.partition) && this.topicsSubscribed.includes(tp.topic))) return
      for (const nodeId of nodeIds) {
        this.emitter.emit(consumerEvents.FETCH_START, { nodeId })
        this.emitter.emit(consumerEvents.FETCH, { numberOfBatches: 0, duration: waitMs, nodeId })
      }
    }, waitMs)
    this.idleFetchTimer.unref?.()
  }

  /** FETCH_START and FETCH from the kafkats fetch planner's per-consumer events, as KafkaJS emits them per broker fetch. */
  private observeFetches(group: GroupConsumer): void {
    // Subscribed whether or not anyone listens yet (listeners may be added after run()); per Fetch, not per record.
    this.unsubscribe.push(
      // KafkaJS's runtime nodeId is a string (its types say number): the runtime is what code sees.
      group.on('fetchStart', ({ nodeId }) => this.emitter.emit(consumerEvents.FETCH_START, { nodeId: String(nodeId) })),
      group.on('fetchResponse', ({ nodeId, durationMs, bufferedBatches }) => {
        this.emitter.emit(consumerEvents.FETCH, { numberOfBatches: bufferedBatches, duration: durationMs, nodeId: String(nodeId) })
      }),
    )
  }

  private emitGroupJoin(durationMs: number): void {
    if (!this.emitter.has(consumerEvents.GROUP_JOIN)) return
    const group = this.group
    if (group === null) return
    // As KafkaJS: only subscribed topics, in subscription order (partitions of other topics are dropped).
    const memberAssignment: Record<string, number[]> = {}
    const owned = group.assignment()
    for (const topic of this.topicsSubscribed) {
      const partitions = owned.filter((tp) => tp.topic === topic).map((tp) => tp.partition)
      if (partitions.length > 0) memberAssignment[topic] = partitions
    }
    const membership = this.membership?.memberId === group.memberId ? this.membership : null
    this.emitter.emit(consumerEvents.GROUP_JOIN, {
      duration: durationMs,
      groupId: this.config.groupId,
      isLeader: membership?.isLeader === true,
      // kafkats tells a member whether it leads, not who else does: a follower's leaderId is ''.
      leaderId: membership?.isLeader === true ? group.memberId : '',
      groupProtocol: this.config.groupProtocol === 'consumer' ? 'consumer' : (membership?.protocolName ?? 'RoundRobinAssigner'),
      memberId: group.memberId,
      memberAssignment,
    })
  }

  private lastHeartbeatAt = 0

  /** A HEARTBEAT event at most once per heartbeatInterval, as KafkaJS spaces its heartbeats. */
  private emitHeartbeat(): void {
    const group = this.group
    if (group === null || group.memberId === '') return
    const now = Date.now()
    if (now - this.lastHeartbeatAt < (this.config.heartbeatInterval ?? 3000)) return
    this.emitter.emit(consumerEvents.HEARTBEAT, { groupId: this.config.groupId, memberId: group.memberId, groupGenerationId: group.generationId })
    // Stamped after the listeners ran, not before: a listener that times the gap between two events
    // with its own Date.now() then never sees less than the interval (stamped before, a millisecond
    // tick between our clock read and the listener's made KafkaJS's spec see 49 ms for 50).
    this.lastHeartbeatAt = Date.now()
  }

  private autoCommit(): boolean {
    return this.runConfig.autoCommit !== false
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const k = key(topic, partition)
    let state = this.partitions.get(k)
    if (state === undefined) {
      state = { topic, partition, resolved: null, pendingOffset: null, committed: null, version: 0, chain: Promise.resolve(), failures: 0, fetchPosition: null }
      this.partitions.set(k, state)
    }
    return state
  }

  /** Queues a fetched batch behind its partition's earlier ones. */
  private dispatch(group: GroupConsumer, fetched: FetchedBatch<KafkaMessage>): Promise<void> {
    const state = this.partitionState(fetched.topic, fetched.partition)
    const version = state.version
    const task = state.chain.then(() => this.processBatch(group, fetched, state, version))
    state.chain = task
    return task
  }

  /** The batch loop: batches of one partition are processed in order, up to `partitionsConsumedConcurrently` partitions at once. */
  private async consume(group: GroupConsumer, signal: AbortSignal): Promise<void> {
    const concurrency = Math.max(1, Math.floor(this.runConfig.partitionsConsumedConcurrently ?? 1))
    const inFlight = new Set<Promise<void>>()
    while (this.running) {
      try {
        // Iterated by hand, not with for-await: with the `await` in its body, a for-await loop kept the
        // batch just handled (its kafkats records) reachable while the next one was fetched and
        // decoded, and every young-generation collection meanwhile copied both (1M records of 100 B:
        // 140 MB surviving collections against 55 MB, even with no closure over the batch).
        const batches = group.batches({ signal })[Symbol.asyncIterator]()
        try {
          for (;;) {
            let next: IteratorResult<FetchedBatch<KafkaMessage>> | null = await batches.next()
            if (next.done === true || !this.running) break
            const task = this.dispatch(group, next.value)
            next = null
            if (concurrency === 1) {
              await task
              continue
            }
            inFlight.add(task)
            void task.finally(() => inFlight.delete(task))
            if (inFlight.size >= concurrency) await Promise.race(inFlight)
          }
        } finally {
          await batches.return?.()
        }
        await Promise.allSettled(inFlight)
      } catch (error) {
        await Promise.allSettled(inFlight)
        if (!this.running) return
        const mapped = toKafkaJSError(error)
        if (mapped instanceof KafkaJSError && mapped.retriable) {
          this.log.warn('consumer error, retrying', { groupId: this.config.groupId, error: mapped.message })
          await new Promise((resolve) => setTimeout(resolve, this.retry.initialRetryTime))
          continue
        }
        await this.crash(mapped)
        return
      }
    }
  }

  private async crash(error: Error): Promise<void> {
    const original = (function root(e: Error): Error {
      return e.cause instanceof Error ? root(e.cause) : e
    })(error)
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || (original as { retriable?: unknown }).retriable === true
    let restart = false
    if (retriable) {
      restart = this.retry.restartOnFailure === undefined ? true : await this.retry.restartOnFailure(error).catch(() => true)
    }
    this.log.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.config.groupId })
    this.emitter.emit(consumerEvents.CRASH, { error, groupId: this.config.groupId, restart })
    if (!restart) {
      // As KafkaJS: a consumer that will not restart leaves the group and disconnects.
      void this.disconnect().catch(() => undefined)
    }
  }

  /** START/END_BATCH_PROCESS's payload, from the kafkats batch (the same offsets CompatBatch reports). */
  private batchEvent(fetched: FetchedBatch<KafkaMessage>, fetchPosition: bigint | null): IBatchProcessEvent {
    const { records } = fetched
    const first = records.length > 0 ? BigInt(records[0]!.offset) : null
    const last = records.length > 0 ? BigInt(records[records.length - 1]!.offset) : fetched.nextOffset - 1n
    const high = fetched.highWatermark
    return {
      topic: fetched.topic,
      partition: fetched.partition,
      highWatermark: String(high),
      offsetLag: String(high - 1n - last),
      offsetLagLow: first === null ? '0' : String(high - 1n - first),
      batchSize: records.length,
      // A batch emptied by filtering (control records, aborted transactions) starts where the fetch did, as KafkaJS reports it.
      firstOffset: first !== null ? String(first) : fetchPosition !== null ? String(fetchPosition) : String(last),
      lastOffset: String(last),
    }
  }

  private isPaused(topic: string, partition: number): boolean {
    const paused = this.pausedTopics.get(topic)
    return paused === 'all' || (paused !== undefined && paused.has(partition))
  }

  private resolve(state: PartitionState, offset: bigint): void {
    const next = offset + 1n
    const resolved = resolvedOf(state)
    if (resolved === null || next > resolved) state.resolved = next
    this.resolvedSinceCommit++
  }

  private async processBatch(group: GroupConsumer, fetched: FetchedBatch<KafkaMessage>, state: PartitionState, version: number): Promise<void> {
    if (!this.running || state.version !== version || !this.partitions.has(key(state.topic, state.partition))) return
    if (!this.topicsSubscribed.includes(state.topic)) return
    const { records } = fetched
    const started = Date.now()
    const stale = (): boolean => state.version !== version || !this.running
    const fetchPosition = state.fetchPosition ?? fetched.logStartOffset
    state.fetchPosition = fetched.nextOffset
    const event =
      this.emitter.has(consumerEvents.START_BATCH_PROCESS) || this.emitter.has(consumerEvents.END_BATCH_PROCESS) ? this.batchEvent(fetched, fetchPosition) : null
    if (records.length === 0) {
      // Only control records or aborted transactions: move past them, with the batch events (KafkaJS does so that offset trackers see progress).
      if (event !== null) this.emitter.emit(consumerEvents.START_BATCH_PROCESS, event)
      this.resolve(state, fetched.nextOffset - 1n)
      if (this.autoCommit() && this.commitDue()) await this.commitResolved()
      if (event !== null) this.emitter.emit(consumerEvents.END_BATCH_PROCESS, { ...event, duration: Date.now() - started })
      this.emitHeartbeat()
      return
    }
    if (event !== null) this.emitter.emit(consumerEvents.START_BATCH_PROCESS, event)
    const pause = (): (() => void) => {
      this.pause([{ topic: state.topic, partitions: [state.partition] }])
      return () => this.resume([{ topic: state.topic, partitions: [state.partition] }])
    }
    const heartbeat = async (): Promise<void> => this.emitHeartbeat()
    const autoCommit = this.autoCommit()
    // The offset (KafkaJS's string) of the message or batch being handled, for handleFailure.
    let failedAt: string | null = null
    try {
      const { eachMessage, eachBatch } = this.runConfig
      if (eachMessage !== undefined) {
        for (let i = 0; i < records.length; i++) {
          if (stale()) break
          const message = records[i]!
          failedAt = message.offset
          await eachMessage({ topic: state.topic, partition: state.partition, message, heartbeat, pause })
          failedAt = null
          // Resolved: what `resolvedOf` folds in when the offset is next read (no BigInt per message).
          state.pendingOffset = message.offset
          this.resolvedSinceCommit++
          if (autoCommit && this.commitDue()) await this.commitResolved()
          if (this.isPaused(state.topic, state.partition)) break
        }
      } else if (eachBatch !== undefined) {
        const batch = new CompatBatch(fetched)
        const lastMessageOffset = batch.messages[batch.messages.length - 1]!.offset
        const payload: EachBatchPayload = {
          batch,
          resolveOffset: (offset) => {
            // The last record may be followed by control records the application never sees: resolving it resolves them too.
            this.resolve(state, offset === lastMessageOffset ? fetched.nextOffset - 1n : BigInt(offset))
          },
          heartbeat,
          pause,
          commitOffsetsIfNecessary: async (offsets?: Offsets) => (offsets !== undefined ? this.commitOffsetsList(offsets.topics) : this.commitIfNecessary()),
          uncommittedOffsets: () => this.uncommittedOffsets(),
          isRunning: () => this.running,
          isStale: stale,
        }
        failedAt = records[0]!.offset
        await eachBatch(payload)
        failedAt = null
        if (this.runConfig.eachBatchAutoResolve !== false) this.resolve(state, fetched.nextOffset - 1n)
      }
      state.failures = 0
    } catch (error) {
      await this.handleFailure(group, state, error, failedAt)
      return
    }
    if (event !== null) this.emitter.emit(consumerEvents.END_BATCH_PROCESS, { ...event, duration: Date.now() - started })
    // Records handed out but not resolved (a pause, a stop, eachBatch without auto-resolve) are read again.
    const firstOffset = BigInt(records[0]!.offset)
    const resolvedTo = resolvedOf(state) ?? firstOffset
    const handled = this.runConfig.eachMessage !== undefined || this.runConfig.eachBatch !== undefined
    if (handled && !stale() && resolvedTo < fetched.nextOffset && this.partitions.has(key(state.topic, state.partition))) {
      this.seekOwned(state.topic, state.partition, resolvedTo < firstOffset ? firstOffset : resolvedTo)
    }
    if (autoCommit) await this.commitResolved().catch((error: unknown) => this.log.warn('auto-commit failed', { error: String(error) }))
    this.emitHeartbeat()
  }

  /** An error from eachMessage/eachBatch: commit what was resolved, read the failed record again after a back-off, and crash past `retries`. */
  private async handleFailure(group: GroupConsumer, state: PartitionState, error: unknown, failedAtOffset: string | null): Promise<void> {
    const mapped = error instanceof Error ? error : new Error(String(error))
    this.log.error(`Error when calling ${this.runConfig.eachMessage !== undefined ? 'eachMessage' : 'eachBatch'}`, {
      topic: state.topic,
      partition: state.partition,
      offset: failedAtOffset,
      error: mapped.message,
    })
    if (this.autoCommit()) await this.commitResolved().catch(() => undefined)
    if (failedAtOffset !== null && this.partitions.has(key(state.topic, state.partition))) {
      const failedAt = BigInt(failedAtOffset)
      const resolved = resolvedOf(state)
      this.seekOwned(state.topic, state.partition, resolved !== null && resolved > failedAt ? resolved : failedAt)
    }
    void group
    if (mapped instanceof KafkaJSError && !mapped.retriable && mapped.name !== 'KafkaJSNumberOfRetriesExceeded') {
      await this.crash(mapped)
      return
    }
    state.failures++
    if (state.failures > this.retry.retries) {
      state.failures = 0
      const exceeded = new KafkaJSNumberOfRetriesExceeded(mapped, { retryCount: this.retry.retries, retryTime: this.retry.maxRetryTime })
      await this.crash(exceeded)
      if (!this.running) return
    }
    const delay = Math.min(this.retry.maxRetryTime, this.retry.initialRetryTime * this.retry.multiplier ** Math.max(0, state.failures - 1))
    const jitter = delay * this.retry.factor * (Math.random() * 2 - 1)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.round(delay + jitter))))
  }

  private async commitIfNecessary(): Promise<void> {
    if (this.commitDue()) await this.commitResolved()
  }

  /** Whether autoCommitInterval or autoCommitThreshold calls for a commit now (checked after every message: no promise unless it does). */
  private commitDue(): boolean {
    const interval = this.runConfig.autoCommitInterval
    const threshold = this.runConfig.autoCommitThreshold
    return (
      (interval !== undefined && interval !== null && Date.now() >= this.lastCommitAt + interval) ||
      (threshold !== undefined && threshold !== null && this.resolvedSinceCommit >= threshold)
    )
  }

  /** Commits the resolved offsets that moved since the last commit (of `only` these partitions when given). */
  private async commitResolved(only?: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const group = this.group
    if (group === null) return
    const states = only === undefined ? [...this.partitions.values()] : only.map((tp) => this.partitions.get(key(tp.topic, tp.partition))).filter((s) => s !== undefined)
    const due = states.filter((s) => {
      const resolved = resolvedOf(s)
      return resolved !== null && resolved !== s.committed
    })
    this.lastCommitAt = Date.now()
    this.resolvedSinceCommit = 0
    if (due.length === 0) return
    const offsets = due.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.resolved! }))
    await group.commit(offsets)
    for (const [i, s] of due.entries()) s.committed = offsets[i]!.offset
    this.emitCommit(group, offsets)
  }

  /** `manual`: offsets the application passed to commitOffsets(), reported as given (KafkaJS passes them on). */
  private emitCommit(group: GroupConsumer, offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint; manual?: boolean }>): void {
    if (!this.emitter.has(consumerEvents.COMMIT_OFFSETS)) return
    const topics = new Map<string, TopicOffsets>()
    for (const o of offsets) {
      let entry = topics.get(o.topic)
      if (entry === undefined) topics.set(o.topic, (entry = { topic: o.topic, partitions: [] }))
      entry.partitions.push({ partition: o.manual === true ? o.partition : partitionKey(o.partition), offset: String(o.offset) })
    }
    this.emitter.emit(consumerEvents.COMMIT_OFFSETS, { groupId: this.config.groupId, memberId: group.memberId, groupGenerationId: group.generationId, topics: [...topics.values()] })
  }

  private async commitOffsetsList(topics: ReadonlyArray<TopicOffsets>): Promise<void> {
    await this.commitOffsets(topics.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset }))))
  }

  private uncommittedOffsets(): OffsetsByTopicPartition {
    const topics = new Map<string, TopicOffsets>()
    for (const s of this.partitions.values()) {
      const resolved = resolvedOf(s)
      if (resolved === null || resolved === s.committed) continue
      let entry = topics.get(s.topic)
      if (entry === undefined) topics.set(s.topic, (entry = { topic: s.topic, partitions: [] }))
      entry.partitions.push({ partition: partitionKey(s.partition), offset: String(resolved) })
    }
    return { topics: [...topics.values()] }
  }

  commitOffsets(topicPartitions: Array<TopicPartitionOffsetAndMetadata>): Promise<void> {
    return kafkaJSErrors(async () => {
      const offsets = (topicPartitions ?? []).map(({ topic, partition, offset, metadata }) => {
        if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
        if (Number.isNaN(Number(partition))) throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${String(partition)}`)
        let value: bigint
        try {
          value = BigInt(offset)
        } catch {
          throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${String(offset)}`)
        }
        if (value < 0n) throw new KafkaJSNonRetriableError('Offset must not be a negative number')
        if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') {
          throw new KafkaJSNonRetriableError(`Invalid offset metadata, expected string or null, received ${String(metadata)}`)
        }
        return { topic, partition: Number(partition), offset: value, ...(metadata !== undefined ? { metadata } : {}) }
      })
      const group = this.group
      if (group === null) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
      await group.commit(offsets)
      for (const o of offsets) {
        const state = this.partitions.get(key(o.topic, o.partition))
        if (state !== undefined) {
          state.committed = o.offset
          const resolved = resolvedOf(state)
          if (resolved === null || resolved < o.offset) state.resolved = o.offset
        }
      }
      this.emitCommit(
        group,
        offsets.map((o) => ({ ...o, manual: true })),
      )
    })
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    if (Number.isNaN(Number(partition))) throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${String(partition)}`)
    let seekOffset: bigint
    try {
      seekOffset = BigInt(offset)
    } catch {
      throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${String(offset)}`)
    }
    if (seekOffset < 0n && seekOffset !== EARLIEST && seekOffset !== LATEST) throw new KafkaJSNonRetriableError('Offset must not be a negative number')
    if (this.group === null && !this.runRequested) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
    if (this.group === null || !this.partitions.has(key(topic, partition))) {
      // Not assigned (yet): applied when it is, as KafkaJS does.
      this.pendingSeeks.set(key(topic, partition), { topic, partition, offset: seekOffset })
      return
    }
    this.seekOwned(topic, partition, seekOffset)
    const state = this.partitions.get(key(topic, partition))!
    if (seekOffset >= 0n) {
      if (this.autoCommit()) {
        // KafkaJS commits a seek at once with auto-commit; otherwise it counts as resolved.
        const group = this.group
        void group
          .commit([{ topic, partition, offset: seekOffset }])
          .then(() => {
            state.committed = seekOffset
            state.resolved = seekOffset
            state.pendingOffset = null
          })
          .catch((error: unknown) => this.log.warn('commit of the seek offset failed', { error: String(error) }))
      } else {
        state.resolved = seekOffset
        state.pendingOffset = null
      }
    }
  }

  private seekOwned(topic: string, partition: number, offset: bigint): void {
    const group = this.group
    if (group === null) return
    const state = this.partitionState(topic, partition)
    state.version++
    state.fetchPosition = offset >= 0n ? offset : null
    const start: StartOffset = offset === EARLIEST ? { kind: 'earliest' } : offset === LATEST ? { kind: 'latest' } : { kind: 'offset', offset }
    try {
      group.seek(topic, partition, start)
    } catch (error) {
      this.log.warn('seek failed', { topic, partition, offset: String(offset), error: String(error) })
    }
  }

  describeGroup(): Promise<GroupDescription> {
    return kafkaJSErrors(async () => {
      const client = this.client
      if (client === null) throw new KafkaJSNonRetriableError('Consumer not connected')
      return describeOneGroup(client, this.config.groupId)
    })
  }

  /** KafkaJS's checks of pause/resume arguments, in its order and words. */
  private checkTopicPartitions(topics: Array<{ topic: string; partitions?: number[] }>): void {
    for (const tp of topics ?? []) {
      if (tp === null || tp === undefined || !tp.topic) throw new KafkaJSNonRetriableError(`Invalid topic ${String((tp && tp.topic) || tp)}`)
      if (tp.partitions !== undefined && (!Array.isArray(tp.partitions) || tp.partitions.some((p) => Number.isNaN(Number(p))))) {
        throw new KafkaJSNonRetriableError(`Array of valid partitions required to pause specific partitions instead of ${String(tp.partitions)}`)
      }
    }
    if (this.group === null && !this.runRequested) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
  }

  pause(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.checkTopicPartitions(topics)
    for (const { topic, partitions } of topics) {
      if (partitions === undefined) {
        this.pausedTopics.set(topic, 'all')
        continue
      }
      const existing = this.pausedTopics.get(topic)
      if (existing === 'all') continue
      const set = existing ?? new Set<number>()
      for (const partition of partitions) set.add(partition)
      this.pausedTopics.set(topic, set)
    }
    this.applyPauses()
  }

  resume(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.checkTopicPartitions(topics)
    const group = this.group
    const resumed: Array<{ topic: string; partition: number }> = []
    for (const { topic, partitions } of topics) {
      const existing = this.pausedTopics.get(topic)
      if (existing === undefined) continue
      const owned = group?.assignment().filter((tp) => tp.topic === topic) ?? []
      if (partitions === undefined) {
        this.pausedTopics.delete(topic)
        resumed.push(...owned)
        continue
      }
      if (existing === 'all') {
        // Resuming some partitions of a wholly paused topic leaves the others paused.
        const rest = new Set(owned.map((tp) => tp.partition).filter((p) => !partitions.includes(p)))
        this.pausedTopics.set(topic, rest)
      } else {
        for (const partition of partitions) existing.delete(partition)
        if (existing.size === 0) this.pausedTopics.delete(topic)
      }
      for (const partition of partitions) if (owned.some((tp) => tp.partition === partition)) resumed.push({ topic, partition })
    }
    if (group !== null && resumed.length > 0) group.resume(resumed)
  }

  paused(): TopicPartitions[] {
    const owned = this.group?.assignment() ?? []
    const out: TopicPartitions[] = []
    for (const [topic, paused] of this.pausedTopics) {
      const partitions = paused === 'all' ? owned.filter((tp) => tp.topic === topic).map((tp) => tp.partition) : [...paused]
      if (partitions.length > 0) out.push({ topic, partitions: partitions.sort((a, b) => a - b) })
    }
    return out
  }

  /** Pauses, at the kafkats consumer, every owned partition the application paused. */
  private applyPauses(): void {
    const group = this.group
    if (group === null) return
    const list = group.assignment().filter((tp) => this.isPaused(tp.topic, tp.partition))
    if (list.length > 0) group.pause(list)
  }

  async stop(): Promise<void> {
    const group = this.group
    this.runRequested = false
    if (!this.running && group === null) return
    this.running = false
    clearInterval(this.heartbeatTimer)
    clearInterval(this.idleFetchTimer)
    for (const off of this.unsubscribe.splice(0)) off()
    this.abort?.abort()
    await this.loop?.catch(() => undefined)
    this.loop = null
    if (group !== null) {
      if (this.autoCommit()) await this.commitResolved().catch((error: unknown) => this.log.warn('commit on stop failed', { error: String(error) }))
      this.group = null
      await group.close().catch((error: unknown) => this.log.warn('leaving the group failed', { error: String(error) }))
    }
    this.partitions.clear()
    this.emitter.emit(consumerEvents.STOP, null)
  }
}
