import { KafkaError } from '@kafkats/protocol'

const marker = 'kafkats.error.UnsupportedVersionError'
const symbol = Symbol.for(marker)

/** The broker and kafkats share no version of an API (or the broker does not know the API). */
export class UnsupportedVersionError extends KafkaError {
  private readonly [symbol] = true
  readonly apiName: string

  constructor(message: string, apiName: string) {
    super(message, { errorName: 'UNSUPPORTED_VERSION', retriable: false })
    this.name = 'UnsupportedVersionError'
    this.apiName = apiName
  }

  static override isInstance(error: unknown): error is UnsupportedVersionError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true
  }
}
