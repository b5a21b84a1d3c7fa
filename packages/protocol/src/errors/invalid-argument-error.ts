import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.InvalidArgumentError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/**
 * A value passed to a method (a record, an offset, a partition, an admin request) that cannot
 * work. Thrown synchronously or returned as a rejected promise before anything is sent, so the
 * bad call fails alone. Names the field (`record.value`, `assign.orders[99]`), shows the value
 * given and says what is expected. Never retriable: the same value fails the same way.
 */
export class InvalidArgumentError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep this class in every bundle (see decode-error.ts).
  declare private readonly [symbol]: true
  /** Where the bad value was, as a path from the method's argument (`messages[3].key`). */
  readonly field: string
  /** A short printable form of the value that was given (`42 (number)`, `undefined`). */
  readonly received: string
  /** What would have been accepted (`a string, Uint8Array or null`). */
  readonly expected: string

  constructor(field: string, value: unknown, expected: string, options: { cause?: unknown } = {}) {
    const received = describeValue(value)
    super(`invalid ${field}: expected ${expected}, got ${received}`, { errorName: 'INVALID_ARGUMENT', retriable: false, cause: options.cause })
    this[symbol] = true
    this.name = 'InvalidArgumentError'
    this.field = field
    this.received = received
    this.expected = expected
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasMarker(error, marker)
  }
}

/**
 * A short, safe description of any value for an error message: never throws (a hostile
 * `toString` or a revoked proxy cannot break the error path) and never prints a huge buffer.
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return value.length > 40 ? `"${value.slice(0, 40)}…" (string)` : `"${value}" (string)`
      case 'number':
      case 'boolean':
        return `${String(value)} (${typeof value})`
      case 'bigint':
        return `${value}n (bigint)`
      case 'undefined':
        return 'undefined'
      case 'symbol':
        return 'a symbol'
      case 'function':
        return 'a function'
      default:
        if (value === null) return 'null'
        if (Array.isArray(value)) return `an array of ${value.length}`
        if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.byteLength} bytes`
        if (value instanceof Date) return `a Date (${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`
        {
          const name = Object.getPrototypeOf(value)?.constructor?.name
          return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object'
        }
    }
  } catch {
    return 'an unprintable value'
  }
}
