import type { BrokerConnection, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { EncodeError, ErrorCode, KafkaError, KafkaProtocolError, ProduceApi, type ProduceResponse, errorByCode } from '@kafkats/protocol'
import type { PartitionQueue, ProducerBatch } from './accumulator.js'
import type { BatchBufferPool } from './batch-buffer-pool.js'
import { type ProduceBatchSentMessage, batchAckedChannel, batchSentChannel } from './diagnostics.js'
import { MAX_IN_FLIGHT_IDEMPOTENT, type ResolvedProducerOptions } from './options.js'

/**
 * Frozen batches of at least this many bytes are written to the socket from their own arrays
 * instead of being copied into the Produce request (the copy was ~4% of the CPU at 1 KiB records).
 * Safe because a batch's bytes change only by `restamp`, which never touches a batch in flight.
 * Below this, copying costs less than a chunk of its own in the `writev`.
 */
const REFERENCE_MIN_BYTES = 8 * 1024

/**
 * What a Produce request carries besides its batches, counted against `requestMaxBytes`: the
 * header, transactional id, acks and timeout once (generously), and per batch its topic name,
 * partition index and length fields, plus what a codec may add to a batch not yet encoded.
 */
const REQUEST_OVERHEAD_BYTES = 4096
const PER_BATCH_OVERHEAD_BYTES = 64

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

interface InFlightEntry {
  batch: ProducerBatch
  queue: PartitionQueue
}

/**
 * What a sink needs from the producer that owns the partition queues, the buffer and the producer
 * id. One object per producer, shared by its sinks.
 */
export interface SinkHost {
  readonly options: ResolvedProducerOptions
  readonly metadata: ClusterMetadata
  readonly logger: Logger
  /** False while the producer id is being obtained or its epoch bumped: nothing may be sent. */
  canSend(): boolean
  /** The producer id and epoch new batches are frozen with (-1 when not idempotent). */
  readonly producerId: bigint
  readonly producerEpoch: number
  /** True while flushing or closing: a batch does not wait for `lingerMs`. */
  sendImmediately(): boolean
  connectionFor(nodeId: number): Promise<BrokerConnection>
  /** Asks the sink of the partition's current leader to drain it. */
  scheduleQueue(queue: PartitionQueue): void
  /** Counters of the producer's `metrics()`. */
  readonly progress: { batchesSent: number; batchRetries: number; recordsAcknowledged: number; recordsFailed: number }
  /** Where batches are encoded (null: a new array each, as with acks=0, where a written batch is never answered). */
  readonly batchBufferPool: BatchBufferPool | null
  /** A batch settled: its records leave the producer buffer. */
  release(records: number, bytes: number): void
  /** The broker lost this producer's sequence for a partition: only a new epoch recovers. */
  sequenceLost(topic: string, partition: number, errorName: string): void
  /** A request settled: the producer may bump its epoch once nothing is in flight anywhere. */
  requestSettled(): void
  /** The transactionalId Produce requests carry (null: not transactional). */
  readonly transactionalId: string | null
  /** Transactions: whether the partition's first batch may be sent (classic flow: it was added to the transaction). */
  partitionReady(topic: string, partition: number): boolean
  /** The Produce version for a connection (a classic-transaction producer stays below v12). */
  produceVersion(connection: BrokerConnection): number
  /** Transactions: a batch failed for good (its transaction cannot commit). `bump`: the broker lost the sequence state. */
  transactionalBatchFailed(error: Error, code: number, bump: boolean): void
}

/**
 * A broker's outbox: collects the ready batches of the partitions this broker leads into Produce
 * requests (at most one batch per partition per request), keeps up to `inFlightMaxRequestsPerBroker`
 * requests in flight on its one produce connection, and handles the responses in send order (the
 * connection resolves them in that order): acknowledges, retries or fails batches and completes
 * each partition's head.
 */
export class Sink {
  private readonly host: SinkHost
  readonly nodeId: number
  inFlight = 0
  private scheduled = false
  private wakeTimer: ReturnType<typeof setTimeout> | undefined
  private wakeAt = Number.POSITIVE_INFINITY
  /** Requests are written one at a time so their order on the wire is their order of creation. */
  private writing: Promise<void> = Promise.resolve()
  /**
   * The partition queues that may have something for this broker: handed in by `schedule(queue)`,
   * kept while they wait (linger, retry back-off, more batches to send) and dropped once whatever
   * would make them sendable again schedules them anew (a response settling, a leader change, a
   * new batch). A drain looks at these only, not at every partition the producer knows: with 1,000
   * partitions a walk over all of them on every drain cost more than the records did.
   */
  private readonly pending = new Set<PartitionQueue>()

  constructor(host: SinkHost, nodeId: number) {
    this.host = host
    this.nodeId = nodeId
  }

  /** Drains soon; `queue`: a partition this broker leads that has (or may soon have) a batch to send. */
  schedule(queue?: PartitionQueue): void {
    if (queue !== undefined) this.pending.add(queue)
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      // Last line of defence: nothing may be thrown into the event loop from a library microtask.
      try {
        this.drain()
      } catch (error) {
        this.host.logger.error({ broker: this.nodeId, error: String(error) }, 'unexpected error in the produce loop')
      }
    })
  }

  private drain(): void {
    const options = this.host.options
    while (this.inFlight < options.inFlightMaxRequestsPerBroker) {
      const now = Date.now()
      const { entries, nextWakeAt } = this.collect(now)
      if (nextWakeAt !== Number.POSITIVE_INFINITY) this.wakeLater(nextWakeAt, now)
      if (entries.length === 0) return
      this.markSent(entries)
      this.inFlight++
      try {
        this.send(entries)
      } catch (error) {
        this.abandon(entries, error)
      }
    }
  }

  /**
   * Last line of defence for a request that could not even be built (a bug, or a value no check
   * foresaw): its batches were marked in flight but will never be answered, so without this they
   * would hold their partitions and this broker's in-flight slot forever. They fail with a typed
   * error naming the cause (building the same request again would throw again); later batches of
   * each partition take over their sequence numbers.
   */
  private abandon(entries: InFlightEntry[], cause: unknown): void {
    this.inFlight--
    this.host.logger.error({ broker: this.nodeId, batches: entries.length, error: String(cause) }, 'a produce request could not be built; failing its batches')
    for (const { batch, queue } of entries) {
      batch.inFlight = false
      queue.inFlightCount--
      batch.failure = new KafkaError(`the produce request to broker ${this.nodeId} for ${batch.topic}-${batch.partition} could not be built: ${String(cause)}`, {
        errorName: 'UNKNOWN',
        retriable: false,
        cause,
      })
      queue.rewindFrom(batch)
      // The transaction cannot commit without these records (UNKNOWN_SERVER_ERROR: no Kafka code fits a client-side failure).
      if (this.host.transactionalId !== null) this.host.transactionalBatchFailed(batch.failure, ErrorCode.UNKNOWN_SERVER_ERROR, false)
      this.completeHead(queue)
    }
    this.host.requestSettled()
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

  // ---- collecting ----

  /** Whether a batch at the tail may still wait for more records. */
  private isReady(batch: ProducerBatch, queue: PartitionQueue, now: number): boolean {
    if (batch.isFrozen || batch.lingerEnded) return true
    if (this.host.sendImmediately()) return true
    if (queue.batches[queue.batches.length - 1] !== batch) return true
    if (batch.sizeBytes >= this.host.options.batchMaxBytes) return true
    return now - batch.createdAt >= this.host.options.lingerMs
  }

  /**
   * The batches (at most one per partition) this sink may send now. Encodes (freezes) a batch the
   * first time it is sent; a retry resends the same bytes.
   *
   * Readiness is the broker's, not each partition's (Java's `RecordAccumulator.drain`, franz-go's
   * sink): once one of its partitions has a batch that must go (full, lingered `lingerMs`, behind
   * another, flushing), the request also takes the still-lingering batches of the broker's other
   * partitions. They would otherwise each wait out their own linger and go in requests of their
   * own, so a broker leading several partitions got more, smaller requests, each taking one of its
   * `inFlightMaxRequestsPerBroker` slots, and a partition's records waited for a timer while a
   * request to the same broker was leaving anyway.
   *
   * A request stops taking batches before it would pass `requestMaxBytes` (the broker closes the
   * connection on a request above its `socket.request.max.bytes`); it always takes one. The batches
   * left over stay pending for the next request (the drain loop sends it when a slot is free), and
   * the partitions that got into this one move behind them: without that, a drain that always
   * starts from the same partitions would let partitions that keep filling batches starve the ones
   * after them (Java rotates its `drainIndex` per broker, franz-go its start in the sink for this).
   */
  private collect(now: number): { entries: InFlightEntry[]; nextWakeAt: number } {
    const entries: InFlightEntry[] = []
    let requestBytes = REQUEST_OVERHEAD_BYTES
    /** Tail batches still within their linger: sent along when `entries` is not empty. */
    let lingering: InFlightEntry[] | null = null
    let lingerEndsAt = Number.POSITIVE_INFINITY
    let nextWakeAt = Number.POSITIVE_INFINITY
    /** Whether a ready batch was left out for `requestMaxBytes`. */
    let capped = false
    const host = this.host
    if (!host.canSend()) return { entries, nextWakeAt }
    const options = host.options
    // The broker's duplicate window: with idempotence no more batches of a partition may be unacknowledged.
    const maxPerPartition = options.idempotent ? MAX_IN_FLIGHT_IDEMPOTENT : Number.POSITIVE_INFINITY
    const pending = this.pending
    for (const queue of pending) {
      if (queue.batches.length === 0) {
        pending.delete(queue)
        continue
      }
      const leader = host.metadata.partition(queue.topic, queue.partition)?.leader ?? -1
      if (leader !== this.nodeId) {
        // The leader moved, or became unknown while the queue waited here (a refresh from a broker
        // that does not know the topic yet drops it): hand it on, or nothing would ever send it again.
        pending.delete(queue)
        host.scheduleQueue(queue)
        continue
      }
      if (queue.blocked) {
        // Settling the last in-flight batch schedules the queue again (completeHead).
        if (queue.inFlightCount > 0) {
          pending.delete(queue)
          continue
        }
        queue.unblock(host.producerId, host.producerEpoch)
      }
      // In flight to the previous leader, or as many batches in flight as allowed (idempotent and the
      // broker may not know this producer yet: one at a time, see brokerHasProducerState): a
      // response settling schedules the queue again.
      if (
        (queue.inFlightCount > 0 && queue.inFlightNode !== this.nodeId) ||
        queue.inFlightCount >= (options.idempotent && !queue.brokerHasProducerState ? 1 : maxPerPartition)
      ) {
        pending.delete(queue)
        continue
      }
      if (queue.retryAt > now) {
        nextWakeAt = Math.min(nextWakeAt, queue.retryAt)
        continue
      }
      const batch = queue.nextToSend()
      if (batch === undefined) {
        pending.delete(queue)
        continue
      }
      if (!this.isReady(batch, queue, now)) {
        lingerEndsAt = Math.min(lingerEndsAt, batch.createdAt + options.lingerMs)
        ;(lingering ??= []).push({ batch, queue })
        continue
      }
      const size = requestBytesOf(batch)
      if (entries.length > 0 && requestBytes + size > options.requestMaxBytes) {
        capped = true
        continue
      }
      if (this.take(batch, queue)) {
        entries.push({ batch, queue })
        requestBytes += size
      }
    }
    if (lingering !== null) {
      if (entries.length === 0) nextWakeAt = Math.min(nextWakeAt, lingerEndsAt)
      else {
        for (const entry of lingering) {
          const size = requestBytesOf(entry.batch)
          if (requestBytes + size > options.requestMaxBytes) {
            capped = true
            continue
          }
          if (this.take(entry.batch, entry.queue)) {
            entries.push(entry)
            requestBytes += size
          }
        }
      }
    }
    if (capped) {
      // Fairness: the partitions taken go to the back of the set (a Set iterates in insertion order).
      for (const { queue } of entries) {
        pending.delete(queue)
        pending.add(queue)
      }
    }
    return { entries, nextWakeAt }
  }

  /** Whether `batch` can go in the request being collected (encoded the first time it is sent). */
  private take(batch: ProducerBatch, queue: PartitionQueue): boolean {
    if (batch.isFrozen) return true
    const host = this.host
    // Classic transactions: the partition must be in the transaction before its first batch is sent.
    if (host.transactionalId !== null && !host.partitionReady(queue.topic, queue.partition)) return false
    return this.freezeOrFail(batch, queue)
  }

  /**
   * Freezes `batch`. Its records were encoded when appended (a record the encoder refused failed
   * alone then), so only the header or the codec can fail here, and that fails the whole batch
   * with a typed error. False when the batch failed.
   */
  private freezeOrFail(batch: ProducerBatch, queue: PartitionQueue): boolean {
    const host = this.host
    const options = host.options
    try {
      queue.freeze(batch, options.compression, host.producerId, host.producerEpoch, options.idempotent, host.transactionalId !== null)
      return true
    } catch (error) {
      host.logger.error({ topic: batch.topic, partition: batch.partition, error: String(error) }, 'a record batch could not be encoded')
      batch.failure = new EncodeError(`a record batch for ${batch.topic}-${batch.partition} could not be encoded: ${String(error)}`)
      this.completeHead(queue)
      return false
    }
  }

  /** A request carrying these batches is about to be written. */
  private markSent(entries: InFlightEntry[]): void {
    for (const { batch, queue } of entries) {
      batch.inFlight = true
      batch.sentOnce = true
      batch.sends++
      this.host.progress.batchesSent++
      if (batch.sends > 1) this.host.progress.batchRetries++
      queue.inFlightCount++
      queue.inFlightNode = this.nodeId
      if (batchSentChannel.hasSubscribers) batchSentChannel.publish(this.describe(batch))
    }
  }

  /** The diagnostics message of a batch about to be sent (or acknowledged). */
  private describe(batch: ProducerBatch): ProduceBatchSentMessage {
    return {
      topic: batch.topic,
      partition: batch.partition,
      nodeId: this.nodeId,
      records: batch.recordCount,
      bytes: batch.encoded?.length ?? 0,
      attempt: batch.sends,
      producerId: this.host.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      epochBumped: batch.producerEpoch !== batch.frozenEpoch,
      transactionalId: this.host.transactionalId,
    }
  }

  // ---- sending ----

  private send(entries: InFlightEntry[]): void {
    const host = this.host
    const options = host.options
    const byTopic = new Map<string, Array<{ index: number; records: Uint8Array | null }>>()
    // The frozen batches go to the socket from their own arrays (REFERENCE_MIN_BYTES), so the
    // request buffer holds only the framing: about 64 bytes per partition.
    let sizeHint = 256
    for (const { batch } of entries) {
      const encodedBytes = batch.encoded?.length ?? 0
      sizeHint += (encodedBytes >= REFERENCE_MIN_BYTES ? 0 : encodedBytes) + 64
      let partitions = byTopic.get(batch.topic)
      if (partitions === undefined) {
        partitions = []
        byTopic.set(batch.topic, partitions)
      }
      partitions.push({ index: batch.partition, records: batch.encoded })
    }
    const request = ProduceApi.createRequest({
      transactionalId: host.transactionalId,
      acks: options.acks,
      timeoutMs: options.ackTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, topicId: host.metadata.topic(name)?.topicId ?? '', partitionData })),
    })
    host.logger.debug({ broker: this.nodeId, partitions: entries.length, inFlight: this.inFlight }, 'produce request')
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
        const connection = await host.connectionFor(this.nodeId)
        await previous
        version = host.produceVersion(connection)
        const pending =
          options.acks === 0
            ? connection.requestWithoutResponse(ProduceApi, request, { version, sizeHint, referenceMinBytes: REFERENCE_MIN_BYTES }).then(() => null)
            : connection.request(ProduceApi, request, { version, serverTimeoutMs: options.ackTimeoutMs, sizeHint, referenceMinBytes: REFERENCE_MIN_BYTES })
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
      this.handleResponse(entries, response, error, version)
    } catch (caught) {
      this.host.logger.error({ error: String(caught) }, 'failed to handle a produce response')
      // handleResponse may have stopped before completeHead rescheduled these queues.
      for (const { queue } of entries) if (queue.batches.length > 0) this.host.scheduleQueue(queue)
    }
    this.host.requestSettled()
    this.schedule()
  }

  // ---- responses ----

  /** The response (or failure) of a request, handled in send order. */
  private handleResponse(entries: InFlightEntry[], response: ProduceResponse | null, error: unknown, version: number): void {
    const now = Date.now()
    const host = this.host
    for (const entry of entries) {
      entry.batch.inFlight = false
      entry.queue.inFlightCount--
    }
    if (response === null && error !== null) {
      // The request may or may not have been written: resend the same batches (same sequences).
      host.logger.debug({ error: String(error), batches: entries.length }, 'produce request failed; retrying')
      for (const { queue } of entries) queue.retryAfter(now + host.options.retryBackoffMs)
      host.metadata.requestRefresh('produce request failed')
    } else if (response === null) {
      // acks=0: written is all we will ever know.
      for (const { batch } of entries) {
        batch.acknowledgedOffset = -1n
        if (batchAckedChannel.hasSubscribers) batchAckedChannel.publish({ ...this.describe(batch), baseOffset: -1n, duplicate: false, durationMs: now - batch.createdAt })
      }
    } else {
      const byTopic = new Map<string, ProduceResponse['responses'][number]>()
      for (const topic of response.responses) byTopic.set(version >= 13 ? topic.topicId : topic.name, topic)
      // Brokers answer a topic's partitions in the order of the request: the batch's own position is
      // looked at first, a search only when that misses (always searching made a response with
      // hundreds of partitions cost quadratic time).
      const positions = new Map<string, number>()
      for (const { batch, queue } of entries) {
        const key = version >= 13 ? (host.metadata.topic(batch.topic)?.topicId ?? '') : batch.topic
        const position = positions.get(batch.topic) ?? 0
        positions.set(batch.topic, position + 1)
        const answers = byTopic.get(key)?.partitionResponses
        const atPosition = answers?.[position]
        const partitionResponse = atPosition?.index === batch.partition ? atPosition : answers?.find((p) => p.index === batch.partition)
        if (partitionResponse === undefined) {
          queue.retryAfter(now + host.options.retryBackoffMs)
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
    const host = this.host
    const code = result.errorCode
    if (code === 0 || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      queue.acknowledge(batch, result.baseOffset, result.logAppendTimeMs, result.logStartOffset, host.options.idempotent)
      if (batchAckedChannel.hasSubscribers) {
        batchAckedChannel.publish({ ...this.describe(batch), baseOffset: result.baseOffset, duplicate: code !== 0, durationMs: now - batch.createdAt })
      }
      return
    }
    const info = errorByCode(code)
    if (SEQUENCE_ERRORS.has(code) && host.options.idempotent && host.transactionalId !== null && queue.followsAcknowledged(batch)) {
      // Transactional: the transaction cannot commit; the abort bumps the epoch (KIP-360).
      this.failBatch(batch, queue, code, result.errorMessage)
      host.transactionalBatchFailed(batch.failure!, code, true)
      return
    }
    if (SEQUENCE_ERRORS.has(code) && host.options.idempotent) {
      // The broker lost this producer's state for the partition: only a new epoch recovers.
      if (queue.followsAcknowledged(batch)) host.sequenceLost(batch.topic, batch.partition, info.name)
      // Otherwise an earlier batch of the partition was not written, so this one was refused: resend.
      queue.retryAfter(now + host.options.retryBackoffMs)
      return
    }
    if (info.retriable) {
      if (LEADER_ERRORS.has(code)) {
        const hint = result.currentLeader
        const endpoint = response.nodeEndpoints.find((node) => node.nodeId === hint.leaderId)
        const applied = host.metadata.applyLeaderHint(batch.topic, batch.partition, hint.leaderId, hint.leaderEpoch, endpoint)
        if (!applied) host.metadata.requestRefresh(`${info.name} for ${batch.topic}-${batch.partition}`)
      }
      queue.retryAfter(now + host.options.retryBackoffMs)
      return
    }
    this.failBatch(batch, queue, code, result.errorMessage)
    if (host.transactionalId !== null) host.transactionalBatchFailed(batch.failure!, code, false)
  }

  private failBatch(batch: ProducerBatch, queue: PartitionQueue, code: number, errorMessage: string | null): void {
    batch.failure = KafkaProtocolError.fromCode(code, {
      apiName: 'Produce',
      topic: batch.topic,
      partition: batch.partition,
      ...(errorMessage !== null ? { errorMessage } : {}),
    })
    // Not written: later batches of the partition must take over its sequence numbers.
    queue.rewindFrom(batch)
  }

  /** Completes or fails batches from the head only, so a partition's records settle in order. */
  private completeHead(queue: PartitionQueue): void {
    while (queue.batches.length > 0) {
      const head = queue.batches[0]!
      if (head.acknowledgedOffset !== null) {
        queue.batches.shift()
        this.host.progress.recordsAcknowledged += head.recordCount
        head.complete()
        this.host.release(head.recordCount, head.recordBytes)
        // Sent once and answered: its one request is written and done with, so its memory can take
        // the next batch. A batch sent more than once may still sit in a request that failed on a
        // connection that has not dropped it yet: the garbage collector takes that one.
        const pool = this.host.batchBufferPool
        if (pool !== null && head.sends === 1 && head.encoded !== null) {
          pool.release(head.encoded)
          head.encoded = null
        }
      } else if (head.failure !== null) {
        queue.batches.shift()
        this.host.progress.recordsFailed += head.recordCount
        head.fail(head.failure)
        this.host.release(head.recordCount, head.recordBytes)
      } else {
        break
      }
    }
    if (queue.batches.length > 0) this.host.scheduleQueue(queue)
  }
}

/** A batch's share of a Produce request: its bytes (exact once encoded, an estimate before) and its fields around them. */
function requestBytesOf(batch: ProducerBatch): number {
  return (batch.encoded?.length ?? batch.sizeBytes) + batch.topic.length + PER_BATCH_OVERHEAD_BYTES
}
