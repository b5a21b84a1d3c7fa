import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.EncodeError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * A message that cannot be written at the chosen version: a field that version cannot carry
 * (and that may not be dropped silently), a value out of range for its wire type, a null where
 * the version does not allow one. Kafka's Java client calls this UnsupportedVersionException.
 */
export class EncodeError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true

  constructor(message: string) {
    super(message, { errorName: 'UNSUPPORTED_VERSION', retriable: false })
    this[symbol] = true
    this.name = 'EncodeError'
  }

  static override isInstance(error: unknown): error is EncodeError {
    return hasMarker(error, marker)
  }
}
