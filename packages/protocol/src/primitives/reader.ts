import { DecodeError } from '../errors/decode-error.js'
import { readUtf8 } from './utf8.js'
import { uuidFromBytes } from './uuid.js'

/**
 * Reads Kafka wire primitives from a `Uint8Array`. Every read checks bounds first and fails with
 * a `DecodeError` (never a RangeError); every length read from the wire is checked against the
 * bytes that remain before anything is allocated from it. Bytes come back as views (no copy).
 */
export class Reader {
  readonly buffer: Uint8Array
  private readonly view: DataView
  /** Position of the next read. */
  offset: number
  /** End of the readable range (exclusive). */
  readonly end: number

  constructor(buffer: Uint8Array, offset = 0, end = buffer.length) {
    if (offset < 0 || end > buffer.length || offset > end) {
      throw new DecodeError(`invalid reader range [${offset}, ${end}) of ${buffer.length} bytes`, offset)
    }
    this.buffer = buffer
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    this.offset = offset
    this.end = end
  }

  get remaining(): number {
    return this.end - this.offset
  }

  /** Throws unless `size` more bytes can be read. */
  need(size: number, what: string): void {
    if (size > this.end - this.offset || size < 0) {
      throw new DecodeError(`${what} needs ${size} bytes but ${this.end - this.offset} remain`, this.offset)
    }
  }

  skip(size: number): void {
    this.need(size, 'skip')
    this.offset += size
  }

  int8(): number {
    this.need(1, 'int8')
    return this.view.getInt8(this.offset++)
  }

  bool(): boolean {
    this.need(1, 'bool')
    return this.buffer[this.offset++] !== 0
  }

  int16(): number {
    this.need(2, 'int16')
    const value = this.view.getInt16(this.offset)
    this.offset += 2
    return value
  }

  uint16(): number {
    this.need(2, 'uint16')
    const value = this.view.getUint16(this.offset)
    this.offset += 2
    return value
  }

  int32(): number {
    this.need(4, 'int32')
    const value = this.view.getInt32(this.offset)
    this.offset += 4
    return value
  }

  uint32(): number {
    this.need(4, 'uint32')
    const value = this.view.getUint32(this.offset)
    this.offset += 4
    return value
  }

  int64(): bigint {
    this.need(8, 'int64')
    const value = this.view.getBigInt64(this.offset)
    this.offset += 8
    return value
  }

  float64(): number {
    this.need(8, 'float64')
    const value = this.view.getFloat64(this.offset)
    this.offset += 8
    return value
  }

  uuid(): string {
    this.need(16, 'uuid')
    const value = uuidFromBytes(this.buffer, this.offset)
    this.offset += 16
    return value
  }

  /** Unsigned varint, at most 5 bytes, 0 .. 2^32-1. */
  uvarint(): number {
    let result = 0
    let shift = 0
    const start = this.offset
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varint', start)
      const byte = this.buffer[this.offset++] as number
      if (i === 4 && byte > 0x0f) throw new DecodeError('varint does not fit 32 bits', start)
      result += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return result
      shift += 7
    }
    throw new DecodeError('varint longer than 5 bytes', start)
  }

  /** Zigzag varint (record batches). */
  varint(): number {
    const zigzag = this.uvarint()
    return (zigzag >>> 1) ^ -(zigzag & 1)
  }

  /** Zigzag varlong as a `number`, for values in -2^52 .. 2^52-1; beyond that a DecodeError (use `varlong`). */
  varlongNumber(): number {
    let zigzag = 0
    let multiplier = 1
    const start = this.offset
    for (let i = 0; i < 8; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varlong', start)
      const byte = this.buffer[this.offset++] as number
      zigzag += (byte & 0x7f) * multiplier
      if (byte < 0x80) {
        // zigzag fits 56 bits here; beyond 2^53 it is not exact
        if (zigzag > Number.MAX_SAFE_INTEGER) throw new DecodeError('varlong beyond 2^53', start)
        return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
      }
      multiplier *= 128
    }
    throw new DecodeError('varlong beyond 2^53', start)
  }

  /** Zigzag varlong, full int64 range, at most 10 bytes. */
  varlong(): bigint {
    let zigzag = 0n
    let shift = 0n
    const start = this.offset
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varlong', start)
      const byte = this.buffer[this.offset++] as number
      zigzag |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) {
        if (i === 9 && byte > 1) throw new DecodeError('varlong does not fit 64 bits', start)
        return (zigzag & 1n) === 0n ? zigzag >> 1n : -((zigzag + 1n) >> 1n)
      }
      shift += 7n
    }
    throw new DecodeError('varlong longer than 10 bytes', start)
  }

  /** Classic nullable string: int16 length (-1 = null). */
  string(): string | null {
    const length = this.int16()
    if (length < 0) {
      if (length === -1) return null
      throw new DecodeError(`invalid string length ${length}`, this.offset - 2)
    }
    return this.utf8(length)
  }

  /** Compact nullable string: uvarint (length + 1) (0 = null). */
  compactString(): string | null {
    const lengthPlusOne = this.uvarint()
    if (lengthPlusOne === 0) return null
    return this.utf8(lengthPlusOne - 1)
  }

  /** Classic nullable bytes: int32 length (-1 = null). A view into the input. */
  bytes(): Uint8Array | null {
    const length = this.int32()
    if (length < 0) {
      if (length === -1) return null
      throw new DecodeError(`invalid bytes length ${length}`, this.offset - 4)
    }
    return this.slice(length)
  }

  /** Compact nullable bytes: uvarint (length + 1) (0 = null). A view into the input. */
  compactBytes(): Uint8Array | null {
    const lengthPlusOne = this.uvarint()
    if (lengthPlusOne === 0) return null
    return this.slice(lengthPlusOne - 1)
  }

  /**
   * Classic array length: int32 count, -1 for null. A count that could not fit in the remaining
   * bytes (each element takes at least one) fails here, before any array is sized from it.
   */
  arrayLength(): number {
    const count = this.int32()
    if (count < -1) throw new DecodeError(`invalid array length ${count}`, this.offset - 4)
    if (count > this.end - this.offset) {
      throw new DecodeError(`array of ${count} elements cannot fit in ${this.end - this.offset} bytes`, this.offset - 4)
    }
    return count
  }

  /** Compact array length: uvarint (count + 1); -1 for null. Checked like `arrayLength`. */
  compactArrayLength(): number {
    const start = this.offset
    const count = this.uvarint() - 1
    if (count > this.end - this.offset) {
      throw new DecodeError(`array of ${count} elements cannot fit in ${this.end - this.offset} bytes`, start)
    }
    return count
  }

  /** `size` raw bytes, as a view into the input. */
  raw(size: number): Uint8Array {
    return this.slice(size)
  }

  /** Skips a whole tagged-field section (all tags unknown). */
  skipTaggedFields(): void {
    const count = this.uvarint()
    for (let i = 0; i < count; i++) {
      this.uvarint()
      this.skip(this.uvarint())
    }
  }

  private utf8(length: number): string {
    this.need(length, 'string')
    const start = this.offset
    this.offset += length
    return readUtf8(this.buffer, start, this.offset)
  }

  private slice(length: number): Uint8Array {
    this.need(length, 'bytes')
    const start = this.offset
    this.offset += length
    return this.buffer.subarray(start, this.offset)
  }
}
