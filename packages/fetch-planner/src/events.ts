import type { KafkaError } from '@kafkats/protocol'
import type { DataLossError } from './data-loss-error.js'

/** The reset policy was applied to a partition (leader OFFSET_OUT_OF_RANGE, or no offset to start from). */
export interface OffsetResetEvent {
  topic: string
  partition: number
  /** The offset that could not be used, or null when there was none. */
  previousOffset: bigint | null
  /** Where fetching continues. */
  offset: bigint
  policy: 'earliest' | 'latest'
  reason: string
}

/** A Fetch request is about to be sent to broker `nodeId`. */
export interface FetchStartEvent {
  nodeId: number
}

/** A Fetch response from broker `nodeId` was handled (a request that failed has no such event). */
export interface FetchResponseEvent {
  nodeId: number
  /** From sending the request to the end of handling its answer. */
  durationMs: number
  /** Partitions the response answered. */
  partitionCount: number
  /** Batches it added to the buffer `poll()` drains (one per partition with records, or with only control records / aborted transactions). */
  bufferedBatches: number
}

/** Events of a `FetchPlanner`. Listeners run synchronously; an exception in one is logged, not thrown. */
export interface FetchPlannerEventMap {
  /** Log truncation found (KIP-320); the partition continues from `error.endOffset`. */
  dataLoss: DataLossError
  offsetReset: OffsetResetEvent
  /**
   * A partition cannot be fetched until the application acts (an OffsetOutOfRangeError with
   * autoOffsetReset 'none', TOPIC_AUTHORIZATION_FAILED, a corrupt batch): it is paused until
   * `seek`. Also non-fatal problems worth surfacing (an unknown topic), with `retriable` true.
   */
  error: KafkaError
  /** Every Fetch request sent, and every response handled: for clients that report fetch activity per consumer. */
  fetchStart: FetchStartEvent
  fetchResponse: FetchResponseEvent
}

export type FetchPlannerListener<K extends keyof FetchPlannerEventMap> = (event: FetchPlannerEventMap[K]) => void
