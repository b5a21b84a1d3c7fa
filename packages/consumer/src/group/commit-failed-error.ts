import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.CommitFailedError'
const symbol = Symbol.for(marker)

/**
 * A commit that cannot succeed: the consumer no longer owns (some of) the partitions, because it
 * left the group, was fenced or lost them in a rebalance (Java's `CommitFailedException`).
 * Another member may already be processing those records; they will be delivered again there.
 */
export class CommitFailedError extends KafkaError {
  private readonly [symbol] = true
  /** The partitions whose offsets were not committed. */
  readonly partitions: ReadonlyArray<{ topic: string; partition: number }>

  constructor(message: string, partitions: ReadonlyArray<{ topic: string; partition: number }>, options: { cause?: unknown } = {}) {
    super(message, { errorName: 'COMMIT_FAILED', retriable: false, cause: options.cause })
    this.name = 'CommitFailedError'
    this.partitions = partitions
  }

  static override isInstance(error: unknown): error is CommitFailedError {
    return hasMarker(error, marker)
  }
}
