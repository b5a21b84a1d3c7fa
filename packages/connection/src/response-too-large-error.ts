import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.ResponseTooLargeError'
const symbol = Symbol.for(marker)

/** `HTTP` read as a big-endian int32 (an HTTP server's reply starts `HTTP/1.1`). */
const HTTP = 0x48545450

/**
 * The first four bytes of a TLS record read as a size: content type 20..23 (change cipher spec,
 * alert, handshake, application data), then protocol major version 3. A TLS listener answers a
 * plaintext Kafka request with an alert (0x15 0x03 0x03 …), which reads as a 352 MB frame.
 */
export function looksLikeTls(size: number): boolean {
  const contentType = size >>> 24
  return contentType >= 20 && contentType <= 23 && ((size >>> 16) & 0xff) === 3
}

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
      looksLikeTls(size)
        ? 'the broker answered with TLS: this listener expects TLS, so set tls: true (or TLS options) on the client, or use the plaintext port; the connection was closed'
        : size === HTTP
          ? 'the peer answered with HTTP, not the Kafka protocol: check the broker address and port; the connection was closed'
          : size < 0
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
