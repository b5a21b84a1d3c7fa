import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.DataLossError'
const symbol = Symbol.for(marker)

/**
 * The partition's log was truncated below the consumer's position (KIP-320): an unclean leader
 * election lost records the consumer had already read (or had been told were committed). Found
 * by OffsetForLeaderEpoch validation with the leader, or by a Fetch response's `divergingEpoch`.
 *
 * The planner emits it as a `dataLoss` event and moves the partition to `endOffset`, the first
 * offset known to diverge (Java's `LogTruncationException` carries the same offset; Java throws
 * it only with `auto.offset.reset=none` and otherwise moves there silently).
 */
export class DataLossError extends KafkaError {
  private readonly [symbol] = true
  readonly topic: string
  readonly partition: number
  /** The consumer's position when the truncation was found. */
  readonly offset: bigint
  /** The epoch of the record before `offset`, as the consumer knew it. */
  readonly leaderEpoch: number
  /** The leader's end offset for that epoch: where consumption continues. */
  readonly endOffset: bigint
  /** The epoch the leader answered with (the largest it has at or below `leaderEpoch`). */
  readonly endOffsetEpoch: number
  /** Records in [endOffset, offset) are gone from the log (or were replaced). */
  readonly lostRecords: bigint
  /** `validation`: OffsetForLeaderEpoch; `diverging-epoch`: a Fetch response's divergingEpoch. */
  readonly detectedBy: 'validation' | 'diverging-epoch'

  constructor(details: {
    topic: string
    partition: number
    offset: bigint
    leaderEpoch: number
    endOffset: bigint
    endOffsetEpoch: number
    detectedBy: 'validation' | 'diverging-epoch'
  }) {
    super(
      `log truncation detected on ${details.topic}-${details.partition}: the consumer was at offset ${details.offset} ` +
        `(leader epoch ${details.leaderEpoch}) but the leader's log for epoch ${details.endOffsetEpoch} ends at ${details.endOffset}; ` +
        `${details.offset - details.endOffset} record(s) were lost; continuing from ${details.endOffset}`,
      { errorName: 'LOG_TRUNCATION', retriable: false },
    )
    this.name = 'DataLossError'
    this.topic = details.topic
    this.partition = details.partition
    this.offset = details.offset
    this.leaderEpoch = details.leaderEpoch
    this.endOffset = details.endOffset
    this.endOffsetEpoch = details.endOffsetEpoch
    this.lostRecords = details.offset - details.endOffset
    this.detectedBy = details.detectedBy
  }

  static override isInstance(error: unknown): error is DataLossError {
    return hasMarker(error, marker)
  }
}
