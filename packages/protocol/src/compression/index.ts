export {
  type CompressionCodec,
  type CompressOptions,
  type DecompressOptions,
  type CompressionCodecImplementation,
  COMPRESSION_CODEC_IDS,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compressionCodecFromId,
  compress,
  decompress,
  compressSync,
  decompressSync,
  loadCompressionCodec,
  isCompressionCodecLoaded,
  setCompressionCodecImplementation,
} from './codecs.js'
export { CompressionError, type CompressionErrorReason } from './compression-error.js'
export { gzipImplementation } from './gzip.js'
export { type LoadZstdOptions, type ZstdImplementation, loadZstd, setZstdImplementation, zstdImplementation } from './zstd.js'
export type { ZstdWasmSource } from './zstd-wasm.js'
