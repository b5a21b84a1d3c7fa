import { CompressionError } from './compression-error.js'
import { LZ4_MALFORMED, LZ4_OUTPUT_OVERFLOW, lz4BlockBound, lz4CompressBlock, lz4DecompressBlock } from './lz4-block.js'
import { type Lz4Wasm, lz4Wasm, releaseLz4Wasm } from './lz4-wasm.js'
import { xxhash32 } from './xxhash32.js'

/**
 * The LZ4 frame format (lz4_Frame_format.md), as Kafka uses it for the `lz4` codec.
 *
 * Writing follows the Java client's KafkaLZ4BlockOutputStream: FLG 0x60 (version 01, independent
 * blocks, no block or content checksum, no content size), BD 0x40 (64 KiB blocks), the header
 * checksum byte, then blocks (a block that does not shrink is stored uncompressed, high bit of
 * its size set), then the zero end mark.
 *
 * Reading accepts any valid frame: linked or independent blocks, 64 KiB to 4 MiB block sizes,
 * block and content checksums, content size, and several concatenated frames. Magic v0 message
 * sets were written with a wrong header checksum (Kafka computed it over the magic number too,
 * KAFKA-3160), so the legacy decoder turns its verification off.
 *
 * Blocks go through the WebAssembly build of lz4-block.c when WebAssembly is available (the
 * common case), else through the pure-JS block codec in lz4-block.ts; both produce and accept
 * the same bytes.
 */

const MAGIC = 0x184d2204
const BLOCK_SIZE = 64 * 1024
const FLG_VERSION_01 = 0x40
const FLG_BLOCK_INDEPENDENCE = 0x20
const FLG_BLOCK_CHECKSUM = 0x10
const FLG_CONTENT_SIZE = 0x08
const FLG_CONTENT_CHECKSUM = 0x04
const FLG_DICTIONARY_ID = 0x01
const BD_64KB = 4 << 4
const HASH_TABLE_BYTES = 2 << 13

/** Largest frame `lz4CompressFrame` can produce for `length` input bytes. */
function frameBound(length: number): number {
  const blocks = Math.max(1, Math.ceil(length / BLOCK_SIZE))
  return 7 + blocks * 4 + lz4BlockBound(length) + blocks * 16 + 4
}

/** Compresses `data` as one LZ4 frame in Kafka's layout. */
export function lz4CompressFrame(data: Uint8Array): Uint8Array {
  const wasm = lz4Wasm()
  if (wasm === null) {
    const out = new Uint8Array(frameBound(data.length))
    const end = writeFrame(data, out, 0, (start, stop, position) => lz4CompressBlock(data, start, stop, out, position) - position)
    return out.subarray(0, end)
  }
  // wasm memory: [hash table][input][output]
  const table = wasm.heapBase
  const input = table + HASH_TABLE_BYTES
  const output = input + data.length
  wasm.reserve(output + frameBound(data.length))
  const memory = new Uint8Array(wasm.memory.buffer)
  memory.set(data, input)
  const end = writeFrame(memory.subarray(input, output), memory, output, (start, stop, position) =>
    wasm.compress(input + start, stop - start, position, table),
  )
  const result = memory.slice(output, end)
  releaseLz4Wasm()
  return result
}

/**
 * Writes the frame of `data` into `out` from `position`; `compressBlock(start, end, at)` compresses
 * `data[start, end)` to `out` at `at` and returns its size. Returns the end position.
 */
function writeFrame(data: Uint8Array, out: Uint8Array, position: number, compressBlock: (start: number, end: number, at: number) => number): number {
  writeLE32(out, position, MAGIC)
  out[position + 4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE
  out[position + 5] = BD_64KB
  out[position + 6] = (xxhash32(out, position + 4, position + 6) >>> 8) & 0xff
  let d = position + 7
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE)
    const size = compressBlock(start, end, d + 4)
    if (size >= end - start) {
      // stored: incompressible data costs no more than 4 bytes a block
      writeLE32(out, d, (end - start) | 0x80000000)
      out.set(data.subarray(start, end), d + 4)
      d += 4 + end - start
    } else {
      writeLE32(out, d, size)
      d += 4 + size
    }
  }
  writeLE32(out, d, 0)
  return d + 4
}

export interface Lz4DecompressOptions {
  /** Verify the frame descriptor's header checksum byte (default true; false for magic v0 message sets). */
  verifyHeaderChecksum?: boolean
}

/** Where decompressed bytes go: a JS array, or the WebAssembly memory. */
interface Sink {
  capacity: number
  /** Grows to `capacity` bytes, keeping `[0, used)`. */
  grow(used: number, capacity: number): void
  /**
   * Decompresses block `data[ip, ip + size)` to output position `op`, at most `room` bytes, matches
   * reaching back `history` bytes; returns the output size or LZ4_OUTPUT_OVERFLOW / LZ4_MALFORMED.
   */
  block(ip: number, size: number, op: number, room: number, history: number): number
  copy(ip: number, size: number, op: number): void
  view(start: number, end: number): Uint8Array
  result(length: number): Uint8Array
}

function jsSink(data: Uint8Array, initial: number): Sink {
  let out = new Uint8Array(initial)
  return {
    capacity: initial,
    grow(used, capacity) {
      const grown = new Uint8Array(capacity)
      grown.set(out.subarray(0, used))
      out = grown
      this.capacity = capacity
    },
    block(ip, size, op, room, history) {
      const end = lz4DecompressBlock(data, ip, ip + size, out, op, op - history, op + room)
      return end < 0 ? end : end - op
    },
    copy: (ip, size, op) => out.set(data.subarray(ip, ip + size), op),
    view: (start, end) => out.subarray(start, end),
    result: (length) => out.subarray(0, length),
  }
}

function wasmSink(wasm: Lz4Wasm, data: Uint8Array, initial: number): Sink {
  // wasm memory: [input][output, grown in place]
  const input = wasm.heapBase
  const output = input + data.length
  wasm.reserve(output + initial)
  new Uint8Array(wasm.memory.buffer).set(data, input)
  return {
    capacity: initial,
    grow(_used, capacity) {
      wasm.reserve(output + capacity)
      this.capacity = capacity
    },
    block: (ip, size, op, room, history) => wasm.decompress(input + ip, size, output + op, room, history),
    copy: (ip, size, op) => new Uint8Array(wasm.memory.buffer).copyWithin(output + op, input + ip, input + ip + size),
    view: (start, end) => new Uint8Array(wasm.memory.buffer, output + start, end - start),
    result(length) {
      const result = new Uint8Array(wasm.memory.buffer).slice(output, output + length)
      releaseLz4Wasm()
      return result
    },
  }
}

/** Decompresses one or more concatenated LZ4 frames, producing at most `outputMaxBytes` bytes. */
export function lz4DecompressFrame(data: Uint8Array, outputMaxBytes: number, options: Lz4DecompressOptions = {}): Uint8Array {
  const verifyHeaderChecksum = options.verifyHeaderChecksum ?? true
  const initial = Math.min(outputMaxBytes, Math.max(BLOCK_SIZE, data.length * 4))
  const wasm = lz4Wasm()
  const out = wasm === null ? jsSink(data, initial) : wasmSink(wasm, data, initial)
  const ensure = (used: number, needed: number): void => {
    if (needed > out.capacity) out.grow(used, Math.min(outputMaxBytes, Math.max(out.capacity * 2, needed)))
  }
  let op = 0
  let ip = 0
  do {
    // frame descriptor
    if (data.length - ip < 7) throw corrupt('truncated frame header')
    if (readLE32(data, ip) !== MAGIC) throw corrupt(`bad frame magic 0x${readLE32(data, ip).toString(16)}`)
    const flg = data[ip + 4] as number
    const bd = data[ip + 5] as number
    if ((flg & 0xc0) !== FLG_VERSION_01) throw corrupt(`unsupported frame version ${flg >>> 6}`)
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('reserved descriptor bits set')
    if ((flg & FLG_DICTIONARY_ID) !== 0) throw new CompressionError('lz4', 'unsupported', 'frames with a dictionary id are not supported')
    const blockSizeId = (bd >>> 4) & 7
    if (blockSizeId < 4) throw corrupt(`invalid block size id ${blockSizeId}`)
    const blockMax = 1 << (2 * blockSizeId + 8)
    const descriptorEnd = ip + 6 + ((flg & FLG_CONTENT_SIZE) !== 0 ? 8 : 0)
    if (data.length - descriptorEnd < 1) throw corrupt('truncated frame header')
    if (verifyHeaderChecksum && (data[descriptorEnd] as number) !== ((xxhash32(data, ip + 4, descriptorEnd) >>> 8) & 0xff)) {
      throw corrupt('frame header checksum mismatch')
    }
    if ((flg & FLG_CONTENT_SIZE) !== 0) {
      const contentSize = readLE32(data, ip + 6) + readLE32(data, ip + 10) * 2 ** 32
      if (contentSize > outputMaxBytes - op) throw limit(outputMaxBytes)
      // sized from the header only when the data could plausibly hold it (LZ4 expands at most ~255x)
      if (contentSize <= (data.length - ip) * 256) ensure(op, op + contentSize)
    }
    ip = descriptorEnd + 1
    const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0
    const frameStart = op
    // blocks
    for (;;) {
      if (data.length - ip < 4) throw corrupt('truncated block size')
      const word = readLE32(data, ip)
      ip += 4
      if (word === 0) break
      const stored = word >= 0x80000000
      const size = stored ? word - 0x80000000 : word
      if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`)
      if (size > data.length - ip - (blockChecksums ? 4 : 0)) throw corrupt('truncated block')
      if (blockChecksums && readLE32(data, ip + size) !== xxhash32(data, ip, ip + size)) throw corrupt('block checksum mismatch')
      if (stored) {
        if (size > outputMaxBytes - op) throw limit(outputMaxBytes)
        ensure(op, op + size)
        out.copy(ip, size, op)
        op += size
      } else {
        const room = Math.min(blockMax, outputMaxBytes - op)
        ensure(op, op + room)
        const result = out.block(ip, size, op, room, op - frameStart)
        if (result === LZ4_MALFORMED) throw corrupt('malformed block')
        if (result === LZ4_OUTPUT_OVERFLOW) {
          throw room < blockMax ? limit(outputMaxBytes) : corrupt(`block decompresses beyond the ${blockMax}-byte maximum`)
        }
        op += result
      }
      ip += size + (blockChecksums ? 4 : 0)
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      if (data.length - ip < 4) throw corrupt('truncated content checksum')
      const view = out.view(frameStart, op)
      if (readLE32(data, ip) !== xxhash32(view, 0, view.length)) throw corrupt('content checksum mismatch')
      ip += 4
    }
  } while (ip < data.length)
  return out.result(op)
}

function corrupt(message: string): CompressionError {
  return new CompressionError('lz4', 'corrupt', message)
}

function limit(outputMaxBytes: number): CompressionError {
  return new CompressionError('lz4', 'limit', `decompressed size exceeds the limit of ${outputMaxBytes} bytes`)
}

function readLE32(data: Uint8Array, i: number): number {
  return ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)) >>> 0
}

function writeLE32(data: Uint8Array, i: number, value: number): void {
  data[i] = value & 0xff
  data[i + 1] = (value >>> 8) & 0xff
  data[i + 2] = (value >>> 16) & 0xff
  data[i + 3] = (value >>> 24) & 0xff
}
