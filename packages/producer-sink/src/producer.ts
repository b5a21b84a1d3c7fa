import { type BrokerConnection, type ConnectionPool, type Logger, silentLogger } from '@kafkats/connection'
import type { ClusterMetadata, TopicInfo } from '@kafkats/metadata'
import {
  ErrorCode,
  InitProducerIdApi,
  KafkaError,
  KafkaProtocolError,
  ProduceApi,
  type ProduceResponse,
  type RecordHeader,
  type RecordInput,
  encodeUtf8,
  errorByCode,
  loadCompressionCodec,
} from '@kafkats/protocol'
import { PartitionQueue, ProducerBatch, type RecordMetadata, incrementSequence } from './accumulator.js'
import { BufferFullError } from './buffer-full-error.js'
import { DeliveryTimeoutError } from './delivery-timeout-error.js'
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js'
import { DefaultPartitioner, type Partitioner } from './partitioner.js'
import { ProducerClosedError } from './producer-closed-error.js'
import { WaitQueue } from './wait-queue.js'

/** A record to send. Strings are encoded as UTF-8. */
export interface ProducerRecord {
  topic: string
  key?: Uint8Array | string | null
  /** `null` writes a tombstone. */
  value: Uint8Array | string | null
  headers?: ReadonlyArray<{ key: string; value: Uint8Array | string | null }> | Readonly<Record<string, Uint8Array | string | null>>
  /** Send to this partition instead of asking the partitioner. */
  partition?: number
  /** Milliseconds since the epoch; default: now. */
  timestamp?: bigint | number | Date
}

export interface ProducerEvents {
  /** A new producer id or epoch (InitProducerId, KIP-360 epoch bump). */
  producerIdChanged: { producerId: bigint; producerEpoch: number; reason: string }
  /**
   * The broker lost track of this producer's sequence for a partition (OUT_OF_ORDER_SEQUENCE_NUMBER
   * or UNKNOWN_PRODUCER_ID on the oldest unacknowledged batch): records acknowledged earlier may be
   * missing from the log (for instance after an unclean leader election). The producer bumped its
   * epoch and continued.
   */
  possibleDataLoss: { topic: string; partition: number; errorName: string }
}

export interface ProducerInit extends ProducerOptions {
  metadata: ClusterMetadata
  pool: ConnectionPool
}

/** Errors that mean the partition's leader moved: refresh metadata before the retry. */
const LEADER_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.KAFKA_STORAGE_ERROR,
])
/** Sequence errors: an epoch bump when they hit the oldest unacknowledged batch, else a plain retry. */
const SEQUENCE_ERRORS = new Set<number>([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  ErrorCode.UNKNOWN_PRODUCER_ID,
  ErrorCode.INVALID_PRODUCER_EPOCH,
])
const NO_PRODUCER_ID = -1n

interface InFlightEntry {
  batch: ProducerBatch
  queue: PartitionQueue
}

/**
 * An idempotent (by default) Kafka producer. Records are appended to per-partition batches; a
 * sink per broker drains ready batches into Produce requests (at most one batch per partition per
 * request, up to `maxInFlightPerBroker` requests in flight) and handles the responses in order.
 * See the package README for why this never reorders, duplicates or loses acknowledged records.
 */
export class Producer {
  private readonly options: ResolvedProducerOptions
  private readonly metadata: ClusterMetadata
  private readonly pool: ConnectionPool
  private readonly logger: Logger
  private readonly partitioner: Partitioner
  private readonly queues = new Map<string, PartitionQueue[]>()
  private readonly sinks = new Map<number, Sink>()
  private readonly topicReady = new Map<string, Promise<TopicInfo>>()
  private readonly listeners: { [K in keyof ProducerEvents]: Array<(event: ProducerEvents[K]) => void> } = {
    producerIdChanged: [],
    possibleDataLoss: [],
  }
  private producerId = NO_PRODUCER_ID
  private producerEpoch = -1
  /** Set while the producer id is being obtained or its epoch bumped: sinks send nothing. */
  private idChange: Promise<void> | null = null
  private epochBumpNeeded: string | null = null
  private bufferedBytes = 0
  private bufferedRecords = 0
  private readonly bufferWaiters = new WaitQueue()
  /** True once the producer id is known and the codec loaded (the synchronous path may run). */
  private ready = false
  /** Records on the asynchronous path; while any is, new records take it too (order). */
  private slowInProgress = 0
  private flushing = 0
  private readonly flushWaiters: Array<() => void> = []
  private closed = false
  private started: Promise<void> | null = null
  private expiryTimer: ReturnType<typeof setInterval> | undefined

  constructor(init: ProducerInit) {
    this.options = resolveProducerOptions(init)
    this.metadata = init.metadata
    this.pool = init.pool
    this.logger = (init.logger ?? silentLogger).child({ component: 'producer' })
    const fallback = new DefaultPartitioner(this.options.batchMaxBytes)
    this.partitioner = init.partitioner ?? ((record, count, available) => fallback.partition(record, count, available))
    this.metadata.on('leaderChanged', (event) => this.sinkFor(event.leader)?.schedule())
  }

  on<K extends keyof ProducerEvents>(name: K, listener: (event: ProducerEvents[K]) => void): void {
    this.listeners[name].push(listener)
  }

  /** The current producer id and epoch (-1 before the first send or when not idempotent). */
  get producerIdentity(): { producerId: bigint; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch }
  }

  /** Sends one record; resolves once it is acknowledged (with acks=0: once written to the socket). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return this.accept(record, true)
  }

  /** Like `send`, but fails at once with `BufferFullError` instead of waiting for buffer space. */
  trySend(record: ProducerRecord): Promise<RecordMetadata> {
    return this.accept(record, false)
  }

  /**
   * The per-record path. Once the producer has started and knows the topic, a record with room in
   * the buffer is appended synchronously: no async frames, one promise per record.
   */
  private accept(record: ProducerRecord, wait: boolean): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ProducerClosedError())
    let input: RecordInput
    try {
      input = toRecordInput(record)
    } catch (error) {
      return Promise.reject(error)
    }
    const size = ProducerBatch.recordSize(input)
    const topic = this.ready && this.slowInProgress === 0 && this.bufferWaiters.length === 0 ? this.metadata.topic(record.topic) : undefined
    if (topic !== undefined && !this.bufferFull(size)) {
      let partition: number
      try {
        partition = this.choosePartition(record, input, topic)
      } catch (error) {
        return Promise.reject(error)
      }
      this.reserve(size)
      return new Promise<RecordMetadata>((resolve, reject) => this.append(topic, partition, input, size, resolve, reject))
    }
    if (!wait && this.bufferFull(size)) {
      return Promise.reject(
        new BufferFullError(
          `the producer buffer is full (${this.bufferedRecords} records, ${this.bufferedBytes} bytes of bufferMaxBytes ${this.options.bufferMaxBytes}); wait for acknowledgements or raise bufferMaxBytes/bufferMaxRecords`,
        ),
      )
    }
    return this.acceptSlowly(record, input, size)
  }

  /**
   * First records, unknown topics and a full buffer: wait for what is missing, then append. While
   * any record is on this path, later ones take it too, so records are appended in send order.
   */
  private async acceptSlowly(record: ProducerRecord, input: RecordInput, size: number): Promise<RecordMetadata> {
    this.slowInProgress++
    let appended: Promise<RecordMetadata>
    try {
      if (this.bufferWaiters.length > 0 || this.bufferFull(size)) {
        await this.bufferWaiters.wait()
        while (this.bufferFull(size)) {
          if (this.closed) throw new ProducerClosedError()
          await this.bufferWaiters.waitAtFront()
        }
        this.bufferWaiters.done()
      }
      if (this.closed) throw new ProducerClosedError()
      this.reserve(size)
      try {
        if (this.started === null) this.started = this.start()
        await this.started
        const topic = this.metadata.topic(record.topic) ?? (await this.ensureTopic(record.topic))
        const partition = this.choosePartition(record, input, topic)
        appended = new Promise<RecordMetadata>((resolve, reject) => this.append(topic, partition, input, size, resolve, reject))
      } catch (error) {
        // It never reached a batch, so no batch will release its room.
        this.release(1, size)
        throw error
      }
    } finally {
      this.slowInProgress--
    }
    return appended
  }

  /** Sends several records; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((record) => this.send(record)))
  }

  /** Sends every buffered record now (ignoring lingerMs) and resolves when all are settled. */
  async flush(): Promise<void> {
    this.flushing++
    try {
      for (const sink of this.sinks.values()) sink.schedule()
      this.scheduleAllPartitions()
      while (this.bufferedRecords > 0) await new Promise<void>((wake) => this.flushWaiters.push(wake))
    } finally {
      this.flushing--
    }
  }

  /** Flushes, then closes. Records sent after `close` fail with `ProducerClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    clearInterval(this.expiryTimer)
    this.bufferWaiters.wakeAll()
  }

  // ---- accumulating ----

  private bufferFull(size: number): boolean {
    return (
      this.bufferedRecords > 0 &&
      (this.bufferedBytes + size > this.options.bufferMaxBytes || this.bufferedRecords + 1 > this.options.bufferMaxRecords)
    )
  }

  private reserve(size: number): void {
    this.bufferedBytes += size
    this.bufferedRecords++
  }

  /** Called when a batch (or a record that never reached one) settles. */
  private release(records: number, bytes: number): void {
    this.bufferedBytes -= bytes
    this.bufferedRecords -= records
    this.bufferWaiters.wakeFirst()
    if (this.bufferedRecords === 0) for (const wake of this.flushWaiters.splice(0)) wake()
  }

  private async start(): Promise<void> {
    if (this.options.compression !== 'none') await loadCompressionCodec(this.options.compression)
    this.expiryTimer = setInterval(() => this.expireBatches(), Math.min(1000, Math.max(10, this.options.deliveryTimeoutMs / 10)))
    this.expiryTimer.unref?.()
    if (this.options.idempotent) await this.changeProducerId('initial')
    this.ready = true
  }

  private ensureTopic(name: string): Promise<TopicInfo> {
    let ready = this.topicReady.get(name)
    if (ready === undefined) {
      ready = this.metadata.waitForTopic(name, Math.min(this.options.deliveryTimeoutMs, 60_000))
      this.topicReady.set(name, ready)
      ready.catch(() => this.topicReady.delete(name))
    }
    return ready
  }

  private choosePartition(record: ProducerRecord, input: RecordInput, topic: TopicInfo): number {
    const count = topic.partitions.length
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= count) {
        throw KafkaProtocolError.fromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic: topic.name, partition: record.partition })
      }
      return record.partition
    }
    const available: number[] = []
    for (const partition of topic.partitions) if (partition !== undefined && partition.leader >= 0) available.push(partition.partition)
    const chosen = this.partitioner({ topic: topic.name, key: input.key ?? null, value: input.value }, count, available)
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
      throw new KafkaError(`the partitioner returned ${chosen} for a topic with ${count} partitions`, { errorName: 'INVALID_PARTITION' })
    }
    return chosen
  }

  private queueFor(topic: string, partition: number): PartitionQueue {
    let list = this.queues.get(topic)
    if (list === undefined) {
      list = []
      this.queues.set(topic, list)
    }
    let queue = list[partition]
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition)
      list[partition] = queue
    }
    return queue
  }

  private append(
    topic: TopicInfo,
    partition: number,
    input: RecordInput,
    size: number,
    resolve: (metadata: RecordMetadata) => void,
    reject: (error: Error) => void,
  ): void {
    const queue = this.queueFor(topic.name, partition)
    let batch = queue.openBatch
    if (batch !== undefined && batch.recordCount > 0 && batch.sizeBytes + size > this.options.batchMaxBytes) {
      // Full: it is ready now; a new open batch takes this record.
      this.scheduleQueue(queue)
      batch = undefined
    }
    if (batch === undefined) {
      batch = new ProducerBatch(topic.name, partition, Date.now())
      queue.batches.push(batch)
      const created = batch
      if (this.options.lingerMs > 0) setTimeout(() => this.scheduleQueue(queue, created), this.options.lingerMs)
      else this.scheduleQueue(queue)
    }
    batch.append(input, size, resolve, reject)
    if (batch.sizeBytes >= this.options.batchMaxBytes || this.flushing > 0) this.scheduleQueue(queue)
  }

  /** Asks the sink of the partition's leader to drain. */
  private scheduleQueue(queue: PartitionQueue, _batch?: ProducerBatch): void {
    const leader = this.metadata.partition(queue.topic, queue.partition)?.leader ?? -1
    if (leader < 0) {
      this.metadata.requestRefresh(`no leader for ${queue.topic}-${queue.partition}`)
      setTimeout(() => this.scheduleQueue(queue), this.options.retryBackoffMs).unref?.()
      return
    }
    this.sinkFor(leader, true)!.schedule()
  }

  private scheduleAllPartitions(): void {
    for (const list of this.queues.values()) for (const queue of list) if (queue !== undefined && queue.batches.length > 0) this.scheduleQueue(queue)
  }

  private sinkFor(nodeId: number, create = false): Sink | undefined {
    let sink = this.sinks.get(nodeId)
    if (sink === undefined && create) {
      sink = new Sink(this, nodeId)
      this.sinks.set(nodeId, sink)
    }
    return sink
  }

  // ---- draining (called by sinks) ----

  /** @internal Whether a batch at the tail may still wait for more records. */
  isReady(batch: ProducerBatch, queue: PartitionQueue, now: number): boolean {
    if (batch.isFrozen) return true
    if (this.flushing > 0 || this.closed) return true
    if (queue.batches[queue.batches.length - 1] !== batch) return true
    if (batch.sizeBytes >= this.options.batchMaxBytes) return true
    return now - batch.createdAt >= this.options.lingerMs
  }

  /**
   * @internal The batches (at most one per partition) a sink may send now. Encodes (freezes) a
   * batch the first time it is sent; a retry resends the same bytes.
   */
  collect(nodeId: number, now: number): { entries: InFlightEntry[]; nextWakeAt: number } {
    const entries: InFlightEntry[] = []
    let nextWakeAt = Number.POSITIVE_INFINITY
    if (this.idChange !== null || this.epochBumpNeeded !== null) return { entries, nextWakeAt }
    const maxPerPartition = this.options.idempotent ? 5 : Number.POSITIVE_INFINITY
    for (const list of this.queues.values()) {
      for (const queue of list) {
        if (queue === undefined || queue.batches.length === 0) continue
        if ((this.metadata.partition(queue.topic, queue.partition)?.leader ?? -1) !== nodeId) continue
        if (queue.blocked) {
          if (queue.inFlightCount > 0) continue
          this.unblock(queue)
        }
        if (queue.inFlightCount > 0 && queue.inFlightNode !== nodeId) continue
        if (queue.inFlightCount >= maxPerPartition) continue
        if (queue.retryAt > now) {
          nextWakeAt = Math.min(nextWakeAt, queue.retryAt)
          continue
        }
        const batch = queue.nextToSend()
        if (batch === undefined) continue
        if (!this.isReady(batch, queue, now)) {
          nextWakeAt = Math.min(nextWakeAt, batch.createdAt + this.options.lingerMs)
          continue
        }
        if (!batch.isFrozen) {
          const sequence = this.options.idempotent ? queue.nextSequence : -1
          batch.freeze(this.options.compression, this.producerId, this.producerEpoch, sequence)
          if (this.options.idempotent) queue.nextSequence = incrementSequence(sequence, batch.recordCount)
        }
        entries.push({ batch, queue })
      }
    }
    return { entries, nextWakeAt }
  }

  /** Resumes a partition after an error once nothing of it is in flight: rewinds sequences if a batch failed. */
  private unblock(queue: PartitionQueue): void {
    queue.blocked = false
    if (queue.rewindTo >= 0 && this.options.idempotent) {
      let sequence = queue.rewindTo
      for (const batch of queue.batches) {
        if (!batch.isFrozen || batch.isSettled) continue
        batch.restamp(this.producerId, this.producerEpoch, sequence)
        sequence = incrementSequence(sequence, batch.recordCount)
      }
      queue.nextSequence = sequence
    }
    queue.rewindTo = -1
  }

  /** @internal A sink wrote a request carrying these batches. */
  markSent(entries: InFlightEntry[], nodeId: number): void {
    for (const { batch, queue } of entries) {
      batch.inFlight = true
      batch.sentOnce = true
      queue.inFlightCount++
      queue.inFlightNode = nodeId
    }
  }

  /** @internal The response (or failure) of a request, handled in send order per broker. */
  handleResponse(entries: InFlightEntry[], response: ProduceResponse | null, error: unknown, version: number): void {
    const now = Date.now()
    for (const entry of entries) {
      entry.batch.inFlight = false
      entry.queue.inFlightCount--
    }
    if (response === null && error !== null) {
      // The request may or may not have been written: resend the same batches (same sequences).
      this.logger.debug({ error: String(error), batches: entries.length }, 'produce request failed; retrying')
      for (const { queue } of entries) this.retryLater(queue, now)
      this.metadata.requestRefresh('produce request failed')
    } else if (response === null) {
      // acks=0: written is all we will ever know.
      for (const { batch } of entries) batch.acknowledgedOffset = -1n
    } else {
      const byTopic = new Map<string, ProduceResponse['responses'][number]>()
      for (const topic of response.responses) byTopic.set(version >= 13 ? topic.topicId : topic.name, topic)
      for (const { batch, queue } of entries) {
        const key = version >= 13 ? (this.metadata.topic(batch.topic)?.topicId ?? '') : batch.topic
        const partitionResponse = byTopic.get(key)?.partitionResponses.find((p) => p.index === batch.partition)
        if (partitionResponse === undefined) {
          this.retryLater(queue, now)
          continue
        }
        this.handlePartitionResult(batch, queue, partitionResponse, response, now)
      }
    }
    for (const { queue } of entries) this.completeHead(queue)
  }

  private handlePartitionResult(
    batch: ProducerBatch,
    queue: PartitionQueue,
    result: ProduceResponse['responses'][number]['partitionResponses'][number],
    response: ProduceResponse,
    now: number,
  ): void {
    const code = result.errorCode
    if (code === 0 || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      batch.acknowledgedOffset = result.baseOffset
      batch.logAppendTime = result.logAppendTimeMs
      if (this.options.idempotent) queue.expectedSequence = incrementSequence(batch.baseSequence, batch.recordCount)
      return
    }
    const info = errorByCode(code)
    if (SEQUENCE_ERRORS.has(code) && this.options.idempotent) {
      if (queue.followsAcknowledged(batch)) {
        // The broker lost this producer's state for the partition: only a new epoch recovers.
        this.logger.warn({ topic: batch.topic, partition: batch.partition, error: info.name }, 'broker lost the producer sequence; bumping the epoch: records may have been lost')
        this.emit('possibleDataLoss', { topic: batch.topic, partition: batch.partition, errorName: info.name })
        this.requestEpochBump(`${info.name} on ${batch.topic}-${batch.partition}`)
      }
      // Otherwise an earlier batch of the partition was not written, so this one was refused: resend.
      this.retryLater(queue, now)
      return
    }
    if (info.retriable) {
      if (LEADER_ERRORS.has(code)) {
        const hint = result.currentLeader
        const endpoint = response.nodeEndpoints.find((node) => node.nodeId === hint.leaderId)
        const applied = this.metadata.applyLeaderHint(batch.topic, batch.partition, hint.leaderId, hint.leaderEpoch, endpoint)
        if (!applied) this.metadata.requestRefresh(`${info.name} for ${batch.topic}-${batch.partition}`)
      }
      this.retryLater(queue, now)
      return
    }
    batch.failure = KafkaProtocolError.fromCode(code, {
      apiName: 'Produce',
      topic: batch.topic,
      partition: batch.partition,
      ...(result.errorMessage !== null ? { errorMessage: result.errorMessage } : {}),
    })
    // Not written: later batches of the partition must take over its sequence numbers.
    queue.blocked = true
    if (queue.rewindTo < 0) queue.rewindTo = batch.baseSequence
  }

  private retryLater(queue: PartitionQueue, now: number): void {
    queue.blocked = true
    queue.retryAt = now + this.options.retryBackoffMs
  }

  /** Completes or fails batches from the head only, so a partition's records settle in order. */
  private completeHead(queue: PartitionQueue): void {
    while (queue.batches.length > 0) {
      const head = queue.batches[0]!
      if (head.acknowledgedOffset !== null) {
        queue.batches.shift()
        head.complete()
        this.release(head.recordCount, head.recordBytes)
      } else if (head.failure !== null) {
        queue.batches.shift()
        head.fail(head.failure)
        this.release(head.recordCount, head.recordBytes)
      } else {
        break
      }
    }
    if (queue.batches.length > 0) this.scheduleQueue(queue)
  }

  /** Fails batches that waited longer than deliveryTimeoutMs (never one in flight). */
  private expireBatches(): void {
    const now = Date.now()
    for (const list of this.queues.values()) {
      for (const queue of list) {
        if (queue === undefined) continue
        while (queue.batches.length > 0) {
          const head = queue.batches[0]!
          if (head.inFlight || head.isSettled || now - head.createdAt < this.options.deliveryTimeoutMs) break
          queue.batches.shift()
          head.fail(new DeliveryTimeoutError(head.topic, head.partition, this.options.deliveryTimeoutMs, head.sentOnce))
          this.release(head.recordCount, head.recordBytes)
          if (head.sentOnce && this.options.idempotent) {
            // It may be in the log: the sequence state is unknown, so start a new epoch.
            this.requestEpochBump(`delivery timeout on ${head.topic}-${head.partition}`)
          } else if (head.isFrozen && this.options.idempotent) {
            queue.blocked = true
            if (queue.rewindTo < 0) queue.rewindTo = head.baseSequence
          }
        }
      }
    }
  }

  // ---- producer id and epoch ----

  private requestEpochBump(reason: string): void {
    if (this.epochBumpNeeded !== null) return
    this.epochBumpNeeded = reason
    this.maybeBumpEpoch()
  }

  /** @internal Called when in-flight requests settle: bumps the epoch once nothing is in flight anywhere. */
  maybeBumpEpoch(): void {
    if (this.epochBumpNeeded === null || this.idChange !== null) return
    for (const sink of this.sinks.values()) if (sink.inFlight > 0) return
    const reason = this.epochBumpNeeded
    this.changeProducerId(reason).then(
      () => {
        this.epochBumpNeeded = null
        // Every unacknowledged batch starts over at sequence 0 under the new epoch, in order.
        for (const list of this.queues.values()) {
          for (const queue of list) {
            if (queue === undefined) continue
            let sequence = 0
            for (const batch of queue.batches) {
              if (!batch.isFrozen || batch.isSettled) continue
              batch.restamp(this.producerId, this.producerEpoch, sequence)
              sequence = incrementSequence(sequence, batch.recordCount)
            }
            queue.nextSequence = sequence
            queue.expectedSequence = 0
            queue.rewindTo = -1
            queue.blocked = false
          }
        }
        this.scheduleAllPartitions()
      },
      (error: unknown) => {
        this.logger.error({ error: String(error) }, 'cannot obtain a producer id; retrying')
        setTimeout(() => this.maybeBumpEpoch(), this.options.retryBackoffMs).unref?.()
      },
    )
  }

  /**
   * InitProducerId: a first id, or (KIP-360, v3+) the same id with the next epoch. Brokers older
   * than KIP-360 get a new id instead. Retries retriable errors until it works.
   */
  private changeProducerId(reason: string): Promise<void> {
    const run = async (): Promise<void> => {
      const started = Date.now()
      for (let attempt = 0; ; attempt++) {
        try {
          const snapshot = this.metadata.snapshot.brokers.size > 0 ? this.metadata.snapshot : await this.metadata.refresh()
          const brokers = [...snapshot.brokers.values()]
          const broker = brokers[attempt % brokers.length]!
          const connection: BrokerConnection = await this.pool.get(broker.address, 'produce')
          const version = connection.versionFor(InitProducerIdApi)
          const bump = this.producerId !== NO_PRODUCER_ID && version >= 3
          const response = await connection.request(
            InitProducerIdApi,
            InitProducerIdApi.createRequest({
              transactionalId: null,
              transactionTimeoutMs: 2147483647,
              producerId: bump ? this.producerId : -1n,
              producerEpoch: bump ? this.producerEpoch : -1,
            }),
          )
          if (response.errorCode !== 0) throw KafkaProtocolError.fromCode(response.errorCode, { apiName: 'InitProducerId' })
          this.producerId = response.producerId
          this.producerEpoch = response.producerEpoch
          this.logger.info({ producerId: String(this.producerId), producerEpoch: this.producerEpoch, reason }, 'producer id assigned')
          this.emit('producerIdChanged', { producerId: this.producerId, producerEpoch: this.producerEpoch, reason })
          return
        } catch (error) {
          if (KafkaError.isInstance(error) && !error.retriable && attempt > 0) throw error
          // A fresh cluster may answer COORDINATOR_LOAD_IN_PROGRESS for seconds: keep trying within the delivery timeout.
          if (Date.now() - started > this.options.deliveryTimeoutMs) throw error
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, this.options.retryBackoffMs * 2 ** Math.min(attempt, 4))))
        }
      }
    }
    const change = run().finally(() => {
      this.idChange = null
    })
    this.idChange = change
    return change
  }

  private emit<K extends keyof ProducerEvents>(name: K, event: ProducerEvents[K]): void {
    for (const listener of this.listeners[name]) listener(event)
  }

  // ---- used by sinks ----

  /** @internal */
  get resolved(): ResolvedProducerOptions {
    return this.options
  }

  /** @internal */
  connectionFor(nodeId: number): Promise<BrokerConnection> {
    const broker = this.metadata.broker(nodeId)
    if (broker === undefined) return Promise.reject(new KafkaError(`broker ${nodeId} is not in the metadata`, { errorName: 'BROKER_NOT_AVAILABLE', retriable: true }))
    return this.pool.get(broker.address, 'produce')
  }

  /** @internal */
  topicId(topic: string): string {
    return this.metadata.topic(topic)?.topicId ?? ''
  }

  /** @internal */
  get log(): Logger {
    return this.logger
  }
}

/**
 * A broker's outbox: drains ready batches of the partitions this broker leads into Produce
 * requests, keeps up to `maxInFlightPerBroker` in flight on its one produce connection, and hands
 * responses back to the producer in send order (the connection resolves them in that order).
 */
class Sink {
  private readonly producer: Producer
  readonly nodeId: number
  inFlight = 0
  private scheduled = false
  private wakeTimer: ReturnType<typeof setTimeout> | undefined
  private wakeAt = Number.POSITIVE_INFINITY
  /** Requests are written one at a time so their order on the wire is their order of creation. */
  private writing: Promise<void> = Promise.resolve()

  constructor(producer: Producer, nodeId: number) {
    this.producer = producer
    this.nodeId = nodeId
  }

  schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      this.drain()
    })
  }

  private drain(): void {
    const options = this.producer.resolved
    while (this.inFlight < options.maxInFlightPerBroker) {
      const now = Date.now()
      const { entries, nextWakeAt } = this.producer.collect(this.nodeId, now)
      if (nextWakeAt !== Number.POSITIVE_INFINITY) this.wakeLater(nextWakeAt, now)
      if (entries.length === 0) return
      this.producer.markSent(entries, this.nodeId)
      this.inFlight++
      this.send(entries)
    }
  }

  private wakeLater(at: number, now: number): void {
    if (at >= this.wakeAt && this.wakeTimer !== undefined) return
    clearTimeout(this.wakeTimer)
    this.wakeAt = at
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined
      this.wakeAt = Number.POSITIVE_INFINITY
      this.schedule()
    }, Math.max(0, at - now))
  }

  private send(entries: InFlightEntry[]): void {
    const options = this.producer.resolved
    const byTopic = new Map<string, Array<{ index: number; records: Uint8Array | null }>>()
    // The request is written once into a buffer of about its final size, not grown by doubling.
    let sizeHint = 256
    for (const { batch } of entries) {
      sizeHint += (batch.encoded?.length ?? 0) + 64
      let partitions = byTopic.get(batch.topic)
      if (partitions === undefined) {
        partitions = []
        byTopic.set(batch.topic, partitions)
      }
      partitions.push({ index: batch.partition, records: batch.encoded })
    }
    const request = ProduceApi.createRequest({
      transactionalId: null,
      acks: options.acks,
      timeoutMs: options.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, topicId: this.producer.topicId(name), partitionData })),
    })
    this.producer.log.debug({ broker: this.nodeId, partitions: entries.length, inFlight: this.inFlight }, 'produce request')
    const previous = this.writing
    let version = ProduceApi.maxVersion
    // The next request is written only after this one has been handed to the connection, so the
    // order on the wire is the order of creation (the connection keeps it from there).
    let markWritten!: () => void
    this.writing = new Promise<void>((resolve) => {
      markWritten = resolve
    })
    const outcome = (async (): Promise<ProduceResponse | null> => {
      try {
        const connection = await this.producer.connectionFor(this.nodeId)
        await previous
        version = connection.versionFor(ProduceApi)
        const pending =
          options.acks === 0
            ? connection.requestWithoutResponse(ProduceApi, request, { version, sizeHint }).then(() => null)
            : connection.request(ProduceApi, request, { version, serverTimeoutMs: options.requestTimeoutMs, sizeHint })
        markWritten()
        return await pending
      } finally {
        markWritten()
      }
    })()
    outcome.then(
      (response) => this.settle(entries, response, null, version),
      (error: unknown) => this.settle(entries, null, error ?? new Error('produce failed'), version),
    )
  }

  private settle(entries: InFlightEntry[], response: ProduceResponse | null, error: unknown, version: number): void {
    this.inFlight--
    try {
      this.producer.handleResponse(entries, response, error, version)
    } catch (caught) {
      this.producer.log.error({ error: String(caught) }, 'failed to handle a produce response')
    }
    this.producer.maybeBumpEpoch()
    this.schedule()
  }
}

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? encodeUtf8(value) : value
}

function toRecordInput(record: ProducerRecord): RecordInput {
  let headers: RecordHeader[] | undefined
  if (record.headers !== undefined) {
    headers = []
    if (Array.isArray(record.headers)) {
      for (const header of record.headers as ReadonlyArray<{ key: string; value: Uint8Array | string | null }>) {
        headers.push({ key: header.key, value: header.value === null ? null : toBytes(header.value) })
      }
    } else {
      for (const [key, value] of Object.entries(record.headers as Record<string, Uint8Array | string | null>)) {
        headers.push({ key, value: value === null ? null : toBytes(value) })
      }
    }
  }
  const timestamp =
    record.timestamp === undefined ? Date.now() : record.timestamp instanceof Date ? record.timestamp.getTime() : record.timestamp
  const input: RecordInput = {
    key: record.key === undefined || record.key === null ? null : toBytes(record.key),
    value: record.value === null ? null : toBytes(record.value),
    timestamp,
  }
  if (headers !== undefined) input.headers = headers
  return input
}
