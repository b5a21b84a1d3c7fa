import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.TransactionAbortedError'
const symbol = Symbol.for(marker)

/**
 * A record of a transaction that was aborted before the record was sent: it was never written.
 * Java: TransactionAbortedException.
 */
export class TransactionAbortedError extends KafkaError {
  private readonly [symbol] = true

  constructor(cause?: unknown) {
    super('the record was not sent: its transaction was aborted', { errorName: 'TRANSACTION_ABORTED', retriable: false, cause })
    this.name = 'TransactionAbortedError'
  }

  static override isInstance(error: unknown): error is TransactionAbortedError {
    return hasMarker(error, marker)
  }
}
