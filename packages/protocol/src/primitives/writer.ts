import { EncodeError } from '../errors/encode-error.js'
import { utf8Length, writeUtf8 } from './utf8.js'
import { uuidToBytes } from './uuid.js'

const INT32_MAX = 0x7fffffff
const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n

/** Options of a `Writer`. */
export interface WriterOptions {
  /**
   * Byte fields (`bytes`, `compactBytes`, `raw`) of at least this many bytes are not copied: the
   * writer keeps a reference to the caller's array and `finishChunks()` returns it as a chunk of
   * its own, to be written to the socket as is (a Produce request's frozen record batches). The
   * caller must leave such arrays unchanged until the chunks are written. Default: never (copy all).
   */
  referenceMinBytes?: number
}

/** A byte array kept by reference: written after the first `at` bytes of the writer's own buffer. */
interface Reference {
  at: number
  bytes: Uint8Array
}

/**
 * Writes Kafka wire primitives into one growing buffer. Each write checks capacity once and
 * writes in place; the buffer doubles when full, so a message costs O(log n) allocations, not
 * one per field. `finish()` returns a view of the bytes written (no copy).
 *
 * With `referenceMinBytes`, large byte fields stay in the caller's arrays (see `WriterOptions`):
 * `offset` then counts only the writer's own buffer, `length` the whole message.
 */
export class Writer {
  private buffer: Uint8Array
  private view: DataView
  /** Number of bytes written so far into the writer's own buffer; also the position of the next write there. */
  offset = 0
  private readonly referenceMinBytes: number
  private references: Reference[] | null = null
  private referencedBytes = 0
  /** Open tagged fields: their sizes are filled in afterwards from the writer's own bytes, so everything in them is copied. */
  private taggedDepth = 0

  constructor(initialCapacity = 1024, options: WriterOptions = {}) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity))
    this.view = new DataView(this.buffer.buffer)
    this.referenceMinBytes = options.referenceMinBytes ?? Number.POSITIVE_INFINITY
  }

  /** Bytes of the whole message so far: the writer's own plus those kept by reference. */
  get length(): number {
    return this.offset + this.referencedBytes
  }

  /** Makes room for `size` more bytes. */
  ensure(size: number): void {
    const needed = this.offset + size
    if (needed <= this.buffer.length) return
    let capacity = this.buffer.length * 2
    while (capacity < needed) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.buffer.subarray(0, this.offset))
    this.buffer = grown
    this.view = new DataView(grown.buffer)
  }

  /**
   * The bytes written so far (a view that stays valid until the next write). With byte fields
   * kept by reference, a new array with everything copied together; `finishChunks` avoids that.
   */
  finish(): Uint8Array {
    if (this.references === null) return this.buffer.subarray(0, this.offset)
    const chunks = this.finishChunks()
    const whole = new Uint8Array(this.length)
    let position = 0
    for (const chunk of chunks) {
      whole.set(chunk, position)
      position += chunk.length
    }
    return whole
  }

  /**
   * The message as consecutive chunks, to be written in this order: views of the writer's own
   * buffer (valid until the next write) and the caller's arrays kept by reference. One chunk when
   * nothing was kept by reference.
   */
  finishChunks(): Uint8Array[] {
    const references = this.references
    if (references === null) return [this.buffer.subarray(0, this.offset)]
    const chunks: Uint8Array[] = []
    let from = 0
    for (const { at, bytes } of references) {
      if (at > from) chunks.push(this.buffer.subarray(from, at))
      chunks.push(bytes)
      from = at
    }
    if (this.offset > from) chunks.push(this.buffer.subarray(from, this.offset))
    return chunks
  }

  /** The writer's own bytes so far, without those kept by reference (a view: valid until the next write). */
  ownBytes(): Uint8Array {
    return this.buffer.subarray(0, this.offset)
  }

  /** Until the matching `endTagged`: copy every byte field (a tagged field's size is patched into the own buffer). */
  beginTagged(): void {
    this.taggedDepth++
  }

  endTagged(): void {
    this.taggedDepth--
  }

  /** Forgets what was written, keeping the buffer for reuse. */
  reset(): void {
    this.offset = 0
    this.references = null
    this.referencedBytes = 0
    this.taggedDepth = 0
  }

  int8(value: number): void {
    if (value !== (value << 24) >> 24) throw rangeError('int8', value)
    this.ensure(1)
    this.buffer[this.offset++] = value & 0xff
  }

  bool(value: boolean): void {
    this.ensure(1)
    this.buffer[this.offset++] = value ? 1 : 0
  }

  int16(value: number): void {
    if (value !== (value << 16) >> 16) throw rangeError('int16', value)
    this.ensure(2)
    this.view.setInt16(this.offset, value)
    this.offset += 2
  }

  uint16(value: number): void {
    if (value !== (value & 0xffff)) throw rangeError('uint16', value)
    this.ensure(2)
    this.view.setUint16(this.offset, value)
    this.offset += 2
  }

  int32(value: number): void {
    if (value !== (value | 0)) throw rangeError('int32', value)
    this.ensure(4)
    this.view.setInt32(this.offset, value)
    this.offset += 4
  }

  uint32(value: number): void {
    if (value !== value >>> 0) throw rangeError('uint32', value)
    this.ensure(4)
    this.view.setUint32(this.offset, value)
    this.offset += 4
  }

  int64(value: bigint): void {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw rangeError('int64', value)
    this.ensure(8)
    this.view.setBigInt64(this.offset, value)
    this.offset += 8
  }

  float64(value: number): void {
    this.ensure(8)
    this.view.setFloat64(this.offset, value)
    this.offset += 8
  }

  uuid(value: string): void {
    this.ensure(16)
    uuidToBytes(value, this.buffer, this.offset)
    this.offset += 16
  }

  /** Unsigned varint (7 bits a byte, least significant first), 0 .. 2^32-1. */
  uvarint(value: number): void {
    if (value < 0 || value > 0xffffffff || !Number.isInteger(value)) throw rangeError('unsigned varint', value)
    this.ensure(5)
    let remaining = value >>> 0
    while (remaining > 0x7f) {
      this.buffer[this.offset++] = (remaining & 0x7f) | 0x80
      remaining >>>= 7
    }
    this.buffer[this.offset++] = remaining
  }

  /** Zigzag varint (record batches), -2^31 .. 2^31-1. */
  varint(value: number): void {
    if (value !== (value | 0)) throw rangeError('varint', value)
    this.uvarint(((value << 1) ^ (value >> 31)) >>> 0)
  }

  /**
   * Zigzag varlong for a `number` (record batches: timestamp deltas) when the zigzag value stays a
   * safe integer: -2^52 .. 2^52-1. Wider values go through `varlong`.
   */
  varlongNumber(value: number): void {
    if (!Number.isInteger(value)) throw rangeError('varlong', value)
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1
    if (zigzag > Number.MAX_SAFE_INTEGER) throw rangeError('varlong (as a number)', value)
    this.ensure(10)
    while (zigzag > 0x7f) {
      this.buffer[this.offset++] = (zigzag % 128) | 0x80
      zigzag = Math.floor(zigzag / 128)
    }
    this.buffer[this.offset++] = zigzag
  }

  /** Zigzag varlong, full int64 range. */
  varlong(value: bigint): void {
    if (value < INT64_MIN || value > INT64_MAX) throw rangeError('varlong', value)
    let zigzag = value >= 0n ? value << 1n : ((-value) << 1n) - 1n
    this.ensure(10)
    while (zigzag > 0x7fn) {
      this.buffer[this.offset++] = Number(zigzag & 0x7fn) | 0x80
      zigzag >>= 7n
    }
    this.buffer[this.offset++] = Number(zigzag)
  }

  /** Classic string: int16 length (-1 = null) + UTF-8. */
  string(value: string | null): void {
    if (value === null) {
      this.int16(-1)
      return
    }
    const length = utf8Length(value)
    if (length > 0x7fff) throw new EncodeError(`string of ${length} bytes is longer than an int16 length allows`)
    this.ensure(2 + length)
    this.view.setInt16(this.offset, length)
    this.offset += 2
    this.offset += writeUtf8(this.buffer, this.offset, value)
  }

  /** Compact string: uvarint (length + 1) (0 = null) + UTF-8. */
  compactString(value: string | null): void {
    if (value === null) {
      this.uvarint(0)
      return
    }
    const length = utf8Length(value)
    this.uvarint(length + 1)
    this.ensure(length)
    this.offset += writeUtf8(this.buffer, this.offset, value)
  }

  /** Classic bytes: int32 length (-1 = null) + bytes. */
  bytes(value: Uint8Array | null): void {
    if (value === null) {
      this.int32(-1)
      return
    }
    this.int32(value.length)
    this.raw(value)
  }

  /** Compact bytes: uvarint (length + 1) (0 = null) + bytes. */
  compactBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.uvarint(0)
      return
    }
    this.uvarint(value.length + 1)
    this.raw(value)
  }

  /** Classic array length: int32 count (-1 = null). */
  arrayLength(count: number | null): void {
    this.int32(count === null ? -1 : count)
  }

  /** Compact array length: uvarint (count + 1) (0 = null). */
  compactArrayLength(count: number | null): void {
    if (count !== null && count >= INT32_MAX) throw rangeError('array length', count)
    this.uvarint(count === null ? 0 : count + 1)
  }

  /** Copies `value` as is (or, from `referenceMinBytes`, keeps a reference to it). */
  raw(value: Uint8Array): void {
    if (value.length >= this.referenceMinBytes && this.taggedDepth === 0) {
      // Kept in place: its position among the writer's own bytes is enough to put it back in order.
      ;(this.references ??= []).push({ at: this.offset, bytes: value })
      this.referencedBytes += value.length
      return
    }
    this.ensure(value.length)
    this.buffer.set(value, this.offset)
    this.offset += value.length
  }

  /** Writes a placeholder int32 and returns its position, for sizes known only afterwards. */
  reserveInt32(): number {
    this.ensure(4)
    const position = this.offset
    this.offset += 4
    return position
  }

  /** Overwrites an int32 at `position` (a value from `reserveInt32`). */
  setInt32(position: number, value: number): void {
    this.view.setInt32(position, value)
  }
}

function rangeError(type: string, value: unknown): EncodeError {
  return new EncodeError(`value ${String(value)} does not fit the wire type ${type}`)
}
