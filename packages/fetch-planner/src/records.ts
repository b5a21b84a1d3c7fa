import {
  CompressionError,
  type DecodedRecordBatches,
  type RecordBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  nextOffsetAfter,
} from '@kafkats/protocol'
import type { IsolationLevel } from './options.js'
import type { FetchedRecord } from './types.js'

export interface AbortedTransaction {
  producerId: bigint
  firstOffset: bigint
}

export interface ExtractInput {
  topic: string
  partition: number
  /** The offset the Fetch asked for: records below it (a batch may start earlier) are skipped. */
  fetchOffset: bigint
  isolationLevel: IsolationLevel
  /** From the Fetch response (read_committed only; null or empty otherwise). */
  abortedTransactions: readonly AbortedTransaction[] | null
  /** Complete batches, in log order. */
  batches: readonly RecordBatch[]
}

export interface ExtractedRecords {
  records: FetchedRecord[]
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
 */
export function extractRecords(input: ExtractInput): ExtractedRecords {
  const { topic, partition, fetchOffset } = input
  const records: FetchedRecord[] = []
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
    const epoch = batch.partitionLeaderEpoch
    const batchRecords = batch.records
    for (let i = 0; i < batchRecords.length; i++) {
      const record = batchRecords[i]!
      if (record.offset < fetchOffset) continue
      // A copy into the consumer's shape rather than the decoder's object with fields added: it keeps
      // the decoder's objects short-lived (results/consume-heap.md in apps/bench measured the difference).
      // `headers` is shared by every record without headers (a frozen empty array, from the decoder).
      records.push({
        topic,
        partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: record.headers,
        leaderEpoch: epoch,
      })
    }
  }
  return { records, nextOffset, lastEpoch }
}

/**
 * Decodes a partition's `records` bytes: synchronously when the codecs are loaded (the common
 * case: no await between the response and its use), loading zstd first when it is needed.
 */
export function decodeBatches(bytes: Uint8Array, context: { topic: string; partition: number }): DecodedRecordBatches | Promise<DecodedRecordBatches> {
  try {
    return decodeRecordBatchesSync(bytes, context)
  } catch (error) {
    if (CompressionError.isInstance(error) && error.reason === 'not-loaded') return decodeRecordBatches(bytes, context)
    throw error
  }
}
