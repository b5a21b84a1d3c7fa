/**
 * The LZ4 block format in pure JS (compression: greedy single-probe hash matching with LZ4's
 * "acceleration" skip, like LZ4_compress_fast; decompression: bounds-checked sequence copy).
 * The frame format around it lives in lz4.ts.
 */

const MIN_MATCH = 4
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5
/** A match may not start within the last 12 bytes of a block. */
const MF_LIMIT = 12
const MAX_OFFSET = 65535
const HASH_LOG = 14
/** Positions (+1; 0 = empty) of the last 4-byte sequence seen per hash, relative to the block start. */
const hashTable = /* @__PURE__ */ new Int32Array(1 << HASH_LOG)

/** Largest compressed size of `length` input bytes (LZ4_compressBound). */
export function lz4BlockBound(length: number): number {
  return length + Math.floor(length / 255) + 16
}

function read32(data: Uint8Array, i: number): number {
  return (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)
}

/**
 * Compresses `src[start, end)` as one LZ4 block into `dst` at `dstPos` (room for
 * `lz4BlockBound(end - start)` bytes required). Returns the position after the block.
 */
export function lz4CompressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstPos: number): number {
  const table = hashTable
  table.fill(0)
  let anchor = start
  let p = start
  let d = dstPos
  const matchLimit = end - LAST_LITERALS
  const mfLimit = end - MF_LIMIT
  let misses = 0
  while (p < mfLimit) {
    const sequence = read32(src, p)
    const hash = Math.imul(sequence, 0x9e3779b1) >>> (32 - HASH_LOG)
    const ref = (table[hash] as number) - 1 + start
    table[hash] = p - start + 1
    if (ref < start || p - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
      p += 1 + (misses++ >> 6)
      continue
    }
    misses = 0
    // extend backwards over bytes not yet emitted, then forwards
    let matchStart = p
    let refStart = ref
    while (matchStart > anchor && refStart > start && src[matchStart - 1] === src[refStart - 1]) {
      matchStart--
      refStart--
    }
    let q = p + MIN_MATCH
    let r = ref + MIN_MATCH
    while (q < matchLimit && src[q] === src[r]) {
      q++
      r++
    }
    d = writeSequence(src, anchor, matchStart - anchor, dst, d, matchStart - refStart, q - matchStart)
    p = q
    anchor = q
    // remember the position two bytes back too: cheap and improves the ratio
    if (p < mfLimit) {
      const back = read32(src, p - 2)
      table[Math.imul(back, 0x9e3779b1) >>> (32 - HASH_LOG)] = p - 2 - start + 1
    }
  }
  // last literals
  const literals = end - anchor
  const token = d++
  if (literals >= 15) {
    dst[token] = 0xf0
    d = writeLength(dst, d, literals - 15)
  } else {
    dst[token] = literals << 4
  }
  copyBytes(src, anchor, literals, dst, d)
  d += literals
  return d
}

function writeSequence(
  src: Uint8Array,
  literalStart: number,
  literals: number,
  dst: Uint8Array,
  d: number,
  offset: number,
  matchLength: number,
): number {
  const token = d++
  let tokenValue: number
  if (literals >= 15) {
    tokenValue = 0xf0
    d = writeLength(dst, d, literals - 15)
  } else {
    tokenValue = literals << 4
  }
  copyBytes(src, literalStart, literals, dst, d)
  d += literals
  dst[d++] = offset & 0xff
  dst[d++] = offset >>> 8
  const extra = matchLength - MIN_MATCH
  if (extra >= 15) {
    tokenValue |= 15
    d = writeLength(dst, d, extra - 15)
  } else {
    tokenValue |= extra
  }
  dst[token] = tokenValue
  return d
}

function writeLength(dst: Uint8Array, d: number, length: number): number {
  while (length >= 255) {
    dst[d++] = 255
    length -= 255
  }
  dst[d++] = length
  return d
}

function copyBytes(src: Uint8Array, from: number, length: number, dst: Uint8Array, to: number): void {
  if (length < 32) {
    for (let i = 0; i < length; i++) dst[to + i] = src[from + i] as number
  } else {
    dst.set(src.subarray(from, from + length), to)
  }
}

/** Result of `lz4DecompressBlock` when the output would pass `dstEnd`. */
export const LZ4_OUTPUT_OVERFLOW = -1
/** Result of `lz4DecompressBlock` when the block is malformed. */
export const LZ4_MALFORMED = -2

/**
 * Decompresses the LZ4 block `src[start, end)` into `dst` from `dstPos`, writing nothing at or
 * past `dstEnd`. Matches may reach back to `dstBase` (earlier blocks of a linked frame). Returns
 * the position after the output, `LZ4_OUTPUT_OVERFLOW`, or `LZ4_MALFORMED`. Never reads or writes
 * out of bounds, whatever the input.
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstPos: number,
  dstBase: number,
  dstEnd: number,
): number {
  let ip = start
  let op = dstPos
  for (;;) {
    if (ip >= end) return LZ4_MALFORMED
    const token = src[ip++] as number
    let literals = token >>> 4
    if (literals === 15) {
      let byte: number
      do {
        if (ip >= end) return LZ4_MALFORMED
        byte = src[ip++] as number
        literals += byte
      } while (byte === 255)
    }
    if (literals > 0) {
      if (literals > end - ip) return LZ4_MALFORMED
      if (literals > dstEnd - op) return LZ4_OUTPUT_OVERFLOW
      if (literals < 16) {
        for (let i = 0; i < literals; i++) dst[op + i] = src[ip + i] as number
      } else {
        dst.set(src.subarray(ip, ip + literals), op)
      }
      ip += literals
      op += literals
    }
    if (ip === end) return op
    if (end - ip < 2) return LZ4_MALFORMED
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8)
    ip += 2
    if (offset === 0 || offset > op - dstBase) return LZ4_MALFORMED
    let length = (token & 15) + MIN_MATCH
    if ((token & 15) === 15) {
      let byte: number
      do {
        if (ip >= end) return LZ4_MALFORMED
        byte = src[ip++] as number
        length += byte
      } while (byte === 255)
    }
    if (length > dstEnd - op) return LZ4_OUTPUT_OVERFLOW
    let from = op - offset
    if (offset >= length && length >= 32) {
      dst.copyWithin(op, from, from + length)
      op += length
    } else {
      const stop = op + length
      while (op < stop) dst[op++] = dst[from++] as number
    }
  }
}
