import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.ConfigError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * An option that cannot work, found when a client object is constructed: the message says which
 * option, what was given, and what to do instead. Never retriable.
 */
export class ConfigError extends KafkaError {
  private readonly [symbol] = true
  /** The option's name, as in the options object (`inFlightMaxRequestsPerBroker`). */
  readonly option: string

  constructor(option: string, message: string) {
    super(`invalid option ${option}: ${message}`, { errorName: 'INVALID_CONFIG', retriable: false })
    this.name = 'ConfigError'
    this.option = option
  }

  static override isInstance(error: unknown): error is ConfigError {
    return hasMarker(error, marker)
  }
}
