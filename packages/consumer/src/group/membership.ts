import type { TopicPartition } from './assignors/types.js'
import type { CommitIdentity } from './offsets.js'

/**
 * What a membership protocol (classic or KIP-848) asks of the consumer that owns the partitions.
 * Every call may take time (waiting for the application to finish a batch, committing, calling
 * listeners); the membership awaits it before telling the coordinator.
 */
export interface MembershipHost {
  /** The partitions the consumer owns now. */
  owned(): TopicPartition[]
  /**
   * Classic protocol, before each JoinGroup: finish in-flight commits and auto-commit; an eager
   * protocol also revokes every owned partition here (Java's `onJoinPrepare`).
   */
  prepareJoin(eager: boolean): Promise<void>
  /** Gives partitions up cleanly: stop handing out their batches, let the application finish the one it holds, commit, call `revoked`. */
  revoke(partitions: TopicPartition[]): Promise<void>
  /** Takes partitions: fetch their committed offsets, start fetching, call `assigned`. */
  assign(partitions: TopicPartition[]): Promise<void>
  /** Drops partitions at once, without committing (the group moved on without us), and calls `lost`. */
  lose(partitions: TopicPartition[], reason: string): Promise<void>
  /** A non-retriable error ends the consumer; `next()` throws it. */
  fatal(error: unknown): void
}

export interface Membership {
  readonly protocol: 'classic' | 'consumer'
  /** Current member id ('' before the first join in the classic protocol). */
  readonly memberId: string
  /** Classic: the generation id; KIP-848: the member epoch. -1 / 0 when not a member. */
  readonly generationId: number
  start(): void
  /** Who commits now. Waits while a JoinGroup/SyncGroup is in flight; throws CommitFailedError when not a member. */
  commitIdentity(): Promise<CommitIdentity>
  /** Resolves once no join is in flight (classic) or after the next heartbeat answer (KIP-848). */
  settled(): Promise<void>
  /** An OffsetCommit answered ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH…: rejoin. */
  commitFenced(errorCode: number): void
  /** Stop starting new joins (the consumer is closing); heartbeats continue until `leave`. */
  beginClose(): void
  /** Leaves the group (classic LeaveGroup unless static; KIP-848 heartbeat with epoch -1, static -2) and stops. */
  leave(): Promise<void>
}
