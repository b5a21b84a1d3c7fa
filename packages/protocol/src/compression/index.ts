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
