import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.InvalidStateError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * A call that is valid in itself but not now (a second loop iterating the same consumer, a seek
 * on a partition this member does not own). The message says what state is needed.
 */
export class InvalidStateError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep this class in every bundle (see decode-error.ts).
  declare private readonly [symbol]: true

  constructor(message: string) {
    super(message, { errorName: 'INVALID_STATE', retriable: false })
    this[symbol] = true
    this.name = 'InvalidStateError'
  }

  static override isInstance(error: unknown): error is InvalidStateError {
    return hasMarker(error, marker)
  }
}
