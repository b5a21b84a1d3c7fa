import { describe, expect, it } from 'vitest'
import type { CompressionCodec } from '../compression/codecs.js'
import { EncodeError } from '../errors/encode-error.js'
import { type RecordInput, RecordBatchBuilder, decodeRecordBatchesSync, encodeRecordBatchSync } from './index.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const NOW = 1_700_000_000_000
const HEADER = { producerId: 42n, producerEpoch: 3, baseSequence: 10 }

/** Records of every shape: keys or not, tombstones, headers (multi-byte keys, null values), timestamps before and after the first. */
function mixedRecords(count: number): RecordInput[] {
  const records: RecordInput[] = []
  for (let i = 0; i < count; i++) {
    const record: RecordInput = { key: i % 3 === 0 ? null : utf8(`key-${i}`), value: i % 7 === 6 ? null : new Uint8Array((i * 37) % 400).fill(i & 0xff) }
    if (i % 4 === 1) record.headers = [{ key: `h-${i}-é`, value: utf8('v') }, { key: 'n', value: null }]
    if (i % 5 === 2) record.timestamp = NOW - 5_000 + i
    else if (i % 5 === 3) record.timestamp = BigInt(NOW + 3_000_000 + i)
    records.push(record)
  }
  return records
}

function build(records: readonly RecordInput[], options: ConstructorParameters<typeof RecordBatchBuilder>[0] = {}): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(options)
  for (const record of records) builder.append(record, NOW)
  return builder
}

describe('RecordBatchBuilder', () => {
  it('writes a string key or value as its UTF-8 bytes: the same batch as with the bytes (both encoders)', () => {
    // ASCII, multi-byte, a surrogate pair, a lone surrogate (U+FFFD, as TextEncoder), empty, and past the 48-unit hand-written path.
    const texts = ['k-1', 'ключ', '鍵🔑', 'a\ud800b', '', 'é'.repeat(49), 'v'.repeat(700)]
    const asStrings: RecordInput[] = texts.map((text, i) => ({ key: text, value: i % 2 === 0 ? texts[(i + 1) % texts.length]! : null }))
    const asBytes: RecordInput[] = asStrings.map((record) => ({ key: utf8(record.key as string), value: record.value === null ? null : utf8(record.value as string) }))
    const expected = Buffer.from(encodeRecordBatchSync(asBytes, { ...HEADER, now: NOW })).toString('hex')
    expect(Buffer.from(encodeRecordBatchSync(asStrings, { ...HEADER, now: NOW })).toString('hex')).toBe(expected)
    expect(Buffer.from(build(asStrings).finish(HEADER)).toString('hex')).toBe(expected)
    // mixed in one batch: strings, bytes and null side by side
    const mixed = asStrings.map((record, i) => (i % 3 === 0 ? asBytes[i]! : record))
    expect(Buffer.from(build(mixed).finish(HEADER)).toString('hex')).toBe(expected)
    const decoded = decodeRecordBatchesSync(build(asStrings).finish(HEADER)).batches[0]!.records
    expect(decoded.map((record) => new TextDecoder().decode(record.key!))).toEqual(texts.map((text) => new TextDecoder().decode(utf8(text))))
  })

  it.each<[CompressionCodec, number]>([
    ['none', 1],
    ['none', 300],
    ['gzip', 300],
    ['lz4', 120],
    ['snappy', 120],
  ])('writes the bytes encodeRecordBatchSync writes for the same records (%s, %i records)', (compression, count) => {
    const records = mixedRecords(count)
    const expected = encodeRecordBatchSync(records, { ...HEADER, compression, isTransactional: true, now: NOW })
    const actual = build(records).finish({ ...HEADER, compression, isTransactional: true })
    expect(Buffer.from(actual).toString('hex')).toBe(Buffer.from(expected).toString('hex'))
    const [batch] = decodeRecordBatchesSync(actual).batches
    expect(batch!.records).toHaveLength(count)
  })

  it('grows by doubling from 256 bytes, copies what it wrote, and gives outgrown memory back', () => {
    const asked: number[] = []
    const released: number[] = []
    const records = mixedRecords(200)
    const builder = build(records, {
      allocate: (byteLength) => {
        asked.push(byteLength)
        return new Uint8Array(byteLength).fill(0xee)
      },
      release: (bytes) => void released.push(bytes.length),
    })
    expect(asked[0]).toBe(256)
    for (let i = 1; i < asked.length; i++) expect(asked[i]).toBe(asked[i - 1]! * 2)
    expect(released).toEqual(asked.slice(0, -1))
    expect(builder.byteLength).toBeLessThanOrEqual(asked[asked.length - 1]!)
    const bytes = builder.finish(HEADER)
    expect(bytes.length).toBe(builder.byteLength)
    expect(Buffer.from(bytes).equals(Buffer.from(encodeRecordBatchSync(records, { ...HEADER, now: NOW })))).toBe(true)
  })

  it('jumps to blockMaxBytes once a doubling would pass half of it; a record larger than that gets exactly its size', () => {
    const asked: number[] = []
    const allocate = (byteLength: number): Uint8Array => {
      asked.push(byteLength)
      return new Uint8Array(byteLength)
    }
    const builder = new RecordBatchBuilder({ allocate, blockMaxBytes: 5000 })
    for (let i = 0; i < 20; i++) builder.append({ value: new Uint8Array(200) }, NOW)
    // The first record (~265 bytes with the header) does not fit 256.
    expect(asked).toEqual([512, 1024, 2048, 5000])
    const big = new RecordBatchBuilder({ allocate, blockMaxBytes: 5000 })
    asked.length = 0
    big.append({ value: new Uint8Array(9000) }, NOW)
    expect(asked).toHaveLength(1)
    expect(asked[0]).toBeGreaterThanOrEqual(big.byteLength)
    expect(asked[0]).toBeLessThan(big.byteLength + 16)
  })

  it('starts at the size class of expectedBytes (or blockMaxBytes past half of it), then doubles', () => {
    const asked: number[] = []
    const allocate = (byteLength: number): Uint8Array => {
      asked.push(byteLength)
      return new Uint8Array(byteLength)
    }
    const builder = new RecordBatchBuilder({ allocate, blockMaxBytes: 100_000 }, 3000)
    for (let i = 0; i < 20; i++) builder.append({ value: new Uint8Array(200) }, NOW)
    expect(asked).toEqual([4096, 8192])
    asked.length = 0
    new RecordBatchBuilder({ allocate, blockMaxBytes: 100_000 }, 60_000).append({ value: null }, NOW)
    expect(asked).toEqual([100_000])
  })

  it('returns the compressed batch in its own array and releases its records memory', () => {
    const released: Uint8Array[] = []
    const records = mixedRecords(50)
    const builder = build(records, { release: (bytes) => void released.push(bytes) })
    const before = released.length
    const bytes = builder.finish({ compression: 'gzip' })
    expect(released).toHaveLength(before + 1)
    expect(released[before]!.buffer).not.toBe(bytes.buffer)
  })

  it('a record it cannot encode throws an EncodeError and leaves the batch as it was', () => {
    const good = mixedRecords(3)
    const builder = build(good)
    const length = builder.byteLength
    expect(() => builder.append({ value: utf8('bad'), timestamp: 2n ** 60n }, NOW)).toThrow(EncodeError)
    expect(() => builder.append({ value: utf8('bad'), timestamp: 1.5 }, NOW)).toThrow(/timestamp/)
    expect(builder.recordCount).toBe(3)
    expect(builder.byteLength).toBe(length)
    builder.append(good[0]!, NOW)
    const expected = encodeRecordBatchSync([...good, good[0]!], { now: NOW })
    expect(Buffer.from(builder.finish()).equals(Buffer.from(expected))).toBe(true)
  })

  it('refuses an empty batch, a bad header field (and can finish after it), and appends after finish', () => {
    expect(() => new RecordBatchBuilder().finish()).toThrow(/at least one record/)
    const builder = build(mixedRecords(2))
    expect(() => builder.finish({ producerEpoch: 40_000 })).toThrow(/int16/)
    const bytes = builder.finish({ producerEpoch: 1 })
    expect(decodeRecordBatchesSync(bytes).batches[0]!.producerEpoch).toBe(1)
    expect(() => builder.append({ value: null }, NOW)).toThrow(/finished/)
    expect(() => builder.finish()).toThrow(/already finished/)
  })

  describe('a wrong value from plain JavaScript gets an EncodeError naming it (never a TypeError or silent bytes)', () => {
    // Plain JavaScript callers: the types say nothing at run time.
    const loose = (value: unknown): never => value as never

    it.each<[string, unknown, RegExp]>([
      ['options null', null, /options must be an object.*null/],
      ['options a number', 5, /options must be an object.*5 \(number\)/],
      ['allocate not a function', { allocate: 'memory' }, /options\.allocate must be a function.*"memory"/],
      ['release not a function', { release: 1 }, /options\.release must be a function/],
      ['blockMaxBytes negative', { blockMaxBytes: -1 }, /options\.blockMaxBytes must be an integer >= 0.*-1 \(number\)/],
      ['blockMaxBytes a string', { blockMaxBytes: '1024' }, /options\.blockMaxBytes.*"1024" \(string\)/],
    ])('the constructor refuses %s', (_, options, message) => {
      expect(() => new RecordBatchBuilder(loose(options))).toThrow(EncodeError)
      expect(() => new RecordBatchBuilder(loose(options))).toThrow(message)
    })

    it('the constructor refuses an expectedBytes that is not a byte count', () => {
      expect(() => new RecordBatchBuilder({}, loose('4096'))).toThrow(/expectedBytes must be an integer >= 0.*"4096" \(string\)/)
      expect(() => new RecordBatchBuilder({}, Number.NaN)).toThrow(EncodeError)
      // No options at all: every default applies (a new array per allocation, no block limit).
      expect(new RecordBatchBuilder().recordCount).toBe(0)
    })

    it.each<[string, unknown, RegExp]>([
      ['a number', 42, /record must be a record object.*42 \(number\)/],
      ['null', null, /record must be a record object.*null/],
      ['a number value', { value: 42 }, /record\.value must be a Uint8Array, a string or null, got 42 \(number\)/],
      ['an object value', { value: { text: 'x' } }, /record\.value must be a Uint8Array, a string or null, got/],
      ['no value', { key: utf8('k') }, /record\.value must be a Uint8Array, a string or null, got undefined/],
      ['a number key', { key: 7, value: null }, /record\.key must be a Uint8Array, a string or null \(or undefined\), got 7 \(number\)/],
      ['headers as an object', { value: null, headers: { a: utf8('1') } }, /record\.headers must be an array/],
      ['a header without a string key', { value: null, headers: [{ key: 1, value: null }] }, /record\.headers\[0\]\.key must be a string, got 1 \(number\)/],
      ['a header with a string value', { value: null, headers: [{ key: 'a', value: 'x' }] }, /record\.headers\[0\]\.value must be a Uint8Array or null/],
      ['a null header', { value: null, headers: [null] }, /record\.headers\[0\] must be \{ key: string/],
      ['a string timestamp', { value: null, timestamp: '5' }, /record\.timestamp must be an integer.*"5" \(string\)/],
    ])('append refuses %s and leaves the batch as it was', (_, record, message) => {
      const builder = build(mixedRecords(2))
      const length = builder.byteLength
      expect(() => builder.append(loose(record), NOW)).toThrow(EncodeError)
      expect(() => builder.append(loose(record), NOW)).toThrow(message)
      expect(builder.recordCount).toBe(2)
      expect(builder.byteLength).toBe(length)
    })

    it('append refuses a `now` that is not milliseconds, only when a record needs it', () => {
      const builder = new RecordBatchBuilder()
      expect(() => builder.append({ value: null }, loose('123'))).toThrow(/now must be milliseconds.*"123" \(string\)/)
      expect(builder.append({ value: null, timestamp: 5 }, loose('123'))).toBe(5)
    })

    it('finish refuses options of the wrong kind, and can finish after it', () => {
      const builder = build(mixedRecords(2))
      expect(() => builder.finish(loose(7))).toThrow(/finish options must be an object/)
      expect(() => builder.finish(loose({ timestampType: 'Append' }))).toThrow(/timestampType must be 'CreateTime' or 'LogAppendTime'/)
      expect(() => builder.finish(loose({ isTransactional: 'yes' }))).toThrow(/isTransactional must be a boolean/)
      expect(() => builder.finish(loose({ compression: 'brotli' }))).toThrow(/unknown compression codec brotli/)
      expect(decodeRecordBatchesSync(builder.finish()).batches[0]!.records).toHaveLength(2)
    })

    it('encodeRecordBatchSync names the record by its index', () => {
      const records = [...mixedRecords(3), loose({ value: 42 })]
      expect(() => encodeRecordBatchSync(records, { now: NOW })).toThrow(EncodeError)
      expect(() => encodeRecordBatchSync(records, { now: NOW })).toThrow(/records\[3\]\.value must be a Uint8Array, a string or null, got 42 \(number\)/)
      expect(() => encodeRecordBatchSync([loose(undefined)], { now: NOW })).toThrow(/records\[0\] must be a record object/)
      expect(() => encodeRecordBatchSync([{ value: null }], { now: loose('now') })).toThrow(/options\.now must be milliseconds/)
    })
  })

  it('returns each record timestamp, the given time for a record without one', () => {
    const builder = new RecordBatchBuilder()
    expect(builder.append({ value: null }, 123)).toBe(123)
    expect(builder.append({ value: null, timestamp: 7n }, 123)).toBe(7)
    const [batch] = decodeRecordBatchesSync(builder.finish()).batches
    expect(batch!.records.map((record) => record.timestamp)).toEqual([123n, 7n])
    expect(batch!.maxTimestamp).toBe(123n)
  })
})
