import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.ProducerClosedError'
const symbol = Symbol.for(marker)

/** `send` after `close()` was called: the record was not accepted. */
export class ProducerClosedError extends KafkaError {
  private readonly [symbol] = true

  constructor() {
    super('the producer is closed: create a new one to send more records', { errorName: 'PRODUCER_CLOSED', retriable: false })
    this.name = 'ProducerClosedError'
  }

  static override isInstance(error: unknown): error is ProducerClosedError {
    return hasMarker(error, marker)
  }
}
