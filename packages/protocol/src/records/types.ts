import type { CompressionCodec } from '../compression/codecs.js'

/** A record header: a string key (never null) and a nullable value. */
export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

/**
 * Which clock the timestamps of a batch come from (Kafka's TimestampType): the producer's
 * (`CreateTime`) or the broker's at append (`LogAppendTime`). Magic v0 messages have none.
 */
export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType'

/** A record as decoded from a batch. `key`, `value` and header values are views into the fetched (or decompressed) bytes. */
export interface Record {
  /** Absolute offset: the batch's baseOffset + the record's offsetDelta. */
  offset: bigint
  /**
   * Milliseconds since the epoch: baseTimestamp + timestampDelta for CreateTime batches, the
   * batch's maxTimestamp for LogAppendTime batches, -1 for magic v0 messages.
   */
  timestamp: bigint
  key: Uint8Array | null
  /** `null` is a tombstone. */
  value: Uint8Array | null
  /** Records without headers all share one frozen empty array: read it, copy it, never modify it in place. */
  headers: RecordHeader[]
  /** The record's own attributes byte (unused by Kafka since magic v2, always 0 on write); for magic v0/v1, the message attributes. */
  attributes: number
}

/**
 * A record stamped with where it was read from, in the shape a consumer hands to applications:
 * what `decodePartitionRecordBatchesSync` makes, one object per record (no decoder record copied
 * into a consumer record). `attributes` is left out: unused since magic v2.
 */
export interface PartitionRecord {
  topic: string
  partition: number
  /** Absolute offset: the batch's baseOffset + the record's offsetDelta. */
  offset: bigint
  /** As `Record.timestamp`. */
  timestamp: bigint
  key: Uint8Array | null
  /** `null` is a tombstone. */
  value: Uint8Array | null
  /** Records without headers all share one frozen empty array: read it, copy it, never modify it in place. */
  headers: RecordHeader[]
  /** The partitionLeaderEpoch of the record's batch (-1 for legacy messages). */
  leaderEpoch: number
}

/**
 * Control record types (Kafka's ControlRecordType). User topics only carry ABORT and COMMIT
 * (transaction markers); the others appear in KRaft metadata logs.
 */
export type ControlRecordType =
  | 'ABORT'
  | 'COMMIT'
  | 'LEADER_CHANGE'
  | 'SNAPSHOT_HEADER'
  | 'SNAPSHOT_FOOTER'
  | 'KRAFT_VERSION'
  | 'KRAFT_VOTERS'
  | 'UNKNOWN'

/** The decoded key (and, for transaction markers, value) of a control batch's record. */
export interface ControlRecord {
  /** The control key's version (0). */
  version: number
  type: ControlRecordType
  /** The type as stored (int16), also for UNKNOWN. */
  typeId: number
  /** Transaction markers (ABORT / COMMIT): the transaction coordinator's epoch from the EndTxnMarker value; otherwise null. */
  coordinatorEpoch: number | null
}

/**
 * A decoded record batch (magic v2), or a legacy (magic v0/v1) message presented the same way.
 * `R` is the record shape: `Record` from `decodeRecordBatchesSync`, `PartitionRecord` from
 * `decodePartitionRecordBatchesSync`.
 */
export interface RecordBatch<R = Record> {
  /** Offset of the first record (for legacy compressed messages, of the first inner message). */
  baseOffset: bigint
  /** Bytes after the batchLength field (total size of the batch − 12). */
  batchLength: number
  /** Set by the broker; -1 when unknown (and for legacy messages). */
  partitionLeaderEpoch: number
  /** 2, or 0/1 for legacy message sets. */
  magic: number
  /** The stored checksum: CRC-32C for magic v2, CRC-32 (zlib) for v0/v1. */
  crc: number
  /** The raw attributes (int16 for v2, int8 for v0/v1), decoded in the fields below. */
  attributes: number
  compression: CompressionCodec
  timestampType: TimestampType
  isTransactional: boolean
  /** A control batch: its single record is a control record (see `control`); applications never see these. */
  isControl: boolean
  /** Attributes bit 6: log compaction stored a delete horizon in baseTimestamp. */
  hasDeleteHorizon: boolean
  /** Offset delta of the last record; the batch's last offset is baseOffset + lastOffsetDelta, even when compaction left it empty. */
  lastOffsetDelta: number
  /** Timestamp of the first record (the delete horizon when `hasDeleteHorizon`). */
  baseTimestamp: bigint
  maxTimestamp: bigint
  /** -1 when the producer is not idempotent. */
  producerId: bigint
  /** -1 when the producer is not idempotent. */
  producerEpoch: number
  /** Sequence number of the first record; -1 when the producer is not idempotent. */
  baseSequence: number
  records: R[]
  /** For control batches, the decoded control record; otherwise null. */
  control: ControlRecord | null
}

/** The offset after a batch: where the next fetch starts (also right for batches compaction emptied). */
export function nextOffsetAfter(batch: RecordBatch<unknown>): bigint {
  return batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
}
