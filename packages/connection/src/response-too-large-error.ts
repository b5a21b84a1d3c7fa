import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.ResponseTooLargeError'
const symbol = Symbol.for(marker)

/**
 * A frame whose size prefix exceeds the configured maximum (or is negative): usually a
 * non-Kafka peer (an HTTP or TLS port) or a corrupt stream. The connection is closed before
 * any buffer of that size is allocated.
 */
export class ResponseTooLargeError extends KafkaError {
  private readonly [symbol] = true
  readonly size: number
  readonly maxBytes: number

  constructor(size: number, maxBytes: number) {
    super(
      size < 0
        ? `invalid frame size ${size}: the peer does not speak the Kafka protocol or the stream is corrupt`
        : `frame of ${size} bytes exceeds responseMaxBytes ${maxBytes}; the connection was closed`,
      { errorName: 'INVALID_RECEIVE', retriable: false },
    )
    this.name = 'ResponseTooLargeError'
    this.size = size
    this.maxBytes = maxBytes
  }

  static override isInstance(error: unknown): error is ResponseTooLargeError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true
  }
}
