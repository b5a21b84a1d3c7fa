import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.ConfigError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * An option that cannot work, found when a client object is constructed: the message says which
 * option, what was given, and what to do instead. Never retriable.
 */
export class ConfigError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  /** The option's name, as in the options object (`inFlightMaxRequestsPerBroker`). */
  readonly option: string

  constructor(option: string, message: string) {
    super(`invalid option ${option}: ${message}`, { errorName: 'INVALID_CONFIG', retriable: false })
    this[symbol] = true
    this.name = 'ConfigError'
    this.option = option
  }

  static override isInstance(error: unknown): error is ConfigError {
    return hasMarker(error, marker)
  }
}
