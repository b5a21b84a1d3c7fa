import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.AuthenticationError'
const symbol = Symbol.for(marker)

/**
 * SASL or TLS authentication failed: wrong credentials, a mechanism the broker does not enable,
 * a server signature that does not verify, a certificate that does not chain to the trusted CA.
 * Not retriable: the same credentials fail again.
 */
export class AuthenticationError extends KafkaError {
  private readonly [symbol] = true
  readonly broker: string

  constructor(message: string, broker: string, options: { errorName?: string; cause?: unknown } = {}) {
    super(`${message} [broker ${broker}]`, {
      errorName: options.errorName ?? 'SASL_AUTHENTICATION_FAILED',
      retriable: false,
      cause: options.cause,
    })
    this.name = 'AuthenticationError'
    this.broker = broker
  }

  static override isInstance(error: unknown): error is AuthenticationError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true
  }
}
