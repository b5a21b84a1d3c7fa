import { InvalidArgumentError, type RecordInput, decodeRecordBatchesSync, encodeUtf8 } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { type DeliveryTarget, PartitionQueue, ProducerBatch } from './accumulator.js'

/** A target that writes down every outcome as `name:slot:index` (acknowledged) or `name:slot:error`. */
function recorder(name: string, log: string[]): DeliveryTarget {
  return {
    acknowledged: (slot, _batch, index) => void log.push(`${name}:${slot}:${index}`),
    failed: (slot, error) => void log.push(`${name}:${slot}:${error.message}`),
  }
}

const record = (text: string, timestamp = 1_000): RecordInput => ({ key: null, value: encodeUtf8(text), timestamp })

function batchOf(appends: Array<[DeliveryTarget, number]>): ProducerBatch {
  const batch = new ProducerBatch('orders', 0, Date.now())
  appends.forEach(([target, slot], i) => {
    const input = record(`r${i}`)
    batch.append(input, ProducerBatch.recordSize(input), target, slot)
  })
  batch.acknowledgedOffset = 100n
  return batch
}

describe('ProducerBatch delivery targets', () => {
  it('one target and one slot for every record (send with one callback): each record is acknowledged at its index', () => {
    const log: string[] = []
    const a = recorder('a', log)
    batchOf([[a, 0], [a, 0], [a, 0], [a, 0]]).complete()
    expect(log).toEqual(['a:0:0', 'a:0:1', 'a:0:2', 'a:0:3'])
  })

  it('one target and consecutive slots (one sendBatch call), from any first slot', () => {
    const log: string[] = []
    const a = recorder('a', log)
    batchOf([[a, 7], [a, 8], [a, 9]]).complete()
    expect(log).toEqual(['a:7:0', 'a:8:1', 'a:9:2'])
  })

  it('a record that breaks the pattern (another target, a slot out of step) keeps every record with its own target and slot', () => {
    const log: string[] = []
    const a = recorder('a', log)
    const b = recorder('b', log)
    batchOf([[a, 0], [a, 1], [a, 2], [b, 0], [a, 4], [a, 4]]).complete()
    expect(log).toEqual(['a:0:0', 'a:1:1', 'a:2:2', 'b:0:3', 'a:4:4', 'a:4:5'])
    log.length = 0
    // Same target, slots neither equal nor consecutive.
    batchOf([[a, 0], [a, 0], [a, 5]]).complete()
    expect(log).toEqual(['a:0:0', 'a:0:1', 'a:5:2'])
    log.length = 0
    batchOf([[a, 3], [a, 9]]).complete()
    expect(log).toEqual(['a:3:0', 'a:9:1'])
  })

  it('one target with scattered slots (a keyed sendBatch split over partitions), and several targets sharing slot 0', () => {
    const log: string[] = []
    const a = recorder('a', log)
    const b = recorder('b', log)
    batchOf([[a, 0], [a, 3], [a, 5], [a, 9]]).complete()
    expect(log).toEqual(['a:0:0', 'a:3:1', 'a:5:2', 'a:9:3'])
    log.length = 0
    batchOf([[a, 0], [b, 0], [a, 0], [b, 0]]).complete()
    expect(log).toEqual(['a:0:0', 'b:0:1', 'a:0:2', 'b:0:3'])
    log.length = 0
    // Consecutive slots, then another target with the next slot: the slots keep their pattern.
    batchOf([[a, 4], [a, 5], [b, 6], [a, 7]]).fail(new Error('x'))
    expect(log).toEqual(['a:4:x', 'a:5:x', 'b:6:x', 'a:7:x'])
  })

  it('fail() reaches every record through its own target and slot, in both forms', () => {
    const log: string[] = []
    const a = recorder('a', log)
    const b = recorder('b', log)
    batchOf([[a, 2], [a, 3]]).fail(new Error('gone'))
    batchOf([[a, 0], [b, 1]]).fail(new Error('lost'))
    expect(log).toEqual(['a:2:gone', 'a:3:gone', 'a:0:lost', 'b:1:lost'])
  })

  it('a record the encoder refuses throws at append and leaves the batch as it was; the rest keep their slots, offsets and timestamps', () => {
    const log: string[] = []
    const a = recorder('a', log)
    const batch = new ProducerBatch('orders', 0, Date.now())
    const inputs = [record('x'), record('bad', 2 ** 60), record('y', 2_000)]
    const refused: unknown[] = []
    inputs.forEach((input, i) => {
      try {
        batch.append(input, ProducerBatch.recordSize(input), a, 5 + i)
      } catch (error) {
        refused.push(error)
      }
    })
    expect(refused).toHaveLength(1)
    expect(InvalidArgumentError.isInstance(refused[0])).toBe(true)
    expect((refused[0] as InvalidArgumentError).field).toBe('record.timestamp')
    expect(batch.recordCount).toBe(2)
    expect(batch.recordBytes).toBe(ProducerBatch.recordSize(inputs[0]!) + ProducerBatch.recordSize(inputs[2]!))
    batch.freeze('none', 1n, 0, 0)
    const decoded = decodeRecordBatchesSync(batch.encoded!).batches[0]!
    expect(decoded.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(['x', 'y'])
    expect(decoded.records.map((r) => r.timestamp)).toEqual([1_000n, 2_000n])
    batch.acknowledgedOffset = 10n
    batch.complete()
    expect(log).toEqual(['a:5:0', 'a:7:1'])
    expect(batch.metadataOf(0)).toMatchObject({ offset: 10n, timestamp: 1_000n })
    expect(batch.metadataOf(1)).toMatchObject({ offset: 11n, timestamp: 2_000n })
  })

  it('encodes into the memory it is given, doubling from 256 bytes, and the frozen bytes are what the records encode to', () => {
    const asked: number[] = []
    const released: number[] = []
    const memory = {
      allocate: (byteLength: number) => {
        asked.push(byteLength)
        return new Uint8Array(byteLength).fill(0xee)
      },
      release: (bytes: Uint8Array) => void released.push(bytes.length),
      blockMaxBytes: 64 * 1024,
    }
    const batch = new ProducerBatch('orders', 0, Date.now(), memory)
    const a = recorder('a', [])
    for (let i = 0; i < 100; i++) {
      const input = { key: encodeUtf8(`k${i}`), value: new Uint8Array(100).fill(i), timestamp: 1_000 + (i >> 4) }
      batch.append(input, ProducerBatch.recordSize(input), a, i)
    }
    expect(asked).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384])
    expect(released).toEqual(asked.slice(0, -1))
    batch.freeze('none', 7n, 1, 40, true)
    expect(batch.encoded!.buffer.byteLength).toBe(16384)
    const decoded = decodeRecordBatchesSync(batch.encoded!).batches[0]!
    expect(decoded).toMatchObject({ producerId: 7n, producerEpoch: 1, baseSequence: 40, isTransactional: true })
    expect(decoded.records.map((r) => r.value![0])).toEqual(Array.from({ length: 100 }, (_, i) => i))
    batch.acknowledgedOffset = 0n
    expect(batch.metadataOf(99).timestamp).toBe(1_006n)
    expect(() => batch.append(record('late'), 30, a, 100)).toThrow(/frozen/)
  })

  it("a partition's next batch starts at the size its last frozen batch reached", () => {
    const asked: number[] = []
    const memory = { allocate: (byteLength: number) => (asked.push(byteLength), new Uint8Array(byteLength)), blockMaxBytes: 1 << 20 }
    const queue = new PartitionQueue('orders', 0)
    const a = recorder('a', [])
    const first = new ProducerBatch('orders', 0, Date.now(), memory, queue.lastBatchBytes)
    for (let i = 0; i < 40; i++) first.append(record(`r${i}`.padEnd(100, '.')), 130, a, i)
    queue.freeze(first, 'none', 1n, 0, true)
    expect(queue.lastBatchBytes).toBe(first.encoded!.length)
    asked.length = 0
    const second = new ProducerBatch('orders', 0, Date.now(), memory, queue.lastBatchBytes)
    second.append(record('x'), 30, a, 0)
    expect(asked).toEqual([8192])
  })
})

describe('PartitionQueue.openBatch', () => {
  it('is the batch last added while it is neither frozen nor failed; memory released after the acknowledgement does not reopen it', () => {
    const queue = new PartitionQueue('orders', 0)
    expect(queue.openBatch).toBeUndefined()
    const log: string[] = []
    const first = new ProducerBatch('orders', 0, Date.now())
    const input = record('a')
    first.append(input, ProducerBatch.recordSize(input), recorder('a', log), 0)
    queue.addBatch(first)
    expect(queue.openBatch).toBe(first)
    queue.freeze(first, 'none', 1n, 0, true)
    expect(queue.openBatch).toBeUndefined()
    // The sink hands an acknowledged batch's memory back to the pool and clears `encoded`.
    first.encoded = null
    expect(first.isFrozen).toBe(false)
    expect(queue.openBatch).toBeUndefined()

    const second = new ProducerBatch('orders', 0, Date.now())
    queue.addBatch(second)
    expect(queue.openBatch).toBe(second)
    // Failed unsent (close, abort, delivery timeout: every path calls fail) and taken out of the queue.
    second.fail(new Error('closed'))
    queue.batches.pop()
    expect(queue.openBatch).toBeUndefined()
  })
})
