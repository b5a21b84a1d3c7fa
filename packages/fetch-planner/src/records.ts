import {
  CompressionError,
  type DecodedRecordBatches,
  KafkaError,
  type RecordBatch,
  type RecordShape,
  decodePartitionRecordBatches,
  decodePartitionRecordBatchesSync,
  isCompressionCodecLoaded,
  nextOffsetAfter,
} from '@kafkats/protocol'
import type { IsolationLevel } from './options.js'
import type { FetchedBatch, FetchedRecord } from './types.js'

export interface AbortedTransaction {
  producerId: bigint
  firstOffset: bigint
}

export interface ExtractInput<R = FetchedRecord> {
  /** The offset the Fetch asked for: records below it (a batch may start earlier) are skipped. */
  fetchOffset: bigint
  isolationLevel: IsolationLevel
  /** From the Fetch response (read_committed only; null or empty otherwise). */
  abortedTransactions: readonly AbortedTransaction[] | null
  /** Complete batches, in log order, their records in the consumer's shape (`decodePartitionRecordBatchesSync`). */
  batches: readonly RecordBatch<R>[]
  /** A record's offset, for records in a caller's shape (`RecordShape.offsetOf`); default `record.offset`. */
  offsetOf?: ((record: R) => bigint) | undefined
}

export interface ExtractedRecords<R = FetchedRecord> {
  records: R[]
  /** Where the next Fetch starts: after the last complete batch (control and empty batches included), never below `fetchOffset`. */
  nextOffset: bigint
  /** Leader epoch of the last batch read, or -1 when no batch was read. */
  lastEpoch: number
}

/**
 * Turns decoded batches into the records an application sees: skips records below the fetch
 * offset, hides control batches (transaction markers), and for read_committed drops the batches
 * of aborted transactions (the response's AbortedTransactions list opens an aborted range per
 * producer, its ABORT marker closes it; the Java client's algorithm). Advances past every
 * complete batch, including control batches and batches compaction emptied.
 *
 * The records handed out are the decoder's objects (no copy): a batch wholly at or above the fetch
 * offset gives its records array itself when it is the only one with records to give.
 */
export function extractRecords<R = FetchedRecord>(input: ExtractInput<R>): ExtractedRecords<R> {
  const { fetchOffset } = input
  const offsetOf = input.offsetOf ?? offsetOfRecord
  // The first batch's own array until a second batch adds records (then a copy of it, so the batch is not modified).
  let records: R[] = []
  let ownArray = true
  let nextOffset = fetchOffset
  let lastEpoch = -1
  const readCommitted = input.isolationLevel === 'read_committed'
  const aborted = readCommitted && input.abortedTransactions !== null ? [...input.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : []
  let nextAborted = 0
  const abortedProducers = new Set<bigint>()

  for (const batch of input.batches) {
    const after = nextOffsetAfter(batch)
    if (after <= fetchOffset) continue
    nextOffset = after > nextOffset ? after : nextOffset
    lastEpoch = batch.partitionLeaderEpoch
    if (readCommitted && batch.producerId >= 0n) {
      const lastOffset = after - 1n
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= lastOffset) {
        abortedProducers.add(aborted[nextAborted]!.producerId)
        nextAborted++
      }
      if (batch.isControl) {
        if (batch.control?.type === 'ABORT') abortedProducers.delete(batch.producerId)
        continue
      }
      if (batch.isTransactional && abortedProducers.has(batch.producerId)) continue
    }
    if (batch.isControl) continue
    const batchRecords = batch.records
    if (batchRecords.length === 0) continue
    // A batch's records are in offset order: the first one tells whether all are at or above the fetch offset.
    const whole = offsetOf(batchRecords[0]!) >= fetchOffset
    if (whole && records.length === 0) {
      records = batchRecords
      ownArray = false
      continue
    }
    if (!ownArray) {
      records = records.slice()
      ownArray = true
    }
    for (let i = 0; i < batchRecords.length; i++) {
      const record = batchRecords[i]!
      if (whole || offsetOf(record) >= fetchOffset) records.push(record)
    }
  }
  return { records, nextOffset, lastEpoch }
}

function offsetOfRecord<R>(record: R): bigint {
  return (record as unknown as FetchedRecord).offset
}

/**
 * Decodes a partition's `records` bytes: synchronously when the codecs are loaded (the common
 * case: no await between the response and its use), loading zstd first when it is needed.
 */
export function decodeBatches(
  bytes: Uint8Array,
  context: { topic: string; partition: number },
  shape: RecordShape<unknown> | null,
): DecodedRecordBatches<unknown> | Promise<DecodedRecordBatches<unknown>> {
  try {
    return decodeRecords(bytes, context, shape)
  } catch (error) {
    if (!(CompressionError.isInstance(error) && error.reason === 'not-loaded')) throw error
    return shape === null ? decodePartitionRecordBatches(bytes, context) : decodePartitionRecordBatches(bytes, { ...context, shape })
  }
}

/** The records of a partition's bytes, synchronously: `PartitionRecord`s, or the caller's shape. */
function decodeRecords(bytes: Uint8Array, context: { topic: string; partition: number }, shape: RecordShape<unknown> | null): DecodedRecordBatches<unknown> {
  return shape === null ? decodePartitionRecordBatchesSync(bytes, context) : decodePartitionRecordBatchesSync(bytes, { topic: context.topic, partition: context.partition, shape })
}

/**
 * One partition's answer as the fetch source buffers it: the record bytes (a view into the Fetch
 * response) and what the next Fetch needs, with the records decoded only when `poll` hands the
 * batch out (`materialize`). Decoding at poll time, as the Java client's CompletedFetch does, keeps
 * the decoded records of buffered partitions out of the heap: only the records of batches the
 * application holds are alive, so they die young instead of surviving scavenges while they wait
 * in the buffer (with 1,000 partitions a 13 MiB response decoded at once kept ~100,000 records alive).
 */
export interface FetchedPartition {
  topic: string
  partition: number
  /** The offset the Fetch asked for: records below it are skipped. */
  fetchOffset: bigint
  bytes: Uint8Array
  /** Already decoded (legacy message sets, or zstd before its codec was loaded: decoded where an await is possible); null: decode when polled. */
  batches: RecordBatch<unknown>[] | null
  abortedTransactions: readonly AbortedTransaction[] | null
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
  /** Where the next Fetch starts, from the batch headers (see `scanBatches`). */
  nextOffset: bigint
  /** What to commit with `nextOffset` (-1 unknown). */
  leaderEpoch: number
  servedBy: number
}

/** What the batch headers of a partition's record bytes say, without decoding records or checking CRCs. */
export interface BatchScan {
  /** Complete batches ending after the fetch offset. */
  batches: number
  /** Records in those batches, control batches excluded (before records below the fetch offset and aborted transactions are filtered). */
  records: number
  /** After the last complete batch (control and empty batches included), never below the fetch offset. */
  nextOffset: bigint
  /** Leader epoch of the last such batch, or -1 when there is none. */
  lastEpoch: number
  /** Only control batches (transaction markers) among them. */
  onlyControl: boolean
  /** Bytes of a partial batch at the end (0 when the input ends on a batch boundary). */
  truncatedBytes: number
}

/** Smallest batchLength of a v2 batch (its size − 12). */
const MINIMUM_V2_BATCH_LENGTH = 49

/**
 * Walks the v2 batch headers of `bytes` for what the next Fetch needs (the same `nextOffset` and
 * epoch `extractRecords` computes). Returns null when the records must be decoded now instead:
 * a legacy (v0/v1) message set, a header the decoder will reject (it reports the error), or a
 * zstd batch before the zstd codec is loaded (loading it needs an await, which `poll` cannot do).
 */
export function scanBatches(bytes: Uint8Array, fetchOffset: bigint): BatchScan | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let position = 0
  let batches = 0
  let records = 0
  let nextOffset = fetchOffset
  let lastEpoch = -1
  let onlyControl = true
  let truncatedBytes = 0
  while (position < bytes.length) {
    const available = bytes.length - position
    if (available < 17) {
      truncatedBytes = available
      break
    }
    const batchLength = view.getInt32(position + 8)
    if (view.getInt8(position + 16) !== 2 || batchLength < MINIMUM_V2_BATCH_LENGTH) return null
    if (batchLength > available - 12) {
      truncatedBytes = available
      break
    }
    const attributes = view.getInt16(position + 21)
    const codec = attributes & 7
    if (codec > 4 || (codec === 4 && !isCompressionCodecLoaded('zstd'))) return null
    const after = view.getBigInt64(position) + BigInt(view.getInt32(position + 23)) + 1n
    if (after > fetchOffset) {
      if (after > nextOffset) nextOffset = after
      lastEpoch = view.getInt32(position + 12)
      batches++
      if ((attributes & 0x20) === 0) {
        onlyControl = false
        records += view.getInt32(position + 57)
      }
    }
    position += 12 + batchLength
  }
  return { batches, records, nextOffset, lastEpoch, onlyControl, truncatedBytes }
}

/** The same summary from batches decoded already (the path `scanBatches` declines). */
export function summarizeBatches(decoded: readonly RecordBatch<unknown>[], fetchOffset: bigint, truncatedBytes: number): BatchScan {
  let batches = 0
  let records = 0
  let nextOffset = fetchOffset
  let lastEpoch = -1
  let onlyControl = true
  for (const batch of decoded) {
    const after = nextOffsetAfter(batch)
    if (after <= fetchOffset) continue
    if (after > nextOffset) nextOffset = after
    lastEpoch = batch.partitionLeaderEpoch
    batches++
    if (!batch.isControl) {
      onlyControl = false
      records += batch.records.length
    }
  }
  return { batches, records, nextOffset, lastEpoch, onlyControl, truncatedBytes }
}

/**
 * The batch `poll` hands out for a buffered partition answer: decodes its records (checking CRCs)
 * and filters them (`extractRecords`). Throws what the decoder throws (CorruptRecordError,
 * DecodeError, CompressionError).
 */
export function materialize<R = FetchedRecord>(fetched: FetchedPartition, isolationLevel: IsolationLevel, shape: RecordShape<R> | null = null): FetchedBatch<R> {
  const { topic, partition } = fetched
  // Without a shape the decoder makes FetchedRecords, which R then is.
  const batches = (fetched.batches ?? decodeRecords(fetched.bytes, { topic, partition }, shape).batches) as RecordBatch<R>[]
  return handedOut(fetched, batches, isolationLevel, shape, fetched)
}

/**
 * The batch `poll` hands out: the records of `batches` (decoded from `fetched`'s bytes) as the
 * application sees them, ending at `position` (the fetch source's, from the batch headers) or, when
 * null, after the last of `batches`.
 */
function handedOut<R>(
  fetched: FetchedPartition,
  batches: readonly RecordBatch<R>[],
  isolationLevel: IsolationLevel,
  shape: RecordShape<R> | null,
  position: { nextOffset: bigint; leaderEpoch: number } | null,
): FetchedBatch<R> {
  const { records, nextOffset, lastEpoch } = extractRecords<R>({
    fetchOffset: fetched.fetchOffset,
    isolationLevel,
    abortedTransactions: fetched.abortedTransactions,
    batches,
    offsetOf: shape === null ? undefined : (record) => shape.offsetOf(record),
  })
  return {
    topic: fetched.topic,
    partition: fetched.partition,
    records,
    highWatermark: fetched.highWatermark,
    lastStableOffset: fetched.lastStableOffset,
    logStartOffset: fetched.logStartOffset,
    nextOffset: position?.nextOffset ?? nextOffset,
    leaderEpoch: position?.leaderEpoch ?? lastEpoch,
    servedBy: fetched.servedBy,
  }
}

/**
 * After `materialize` threw: the records of the batches before the one that failed, for `poll` to
 * hand out before it reports the failure, as the Java client's CompletedFetch returns the records
 * before a corrupt batch and throws at the next poll. One bad batch (a CRC mismatch, a codec error,
 * a `recordShape.make` that threw) costs only itself and what follows it, not the good batches the
 * broker sent with it. Decodes batch by batch over the v2 headers (only this rare path pays for it);
 * `nextOffset` is after the last good batch, where the partition's position stops. Null when
 * nothing before the failure can be handed out: the first batch failed, or the answer was decoded
 * whole when it arrived (legacy message sets; zstd before its codec was loaded).
 */
export function materializeBefore<R = FetchedRecord>(fetched: FetchedPartition, isolationLevel: IsolationLevel, shape: RecordShape<R> | null = null): FetchedBatch<R> | null {
  if (fetched.batches !== null) return null
  const { topic, partition, bytes } = fetched
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const good: RecordBatch<R>[] = []
  let position = 0
  while (bytes.length - position >= 17) {
    const batchLength = view.getInt32(position + 8)
    const end = position + 12 + batchLength
    if (view.getInt8(position + 16) !== 2 || batchLength < MINIMUM_V2_BATCH_LENGTH || end > bytes.length) break
    let decoded: RecordBatch<R>[]
    try {
      decoded = decodeRecords(bytes.subarray(position, end), { topic, partition }, shape).batches as RecordBatch<R>[]
    } catch {
      break
    }
    good.push(...decoded)
    position = end
  }
  const batch = handedOut(fetched, good, isolationLevel, shape, null)
  return batch.records.length === 0 ? null : batch
}

/**
 * What a partition whose records could not be made fails with: the decoder's own error (corrupt
 * bytes: CorruptRecordError, DecodeError, CompressionError) as it is; anything else thrown while a
 * `recordShape` was making records is the shape's (its `make` or `offsetOf` threw), named so
 * rather than reported as corrupt data; without a shape, CORRUPT_MESSAGE.
 */
export function recordsFailure(error: unknown, topic: string, partition: number, shaped: boolean): KafkaError {
  if (KafkaError.isInstance(error)) return error
  if (shaped) {
    const reason = error instanceof Error ? error.message : String(error)
    return new KafkaError(`recordShape.make or recordShape.offsetOf threw for ${topic}-${partition}: ${reason}`, { errorName: 'UNKNOWN', retriable: false, cause: error })
  }
  return new KafkaError(String(error), { errorName: 'CORRUPT_MESSAGE', cause: error })
}
