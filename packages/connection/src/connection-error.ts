import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.ConnectionError'
const symbol = Symbol.for(marker)

/**
 * The connection to a broker failed or was closed: refused, reset, dropped mid-request, closed
 * by us after a protocol violation. Retriable: the request can be sent again on a new
 * connection (for a Produce, idempotence makes the resend safe).
 */
export class ConnectionError extends KafkaError {
  private readonly [symbol] = true
  /** `host:port` of the broker. */
  readonly broker: string

  constructor(message: string, broker: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(`${message} [broker ${broker}]`, {
      errorName: 'NETWORK_EXCEPTION',
      retriable: options.retriable ?? true,
      cause: options.cause,
    })
    this.name = 'ConnectionError'
    this.broker = broker
  }

  static override isInstance(error: unknown): error is ConnectionError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true
  }
}
