// One partition's log, kept in memory as the record batches producers sent (magic v2): views of
// their Produce requests, beside the offsets and leader epoch the log gave them. Records are never
// decoded on the produce or fetch path: a fetch writes the stored batch bytes behind the log's
// offset and epoch (fetch-records.ts), which is what makes the fake fast.
import { crc32c, encodeControlBatch } from '@kafkats/protocol'

/** Byte positions in a magic v2 record batch header. */
const BASE_OFFSET = 0
const BATCH_LENGTH = 8
const PARTITION_LEADER_EPOCH = 12
const MAGIC = 16
const CRC = 17
const ATTRIBUTES = 21
const LAST_OFFSET_DELTA = 23
const MAX_TIMESTAMP = 35
const PRODUCER_ID = 43
const PRODUCER_EPOCH = 51
const BASE_SEQUENCE = 53
const RECORDS_COUNT = 57
export const BATCH_HEADER_SIZE = 61

/** What the broker reads from a batch header (the records stay opaque). */
export interface BatchHeader {
  /** Where the batch starts in the produce request's records bytes. */
  position: number
  size: number
  lastOffsetDelta: number
  maxTimestamp: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  recordCount: number
  isTransactional: boolean
  isControl: boolean
}

export interface StoredBatch {
  baseOffset: number
  lastOffset: number
  /**
   * The batch's bytes as the producer sent them: a view of the Produce request (not a copy), whose
   * baseOffset and partitionLeaderEpoch are the producer's, not the log's (`withLogOffsets` and
   * fetch-records.ts's `ResponseWriter` put in `baseOffset` and `leaderEpoch`; both fields lie
   * outside the CRC).
   */
  bytes: Uint8Array
  leaderEpoch: number
  maxTimestamp: number
}

/** Bytes of a batch header up to the magic byte: baseOffset, batchLength, partitionLeaderEpoch. */
export const LOG_HEADER_SIZE = MAGIC

/** The batch as a fetch returns it: a copy of its bytes with the base offset and leader epoch the log gave it. */
export function withLogOffsets(batch: StoredBatch): Uint8Array {
  // A copy: `new Uint8Array(view)` copies, where a Buffer's `slice` (the request's bytes are a Buffer) would not.
  const bytes = new Uint8Array(batch.bytes)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  view.setBigInt64(BASE_OFFSET, BigInt(batch.baseOffset))
  view.setInt32(PARTITION_LEADER_EPOCH, batch.leaderEpoch)
  return bytes
}

/** Why a produced records field was rejected (Kafka's error name). */
export type BatchParseError = 'CORRUPT_MESSAGE' | 'UNSUPPORTED_FOR_MESSAGE_FORMAT' | 'INVALID_RECORD'

/** Splits a produce request's records into batch headers; validates magic, sizes and CRC-32C like the broker. */
export function parseBatches(records: Uint8Array): BatchHeader[] | BatchParseError {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  const headers: BatchHeader[] = []
  let position = 0
  while (position < records.length) {
    if (records.length - position < BATCH_HEADER_SIZE) return 'CORRUPT_MESSAGE'
    const size = view.getInt32(position + BATCH_LENGTH) + 12
    if (size < BATCH_HEADER_SIZE || position + size > records.length) return 'CORRUPT_MESSAGE'
    // Kafka 4 accepts only magic v2 from producers (KIP-724 removed v0/v1 writes).
    if (view.getInt8(position + MAGIC) !== 2) return 'UNSUPPORTED_FOR_MESSAGE_FORMAT'
    const crc = view.getUint32(position + CRC)
    if (crc32c(records.subarray(position + ATTRIBUTES, position + size)) !== crc) return 'CORRUPT_MESSAGE'
    const attributes = view.getInt16(position + ATTRIBUTES)
    const recordCount = view.getInt32(position + RECORDS_COUNT)
    const lastOffsetDelta = view.getInt32(position + LAST_OFFSET_DELTA)
    if (recordCount <= 0 || lastOffsetDelta !== recordCount - 1) return 'INVALID_RECORD'
    headers.push({
      position,
      size,
      lastOffsetDelta,
      maxTimestamp: Number(view.getBigInt64(position + MAX_TIMESTAMP)),
      producerId: view.getBigInt64(position + PRODUCER_ID),
      producerEpoch: view.getInt16(position + PRODUCER_EPOCH),
      baseSequence: view.getInt32(position + BASE_SEQUENCE),
      recordCount,
      isTransactional: (attributes & 0x10) !== 0,
      isControl: (attributes & 0x20) !== 0,
    })
    position += size
  }
  return headers
}

/** One batch's place in a producer's recent history (for duplicate detection). */
export interface BatchMetadata {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
}

/**
 * Per producer id, as Kafka's ProducerStateManager keeps it: its epoch, last 5 batches (Kafka keeps
 * 5 = max in-flight requests), the first offset of its open transaction on this partition and the
 * coordinator epoch of the last transaction marker written for it.
 */
interface ProducerState {
  epoch: number
  batches: BatchMetadata[]
  /** First offset of the producer's open transaction here, -1 when none is open. */
  currentTxnFirstOffset: number
  coordinatorEpoch: number
  lastTimestamp: number
}

/** An aborted transaction on this partition: its first offset and the offset of its ABORT marker. */
interface AbortedTransaction {
  producerId: bigint
  firstOffset: number
  lastOffset: number
}

/** What DescribeProducers reports for one producer of a partition. */
interface ProducerSnapshot {
  producerId: bigint
  producerEpoch: number
  lastSequence: number
  lastTimestamp: number
  coordinatorEpoch: number
  currentTxnStartOffset: number
}

type MarkerResult = { ok: true; offset: number } | { ok: false; error: 'INVALID_PRODUCER_EPOCH' | 'TRANSACTION_COORDINATOR_FENCED'; message: string }

/** A partition log's state beside its batches, as `dataDir` stores it (JSON: bigints as strings). */
export interface PartitionLogSnapshot {
  logStartOffset: number
  endOffset: number
  epochs: Array<{ epoch: number; startOffset: number }>
  producers: Array<{ producerId: string; epoch: number; batches: BatchMetadata[]; currentTxnFirstOffset: number; coordinatorEpoch: number; lastTimestamp: number }>
  aborted: Array<{ producerId: string; firstOffset: number; lastOffset: number }>
}

const NUM_BATCHES_TO_RETAIN = 5
const INT32_MAX = 2147483647

/** What `PartitionLog.read` returns: whole batches, their size in bytes, the last offset of the last one (-1 when none). */
export interface LogRead {
  batches: StoredBatch[]
  bytes: number
  lastOffset: number
}

export type AppendResult =
  | { ok: true; baseOffset: number; duplicate: boolean }
  | { ok: false; error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'INVALID_PRODUCER_EPOCH'; message: string }

export class PartitionLog {
  readonly batches: StoredBatch[] = []
  logStartOffset = 0
  /** Next offset to assign (log end offset). */
  endOffset = 0
  /** Leader epoch cache: (epoch, first offset written in it), ascending. */
  readonly epochs: Array<{ epoch: number; startOffset: number }> = []
  private readonly producers = new Map<bigint, ProducerState>()
  /** Aborted transactions in offset order (Kafka's transaction index), for read_committed fetches. */
  readonly aborted: AbortedTransaction[] = []
  bytes = 0

  /** Records that `epoch` starts at the current end offset (Kafka does it when a leader is elected). */
  assignEpoch(epoch: number): void {
    // Entries that start at or past this offset are replaced, as Kafka's LeaderEpochFileCache.assign does.
    while (this.epochs.length > 0 && this.epochs[this.epochs.length - 1]!.startOffset >= this.endOffset) this.epochs.pop()
    this.epochs.push({ epoch, startOffset: this.endOffset })
  }

  /**
   * Appends one batch (from `records` at `header.position`) with Kafka's idempotent-producer
   * checks: a retry of one of the producer's last 5 batches gets its original offset, a gap in
   * sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch is fenced.
   */
  append(records: Uint8Array, header: BatchHeader, leaderEpoch: number): AppendResult {
    let state: ProducerState | undefined
    let metadata: BatchMetadata | undefined
    if (header.producerId >= 0n) {
      state = this.producers.get(header.producerId)
      const firstSeq = header.baseSequence
      const lastSeq = (firstSeq + header.lastOffsetDelta) % (INT32_MAX + 1)
      if (state !== undefined) {
        if (header.producerEpoch < state.epoch) {
          return {
            ok: false,
            error: 'INVALID_PRODUCER_EPOCH',
            message: `Epoch of producer ${header.producerId} at offset ${this.endOffset} is ${header.producerEpoch}, which is smaller than the last seen epoch ${state.epoch}`,
          }
        }
        if (header.producerEpoch === state.epoch) {
          const duplicate = state.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
          if (duplicate !== undefined) return { ok: true, baseOffset: duplicate.firstOffset, duplicate: true }
          const last = state.batches[state.batches.length - 1]
          const expected = last === undefined ? 0 : last.lastSeq === INT32_MAX ? 0 : last.lastSeq + 1
          if (last !== undefined && firstSeq !== expected) {
            return {
              ok: false,
              error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
              message: `Out of order sequence number for producer ${header.producerId} at offset ${this.endOffset}: ${firstSeq} (incoming seq. number), ${last.lastSeq} (current end sequence number)`,
            }
          }
        } else if (firstSeq !== 0) {
          return {
            ok: false,
            error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
            message: `Invalid sequence number for new epoch of producer ${header.producerId}: ${header.producerEpoch} (request epoch), ${firstSeq} (seq. number), ${state.epoch} (current producer epoch)`,
          }
        }
      }
      // An unknown producer id may start at any sequence (its state may have been removed).
      metadata = { firstSeq, lastSeq, firstOffset: 0, lastOffset: 0 }
    }
    const baseOffset = this.endOffset
    // Kept as the producer sent it, neither copied nor changed: the request stays in the cluster's
    // request log anyway (which must show what the client sent), and a fetch writes the log's
    // offset and epoch in front of the rest (fetch-records.ts). A copy would be a second pass over
    // every produced byte, into memory the process had never touched (DESIGN.md).
    const bytes = records.subarray(header.position, header.position + header.size)
    const lastOffset = baseOffset + header.lastOffsetDelta
    this.batches.push({ baseOffset, lastOffset, bytes, leaderEpoch, maxTimestamp: header.maxTimestamp })
    this.endOffset = lastOffset + 1
    this.bytes += bytes.length
    if (metadata !== undefined) {
      metadata.firstOffset = baseOffset
      metadata.lastOffset = lastOffset
      if (state === undefined || state.epoch !== header.producerEpoch) {
        state = { epoch: header.producerEpoch, batches: [], currentTxnFirstOffset: state?.currentTxnFirstOffset ?? -1, coordinatorEpoch: state?.coordinatorEpoch ?? -1, lastTimestamp: -1 }
        this.producers.set(header.producerId, state)
      }
      state.batches.push(metadata)
      if (state.batches.length > NUM_BATCHES_TO_RETAIN) state.batches.shift()
      state.lastTimestamp = header.maxTimestamp
      // The first transactional batch of a transaction opens it here: the LSO cannot pass it until its marker.
      if (header.isTransactional && state.currentTxnFirstOffset < 0) state.currentTxnFirstOffset = baseOffset
    }
    return { ok: true, baseOffset, duplicate: false }
  }

  /**
   * Writes a COMMIT or ABORT marker (a control batch) for `producerId`, closing its open transaction
   * here if it has one, as the partition leader does for WriteTxnMarkers. A marker of an older epoch
   * than the producer's is refused, so is one from an older coordinator epoch.
   */
  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, leaderEpoch: number): MarkerResult {
    const state = this.producers.get(producerId)
    if (state !== undefined && producerEpoch < state.epoch) {
      return { ok: false, error: 'INVALID_PRODUCER_EPOCH', message: `Producer ${producerId}'s epoch in ${commit ? 'COMMIT' : 'ABORT'} is ${producerEpoch}, which is smaller than the last seen epoch ${state.epoch}` }
    }
    if (state !== undefined && coordinatorEpoch < state.coordinatorEpoch) {
      return { ok: false, error: 'TRANSACTION_COORDINATOR_FENCED', message: `Coordinator epoch ${coordinatorEpoch} is older than the last one seen for producer ${producerId} (${state.coordinatorEpoch})` }
    }
    const offset = this.endOffset
    const bytes = encodeControlBatch({ type: commit ? 'COMMIT' : 'ABORT', producerId, producerEpoch, coordinatorEpoch, baseOffset: BigInt(offset), partitionLeaderEpoch: leaderEpoch, timestamp: Date.now() })
    this.batches.push({ baseOffset: offset, lastOffset: offset, bytes, leaderEpoch, maxTimestamp: Date.now() })
    this.endOffset = offset + 1
    this.bytes += bytes.length
    const firstOffset = state?.currentTxnFirstOffset ?? -1
    if (!commit && firstOffset >= 0) this.aborted.push({ producerId, firstOffset, lastOffset: offset })
    if (state === undefined || producerEpoch > state.epoch) {
      // A marker of a newer epoch (KIP-890: every EndTxn bumps it) starts the producer's sequences over.
      this.producers.set(producerId, { epoch: producerEpoch, batches: [], currentTxnFirstOffset: -1, coordinatorEpoch, lastTimestamp: state?.lastTimestamp ?? -1 })
    } else {
      state.currentTxnFirstOffset = -1
      state.coordinatorEpoch = coordinatorEpoch
    }
    return { ok: true, offset }
  }

  /** First offset of the oldest open transaction, or the log end offset (Kafka's first unstable offset). */
  firstUnstableOffset(): number {
    let first = this.endOffset
    for (const state of this.producers.values()) if (state.currentTxnFirstOffset >= 0 && state.currentTxnFirstOffset < first) first = state.currentTxnFirstOffset
    return first
  }

  /** Aborted transactions that overlap [fetchOffset, upperBoundOffset): what a read_committed fetch must skip. */
  abortedBetween(fetchOffset: number, upperBoundOffset: number): AbortedTransaction[] {
    return this.aborted.filter((a) => a.lastOffset >= fetchOffset && a.firstOffset < upperBoundOffset)
  }

  /** The producers with state on this partition (DescribeProducers). */
  producerSnapshots(): ProducerSnapshot[] {
    return [...this.producers].map(([producerId, state]) => ({
      producerId,
      producerEpoch: state.epoch,
      lastSequence: state.batches[state.batches.length - 1]?.lastSeq ?? -1,
      lastTimestamp: state.lastTimestamp,
      coordinatorEpoch: state.coordinatorEpoch,
      currentTxnStartOffset: state.currentTxnFirstOffset,
    }))
  }

  /** Index of the batch holding `offset` (or the first batch after it); batches.length if none. */
  batchIndexFor(offset: number): number {
    let low = 0
    let high = this.batches.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.batches[mid]!.lastOffset < offset) low = mid + 1
      else high = mid
    }
    return low
  }

  /**
   * Whole batches from the one holding `offset` up to (not including) `endOffset`, at most
   * `maxBytes` — but always the first batch, however large (KIP-74), when `minOneBatch`.
   */
  read(offset: number, endOffset: number, maxBytes: number, minOneBatch: boolean): LogRead {
    const batches: StoredBatch[] = []
    let bytes = 0
    for (let i = this.batchIndexFor(offset); i < this.batches.length; i++) {
      const batch = this.batches[i]!
      if (batch.lastOffset >= endOffset) break
      if (bytes + batch.bytes.length > maxBytes && !(minOneBatch && batches.length === 0)) break
      batches.push(batch)
      bytes += batch.bytes.length
    }
    return { batches, bytes, lastOffset: batches.length === 0 ? -1 : batches[batches.length - 1]!.lastOffset }
  }

  /** End offset of the last whole batch at or below `offset` (replicas copy whole batches). */
  batchAlignedEnd(offset: number): number {
    if (offset >= this.endOffset) return this.endOffset
    const index = this.batchIndexFor(offset)
    const batch = this.batches[index]
    if (batch === undefined) return this.endOffset
    return batch.baseOffset === offset ? offset : Math.max(batch.baseOffset, this.logStartOffset)
  }

  /** Epoch in effect at `offset`, from the epoch cache (-1 if none). */
  epochAt(offset: number): number {
    let epoch = -1
    for (const entry of this.epochs) {
      if (entry.startOffset <= offset) epoch = entry.epoch
      else break
    }
    return epoch
  }

  /** Kafka's `endOffsetForEpoch`: (largest epoch <= requested, the offset where the next epoch starts or the LEO). */
  endOffsetForEpoch(requested: number): { epoch: number; endOffset: number } {
    const latest = this.epochs[this.epochs.length - 1]
    if (latest === undefined) return { epoch: -1, endOffset: -1 }
    if (requested === latest.epoch) return { epoch: latest.epoch, endOffset: this.endOffset }
    let floor = -1
    for (let i = 0; i < this.epochs.length; i++) {
      if (this.epochs[i]!.epoch <= requested) floor = i
      else break
    }
    if (floor < 0) return { epoch: -1, endOffset: -1 }
    const next = this.epochs[floor + 1]
    return { epoch: this.epochs[floor]!.epoch, endOffset: next === undefined ? this.endOffset : next.startOffset }
  }

  /** First offset whose batch holds a timestamp >= `timestamp` (batch granularity), or null. */
  offsetForTimestamp(timestamp: number): StoredBatch | null {
    for (const batch of this.batches) if (batch.maxTimestamp >= timestamp) return batch
    return null
  }

  /** Everything but the batches, for `dataDir` (the batches go to a file as Kafka lays out a segment: one after another). */
  snapshot(): PartitionLogSnapshot {
    return {
      logStartOffset: this.logStartOffset,
      endOffset: this.endOffset,
      epochs: this.epochs.map((e) => ({ ...e })),
      producers: [...this.producers].map(([id, state]) => ({ ...state, producerId: id.toString(), batches: state.batches.map((b) => ({ ...b })) })),
      aborted: this.aborted.map((a) => ({ ...a, producerId: a.producerId.toString() })),
    }
  }

  /** A log from its snapshot and its batches as stored (concatenated magic v2 batches, offsets written in). */
  static restore(snapshot: PartitionLogSnapshot, segment: Uint8Array): PartitionLog {
    const log = new PartitionLog()
    const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength)
    for (let position = 0; position + BATCH_HEADER_SIZE <= segment.length; ) {
      const size = view.getInt32(position + BATCH_LENGTH) + 12
      if (size < BATCH_HEADER_SIZE || position + size > segment.length) throw new Error(`a batch at byte ${position} runs past the end of the segment (${segment.length} bytes)`)
      // Views of the file's bytes (written with the log's offsets in: withLogOffsets).
      const bytes = segment.subarray(position, position + size)
      const baseOffset = Number(view.getBigInt64(position + BASE_OFFSET))
      log.batches.push({
        baseOffset,
        lastOffset: baseOffset + view.getInt32(position + LAST_OFFSET_DELTA),
        bytes,
        leaderEpoch: view.getInt32(position + PARTITION_LEADER_EPOCH),
        maxTimestamp: Number(view.getBigInt64(position + MAX_TIMESTAMP)),
      })
      log.bytes += size
      position += size
    }
    log.logStartOffset = snapshot.logStartOffset
    log.endOffset = snapshot.endOffset
    log.epochs.push(...snapshot.epochs)
    for (const p of snapshot.producers) {
      log.producers.set(BigInt(p.producerId), { epoch: p.epoch, batches: p.batches, currentTxnFirstOffset: p.currentTxnFirstOffset, coordinatorEpoch: p.coordinatorEpoch, lastTimestamp: p.lastTimestamp })
    }
    log.aborted.push(...snapshot.aborted.map((a) => ({ ...a, producerId: BigInt(a.producerId) })))
    return log
  }

  /** DeleteRecords: moves the log start offset (whole batches below it are dropped). */
  deleteBefore(offset: number): void {
    this.logStartOffset = Math.max(this.logStartOffset, Math.min(offset, this.endOffset))
    while (this.batches.length > 0 && this.batches[0]!.lastOffset < this.logStartOffset) {
      this.bytes -= this.batches[0]!.bytes.length
      this.batches.shift()
    }
  }
}
