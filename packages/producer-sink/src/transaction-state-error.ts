import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.TransactionStateError'
const symbol = Symbol.for(marker)

/**
 * A transactional call made in a state that does not allow it (send before `beginTransaction`,
 * commit without a transaction, `initTransactions` twice, a transactional call on a producer without
 * `transactionalId`). Nothing was sent. Java: IllegalStateException.
 */
export class TransactionStateError extends KafkaError {
  private readonly [symbol] = true
  /** The state the producer was in (see README: transaction states). */
  readonly state: string

  constructor(operation: string, state: string, hint: string) {
    super(`cannot ${operation} in transaction state ${state}: ${hint}`, { errorName: 'INVALID_TRANSACTION_STATE', retriable: false })
    this.name = 'TransactionStateError'
    this.state = state
  }

  static override isInstance(error: unknown): error is TransactionStateError {
    return hasMarker(error, marker)
  }
}
