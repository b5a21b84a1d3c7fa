import type { Kafka as KafkatsKafka, Producer as KafkatsProducer, PartitionProduceResult, ProducerOptions, ProducerRecord as KafkatsRecord } from 'kafkats'
import type { ClientFactory, CommittedOffset, CommittedOffsets } from './client.js'
import { toCompressionCodec } from './compression.js'
import { KafkaJSError, KafkaJSNonRetriableError, kafkaJSErrors, toKafkaJSError } from './errors.js'
import { InstrumentationEmitter } from './instrumentation.js'
import type { Logger } from './logger.js'
import type {
  CompressionTypes,
  ConnectEvent,
  DisconnectEvent,
  IHeaders,
  InstrumentationEvent,
  Message,
  Offsets,
  PartitionMetadata,
  ProducerBatch,
  ProducerConfig,
  ProducerEvents,
  ProducerRecord,
  RecordMetadata,
  RemoveInstrumentationEventListener,
  RequestEvent,
  RequestQueueSizeEvent,
  RequestTimeoutEvent,
  TopicMessages,
  ValueOf,
} from './types.js'

export const producerEvents: ProducerEvents = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
}

interface Sender {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
}

export type Transaction = Sender & {
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

export type Producer = Sender & {
  connect(): Promise<void>
  disconnect(): Promise<void>
  isIdempotent(): boolean
  readonly events: ProducerEvents
  on(eventName: ProducerEvents['CONNECT'], listener: (event: ConnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ProducerEvents['DISCONNECT'], listener: (event: DisconnectEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ProducerEvents['REQUEST'], listener: (event: RequestEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ProducerEvents['REQUEST_QUEUE_SIZE'], listener: (event: RequestQueueSizeEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ProducerEvents['REQUEST_TIMEOUT'], listener: (event: RequestTimeoutEvent) => void): RemoveInstrumentationEventListener<typeof eventName>
  on(eventName: ValueOf<ProducerEvents>, listener: (event: InstrumentationEvent<unknown>) => void): RemoveInstrumentationEventListener<typeof eventName>
  transaction(): Promise<Transaction>
  logger(): Logger
}

/** An idempotent producer keeps at most this many requests in flight per broker (the broker's duplicate window). */
const IDEMPOTENT_IN_FLIGHT_MAX = 5

/** KafkaJS headers (a value may be an array: one header per element) as kafkats's list. */
function toHeaders(headers: IHeaders | undefined): Array<{ key: string; value: Uint8Array | string | null }> | undefined {
  if (headers === undefined || headers === null) return undefined
  const list: Array<{ key: string; value: Uint8Array | string | null }> = []
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) list.push({ key, value: item })
    else list.push({ key, value })
  }
  return list
}

function toPartitionMetadata(partitions: ReadonlyArray<{ partition: number; leader: number; replicas: readonly number[]; isr: readonly number[]; offlineReplicas: readonly number[]; errorCode: number }>): PartitionMetadata[] {
  return partitions.map((p) => ({
    partitionErrorCode: p.errorCode,
    partitionId: p.partition,
    leader: p.leader,
    replicas: [...p.replicas],
    isr: [...p.isr],
    offlineReplicas: [...p.offlineReplicas],
  }))
}

/**
 * KafkaJS answers a send with one entry per partition written: its first offset in `baseOffset`,
 * and the partition's log start offset from the Produce response (the newest one heard when
 * kafkats split the call's records over several requests), as decimal strings. kafkats' sendBatch
 * sums them up per partition itself (`metadata: 'partitions'`), once per acknowledged batch: no
 * metadata object per record to make and fold here.
 */
function toRecordMetadata(partitions: readonly PartitionProduceResult[]): RecordMetadata[] {
  const answer = new Array<RecordMetadata>(partitions.length)
  for (let i = 0; i < partitions.length; i++) {
    const { topic, partition, baseOffset, logStartOffset } = partitions[i]!
    answer[i] = { topicName: topic, partition, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: String(logStartOffset) }
  }
  return answer
}

const noRecordMetadata = (): RecordMetadata[] => []
const rejectAsKafkaJS = (error: unknown): never => {
  throw toKafkaJSError(error)
}

/**
 * One kafkats sendBatch per KafkaJS send: one promise for the call instead of one per record; it
 * rejects when a record fails, as a Promise.all over per-record sends did. With acks=0 KafkaJS
 * answers with no metadata, so kafkats builds none.
 */
function sendThrough(producer: KafkatsProducer, records: KafkatsRecord[], acks: number): Promise<RecordMetadata[]> {
  if (acks === 0) return producer.sendBatch(records, { metadata: false }).then(noRecordMetadata, rejectAsKafkaJS)
  return producer.sendBatch(records, { metadata: 'partitions' }).then(toRecordMetadata, rejectAsKafkaJS)
}

/** Checks a KafkaJS batch the way KafkaJS does, with its messages, before anything is sent. */
function checkTopicMessages(topicMessages: readonly TopicMessages[]): void {
  for (const { topic, messages } of topicMessages) {
    if (typeof topic !== 'string' || topic === '') throw new KafkaJSNonRetriableError(`Invalid topic`)
    if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`)
    for (const message of messages) {
      if (message === null || typeof message !== 'object' || message.value === undefined) {
        throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(message)}`)
      }
    }
  }
}

export class CompatProducer implements Producer {
  readonly events = producerEvents
  private readonly emitter = new InstrumentationEmitter(producerEvents, 'producer')
  private readonly log: Logger
  private client: KafkatsKafka | null = null
  private disconnecting = false
  private connecting: Promise<void> | null = null
  /** kafkats fixes acks and compression per producer; KafkaJS per send: one producer per combination, made on first use. */
  private readonly producers = new Map<string, KafkatsProducer>()
  private readonly partitioner: ((args: { topic: string; partitionMetadata: PartitionMetadata[]; message: Message }) => number) | null
  private activeTransaction: CompatTransaction | null = null
  /** With a transactionalId: the producer whose sends belong to transactions. */
  private transactional: KafkatsProducer | null = null

  constructor(
    private readonly factory: ClientFactory,
    private readonly config: ProducerConfig,
  ) {
    this.log = factory.logger.namespace('Producer')
    this.partitioner = config.createPartitioner === undefined ? null : config.createPartitioner()
    if (config.transactionalId !== undefined && config.idempotent === false) {
      throw new KafkaJSNonRetriableError('Transactional producer must be idempotent')
    }
    // KafkaJS merges the producer's retry over the client's; an explicitly idempotent producer that
    // may not retry is refused (a transient error would then lose records). Only when idempotence
    // was asked for: here it is also the default, and KafkaJS code that turned retries off for a
    // plain producer keeps working.
    const retries = config.retry?.retries ?? factory.config.retry?.retries
    if (config.idempotent === true && retries !== undefined && retries < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
  }

  /** Idempotent unless `idempotent: false` was given (KafkaJS defaults to false; kafkats to true). */
  isIdempotent(): boolean {
    return this.config.idempotent !== false
  }

  logger(): Logger {
    return this.log
  }

  on(eventName: ValueOf<ProducerEvents>, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener<typeof eventName> {
    return this.emitter.on(eventName, listener as (event: InstrumentationEvent<unknown>) => void)
  }

  connect(): Promise<void> {
    this.connecting ??= kafkaJSErrors(async () => {
      const client = await this.factory.connect({
        component: 'Producer',
        network: this.emitter,
        ...(this.config.metadataMaxAge !== undefined ? { metadataMaxAge: this.config.metadataMaxAge } : {}),
        ...(this.config.allowAutoTopicCreation !== undefined ? { allowAutoTopicCreation: this.config.allowAutoTopicCreation } : {}),
      })
      this.client = client
      // KafkaJS obtains the producer id in connect(); a transactional producer also registers its transactionalId.
      if (this.config.transactionalId !== undefined) {
        this.transactional = client.producer({
          ...this.baseOptions(-1, 'none', undefined, true),
          transactionalId: this.config.transactionalId,
          ...(this.config.transactionTimeout !== undefined ? { transactionTimeoutMs: this.config.transactionTimeout } : {}),
        })
        await this.transactional.initTransactions()
      } else if (this.isIdempotent()) await this.producerFor(-1, undefined, undefined).ready()
      this.emitter.emit(producerEvents.CONNECT, null)
    }).catch((error: unknown) => {
      this.connecting = null
      throw error
    })
    return this.connecting
  }

  async disconnect(): Promise<void> {
    const client = this.client
    if (client === null || this.disconnecting) return
    this.disconnecting = true
    try {
      // Records already accepted are delivered first (kafkats flushes on close).
      const producers = [...this.producers.values(), ...(this.transactional === null ? [] : [this.transactional])]
      await Promise.allSettled(producers.map((producer) => producer.close()))
      this.producers.clear()
      this.transactional = null
      await client.close()
    } finally {
      this.emitter.attachConnections(null)
      this.client = null
      this.connecting = null
      this.disconnecting = false
    }
    this.emitter.emit(producerEvents.DISCONNECT, null)
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== 'object') return Promise.reject(new KafkaJSNonRetriableError('Invalid producer record'))
    const { topic, messages, ...rest } = record
    return this.sendBatch({ ...rest, topicMessages: [{ topic, messages }] })
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    // A transactional producer's send() outside a transaction is an idempotent send, as in KafkaJS.
    return this.sendRecords(batch)
  }

  /**
   * The send path shared by the producer and its transactions. It never throws: every error comes
   * back as a rejection with KafkaJS's classes. Not an async function on purpose: once the records
   * are handed to kafkats nothing of the call stays referenced (the KafkaJS messages, the kafkats
   * records made from them, their array) until the acknowledgement, only what kafkats buffers
   * itself. An async frame (and kafkaJSErrors' closure over the batch) kept all of them alive
   * across its `await`: with 4 calls of 5,000 records in flight they outlived young-generation
   * collections and were copied and promoted, which kafkats' own sendBatch callers never pay.
   */
  sendRecords(batch: ProducerBatch, through?: KafkatsProducer): Promise<RecordMetadata[]> {
    try {
      const topicMessages = batch.topicMessages ?? []
      checkTopicMessages(topicMessages)
      const acks = batch.acks ?? -1
      if (acks !== -1 && acks !== 0 && acks !== 1) throw new KafkaJSNonRetriableError(`Invalid acks ${String(acks)}: expected -1, 0 or 1`)
      // Asked for idempotence explicitly: KafkaJS refuses what would void it.
      if (this.config.idempotent === true && acks !== -1) throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees")
      const producer = through ?? this.producerFor(acks, batch.compression, batch.timeout)
      // A topic the client has no metadata for yet is looked up first (once per topic: the
      // only path that waits before the records are made).
      if (this.partitioner !== null && topicMessages.some(({ topic }) => this.connected().metadata.topic(topic) === undefined)) {
        return this.loadMetadataThenSend(topicMessages, producer, acks)
      }
      return sendThrough(producer, this.toRecords(topicMessages, (topic) => this.knownPartitionMetadata(topic)), acks)
    } catch (error) {
      return Promise.reject(toKafkaJSError(error))
    }
  }

  private async loadMetadataThenSend(topicMessages: readonly TopicMessages[], producer: KafkatsProducer, acks: number): Promise<RecordMetadata[]> {
    const loaded = new Map<string, PartitionMetadata[] | null>()
    try {
      for (const { topic } of topicMessages) if (!loaded.has(topic)) loaded.set(topic, await this.partitionMetadata(topic))
    } catch (error) {
      throw toKafkaJSError(error)
    }
    return sendThrough(producer, this.toRecords(topicMessages, (topic) => loaded.get(topic) ?? null), acks)
  }

  /** KafkaJS messages as kafkats records, partitioned by the KafkaJS partitioner when there is one. */
  private toRecords(topicMessages: readonly TopicMessages[], partitionMetadataOf: (topic: string) => PartitionMetadata[] | null): KafkatsRecord[] {
    const records: KafkatsRecord[] = []
    for (const { topic, messages } of topicMessages) {
      const partitionMetadata = this.partitioner === null ? null : partitionMetadataOf(topic)
      for (const message of messages) {
        let partition = message.partition
        if ((partition === undefined || partition === null) && this.partitioner !== null && partitionMetadata !== null) {
          partition = this.partitioner({ topic, partitionMetadata, message })
        }
        // One shape for every record, optional fields set only when given (spreading `{}` per
        // field cost an object each and gave records of many shapes).
        const record: KafkatsRecord = { topic, value: message.value, key: message.key ?? null }
        const headers = toHeaders(message.headers)
        if (headers !== undefined) record.headers = headers
        if (partition !== undefined && partition !== null) record.partition = partition
        if (message.timestamp !== undefined && message.timestamp !== null) record.timestamp = Number(message.timestamp)
        records.push(record)
      }
    }
    return records
  }

  private knownPartitionMetadata(topic: string): PartitionMetadata[] | null {
    const info = this.connected().metadata.topic(topic)
    return info === undefined ? null : toPartitionMetadata(info.partitions)
  }

  private async partitionMetadata(topic: string): Promise<PartitionMetadata[] | null> {
    const client = this.connected()
    const info = client.metadata.topic(topic) ?? (await client.metadata.addTopics([topic]))[0]
    return info === undefined ? null : toPartitionMetadata(info.partitions)
  }

  private connected(): KafkatsKafka {
    // KafkaJS's words and classes for both states.
    if (this.disconnecting) throw new KafkaJSNonRetriableError("The producer is disconnecting; therefore, it can't safely accept messages anymore")
    if (this.client === null) throw new KafkaJSError('The producer is disconnected')
    return this.client
  }

  private producerFor(acks: number, compression: CompressionTypes | undefined, timeoutMs: number | undefined): KafkatsProducer {
    const client = this.connected()
    const codec = toCompressionCodec(compression)
    const key = `${acks}/${codec}/${timeoutMs ?? ''}`
    let producer = this.producers.get(key)
    if (producer !== undefined) return producer
    const options = this.baseOptions(acks, codec, timeoutMs, this.isIdempotent() && acks === -1)
    producer = client.producer(options)
    this.producers.set(key, producer)
    return producer
  }

  /** kafkats options for one acks/compression/timeout combination (idempotence needs acks=all). */
  private baseOptions(acks: number, codec: ReturnType<typeof toCompressionCodec>, timeoutMs: number | undefined, idempotent: boolean): ProducerOptions {
    const inFlight = this.config.maxInFlightRequests ?? IDEMPOTENT_IN_FLIGHT_MAX
    return {
      idempotent,
      acks: acks === -1 ? 'all' : (acks as 0 | 1),
      compression: codec,
      // KafkaJS sends each send() as it comes; no waiting for more records.
      lingerMs: 0,
      inFlightMaxRequestsPerBroker: idempotent ? Math.min(Math.max(inFlight, 1), IDEMPOTENT_IN_FLIGHT_MAX) : Math.max(inFlight, 1),
      ...(timeoutMs !== undefined ? { ackTimeoutMs: timeoutMs } : {}),
      ...(this.config.retry?.initialRetryTime !== undefined ? { retryBackoffMs: this.config.retry.initialRetryTime } : {}),
    }
  }

  /** The transactional kafkats producer (made in connect). */
  transactionalProducer(): KafkatsProducer {
    if (this.transactional === null) throw new KafkaJSError('The producer is disconnected')
    return this.transactional
  }

  transaction(): Promise<Transaction> {
    return kafkaJSErrors(async () => {
      if (this.config.transactionalId === undefined) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
      if (this.activeTransaction !== null && this.activeTransaction.isActive()) {
        throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.')
      }
      const producer = this.transactionalProducer()
      producer.beginTransaction()
      const transaction = new CompatTransaction(this, producer, this.factory.committedOffsets, () => {
        if (this.activeTransaction === transaction) this.activeTransaction = null
      })
      this.activeTransaction = transaction
      return transaction
    })
  }
}

/** KafkaJS's answer to any use of a transaction after its commit or abort. */
const TRANSACTION_ENDED = 'Cannot continue to use transaction once ended'

class CompatTransaction implements Transaction {
  private active = true
  /** Offsets sent in this transaction, per group: committed with it. */
  private readonly sentOffsets: Array<{ groupId: string; offsets: CommittedOffset[] }> = []

  constructor(
    private readonly owner: CompatProducer,
    private readonly producer: KafkatsProducer,
    private readonly committedOffsets: CommittedOffsets,
    private readonly onEnd: () => void,
  ) {}

  isActive(): boolean {
    return this.active
  }

  /**
   * Every method checks that the transaction is still open before it looks at its arguments, and
   * rejects (never throws): KafkaJS code calls `txn.send()` on an ended transaction and awaits a
   * rejection with KafkaJS's message.
   */
  private guarded<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.active) return Promise.reject(new KafkaJSNonRetriableError(TRANSACTION_ENDED))
    return kafkaJSErrors(operation)
  }

  // send and sendBatch check like guarded() but without its closure, which would hold the batch
  // (and every message in it) until the records are acknowledged (CompatProducer.sendRecords).
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (!this.active) return Promise.reject(new KafkaJSNonRetriableError(TRANSACTION_ENDED))
    if (record === null || typeof record !== 'object') return Promise.reject(new KafkaJSNonRetriableError('Invalid producer record'))
    const { topic, messages, ...rest } = record
    return this.sendRecords({ ...rest, topicMessages: [{ topic, messages }] })
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (!this.active) return Promise.reject(new KafkaJSNonRetriableError(TRANSACTION_ENDED))
    if (batch === null || typeof batch !== 'object') return Promise.reject(new KafkaJSNonRetriableError('Invalid producer batch'))
    return this.sendRecords(batch)
  }

  private sendRecords(batch: ProducerBatch): Promise<RecordMetadata[]> {
    // Inside a transaction every record goes through the transactional producer (acks=all, its
    // compression): kafkats fixes both per producer, and only that producer is in the transaction.
    return this.owner.sendRecords({ ...batch, acks: -1 }, this.producer)
  }

  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void> {
    return this.guarded(async () => {
      const list = offsets.topics.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition: toPartitionNumber(partition), offset: BigInt(offset) })))
      // KafkaJS sends no group generation or member id (no KIP-447 fencing); neither does this.
      await this.producer.sendOffsets(list, { groupId: offsets.consumerGroupId, generationId: -1, memberId: '', groupInstanceId: null })
      this.sentOffsets.push({ groupId: offsets.consumerGroupId, offsets: list })
    })
  }

  // The transaction ends only when the commit or abort succeeds, as in KafkaJS: after a failed
  // commit the common `catch { await txn.abort() }` must still reach the broker (kafkats accepts
  // an abort, or a repeated commit, in that state).
  commit(): Promise<void> {
    return this.guarded(async () => {
      await this.producer.commitTransaction()
      for (const { groupId, offsets } of this.sentOffsets.splice(0)) this.committedOffsets.markCommitted(groupId, offsets)
      this.end()
    })
  }

  abort(): Promise<void> {
    return this.guarded(async () => {
      await this.producer.abortTransaction()
      this.end()
    })
  }

  private end(): void {
    this.active = false
    this.onEnd()
  }
}

/**
 * KafkaJS's `uncommittedOffsets()` and `COMMIT_OFFSETS` give partitions as strings at run time
 * (its types say number), and consume-transform-produce code passes them straight to
 * `sendOffsets`: both spellings are accepted, as KafkaJS accepts them.
 */
function toPartitionNumber(partition: number | string): number {
  return typeof partition === 'string' && /^\d+$/.test(partition) ? Number(partition) : (partition as number)
}
