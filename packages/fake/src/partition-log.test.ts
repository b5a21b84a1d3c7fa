// PartitionLog's storage: a produced batch is kept as the producer's bytes (a view of the request,
// not a copy) beside the offset and leader epoch the log gave it; what a fetch writes (fetch-records.ts)
// and what dataDir stores (withLogOffsets) carry the log's offsets, and the request's bytes stay as sent.
import { Reader, decodeRecordBatchesSync, encodeRecordBatchSync } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { ResponseWriter, fetchedRecords } from './fetch-records.js'
import { PartitionLog, type StoredBatch, parseBatches, withLogOffsets } from './partition-log.js'

const text = (s: string) => new TextEncoder().encode(s)

/** Appends one batch of `count` records (base offset 0 as a producer sends it) with leader epoch `epoch`; returns the request's bytes. */
function appendBatch(log: PartitionLog, count: number, valueBytes: number, epoch = 0): Uint8Array {
  // A Buffer, as the request's bytes read from a socket are (a Buffer's `slice` is a view, not a copy).
  const records = Buffer.from(encodeRecordBatchSync(Array.from({ length: count }, (_, i) => ({ value: text(String(i % 10).repeat(valueBytes)) }))))
  const headers = parseBatches(records)
  if (typeof headers === 'string') throw new Error(headers)
  const result = log.append(records, headers[0]!, epoch)
  expect(result.ok).toBe(true)
  return records
}

/** The `records` field a Fetch answer carries for `batches`, as written to the socket, read back. */
function written(batches: StoredBatch[], bytes: number, compact: boolean): Uint8Array {
  const writer = new ResponseWriter(64, { referenceMinBytes: 256 })
  const placeholder = fetchedRecords(batches, bytes)
  if (compact) writer.compactBytes(placeholder)
  else writer.bytes(placeholder)
  const reader = new Reader(writer.finish())
  return (compact ? reader.compactBytes() : reader.bytes())!
}

const decoded = (bytes: Uint8Array) => decodeRecordBatchesSync(bytes).batches.map((b) => ({ epoch: b.partitionLeaderEpoch, offsets: b.records.map((r) => Number(r.offset)) }))

describe('PartitionLog', () => {
  it('keeps the producer\'s bytes without copying or changing them, and a fetch writes them with the log\'s offsets and epoch', () => {
    const log = new PartitionLog()
    const sent = [appendBatch(log, 3, 10, 4), appendBatch(log, 2, 500, 4), appendBatch(log, 4, 10, 5)]
    const { batches, bytes, lastOffset } = log.read(0, log.endOffset, 1 << 20, true)
    expect(batches.map((b) => b.bytes.buffer)).toEqual(sent.map((s) => s.buffer))
    expect(bytes).toBe(sent.reduce((sum, b) => sum + b.length, 0))
    expect(lastOffset).toBe(8)
    for (const compact of [true, false]) {
      // Large batches are kept by reference by the writer, small ones copied: both come out right.
      expect(decoded(written(batches, bytes, compact))).toEqual([
        { epoch: 4, offsets: [0, 1, 2] },
        { epoch: 4, offsets: [3, 4] },
        { epoch: 5, offsets: [5, 6, 7, 8] },
      ])
    }
    expect(decoded(withLogOffsets(batches[2]!))).toEqual([{ epoch: 5, offsets: [5, 6, 7, 8] }])
    // The requests' bytes are still as the producer sent them (the request log shows them so).
    expect(sent.map((s) => decoded(s)[0]!.offsets[0])).toEqual([0, 0, 0])
  })

  it('reads from the batch holding the offset and stops at maxBytes, but always returns the first batch when asked to', () => {
    const log = new PartitionLog()
    const sizes = [appendBatch(log, 3, 10), appendBatch(log, 2, 10), appendBatch(log, 4, 10)].map((b) => b.length)
    const fromSecond = log.read(4, log.endOffset, sizes[1]!, true)
    expect(decoded(written(fromSecond.batches, fromSecond.bytes, true))).toEqual([{ epoch: 0, offsets: [3, 4] }])
    expect(fromSecond.lastOffset).toBe(4)
    expect(log.read(4, log.endOffset, 10, true).bytes).toBe(sizes[1])
    expect(log.read(4, log.endOffset, 10, false)).toEqual({ batches: [], bytes: 0, lastOffset: -1 })
    // Below the high watermark only: the batch holding offsets 5..8 is not whole below 6.
    expect(log.read(0, 6, 1 << 20, true).lastOffset).toBe(4)
  })

  it('a placeholder not made by fetchedRecords is written as the bytes it is', () => {
    const writer = new ResponseWriter(64)
    writer.compactBytes(text('abc'))
    writer.bytes(null)
    const reader = new Reader(writer.finish())
    expect(reader.compactBytes()).toEqual(text('abc'))
    expect(reader.bytes()).toBeNull()
  })
})
