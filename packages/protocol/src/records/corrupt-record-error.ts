import { KafkaError, hasMarker } from '../errors/kafka-error.js'

const marker = 'kafkats.error.CorruptRecordError'
const symbol = /* @__PURE__ */ Symbol.for(marker)

/** Where a corrupt batch came from, when the caller knows it. */
export interface RecordBatchContext {
  topic?: string
  partition?: number
}

/**
 * A record batch (or legacy message) whose checksum does not match its bytes: corrupted on disk,
 * in transit, or by a faulty broker. Kafka's name for it is CORRUPT_MESSAGE (error code 2).
 * The message names the topic, partition and base offset when the caller passed that context.
 */
export class CorruptRecordError extends KafkaError {
  // The brand is set in the constructor, not as a class field: a computed-key field is top-level
  // work to a bundler, which would then keep every error class (and the error table) in every bundle.
  declare private readonly [symbol]: true
  readonly topic: string | undefined
  readonly partition: number | undefined
  /** Base offset of the batch (offset of the message for magic v0/v1). */
  readonly baseOffset: bigint
  /** Checksum stored in the batch. */
  readonly storedCrc: number
  /** Checksum computed over the bytes received. */
  readonly computedCrc: number
  /** Byte position of the batch in the decoded input. */
  readonly position: number

  constructor(details: {
    context?: RecordBatchContext
    baseOffset: bigint
    storedCrc: number
    computedCrc: number
    position: number
    algorithm: 'CRC-32C' | 'CRC-32'
  }) {
    const context = details.context ?? {}
    const where =
      context.topic !== undefined || context.partition !== undefined
        ? ` of ${context.topic ?? '<unknown topic>'}-${context.partition ?? '<unknown partition>'}`
        : ''
    super(
      `record batch${where} at base offset ${details.baseOffset} is corrupt: stored ${details.algorithm} ` +
        `0x${hex(details.storedCrc)} but computed 0x${hex(details.computedCrc)} (batch at byte ${details.position})`,
      { errorName: 'CORRUPT_MESSAGE', retriable: false },
    )
    this[symbol] = true
    this.name = 'CorruptRecordError'
    this.topic = context.topic
    this.partition = context.partition
    this.baseOffset = details.baseOffset
    this.storedCrc = details.storedCrc
    this.computedCrc = details.computedCrc
    this.position = details.position
  }

  static override isInstance(error: unknown): error is CorruptRecordError {
    return hasMarker(error, marker)
  }
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0')
}
