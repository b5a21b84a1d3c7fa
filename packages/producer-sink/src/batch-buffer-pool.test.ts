import { decodeRecordBatchesSync, encodeRecordBatchSync } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { BatchBufferPool } from './batch-buffer-pool.js'

const records = (count: number, fill: number): Array<{ key: Uint8Array; value: Uint8Array }> =>
  Array.from({ length: count }, (_, i) => ({ key: new TextEncoder().encode(`key-${i}`), value: new Uint8Array(1000).fill(fill) }))

describe('BatchBufferPool', () => {
  it('encodes a batch into a released block over the old bytes, and the batch decodes to the new records only', () => {
    const pool = new BatchBufferPool(64 * 1024, 2)
    const first = encodeRecordBatchSync(records(50, 0xaa), { allocate: pool.allocate })
    expect(first.buffer.byteLength).toBe(64 * 1024)
    pool.release(first)
    expect(pool.freeBlocks).toBe(1)
    // Fewer records than before: the block still holds the first batch's bytes past the new end.
    const second = encodeRecordBatchSync(records(40, 0x55), { allocate: pool.allocate, producerId: 7n, producerEpoch: 1, baseSequence: 50 })
    expect(second.buffer).toBe(first.buffer)
    expect(pool.freeBlocks).toBe(0)
    const {
      batches: [batch],
    } = decodeRecordBatchesSync(second)
    expect(batch!.records).toHaveLength(40)
    expect(batch!.baseSequence).toBe(50)
    for (const record of batch!.records) expect(record.value!.every((byte) => byte === 0x55)).toBe(true)
  })

  it('gives batches under half a block or over a block their own arrays, and keeps only maxFreeBlocks', () => {
    const pool = new BatchBufferPool(64 * 1024, 1)
    const small = pool.allocate(1000)
    const large = pool.allocate(64 * 1024 + 1)
    expect(small.buffer.byteLength).toBe(1000)
    expect(large.buffer.byteLength).toBe(64 * 1024 + 1)
    pool.release(small)
    pool.release(large)
    expect(pool.freeBlocks).toBe(0)
    const a = pool.allocate(40 * 1024)
    const b = pool.allocate(40 * 1024)
    expect(a.buffer).not.toBe(b.buffer)
    pool.release(a)
    pool.release(b)
    expect(pool.freeBlocks).toBe(1)
  })

  it('reuses the memory of a released small batch for the next batch of the same size class, and the batch decodes to the new records only', () => {
    const pool = new BatchBufferPool(64 * 1024, 1, 16 * 1024)
    const first = encodeRecordBatchSync(records(3, 0xaa), { allocate: pool.allocate })
    // 3 records of ~1 KiB: a 4 KiB class buffer, a view of its first bytes.
    expect(first.buffer.byteLength).toBe(4096)
    expect(first.byteOffset).toBe(0)
    pool.release(first)
    expect(pool.freeSmallBufferBytes).toBe(4096)
    const second = encodeRecordBatchSync(records(2, 0x55), { allocate: pool.allocate, producerId: 7n, producerEpoch: 1, baseSequence: 3 })
    expect(second.buffer).toBe(first.buffer)
    expect(pool.freeSmallBufferBytes).toBe(0)
    const {
      batches: [batch],
    } = decodeRecordBatchesSync(second)
    expect(batch!.records).toHaveLength(2)
    expect(batch!.baseSequence).toBe(3)
    for (const record of batch!.records) expect(record.value!.every((byte) => byte === 0x55)).toBe(true)
    // A larger class never takes it.
    pool.release(second)
    expect(pool.allocate(5000).buffer).not.toBe(first.buffer)
  })

  it('on a miss in its own class takes a free buffer one or two classes larger, which goes back to its own class', () => {
    const pool = new BatchBufferPool(1024 * 1024, 1, 1024 * 1024)
    const four = pool.allocate(3000)
    const eight = pool.allocate(6000)
    pool.release(four)
    pool.release(eight)
    // Class 2 KiB is empty: the 4 KiB buffer serves, a view of exactly the length asked.
    const a = pool.allocate(1500)
    expect(a.buffer).toBe(four.buffer)
    expect(a.length).toBe(1500)
    // Then the 8 KiB one (two classes up).
    const b = pool.allocate(1500)
    expect(b.buffer).toBe(eight.buffer)
    expect(pool.freeSmallBufferBytes).toBe(0)
    pool.release(a)
    pool.release(b)
    expect(pool.freeSmallBufferBytes).toBe(4096 + 8192)
    // Its own class first: a 4 KiB request takes the 4 KiB buffer, not the 8 KiB one.
    expect(pool.allocate(4000).buffer).toBe(four.buffer)
    // Three classes up is too wasteful: a 1 KiB batch gets a new buffer rather than the 8 KiB one.
    expect(pool.allocate(1000).buffer).not.toBe(eight.buffer)
    expect(pool.freeSmallBufferBytes).toBe(8192)
  })

  it('keeps at most maxFreeSmallBytes of small buffers, and never takes back arrays it did not size', () => {
    const pool = new BatchBufferPool(64 * 1024, 1, 8 * 1024)
    const a = pool.allocate(3000)
    const b = pool.allocate(3000)
    const c = pool.allocate(3000)
    expect(a.buffer.byteLength).toBe(4096)
    pool.release(a)
    pool.release(b)
    pool.release(c)
    expect(pool.freeSmallBufferBytes).toBe(8 * 1024)
    // Not a size class, not at the start of its buffer, too small: left to the garbage collector.
    pool.release(new Uint8Array(3000))
    pool.release(new Uint8Array(new ArrayBuffer(8192), 4096, 3000))
    pool.release(new Uint8Array(128))
    expect(pool.freeSmallBufferBytes).toBe(8 * 1024)
    // Under 256 bytes a batch gets its own array.
    expect(pool.allocate(100).buffer.byteLength).toBe(100)
    // Without a small budget, small batches get their own arrays as before.
    const none = new BatchBufferPool(64 * 1024, 1)
    expect(none.allocate(3000).buffer.byteLength).toBe(3000)
  })
})
