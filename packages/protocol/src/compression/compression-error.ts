import { KafkaError, hasMarker } from '../errors/kafka-error.js'

const marker = 'kafkats.error.CompressionError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/** Why a compression or decompression failed. */
export type CompressionErrorReason =
  /** The compressed bytes are malformed (bad magic, bad checksum, truncated stream...). */
  | 'corrupt'
  /** Decompressing would produce more than the allowed number of bytes (a decompression bomb or a limit set too low). */
  | 'limit'
  /** The codec id is not one Kafka defines, or the codec cannot run here. */
  | 'unsupported'
  /** The codec needs an asynchronous load (`loadCompressionCodec`) before its synchronous API can be used. */
  | 'not-loaded'

/**
 * A compression codec failed: corrupt compressed data, output beyond the decompression limit, an
 * unknown codec, or a codec used synchronously before it was loaded. Not retriable on the same bytes.
 */
export class CompressionError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  /** The codec involved (`gzip`, `snappy`, `lz4`, `zstd`, or the raw codec id as text when unknown). */
  readonly codec: string
  readonly reason: CompressionErrorReason

  constructor(codec: string, reason: CompressionErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(`${codec}: ${message}`, {
      errorName: reason === 'unsupported' ? 'UNSUPPORTED_COMPRESSION_TYPE' : 'COMPRESSION_ERROR',
      retriable: false,
      cause: options.cause,
    })
    this[symbol] = true
    this.name = 'CompressionError'
    this.codec = codec
    this.reason = reason
  }

  static override isInstance(error: unknown): error is CompressionError {
    return hasMarker(error, marker)
  }
}
