// PartitionLog's storage: batches are copied one after another into segments, so a fetch of
// consecutive batches is one contiguous range of the log (no join per fetch), with the offsets
// the log assigned written in, and a range never runs across two segments.
import { decodeRecordBatchesSync, encodeRecordBatchSync } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { PartitionLog, parseBatches } from './partition-log.js'

const text = (s: string) => new TextEncoder().encode(s)

/** Appends one batch of `count` records of `valueBytes` bytes; returns the batch as the producer sent it. */
function appendBatch(log: PartitionLog, count: number, valueBytes: number): Uint8Array {
  const records = encodeRecordBatchSync(Array.from({ length: count }, (_, i) => ({ value: text(String(i % 10).repeat(valueBytes)) })))
  const headers = parseBatches(records)
  if (typeof headers === 'string') throw new Error(headers)
  const result = log.append(records, headers[0]!, 0)
  expect(result.ok).toBe(true)
  return records
}

const offsetsOf = (parts: Uint8Array[]) => parts.flatMap((p) => decodeRecordBatchesSync(p).batches.flatMap((b) => b.records.map((r) => Number(r.offset))))

describe('PartitionLog.read', () => {
  it('returns consecutive batches of one segment as one range holding each batch with its assigned offsets', () => {
    const log = new PartitionLog()
    const sent = [appendBatch(log, 3, 10), appendBatch(log, 2, 10), appendBatch(log, 4, 10)]
    const { parts, lastOffset } = log.read(0, log.endOffset, 1 << 20, true)
    expect(parts).toHaveLength(1)
    expect(parts[0]!.length).toBe(sent.reduce((sum, b) => sum + b.length, 0))
    expect(offsetsOf(parts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect(lastOffset).toBe(8)
  })

  it('starts at the batch holding the offset and stops at maxBytes, but always returns the first batch when asked to', () => {
    const log = new PartitionLog()
    const sizes = [appendBatch(log, 3, 10), appendBatch(log, 2, 10), appendBatch(log, 4, 10)].map((b) => b.length)
    const fromSecond = log.read(4, log.endOffset, sizes[1]!, true)
    expect(offsetsOf(fromSecond.parts)).toEqual([3, 4])
    expect(fromSecond.lastOffset).toBe(4)
    expect(log.read(4, log.endOffset, 10, true).parts[0]!.length).toBe(sizes[1])
    expect(log.read(4, log.endOffset, 10, false)).toEqual({ parts: [], lastOffset: -1 })
    // Below the high watermark only: the batch holding offset 5.. is not whole below 6.
    expect(offsetsOf(log.read(0, 6, 1 << 20, true).parts)).toEqual([0, 1, 2, 3, 4])
  })

  it('returns one range per segment when the batches span segments, and every batch whole', () => {
    const log = new PartitionLog()
    // ~1 KiB batches: the first segments (4 KiB, then doubling) fill after a few of them.
    for (let i = 0; i < 40; i++) appendBatch(log, 1, 1000)
    const { parts, lastOffset } = log.read(0, log.endOffset, 1 << 20, true)
    expect(parts.length).toBeGreaterThan(1)
    expect(parts.length).toBeLessThan(10)
    expect(offsetsOf(parts)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(lastOffset).toBe(39)
  })

  it('stores a copy: changing the producer\'s buffer afterwards does not change the log', () => {
    const log = new PartitionLog()
    const sent = appendBatch(log, 2, 10)
    sent.fill(0)
    expect(offsetsOf(log.read(0, log.endOffset, 1 << 20, true).parts)).toEqual([0, 1])
  })
})
