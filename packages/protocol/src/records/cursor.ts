import { DecodeError } from '../errors/decode-error.js'

/**
 * Hot-path readers for record bodies: plain functions over a module-level cursor instead of a
 * Reader object, so reading a record costs no allocation beyond its key/value views. Every read
 * is bounds-checked against the `end` passed in and fails with a DecodeError.
 * Decoding is synchronous, so the shared cursor is never used by two decodes at once.
 */
export const cursor = { position: 0 }

export function readUvarint(data: Uint8Array, end: number): number {
  let p = cursor.position
  const start = p
  if (p >= end) throw new DecodeError('truncated varint', start)
  let byte = data[p++] as number
  if (byte < 0x80) {
    cursor.position = p
    return byte
  }
  let result = byte & 0x7f
  for (let shift = 7; shift < 35; shift += 7) {
    if (p >= end) throw new DecodeError('truncated varint', start)
    byte = data[p++] as number
    if (shift === 28 && byte > 0x0f) throw new DecodeError('varint does not fit 32 bits', start)
    result |= (byte & 0x7f) << shift
    if (byte < 0x80) {
      cursor.position = p
      return result >>> 0
    }
  }
  throw new DecodeError('varint longer than 5 bytes', start)
}

/** Zigzag varint (int32). */
export function readVarint(data: Uint8Array, end: number): number {
  const zigzag = readUvarint(data, end)
  return (zigzag >>> 1) ^ -(zigzag & 1)
}

/** Zigzag varlong as a number; a DecodeError beyond ±2^53. */
export function readVarlongNumber(data: Uint8Array, end: number): number {
  let p = cursor.position
  const start = p
  let zigzag = 0
  let multiplier = 1
  for (let i = 0; i < 8; i++) {
    if (p >= end) throw new DecodeError('truncated varlong', start)
    const byte = data[p++] as number
    zigzag += (byte & 0x7f) * multiplier
    if (byte < 0x80) {
      if (zigzag > Number.MAX_SAFE_INTEGER) break
      cursor.position = p
      return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
    }
    multiplier *= 128
  }
  throw new DecodeError('varlong beyond 2^53', start)
}

/**
 * Zigzag varint (or, with `long`, varlong as a number) at `p`, before `end`; leaves the position
 * after it in `cursor.position`. Any width; one- and two-byte values are decoded here without the
 * shared cursor's generic readers. The record loop of decode.ts decodes those two widths itself
 * (V8 does not always inline this function there) and calls it for longer ones.
 */
export function readZigzagAt(data: Uint8Array, p: number, end: number, long: boolean): number {
  const b0 = p < end ? (data[p] as number) : 0x80
  if (b0 < 0x80) {
    cursor.position = p + 1
    return (b0 >>> 1) ^ -(b0 & 1)
  }
  const b1 = p + 1 < end ? (data[p + 1] as number) : 0x80
  if (b1 < 0x80) {
    cursor.position = p + 2
    const zigzag = (b0 & 0x7f) | (b1 << 7)
    return (zigzag >>> 1) ^ -(zigzag & 1)
  }
  cursor.position = p
  return long ? readVarlongNumber(data, end) : readVarint(data, end)
}
