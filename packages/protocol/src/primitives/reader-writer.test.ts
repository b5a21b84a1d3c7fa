import { describe, expect, it } from 'vitest'
import { DecodeError } from '../errors/decode-error.js'
import { EncodeError } from '../errors/encode-error.js'
import { Reader } from './reader.js'
import { Writer } from './writer.js'
import { beginTaggedField, endTaggedField } from './codec-helpers.js'
import { ProduceApi } from '../generated/produce.js'

function bytesOf(write: (writer: Writer) => void): number[] {
  const writer = new Writer(16)
  write(writer)
  return [...writer.finish()]
}

describe('Writer and Reader', () => {
  it('writes fixed-width integers big-endian', () => {
    expect(bytesOf((w) => w.int16(-2))).toEqual([0xff, 0xfe])
    expect(bytesOf((w) => w.int32(0x01020304))).toEqual([1, 2, 3, 4])
    expect(bytesOf((w) => w.uint32(0xfffffffe))).toEqual([0xff, 0xff, 0xff, 0xfe])
    expect(bytesOf((w) => w.int64(-1n))).toEqual(new Array(8).fill(0xff))
    expect(bytesOf((w) => w.float64(1))).toEqual([0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
  })

  it('encodes unsigned and zigzag varints as protobuf does', () => {
    expect(bytesOf((w) => w.uvarint(0))).toEqual([0])
    expect(bytesOf((w) => w.uvarint(127))).toEqual([0x7f])
    expect(bytesOf((w) => w.uvarint(128))).toEqual([0x80, 0x01])
    expect(bytesOf((w) => w.uvarint(300))).toEqual([0xac, 0x02])
    expect(bytesOf((w) => w.uvarint(0xffffffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
    expect(bytesOf((w) => w.varint(-1))).toEqual([0x01])
    expect(bytesOf((w) => w.varint(1))).toEqual([0x02])
    expect(bytesOf((w) => w.varint(-64))).toEqual([0x7f])
    expect(bytesOf((w) => w.varint(-2147483648))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
    expect(bytesOf((w) => w.varlong(-9223372036854775808n))).toEqual([...new Array(9).fill(0xff), 0x01])
  })

  it('round-trips every varint and varlong edge', () => {
    const ints = [0, 1, -1, 63, -64, 64, 8191, -8192, 2 ** 20, -(2 ** 27), 2147483647, -2147483648]
    const longs = [0n, -1n, 1n, 2n ** 53n, -(2n ** 53n), 9223372036854775807n, -9223372036854775808n]
    const safe = [0, -1, 2 ** 40, -(2 ** 40), 2 ** 52 - 1, -(2 ** 52)]
    const writer = new Writer(8)
    for (const value of ints) writer.varint(value)
    for (const value of longs) writer.varlong(value)
    for (const value of safe) writer.varlongNumber(value)
    const reader = new Reader(writer.finish())
    expect(ints.map(() => reader.varint())).toEqual(ints)
    expect(longs.map(() => reader.varlong())).toEqual(longs)
    expect(safe.map(() => reader.varlongNumber())).toEqual(safe)
    expect(reader.remaining).toBe(0)
  })

  it('codes classic and compact strings, bytes and arrays with their null forms', () => {
    const writer = new Writer(4)
    writer.string('héllo 🌍')
    writer.string(null)
    writer.compactString('x'.repeat(200))
    writer.compactString(null)
    writer.bytes(new Uint8Array([1, 2]))
    writer.bytes(null)
    writer.compactBytes(new Uint8Array([]))
    writer.compactBytes(null)
    writer.arrayLength(null)
    writer.compactArrayLength(3)
    const reader = new Reader(writer.finish())
    expect(reader.string()).toBe('héllo 🌍')
    expect(reader.string()).toBeNull()
    expect(reader.compactString()).toBe('x'.repeat(200))
    expect(reader.compactString()).toBeNull()
    expect([...reader.bytes()!]).toEqual([1, 2])
    expect(reader.bytes()).toBeNull()
    expect([...reader.compactBytes()!]).toEqual([])
    expect(reader.compactBytes()).toBeNull()
    expect(reader.arrayLength()).toBe(-1)
    expect(() => reader.compactArrayLength()).toThrow(DecodeError) // 3 elements, 0 bytes left
  })

  it('writes lone surrogates as U+FFFD like TextEncoder', () => {
    for (const text of ['a\ud800b', '\udc00', 'x'.repeat(60) + '\ud83d']) {
      const writer = new Writer()
      writer.string(text)
      expect([...writer.finish().subarray(2)]).toEqual([...new TextEncoder().encode(text)])
    }
  })

  it('refuses values that do not fit their wire type', () => {
    const writer = new Writer()
    expect(() => writer.int8(128)).toThrow(EncodeError)
    expect(() => writer.int16(40000)).toThrow(EncodeError)
    expect(() => writer.int32(2 ** 31)).toThrow(EncodeError)
    expect(() => writer.int32(1.5)).toThrow(EncodeError)
    expect(() => writer.int64(2n ** 63n)).toThrow(EncodeError)
    expect(() => writer.uvarint(-1)).toThrow(EncodeError)
    expect(() => writer.varlongNumber(2 ** 52)).toThrow(EncodeError)
    expect(() => writer.string('x'.repeat(40000))).toThrow(EncodeError)
  })

  it('fails every read past the end with a DecodeError, never a RangeError', () => {
    const reader = new Reader(new Uint8Array([0x00]))
    for (const read of [() => reader.int16(), () => reader.int32(), () => reader.int64(), () => reader.uuid(), () => reader.float64()]) {
      expect(read).toThrow(DecodeError)
    }
    expect(() => new Reader(new Uint8Array([0x80, 0x80])).uvarint()).toThrow(/truncated varint/)
    expect(() => new Reader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(DecodeError)
    expect(() => new Reader(new Uint8Array([0x7f, 0xff, 0xff, 0xff])).bytes()).toThrow(/needs 2147483647 bytes/)
    expect(() => new Reader(new Uint8Array([0x00, 0x10, 0x41])).string()).toThrow(DecodeError)
    expect(() => new Reader(new Uint8Array([0x7f, 0xff, 0xff, 0xff])).arrayLength()).toThrow(/cannot fit/)
    expect(() => new Reader(new Uint8Array([0xff, 0xff, 0xff, 0xfe])).arrayLength()).toThrow(/invalid array length -2/)
  })

  it('returns bytes as views of the input, without copying', () => {
    const input = new Uint8Array([0, 0, 0, 2, 7, 8])
    const value = new Reader(input).bytes()!
    expect(value.buffer).toBe(input.buffer)
    expect(value.byteOffset).toBe(4)
  })
})

describe('Writer with byte fields kept by reference (referenceMinBytes)', () => {
  const concat = (chunks: Uint8Array[]): number[] => chunks.flatMap((chunk) => [...chunk])
  const filled = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

  it('encodes every Produce version to the same bytes as the copying writer, the large batches as their own chunks', () => {
    const small = filled(100, 1)
    const large = filled(20_000, 2)
    const larger = filled(70_000, 3)
    const request = ProduceApi.createRequest({
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [
        { name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 0, records: large }, { index: 1, records: small }] },
        { name: 'b', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitionData: [{ index: 0, records: null }, { index: 2, records: larger }] },
      ],
    })
    for (let version = ProduceApi.minVersion; version <= ProduceApi.maxVersion; version++) {
      const copying = new Writer(64)
      ProduceApi.encodeRequest(copying, version, request)
      const referencing = new Writer(64, { referenceMinBytes: 8192 })
      ProduceApi.encodeRequest(referencing, version, request)
      const chunks = referencing.finishChunks()
      expect(referencing.length, `v${version}`).toBe(copying.offset)
      expect(concat(chunks), `v${version}`).toEqual([...copying.finish()])
      expect([...referencing.finish()]).toEqual([...copying.finish()])
      // the two large batches are the caller's own arrays, not copies; the small one was copied
      expect(chunks.filter((chunk) => chunk === large || chunk === larger)).toHaveLength(2)
      expect(referencing.ownBytes().length).toBeLessThan(1000)
    }
  })

  it('copies byte fields inside a tagged field (its size is patched into the own buffer) and patches sizes after a reference', () => {
    const before = filled(10_000, 4)
    const tagged = filled(9_000, 5)
    const write = (writer: Writer): void => {
      writer.int32(7)
      writer.compactBytes(before)
      const start = beginTaggedField(writer, 3)
      writer.compactBytes(tagged)
      endTaggedField(writer, start)
      writer.int16(9)
    }
    const copying = new Writer(16)
    write(copying)
    const referencing = new Writer(16, { referenceMinBytes: 4096 })
    write(referencing)
    const chunks = referencing.finishChunks()
    expect(concat(chunks)).toEqual([...copying.finish()])
    expect(chunks.filter((chunk) => chunk === before)).toHaveLength(1)
    expect(chunks.filter((chunk) => chunk === tagged)).toHaveLength(0)
  })

  it('is one chunk, the plain buffer, when nothing reaches the threshold', () => {
    const writer = new Writer(16, { referenceMinBytes: 4096 })
    writer.bytes(filled(4095, 6))
    const chunks = writer.finishChunks()
    expect(chunks).toHaveLength(1)
    expect(writer.length).toBe(4099)
    expect(chunks[0]!.length).toBe(4099)
  })
})
