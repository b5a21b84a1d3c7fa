import { type RecordInput, decodeRecordBatchesSync, encodeUtf8 } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { type DeliveryTarget, ProducerBatch } from './accumulator.js'

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

  it('dropUnencodable after consecutive slots: the records left keep their slots and are acknowledged at their new indexes', () => {
    const log: string[] = []
    const a = recorder('a', log)
    const batch = new ProducerBatch('orders', 0, Date.now())
    const inputs = [record('x'), record('bad', 2 ** 60), record('y', 2_000)]
    inputs.forEach((input, i) => batch.append(input, ProducerBatch.recordSize(input), a, 5 + i))
    expect(batch.dropUnencodable('none').records).toBe(1)
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/^a:6:/)
    batch.freeze('none', 1n, 0, 0)
    expect(decodeRecordBatchesSync(batch.encoded!).batches[0]!.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(['x', 'y'])
    batch.acknowledgedOffset = 10n
    log.length = 0
    batch.complete()
    expect(log).toEqual(['a:5:0', 'a:7:1'])
    expect(batch.metadataOf(1).offset).toBe(11n)
  })
})
