// Client side of a KIP-227 incremental fetch session with one broker. The broker remembers the
// partitions of the session and their fetch state; after the first (full) request, a request
// carries only partitions whose fetch state changed, plus `forgottenTopicsData` for those to drop.
// A partition the request leaves out is still fetched, from the offset the broker remembers.

import { topicPartitionKey } from '@kafkats/metadata'

/** The fetch state of one partition, as sent to (and remembered by) the broker. */
export interface SessionPartition {
  topic: string
  topicId: string
  partition: number
  fetchOffset: bigint
  currentLeaderEpoch: number
  lastFetchedEpoch: number
  partitionMaxBytes: number
}

export interface SessionRequest {
  sessionId: number
  sessionEpoch: number
  /** Every partition is sent (a new session, or no sessions at all). */
  full: boolean
  /** Partitions to put in `topics`. */
  send: SessionPartition[]
  /** Partitions to put in `forgottenTopicsData`. */
  forget: SessionPartition[]
  /** What the broker fetches for this request (sent or remembered), by `topicPartitionKey`. */
  partitions: Map<string, SessionPartition>
}

/** Epoch of a request that opens a new session. */
export const INITIAL_EPOCH = 0
/** Epoch of a full request without a session (and of one that closes a session). */
export const FINAL_EPOCH = -1
/** Fetch sessions arrived with Fetch v7. */
export const FIRST_SESSION_VERSION = 7



function samePartitionState(a: SessionPartition, b: SessionPartition): boolean {
  return (
    a.fetchOffset === b.fetchOffset &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    a.lastFetchedEpoch === b.lastFetchedEpoch &&
    a.partitionMaxBytes === b.partitionMaxBytes &&
    a.topicId === b.topicId
  )
}

/** One broker's session: build each request from the partitions wanted, then report how it went. */
export class FetchSession {
  /** 0 while there is no session. */
  id = 0
  /** Epoch of the next request of the session. */
  epoch = INITIAL_EPOCH
  /** What the broker remembers (as of the last successful response). */
  private remembered = new Map<string, SessionPartition>()
  /** Request version and topic-id use of the session: a change starts a new session. */
  private shape = ''

  /** The request for `wanted` (in order), sent at `version`. */
  build(wanted: readonly SessionPartition[], version: number, useTopicIds: boolean): SessionRequest {
    const partitions = new Map<string, SessionPartition>()
    for (const partition of wanted) partitions.set(topicPartitionKey(partition.topic, partition.partition), partition)
    const shape = `${version}/${useTopicIds}`
    if (version < FIRST_SESSION_VERSION) {
      return { sessionId: 0, sessionEpoch: FINAL_EPOCH, full: true, send: [...wanted], forget: [], partitions }
    }
    if (this.id === 0 || shape !== this.shape) {
      this.reset()
      this.shape = shape
      return { sessionId: 0, sessionEpoch: INITIAL_EPOCH, full: true, send: [...wanted], forget: [], partitions }
    }
    const send: SessionPartition[] = []
    for (const partition of wanted) {
      const known = this.remembered.get(topicPartitionKey(partition.topic, partition.partition))
      if (known === undefined || !samePartitionState(known, partition)) send.push(partition)
    }
    const forget: SessionPartition[] = []
    for (const [key, known] of this.remembered) if (!partitions.has(key)) forget.push(known)
    return { sessionId: this.id, sessionEpoch: this.epoch, full: false, send, forget, partitions }
  }

  /** The broker answered `request` without a top-level error; `sessionId` is the response's. */
  succeeded(request: SessionRequest, sessionId: number): void {
    if (request.sessionEpoch === FINAL_EPOCH) {
      this.remembered.clear()
      return
    }
    if (request.full) {
      // The broker may decline to open a session (sessionId 0): the next request is full again.
      this.id = sessionId
      this.epoch = sessionId === 0 ? INITIAL_EPOCH : nextEpoch(INITIAL_EPOCH)
    } else {
      this.epoch = nextEpoch(this.epoch)
    }
    this.remembered = sessionId === 0 ? new Map() : new Map(request.partitions)
  }

  /** A session error, any other top-level error, or a failed request: start over with a full request. */
  reset(): void {
    this.id = 0
    this.epoch = INITIAL_EPOCH
    this.remembered.clear()
  }

  /** Partitions the broker remembers (for tests and logs). */
  get size(): number {
    return this.remembered.size
  }
}

function nextEpoch(epoch: number): number {
  return epoch >= 0x7fffffff ? 1 : epoch + 1
}
