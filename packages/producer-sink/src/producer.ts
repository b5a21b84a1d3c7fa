import { type BrokerConnection, type ConnectionPool, type Logger, backoffMs, silentLogger } from '@kafkats/connection'
import type { ClusterMetadata, TopicInfo } from '@kafkats/metadata'
import {
  ErrorCode,
  InitProducerIdApi,
  InvalidArgumentError,
  KafkaError,
  KafkaProtocolError,
  ProduceApi,
  type RecordBatchBuilderOptions,
  type RecordInput,
  loadCompressionCodec,
} from '@kafkats/protocol'
import { type DeliveryTarget, type PartitionProduceResult, PartitionQueue, ProducerBatch, type RecordMetadata } from './accumulator.js'
import { PartitionsDelivery } from './partitions-delivery.js'
import { BatchBufferPool } from './batch-buffer-pool.js'
import { BufferFullError } from './buffer-full-error.js'
import { DeliveryTimeoutError } from './delivery-timeout-error.js'
import { producerIdChannel } from './diagnostics.js'
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js'
import { DefaultPartitioner, type Partitioner } from './partitioner.js'
import { ProducerClosedError } from './producer-closed-error.js'
import { bytesOf, checkTopicName, toRecordInput } from './record-input.js'
import { Sink, type SinkHost } from './sink.js'
import { TransactionStateError } from './transaction-state-error.js'
import type { TransactionState } from './transaction-state.js'
import {
  type ConsumerGroupMetadata,
  LAST_PRODUCE_VERSION_BEFORE_TV2,
  type TransactionHost,
  TransactionManager,
  type TransactionOffset,
} from './transaction-manager.js'

/**
 * Batch memory blocks (batch-buffer-pool.ts): batchMaxBytes plus room for the batch header and
 * records whose encoded size exceeds the producer's per-record estimate; a batch larger than a
 * block gets its own array.
 */
const BATCH_BLOCK_SLACK_BYTES = 4096
/** Blocks kept for reuse when more were released than batches took: bounds what an idle producer holds. */
const MAX_FREE_BATCH_BLOCKS = 8
/**
 * Bytes of smaller batches' memory (power-of-two size classes) kept for reuse: with 1,000
 * partitions of ~2 KiB batches this holds what one round of responses gives back.
 */
const MAX_FREE_SMALL_BATCH_BYTES = 4 * 1024 * 1024

/** What `producer.transaction(fn)` hands to `fn`: sends and offsets that belong to the transaction. */
export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata>
  /** As the producer's `sendBatch`, with the same `metadata` options. */
  sendBatch: Producer['sendBatch']
  /** Commits these consumed offsets to the group if and only if the transaction commits (KIP-447). */
  sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void>
}


/** What `sendBatch` resolves with: each record's metadata (default), a summary per partition, or nothing. */
export interface SendBatchOptions {
  metadata?: boolean | 'partitions'
}

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

const NO_PRODUCER_ID = -1n

/**
 * An idempotent (by default) Kafka producer. Records are appended to per-partition batches; a
 * sink per broker drains ready batches into Produce requests (at most one batch per partition per
 * request, up to `inFlightMaxRequestsPerBroker` requests in flight) and handles the responses in order.
 * See the package README for why this never reorders, duplicates or loses acknowledged records.
 */
/** A producer's buffer and progress now (`producer.metrics()`). */
export interface ProducerMetrics {
  /** The producer's transactionalId, or null. */
  transactionalId: string | null
  /** -1 before the producer has an id (or when not idempotent). */
  producerId: bigint
  producerEpoch: number
  /** Bytes of records accepted by `send` and not yet settled (acknowledged or failed), as the buffer counts them. */
  bufferUsedBytes: number
  bufferMaxBytes: number
  /** Records accepted and not yet settled. */
  bufferedRecords: number
  bufferMaxRecords: number
  /**
   * Records sent but not in a batch yet: waiting, in send order, for the producer's start, their
   * topic's metadata or buffer space.
   */
  bufferWaiters: number
  /** Produce requests written and not yet answered, over all brokers. */
  inFlightRequests: number
  /** Record batches put in Produce requests, retries included. */
  batchesSent: number
  /** Of those, resends of a batch sent before. */
  batchRetries: number
  /** Records acknowledged by the brokers (acks=0: written). */
  recordsAcknowledged: number
  /** Records that failed (their `send` rejected after they were accepted). */
  recordsFailed: number
}

export class Producer {
  private readonly options: ResolvedProducerOptions
  private readonly metadata: ClusterMetadata
  private readonly pool: ConnectionPool
  private readonly logger: Logger
  private readonly partitioner: Partitioner
  /** Set when no partitioner was given: called without a record object per send. */
  private readonly defaultPartitioner: DefaultPartitioner | null
  private readonly queues = new Map<string, PartitionQueue[]>()
  /** The same queues in one flat list, for the sinks and the expiry timer. */
  private readonly allQueues: PartitionQueue[] = []
  /** Queues without a known leader, each polling the metadata on its own timer. */
  private readonly awaitingLeader = new Set<PartitionQueue>()
  private readonly sinks = new Map<number, Sink>()
  private readonly sinkHost: SinkHost
  /**
   * Memory for batches (null with acks=0: a batch counts as acknowledged once handed to the
   * socket, which may not have written it yet, so its memory is never reused).
   */
  private readonly batchBufferPool: BatchBufferPool | null
  /** Where each batch encodes its records as they are appended: starts small, doubles up to a block. */
  private readonly batchMemory: RecordBatchBuilderOptions
  private readonly topicReady = new Map<string, Promise<TopicInfo>>()
  private readonly availableByTopic = new WeakMap<TopicInfo, readonly number[]>()
  private readonly listeners: { [K in keyof ProducerEvents]: Array<(event: ProducerEvents[K]) => void> } = {
    producerIdChanged: [],
    possibleDataLoss: [],
  }
  private producerId = NO_PRODUCER_ID
  private producerEpoch = -1
  /** Set while the producer id is being obtained or its epoch bumped: sinks send nothing. */
  private idChange: Promise<void> | null = null
  /** Why the last InitProducerId attempt failed while it is being retried (null once one succeeds): what `ready()` reports when it times out. */
  private lastProducerIdError: unknown = null
  private epochBumpNeeded: string | null = null
  private bufferedBytes = 0
  private bufferedRecords = 0
  /** Counters for `metrics()`; the sinks update them. */
  private readonly progress = { batchesSent: 0, batchRetries: 0, recordsAcknowledged: 0, recordsFailed: 0 }
  /** True once the producer id is known and the codec loaded (the synchronous path may run). */
  private isReady = false
  /**
   * Records that could not be appended when sent (first records, unknown topics, a full buffer),
   * in send order, from `pendingHead`. While any is here, new records queue behind it (order).
   * One loop (`drainPending`) works through them, so a waiting record costs an entry, not an
   * async function, a promise chain and a buffer waiter of its own.
   */
  private readonly pending: Array<PendingRecord | undefined> = []
  private pendingHead = 0
  /**
   * Pending records without buffer space reserved. A record gets its space when sent if the buffer
   * has room and no earlier record still waits for space (so `trySend` and the buffer see it at
   * once, as for records on the fast path); otherwise `drainPending` reserves it in send order.
   */
  private pendingUnreserved = 0
  private draining = false
  /**
   * The record count of a `sendBatch` call that held everything buffered when it returned but
   * whose records still waited in `pending` (the producer's start, its topic's metadata): once
   * `drainPending` has appended them, their linger ends as `endLinger` says, if the buffer still
   * holds exactly that many records. -1: none.
   */
  private lingerEndsAfterDrain = -1
  /** Wakes `drainPending` when buffer space is released (or the producer closes). */
  private wakeForRoom: (() => void) | null = null
  private flushing = 0
  private readonly flushWaiters: Array<() => void> = []
  private closed = false
  private started: Promise<void> | null = null
  private expiryTimer: ReturnType<typeof setInterval> | undefined
  private readonly txn: TransactionManager | null

  constructor(init: ProducerInit) {
    this.options = resolveProducerOptions(init)
    this.metadata = init.metadata
    this.pool = init.pool
    this.logger = (init.logger ?? silentLogger).child({ component: 'producer' })
    this.defaultPartitioner = init.partitioner === undefined ? new DefaultPartitioner(this.options.batchMaxBytes) : null
    const fallback = this.defaultPartitioner
    this.partitioner = init.partitioner ?? ((record, count, available) => fallback!.partition(record, count, available))
    // The new leader's sink may not exist yet, and a queue waiting out a retry back-off at the old
    // leader's sink would be skipped there: route the partition's queue to its new leader.
    this.metadata.on('leaderChanged', (event) => {
      const queue = this.queues.get(event.topic)?.[event.partition]
      if (queue !== undefined && queue.batches.length > 0) this.scheduleQueue(queue)
    })
    // A block holds a full batch and its header.
    const blockBytes = this.options.batchMaxBytes + BATCH_BLOCK_SLACK_BYTES
    const pool = this.options.acks === 0 ? null : new BatchBufferPool(blockBytes, MAX_FREE_BATCH_BLOCKS, MAX_FREE_SMALL_BATCH_BYTES)
    this.batchBufferPool = pool
    // Memory a batch outgrew was never sent: it can take the next batch at once.
    this.batchMemory = pool === null ? { blockMaxBytes: blockBytes } : { allocate: pool.allocate, release: (bytes) => pool.release(bytes), blockMaxBytes: blockBytes }
    this.sinkHost = this.createSinkHost()
    this.txn = this.options.transactionalId === null ? null : new TransactionManager(this.transactionHost(), this.options.transactionalId, this.options.transactionTimeoutMs)
    this.txn?.onStateChange((state) => {
      // Records not sent yet can never commit: fail them now rather than at the delivery timeout.
      if (state === 'ABORTABLE_ERROR' || state === 'FATAL_ERROR') this.failUnsent(this.txn!.error!)
    })
  }

  // ---- transactions ----

  /** The transaction state (README: transaction states); 'NONE' without a transactionalId. */
  get transactionState(): TransactionState | 'NONE' {
    return this.txn?.state ?? 'NONE'
  }

  /** 2 (KIP-890 part 2, Kafka 4.x) or 1 (classic); 0 without a transactionalId or before initTransactions. */
  get transactionVersion(): number {
    return this.txn === null || this.txn.state === 'UNINITIALIZED' ? 0 : this.txn.version
  }

  private transactional(operation: string): TransactionManager {
    if (this.txn === null) throw new TransactionStateError(operation, 'NONE', 'the producer has no transactionalId')
    if (this.closed) throw new ProducerClosedError()
    return this.txn
  }

  /**
   * Registers the transactionalId with its coordinator: fences older instances with the same id
   * (their open transaction is aborted) and obtains the producer id and epoch. Call once, first.
   */
  async initTransactions(): Promise<void> {
    const txn = this.transactional('initTransactions')
    if (this.started === null) this.started = this.start()
    await this.started
    await txn.initTransactions()
    this.isReady = true
  }

  /** Opens a transaction: records sent from now on commit or abort together. */
  beginTransaction(): void {
    this.transactional('beginTransaction').beginTransaction()
  }

  /** Adds consumed offsets to the open transaction (KIP-447); `group` comes from the consumer's `groupMetadata()`. */
  sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    try {
      return this.transactional('sendOffsets').sendOffsets(offsets, group)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Waits for every record of the transaction, then commits it. Throws TransactionAbortableError if it cannot commit. */
  async commitTransaction(): Promise<void> {
    await this.transactional('commitTransaction').commitTransaction()
  }

  /** Aborts the open transaction: unsent records fail with TransactionAbortedError; readers with read_committed never see the rest. */
  async abortTransaction(): Promise<void> {
    await this.transactional('abortTransaction').abortTransaction()
  }

  /**
   * Runs `fn` in a transaction: commits when it resolves, aborts when it throws (or the commit
   * fails with an abortable error) and rethrows. Fatal errors (fencing) are rethrown as they are.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const txn = this.transactional('transaction')
    txn.beginTransaction()
    const tx: Transaction = {
      send: (record) => {
        const sent = this.send(record)
        // Failures surface through the commit; an unawaited send must not become an unhandled rejection.
        sent.catch(() => {})
        return sent
      },
      sendBatch: ((records: readonly ProducerRecord[], options?: SendBatchOptions) => {
        const sent = this.sendBatch(records, options)
        sent.catch(() => {})
        return sent
      }) as Transaction['sendBatch'],
      sendOffsets: (offsets, group) => txn.sendOffsets(offsets, group),
    }
    let result: T
    try {
      result = await fn(tx)
      await txn.commitTransaction()
      return result
    } catch (error) {
      if (txn.state === 'IN_TRANSACTION' || txn.state === 'ABORTABLE_ERROR' || txn.state === 'ABORTING_TRANSACTION') {
        await txn.abortTransaction()
      }
      throw error
    }
  }

  private transactionHost(): TransactionHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const producer = this
    return {
      metadata: this.metadata,
      pool: this.pool,
      logger: this.logger,
      retryBackoffMs: this.options.retryBackoffMs,
      maxBlockMs: this.options.deliveryTimeoutMs,
      get producerId() {
        return producer.producerId
      },
      get producerEpoch() {
        return producer.producerEpoch
      },
      setProducerIdentity: (producerId, producerEpoch, reason) => this.setProducerIdentity(producerId, producerEpoch, reason),
      flush: () => this.flush(),
      drainForAbort: async (error) => {
        this.failUnsent(error)
        await this.flush()
      },
      wakeAll: () => this.scheduleAllPartitions(),
    }
  }

  /** A new id/epoch with nothing in flight: every partition starts again at sequence 0. */
  private setProducerIdentity(producerId: bigint, producerEpoch: number, reason: string): void {
    this.publishProducerId(producerId, producerEpoch, reason)
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    for (const queue of this.allQueues) queue.restartSequences(producerId, producerEpoch)
    this.emit('producerIdChanged', { producerId, producerEpoch, reason })
  }

  /** Publishes `kafkats:produce:producer-id` for a change about to be applied. */
  private publishProducerId(producerId: bigint, producerEpoch: number, reason: string): void {
    if (!producerIdChannel.hasSubscribers) return
    producerIdChannel.publish({
      producerId,
      producerEpoch,
      previousProducerId: this.producerId,
      previousProducerEpoch: this.producerEpoch,
      epochBump: producerId === this.producerId && producerEpoch !== this.producerEpoch,
      reason,
      transactionalId: this.options.transactionalId,
    })
  }

  /** Fails every batch that was never sent (the open ones at each partition's tail). */
  private failUnsent(error: Error): void {
    for (const queue of this.allQueues) {
      while (queue.batches.length > 0) {
        const last = queue.batches[queue.batches.length - 1]!
        if (last.isFrozen || last.isSettled) break
        queue.batches.pop()
        this.progress.recordsFailed += last.recordCount
        last.fail(error)
        this.release(last.recordCount, last.recordBytes)
      }
    }
  }

  /** The Produce version for a connection: a classic-transaction producer stays below v12 (KIP-890). */
  private produceVersion(connection: BrokerConnection): number {
    const version = connection.versionFor(ProduceApi)
    return this.txn !== null && this.txn.version < 2 ? Math.min(version, LAST_PRODUCE_VERSION_BEFORE_TV2) : version
  }


  /** The narrow view of this producer its sinks work with. */
  private createSinkHost(): SinkHost {
    const producer = this
    return {
      options: this.options,
      metadata: this.metadata,
      logger: this.logger,
      canSend: () => producer.idChange === null && producer.epochBumpNeeded === null,
      get producerId() {
        return producer.producerId
      },
      get producerEpoch() {
        return producer.producerEpoch
      },
      sendImmediately: () => producer.flushing > 0 || producer.closed,
      connectionFor: (nodeId) => producer.connectionFor(nodeId),
      scheduleQueue: (queue) => producer.scheduleQueue(queue),
      release: (records, bytes) => producer.release(records, bytes),
      batchBufferPool: this.batchBufferPool,
      progress: this.progress,
      sequenceLost: (topic, partition, errorName) => producer.sequenceLost(topic, partition, errorName),
      requestSettled: () => producer.maybeBumpEpoch(),
      transactionalId: this.options.transactionalId,
      partitionReady: (topic, partition) => producer.txn?.partitionReady(topic, partition) ?? true,
      produceVersion: (connection) => producer.produceVersion(connection),
      transactionalBatchFailed: (error, code, bump) => producer.txn?.recordFailed(error, code, bump),
    }
  }

  on<K extends keyof ProducerEvents>(name: K, listener: (event: ProducerEvents[K]) => void): void {
    this.listeners[name].push(listener)
  }

  /** The current producer id and epoch (-1 before the first send or when not idempotent). */
  get producerIdentity(): { producerId: bigint; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch }
  }

  /**
   * Sends one record; resolves once it is acknowledged (with acks=0: once written to the socket).
   *
   * With a callback instead (fire-and-forget, as Java's `send(record, callback)`): returns nothing,
   * and calls `callback(null, metadata)` on acknowledgement or `callback(error)` on failure, once.
   * No promise is made; the metadata object is built only if the callback declares a second
   * parameter, so `(error) => ...` costs no object per record. Records sent with the same callback
   * function share one delivery target.
   */
  send(record: ProducerRecord): Promise<RecordMetadata>
  send(record: ProducerRecord, callback: DeliveryCallback): void
  send(record: ProducerRecord, callback?: DeliveryCallback): Promise<RecordMetadata> | void {
    if (callback === undefined) return new Promise<RecordMetadata>((resolve, reject) => this.accept(record, true, new PromiseDelivery(resolve, reject), 0))
    if (typeof callback !== 'function') throw new InvalidArgumentError('callback', callback, 'a function (error, metadata?) => void')
    this.accept(record, true, this.callbackTarget(callback), 0)
  }

  /** Like `send`, but fails at once with `BufferFullError` instead of waiting for buffer space. */
  trySend(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => this.accept(record, false, new PromiseDelivery(resolve, reject), 0))
  }

  private lastCallbackTarget: CallbackDelivery | null = null

  /** One target per callback function in a row: a loop that sends with one callback allocates one. */
  private callbackTarget(callback: DeliveryCallback): CallbackDelivery {
    const last = this.lastCallbackTarget
    if (last !== null && last.callback === callback) return last
    const target = new CallbackDelivery(callback)
    this.lastCallbackTarget = target
    return target
  }

  /**
   * The per-record path. Once the producer has started and knows the topic, a record with room in
   * the buffer is appended synchronously: no async frames, no promise of its own. The outcome goes
   * to `target` (at `slot`), failures included: this never throws.
   */
  private accept(record: ProducerRecord, wait: boolean, target: DeliveryTarget, slot: number, now?: number): void {
    if (this.closed) return target.failed(slot, new ProducerClosedError())
    let input: RecordInput
    try {
      this.txn?.checkSend()
      input = toRecordInput(record, now)
    } catch (error) {
      return target.failed(slot, error as Error)
    }
    const size = ProducerBatch.recordSize(input)
    if (size > this.options.requestMaxBytes) {
      // No request may carry it (Java: RecordTooLargeException at send): it fails alone, now.
      return target.failed(
        slot,
        KafkaProtocolError.fromCode(ErrorCode.MESSAGE_TOO_LARGE, {
          topic: record.topic,
          errorMessage: `the record is ${size} bytes encoded, more than requestMaxBytes (${this.options.requestMaxBytes}); no Produce request may carry it`,
        }),
      )
    }
    const topic = this.isReady && this.pendingHead === this.pending.length ? this.metadata.topic(record.topic) : undefined
    if (topic !== undefined && !this.bufferFull(size)) {
      let partition: number
      try {
        partition = this.choosePartition(record, input, topic)
      } catch (error) {
        return target.failed(slot, error as Error)
      }
      this.reserve(size)
      return this.append(topic, partition, input, size, target, slot)
    }
    if (!wait && this.bufferFull(size)) {
      return target.failed(
        slot,
        new BufferFullError(
          `the producer buffer is full (${this.bufferedRecords} records, ${this.bufferedBytes} bytes of bufferMaxBytes ${this.options.bufferMaxBytes}); wait for acknowledgements or raise bufferMaxBytes/bufferMaxRecords`,
        ),
      )
    }
    const reserved = this.pendingUnreserved === 0 && !this.bufferFull(size)
    if (reserved) this.reserve(size)
    else this.pendingUnreserved++
    this.pending.push({ record, input, size, target, slot, reserved })
    if (!this.draining) void this.drainPending()
  }

  /**
   * Appends the pending records in send order, waiting for what each needs: the producer's start,
   * its topic's metadata, buffer space. A record that cannot be appended (start or metadata failed,
   * a bad partition, the producer closed) fails alone; the loop goes on with the next.
   */
  private async drainPending(): Promise<void> {
    this.draining = true
    try {
      while (this.pendingHead < this.pending.length) {
        const entry = this.pending[this.pendingHead]!
        try {
          if (!entry.reserved) {
            while (this.bufferFull(entry.size)) {
              if (this.closed) throw new ProducerClosedError()
              await new Promise<void>((wake) => {
                this.wakeForRoom = wake
              })
            }
            if (this.closed) throw new ProducerClosedError()
            this.reserve(entry.size)
            entry.reserved = true
            this.pendingUnreserved--
          }
          if (this.closed) throw new ProducerClosedError()
          if (!this.isReady) {
            if (this.started === null) this.started = this.start()
            await this.started
          }
          const name = entry.record.topic
          const topic = this.metadata.topic(name) ?? (checkTopicName(name), await this.ensureTopic(name))
          const partition = this.choosePartition(entry.record, entry.input, topic)
          this.append(topic, partition, entry.input, entry.size, entry.target, entry.slot)
        } catch (error) {
          // It never reached a batch, so no batch will release its space.
          if (entry.reserved) this.release(1, entry.size)
          else this.pendingUnreserved--
          entry.target.failed(entry.slot, error as Error)
        }
        this.pending[this.pendingHead++] = undefined
        // A producer that stays saturated never empties the queue: drop the done part now and then.
        if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
          this.pending.splice(0, this.pendingHead)
          this.pendingHead = 0
        }
      }
    } finally {
      this.pending.length = 0
      this.pendingHead = 0
      this.draining = false
      // Another call's records arriving meanwhile (or acknowledged ones) change the count: then
      // they linger, as on the fast path.
      if (this.lingerEndsAfterDrain >= 0 && this.bufferedRecords === this.lingerEndsAfterDrain) this.endLinger()
      this.lingerEndsAfterDrain = -1
      this.wakeFlushWaiters()
    }
  }

  /**
   * Starts the producer now (compression codec, producer id from the cluster) instead of on the
   * first `send`, and resolves when it can send; rejects with the typed error (connection,
   * authentication, authorization) so a misconfigured producer fails at start-up rather than at
   * its first delivery timeout. The start retries retriable errors (an unreachable broker), so
   * after `timeoutMs` (default 10 000) it rejects with the last of them (a ConnectionError, as
   * `kafka.connect()` gives), or REQUEST_TIMED_OUT when no attempt has finished yet.
   */
  async ready(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) throw new ProducerClosedError()
    const timeoutMs = options.timeoutMs ?? 10_000
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidArgumentError('timeoutMs', timeoutMs, 'an integer >= 1 (milliseconds)')
    if (this.started === null) this.started = this.start()
    const started = this.started
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          // The start keeps retrying within the delivery timeout; what stopped it so far (an
          // unreachable broker, a TLS or SASL problem) is the answer, as kafka.connect() gives it.
          timer = setTimeout(
            () =>
              reject(
                this.lastProducerIdError ??
                  new KafkaError(`the producer could not start within ${timeoutMs} ms (no producer id from the cluster)`, { errorName: 'REQUEST_TIMED_OUT', retriable: true }),
              ),
            timeoutMs,
          )
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Sends several records with one promise for the call (not one per record): resolves once all
   * are acknowledged, or rejects with the first failure (the other records are still sent, as with
   * `send`). What it resolves with is `options.metadata`:
   * - `true` (default): each record's metadata, in the order of `records`;
   * - `'partitions'`: one summary per partition written to (first and last offset, record count),
   *   sorted by topic and partition, built per acknowledged batch: no object per record;
   * - `false`: nothing, and no metadata is built at all.
   * Records without a timestamp all get the time of the call.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>
  sendBatch(records: readonly ProducerRecord[], options: { metadata: true }): Promise<RecordMetadata[]>
  sendBatch(records: readonly ProducerRecord[], options: { metadata: 'partitions' }): Promise<PartitionProduceResult[]>
  sendBatch(records: readonly ProducerRecord[], options: { metadata: false }): Promise<void>
  sendBatch(records: readonly ProducerRecord[], options?: SendBatchOptions): Promise<RecordMetadata[] | PartitionProduceResult[] | void>
  sendBatch(records: readonly ProducerRecord[], options: SendBatchOptions = {}): Promise<RecordMetadata[] | PartitionProduceResult[] | void> {
    if (!Array.isArray(records)) return Promise.reject(new InvalidArgumentError('records', records, 'an array of records'))
    if (options === null || typeof options !== 'object') return Promise.reject(new InvalidArgumentError('options', options, "an object { metadata?: true | false | 'partitions' }"))
    const metadata = options.metadata ?? true
    if (metadata !== true && metadata !== false && metadata !== 'partitions') {
      return Promise.reject(new InvalidArgumentError('options.metadata', metadata, "true (each record's metadata), 'partitions' (one summary per partition) or false (none)"))
    }
    const count = records.length
    if (count === 0) return Promise.resolve(metadata === false ? undefined : [])
    return new Promise<RecordMetadata[] | PartitionProduceResult[] | void>((resolve, reject) => {
      const target: DeliveryTarget = metadata === 'partitions' ? new PartitionsDelivery(count, resolve, reject) : new BatchDelivery(count, metadata, resolve, reject)
      // Only per-record metadata needs each record's place in the call. Without it every record
      // gets slot 0, so a batch of a keyed call (every few records of it) keeps no slot array.
      const slotted = metadata === true
      // Records without a timestamp get the time of the call: one clock read, not one per record.
      const now = Date.now()
      for (let i = 0; i < count; i++) this.accept(records[i]!, true, target, slotted ? i : 0, now)
      if (this.bufferedRecords === count && this.pendingUnreserved === 0) {
        // Every record of the call has its space and nothing else is buffered. Appended already
        // (the fast path): the linger ends now; still pending: once drainPending appended them.
        if (this.pendingHead === this.pending.length) this.endLinger()
        else this.lingerEndsAfterDrain = count
      }
    })
  }

  /**
   * The call just made holds everything the producer buffers (every record of it appended, nothing
   * else buffered, in flight or waiting): nobody else's records can join its batches, so their
   * linger would only delay the caller, who waits for them. They go now, as franz-go's
   * `ProduceSync` ends the linger of what it produced. Only then: while other calls' records are
   * buffered (pipelined `sendBatch` calls, `send` loops), linger keeps gathering records into
   * larger batches; ending it for every call cost pipelined 100-byte sends ~20% (DESIGN.md).
   */
  private endLinger(): void {
    for (const queue of this.allQueues) {
      const open = queue.openBatch
      if (open === undefined || open.lingerEnded) continue
      open.lingerEnded = true
      this.scheduleQueue(queue)
    }
  }

  /** Sends every buffered record now (ignoring lingerMs) and resolves when all are settled. */
  async flush(): Promise<void> {
    this.flushing++
    try {
      for (const sink of this.sinks.values()) sink.schedule()
      this.scheduleAllPartitions()
      while (this.bufferedRecords > 0 || this.pendingHead < this.pending.length) await new Promise<void>((wake) => this.flushWaiters.push(wake))
    } finally {
      this.flushing--
    }
  }

  /** The buffer and progress now: a snapshot, cheap enough to take on every scrape. */
  metrics(): ProducerMetrics {
    let inFlightRequests = 0
    for (const sink of this.sinks.values()) inFlightRequests += sink.inFlight
    return {
      transactionalId: this.options.transactionalId,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      bufferUsedBytes: this.bufferedBytes,
      bufferMaxBytes: this.options.bufferMaxBytes,
      bufferedRecords: this.bufferedRecords,
      bufferMaxRecords: this.options.bufferMaxRecords,
      bufferWaiters: this.pending.length - this.pendingHead,
      inFlightRequests,
      ...this.progress,
    }
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed
  }

  /** Flushes, then closes. Records sent after `close` fail with `ProducerClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    clearInterval(this.expiryTimer)
    this.wakeRoom()
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
    this.wakeRoom()
    this.wakeFlushWaiters()
  }

  private wakeRoom(): void {
    const wake = this.wakeForRoom
    this.wakeForRoom = null
    wake?.()
  }

  /** `flush` is done once nothing is buffered and nothing is pending. */
  private wakeFlushWaiters(): void {
    if (this.bufferedRecords === 0 && this.pendingHead === this.pending.length) for (const wake of this.flushWaiters.splice(0)) wake()
  }

  private async start(): Promise<void> {
    if (this.options.compression !== 'none') await loadCompressionCodec(this.options.compression)
    this.expiryTimer = setInterval(() => this.expireBatches(), Math.min(1000, Math.max(10, this.options.deliveryTimeoutMs / 10)))
    this.expiryTimer.unref?.()
    // A transactional producer gets its id from initTransactions (InitProducerId with the transactionalId).
    if (this.options.idempotent && this.txn === null) await this.changeProducerId('initial')
    this.isReady = true
  }

  private ensureTopic(name: string): Promise<TopicInfo> {
    let ready = this.topicReady.get(name)
    if (ready === undefined) {
      const waitMs = Math.min(this.options.deliveryTimeoutMs, this.options.metadataWaitMaxMs)
      ready = this.metadata.waitForTopic(name, waitMs).catch((error: unknown) => {
        if (KafkaProtocolError.isInstance(error) && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          throw new KafkaProtocolError(
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            {
              apiName: 'Metadata',
              topic: name,
              errorMessage: `Topic "${name}" does not exist (metadata checked for ${waitMs} ms): create it (admin.createTopics) or check the name; for a cluster that creates topics on first use, set allowAutoTopicCreation: true on the client.`,
            },
            { cause: error },
          )
        }
        throw error
      })
      this.topicReady.set(name, ready)
      ready.catch(() => this.topicReady.delete(name))
    }
    return ready
  }

  private choosePartition(record: ProducerRecord, input: RecordInput, topic: TopicInfo): number {
    const count = topic.partitions.length
    if (record.partition !== undefined) {
      if (record.partition >= count) {
        throw new InvalidArgumentError('record.partition', record.partition, `a partition of ${topic.name}, which has ${count} (0 to ${count - 1})`)
      }
      return record.partition
    }
    const key = input.key ?? null
    const chosen =
      this.defaultPartitioner !== null
        ? this.defaultPartitioner.partitionOf(topic.name, key, input.value, count, this.availablePartitions(topic))
        : this.partitioner({ topic: topic.name, key: bytesOf(key), value: bytesOf(input.value) }, count, this.availablePartitions(topic))
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
      throw new KafkaError(`the partitioner returned ${chosen} for a topic with ${count} partitions`, { errorName: 'INVALID_PARTITION' })
    }
    return chosen
  }

  /**
   * The partitions of `topic` with a known leader. The metadata replaces a TopicInfo whenever
   * anything in it changes, so the list is built once per version of the topic, not per record
   * (a walk over 1,000 partitions and an array of them per `send` dominated the cost at 1,000).
   */
  private availablePartitions(topic: TopicInfo): readonly number[] {
    let available = this.availableByTopic.get(topic)
    if (available === undefined) {
      const list: number[] = []
      for (const partition of topic.partitions) if (partition !== undefined && partition.leader >= 0) list.push(partition.partition)
      available = list
      this.availableByTopic.set(topic, available)
    }
    return available
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
      this.allQueues.push(queue)
    }
    return queue
  }

  private append(
    topic: TopicInfo,
    partition: number,
    input: RecordInput,
    size: number,
    target: DeliveryTarget,
    slot: number,
  ): void {
    const queue = this.queueFor(topic.name, partition)
    const open = queue.openBatch
    const full = open !== undefined && open.sizeBytes + size > this.options.batchMaxBytes
    // Full: it is ready now; a new open batch takes this record.
    if (full) this.scheduleQueue(queue)
    const fresh = open === undefined || full
    const batch = fresh ? new ProducerBatch(topic.name, partition, Date.now(), this.batchMemory, queue.lastBatchBytes) : open
    try {
      batch.append(input, size, target, slot)
    } catch (error) {
      // The encoder refused the record (an InvalidArgumentError): it fails alone, its space was
      // reserved by the caller, and a batch made for it never joins the queue.
      this.release(1, size)
      return target.failed(slot, error as Error)
    }
    if (fresh) {
      queue.addBatch(batch)
      // The sink keeps the queue and wakes itself when the batch's linger ends (one timer per
      // broker, not one per batch).
      this.scheduleQueue(queue)
    }
    if (batch.sizeBytes >= this.options.batchMaxBytes || this.flushing > 0) this.scheduleQueue(queue)
  }

  /**
   * Asks the sink of the partition's leader to drain. Without a known leader (an election, or a
   * broker whose metadata does not list a just-created topic yet) no sink owns the queue: poll the
   * metadata until one does, one timer per queue.
   */
  private scheduleQueue(queue: PartitionQueue): void {
    const leader = this.metadata.partition(queue.topic, queue.partition)?.leader ?? -1
    if (leader < 0) {
      if (this.awaitingLeader.has(queue)) return
      this.awaitingLeader.add(queue)
      this.metadata.requestRefresh(`no leader for ${queue.topic}-${queue.partition}`)
      setTimeout(() => {
        this.awaitingLeader.delete(queue)
        if (queue.batches.length > 0) this.scheduleQueue(queue)
      }, this.options.retryBackoffMs).unref?.()
      return
    }
    this.sinkFor(leader, true)!.schedule(queue)
  }

  private scheduleAllPartitions(): void {
    for (const queue of this.allQueues) if (queue.batches.length > 0) this.scheduleQueue(queue)
  }

  private sinkFor(nodeId: number, create = false): Sink | undefined {
    let sink = this.sinks.get(nodeId)
    if (sink === undefined && create) {
      sink = new Sink(this.sinkHost, nodeId)
      this.sinks.set(nodeId, sink)
    }
    return sink
  }

  /** Fails batches that waited longer than deliveryTimeoutMs (never one in flight). */
  private expireBatches(): void {
    const now = Date.now()
    for (const queue of this.allQueues) {
      let expired = false
      while (queue.batches.length > 0) {
        const head = queue.batches[0]!
        if (head.inFlight || head.isSettled || now - head.createdAt < this.options.deliveryTimeoutMs) break
        expired = true
        queue.batches.shift()
        const timeout = new DeliveryTimeoutError(head.topic, head.partition, this.options.deliveryTimeoutMs, head.sentOnce)
        this.progress.recordsFailed += head.recordCount
        head.fail(timeout)
        this.release(head.recordCount, head.recordBytes)
        if (this.txn !== null) {
          // The transaction cannot commit; if the batch may be in the log, the abort bumps the epoch.
          this.txn.recordFailed(timeout, null, head.sentOnce)
          if (!head.sentOnce && head.isFrozen) queue.rewindFrom(head)
        } else if (head.sentOnce && this.options.idempotent) {
          // It may be in the log: the sequence state is unknown, so start a new epoch.
          this.requestEpochBump(`delivery timeout on ${head.topic}-${head.partition}`)
        } else if (head.isFrozen && this.options.idempotent) {
          // Never sent: the later batches take over its sequence numbers.
          queue.rewindFrom(head)
        }
      }
      // The batches behind the expired ones may be sendable now (a rewind unblocks in the sink's drain).
      if (expired && queue.batches.length > 0) this.scheduleQueue(queue)
    }
  }

  // ---- producer id and epoch ----

  private requestEpochBump(reason: string): void {
    if (this.epochBumpNeeded !== null) return
    this.epochBumpNeeded = reason
    this.maybeBumpEpoch()
  }

  /** The broker lost this producer's sequence for a partition (see `possibleDataLoss`). */
  private sequenceLost(topic: string, partition: number, errorName: string): void {
    this.logger.warn({ topic, partition, error: errorName }, 'broker lost the producer sequence; bumping the epoch: records may have been lost')
    this.emit('possibleDataLoss', { topic, partition, errorName })
    this.requestEpochBump(`${errorName} on ${topic}-${partition}`)
  }

  /** Called when in-flight requests settle: bumps the epoch once nothing is in flight anywhere. */
  private maybeBumpEpoch(): void {
    if (this.epochBumpNeeded === null || this.idChange !== null) return
    for (const sink of this.sinks.values()) if (sink.inFlight > 0) return
    const reason = this.epochBumpNeeded
    this.changeProducerId(reason).then(
      () => {
        this.epochBumpNeeded = null
        // Every unacknowledged batch starts over at sequence 0 under the new epoch, in order.
        for (const queue of this.allQueues) queue.restartSequences(this.producerId, this.producerEpoch)
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
          this.publishProducerId(response.producerId, response.producerEpoch, reason)
          this.producerId = response.producerId
          this.producerEpoch = response.producerEpoch
          this.logger.info({ producerId: String(this.producerId), producerEpoch: this.producerEpoch, reason }, 'producer id assigned')
          this.emit('producerIdChanged', { producerId: this.producerId, producerEpoch: this.producerEpoch, reason })
          this.lastProducerIdError = null
          return
        } catch (error) {
          this.lastProducerIdError = error
          if (KafkaError.isInstance(error) && !error.retriable && attempt > 0) throw error
          // A fresh cluster may answer COORDINATOR_LOAD_IN_PROGRESS for seconds: keep trying within the delivery timeout.
          if (Date.now() - started > this.options.deliveryTimeoutMs) throw error
          await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, this.options.retryBackoffMs, 1000)))
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
    for (const listener of this.listeners[name]) {
      // A listener that throws must not break the producer's own loop.
      try {
        listener(event)
      } catch (error) {
        this.logger.error({ event: name, error: String(error) }, 'producer event listener threw')
      }
    }
  }

  private connectionFor(nodeId: number): Promise<BrokerConnection> {
    const broker = this.metadata.broker(nodeId)
    if (broker === undefined) return Promise.reject(new KafkaError(`broker ${nodeId} is not in the metadata`, { errorName: 'BROKER_NOT_AVAILABLE', retriable: true }))
    return this.pool.get(broker.address, 'produce')
  }
}


/** The fire-and-forget form of `send`: `metadata` is passed only to a callback that declares it. */
export type DeliveryCallback = (error: Error | null, metadata?: RecordMetadata) => void

/** A record waiting on the producer's slow path (see `Producer.pending`). */
interface PendingRecord {
  record: ProducerRecord
  input: RecordInput
  size: number
  target: DeliveryTarget
  slot: number
  /** Whether its buffer space is reserved (see `Producer.pendingUnreserved`). */
  reserved: boolean
}

/** One `send`'s promise. */
class PromiseDelivery implements DeliveryTarget {
  constructor(
    private readonly resolve: (metadata: RecordMetadata) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  acknowledged(_slot: number, batch: ProducerBatch, index: number): void {
    this.resolve(batch.metadataOf(index))
  }

  failed(_slot: number, error: Error): void {
    this.reject(error)
  }
}

/** One `sendBatch` call: counts its records down and settles its one promise. */
class BatchDelivery implements DeliveryTarget {
  private remaining: number
  private settled = false
  private readonly metadata: RecordMetadata[] | null

  constructor(
    count: number,
    withMetadata: boolean,
    private readonly resolve: (result: RecordMetadata[] | void) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.remaining = count
    this.metadata = withMetadata ? new Array<RecordMetadata>(count) : null
  }

  acknowledged(slot: number, batch: ProducerBatch, index: number): void {
    if (this.metadata !== null) this.metadata[slot] = batch.metadataOf(index)
    if (--this.remaining === 0 && !this.settled) {
      this.settled = true
      this.resolve(this.metadata ?? undefined)
    }
  }

  failed(_slot: number, error: Error): void {
    this.remaining--
    if (this.settled) return
    this.settled = true
    this.reject(error)
  }
}

/** The callback form of `send`; one per callback function in a row. */
class CallbackDelivery implements DeliveryTarget {
  private readonly wantsMetadata: boolean

  constructor(readonly callback: DeliveryCallback) {
    this.wantsMetadata = callback.length >= 2
  }

  acknowledged(_slot: number, batch: ProducerBatch, index: number): void {
    if (this.wantsMetadata) this.callback(null, batch.metadataOf(index))
    else this.callback(null)
  }

  failed(_slot: number, error: Error): void {
    this.callback(error)
  }
}
