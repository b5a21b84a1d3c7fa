import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.TransactionAbortableError'
const symbol = Symbol.for(marker)

/**
 * The current transaction cannot commit (a record failed, a partition or group was not
 * authorized, the group member was fenced, the broker answered TRANSACTION_ABORTABLE…). Call
 * `abortTransaction()`; the producer then continues with the next transaction. `errorName` is the
 * Kafka error that caused it. Java: an abortable error (TransactionManager ABORTABLE_ERROR).
 */
export class TransactionAbortableError extends KafkaError {
  private readonly [symbol] = true

  constructor(message: string, errorName: string, cause?: unknown) {
    super(`${message}; abort the transaction (abortTransaction) and retry it`, { errorName, retriable: false, cause })
    this.name = 'TransactionAbortableError'
  }

  static override isInstance(error: unknown): error is TransactionAbortableError {
    return hasMarker(error, marker)
  }
}
