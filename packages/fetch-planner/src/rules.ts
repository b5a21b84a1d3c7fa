// The fetch planner's decisions as pure functions of plain values: which replica a partition is
// fetched from, what a partition's Fetch answer means, what an OffsetForLeaderEpoch answer means,
// and how metadata changes and connection failures move partitions. No I/O and no clock: the
// caller passes `now`. The planner and its sources do the I/O and apply the decisions.
//
// KIP-392 (fetch from the closest replica) as kafkats implements it:
// - A partition answer with `preferredReadReplica >= 0` names the replica to fetch from: the
//   partition moves there, keeping its offset, for `preferredReplicaLeaseMs`. A replica the
//   client does not know (not in metadata) is not followed: metadata is refreshed and the
//   partition stays on the leader.
// - `-1` from the leader: no preference, keep fetching from the leader. `-1` from the follower we
//   were sent to: keep fetching from it.
// - Back to the leader at once on NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE,
//   FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH (and the other "this broker cannot serve it"
//   errors) from the follower; on a failed dial or dropped connection to it; when it leaves the
//   partition's replicas or the cluster; and on any leader or leader-epoch change. After a failure
//   of the replica (not after a metadata change), the partition stays on the leader for one lease,
//   asked without a rack, so that records keep flowing while the leader still names the dead
//   replica (see `pinToLeader`).
// - OFFSET_OUT_OF_RANGE from the follower never resets the offset: below its log start, go back
//   to the leader; otherwise (above its high watermark: it lags) validate the offset with the
//   leader (OffsetForLeaderEpoch) and retry. Only the leader's OFFSET_OUT_OF_RANGE resets.
// - The lease is checked when the next request is built: once expired, the partition goes back
//   to the leader, which may name the same replica again.

import { ErrorCode, errorByCode } from '@kafkats/protocol'

/** What the planner knows about a partition's fetch position and replica choice. */
export interface CursorView {
  /** Next offset to fetch. */
  fetchOffset: bigint
  /** Leader epoch of the record before `fetchOffset` (-1 unknown). */
  offsetEpoch: number
  /** The replica we were redirected to (-1: fetch from the leader). */
  preferredReplica: number
  /** When the preferred replica stops being used without asking the leader again (ms). */
  leaseExpiresAt: number
  /** OFFSET_OUT_OF_RANGE answers in a row from the preferred replica that validation found to be lag. */
  followerOutOfRangeCount: number
  /** After the preferred replica failed: fetch from the leader without a rack (no redirect) until then (ms). */
  leaderPinnedUntil: number
}

/** What metadata knows about the partition. */
export interface PartitionView {
  /** -1 when unknown. */
  leader: number
  replicas: readonly number[]
}

// ---------------------------------------------------------------------------------------------
// Which replica to fetch from (evaluated each time a Fetch request is built)

export type ReplicaChoice =
  | { broker: number; backToLeader: false }
  | { broker: number; backToLeader: true; reason: 'lease expired' | 'replica left the partition' | 'replica left the cluster' }

/**
 * The broker to fetch the partition from now: the preferred replica while its lease runs and it
 * is still a known replica of the partition, otherwise the leader (`broker` -1 when the leader is
 * unknown). `backToLeader` says the preferred replica was just given up, and why.
 */
export function chooseReplica(cursor: Pick<CursorView, 'preferredReplica' | 'leaseExpiresAt'>, partition: PartitionView, now: number, isKnownBroker: (id: number) => boolean): ReplicaChoice {
  const preferred = cursor.preferredReplica
  if (preferred < 0 || preferred === partition.leader) return { broker: partition.leader, backToLeader: false }
  if (now >= cursor.leaseExpiresAt) return { broker: partition.leader, backToLeader: true, reason: 'lease expired' }
  if (!partition.replicas.includes(preferred)) return { broker: partition.leader, backToLeader: true, reason: 'replica left the partition' }
  if (!isKnownBroker(preferred)) return { broker: partition.leader, backToLeader: true, reason: 'replica left the cluster' }
  return { broker: preferred, backToLeader: false }
}

// ---------------------------------------------------------------------------------------------
// A partition's answer in a Fetch response

export interface PartitionAnswer {
  errorCode: number
  highWatermark: bigint
  logStartOffset: bigint
  preferredReadReplica: number
  /** Fetch v12+: `epoch` -1 when absent. */
  divergingEpoch: { epoch: number; endOffset: bigint }
}

export interface AnswerContext {
  /** The broker that answered. */
  responder: number
  /** The partition's leader according to metadata (-1 unknown). */
  leader: number
  /** The offset the request asked for. */
  fetchOffset: bigint
  now: number
  leaseMs: number
  isKnownBroker: (id: number) => boolean
  /** `followerOutOfRangeCount` of the cursor. */
  followerOutOfRangeCount?: number
}

export type FetchDecision =
  /** Use the records (if any); nothing else changes. */
  | { action: 'deliver' }
  /** Move the partition to `to`'s fetch source (same offset) until `leaseExpiresAt`. */
  | { action: 'redirect'; to: number; leaseExpiresAt: number }
  /** The named replica is not a broker we know: refresh metadata and keep fetching from the leader. */
  | { action: 'stay-on-leader'; refreshMetadata: true; unknownReplica: number }
  /** Leave the follower now and fetch from the leader. */
  | { action: 'to-leader'; reason: string; refreshMetadata: boolean }
  /** Check the offset with the leader (OffsetForLeaderEpoch) before fetching again; keep the replica choice. */
  | { action: 'validate'; reason: string }
  /** The leader says the log diverged below our offset (Fetch v12+ divergingEpoch). */
  | { action: 'truncated'; endOffset: bigint; endOffsetEpoch: number }
  /** The leader's OFFSET_OUT_OF_RANGE: apply the reset policy. */
  | { action: 'reset'; reason: string }
  /** Try again later from the same place (after a metadata refresh when asked). */
  | { action: 'retry'; reason: string; refreshMetadata: boolean }
  /** An error retrying cannot fix: report it and stop fetching the partition. */
  | { action: 'fail'; errorCode: number }

/** Errors meaning "this broker cannot serve this partition (now)". */
const NOT_SERVABLE_HERE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.NOT_ENOUGH_REPLICAS,
])

/** Errors after which the partition cannot be fetched until the application acts. */
const FATAL = new Set<number>([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CORRUPT_MESSAGE, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE])

/** After this many "the follower lags" validations in a row, fetch from the leader instead. */
export const MAX_FOLLOWER_OUT_OF_RANGE = 3

/** What a partition's Fetch answer means for its cursor. */
export function decideFetchAnswer(answer: PartitionAnswer, context: AnswerContext): FetchDecision {
  const fromFollower = context.leader >= 0 && context.responder !== context.leader
  const code = answer.errorCode
  if (code === ErrorCode.NONE) {
    if (answer.divergingEpoch.epoch >= 0 && answer.divergingEpoch.endOffset >= 0n) {
      // A follower's view of epochs may lag the leader's: only the leader's answer is taken as truncation.
      if (fromFollower) return { action: 'validate', reason: 'the follower reported a diverging epoch' }
      return { action: 'truncated', endOffset: answer.divergingEpoch.endOffset, endOffsetEpoch: answer.divergingEpoch.epoch }
    }
    const preferred = answer.preferredReadReplica
    if (preferred >= 0 && preferred !== context.responder) {
      if (!context.isKnownBroker(preferred)) return { action: 'stay-on-leader', refreshMetadata: true, unknownReplica: preferred }
      return { action: 'redirect', to: preferred, leaseExpiresAt: context.now + context.leaseMs }
    }
    // -1 (or the responder itself): from the leader "fetch from me", from the follower "keep fetching from me".
    return { action: 'deliver' }
  }
  if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
    if (!fromFollower) return { action: 'reset', reason: 'the leader answered OFFSET_OUT_OF_RANGE' }
    if (answer.logStartOffset >= 0n && context.fetchOffset < answer.logStartOffset) {
      return { action: 'to-leader', reason: `offset ${context.fetchOffset} is below the follower's log start ${answer.logStartOffset}`, refreshMetadata: false }
    }
    if ((context.followerOutOfRangeCount ?? 0) >= MAX_FOLLOWER_OUT_OF_RANGE) {
      return { action: 'to-leader', reason: `the follower still lags behind offset ${context.fetchOffset}`, refreshMetadata: false }
    }
    return { action: 'validate', reason: `offset ${context.fetchOffset} is above the follower's high watermark ${answer.highWatermark}` }
  }
  if (NOT_SERVABLE_HERE.has(code)) {
    const refreshMetadata = code !== ErrorCode.UNKNOWN_LEADER_EPOCH && code !== ErrorCode.OFFSET_NOT_AVAILABLE
    if (fromFollower) return { action: 'to-leader', reason: `the follower answered ${errorName(code)}`, refreshMetadata }
    return { action: 'retry', reason: `the leader answered ${errorName(code)}`, refreshMetadata }
  }
  if (FATAL.has(code)) return { action: 'fail', errorCode: code }
  // Anything else: retriable or not, a follower is given up; the leader is retried after a back-off.
  if (fromFollower) return { action: 'to-leader', reason: `the follower answered ${errorName(code)}`, refreshMetadata: true }
  return { action: 'retry', reason: `the leader answered ${errorName(code)}`, refreshMetadata: true }
}

// ---------------------------------------------------------------------------------------------
// An OffsetForLeaderEpoch answer (KIP-320)

export interface EpochAnswer {
  errorCode: number
  /** The largest epoch the leader has at or below the one asked (-1 undefined). */
  leaderEpoch: number
  /** The end offset of that epoch (-1 undefined). */
  endOffset: bigint
}

export type ValidationDecision =
  /** The offset is consistent with the leader's log. `offsetEpoch` is the epoch to keep for it. */
  | { action: 'valid'; offsetEpoch: number }
  /** The log was truncated below our offset: report data loss and continue at `endOffset`. */
  | { action: 'truncated'; endOffset: bigint; endOffsetEpoch: number }
  /** The leader cannot place the offset (the epoch is older than its log): fetch from the leader and let its answer decide (OFFSET_OUT_OF_RANGE there resets). */
  | { action: 'fetch-from-leader'; reason: string }
  | { action: 'retry'; reason: string; refreshMetadata: boolean }
  | { action: 'fail'; errorCode: number }

/**
 * What an OffsetForLeaderEpoch answer means for a cursor at `offset`. `offsetEpoch` -1 means the
 * request asked for the current leader epoch (its end offset is the leader's log end), which can
 * show the offset is beyond the log but not that records were lost.
 */
export function decideValidation(offset: bigint, offsetEpoch: number, answer: EpochAnswer): ValidationDecision {
  const code = answer.errorCode
  if (code === ErrorCode.NONE) {
    if (answer.endOffset < 0n || answer.leaderEpoch < 0) return { action: 'fetch-from-leader', reason: 'the leader does not know the epoch' }
    if (answer.endOffset < offset) {
      if (offsetEpoch < 0) return { action: 'fetch-from-leader', reason: `offset ${offset} is beyond the leader's log end ${answer.endOffset}` }
      return { action: 'truncated', endOffset: answer.endOffset, endOffsetEpoch: answer.leaderEpoch }
    }
    return { action: 'valid', offsetEpoch: offsetEpoch < 0 ? -1 : Math.min(offsetEpoch, answer.leaderEpoch) }
  }
  switch (code) {
    case ErrorCode.FENCED_LEADER_EPOCH:
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.UNKNOWN_TOPIC_ID:
    case ErrorCode.LEADER_NOT_AVAILABLE:
    case ErrorCode.KAFKA_STORAGE_ERROR:
    case ErrorCode.REPLICA_NOT_AVAILABLE:
      return { action: 'retry', reason: `the leader answered ${errorName(code)}`, refreshMetadata: true }
    case ErrorCode.UNKNOWN_LEADER_EPOCH:
    case ErrorCode.OFFSET_NOT_AVAILABLE:
    case ErrorCode.REQUEST_TIMED_OUT:
      return { action: 'retry', reason: `the leader answered ${errorName(code)}`, refreshMetadata: false }
    case ErrorCode.UNSUPPORTED_VERSION:
      // A broker without OffsetForLeaderEpoch for clients (< 2.3): skip validation, as Java does.
      return { action: 'valid', offsetEpoch }
    default:
      return { action: 'fail', errorCode: code }
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata changes and connection failures

/**
 * The leader or its epoch changed: fetch from the (new) leader, and re-validate the position
 * with it when the position has an epoch (KIP-320).
 */
export function onLeaderChange(cursor: Pick<CursorView, 'offsetEpoch'>): { toLeader: true; validate: boolean } {
  return { toLeader: true, validate: cursor.offsetEpoch >= 0 }
}

/** The partition's replicas changed: leave the preferred replica if it is no longer one of them. */
export function onReplicasChange(cursor: Pick<CursorView, 'preferredReplica'>, replicas: readonly number[]): { toLeader: boolean } {
  return { toLeader: cursor.preferredReplica >= 0 && !replicas.includes(cursor.preferredReplica) }
}

/** A broker left the cluster: leave it if it is the preferred replica. */
export function onBrokerRemoved(cursor: Pick<CursorView, 'preferredReplica'>, brokerId: number): { toLeader: boolean } {
  return { toLeader: cursor.preferredReplica === brokerId }
}

export type SourceFailureDecision = { action: 'to-leader' } | { action: 'retry'; refreshMetadata: true }

/**
 * A Fetch to `brokerId` failed (dial failed, connection dropped, request timed out): a partition
 * fetched from a follower goes back to its leader at once; a partition fetched from its leader
 * waits a back-off and a metadata refresh (the leader may have moved).
 */
export function onSourceFailure(cursor: Pick<CursorView, 'preferredReplica'>, brokerId: number, leader: number): SourceFailureDecision {
  if (cursor.preferredReplica === brokerId && brokerId !== leader) return { action: 'to-leader' }
  return { action: 'retry', refreshMetadata: true }
}

// ---------------------------------------------------------------------------------------------
// After the preferred replica failed

/**
 * When a partition leaves its preferred replica because the replica failed (a failed dial, a
 * dropped connection, an error answer), the leader would most likely name the same replica
 * again on the next Fetch (it learns about a dead broker only when the controller fences it,
 * `broker.session.timeout.ms` later), and a redirect carries no records: consumption would stall.
 * So the partition is pinned to its leader for one lease: until then its leader is asked without
 * a rack (no redirect), and records keep flowing. Moves caused by metadata (leader change,
 * replica removal) or by the lease expiring do not pin.
 */
export function pinToLeader(now: number, leaseMs: number): number {
  return now + leaseMs
}

/** The rack of a Fetch request: the client's rack, or none (null) while a partition in it is pinned to its leader. */
export function rackForRequest(rack: string | null, cursors: ReadonlyArray<Pick<CursorView, 'leaderPinnedUntil'>>, now: number): string | null {
  if (rack === null) return null
  for (const cursor of cursors) if (cursor.leaderPinnedUntil > now) return null
  return rack
}

// ---------------------------------------------------------------------------------------------
// The log line for redirects

/** `orders{0=>2, 3=>2}, payments{1=>3}`: the `moves` field of the preferred-replica info log. */
export function formatMoves(moves: ReadonlyArray<{ topic: string; partition: number; to: number }>): string {
  const byTopic = new Map<string, string[]>()
  for (const move of moves) {
    const list = byTopic.get(move.topic) ?? []
    list.push(`${move.partition}=>${move.to}`)
    byTopic.set(move.topic, list)
  }
  return [...byTopic].map(([topic, list]) => `${topic}{${list.join(', ')}}`).join(', ')
}

function errorName(code: number): string {
  return errorByCode(code).name
}
