import { type TopicPartition, topicPartitionKey } from '@kafkats/metadata'

export type { TopicPartition }

/** One member of a classic group, as its JoinGroup subscription describes it. */
export interface AssignorMember {
  memberId: string
  /** KIP-345 static membership id, or null. */
  groupInstanceId: string | null
  /** Topics the member subscribes to. */
  topics: readonly string[]
  /** Partitions the member owns now (ConsumerProtocolSubscription v1+; cooperative protocols). */
  ownedPartitions: readonly TopicPartition[]
  /** The generation in which `ownedPartitions` were assigned (v2+), -1 when unknown. */
  generationId: number
  /** The member's rack (v3+, KIP-881), or null. */
  rackId: string | null
  /** The user data of the member's subscription (what its assignor's `subscriptionUserData` gave), or null. */
  userData: Uint8Array | null
}

/** A partition of a subscribed topic with the racks of its replicas (KIP-881; empty when unknown). */
export interface AssignorPartition {
  partition: number
  racks: readonly string[]
}

export interface AssignorInput {
  members: readonly AssignorMember[]
  /** Partitions of every topic some member subscribes to (topics missing here are not assigned). */
  topics: ReadonlyMap<string, readonly AssignorPartition[]>
}

/** Member id → its partitions. Every member of the input has an entry (possibly empty). */
export type GroupAssignment = Map<string, TopicPartition[]>

/**
 * A classic-protocol partition assignor, run by the group leader. `eager` protocols make every
 * member give up all its partitions before a rebalance; `cooperative` ones (KIP-429) let members
 * keep what does not move, and only revoke partitions that move, in a second rebalance.
 */
export interface Assignor {
  /** The protocol name sent in JoinGroup (Java's `assignor.name()`): `range`, `roundrobin`, `cooperative-sticky`. */
  readonly name: string
  readonly rebalanceProtocol: 'eager' | 'cooperative'
  /**
   * Bytes sent in this member's subscription for this assignor (Java:
   * `ConsumerPartitionAssignor.subscriptionUserData`); the leader's assignor reads them as
   * `AssignorMember.userData`. Called for every JoinGroup.
   */
  subscriptionUserData?(topics: readonly string[]): Uint8Array | null
  /** Run by the leader; may return a promise (assignors that ask something first), which the rebalance waits for. */
  assign(input: AssignorInput): GroupAssignment | Promise<GroupAssignment>
}

/** An assignor that answers at once, as the built-in ones do. */
export interface SyncAssignor extends Assignor {
  assign(input: AssignorInput): GroupAssignment
}

export { topicPartitionKey }

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}

/**
 * Members in the order assignors hand out partitions: static members by group instance id
 * first (their order survives restarts, as in Java's `MemberInfo` ordering), then by member id.
 */
export function sortMembers<T extends { memberId: string; groupInstanceId: string | null }>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => {
    if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId)
    if (a.groupInstanceId !== null) return -1
    if (b.groupInstanceId !== null) return 1
    return compareStrings(a.memberId, b.memberId)
  })
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * KIP-881 (as Java's `AbstractPartitionAssignor.useRackAwareAssignment`): rack-aware assignment
 * only matters when members declare racks, some partition has replicas in one of those racks, and
 * at least one partition is missing from some member rack (with every partition replicated to
 * every rack, any assignment is already rack-local).
 */
export function useRackAwareAssignment(input: AssignorInput): boolean {
  const memberRacks = new Set<string>()
  for (const member of input.members) if (member.rackId !== null && member.rackId !== '') memberRacks.add(member.rackId)
  if (memberRacks.size === 0) return false
  let anyMatch = false
  let anyMissing = false
  for (const partitions of input.topics.values()) {
    for (const partition of partitions) {
      const racks = new Set(partition.racks)
      for (const rack of memberRacks) {
        if (racks.has(rack)) anyMatch = true
        else anyMissing = true
      }
    }
  }
  return anyMatch && anyMissing
}

/** An empty assignment entry for every member. */
export function emptyAssignment(members: readonly AssignorMember[]): GroupAssignment {
  const assignment: GroupAssignment = new Map()
  for (const member of members) assignment.set(member.memberId, [])
  return assignment
}
