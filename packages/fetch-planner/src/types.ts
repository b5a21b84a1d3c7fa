import type { PartitionRecord } from '@kafkats/protocol'

/**
 * Where a partition starts (or restarts, on `seek`).
 *
 * - `offset`: an exact offset. With `leaderEpoch >= 0` (the epoch of the record before it, as a
 *   committed offset or a ListOffsets answer carries) the offset is first validated with the
 *   partition leader (KIP-320, OffsetForLeaderEpoch); without it, fetching starts at once. A
 *   negative offset (an OffsetFetch answer for a partition with nothing committed) means "no
 *   offset": the `autoOffsetReset` policy applies.
 * - `earliest` / `latest`: the log start / end, asked from the leader (ListOffsets). `delta`
 *   moves from there (`Offset.relative(Offset.latest(), -100)`: the last 100 records), clamped
 *   to the log.
 * - `timestamp`: the first offset whose timestamp is at or after `timestamp` (milliseconds
 *   since the epoch); the log end when there is none.
 */
export type StartOffset =
  | { kind: 'offset'; offset: bigint; leaderEpoch?: number }
  | { kind: 'earliest'; delta?: bigint }
  | { kind: 'latest'; delta?: bigint }
  | { kind: 'timestamp'; timestamp: bigint }

/**
 * A record handed to the application: protocol's `PartitionRecord`, the object the record decoder
 * makes at poll (one per record, handed out as it is). `key`, `value` and header values are views
 * into the fetched bytes; records without headers all share one frozen empty `headers` array.
 */
export type FetchedRecord = PartitionRecord

/**
 * The records of one partition from one Fetch response, in offset order. `R` is the record shape:
 * `FetchedRecord` unless the consumer was given a `recordShape`.
 */
export interface FetchedBatch<R = FetchedRecord> {
  topic: string
  partition: number
  records: R[]
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
  /** The offset after this batch: the partition's position once the batch is consumed (what to commit). */
  nextOffset: bigint
  /** The leader epoch of the last record (-1 when unknown): what to commit with `nextOffset`. */
  leaderEpoch: number
  /** Broker id that served the records (a follower when fetching from the closest replica). */
  servedBy: number
}

/** One assigned partition's fetch state now (`partitionMetrics()`). */
export interface PartitionFetchMetrics {
  topic: string
  partition: number
  /** The next offset handed to the application; null while it is being resolved (ListOffsets). */
  position: bigint | null
  /** From the last Fetch answer without error; -1 before one. */
  highWatermark: bigint
  /** highWatermark - position: records in the log the application has not been handed yet; null while either is unknown. */
  lag: bigint | null
  /** The broker the partition is fetched from now (a follower after a KIP-392 redirect); -1 when not fetching. */
  fetchSourceNodeId: number
  /** The partition leader as the cluster metadata knows it; -1 unknown. */
  leaderNodeId: number
  /** True when fetched from a preferred read replica (KIP-392) instead of the leader. */
  fromPreferredReplica: boolean
  paused: boolean
  /** `resolving` (looking up an offset), `validating` (KIP-320), `fetching`, `failed` (stopped until `seek`). */
  state: 'resolving' | 'validating' | 'fetching' | 'failed'
}

/** Per-broker fetch counters since the planner was created. */
export interface BrokerCounters {
  /** Fetch requests sent to the broker. */
  requests: number
  /** Bytes of record data the broker returned. */
  bytes: number
  /** Partition answers that carried records for the application (one partition in one response counts once; counted when polled). */
  partitionsServed: number
  /** Records the broker returned that were handed to the application (after filtering; counted when polled). */
  records: number
}

export type { TopicPartition } from '@kafkats/metadata'
