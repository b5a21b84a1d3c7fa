import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.InvalidStateError'
const symbol = Symbol.for(marker)

/**
 * A call that is valid in itself but not now (a second loop iterating the same consumer, a seek
 * on a partition this member does not own). The message says what state is needed.
 */
export class InvalidStateError extends KafkaError {
  private readonly [symbol] = true

  constructor(message: string) {
    super(message, { errorName: 'INVALID_STATE', retriable: false })
    this.name = 'InvalidStateError'
  }

  static override isInstance(error: unknown): error is InvalidStateError {
    return hasMarker(error, marker)
  }
}
