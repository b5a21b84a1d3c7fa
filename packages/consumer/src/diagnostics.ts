import { channel } from 'node:diagnostics_channel'
import type { TopicPartition } from './group/assignors/types.js'

/*
 * node:diagnostics_channel events of @kafkats/consumer's group consumer. Each channel is created
 * once, here; a message is built only when `hasSubscribers` says someone listens. Group events
 * are rare (rebalances, commits), so they carry whole partition lists.
 */

/** What every group event names. */
export interface GroupMessageBase {
  groupId: string
  /** '' before the first join. */
  memberId: string
  /** Classic: the generation id; KIP-848: the member epoch. */
  generationId: number
  /** `classic` (JoinGroup/SyncGroup) or `consumer` (KIP-848 heartbeats). */
  protocol: 'classic' | 'consumer'
}

/** `kafkats:group:join`: the member joined (classic: a JoinGroup answer without error; KIP-848: the first heartbeat that gave it an epoch). */
export interface GroupJoinMessage extends GroupMessageBase {
  /** Classic: whether this member leads the generation (runs the assignor). False under KIP-848 (the broker assigns). */
  leader: boolean
  /** Classic: the assignor the group chose; KIP-848: the server assignor asked for, or null. */
  protocolName: string | null
  /** Classic, the leader only: the members of the generation; else 0. */
  memberCount: number
  /** Classic: from the JoinGroup request to its answer (it waits for the other members). 0 under KIP-848. */
  durationMs: number
}

/** `kafkats:group:sync`: classic SyncGroup answered; `assignedPartitions` is this member's share. */
export interface GroupSyncMessage extends GroupMessageBase {
  leader: boolean
  assignedPartitions: TopicPartition[]
  durationMs: number
}

/** `kafkats:group:assignment`: partitions were taken: their committed offsets fetched, fetching started, `assigned` called. */
export interface GroupAssignmentMessage extends GroupMessageBase {
  partitions: TopicPartition[]
}

/** `kafkats:group:revoke`: partitions were handed back cleanly (committed with auto-commit, `revoked` called). */
export interface GroupRevokeMessage extends GroupMessageBase {
  partitions: TopicPartition[]
}

/** `kafkats:group:lost`: partitions were dropped without a commit: the group moved on without this member. */
export interface GroupLostMessage extends GroupMessageBase {
  partitions: TopicPartition[]
  reason: string
}

/** `kafkats:group:commit`: one OffsetCommit was answered (or failed). Retries publish again. */
export interface GroupCommitMessage extends GroupMessageBase {
  /** The offsets sent, each with the coordinator's error code for it (0: committed; -1: no answer). */
  offsets: Array<{ topic: string; partition: number; offset: bigint; errorCode: number }>
  durationMs: number
  /** The request failed as a whole (no connection, coordinator gone). */
  error: Error | null
}

/** The names of the channels @kafkats/consumer publishes on. */
export const consumerChannelNames = {
  groupJoin: 'kafkats:group:join',
  groupSync: 'kafkats:group:sync',
  groupAssignment: 'kafkats:group:assignment',
  groupRevoke: 'kafkats:group:revoke',
  groupLost: 'kafkats:group:lost',
  groupCommit: 'kafkats:group:commit',
} as const

/** Each channel's message type, by channel name. */
export interface ConsumerChannelMessages {
  'kafkats:group:join': GroupJoinMessage
  'kafkats:group:sync': GroupSyncMessage
  'kafkats:group:assignment': GroupAssignmentMessage
  'kafkats:group:revoke': GroupRevokeMessage
  'kafkats:group:lost': GroupLostMessage
  'kafkats:group:commit': GroupCommitMessage
}

// Module-level references keep the channels alive (node holds unreferenced channels weakly).
export const groupJoinChannel = channel(consumerChannelNames.groupJoin)
export const groupSyncChannel = channel(consumerChannelNames.groupSync)
export const groupAssignmentChannel = channel(consumerChannelNames.groupAssignment)
export const groupRevokeChannel = channel(consumerChannelNames.groupRevoke)
export const groupLostChannel = channel(consumerChannelNames.groupLost)
export const groupCommitChannel = channel(consumerChannelNames.groupCommit)
