import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.DeliveryTimeoutError'
const symbol = Symbol.for(marker)

/**
 * A record was not acknowledged within `deliveryTimeoutMs` of `send`. If it was sent at least once
 * it may still have been written; the producer bumps its epoch before sending more to that
 * partition, so later records are never rejected for a sequence gap.
 */
export class DeliveryTimeoutError extends KafkaError {
  private readonly [symbol] = true
  readonly topic: string
  readonly partition: number
  /** True if the batch reached a broker at least once (it may be in the log). */
  readonly maybeWritten: boolean

  constructor(topic: string, partition: number, timeoutMs: number, maybeWritten: boolean, cause?: unknown) {
    super(`record for ${topic}-${partition} not acknowledged within deliveryTimeoutMs ${timeoutMs}${maybeWritten ? ' (it may have been written)' : ''}`, {
      errorName: 'DELIVERY_TIMEOUT',
      retriable: false,
      cause,
    })
    this.name = 'DeliveryTimeoutError'
    this.topic = topic
    this.partition = partition
    this.maybeWritten = maybeWritten
  }

  static override isInstance(error: unknown): error is DeliveryTimeoutError {
    return hasMarker(error, marker)
  }
}
