import { CompressionError } from './compression-error.js'
import { gzipCompress, gzipDecompress } from './gzip.js'
import { lz4CompressFrame, lz4DecompressFrame } from './lz4.js'
import { snappyCompressXerial, snappyDecompress } from './snappy.js'
import { isZstdLoaded, type LoadZstdOptions, loadZstd, zstdCompress, zstdDecompress } from './zstd.js'

/** A Kafka compression codec, by the name `compression.type` uses. */
export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Codec ids as stored in bits 0-2 of record batch (and legacy message) attributes. */
export const COMPRESSION_CODEC_IDS: Readonly<Record<CompressionCodec, number>> = /* @__PURE__ */ Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
})

const CODECS_BY_ID: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** The codec of an attributes id (0-4); a `CompressionError` (UNSUPPORTED_COMPRESSION_TYPE) for 5-7. */
export function compressionCodecFromId(id: number): CompressionCodec {
  const codec = CODECS_BY_ID[id]
  if (codec === undefined) throw new CompressionError(`codec ${id}`, 'unsupported', `unknown compression codec id ${id}`)
  return codec
}

/**
 * Default bound on the output of one decompression (one record batch): 128 MiB. Kafka's own limits
 * apply to compressed sizes, so legitimate batches rarely come near it; raise it per call with
 * `outputMaxBytes` / `decompressedMaxBytes` if yours do.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024

export interface CompressOptions {
  /**
   * Compression level, as Kafka's `compression.<codec>.level` (KIP-390): gzip 1-9 (default 6),
   * zstd -131072..22 (default 3). Ignored by snappy and lz4 (lz4 always uses the fast compressor).
   */
  level?: number
}

export interface DecompressOptions {
  /** Fail with a `CompressionError` (reason `limit`) beyond this many output bytes. Default `DEFAULT_MAX_DECOMPRESSED_BYTES`. */
  outputMaxBytes?: number
}

/**
 * A codec implementation, to replace a built-in one with `setCompressionCodecImplementation`
 * (for example a native addon in a Node-only application). `decompress` must never produce more
 * than `outputMaxBytes` bytes (throw instead) and should throw `CompressionError` on bad input.
 */
export interface CompressionCodecImplementation {
  compress(data: Uint8Array, options: CompressOptions): Uint8Array
  decompress(data: Uint8Array, outputMaxBytes: number): Uint8Array
}

const overrides = /* @__PURE__ */ new Map<CompressionCodec, CompressionCodecImplementation>()

/** Uses `implementation` for `codec` from now on; `null` restores the built-in one. `none` cannot be replaced. */
export function setCompressionCodecImplementation(codec: Exclude<CompressionCodec, 'none'>, implementation: CompressionCodecImplementation | null): void {
  if (implementation === null) overrides.delete(codec)
  else overrides.set(codec, implementation)
}

/**
 * Makes `codec` usable by the synchronous functions. Only the built-in zstd may need it (where
 * the runtime has no zstd of its own, its WebAssembly build instantiates asynchronously: pass
 * `options.wasm` to say where the file is); for the others it resolves at once. Rejects with a
 * `CompressionError` when the codec cannot be loaded, never hangs.
 */
export async function loadCompressionCodec(codec: CompressionCodec, options: LoadZstdOptions = {}): Promise<void> {
  if (codec === 'zstd' && !overrides.has('zstd')) await loadZstd(options)
}

/** Whether `compressSync` / `decompressSync` (and the synchronous record batch functions) can use `codec` now. */
export function isCompressionCodecLoaded(codec: CompressionCodec): boolean {
  return codec !== 'zstd' || overrides.has('zstd') || isZstdLoaded()
}

/** Compresses `data` with `codec`; `none` returns `data` itself. Throws `CompressionError` (`not-loaded`) for zstd before `loadCompressionCodec('zstd')`. */
export function compressSync(codec: CompressionCodec, data: Uint8Array, options: CompressOptions = {}): Uint8Array {
  if (codec === 'none') return data
  const override = overrides.get(codec)
  if (override !== undefined) return override.compress(data, options)
  switch (codec) {
    case 'gzip':
      return gzipCompress(data, options.level)
    case 'snappy':
      return snappyCompressXerial(data)
    case 'lz4':
      return lz4CompressFrame(data)
    case 'zstd':
      return zstdCompress(data, options.level)
    default:
      throw new CompressionError(String(codec), 'unsupported', `unknown compression codec ${String(codec)}`)
  }
}

/** Decompresses `data` compressed with `codec`, bounded by `outputMaxBytes`. */
export function decompressSync(codec: CompressionCodec, data: Uint8Array, options: DecompressOptions = {}): Uint8Array {
  return decompressWith(codec, data, options.outputMaxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES, true)
}

/** Like `compressSync`, loading the codec first when it needs it. */
export async function compress(codec: CompressionCodec, data: Uint8Array, options: CompressOptions = {}): Promise<Uint8Array> {
  if (!isCompressionCodecLoaded(codec)) await loadCompressionCodec(codec)
  return compressSync(codec, data, options)
}

/** Like `decompressSync`, loading the codec first when it needs it. */
export async function decompress(codec: CompressionCodec, data: Uint8Array, options: DecompressOptions = {}): Promise<Uint8Array> {
  if (!isCompressionCodecLoaded(codec)) await loadCompressionCodec(codec)
  return decompressSync(codec, data, options)
}

/**
 * Internal: decompression with the legacy lz4 switch (`verifyLz4HeaderChecksum` false for magic v0
 * message sets, whose lz4 frame header checksum Kafka computed wrongly).
 */
export function decompressWith(codec: CompressionCodec, data: Uint8Array, outputMaxBytes: number, verifyLz4HeaderChecksum: boolean): Uint8Array {
  if (!(outputMaxBytes >= 0)) throw new CompressionError(codec, 'limit', `invalid output limit ${outputMaxBytes}`)
  if (codec === 'none') {
    if (data.length > outputMaxBytes) throw new CompressionError(codec, 'limit', `size exceeds the limit of ${outputMaxBytes} bytes`)
    return data
  }
  const override = overrides.get(codec)
  let output: Uint8Array
  if (override !== undefined) {
    output = override.decompress(data, outputMaxBytes)
  } else {
    switch (codec) {
      case 'gzip':
        output = gzipDecompress(data, outputMaxBytes)
        break
      case 'snappy':
        output = snappyDecompress(data, outputMaxBytes)
        break
      case 'lz4':
        output = lz4DecompressFrame(data, outputMaxBytes, { verifyHeaderChecksum: verifyLz4HeaderChecksum })
        break
      case 'zstd':
        output = zstdDecompress(data, outputMaxBytes)
        break
      default:
        throw new CompressionError(String(codec), 'unsupported', `unknown compression codec ${String(codec)}`)
    }
  }
  if (output.length > outputMaxBytes) {
    throw new CompressionError(codec, 'limit', `decompressed size exceeds the limit of ${outputMaxBytes} bytes`)
  }
  return output
}
