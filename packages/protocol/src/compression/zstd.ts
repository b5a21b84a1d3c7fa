import { CompressionError } from './compression-error.js'
import { embeddedZstdWasm, errorName, instantiateZstdWasm, type ZstdWasm, type ZstdWasmSource } from './zstd-wasm.js'

/**
 * zstd: standard zstd frames (RFC 8878), with two implementations of the reference library:
 *
 * - `node:zlib` (Node 22.15+ and 23.8+), found with `process.getBuiltinModule` so that bundlers
 *   and other runtimes never see a `node:` import. Synchronous and ready at once: nothing to load.
 * - WebAssembly everywhere else (browsers, workers, older Node): instantiated asynchronously, so
 *   it must be loaded (`loadZstd`) before the synchronous functions work; the async `compress` /
 *   `decompress` do that by themselves. The binary is embedded (base64, in a module imported only
 *   by the loader) or read from where `loadZstd({ wasm })` says.
 *
 * Decompression is bounded: frames are walked here first (header, block headers, checksum) so
 * the output is sized from each frame's declared content size, checked against the limit before
 * anything is allocated. A frame without a declared size (streaming producers such as the Java
 * client's ZstdOutputStream) is decompressed into a growing capacity, never beyond the limit.
 */

/** Which zstd implementation runs: Node's built-in one, or the WebAssembly build. */
export type ZstdImplementation = 'node:zlib' | 'wasm'

export interface LoadZstdOptions {
  /**
   * Where the zstd WebAssembly comes from, when the WebAssembly build is used: the bytes of
   * `@kafkats/protocol/zstd.wasm`, or a URL (or, in Node, a path) to read them from. Default: the
   * copy embedded in this package. Ignored when Node's built-in zstd is used.
   */
  wasm?: ZstdWasmSource
}

interface NodeZstd {
  zstdCompressSync(data: Uint8Array, options: { params: Record<number, number> }): Uint8Array
  zstdDecompressSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array
  constants: { ZSTD_c_compressionLevel: number }
}

let wasm: ZstdWasm | undefined
let loading: Promise<void> | undefined
let nodeZstd: NodeZstd | null | undefined
let preferWasm = false

/** Node's zlib when it has zstd, else null. */
function getNodeZstd(): NodeZstd | null {
  if (preferWasm) return null
  if (nodeZstd !== undefined) return nodeZstd
  nodeZstd = null
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const zlib = runtime?.getBuiltinModule?.('node:zlib') as Partial<NodeZstd> | undefined
    if (typeof zlib?.zstdCompressSync === 'function' && typeof zlib.zstdDecompressSync === 'function' && typeof zlib.constants?.ZSTD_c_compressionLevel === 'number') {
      nodeZstd = zlib as NodeZstd
    }
  } catch {
    nodeZstd = null
  }
  return nodeZstd
}

/**
 * Selects the implementation: `'auto'` (default: `node:zlib` where the runtime has it, else
 * WebAssembly) or `'wasm'` (the WebAssembly build everywhere, as browsers run it: for tests and
 * for byte-for-byte comparisons). After `'wasm'`, load it again (`loadZstd`) before synchronous use.
 */
export function setZstdImplementation(which: 'auto' | 'wasm'): void {
  preferWasm = which === 'wasm'
}

/** The implementation the synchronous functions use now, or null when zstd needs `loadZstd` first. */
export function zstdImplementation(): ZstdImplementation | null {
  if (getNodeZstd() !== null) return 'node:zlib'
  return wasm === undefined ? null : 'wasm'
}

/**
 * Makes zstd usable by the synchronous functions. Resolves at once with Node's built-in zstd;
 * otherwise instantiates the WebAssembly build (once) from `options.wasm` or the embedded copy.
 * A missing, unreadable or wrong WebAssembly file rejects with a `CompressionError` (reason
 * `unsupported`); a later call may try again (with other options).
 */
export function loadZstd(options: LoadZstdOptions = {}): Promise<void> {
  if (getNodeZstd() !== null || wasm !== undefined) return Promise.resolve()
  loading ??= (async () => {
    wasm = await instantiateZstdWasm(options.wasm ?? (await embeddedZstdWasm()))
  })().catch((error: unknown) => {
    loading = undefined
    if (CompressionError.isInstance(error)) throw error
    throw new CompressionError('zstd', 'unsupported', `could not load the zstd WebAssembly module (${String(error)})`, { cause: error })
  })
  return loading
}

/** Internal (tests): forgets the loaded WebAssembly module, so that loading can be tried again. */
export function unloadZstdWasm(): void {
  wasm = undefined
  loading = undefined
}

export function isZstdLoaded(): boolean {
  return zstdImplementation() !== null
}

function loadedWasm(): ZstdWasm {
  if (wasm === undefined) {
    throw new CompressionError('zstd', 'not-loaded', 'the zstd codec is not loaded yet: await loadCompressionCodec("zstd") first, or use the async API')
  }
  return wasm
}

/** Kafka's default `compression.zstd.level` is 3. */
export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  if (!Number.isInteger(level) || level < -131072 || level > 22) {
    throw new CompressionError('zstd', 'unsupported', `level ${level} is outside -131072..22`)
  }
  const zlib = getNodeZstd()
  try {
    if (zlib !== null) return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } })
    return loadedWasm().compress(data, level)
  } catch (error) {
    if (CompressionError.isInstance(error)) throw error
    throw new CompressionError('zstd', 'corrupt', `compression failed: ${String(error)}`, { cause: error })
  }
}

const FRAME_MAGIC = 0xfd2fb528
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const MAX_BLOCK_OUTPUT = 128 * 1024
/** zstd's error code for "destination buffer too small" (-70 through the WebAssembly boundary). */
const DST_SIZE_TOO_SMALL = -70

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
  const zlib = getNodeZstd()
  const module = zlib === null ? loadedWasm() : undefined // not loaded: fail before any work
  const frames = walkFrames(data)
  let declared = 0
  for (const frame of frames) {
    if (frame.contentSize > outputMaxBytes - declared) throw limit(outputMaxBytes)
    if (frame.contentSize > 0) declared += frame.contentSize
  }
  // Frame by frame on both implementations: Node 22's zstdDecompressSync stops after the first
  // frame (a skippable first frame gives 0 bytes), and a truncated frame gives partial output
  // without an error; Node 24 decodes them all. Decoding the frames walked above keeps the two
  // implementations, and every Node version, in agreement.
  const outputs: Uint8Array[] = []
  let total = 0
  for (const frame of frames) {
    const bytes = data.subarray(frame.start, frame.end)
    const output =
      zlib !== null
        ? decompressFrameNode(zlib, bytes, frame, outputMaxBytes - total, outputMaxBytes)
        : decompressFrameWasm(module as ZstdWasm, bytes, frame, outputMaxBytes - total, outputMaxBytes)
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

/** One frame through the WebAssembly build, into at most `remaining` bytes (its declared size was checked against it). */
function decompressFrameWasm(module: ZstdWasm, bytes: Uint8Array, frame: Frame, remaining: number, outputMaxBytes: number): Uint8Array {
  if (frame.contentSize >= 0) {
    let output: Uint8Array
    try {
      output = run(module, bytes, frame.contentSize)
    } catch (error) {
      throw error instanceof TooSmall ? corrupt('frame regenerates more than its declared content size') : error
    }
    if (output.length !== frame.contentSize) throw corrupt('frame size does not match its declared content size')
    return output
  }
  // unknown size: grow the capacity 4x a try, never past the limit
  const ceiling = Math.min(remaining, frame.bound)
  let capacity = Math.min(ceiling, Math.max(64 * 1024, bytes.length * 8))
  for (;;) {
    try {
      return run(module, bytes, Math.max(1, capacity))
    } catch (error) {
      if (!(error instanceof TooSmall)) throw error
      if (capacity >= ceiling) throw ceiling < frame.bound ? limit(outputMaxBytes) : corrupt('frame regenerates more than its blocks allow')
      capacity = Math.min(ceiling, capacity * 4)
    }
  }
}

class TooSmall extends Error {}

function run(module: ZstdWasm, frame: Uint8Array, capacity: number): Uint8Array {
  const result = module.decompress(frame, capacity)
  if (typeof result !== 'number') return result
  if (result === DST_SIZE_TOO_SMALL) throw new TooSmall()
  throw corrupt(`malformed frame (${errorName(result)})`)
}

/**
 * One frame through Node's zstd, bounded like the WebAssembly path: by the declared size when
 * there is one (more output is a corrupt frame), else by the remaining limit and the frame's
 * block bound.
 */
function decompressFrameNode(zlib: NodeZstd, bytes: Uint8Array, frame: Frame, remaining: number, outputMaxBytes: number): Uint8Array {
  const ceiling = frame.contentSize >= 0 ? frame.contentSize : Math.min(remaining, frame.bound)
  const tooLarge = (): CompressionError => {
    if (frame.contentSize >= 0) return corrupt('frame regenerates more than its declared content size')
    return ceiling < frame.bound ? limit(outputMaxBytes) : corrupt('frame regenerates more than its blocks allow')
  }
  let output: Uint8Array
  try {
    // maxOutputLength must be at least 1: a 1-byte output where 0 are allowed is caught below
    output = zlib.zstdDecompressSync(bytes, { maxOutputLength: Math.max(1, ceiling) })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge()
    throw corrupt(`malformed frame (${error instanceof Error ? error.message : String(error)})`, error)
  }
  if (output.length > ceiling) throw tooLarge()
  if (frame.contentSize >= 0 && output.length !== frame.contentSize) throw corrupt('frame size does not match its declared content size')
  return output
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
