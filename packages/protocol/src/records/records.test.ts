import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CompressionError } from '../compression/compression-error.js'
import type { CompressionCodec } from '../compression/codecs.js'
import { DecodeError } from '../errors/decode-error.js'
import { EncodeError } from '../errors/encode-error.js'
import { InvalidArgumentError } from '../errors/invalid-argument-error.js'
import { crc32Implementation, forcePortableCrc32 } from '../hashing/crc32.js'
import {
  CorruptRecordError,
  type RecordInput,
  type RecordShape,
  decodePartitionRecordBatches,
  decodePartitionRecordBatchesSync,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeControlBatch,
  encodeRecordBatch,
  encodeRecordBatchSync,
  nextOffsetAfter,
} from './index.js'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+|\/\/[^\n]*/g, ''), 'hex'))
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
/** Bytes (or a RecordInput's string key or value) as text. */
const text = (bytes: Uint8Array | string | null): string | null => (bytes === null || typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Independent bit-by-bit CRC (no tables) for hand-written fixtures: CRC-32C or zlib CRC-32. */
function bitwiseCrc(polynomial: number, data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1
  }
  return ~crc >>> 0
}
const CASTAGNOLI = 0x82f63b78
const ZLIB = 0xedb88320

/** Writes `crc` big-endian at `position`. */
function putCrc(bytes: Uint8Array, position: number, crc: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(position, crc)
  return bytes
}

function expectError(run: () => unknown, check: (error: unknown) => boolean, what: string): unknown {
  try {
    run()
  } catch (error) {
    expect(check(error), `expected ${what}, got ${String(error)}`).toBe(true)
    return error
  }
  throw new Error(`expected ${what}`)
}

const THREE_RECORDS: RecordInput[] = [
  { key: utf8('k1'), value: utf8('v1'), headers: [{ key: 'h', value: utf8('x') }], timestamp: 1700000000000n },
  { key: null, value: utf8('hello'), timestamp: 1700000000005n },
  {
    key: utf8('k3'),
    value: null,
    headers: [
      { key: 'a', value: null },
      { key: 'bb', value: utf8('zz') },
    ],
    timestamp: 1699999999999n,
  },
]

describe('encodeRecordBatch: byte-exact', () => {
  // Derived by hand from the magic v2 format (Kafka docs 5.3.1 / 5.3.2), field by field.
  const expected = hex(`
    0000000000000000   // baseOffset 0
    0000005e           // batchLength 94 = 106 total - 12
    ffffffff           // partitionLeaderEpoch -1
    02                 // magic 2
    00000000           // crc (filled in below from an independent bit-by-bit CRC-32C of bytes 21..end)
    0000               // attributes: no compression, CreateTime, not transactional, not control
    00000002           // lastOffsetDelta 2
    0000018bcfe56800   // baseTimestamp 1700000000000 (first record)
    0000018bcfe56805   // maxTimestamp 1700000000005
    000000000000002a   // producerId 42
    0003               // producerEpoch 3
    00000007           // baseSequence 7
    00000003           // recordCount 3
    // record 0: 15 bytes
    1c                 // length 14 (zigzag 28)
    00                 // attributes
    00                 // timestampDelta 0
    00                 // offsetDelta 0
    04 6b31            // key length 2, "k1"
    04 7631            // value length 2, "v1"
    02                 // 1 header
    02 68  02 78       // key "h", value "x"
    // record 1: 12 bytes
    16                 // length 11 (zigzag 22)
    00                 // attributes
    0a                 // timestampDelta 5 (zigzag 10)
    02                 // offsetDelta 1
    01                 // key null (-1)
    0a 68656c6c6f      // value length 5, "hello"
    00                 // 0 headers
    // record 2: 18 bytes
    22                 // length 17 (zigzag 34)
    00                 // attributes
    01                 // timestampDelta -1 (zigzag 1)
    04                 // offsetDelta 2
    04 6b33            // key "k3"
    01                 // value null: a tombstone
    04                 // 2 headers
    02 61  01          // key "a", value null
    04 6262  04 7a7a   // key "bb", value "zz"
  `)
  putCrc(expected, 17, bitwiseCrc(CASTAGNOLI, expected.subarray(21)))

  it('writes 3 records with headers exactly', () => {
    const batch = encodeRecordBatchSync(THREE_RECORDS, { producerId: 42n, producerEpoch: 3, baseSequence: 7 })
    expect(toHex(batch)).toBe(toHex(expected))
  })

  it('decodes the same bytes back', () => {
    const { batches, truncated } = decodeRecordBatchesSync(expected)
    expect(truncated).toBeNull()
    expect(batches).toHaveLength(1)
    const batch = batches[0]!
    expect(batch).toMatchObject({
      baseOffset: 0n,
      batchLength: 94,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: bitwiseCrc(CASTAGNOLI, expected.subarray(21)),
      attributes: 0,
      compression: 'none',
      timestampType: 'CreateTime',
      isTransactional: false,
      isControl: false,
      hasDeleteHorizon: false,
      lastOffsetDelta: 2,
      baseTimestamp: 1700000000000n,
      maxTimestamp: 1700000000005n,
      producerId: 42n,
      producerEpoch: 3,
      baseSequence: 7,
      control: null,
    })
    expect(nextOffsetAfter(batch)).toBe(3n)
    expect(batch.records.map((r) => [r.offset, r.timestamp, text(r.key), text(r.value), r.attributes])).toEqual([
      [0n, 1700000000000n, 'k1', 'v1', 0],
      [1n, 1700000000005n, null, 'hello', 0],
      [2n, 1699999999999n, 'k3', null, 0],
    ])
    expect(batch.records[0]!.headers.map((h) => [h.key, text(h.value)])).toEqual([['h', 'x']])
    expect(batch.records[1]!.headers).toEqual([])
    expect(batch.records[2]!.headers.map((h) => [h.key, text(h.value)])).toEqual([
      ['a', null],
      ['bb', 'zz'],
    ])
    // keys and values are views into the input, not copies
    expect(batch.records[0]!.key!.buffer).toBe(expected.buffer)
  })
})

describe('encode / decode round trips', () => {
  const many: RecordInput[] = Array.from({ length: 500 }, (_, i) => ({
    key: i % 7 === 0 ? null : utf8(`key-${i}`),
    value: i % 11 === 0 ? null : utf8(`{"n":${i},"payload":"${'x'.repeat(i % 300)}"}`),
    headers: i % 3 === 0 ? [{ key: `h-${i}-é`, value: utf8('v') }] : [],
    timestamp: 1700000000000 + (i % 13) * 1000 - 5000,
  }))

  it.each<CompressionCodec>(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('%s', async (compression) => {
    const bytes = await encodeRecordBatch(many, { compression, baseOffset: 1000n, partitionLeaderEpoch: 5, producerId: 9n, producerEpoch: 1, baseSequence: 100 })
    const { batches } = await decodeRecordBatches(bytes, { topic: 't', partition: 0 })
    const batch = batches[0]!
    expect(batch.compression).toBe(compression)
    expect(batch.attributes & 7).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression))
    expect(batch.partitionLeaderEpoch).toBe(5)
    expect(batch.lastOffsetDelta).toBe(499)
    expect(batch.maxTimestamp).toBe(BigInt(1700000000000 + 12 * 1000 - 5000))
    expect(batch.baseTimestamp).toBe(1700000000000n - 5000n)
    expect(batch.records).toHaveLength(500)
    batch.records.forEach((record, i) => {
      const input = many[i]!
      expect(record.offset).toBe(1000n + BigInt(i))
      expect(record.timestamp).toBe(BigInt(input.timestamp as number))
      expect(text(record.key)).toBe(text(input.key ?? null))
      expect(text(record.value)).toBe(text(input.value))
      expect(record.headers.map((h) => [h.key, text(h.value)])).toEqual((input.headers ?? []).map((h) => [h.key, text(h.value)]))
    })
    if (compression !== 'none') expect(bytes.length).toBeLessThan(encodeRecordBatchSync(many).length)
  })

  it('writes the transactional flag and LogAppendTime', () => {
    const bytes = encodeRecordBatchSync([{ value: utf8('a'), timestamp: 5 }, { value: utf8('b'), timestamp: 7 }], {
      isTransactional: true,
      timestampType: 'LogAppendTime',
      maxTimestamp: 99n,
      producerId: 1n,
      producerEpoch: 0,
      baseSequence: 0,
    })
    expect(new DataView(bytes.buffer).getInt16(21)).toBe(0x18)
    const batch = decodeRecordBatchesSync(bytes).batches[0]!
    expect(batch.isTransactional).toBe(true)
    expect(batch.timestampType).toBe('LogAppendTime')
    // LogAppendTime: every record's timestamp is the batch's max timestamp (the broker's append time)
    expect(batch.records.map((r) => r.timestamp)).toEqual([99n, 99n])
  })

  it('uses `now` for records without a timestamp, and rejects invalid input', () => {
    const batch = decodeRecordBatchesSync(encodeRecordBatchSync([{ value: null }], { now: 1234 })).batches[0]!
    expect(batch.records[0]!.timestamp).toBe(1234n)
    expect(batch.records[0]!.value).toBeNull()
    expect(() => encodeRecordBatchSync([])).toThrow(/at least one record/)
    expect(() => encodeRecordBatchSync([{ value: null, timestamp: 1.5 }])).toThrow(/timestamp/)
    expect(() => encodeRecordBatchSync([{ value: null }], { producerEpoch: 40000 })).toThrow(/int16/)
  })

  it('writes every header field big-endian at its full width (int64s past 2^32, negative timestamps)', () => {
    const encoded = encodeRecordBatchSync([{ value: utf8('a'), timestamp: -5 }, { value: utf8('b'), timestamp: 2 ** 40 + 3 }], {
      baseOffset: 0x0102030405060708n,
      partitionLeaderEpoch: -2,
      producerId: -0x1122334455667788n,
      producerEpoch: 0x7ffe,
      baseSequence: 0x7ffffff0,
    })
    const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength)
    expect(view.getBigInt64(0)).toBe(0x0102030405060708n)
    expect(view.getInt32(8)).toBe(encoded.length - 12)
    expect(view.getInt32(12)).toBe(-2)
    expect(view.getUint32(17)).toBe(bitwiseCrc(CASTAGNOLI, encoded.subarray(21)))
    expect(view.getInt32(23)).toBe(1)
    expect(view.getBigInt64(27)).toBe(-5n)
    expect(view.getBigInt64(35)).toBe(2n ** 40n + 3n)
    expect(view.getBigInt64(43)).toBe(-0x1122334455667788n)
    expect(view.getInt16(51)).toBe(0x7ffe)
    expect(view.getInt32(53)).toBe(0x7ffffff0)
    expect(view.getInt32(57)).toBe(2)
    const batch = decodeRecordBatchesSync(encoded).batches[0]!
    expect(batch.records.map((r) => r.timestamp)).toEqual([-5n, 2n ** 40n + 3n])
  })

  it('decodes a blob that is a view at any offset into a larger buffer (as a fetch response is)', () => {
    const batch = encodeRecordBatchSync(many.slice(0, 50), { compression: 'none' })
    for (const shift of [1, 2, 3, 5]) {
      const backing = new Uint8Array(batch.length + 16)
      backing.set(batch, shift)
      const view = backing.subarray(shift, shift + batch.length)
      const decoded = decodeRecordBatchesSync(view).batches[0]!
      expect(decoded.records).toHaveLength(50)
      expect(text(decoded.records[49]!.value)).toBe(text(many[49]!.value))
    }
  })

  it('decodes several batches from one blob', () => {
    const a = encodeRecordBatchSync([{ value: utf8('a') }], { baseOffset: 10n })
    const b = encodeRecordBatchSync([{ value: utf8('b') }, { value: utf8('c') }], { baseOffset: 11n })
    const { batches } = decodeRecordBatchesSync(Buffer.concat([a, b]))
    expect(batches.flatMap((batch) => batch.records.map((r) => [r.offset, text(r.value)]))).toEqual([
      [10n, 'a'],
      [11n, 'b'],
      [12n, 'c'],
    ])
  })
})

describe('record views and headers (the hot loop of consuming)', () => {
  const same = (a: Uint8Array | null, input: Uint8Array | string | null): boolean => {
    const b = typeof input === 'string' ? new TextEncoder().encode(input) : input
    return a === null || b === null ? a === b : Buffer.compare(a, b) === 0
  }

  it('reads every varint width of the record fields: lengths, offset and timestamp deltas of 1, 2, 3 and more bytes', () => {
    // zigzag varint widths change at 64 (1 → 2 bytes), 8,192 (2 → 3) and 1,048,576 (3 → 4)
    const lengths = [0, 1, 63, 64, 8_191, 8_192]
    const deltasMs = [0, -1, 63, -64, 64, 8_191, -8_192, 8_192, 1_048_576, -40_000_000_000]
    const input: RecordInput[] = []
    for (let i = 0; i < 9_000; i++) {
      const size = i === 8_500 ? 1_100_000 : lengths[i % lengths.length]!
      input.push({
        key: i % 5 === 0 ? null : new Uint8Array(lengths[(i + 3) % lengths.length]!).fill(i & 0xff),
        value: i % 4 === 0 && size === 0 ? null : new Uint8Array(size).fill((i * 7) & 0xff),
        timestamp: 1_700_000_000_000 + deltasMs[i % deltasMs.length]!,
        headers: i % 1_000 === 999 ? [{ key: 'h', value: new Uint8Array(i % 200).fill(1) }] : [],
      })
    }
    const batch = decodeRecordBatchesSync(encodeRecordBatchSync(input, { baseOffset: 5n })).batches[0]!
    expect(batch.records).toHaveLength(input.length)
    batch.records.forEach((record, i) => {
      const expected = input[i]!
      expect(record.offset).toBe(5n + BigInt(i))
      expect(record.timestamp).toBe(BigInt(expected.timestamp as number))
      expect(same(record.key, expected.key ?? null)).toBe(true)
      expect(same(record.value, expected.value)).toBe(true)
      expect(record.headers.map((h) => [h.key, h.value?.length])).toEqual((expected.headers ?? []).map((h) => [h.key, h.value?.length]))
    })
  })

  it('gives each record baseOffset + its own offsetDelta when the deltas have gaps (a compacted batch), on both sides of 4,096', () => {
    // the decoder makes the next offset as the last + 1n when the deltas are consecutive: gaps must not fool it
    const deltas = [0, 1, 2, 5, 6, 4_094, 4_095, 4_096, 4_097, 4_099, 4_100, 70_000, 70_001]
    const zigzag = (n: number): number[] => {
      let v = (n << 1) ^ (n >> 31)
      const out: number[] = []
      for (; v > 0x7f; v >>>= 7) out.push((v & 0x7f) | 0x80)
      return [...out, v]
    }
    // attributes, timestampDelta, offsetDelta, key null, value null, no headers
    const records = deltas.flatMap((delta) => {
      const body = [0, ...zigzag(0), ...zigzag(delta), ...zigzag(-1), ...zigzag(-1), ...zigzag(0)]
      return [...zigzag(body.length), ...body]
    })
    const bytes = new Uint8Array(61 + records.length)
    bytes.set(encodeRecordBatchSync([{ value: null }], { baseOffset: 1000n }).subarray(0, 61))
    bytes.set(records, 61)
    const view = new DataView(bytes.buffer)
    view.setInt32(8, bytes.length - 12)
    view.setInt32(23, deltas.at(-1)!)
    view.setInt32(57, deltas.length)
    putCrc(bytes, 17, bitwiseCrc(CASTAGNOLI, bytes.subarray(21)))
    const expected = deltas.map((delta) => 1000n + BigInt(delta))
    expect(decodeRecordBatchesSync(bytes).batches[0]!.records.map((r) => r.offset)).toEqual(expected)
    expect(decodePartitionRecordBatchesSync(bytes, { topic: 't', partition: 0 }).batches[0]!.records.map((r) => r.offset)).toEqual(expected)
  })

  it('refuses a record that ends inside a one- or two-byte varint of any field as truncated, with or without a shape', () => {
    // The hot loop decodes one- and two-byte varints itself: cut each field's varint after its
    // first byte (a record length that stops there) and the bytes after the cut must not be read
    // as the rest of it.
    const zigzag = (n: number): number[] => {
      let v = (n << 1) ^ (n >> 31)
      const out: number[] = []
      for (; v > 0x7f; v >>>= 7) out.push((v & 0x7f) | 0x80)
      return [...out, v]
    }
    const batchOf = (records: number[]): Uint8Array => {
      const bytes = new Uint8Array(61 + records.length)
      bytes.set(encodeRecordBatchSync([{ value: null }], { baseOffset: 0n }).subarray(0, 61))
      bytes.set(records, 61)
      const view = new DataView(bytes.buffer)
      view.setInt32(8, bytes.length - 12)
      view.setInt32(23, 0)
      view.setInt32(57, 1)
      putCrc(bytes, 17, bitwiseCrc(CASTAGNOLI, bytes.subarray(21)))
      return bytes
    }
    const shape: RecordShape<{ offset: number }> = {
      make: (_t, _p, offset) => ({ offset: Number(offset) }),
      makeWithNumberOffset: (_t, _p, offset) => ({ offset }),
      offsetOf: (record) => BigInt(record.offset),
    }
    const decodeBoth = (bytes: Uint8Array): string[] =>
      [() => decodeRecordBatchesSync(bytes), () => decodePartitionRecordBatchesSync(bytes, { topic: 't', partition: 0, shape })].map((decode) => {
        try {
          decode()
          return 'decoded'
        } catch (error) {
          return DecodeError.isInstance(error) ? `DecodeError: ${error.message.replace(/ \(at byte \d+\)$/, '')}` : `other: ${String(error)}`
        }
      })
    // fields: timestampDelta, offsetDelta, key length, value length (each 100: a two-byte varint), then 100 key and 100 value bytes
    const fields = [zigzag(100), zigzag(100), zigzag(100), zigzag(100)]
    const body = (cutField: number, keep: number): number[] => {
      const out = [0]
      for (let f = 0; f < fields.length; f++) {
        if (f === cutField) return [...out, ...fields[f]!.slice(0, keep)]
        out.push(...fields[f]!)
        if (f === 2 || f === 3) out.push(...new Array<number>(100).fill(0x11))
      }
      return [...out, 0]
    }
    const whole = body(-1, 0)
    expect(decodeBoth(batchOf([...zigzag(whole.length), ...whole]))).toEqual(['decoded', 'decoded'])
    // after the cut record: bytes a varint could continue into (and enough of them for the batch's minimum record size)
    const PAD = new Array<number>(8).fill(0x05)
    const truncated = (field: string): string[] => [`DecodeError: truncated ${field}`, `DecodeError: truncated ${field}`]
    for (let field = 0; field < fields.length; field++) {
      const cut = body(field, 1)
      // the record's declared length stops after the first byte of the field; the batch goes on with bytes a varint could continue into
      expect(decodeBoth(batchOf([...zigzag(cut.length), ...cut, ...PAD])), `field ${field}`).toEqual(truncated(field === 0 ? 'varlong' : 'varint'))
    }
    // a record of one byte (its attributes): the timestamp delta, a one-byte varint, is past its end
    expect(decodeBoth(batchOf([...zigzag(1), 0, ...PAD]))).toEqual(truncated('varlong'))
  })

  it('makes key, value and header views of the class `subarray` would (Buffer for a Buffer, Uint8Array otherwise) over the same memory, without copies', () => {
    const bytes = encodeRecordBatchSync([{ key: utf8('k'), value: utf8('value'), headers: [{ key: 'h', value: utf8('hv') }] }])
    for (const blob of [Buffer.from(bytes), Uint8Array.from(bytes)]) {
      const record = decodeRecordBatchesSync(blob).batches[0]!.records[0]!
      const views = [record.key!, record.value!, record.headers[0]!.value!]
      for (const view of views) {
        expect(Buffer.isBuffer(view)).toBe(Buffer.isBuffer(blob))
        expect(Object.getPrototypeOf(view)).toBe(Object.getPrototypeOf(blob.subarray(0, 1)))
        expect(view.buffer).toBe(blob.buffer)
      }
      expect(text(record.value)).toBe('value')
      // a view, not a copy: a change to the fetched bytes shows through
      blob[record.value!.byteOffset - blob.byteOffset] = 'V'.charCodeAt(0)
      expect(text(record.value)).toBe('Value')
    }
  })

  it('gives records without headers one shared, frozen empty array, and records with headers their own', () => {
    const bytes = encodeRecordBatchSync([{ value: utf8('a') }, { value: utf8('b') }, { value: utf8('c'), headers: [{ key: 'x', value: null }] }])
    const [first, second, third] = decodeRecordBatchesSync(bytes).batches[0]!.records
    expect(first!.headers).toBe(second!.headers)
    expect(first!.headers).toEqual([])
    expect(Object.isFrozen(first!.headers)).toBe(true)
    expect(() => first!.headers.push({ key: 'y', value: null })).toThrow(TypeError)
    expect(second!.headers).toHaveLength(0)
    expect(third!.headers).toEqual([{ key: 'x', value: null }])
    expect(Object.isFrozen(third!.headers)).toBe(false)
    // what an application copies or serialises still looks like before
    expect({ ...first! }).toEqual({ offset: 0n, timestamp: first!.timestamp, key: null, value: utf8('a'), headers: [], attributes: 0 })
    expect(JSON.stringify(first!.headers)).toBe('[]')
  })
})

describe('partial trailing batch', () => {
  const first = encodeRecordBatchSync([{ value: utf8('one') }], { baseOffset: 5n })
  const second = encodeRecordBatchSync([{ value: utf8('two') }, { value: utf8('three') }], { baseOffset: 6n })
  const blob = Buffer.concat([first, second])

  it('ignores it and reports it, at every cut point', () => {
    for (let cut = first.length + 1; cut < blob.length; cut++) {
      const { batches, truncated } = decodeRecordBatchesSync(blob.subarray(0, cut))
      expect(batches).toHaveLength(1)
      expect(truncated).toEqual({
        position: first.length,
        baseOffset: cut - first.length >= 8 ? 6n : null,
        size: cut - first.length >= 12 ? second.length : null,
        available: cut - first.length,
      })
    }
    expect(decodeRecordBatchesSync(blob).truncated).toBeNull()
    expect(decodeRecordBatchesSync(new Uint8Array(0))).toEqual({ batches: [], truncated: null })
  })

  it('returns no batch when even the first is partial', () => {
    const { batches, truncated } = decodeRecordBatchesSync(first.subarray(0, 40))
    expect(batches).toEqual([])
    expect(truncated).toMatchObject({ position: 0, baseOffset: 5n, size: first.length, available: 40 })
  })
})

describe('checksums', () => {
  const batch = encodeRecordBatchSync([{ key: utf8('k'), value: utf8('value') }], { baseOffset: 77n })

  it('reports a CRC mismatch naming the partition and base offset', () => {
    const corrupt = batch.slice()
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff
    const error = expectError(() => decodeRecordBatchesSync(corrupt, { topic: 'orders', partition: 3 }), CorruptRecordError.isInstance, 'CorruptRecordError') as CorruptRecordError
    expect(error.message).toMatch(/orders-3 at base offset 77 is corrupt/)
    expect(error.errorName).toBe('CORRUPT_MESSAGE')
    expect(error).toMatchObject({ topic: 'orders', partition: 3, baseOffset: 77n, position: 0 })
    expect(error.storedCrc).toBe(new DataView(batch.buffer).getUint32(17))
    expect(error.computedCrc).toBe(bitwiseCrc(CASTAGNOLI, corrupt.subarray(21)))
    // without context the message still names the offset
    expect(() => decodeRecordBatchesSync(corrupt)).toThrow(/record batch at base offset 77 is corrupt/)
  })

  it('can skip verification', () => {
    const corrupt = batch.slice()
    corrupt[corrupt.length - 2] = 'X'.charCodeAt(0) // last byte of the value (the very last is the header count)
    expect(text(decodeRecordBatchesSync(corrupt, { verifyCrc: false }).batches[0]!.records[0]!.value)).toBe('valuX')
  })

  it('does not cover baseOffset, batchLength, partitionLeaderEpoch or magic', () => {
    const moved = batch.slice()
    new DataView(moved.buffer).setBigInt64(0, 1000n)
    new DataView(moved.buffer).setInt32(12, 9)
    expect(decodeRecordBatchesSync(moved).batches[0]!.records[0]!.offset).toBe(1000n)
  })
})

describe('control batches', () => {
  it('encodes and decodes a COMMIT marker', () => {
    const bytes = encodeControlBatch({ type: 'COMMIT', producerId: 4000n, producerEpoch: 2, coordinatorEpoch: 17, baseOffset: 50n, timestamp: 1000n })
    // attributes: control (0x20) + transactional (0x10)
    expect(new DataView(bytes.buffer).getInt16(21)).toBe(0x30)
    const batch = decodeRecordBatchesSync(bytes).batches[0]!
    expect(batch.isControl).toBe(true)
    expect(batch.isTransactional).toBe(true)
    expect(batch.control).toEqual({ version: 0, type: 'COMMIT', typeId: 1, coordinatorEpoch: 17 })
    // key: int16 version 0, int16 type 1; value: int16 version 0, int32 coordinator epoch 17
    expect(toHex(batch.records[0]!.key!)).toBe('00000001')
    expect(toHex(batch.records[0]!.value!)).toBe('000000000011')
    expect(batch.producerId).toBe(4000n)
    expect(batch.baseSequence).toBe(-1)
  })

  it('decodes ABORT and unknown types', () => {
    expect(decodeRecordBatchesSync(encodeControlBatch({ type: 'ABORT', producerId: 1n, producerEpoch: 0 })).batches[0]!.control).toEqual({
      version: 0,
      type: 'ABORT',
      typeId: 0,
      coordinatorEpoch: 0,
    })
    expect(decodeRecordBatchesSync(encodeControlBatch({ type: 99, producerId: 1n, producerEpoch: 0 })).batches[0]!.control).toEqual({
      version: 0,
      type: 'UNKNOWN',
      typeId: 99,
      coordinatorEpoch: null,
    })
  })
})

describe('empty batches (after compaction)', () => {
  it('decodes a batch with no records and keeps its last offset', () => {
    const header = encodeRecordBatchSync([{ value: null }], { baseOffset: 100n }).slice(0, 61)
    const view = new DataView(header.buffer)
    view.setInt32(8, 49)
    view.setInt32(23, 9) // lastOffsetDelta 9: the records were compacted away
    view.setInt32(57, 0)
    putCrc(header, 17, bitwiseCrc(CASTAGNOLI, header.subarray(21)))
    const batch = decodeRecordBatchesSync(header).batches[0]!
    expect(batch.records).toEqual([])
    expect(nextOffsetAfter(batch)).toBe(110n)
  })
})

describe('legacy message sets (magic v0 / v1)', () => {
  /** Fills the CRC-32 (zlib) of a hand-written message at `start` (crc field at +12, covering +16..end). */
  function withCrc(message: Uint8Array, start = 0, end = message.length): Uint8Array {
    return putCrc(message, start + 12, bitwiseCrc(ZLIB, message.subarray(start + 16, end)))
  }

  it('decodes an uncompressed v0 message', () => {
    const message = withCrc(
      hex(`
      0000000000000007   // offset 7
      00000014           // message size 20
      00000000           // crc (CRC-32 of magic..end, filled in)
      00                 // magic 0
      00                 // attributes: no compression
      00000001 6b        // key "k"
      00000005 76616c7565 // value "value"
    `),
    )
    const { batches } = decodeRecordBatchesSync(message)
    expect(batches[0]).toMatchObject({
      baseOffset: 7n,
      magic: 0,
      compression: 'none',
      timestampType: 'NoTimestampType',
      producerId: -1n,
      lastOffsetDelta: 0,
    })
    expect(batches[0]!.records.map((r) => [r.offset, r.timestamp, text(r.key), text(r.value)])).toEqual([[7n, -1n, 'k', 'value']])
  })

  it('decodes v1 messages with timestamps and null key/value', () => {
    const a = withCrc(
      hex(`
      0000000000000003   // offset 3
      00000016           // message size 22
      00000000           // crc
      01                 // magic 1
      08                 // attributes: LogAppendTime
      0000018bcfe56800   // timestamp 1700000000000
      ffffffff           // key null
      ffffffff           // value null
    `),
    )
    const b = withCrc(
      hex(`
      0000000000000004 00000017 00000000 01 00 0000018bcfe56801
      ffffffff 00000001 7a   // key null, value "z"
    `),
    )
    const { batches } = decodeRecordBatchesSync(Buffer.concat([a, b]))
    expect(batches.map((batch) => [batch.timestampType, batch.records[0]!.offset, batch.records[0]!.timestamp, batch.records[0]!.key, text(batch.records[0]!.value)])).toEqual([
      ['LogAppendTime', 3n, 1700000000000n, null, null],
      ['CreateTime', 4n, 1700000000001n, null, 'z'],
    ])
  })

  it('decodes a gzip-compressed v1 wrapper with relative inner offsets', () => {
    const inner1 = withCrc(hex('0000000000000000 00000017 00000000 01 00 0000000000000064 ffffffff 00000001 61')) // offset 0, ts 100, "a"
    const inner2 = withCrc(hex('0000000000000001 00000017 00000000 01 00 00000000000000c8 ffffffff 00000001 62')) // offset 1, ts 200, "b"
    const compressed = gzipSync(Buffer.concat([inner1, inner2]))
    const wrapper = new Uint8Array(12 + 4 + 1 + 1 + 8 + 4 + 4 + compressed.length)
    const view = new DataView(wrapper.buffer)
    view.setBigInt64(0, 41n) // offset of the last inner message
    view.setInt32(8, wrapper.length - 12)
    wrapper[16] = 1 // magic 1
    wrapper[17] = 1 // attributes: gzip, CreateTime
    view.setBigInt64(18, 200n)
    view.setInt32(26, -1) // key null
    view.setInt32(30, compressed.length)
    wrapper.set(compressed, 34)
    withCrc(wrapper)
    const batch = decodeRecordBatchesSync(wrapper).batches[0]!
    expect(batch).toMatchObject({ baseOffset: 40n, lastOffsetDelta: 1, compression: 'gzip', magic: 1, maxTimestamp: 200n })
    expect(batch.records.map((r) => [r.offset, r.timestamp, text(r.value)])).toEqual([
      [40n, 100n, 'a'],
      [41n, 200n, 'b'],
    ])
  })

  it('checks the CRC-32 of legacy messages', () => {
    const message = withCrc(hex('0000000000000007 0000000e 00000000 00 00 ffffffff ffffffff'))
    expect(decodeRecordBatchesSync(message).batches[0]!.records[0]!.value).toBeNull()
    message[message.length - 1] = 0
    expectError(() => decodeRecordBatchesSync(message, { partition: 1 }), CorruptRecordError.isInstance, 'CorruptRecordError')
  })

  it('checks the CRC-32 of a long legacy message with zlib.crc32 (where the runtime has it) and the portable tables', () => {
    // v0, key null, a 1,000-byte value: long enough for zlib.crc32
    const value = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13 + 7) & 0xff)
    const message = new Uint8Array(12 + 4 + 1 + 1 + 4 + 4 + value.length)
    const view = new DataView(message.buffer)
    view.setBigInt64(0, 9n)
    view.setInt32(8, message.length - 12)
    view.setInt32(18, -1) // after crc, magic 0, attributes 0: key null
    view.setInt32(22, value.length)
    message.set(value, 26)
    withCrc(message)
    const corrupted = message.slice()
    corrupted[600] = (corrupted[600] as number) ^ 0x10
    try {
      for (const portable of [false, true]) {
        forcePortableCrc32(portable)
        const record = decodeRecordBatchesSync(message).batches[0]!.records[0]!
        expect([record.offset, Buffer.from(record.value!).equals(Buffer.from(value))]).toEqual([9n, true])
        expectError(() => decodeRecordBatchesSync(corrupted), CorruptRecordError.isInstance, `CorruptRecordError (${crc32Implementation()})`)
      }
    } finally {
      forcePortableCrc32(false)
    }
  })
})

/** A legacy v0 message at offset 7: key 'k', value 'value'. */
const v0Message = (): Uint8Array =>
  putCrc(hex('0000000000000007 00000014 00000000 00 00 00000001 6b 00000005 76616c7565'), 12, bitwiseCrc(ZLIB, hex('00 00 00000001 6b 00000005 76616c7565')))

describe('decodePartitionRecordBatchesSync (records in the consumer\'s shape)', () => {

  it('gives the records of decodeRecordBatchesSync stamped with topic, partition and their batch\'s leader epoch, one plain object shape', () => {
    const blob = new Uint8Array(
      Buffer.concat([
        encodeRecordBatchSync(THREE_RECORDS, { baseOffset: 40n, partitionLeaderEpoch: 9 }),
        encodeRecordBatchSync([{ key: null, value: utf8('x'), timestamp: 5n }], { baseOffset: 43n, partitionLeaderEpoch: 11 }),
        encodeControlBatch({ type: 'ABORT', producerId: 7n, producerEpoch: 0, baseOffset: 44n }),
      ]),
    )
    const plain = decodeRecordBatchesSync(blob)
    const stamped = decodePartitionRecordBatchesSync(blob, { topic: 'orders', partition: 4 })
    expect(stamped.truncated).toBeNull()
    expect(stamped.batches.map(({ records: _, ...batch }) => batch)).toEqual(plain.batches.map(({ records: _, ...batch }) => batch))
    expect(stamped.batches[2]!.control).toMatchObject({ type: 'ABORT' })
    for (const [b, batch] of stamped.batches.entries()) {
      expect(batch.records).toEqual(
        plain.batches[b]!.records.map(({ offset, timestamp, key, value, headers }) => ({
          topic: 'orders',
          partition: 4,
          offset,
          timestamp,
          key,
          value,
          headers,
          leaderEpoch: batch.partitionLeaderEpoch,
        })),
      )
      for (const record of batch.records) {
        expect(Object.keys(record)).toEqual(['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers', 'leaderEpoch'])
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
      }
    }
    expect(stamped.batches[1]!.records[0]!.leaderEpoch).toBe(11)
    // no headers: the same shared frozen array as the plain decoder's
    expect(stamped.batches[1]!.records[0]!.headers).toBe(plain.batches[1]!.records[0]!.headers)
    expect(Object.isFrozen(stamped.batches[1]!.records[0]!.headers)).toBe(true)
  })

  it('stamps legacy messages too (leader epoch -1), and reports errors and partial batches as decodeRecordBatchesSync does', async () => {
    const legacy = decodePartitionRecordBatchesSync(v0Message(), { topic: 't', partition: 1 })
    expect(legacy.batches[0]!.records).toEqual([{ topic: 't', partition: 1, offset: 7n, timestamp: -1n, key: utf8('k'), value: utf8('value'), headers: [], leaderEpoch: -1 }])
    const batch = encodeRecordBatchSync(THREE_RECORDS, { baseOffset: 0n })
    const cut = decodePartitionRecordBatchesSync(batch.subarray(0, batch.length - 3), { topic: 't', partition: 1 })
    expect(cut).toEqual({ batches: [], truncated: decodeRecordBatchesSync(batch.subarray(0, batch.length - 3)).truncated })
    const corrupt = batch.slice()
    corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 1
    expect(() => decodePartitionRecordBatchesSync(corrupt, { topic: 't', partition: 1 })).toThrow(CorruptRecordError)
    const zstd = await encodeRecordBatch(THREE_RECORDS, { baseOffset: 3n, compression: 'zstd' })
    const decoded = await decodePartitionRecordBatches(zstd, { topic: 't', partition: 1 })
    expect(decoded.batches[0]!.records.map((r) => [r.topic, r.offset, text(r.value)])).toEqual(
      decodeRecordBatchesSync(zstd).batches[0]!.records.map((r) => ['t', r.offset, text(r.value)]),
    )
  })
})

describe('decodePartitionRecordBatchesSync with a shape (records made by the caller)', () => {
  /** Records as tuples, so that what `make` was given is visible whole. */
  type Tuple = [string, number, bigint, bigint, string | null, string | null, number, number]
  const tuples: RecordShape<Tuple> = {
    make: (topic, partition, offset, timestamp, key, value, headers, leaderEpoch) => [topic, partition, offset, timestamp, text(key), text(value), headers.length, leaderEpoch],
    offsetOf: (tuple) => tuple[2],
  }

  it('calls make once per record with the fields the PartitionRecord would have had, and hands out what it returned', () => {
    const blob = new Uint8Array(
      Buffer.concat([
        encodeRecordBatchSync(THREE_RECORDS, { baseOffset: 40n, partitionLeaderEpoch: 9 }),
        encodeRecordBatchSync([{ key: null, value: utf8('x'), timestamp: 5n }], { baseOffset: 43n, partitionLeaderEpoch: 11 }),
        encodeControlBatch({ type: 'ABORT', producerId: 7n, producerEpoch: 0, baseOffset: 44n }),
      ]),
    )
    const stamped = decodePartitionRecordBatchesSync(blob, { topic: 'orders', partition: 4 })
    const shaped = decodePartitionRecordBatchesSync(blob, { topic: 'orders', partition: 4, shape: tuples })
    expect(shaped.batches.map(({ records: _, ...batch }) => batch)).toEqual(stamped.batches.map(({ records: _, ...batch }) => batch))
    for (const b of [0, 1]) {
      expect(shaped.batches[b]!.records).toEqual(
        stamped.batches[b]!.records.map((r): Tuple => [r.topic, r.partition, r.offset, r.timestamp, text(r.key), text(r.value), r.headers.length, r.leaderEpoch]),
      )
    }
    // The control batch keeps its decoded marker; its record is not handed to the shape.
    expect(shaped.batches[2]!.control).toMatchObject({ type: 'ABORT', coordinatorEpoch: 0 })
    expect(shaped.batches[2]!.records).toEqual([])
  })

  it('shapes legacy messages and zstd batches (decoded after loading the codec) too', async () => {
    expect(decodePartitionRecordBatchesSync(v0Message(), { topic: 't', partition: 1, shape: tuples }).batches[0]!.records).toEqual([['t', 1, 7n, -1n, 'k', 'value', 0, -1]])
    const zstd = await encodeRecordBatch(THREE_RECORDS, { baseOffset: 3n, compression: 'zstd' })
    const decoded = await decodePartitionRecordBatches(zstd, { topic: 't', partition: 1, shape: tuples })
    expect(decoded.batches[0]!.records.map((t) => [t[2], t[5]])).toEqual(decodeRecordBatchesSync(zstd).batches[0]!.records.map((r) => [r.offset, text(r.value)]))
  })

  it('gives a shape with makeWithNumberOffset every offset below 2^53 as a number, and the batches past that limit to make', () => {
    const made: Array<['make', bigint] | ['number', number]> = []
    const numbered: RecordShape<string> = {
      make: (_t, _p, offset) => (made.push(['make', offset]), `big ${offset}`),
      makeWithNumberOffset: (_t, _p, offset) => (made.push(['number', offset]), `num ${offset}`),
      offsetOf: (s) => BigInt(s.slice(4)),
    }
    // The last base offset whose every int32 delta stays below 2^53, the first past it, and one near 2^63.
    const limit = BigInt(Number.MAX_SAFE_INTEGER - 0x7fffffff)
    const bases = [40n, limit, limit + 1n, 2n ** 63n - 10n]
    const blob = new Uint8Array(Buffer.concat(bases.map((baseOffset) => encodeRecordBatchSync(THREE_RECORDS, { baseOffset }))))
    const decoded = decodePartitionRecordBatchesSync(blob, { topic: 't', partition: 0, shape: numbered })
    const expected = (kind: string, base: bigint) => [0n, 1n, 2n].map((d) => `${kind} ${base + d}`)
    expect(decoded.batches.map((b) => b.records)).toEqual([expected('num', 40n), expected('num', limit), expected('big', limit + 1n), expected('big', 2n ** 63n - 10n)])
    // Exact numbers: what make would have been given, as numbers.
    expect(made.filter(([kind]) => kind === 'number').map(([, offset]) => BigInt(offset))).toEqual([40n, 41n, 42n, limit, limit + 1n, limit + 2n])
    // A consumer's filtering (offsetOf) sees the same offsets either way.
    expect(decoded.batches.flatMap((b) => b.records.map((r) => numbered.offsetOf(r)))).toEqual(bases.flatMap((base) => [base, base + 1n, base + 2n]))
  })

  it('a shape that is not { make, offsetOf } is an InvalidArgumentError naming options.shape', () => {
    const bytes = encodeRecordBatchSync(THREE_RECORDS, { baseOffset: 0n })
    for (const shape of [null, 42, {}, { make: () => 1 }, (r: unknown) => r, { make: () => 1, offsetOf: () => 0n, makeWithNumberOffset: 'yes' }]) {
      let thrown: unknown
      try {
        decodePartitionRecordBatchesSync(bytes, { topic: 't', partition: 0, shape: shape as unknown as RecordShape<unknown> })
      } catch (error) {
        thrown = error
      }
      expect(InvalidArgumentError.isInstance(thrown), String(shape)).toBe(true)
      expect((thrown as InvalidArgumentError).field).toBe('options.shape')
    }
  })
})

describe('arguments from plain JavaScript', () => {
  const bytes = encodeRecordBatchSync(THREE_RECORDS, { baseOffset: 0n })
  const decoders = {
    decodeRecordBatchesSync: (...args: unknown[]) => (decodeRecordBatchesSync as (...a: unknown[]) => unknown)(...args),
    decodePartitionRecordBatchesSync: (...args: unknown[]) => (decodePartitionRecordBatchesSync as (...a: unknown[]) => unknown)(...args),
    decodeRecordBatches: (...args: unknown[]) => (decodeRecordBatches as (...a: unknown[]) => unknown)(...args),
    decodePartitionRecordBatches: (...args: unknown[]) => (decodePartitionRecordBatches as (...a: unknown[]) => unknown)(...args),
  }
  const context = { topic: 't', partition: 1 }

  /** Runs a decoder, sync or async, and returns what it threw (undefined when it did not). */
  async function thrown(run: () => unknown): Promise<unknown> {
    try {
      await run()
    } catch (error) {
      return error
    }
    return undefined
  }

  it.each(Object.keys(decoders))('%s: bytes that are not a Uint8Array, and bad options, are an InvalidArgumentError naming the argument', async (name) => {
    const decode = decoders[name as keyof typeof decoders]
    const cases: Array<[unknown[], string]> = [
      [['abc', context], 'bytes'],
      [[undefined, context], 'bytes'],
      [[Array.from(bytes), context], 'bytes'],
      [[new Uint16Array(4), context], 'bytes'],
      [[bytes, null], 'options'],
      [[bytes, 'orders'], 'options'],
      [[bytes, { ...context, topic: 7 }], 'options.topic'],
      [[bytes, { ...context, partition: '1' }], 'options.partition'],
      [[bytes, { ...context, partition: 1.5 }], 'options.partition'],
      [[bytes, { ...context, verifyCrc: 'no' }], 'options.verifyCrc'],
      [[bytes, { ...context, decompressedMaxBytes: -1 }], 'options.decompressedMaxBytes'],
      [[bytes, { ...context, decompressedMaxBytes: '1mb' }], 'options.decompressedMaxBytes'],
    ]
    for (const [args, field] of cases) {
      const error = await thrown(() => decode(...args))
      expect(InvalidArgumentError.isInstance(error), `${name}(${String(args[0]).slice(0, 20)}, …): ${String(error)}`).toBe(true)
      expect((error as InvalidArgumentError).field).toBe(field)
    }
  })

  it('the partition decoders need their topic and partition (a call without them used to stamp records with undefined); the plain ones do not', async () => {
    for (const decode of [decoders.decodePartitionRecordBatchesSync, decoders.decodePartitionRecordBatches]) {
      expect((await thrown(() => decode(bytes)) as InvalidArgumentError).field).toBe('options')
      expect((await thrown(() => decode(bytes, {})) as InvalidArgumentError).field).toBe('options.topic')
      expect((await thrown(() => decode(bytes, { topic: 't' })) as InvalidArgumentError).field).toBe('options.partition')
    }
    expect(decodeRecordBatchesSync(bytes).batches[0]!.records).toHaveLength(3)
    expect((await decodeRecordBatches(bytes, {})).batches[0]!.records).toHaveLength(3)
    expect(decodePartitionRecordBatchesSync(bytes, context).batches[0]!.records[0]!.topic).toBe('t')
  })
})

describe('malformed input', () => {
  const isTyped = (error: unknown): boolean => DecodeError.isInstance(error) || CorruptRecordError.isInstance(error) || CompressionError.isInstance(error)

  it('rejects unknown magic, short lengths, bad record counts', () => {
    const batch = encodeRecordBatchSync([{ value: utf8('a') }])
    const badMagic = batch.slice()
    badMagic[16] = 3
    expectError(() => decodeRecordBatchesSync(badMagic), DecodeError.isInstance, 'DecodeError')
    const shortLength = batch.slice()
    new DataView(shortLength.buffer).setInt32(8, 10)
    expectError(() => decodeRecordBatchesSync(shortLength), DecodeError.isInstance, 'DecodeError')
    const hugeCount = batch.slice()
    new DataView(hugeCount.buffer).setInt32(57, 0x7fffffff)
    expectError(() => decodeRecordBatchesSync(hugeCount, { verifyCrc: false }), DecodeError.isInstance, 'DecodeError')
    const badCodec = batch.slice()
    badCodec[22] = 7
    expectError(() => decodeRecordBatchesSync(badCodec, { verifyCrc: false }), CompressionError.isInstance, 'CompressionError')
  })

  it.each<CompressionCodec>(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('fuzz (%s): random mutations only ever throw typed errors', async (compression) => {
    const records = Array.from({ length: 20 }, (_, i) => ({ key: utf8(`k${i}`), value: utf8(`value-${i}`.repeat(i)), headers: [{ key: 'h', value: utf8('v') }] }))
    const bytes = await encodeRecordBatch(records, { compression })
    let x = 12345
    const random = (): number => {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return x >>> 0
    }
    for (let i = 0; i < 1500; i++) {
      const mutated = bytes.slice()
      for (let f = 0, n = 1 + (random() % 3); f < n; f++) mutated[random() % mutated.length] = random() & 0xff
      const input = random() % 4 === 0 ? mutated.subarray(0, random() % mutated.length) : mutated
      try {
        decodeRecordBatchesSync(input, { verifyCrc: random() % 2 === 0, decompressedMaxBytes: 1 << 20 })
      } catch (error) {
        expect(isTyped(error), `mutation ${i}: ${String(error)}`).toBe(true)
      }
    }
  })

  it('random garbage only ever throws typed errors', () => {
    let x = 99
    for (let i = 0; i < 2000; i++) {
      const length = (i * 37) % 200
      const garbage = new Uint8Array(length)
      for (let j = 0; j < length; j++) {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        garbage[j] = x & 0xff
      }
      if (length > 16) garbage[16] = i % 3 // plausible magic
      try {
        decodeRecordBatchesSync(garbage, { verifyCrc: false })
      } catch (error) {
        expect(isTyped(error), String(error)).toBe(true)
      }
    }
  })
})

describe('encodeRecordBatchSync with allocate', () => {
  const records = [
    { key: new TextEncoder().encode('k1'), value: new Uint8Array(300).fill(7), headers: [{ key: 'h', value: new Uint8Array([1, 2]) }] },
    { key: null, value: null, timestamp: 1_700_000_000_123n },
    { key: new TextEncoder().encode('k3'), value: new Uint8Array(70).fill(9) },
  ]
  const options = { producerId: 42n, producerEpoch: 3, baseSequence: 10, now: 1_700_000_000_000 }

  it('writes every byte of the memory it is given: a dirty buffer yields the same bytes as a fresh one', () => {
    const fresh = encodeRecordBatchSync(records, options)
    const dirty = encodeRecordBatchSync(records, { ...options, allocate: (byteLength) => new Uint8Array(byteLength).fill(0xee) })
    expect(Buffer.from(dirty).equals(Buffer.from(fresh))).toBe(true)
  })

  it('is not used for compressed batches, and a wrong length is an EncodeError', () => {
    let calls = 0
    encodeRecordBatchSync(records, {
      ...options,
      compression: 'gzip',
      allocate: (byteLength) => {
        calls++
        return new Uint8Array(byteLength)
      },
    })
    expect(calls).toBe(0)
    expect(() => encodeRecordBatchSync(records, { ...options, allocate: (byteLength) => new Uint8Array(byteLength + 1) })).toThrow(EncodeError)
  })

  it('names the option in a typed error when allocate is not a function or returns no Uint8Array of the asked length', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['not a function', /options\.allocate must be a function.*string/],
      [{}, /options\.allocate must be a function.*Object/],
      [() => null, /options\.allocate\(\d+\) must return a Uint8Array, returned null/],
      [() => undefined, /options\.allocate\(\d+\) must return a Uint8Array, returned undefined/],
      [(byteLength: number) => new Array<number>(byteLength).fill(0), /must return a Uint8Array, returned Array/],
      [(byteLength: number) => new Uint16Array(byteLength), /must return a Uint8Array, returned Uint16Array/],
      [(byteLength: number) => new Uint8Array(byteLength - 1), /must return exactly \d+ bytes, returned \d+/],
    ]
    for (const [allocate, message] of bad) {
      let caught: unknown
      try {
        encodeRecordBatchSync(records, { ...options, allocate: allocate as (byteLength: number) => Uint8Array })
      } catch (error) {
        caught = error
      }
      expect(caught, String(message)).toBeInstanceOf(EncodeError)
      expect(EncodeError.isInstance(caught)).toBe(true)
      expect(String((caught as Error).message)).toMatch(message)
    }
    // A Buffer is a Uint8Array: accepted, and the bytes are the same as without allocate.
    const viaBuffer = encodeRecordBatchSync(records, { ...options, allocate: (byteLength) => Buffer.alloc(byteLength) })
    expect(Buffer.from(viaBuffer).equals(Buffer.from(encodeRecordBatchSync(records, options)))).toBe(true)
  })
})
