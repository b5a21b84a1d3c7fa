import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.ClosedError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * A call on a client object (producer, consumer, admin, metadata, fetch planner) after its
 * `close()`: nothing was done. Never retriable on the same object; create a new one.
 */
export class ClosedError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep this class in every bundle (see decode-error.ts).
  declare private readonly [symbol]: true
  /** Which object was closed (`producer`, `group consumer`, `metadata`). */
  readonly component: string

  constructor(component: string, message?: string) {
    super(message ?? `the ${component} is closed`, { errorName: 'CLOSED', retriable: false })
    this[symbol] = true
    this.name = 'ClosedError'
    this.component = component
  }

  static override isInstance(error: unknown): error is ClosedError {
    return hasMarker(error, marker)
  }
}
