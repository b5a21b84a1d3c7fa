import { batchFailedChannel } from './diagnostics.js'
import { type CompressionCodec, InvalidArgumentError, RecordBatchBuilder, type RecordBatchBuilderOptions, type RecordInput, crc32c, utf8Length } from '@kafkats/protocol'

/** What `send` resolves with once the record is acknowledged. */
export interface RecordMetadata {
  topic: string
  partition: number
  /** -1 with acks=0 (no response carries it). */
  offset: bigint
  /** The record's CreateTime, or the broker's LogAppendTime when the topic uses it. */
  timestamp: bigint
  /**
   * The partition's log start offset when the broker acknowledged the record (Produce v5+); -1
   * when the response does not carry it (older brokers, acks=0). Lets a caller see how far
   * retention has trimmed the log without a ListOffsets request.
   */
  logStartOffset: bigint
}

/**
 * Who hears about a record's outcome: one per `send` (its promise), one per `sendBatch` call (one
 * promise for all its records), or one per callback. `slot` is the record's place in the caller's
 * batch; the batch builds the record's metadata only through `metadataOf`, so a target that does
 * not want it (a callback that takes only the error) costs no object per record.
 */
export interface DeliveryTarget {
  acknowledged(slot: number, batch: ProducerBatch, index: number): void
  failed(slot: number, error: Error): void
  /**
   * Optional: told once that the `count` records of `batch` from `index` on, all of them this
   * target's, were acknowledged, instead of once per record. For targets that want a summary per
   * partition, not per record (`sendBatch` with `metadata: 'partitions'`).
   */
  acknowledgedRun?(batch: ProducerBatch, index: number, count: number): void
}

/**
 * What `sendBatch(records, { metadata: 'partitions' })` resolves with: one per partition the call
 * wrote to. Everything in it follows from the records' own metadata (their timestamps aside, which
 * `metadata: true` gives), so it is the same whether a batch held only this call's records or not.
 */
export interface PartitionProduceResult {
  topic: string
  partition: number
  /** The offset of the call's first record in this partition; -1 with acks=0 (no response carries it). */
  baseOffset: bigint
  /**
   * The offset of the call's last record in this partition (-1 with acks=0). Records of other
   * sends may lie between the two: they are not a range of this call's records only.
   */
  lastOffset: bigint
  /** How many of the call's records this partition got. */
  recordCount: number
  /** The partition's log start offset in the latest acknowledging response; -1 when not known. */
  logStartOffset: bigint
}

/** Fixed part of a batch (61) plus a generous per-record overhead, for size accounting. */
const BATCH_OVERHEAD = 61
const RECORD_OVERHEAD = 21

/**
 * Records of one partition that travel together. Each record is encoded into the batch's memory
 * when appended (as the Java client's RecordAccumulator does), so the caller's record object dies
 * young and is read while still in cache: with 1,000 partitions, encoding a batch's records at
 * freeze read each one back among tens of thousands of others. Frozen (header written: producer
 * id, epoch, base sequence, CRC; compressed) when first drained. A retry resends the same frozen
 * bytes; an epoch bump or a sequence rewind patches the header fields and CRC in place.
 */
export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  readonly createdAt: number
  /** The records encoded so far; null once frozen (the bytes are in `encoded`). */
  private builder: RecordBatchBuilder | null
  private count = 0
  /**
   * Who hears about each record. While the records share one target (`send(record, callback)` in
   * a loop, one `sendBatch` call) only `target` is kept; while their slots follow one pattern (the
   * same slot, or consecutive ones) only `firstSlot` and `slotStep`: the record at index i has slot
   * firstSlot + slotStep * i. Each per-record array is made at the first record that breaks its
   * pattern. Two arrays pushed per record, and grown and collected per batch, cost as much as the
   * batch's encoding with many small batches (1,000 partitions).
   */
  private target: DeliveryTarget | null = null
  private firstSlot = 0
  private slotStep = 0
  private targets: DeliveryTarget[] | null = null
  private slots: number[] | null = null
  // Records of a batch mostly share a millisecond: `metadataOf` reuses the last timestamp's bigint.
  private lastTimestamp = -1
  private lastTimestampBig = -1n
  /**
   * Each record's timestamp, for its metadata: `firstTimestamp` while they all share it (one
   * `sendBatch`, or sends within a millisecond); an array from the first record with another.
   */
  private firstTimestamp = -1
  private timestamps: number[] | null = null
  /** Estimated bytes of the batch (uncompressed). */
  sizeBytes = BATCH_OVERHEAD
  /** The producer-buffer bytes its records hold (released when the batch settles). */
  recordBytes = 0
  encoded: Uint8Array | null = null
  baseSequence = -1
  /** Set when the batch went to a broker at least once: from then on it may be in the log. */
  sentOnce = false
  inFlight = false
  /** Acknowledged base offset, kept until every earlier batch of the partition completed. */
  acknowledgedOffset: bigint | null = null
  logAppendTime = -1n
  /** The partition's log start offset from the acknowledging response (-1 when not known). */
  logStartOffset = -1n
  /** A permanent failure, applied once the batch is the partition's head. */
  failure: Error | null = null
  /** Sent without waiting out `lingerMs` (an awaited `sendBatch` that had the producer to itself). */
  lingerEnded = false
  /** Times the batch was put in a Produce request (diagnostics: the attempt number). */
  sends = 0
  /** The producer epoch it was encoded with, and the one it carries now (they differ after an epoch bump). */
  frozenEpoch = -1
  producerEpoch = -1

  /** `memory`: where the records are encoded (the producer's batch memory pool); default fresh arrays. */
  /** `expectedBytes`: what the partition's last batch reached (its memory starts at that size class). */
  constructor(topic: string, partition: number, now: number, memory?: RecordBatchBuilderOptions, expectedBytes = 0) {
    this.topic = topic
    this.partition = partition
    this.createdAt = now
    this.builder = new RecordBatchBuilder(memory, expectedBytes)
  }

  get recordCount(): number {
    return this.count
  }

  /** Bytes of the records encoded so far, header included (0 once frozen). */
  get uncompressedBytes(): number {
    return this.builder === null ? 0 : this.builder.byteLength
  }

  /** Records can still be appended: not frozen (its memory may be reused once acknowledged) and not failed. */
  get isOpen(): boolean {
    return this.builder !== null && this.failure === null
  }

  get isFrozen(): boolean {
    return this.encoded !== null
  }

  get isSettled(): boolean {
    return this.acknowledgedOffset !== null || this.failure !== null
  }

  /** Bytes a record adds to a batch (an estimate that errs on the large side). */
  static recordSize(record: RecordInput): number {
    let size = RECORD_OVERHEAD + fieldBytes(record.key ?? null) + fieldBytes(record.value)
    if (record.headers !== undefined) for (const header of record.headers) size += header.key.length * 3 + (header.value?.length ?? 0) + 10
    return size
  }

  /**
   * Encodes `record` into the batch. A record the encoder refuses throws its typed error
   * (`InvalidArgumentError`) and leaves the batch as it was: it fails alone, never its neighbours.
   */
  append(record: RecordInput, size: number, target: DeliveryTarget, slot: number): void {
    if (this.builder === null) throw new Error(`batch ${this.topic}-${this.partition} is frozen: no record can be appended`)
    let timestamp: number
    try {
      timestamp = this.builder.append(record)
    } catch (error) {
      throw unencodable(record, this.topic, this.partition, error)
    }
    const index = this.count
    if (index === 0) this.firstTimestamp = timestamp
    else if (this.timestamps !== null) this.timestamps.push(timestamp)
    else if (timestamp !== this.firstTimestamp) {
      const timestamps: number[] = []
      for (let i = 0; i < index; i++) timestamps.push(this.firstTimestamp)
      timestamps.push(timestamp)
      this.timestamps = timestamps
    }
    if (index === 0 && this.targets === null && this.slots === null) {
      this.target = target
      this.firstSlot = slot
    } else {
      if (this.targets !== null) this.targets.push(target)
      else if (target !== this.target) this.spreadTargets().push(target)
      if (this.slots !== null) this.slots.push(slot)
      else if (slot !== this.firstSlot + this.slotStep * index) {
        if (index === 1 && slot === this.firstSlot + 1) this.slotStep = 1
        else this.spreadSlots().push(slot)
      }
    }
    this.count = index + 1
    this.sizeBytes += size
    this.recordBytes += size
  }

  /** The target of the record at `index`. */
  targetAt(index: number): DeliveryTarget {
    return this.targets === null ? this.target! : this.targets[index]!
  }

  /** The caller's slot of the record at `index`. */
  slotAt(index: number): number {
    return this.slots === null ? this.firstSlot + this.slotStep * index : this.slots[index]!
  }

  /** One target per record from now on (a record with another target, or records taken out). */
  private spreadTargets(): DeliveryTarget[] {
    if (this.targets === null) {
      const targets: DeliveryTarget[] = []
      for (let i = 0; i < this.count; i++) targets.push(this.target!)
      this.targets = targets
    }
    return this.targets
  }

  /**
   * One slot per record from now on (a slot out of the pattern, or records taken out). A
   * `sendBatch` of keyed records gets here (each partition's batch takes every few slots of the
   * call), but keeps its one target: an array of small integers, which the collector never scans.
   */
  private spreadSlots(): number[] {
    if (this.slots === null) {
      const slots: number[] = []
      for (let i = 0; i < this.count; i++) slots.push(this.firstSlot + this.slotStep * i)
      this.slots = slots
    }
    return this.slots
  }

  /** Writes the header (and compresses): the batch's bytes from now on. Throws, unchanged, if the encoder refuses a header field or the codec fails. */
  freeze(compression: CompressionCodec, producerId: bigint, producerEpoch: number, baseSequence: number, isTransactional = false): void {
    if (this.builder === null) throw new Error(`batch ${this.topic}-${this.partition} is already frozen`)
    this.encoded = this.builder.finish({ compression, producerId, producerEpoch, baseSequence, isTransactional })
    this.builder = null
    this.baseSequence = baseSequence
    this.frozenEpoch = producerEpoch
    this.producerEpoch = producerEpoch
  }

  /** Rewrites producer id, epoch and base sequence of the frozen batch (epoch bump, sequence rewind). */
  restamp(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    const bytes = this.encoded!
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    view.setBigInt64(43, producerId)
    view.setInt16(51, producerEpoch)
    view.setInt32(53, baseSequence)
    // The CRC (offset 17) covers attributes (offset 21) to the end.
    view.setUint32(17, crc32c(bytes, 21, bytes.length) >>> 0)
    this.baseSequence = baseSequence
    this.producerEpoch = producerEpoch
  }

  /** Tells every record's target that the batch was acknowledged (`acknowledgedOffset` is set). */
  complete(): void {
    const count = this.count
    const targets = this.targets
    if (targets === null) {
      const target = this.target!
      if (target.acknowledgedRun !== undefined) return target.acknowledgedRun(this, 0, count)
      if (this.slots === null) {
        const firstSlot = this.firstSlot
        const step = this.slotStep
        for (let i = 0; i < count; i++) target.acknowledged(firstSlot + step * i, this, i)
        return
      }
      for (let i = 0; i < count; i++) target.acknowledged(this.slotAt(i), this, i)
      return
    }
    // Several sends share the batch (concurrent sendBatch calls join each other's open batches):
    // a target that sums up runs hears once per run of its records.
    let i = 0
    while (i < count) {
      const target = targets[i]!
      if (target.acknowledgedRun === undefined) {
        target.acknowledged(this.slotAt(i), this, i)
        i++
        continue
      }
      let end = i + 1
      while (end < count && targets[end] === target) end++
      target.acknowledgedRun(this, i, end - i)
      i = end
    }
  }

  /** The metadata of the record at `index` of this acknowledged batch (built on request only). */
  metadataOf(index: number): RecordMetadata {
    const baseOffset = this.acknowledgedOffset!
    let timestamp = this.logAppendTime
    if (timestamp < 0n) {
      const raw = this.timestamps === null ? this.firstTimestamp : this.timestamps[index]!
      if (raw !== this.lastTimestamp) {
        this.lastTimestamp = raw
        this.lastTimestampBig = BigInt(raw)
      }
      timestamp = this.lastTimestampBig
    }
    return { topic: this.topic, partition: this.partition, offset: baseOffset >= 0n ? baseOffset + smallBigInt(index) : -1n, timestamp, logStartOffset: this.logStartOffset }
  }

  fail(error: Error): void {
    // Every way a batch fails for good ends here (broker error, delivery timeout, close, abort).
    // Its `failure` is set from now on, so it is no partition's open batch any more (PartitionQueue.openBatch).
    this.failure ??= error
    if (batchFailedChannel.hasSubscribers) batchFailedChannel.publish({ topic: this.topic, partition: this.partition, records: this.recordCount, attempts: this.sends, error })
    const count = this.count
    for (let i = 0; i < count; i++) this.targetAt(i).failed(this.slotAt(i), error)
  }
}

/** Bytes of a key or value in the batch: a string (short, see record-input.ts) counts its UTF-8 bytes. */
function fieldBytes(field: Uint8Array | string | null): number {
  return field === null ? 0 : typeof field === 'string' ? utf8Length(field) : field.length
}

/** The typed error for a record the batch encoder refused, naming the field when it can tell which. */
function unencodable(record: RecordInput, topic: string, partition: number, cause: unknown): InvalidArgumentError {
  const timestamp = record.timestamp
  if (timestamp !== undefined && !Number.isSafeInteger(Number(timestamp))) {
    return new InvalidArgumentError('record.timestamp', timestamp, `milliseconds since the epoch within 2^53 (the record batch of ${topic}-${partition} cannot carry it)`, { cause })
  }
  return new InvalidArgumentError('record', record, `a record the record batch of ${topic}-${partition} can carry (${String(cause)})`, { cause })
}

const SMALL_BIGINTS: bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i))

/** `BigInt(i)` without an allocation for the record indexes of ordinary batches. */
export function smallBigInt(i: number): bigint {
  return i < SMALL_BIGINTS.length ? SMALL_BIGINTS[i]! : BigInt(i)
}

/** Sequence numbers wrap at 2^31 - 1 back to 0, as in the Java client. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > 0x7fffffff - increment ? increment - (0x7fffffff - sequence) - 1 : sequence + increment
}

/**
 * One partition's unacknowledged batches, in sequence order (frozen ones first, the open batch
 * last), and the state that keeps them ordered: how many are in flight, to which broker, and
 * whether an error blocks sending until everything in flight has settled.
 */
export class PartitionQueue {
  readonly topic: string
  readonly partition: number
  readonly batches: ProducerBatch[] = []
  inFlightCount = 0
  /** The broker the in-flight batches went to. A move to another leader waits until this settles. */
  inFlightNode = -1
  /** After an error: send nothing until every in-flight batch has settled, then resume from the head. */
  blocked = false
  /** Set with `blocked` when a batch failed permanently: re-sequence the rest from this sequence. */
  rewindTo = -1
  /** Sequence of the next batch to freeze. */
  nextSequence = 0
  /**
   * Uncompressed bytes of the last batch frozen: the next batch's memory starts at that size. A
   * partition that slows down after a burst holds one large batch memory at most once: the batch
   * after it is sized by what that one reached.
   */
  lastBatchBytes = 0
  /**
   * The sequence the broker expects next, given every batch acknowledged so far. A sequence error
   * on a batch with exactly this sequence means the broker lost our state; on any other batch it
   * only means an earlier batch was not written.
   */
  expectedSequence = 0
  /**
   * Whether the leader has acknowledged a batch of this producer id and epoch. Until it has, a
   * broker without state for the producer appends any first sequence (Kafka 3.x does), so a later
   * batch could overtake a first one that failed retriably: only one batch may be in flight.
   */
  brokerHasProducerState = false
  /** Earliest time the next send may happen (retry back-off). */
  retryAt = 0

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }

  /**
   * The batch last added (`addBatch`). Kept here so that an append reads the batch itself, not
   * `batches` and its backing store: with 1,000 partitions each of those is a cache miss per record.
   * Every way a batch leaves `batches` unsent goes through `fail`, which sets its `failure`.
   */
  private last: ProducerBatch | null = null

  /** The open batch new records go to, if any: the last added, while neither frozen nor failed. */
  get openBatch(): ProducerBatch | undefined {
    const last = this.last
    return last !== null && last.isOpen ? last : undefined
  }

  /** Adds a new batch at the tail: the open batch from now on. */
  addBatch(batch: ProducerBatch): void {
    this.batches.push(batch)
    this.last = batch
  }

  /** The first batch that is neither in flight nor settled: the next to (re)send. */
  nextToSend(): ProducerBatch | undefined {
    for (const batch of this.batches) if (!batch.inFlight && !batch.isSettled) return batch
    return undefined
  }

  /** True if the broker should have accepted `batch`: every batch before it was acknowledged. */
  followsAcknowledged(batch: ProducerBatch): boolean {
    return this.rewindTo < 0 && batch.baseSequence === this.expectedSequence
  }

  /** Encodes `batch` for its first send; with idempotence it takes the partition's next sequence. */
  freeze(
    batch: ProducerBatch,
    compression: CompressionCodec,
    producerId: bigint,
    producerEpoch: number,
    idempotent: boolean,
    isTransactional = false,
  ): void {
    const sequence = idempotent ? this.nextSequence : -1
    const bytes = batch.uncompressedBytes
    batch.freeze(compression, producerId, producerEpoch, sequence, isTransactional)
    this.lastBatchBytes = bytes
    if (idempotent) this.nextSequence = incrementSequence(sequence, batch.recordCount)
  }

  /** The broker appended `batch` (or already had it): the next expected sequence follows it. */
  acknowledge(batch: ProducerBatch, baseOffset: bigint, logAppendTime: bigint, logStartOffset: bigint, idempotent: boolean): void {
    batch.acknowledgedOffset = baseOffset
    batch.logAppendTime = logAppendTime
    batch.logStartOffset = logStartOffset
    if (idempotent) {
      this.expectedSequence = incrementSequence(batch.baseSequence, batch.recordCount)
      this.brokerHasProducerState = true
    }
  }

  /** A retriable error: send nothing until everything in flight settled, and not before `at`. */
  retryAfter(at: number): void {
    this.blocked = true
    this.retryAt = at
  }

  /**
   * `batch` will never be written (a permanent error, or it expired before it was sent): hold the
   * partition, and once nothing is in flight let the later batches take over its sequence numbers.
   */
  rewindFrom(batch: ProducerBatch): void {
    this.blocked = true
    if (this.rewindTo < 0) this.rewindTo = batch.baseSequence
  }

  /** Resumes after an error once nothing is in flight: re-sequences the unsettled batches if one failed. */
  unblock(producerId: bigint, producerEpoch: number): void {
    this.blocked = false
    if (this.rewindTo >= 0) this.restampFrom(this.rewindTo, producerId, producerEpoch)
    this.rewindTo = -1
  }

  /** After an epoch bump: every unacknowledged batch starts over at sequence 0 under the new epoch, in order. */
  restartSequences(producerId: bigint, producerEpoch: number): void {
    this.restampFrom(0, producerId, producerEpoch)
    this.expectedSequence = 0
    this.brokerHasProducerState = false
    this.rewindTo = -1
    this.blocked = false
  }

  private restampFrom(first: number, producerId: bigint, producerEpoch: number): void {
    let sequence = first
    for (const batch of this.batches) {
      if (!batch.isFrozen || batch.isSettled) continue
      batch.restamp(producerId, producerEpoch, sequence)
      sequence = incrementSequence(sequence, batch.recordCount)
    }
    this.nextSequence = sequence
  }
}
