import { ClosedError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.ProducerClosedError'
const symbol = Symbol.for(marker)

/**
 * `send` after `close()` was called: the record was not accepted. A `ClosedError` (checked with
 * `ClosedError.isInstance`, errorName `CLOSED`) kept under its own name for existing callers.
 */
export class ProducerClosedError extends ClosedError {
  private readonly [symbol] = true

  constructor() {
    super('producer', 'the producer is closed: create a new one to send more records')
    this.name = 'ProducerClosedError'
  }

  static override isInstance(error: unknown): error is ProducerClosedError {
    return hasMarker(error, marker)
  }
}
