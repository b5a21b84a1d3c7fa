import { CompressionError } from './compression-error.js'

/**
 * zstd: standard zstd frames (RFC 8878). The codec is `@bokuweb/zstd-wasm` (the reference C
 * library compiled to WebAssembly; Node and browser builds). WebAssembly instantiation is
 * asynchronous, so zstd is the one codec that must be loaded (`loadZstd`) before its synchronous
 * functions work; the async `compress` / `decompress` do that by themselves.
 *
 * Decompression is bounded: frames are walked here first (header, block headers, checksum) so
 * the output is sized from each frame's declared content size, checked against the limit before
 * anything is allocated. A frame without a declared size (streaming producers such as the Java
 * client's ZstdOutputStream) is decompressed into a growing capacity, never beyond the limit.
 */

interface ZstdModule {
  init(): Promise<void>
  compress(data: Uint8Array, level?: number): Uint8Array
  decompress(data: Uint8Array, options?: { defaultHeapSize: number }): Uint8Array
}

let zstd: ZstdModule | undefined
let loading: Promise<void> | undefined

/** Loads and instantiates the zstd WebAssembly module once. */
export function loadZstd(): Promise<void> {
  loading ??= (async () => {
    const module = (await import('@bokuweb/zstd-wasm')) as unknown as ZstdModule
    await module.init()
    zstd = module
  })().catch((error: unknown) => {
    loading = undefined
    throw new CompressionError('zstd', 'unsupported', 'could not load the zstd WebAssembly module', { cause: error })
  })
  return loading
}

export function isZstdLoaded(): boolean {
  return zstd !== undefined
}

function loaded(): ZstdModule {
  if (zstd === undefined) {
    throw new CompressionError('zstd', 'not-loaded', 'the zstd codec is not loaded yet: await loadCompressionCodec("zstd") first, or use the async API')
  }
  return zstd
}

/** Kafka's default `compression.zstd.level` is 3. */
export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  if (!Number.isInteger(level) || level < -131072 || level > 22) {
    throw new CompressionError('zstd', 'unsupported', `level ${level} is outside -131072..22`)
  }
  try {
    return loaded().compress(data, level)
  } catch (error) {
    if (CompressionError.isInstance(error)) throw error
    throw new CompressionError('zstd', 'corrupt', `compression failed: ${String(error)}`, { cause: error })
  }
}

const FRAME_MAGIC = 0xfd2fb528
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
/** zstd's error code for "destination buffer too small" (returned as -70 through the WebAssembly boundary). */
const MAX_BLOCK_OUTPUT = 128 * 1024
const DST_SIZE_TOO_SMALL = /code -70\b/

interface Frame {
  start: number
  end: number
  /** Declared decompressed size, or -1 when the frame does not declare it. */
  contentSize: number
  /** Upper bound of the output: each block regenerates at most 128 KiB. */
  bound: number
}

/** Decompresses one or more zstd frames, producing at most `outputMaxBytes` bytes. */
export function zstdDecompress(data: Uint8Array, outputMaxBytes: number): Uint8Array {
  const module = loaded()
  const frames = walkFrames(data)
  let declared = 0
  for (const frame of frames) {
    if (frame.contentSize > outputMaxBytes - declared) throw limit(outputMaxBytes)
    if (frame.contentSize > 0) declared += frame.contentSize
  }
  const outputs: Uint8Array[] = []
  let total = 0
  for (const frame of frames) {
    const bytes = data.subarray(frame.start, frame.end)
    let output: Uint8Array
    if (frame.contentSize >= 0) {
      try {
        output = frame.contentSize === 0 ? new Uint8Array(0) : run(module, bytes, frame.contentSize)
      } catch (error) {
        throw error instanceof TooSmall ? corrupt('frame regenerates more than its declared content size') : error
      }
      if (output.length !== frame.contentSize) throw corrupt('frame size does not match its declared content size')
    } else {
      // unknown size: grow the capacity 4x a try, never past the limit
      const ceiling = Math.min(outputMaxBytes - total, frame.bound)
      let capacity = Math.min(ceiling, Math.max(64 * 1024, bytes.length * 8))
      for (;;) {
        try {
          output = run(module, bytes, Math.max(1, capacity))
          break
        } catch (error) {
          if (!(error instanceof TooSmall)) throw error
          if (capacity >= ceiling) throw ceiling < frame.bound ? limit(outputMaxBytes) : corrupt('frame regenerates more than its blocks allow')
          capacity = Math.min(ceiling, capacity * 4)
        }
      }
    }
    total += output.length
    if (total > outputMaxBytes) throw limit(outputMaxBytes)
    outputs.push(output)
  }
  if (outputs.length === 1) return outputs[0] as Uint8Array
  const out = new Uint8Array(total)
  let position = 0
  for (const output of outputs) {
    out.set(output, position)
    position += output.length
  }
  return out
}

class TooSmall extends Error {}

function run(module: ZstdModule, frame: Uint8Array, capacity: number): Uint8Array {
  try {
    return module.decompress(frame, { defaultHeapSize: capacity })
  } catch (error) {
    if (DST_SIZE_TOO_SMALL.test(String(error instanceof Error ? error.message : error))) throw new TooSmall()
    throw corrupt(`malformed frame (${error instanceof Error ? error.message : String(error)})`, error)
  }
}

/** Splits `data` into zstd frames (skippable frames dropped), checking every length against the data. */
function walkFrames(data: Uint8Array): Frame[] {
  const frames: Frame[] = []
  let p = 0
  while (p < data.length) {
    if (data.length - p < 4) throw corrupt('truncated frame magic')
    const magic = readLE(data, p, 4)
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (data.length - p < 8) throw corrupt('truncated skippable frame')
      const size = readLE(data, p + 4, 4)
      if (size > data.length - p - 8) throw corrupt('truncated skippable frame')
      p += 8 + size
      continue
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`)
    const start = p
    p += 4
    if (p >= data.length) throw corrupt('truncated frame header')
    const descriptor = data[p++] as number
    const sizeFlag = descriptor >>> 6
    const singleSegment = (descriptor & 0x20) !== 0
    const hasChecksum = (descriptor & 0x04) !== 0
    if ((descriptor & 0x08) !== 0) throw corrupt('reserved frame header bit set')
    const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3] as number
    const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << sizeFlag
    const headerRest = (singleSegment ? 0 : 1) + dictionaryIdBytes + sizeBytes
    if (data.length - p < headerRest) throw corrupt('truncated frame header')
    p += (singleSegment ? 0 : 1) + dictionaryIdBytes
    let contentSize = -1
    if (sizeBytes > 0) {
      contentSize = readLE(data, p, sizeBytes) + (sizeBytes === 2 ? 256 : 0)
      p += sizeBytes
    }
    // blocks: 3-byte little-endian header = last bit, 2-bit type, 21-bit size
    let blocks = 0
    for (;;) {
      blocks++
      if (data.length - p < 3) throw corrupt('truncated block header')
      const header = readLE(data, p, 3)
      p += 3
      const type = (header >>> 1) & 3
      const size = header >>> 3
      if (type === 3) throw corrupt('reserved block type')
      const stored = type === 1 ? 1 : size // RLE blocks store one byte
      if (stored > data.length - p) throw corrupt('truncated block')
      p += stored
      if ((header & 1) !== 0) break
    }
    if (hasChecksum) {
      if (data.length - p < 4) throw corrupt('truncated frame checksum')
      p += 4
    }
    const bound = blocks * MAX_BLOCK_OUTPUT
    if (contentSize > bound) throw corrupt(`declared content size ${contentSize} is impossible for ${blocks} blocks`)
    frames.push({ start, end: p, contentSize, bound })
  }
  if (frames.length === 0) throw corrupt('no zstd frame')
  return frames
}

/** Little-endian unsigned integer of 1..8 bytes (exact below 2^53). */
function readLE(data: Uint8Array, p: number, bytes: number): number {
  let value = 0
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + (data[p + i] as number)
  return value
}

function corrupt(message: string, cause?: unknown): CompressionError {
  return new CompressionError('zstd', 'corrupt', message, { cause })
}

function limit(outputMaxBytes: number): CompressionError {
  return new CompressionError('zstd', 'limit', `decompressed size exceeds the limit of ${outputMaxBytes} bytes`)
}
