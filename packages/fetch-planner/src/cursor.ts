import type { CursorView } from './rules.js'

/**
 * - `resolving`: waiting for an offset from the leader (ListOffsets: earliest/latest/timestamp or
 *   the reset policy).
 * - `validating`: waiting for the leader to confirm the offset (OffsetForLeaderEpoch, KIP-320).
 * - `fetching`: held by the fetch source of the broker it is fetched from (`source`).
 * - `failed`: stopped until `seek` (reset policy 'none', authorization, corrupt data).
 */
export type CursorState = 'resolving' | 'validating' | 'fetching' | 'failed'

/** What a `resolving` cursor asks the leader for. `policy`: the autoOffsetReset policy applies. */
export type ResolveTarget =
  | { kind: 'policy' }
  | { kind: 'earliest'; delta: bigint; policy: boolean }
  | { kind: 'latest'; delta: bigint; policy: boolean }
  | { kind: 'timestamp'; timestamp: bigint }

/** A partition's fetch state. Owned by the planner; fetch sources read it and hand answers back. */
export interface Cursor extends CursorView {
  readonly topic: string
  readonly partition: number
  readonly key: string
  state: CursorState
  resolve: ResolveTarget | null
  /** Why the policy reset happens (for the offsetReset event), and the offset that failed. */
  resetReason: string | null
  resetFrom: bigint | null
  /** Next offset to hand to the application (null while resolving). */
  position: bigint | null
  /** Leader epoch of the record before `position` (-1 unknown). */
  positionEpoch: number
  /** Broker id of the fetch source holding the cursor (-1 none). */
  source: number
  paused: boolean
  /** Not fetched, resolved or validated before this time (ms). */
  retryAt: number
  /** Bumped whenever the position is replaced: answers and buffered data of older generations are dropped. */
  generation: number
  /** A ListOffsets or OffsetForLeaderEpoch request for it is in flight. */
  busy: boolean
  /** Buffered batches not yet polled. */
  buffered: number
  /** The high watermark of the last Fetch answer without error (-1 before one): the lag is this minus `position`. */
  highWatermark: bigint
}

export function createCursor(topic: string, partition: number, key: string): Cursor {
  return {
    topic,
    partition,
    key,
    state: 'resolving',
    resolve: null,
    resetReason: null,
    resetFrom: null,
    fetchOffset: 0n,
    offsetEpoch: -1,
    position: null,
    positionEpoch: -1,
    preferredReplica: -1,
    leaseExpiresAt: 0,
    followerOutOfRangeCount: 0,
    leaderPinnedUntil: 0,
    source: -1,
    paused: false,
    retryAt: 0,
    generation: 0,
    busy: false,
    buffered: 0,
    highWatermark: -1n,
  }
}
