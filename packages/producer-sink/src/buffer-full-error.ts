import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.BufferFullError'
const symbol = Symbol.for(marker)

/**
 * `trySend` found the producer's buffer full (`bufferMaxBytes` or `bufferMaxRecords`): the record
 * was not accepted. Retriable once earlier records are acknowledged; `send` waits instead.
 */
export class BufferFullError extends KafkaError {
  private readonly [symbol] = true

  constructor(message: string) {
    super(message, { errorName: 'BUFFER_EXHAUSTED', retriable: true })
    this.name = 'BufferFullError'
  }

  static override isInstance(error: unknown): error is BufferFullError {
    return hasMarker(error, marker)
  }
}
