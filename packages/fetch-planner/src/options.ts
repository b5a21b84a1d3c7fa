import type { ConnectionPool, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { ConfigError, type RecordShape } from '@kafkats/protocol'
import type { FetchedRecord } from './types.js'

export type IsolationLevel = 'read_uncommitted' | 'read_committed'
export type AutoOffsetReset = 'earliest' | 'latest' | 'none'

/**
 * How records are fetched: the same flat options on `FetchPlanner`, `DirectConsumer` and
 * `GroupConsumer` (and `kafka.consumer()`).
 */
export interface FetchOptions {
  /** Default 'read_uncommitted'. Java: isolation.level */
  isolationLevel?: IsolationLevel
  /** Longest a broker holds a Fetch waiting for `fetchMinBytes`. Default 500. Java: fetch.max.wait.ms */
  fetchMaxWaitMs?: number
  /** Bytes a broker waits for before answering a Fetch. Default 1. Java: fetch.min.bytes */
  fetchMinBytes?: number
  /** Largest Fetch response asked for (a broker still returns one whole batch above it). Default 50 MiB. Java: fetch.max.bytes */
  fetchMaxBytes?: number
  /** Largest data asked for per partition per Fetch. Default 1 MiB. Java: max.partition.fetch.bytes */
  partitionMaxBytes?: number
  /** How long a preferred (closest) replica is used before the leader is asked again. Default 300 000. Java: metadata.max.age.ms */
  preferredReplicaLeaseMs?: number
  /** What to do without a valid offset: leader OFFSET_OUT_OF_RANGE, nothing committed. Default 'latest'. Java: auto.offset.reset */
  autoOffsetReset?: AutoOffsetReset
  /** Fetched batches (one per partition per response) held for `poll` before the planner stops fetching. Default 32. */
  bufferMaxBatches?: number
  /** Wait before retrying a partition after a retriable error. Default 100. Java: retry.backoff.ms */
  retryBackoffMs?: number
  /**
   * Also hand out batches that filtering left without records (only control records or aborted
   * transactions), so the application sees the position move past them (KafkaJS's eachBatch gets
   * such batches). Default false: the position moves without a batch, as in Java.
   */
  emptyBatches?: boolean
}

export interface FetchPlannerOptions<R = FetchedRecord> extends FetchOptions {
  /**
   * Makes the records handed out in a shape of the caller's instead of `FetchedRecord`, in the
   * decoder (one object per record: a layer such as `@kafkats/kafkajs` builds its own messages
   * there instead of copying each `FetchedRecord`). Default none (`FetchedRecord`s).
   */
  recordShape?: RecordShape<R>
  /** The client's cluster view; the planner adds the topics it is assigned. */
  metadata: ClusterMetadata
  /** The client's connections: Fetch uses the `fetch` connection of each broker, ListOffsets and OffsetForLeaderEpoch the `metadata` one. */
  pool: ConnectionPool
  /** Default silent. */
  logger?: Logger
  /** The client's rack: sent with every Fetch so the leader can name a replica in the same rack (KIP-392). Default none. Java: client.rack */
  rack?: string
}

export const fetchPlannerDefaults = {
  isolationLevel: 'read_uncommitted',
  fetchMaxWaitMs: 500,
  fetchMinBytes: 1,
  fetchMaxBytes: 50 * 1024 * 1024,
  partitionMaxBytes: 1024 * 1024,
  preferredReplicaLeaseMs: 300_000,
  autoOffsetReset: 'latest',
  bufferMaxBatches: 32,
  retryBackoffMs: 100,
  emptyBatches: false,
} as const

export interface ResolvedFetchPlannerOptions {
  /** null: records are `FetchedRecord`s. */
  recordShape: RecordShape<unknown> | null
  /** null: no rack (the one spelling inside the packages; the Fetch request carries it as ''). */
  rack: string | null
  isolationLevel: IsolationLevel
  fetchMaxWaitMs: number
  fetchMinBytes: number
  fetchMaxBytes: number
  partitionMaxBytes: number
  preferredReplicaLeaseMs: number
  autoOffsetReset: AutoOffsetReset
  bufferMaxBatches: number
  retryBackoffMs: number
  emptyBatches: boolean
}

const INT32_MAX = 2 ** 31 - 1

/** Checks every option once, at construction; a bad one is a ConfigError naming it. */
export function resolveFetchPlannerOptions<R>(options: FetchPlannerOptions<R>): ResolvedFetchPlannerOptions {
  const integer = (name: string, value: number, min: number, max = INT32_MAX): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${String(value)}`)
    }
    return value
  }
  const isolationLevel = options.isolationLevel ?? fetchPlannerDefaults.isolationLevel
  if (isolationLevel !== 'read_uncommitted' && isolationLevel !== 'read_committed') {
    throw new ConfigError('isolationLevel', `expected 'read_uncommitted' or 'read_committed', got ${String(isolationLevel)}`)
  }
  const autoOffsetReset = options.autoOffsetReset ?? fetchPlannerDefaults.autoOffsetReset
  if (autoOffsetReset !== 'earliest' && autoOffsetReset !== 'latest' && autoOffsetReset !== 'none') {
    throw new ConfigError('autoOffsetReset', `expected 'earliest', 'latest' or 'none', got ${String(autoOffsetReset)}`)
  }
  if (options.rack !== undefined && typeof options.rack !== 'string') throw new ConfigError('rack', 'expected a string')
  if (options.emptyBatches !== undefined && typeof options.emptyBatches !== 'boolean') throw new ConfigError('emptyBatches', 'expected a boolean')
  const shape: unknown = options.recordShape
  if (shape !== undefined && !(typeof shape === 'object' && shape !== null && typeof (shape as RecordShape<R>).make === 'function' && typeof (shape as RecordShape<R>).offsetOf === 'function')) {
    throw new ConfigError('recordShape', 'expected a RecordShape ({ make, offsetOf }) or undefined')
  }
  return {
    recordShape: (options.recordShape as RecordShape<unknown> | undefined) ?? null,
    rack: options.rack === undefined || options.rack === '' ? null : options.rack,
    isolationLevel,
    fetchMaxWaitMs: integer('fetchMaxWaitMs', options.fetchMaxWaitMs ?? fetchPlannerDefaults.fetchMaxWaitMs, 0),
    fetchMinBytes: integer('fetchMinBytes', options.fetchMinBytes ?? fetchPlannerDefaults.fetchMinBytes, 0),
    fetchMaxBytes: integer('fetchMaxBytes', options.fetchMaxBytes ?? fetchPlannerDefaults.fetchMaxBytes, 1),
    partitionMaxBytes: integer('partitionMaxBytes', options.partitionMaxBytes ?? fetchPlannerDefaults.partitionMaxBytes, 1),
    preferredReplicaLeaseMs: integer('preferredReplicaLeaseMs', options.preferredReplicaLeaseMs ?? fetchPlannerDefaults.preferredReplicaLeaseMs, 0, Number.MAX_SAFE_INTEGER),
    autoOffsetReset,
    bufferMaxBatches: integer('bufferMaxBatches', options.bufferMaxBatches ?? fetchPlannerDefaults.bufferMaxBatches, 1),
    retryBackoffMs: integer('retryBackoffMs', options.retryBackoffMs ?? fetchPlannerDefaults.retryBackoffMs, 0),
    emptyBatches: options.emptyBatches ?? fetchPlannerDefaults.emptyBatches,
  }
}
