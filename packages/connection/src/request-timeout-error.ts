import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.RequestTimeoutError'
const symbol = Symbol.for(marker)

/**
 * No response arrived within the request timeout. Responses come back in order on a
 * connection, so the connection is closed and every request in flight on it fails with this
 * error. Retriable; the request may or may not have been processed by the broker.
 */
export class RequestTimeoutError extends KafkaError {
  private readonly [symbol] = true
  readonly broker: string
  readonly apiName: string
  readonly timeoutMs: number

  constructor(broker: string, apiName: string, timeoutMs: number) {
    super(`${apiName} request to ${broker} got no response within ${timeoutMs} ms`, {
      errorName: 'REQUEST_TIMED_OUT',
      retriable: true,
    })
    this.name = 'RequestTimeoutError'
    this.broker = broker
    this.apiName = apiName
    this.timeoutMs = timeoutMs
  }

  static override isInstance(error: unknown): error is RequestTimeoutError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true
  }
}
