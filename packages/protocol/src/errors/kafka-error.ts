const marker = 'kafkats.error'
const symbol = /* @__PURE__ */ Symbol.for(marker)

export interface KafkaErrorOptions {
  /** Kafka's error code name (`NOT_LEADER_OR_FOLLOWER`) or a kafkats name for client-side errors. */
  errorName?: string
  /** Whether repeating the same operation may succeed. */
  retriable?: boolean
  cause?: unknown
}

/**
 * Base class of every error kafkats throws. Checked with `KafkaError.isInstance(error)`, which
 * works across duplicated copies of the package (the brand is a `Symbol.for` key).
 */
export class KafkaError extends Error {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  readonly errorName: string
  readonly retriable: boolean

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this[symbol] = true
    this.name = 'KafkaError'
    this.errorName = options.errorName ?? 'UNKNOWN'
    this.retriable = options.retriable ?? false
  }

  static isInstance(error: unknown): error is KafkaError {
    return hasMarker(error, marker)
  }
}

/** True when `error` carries the brand `Symbol.for(markerName)`. */
export function hasMarker(error: unknown, markerName: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(markerName)] === true
  )
}
