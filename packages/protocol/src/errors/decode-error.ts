import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.DecodeError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * Bytes that do not parse as what they claim to be: a truncated or malformed response, a length
 * pointing past the end of the data, an invalid varint. Never retriable on the same bytes, though
 * the connection that produced them is closed and re-opened by the caller.
 */
export class DecodeError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  /** Byte offset in the input where decoding failed. */
  readonly offset: number

  constructor(message: string, offset: number, options: { cause?: unknown } = {}) {
    super(`${message} (at byte ${offset})`, { errorName: 'DECODE_ERROR', retriable: false, cause: options.cause })
    this[symbol] = true
    this.name = 'DecodeError'
    this.offset = offset
  }

  static override isInstance(error: unknown): error is DecodeError {
    return hasMarker(error, marker)
  }
}
