import { CorruptRecordError, type RecordBatch, type RecordShape, decodePartitionRecordBatchesSync, encodeControlBatch, encodeRecordBatchSync, encodeUtf8 } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import type { FetchedRecord } from './types.js'
import { type FetchedPartition, extractRecords, materialize, materializeBefore, scanBatches, summarizeBatches } from './records.js'

const text = (value: Uint8Array | null): string | null => (value === null ? null : new TextDecoder().decode(value))

function batch(baseOffset: bigint, values: string[], options: { producerId?: bigint; transactional?: boolean; epoch?: number } = {}): Uint8Array {
  return encodeRecordBatchSync(
    values.map((value) => ({ key: encodeUtf8(`k-${value}`), value: encodeUtf8(value), headers: [{ key: 'h', value: encodeUtf8(value) }] })),
    {
      baseOffset,
      partitionLeaderEpoch: options.epoch ?? 2,
      producerId: options.producerId ?? -1n,
      producerEpoch: options.producerId === undefined ? -1 : 0,
      baseSequence: options.producerId === undefined ? -1 : 0,
      isTransactional: options.transactional ?? false,
    },
  )
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function decode(bytes: Uint8Array): RecordBatch<FetchedRecord>[] {
  return decodePartitionRecordBatchesSync(bytes, { topic: 't', partition: 0 }).batches
}

describe('extractRecords', () => {
  it('skips records below the fetch offset (a batch can start earlier) and advances past the batch', () => {
    const out = extractRecords({ fetchOffset: 12n, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: decode(batch(10n, ['a', 'b', 'c', 'd'], { epoch: 5 })) })
    expect(out.records.map((r) => [r.offset, text(r.value)])).toEqual([
      [12n, 'c'],
      [13n, 'd'],
    ])
    expect(out.records[0]).toMatchObject({ topic: 't', partition: 0, leaderEpoch: 5, headers: [{ key: 'h' }] })
    expect(text(out.records[0]!.key)).toBe('k-c')
    expect(out.nextOffset).toBe(14n)
    expect(out.lastEpoch).toBe(5)
  })

  it('hides control batches but moves past them', () => {
    const bytes = concat(batch(0n, ['a'], { producerId: 7n, transactional: true }), encodeControlBatch({ type: 'COMMIT', producerId: 7n, producerEpoch: 0, baseOffset: 1n }))
    const out = extractRecords({ fetchOffset: 0n, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: decode(bytes) })
    expect(out.records.map((r) => text(r.value))).toEqual(['a'])
    expect(out.nextOffset).toBe(2n)
  })

  it('read_committed drops aborted transactions (AbortedTransactions list + ABORT markers), keeps committed and plain records', () => {
    const bytes = concat(
      batch(0n, ['aborted-1', 'aborted-2'], { producerId: 7n, transactional: true }),
      batch(2n, ['committed'], { producerId: 8n, transactional: true }),
      encodeControlBatch({ type: 'ABORT', producerId: 7n, producerEpoch: 0, baseOffset: 3n }),
      encodeControlBatch({ type: 'COMMIT', producerId: 8n, producerEpoch: 0, baseOffset: 4n }),
      batch(5n, ['plain']),
      // Producer 7 again, in a later transaction that was not aborted.
      batch(6n, ['later'], { producerId: 7n, transactional: true }),
    )
    const aborted = [{ producerId: 7n, firstOffset: 0n }]
    const committed = extractRecords({ fetchOffset: 0n, isolationLevel: 'read_committed', abortedTransactions: aborted, batches: decode(bytes) })
    expect(committed.records.map((r) => text(r.value))).toEqual(['committed', 'plain', 'later'])
    expect(committed.nextOffset).toBe(7n)
    const uncommitted = extractRecords({ fetchOffset: 0n, isolationLevel: 'read_uncommitted', abortedTransactions: aborted, batches: decode(bytes) })
    expect(uncommitted.records).toHaveLength(5)
  })

  it('a partial trailing batch is ignored: the next fetch starts at it', () => {
    const whole = batch(0n, ['a', 'b'])
    const next = batch(2n, ['c'])
    const decoded = decodePartitionRecordBatchesSync(concat(whole, next.subarray(0, next.length - 5)), { topic: 't', partition: 0 })
    expect(decoded.truncated).not.toBeNull()
    const out = extractRecords({ fetchOffset: 0n, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: decoded.batches })
    expect(out.records).toHaveLength(2)
    expect(out.nextOffset).toBe(2n)
  })

  it('hands out the decoder\'s record objects (no copy) without changing the batches\' arrays', () => {
    const batches = decode(concat(batch(0n, ['a', 'b'], { epoch: 3 }), batch(2n, ['c'], { epoch: 4 }), batch(3n, ['d', 'e'], { epoch: 4 })))
    const one = extractRecords({ fetchOffset: 0n, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: batches.slice(0, 1) })
    expect(one.records[0]).toBe(batches[0]!.records[0])
    expect(one.records[0]).toEqual({ topic: 't', partition: 0, offset: 0n, timestamp: batches[0]!.records[0]!.timestamp, key: encodeUtf8('k-a'), value: encodeUtf8('a'), headers: [{ key: 'h', value: encodeUtf8('a') }], leaderEpoch: 3 })
    for (const fetchOffset of [0n, 1n, 2n, 4n]) {
      const out = extractRecords({ fetchOffset, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches })
      const expected = batches.flatMap((b) => b.records).filter((r) => r.offset >= fetchOffset)
      expect(out.records).toHaveLength(expected.length)
      out.records.forEach((record, i) => expect(record).toBe(expected[i]))
      expect(out.records.map((r) => r.leaderEpoch)).toEqual(expected.map((r) => (r.offset < 2n ? 3 : 4)))
    }
    expect(batches.map((b) => b.records.length)).toEqual([2, 1, 2])
  })

  it('never moves backwards when every batch is below the fetch offset', () => {
    const out = extractRecords({ fetchOffset: 20n, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: decode(batch(10n, ['a'])) })
    expect(out).toEqual({ records: [], nextOffset: 20n, lastEpoch: -1 })
  })
})

describe('scanBatches (the batch headers, read when a Fetch answer arrives)', () => {
  // Offsets 10-13, a transaction marker at 14, 15-16, then the first 20 bytes of a batch at 17.
  const parts = [batch(10n, ['a', 'b', 'c', 'd'], { epoch: 4 }), encodeControlBatch({ type: 'COMMIT', producerId: 7n, producerEpoch: 0, baseOffset: 14n }), batch(15n, ['e', 'f'], { epoch: 6 })]
  const complete = concat(...parts)
  const bytes = concat(complete, batch(17n, ['g']).subarray(0, 20))

  it('says where the next Fetch starts and with which epoch, as decoding every record does', () => {
    for (const fetchOffset of [0n, 12n, 14n, 15n, 16n, 17n]) {
      const decoded = decodePartitionRecordBatchesSync(bytes, { topic: 't', partition: 0 })
      const extracted = extractRecords({ fetchOffset, isolationLevel: 'read_uncommitted', abortedTransactions: null, batches: decoded.batches })
      const scan = scanBatches(bytes, fetchOffset)
      expect(scan, `fetch offset ${fetchOffset}`).toEqual(summarizeBatches(decoded.batches, fetchOffset, 20))
      expect(scan!.nextOffset).toBe(extracted.nextOffset)
      expect(scan!.lastEpoch).toBe(extracted.lastEpoch)
    }
    expect(scanBatches(bytes, 12n)).toEqual({ batches: 3, records: 6, nextOffset: 17n, lastEpoch: 6, onlyControl: false, truncatedBytes: 20 })
    expect(scanBatches(bytes, 17n)).toEqual({ batches: 0, records: 0, nextOffset: 17n, lastEpoch: -1, onlyControl: true, truncatedBytes: 20 })
    expect(scanBatches(parts[1]!, 14n)).toMatchObject({ batches: 1, records: 0, nextOffset: 15n, onlyControl: true, truncatedBytes: 0 })
  })

  it('declines what must be decoded at once: a legacy message set, a header the decoder rejects, an unknown codec', () => {
    const legacy = complete.slice()
    legacy[16] = 1
    expect(scanBatches(legacy, 0n)).toBeNull()
    const short = complete.slice()
    new DataView(short.buffer).setInt32(8, 30)
    expect(scanBatches(short, 0n)).toBeNull()
    const codec = complete.slice()
    codec[22] = codec[22]! | 7
    expect(scanBatches(codec, 0n)).toBeNull()
  })
})

/** Partition 3 of `t` as the fetch source buffers it: `bytes` fetched from `fetchOffset`, `nextOffset` and `leaderEpoch` as its scan found them. */
const fetchedPartition = (bytes: Uint8Array, fetchOffset: bigint, nextOffset: bigint, leaderEpoch: number): FetchedPartition => ({
  topic: 't',
  partition: 3,
  fetchOffset,
  bytes,
  batches: null,
  abortedTransactions: null,
  highWatermark: 20n,
  lastStableOffset: 20n,
  logStartOffset: 0n,
  nextOffset,
  leaderEpoch,
  servedBy: 2,
})

describe('materialize (a buffered answer decoded when polled)', () => {
  const fetched = (bytes: Uint8Array, fetchOffset: bigint): FetchedPartition => fetchedPartition(bytes, fetchOffset, 14n, 4)

  it('decodes and filters the records, and carries the position the fetch source computed', () => {
    const out = materialize(fetched(batch(10n, ['a', 'b', 'c', 'd'], { epoch: 4 }), 12n), 'read_uncommitted')
    expect(out).toMatchObject({ topic: 't', partition: 3, highWatermark: 20n, nextOffset: 14n, leaderEpoch: 4, servedBy: 2 })
    expect(out.records.map((r) => [r.topic, r.partition, r.offset, text(r.value), r.leaderEpoch])).toEqual([
      ['t', 3, 12n, 'c', 4],
      ['t', 3, 13n, 'd', 4],
    ])
  })

  it('checks the CRC: a corrupt batch throws CorruptRecordError naming the partition', () => {
    const bytes = batch(10n, ['a', 'b', 'c', 'd']).slice()
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
    expect(() => materialize(fetched(bytes, 10n), 'read_uncommitted')).toThrow(CorruptRecordError)
    expect(() => materialize(fetched(bytes, 10n), 'read_uncommitted')).toThrow(/t-3|partition 3/)
  })
})

describe('materialize with a recordShape', () => {
  /** A shape of its own: the offset as a string, the value as text (what a compatibility layer would make). */
  interface Message {
    at: string
    where: string
    value: string | null
    headerCount: number
    epoch: number
  }
  const shape: RecordShape<Message> = {
    make: (topic, partition, offset, _timestamp, _key, value, headers, leaderEpoch) => ({ at: String(offset), where: `${topic}-${partition}`, value: text(value), headerCount: headers.length, epoch: leaderEpoch }),
    offsetOf: (message) => BigInt(message.at),
  }
  const fetched = (bytes: Uint8Array, fetchOffset: bigint): FetchedPartition => fetchedPartition(bytes, fetchOffset, 17n, 6)

  it('hands out the objects the shape made, filtered below the fetch offset by offsetOf, control batches hidden', () => {
    const bytes = concat(
      batch(10n, ['a', 'b', 'c', 'd'], { epoch: 4, producerId: 7n, transactional: true }),
      encodeControlBatch({ type: 'COMMIT', producerId: 7n, producerEpoch: 0, baseOffset: 14n }),
      batch(15n, ['e', 'f'], { epoch: 6 }),
    )
    const out = materialize(fetched(bytes, 12n), 'read_committed', shape)
    expect(out.records).toEqual([
      { at: '12', where: 't-3', value: 'c', headerCount: 1, epoch: 4 },
      { at: '13', where: 't-3', value: 'd', headerCount: 1, epoch: 4 },
      { at: '15', where: 't-3', value: 'e', headerCount: 1, epoch: 6 },
      { at: '16', where: 't-3', value: 'f', headerCount: 1, epoch: 6 },
    ])
    expect(out.nextOffset).toBe(17n)
  })

  it('a batch wholly at or above the fetch offset asks offsetOf once, not per record', () => {
    let asked = 0
    const counting: RecordShape<Message> = { make: shape.make, offsetOf: (message) => (asked++, BigInt(message.at)) }
    const out = materialize(fetched(batch(10n, ['a', 'b', 'c', 'd', 'e', 'f']), 10n), 'read_uncommitted', counting)
    expect(out.records.map((m) => m.at)).toEqual(['10', '11', '12', '13', '14', '15'])
    expect(asked).toBe(1)
  })

  it('the same records without a shape are FetchedRecords', () => {
    const out = materialize(fetched(batch(10n, ['a', 'b']), 11n), 'read_uncommitted')
    expect(out.records.map((r) => [r.topic, r.partition, r.offset, text(r.value)])).toEqual([['t', 3, 11n, 'b']])
  })
})

describe('materializeBefore (the batches before the one that failed, handed out before the failure)', () => {
  const corrupt = (bytes: Uint8Array): Uint8Array => {
    const copy = bytes.slice()
    copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff
    return copy
  }
  const fetched = (bytes: Uint8Array, fetchOffset: bigint): FetchedPartition => fetchedPartition(bytes, fetchOffset, 20n, 6)
  const offsets = (out: { records: FetchedRecord[] } | null) => (out === null ? null : out.records.map((r) => r.offset))
  const cases: Array<[string, Uint8Array, bigint, bigint[] | null, bigint | null]> = [
    ['bad third batch: the first two, position after the second', concat(batch(10n, ['a', 'b']), batch(12n, ['c', 'd'], { epoch: 5 }), corrupt(batch(14n, ['e', 'f']))), 10n, [10n, 11n, 12n, 13n], 14n],
    ['fetched from inside the first batch: its records from there', concat(batch(10n, ['a', 'b', 'c']), corrupt(batch(13n, ['d']))), 11n, [11n, 12n], 13n],
    ['a control batch before the bad one moves the position, hands out nothing itself', concat(batch(10n, ['a'], { producerId: 7n, transactional: true }), encodeControlBatch({ type: 'COMMIT', producerId: 7n, producerEpoch: 0, baseOffset: 11n }), corrupt(batch(12n, ['c']))), 10n, [10n], 12n],
    ['the first batch is the bad one: nothing', concat(corrupt(batch(10n, ['a'])), batch(11n, ['b'])), 10n, null, null],
    ['all good batches before the fetch offset: nothing', concat(batch(10n, ['a']), corrupt(batch(11n, ['b']))), 11n, null, null],
  ]
  it.each(cases)('%s', (_name, bytes, fetchOffset, expected, position) => {
    expect(() => materialize(fetched(bytes, fetchOffset), 'read_committed')).toThrow(CorruptRecordError)
    const out = materializeBefore(fetched(bytes, fetchOffset), 'read_committed')
    expect(offsets(out)).toEqual(expected)
    expect(out?.nextOffset ?? null).toBe(position)
    if (out !== null) expect(out).toMatchObject({ topic: 't', partition: 3, highWatermark: 20n, servedBy: 2 })
  })

  it('the epoch handed out is the last good batch\'s', () => {
    const out = materializeBefore(fetched(concat(batch(10n, ['a'], { epoch: 4 }), batch(11n, ['b'], { epoch: 5 }), corrupt(batch(12n, ['c'], { epoch: 6 }))), 10n), 'read_uncommitted')
    expect(out?.leaderEpoch).toBe(5)
  })

  it('a recordShape whose make throws in the second batch: the first batch\'s objects', () => {
    const shape: RecordShape<string> = {
      make: (_topic, _partition, offset) => {
        if (offset === 13n) throw new Error('no line for 13')
        return String(offset)
      },
      offsetOf: (line) => BigInt(line),
    }
    const bytes = concat(batch(10n, ['a', 'b']), batch(12n, ['c', 'd']))
    expect(() => materialize(fetched(bytes, 10n), 'read_uncommitted', shape)).toThrow('no line for 13')
    const out = materializeBefore(fetched(bytes, 10n), 'read_uncommitted', shape)
    expect(out?.records).toEqual(['10', '11'])
    expect(out?.nextOffset).toBe(12n)
  })

  it('an answer decoded whole when it arrived (legacy message sets, zstd before its codec loaded) is all or nothing', () => {
    const bytes = concat(batch(10n, ['a']), corrupt(batch(11n, ['b'])))
    expect(materializeBefore({ ...fetched(bytes, 10n), batches: [] }, 'read_uncommitted')).toBeNull()
  })
})
