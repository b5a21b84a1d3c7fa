import { snappyCompressor, snappyUncompressor } from 'hysnappy'
import { CompressionError } from './compression-error.js'

/**
 * Snappy as Kafka uses it: snappy-java's *xerial* stream framing (what SnappyOutputStream writes),
 * not the official Snappy framing format. Layout:
 *
 *   header  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00 | int32 BE version (1) | int32 BE compatible version (1)
 *   blocks  int32 BE compressed length | raw Snappy block (its own varint length preamble), repeated
 *
 * snappy-java compresses 32 KiB of input per block. Reading also accepts plain raw Snappy
 * (no header), which some non-Java producers write.
 *
 * The raw Snappy block codec is `hysnappy` (WebAssembly embedded in its JS, instantiated
 * synchronously on first use; runs anywhere WebAssembly does).
 */

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]
const XERIAL_HEADER_SIZE = 16
const XERIAL_BLOCK_SIZE = 32 * 1024

type Compressor = (input: Uint8Array) => Uint8Array
type Uncompressor = (input: Uint8Array, outputLength: number) => Uint8Array

let compressor: Compressor | undefined
let uncompressor: Uncompressor | undefined

/** Raw Snappy compression of one block (hysnappy). */
function compressRaw(data: Uint8Array): Uint8Array {
  compressor ??= snappyCompressor()
  return compressor(data)
}

/** Compresses `data` in snappy-java's xerial framing. */
export function snappyCompressXerial(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = []
  let total = XERIAL_HEADER_SIZE
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_SIZE) {
    const block = compressRaw(data.subarray(start, Math.min(data.length, start + XERIAL_BLOCK_SIZE)))
    blocks.push(block)
    total += 4 + block.length
  }
  const out = new Uint8Array(total)
  out.set(XERIAL_MAGIC)
  const view = new DataView(out.buffer)
  view.setInt32(8, 1)
  view.setInt32(12, 1)
  let position = XERIAL_HEADER_SIZE
  for (const block of blocks) {
    view.setInt32(position, block.length)
    out.set(block, position + 4)
    position += 4 + block.length
  }
  return out
}

/** True when `data` starts with snappy-java's xerial stream header magic. */
export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < XERIAL_MAGIC.length) return false
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false
  return true
}

/** Decompresses xerial-framed or raw Snappy, producing at most `outputMaxBytes` bytes. */
export function snappyDecompress(data: Uint8Array, outputMaxBytes: number): Uint8Array {
  if (!isXerialSnappy(data)) return decompressRaw(data, 0, data.length, outputMaxBytes)
  if (data.length < XERIAL_HEADER_SIZE) throw corrupt('truncated xerial header')
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  // first pass: block boundaries and decompressed sizes, so the output is allocated once
  const blocks: number[] = []
  let total = 0
  for (let position = XERIAL_HEADER_SIZE; position < data.length; ) {
    if (data.length - position < 4) throw corrupt('truncated xerial block length')
    const length = view.getInt32(position)
    if (length < 0 || length > data.length - position - 4) throw corrupt(`xerial block length ${length} exceeds the data`)
    const size = rawLength(data, position + 4, position + 4 + length)
    if (size > outputMaxBytes - total) throw limit(outputMaxBytes)
    total += size
    blocks.push(position + 4, length, size)
    position += 4 + length
  }
  if (blocks.length === 3) return decompressRaw(data, blocks[0] as number, (blocks[0] as number) + (blocks[1] as number), outputMaxBytes)
  const out = new Uint8Array(total)
  let op = 0
  for (let i = 0; i < blocks.length; i += 3) {
    const start = blocks[i] as number
    const block = decompressRaw(data, start, start + (blocks[i + 1] as number), outputMaxBytes)
    out.set(block, op)
    op += block.length
  }
  return out
}

/** The uncompressed length from a raw Snappy block's varint preamble (checked, at most 2^32-1). */
function rawLength(data: Uint8Array, start: number, end: number): number {
  let result = 0
  for (let i = 0; i < 5; i++) {
    if (start + i >= end) throw corrupt('truncated snappy length preamble')
    const byte = data[start + i] as number
    result += (byte & 0x7f) * 2 ** (7 * i)
    if (byte < 0x80) return result
  }
  throw corrupt('snappy length preamble longer than 5 bytes')
}

function decompressRaw(data: Uint8Array, start: number, end: number, outputMaxBytes: number): Uint8Array {
  const size = rawLength(data, start, end)
  if (size > outputMaxBytes) throw limit(outputMaxBytes)
  // a raw Snappy block expands at most ~64x (a 2-byte copy element yields at most 64 bytes)
  if (size > (end - start) * 64 + 64) throw corrupt(`declared length ${size} is impossible for ${end - start} compressed bytes`)
  uncompressor ??= snappyUncompressor()
  try {
    return uncompressor(data.subarray(start, end), size)
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : String(error), error)
  }
}

function corrupt(message: string, cause?: unknown): CompressionError {
  return new CompressionError('snappy', 'corrupt', message, { cause })
}

function limit(outputMaxBytes: number): CompressionError {
  return new CompressionError('snappy', 'limit', `decompressed size exceeds the limit of ${outputMaxBytes} bytes`)
}
