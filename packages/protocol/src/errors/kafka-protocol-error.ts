import { errorByCode, type ErrorCodeName } from './error-codes.js'
import { KafkaError, hasMarker } from './kafka-error.js'

const marker = 'kafkats.error.KafkaProtocolError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/** Where a protocol error code was found; every field is optional and only used for messages. */
export interface KafkaProtocolErrorContext {
  /** Name of the API whose response carried the code, e.g. `Produce`. */
  readonly apiName?: string
  readonly topic?: string
  readonly partition?: number
  readonly groupId?: string
  /** The response's `ErrorMessage` field, when the broker sent one. */
  readonly errorMessage?: string | null
}

/**
 * An error code returned by a broker in a response. `errorName` and `retriable` come from the
 * error-code table (`errorByCode`); an unknown code is named `UNKNOWN_ERROR_CODE_<n>` and is not
 * retriable. The message reads `NAME (code): description [context]`, where the description is
 * the broker's `ErrorMessage` when it sent one and Kafka's default message otherwise.
 */
export class KafkaProtocolError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  /** The int16 error code from the response. */
  readonly errorCode: number
  declare readonly errorName: ErrorCodeName | `UNKNOWN_ERROR_CODE_${number}`
  readonly context: Readonly<KafkaProtocolErrorContext>

  constructor(errorCode: number, context: KafkaProtocolErrorContext = {}, options: { cause?: unknown } = {}) {
    const info = errorByCode(errorCode)
    const description =
      context.errorMessage !== undefined && context.errorMessage !== null && context.errorMessage !== ''
        ? context.errorMessage
        : info.message
    const where = describeContext(context)
    super(`${info.name} (${info.code}): ${description}${where === '' ? '' : ` [${where}]`}`, {
      errorName: info.name,
      retriable: info.retriable,
      cause: options.cause,
    })
    this[symbol] = true
    this.name = 'KafkaProtocolError'
    this.errorCode = errorCode
    this.context = Object.freeze({ ...context })
  }

  /** The error for `code` (a non-zero error code from a response). */
  static fromCode(code: number, context?: KafkaProtocolErrorContext): KafkaProtocolError {
    return new KafkaProtocolError(code, context)
  }

  static override isInstance(error: unknown): error is KafkaProtocolError {
    return hasMarker(error, marker)
  }
}

/** `Produce orders-3 group=g1`: the API, the topic-partition and the group, as far as known. */
function describeContext(context: KafkaProtocolErrorContext): string {
  const parts: string[] = []
  if (context.apiName !== undefined) parts.push(context.apiName)
  if (context.topic !== undefined) {
    parts.push(context.partition === undefined ? context.topic : `${context.topic}-${context.partition}`)
  } else if (context.partition !== undefined) {
    parts.push(`partition ${context.partition}`)
  }
  if (context.groupId !== undefined) parts.push(`group=${context.groupId}`)
  return parts.join(' ')
}
