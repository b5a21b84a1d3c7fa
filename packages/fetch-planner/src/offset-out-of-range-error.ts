import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.OffsetOutOfRangeError'
const symbol = Symbol.for(marker)

/**
 * The partition leader answered OFFSET_OUT_OF_RANGE (or there was no offset to start from) and
 * `autoOffsetReset` is `none`: the partition is paused until the application seeks it.
 * Java: OffsetOutOfRangeException / NoOffsetForPartitionException.
 */
export class OffsetOutOfRangeError extends KafkaError {
  private readonly [symbol] = true
  readonly topic: string
  readonly partition: number
  /** The offset the leader rejected, or null when the partition had no offset at all. */
  readonly offset: bigint | null

  constructor(topic: string, partition: number, offset: bigint | null) {
    super(
      offset === null
        ? `${topic}-${partition} has no offset to start from and autoOffsetReset is 'none'; the partition is paused until seek()`
        : `offset ${offset} is out of range for ${topic}-${partition} on its leader and autoOffsetReset is 'none'; the partition is paused until seek()`,
      { errorName: 'OFFSET_OUT_OF_RANGE', retriable: false },
    )
    this.name = 'OffsetOutOfRangeError'
    this.topic = topic
    this.partition = partition
    this.offset = offset
  }

  static override isInstance(error: unknown): error is OffsetOutOfRangeError {
    return hasMarker(error, marker)
  }
}
