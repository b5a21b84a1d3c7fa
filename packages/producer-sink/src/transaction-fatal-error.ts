import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.TransactionFatalError'
const symbol = Symbol.for(marker)

/**
 * The transactional producer cannot go on (TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 * CLUSTER_AUTHORIZATION_FAILED, INVALID_TXN_STATE, UNSUPPORTED_VERSION, INVALID_TRANSACTION_TIMEOUT…):
 * every later call fails with this error; close the producer. `errorName` is the Kafka error.
 * Fencing has its own class, ProducerFencedError.
 */
export class TransactionFatalError extends KafkaError {
  private readonly [symbol] = true

  constructor(message: string, errorName: string, cause?: unknown) {
    super(message, { errorName, retriable: false, cause })
    this.name = 'TransactionFatalError'
  }

  static override isInstance(error: unknown): error is TransactionFatalError {
    return hasMarker(error, marker)
  }
}
