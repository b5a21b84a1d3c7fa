import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.ProducerFencedError'
const symbol = Symbol.for(marker)

/**
 * Another producer with the same `transactionalId` called `initTransactions` (a newer epoch): this
 * one is a zombie. Fatal: its open transaction is aborted by the coordinator and every later call
 * fails; close it. Java: ProducerFencedException.
 */
export class ProducerFencedError extends KafkaError {
  private readonly [symbol] = true
  readonly transactionalId: string

  constructor(transactionalId: string, apiName: string, cause?: unknown) {
    super(`producer with transactionalId ${transactionalId} was fenced by a newer instance (${apiName}): close it`, {
      errorName: 'PRODUCER_FENCED',
      retriable: false,
      cause,
    })
    this.name = 'ProducerFencedError'
    this.transactionalId = transactionalId
  }

  static override isInstance(error: unknown): error is ProducerFencedError {
    return hasMarker(error, marker)
  }
}
