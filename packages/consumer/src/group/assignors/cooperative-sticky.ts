import {
  type SyncAssignor,
  type AssignorInput,
  type AssignorMember,
  type GroupAssignment,
  type TopicPartition,
  compareTopicPartitions,
  sortMembers,
  topicPartitionKey,
  useRackAwareAssignment,
} from './types.js'

interface PartitionSlot {
  tp: TopicPartition
  key: string
  racks: ReadonlySet<string>
  /** Members (by index) subscribed to the partition's topic. */
  eligible: number[]
}

/**
 * A balanced assignment that keeps as many partitions as possible where they are (Java's
 * `AbstractStickyAssignor`), with KIP-881 rack preference:
 *
 * 1. A member keeps each partition it validly owns: subscribed, still existing, claimed in the
 *    newest generation and by nobody else in that generation. With racks in play, only owned
 *    partitions with a replica in the member's rack are kept up front; the others are offered to
 *    their owner first later.
 * 2. The rest go, fewest candidate members first, to a rack-local member below the average, then
 *    to the least loaded candidate (the previous owner, then a rack-local member, on ties).
 * 3. Partitions move from the most to the least loaded members until no partition can move to a
 *    candidate with at least two fewer partitions, moving newly placed and rack-remote ones first.
 */
export function stickyAssign(input: AssignorInput): GroupAssignment {
  const members = sortMembers(input.members)
  const rackAware = useRackAwareAssignment(input)
  const slots = new Map<string, PartitionSlot>()
  for (const [topic, partitions] of input.topics) {
    const eligible: number[] = []
    members.forEach((member, index) => {
      if (member.topics.includes(topic)) eligible.push(index)
    })
    if (eligible.length === 0) continue
    for (const p of partitions) {
      const key = topicPartitionKey(topic, p.partition)
      slots.set(key, { tp: { topic, partition: p.partition }, key, racks: new Set(p.racks), eligible })
    }
  }
  const rackMatch = (memberIndex: number, slot: PartitionSlot): boolean => {
    const rack = members[memberIndex]!.rackId
    return rack !== null && slot.racks.has(rack)
  }

  // 1. Valid previous owners: the newest generation wins; a tie in it leaves the partition unowned.
  const previousOwner = new Map<string, number>()
  const claims = new Map<string, { generation: number; members: number[] }>()
  members.forEach((member, index) => {
    for (const tp of member.ownedPartitions) {
      const key = topicPartitionKey(tp.topic, tp.partition)
      const slot = slots.get(key)
      if (slot === undefined || !slot.eligible.includes(index)) continue
      const claim = claims.get(key)
      if (claim === undefined || member.generationId > claim.generation) claims.set(key, { generation: member.generationId, members: [index] })
      else if (member.generationId === claim.generation) claim.members.push(index)
    }
  })
  for (const [key, claim] of claims) if (claim.members.length === 1) previousOwner.set(key, claim.members[0]!)

  const owner = new Map<string, number>()
  const owned: Array<Set<string>> = members.map(() => new Set())
  /** Partitions placed in step 1 (moved last when balancing). */
  const kept = new Set<string>()
  const place = (key: string, memberIndex: number): void => {
    const before = owner.get(key)
    if (before !== undefined) owned[before]!.delete(key)
    owner.set(key, memberIndex)
    owned[memberIndex]!.add(key)
  }
  for (const [key, memberIndex] of previousOwner) {
    if (rackAware && !rackMatch(memberIndex, slots.get(key)!) && slots.get(key)!.racks.size > 0) continue
    place(key, memberIndex)
    kept.add(key)
  }

  // 2. Unowned partitions, the most constrained first.
  const unassigned = [...slots.values()]
    .filter((slot) => !owner.has(slot.key))
    .sort((a, b) => a.eligible.length - b.eligible.length || compareTopicPartitions(a.tp, b.tp))
  const average = members.length === 0 ? 0 : Math.ceil(slots.size / members.length)
  if (rackAware) {
    for (const slot of unassigned) {
      let best = -1
      for (const index of slot.eligible) {
        if (!rackMatch(index, slot) || owned[index]!.size >= average) continue
        const preferred = previousOwner.get(slot.key) === index
        if (best === -1 || preferred || owned[index]!.size < owned[best]!.size) best = index
        if (preferred) break
      }
      if (best !== -1) place(slot.key, best)
    }
  }
  for (const slot of unassigned) {
    if (owner.has(slot.key)) continue
    let best = -1
    for (const index of slot.eligible) {
      if (best === -1 || better(index, best, slot)) best = index
    }
    place(slot.key, best)
  }
  function better(candidate: number, current: number, slot: PartitionSlot): boolean {
    const a = owned[candidate]!.size
    const b = owned[current]!.size
    if (a !== b) return a < b
    const previous = previousOwner.get(slot.key)
    if (previous === candidate) return true
    if (previous === current) return false
    if (rackAware && rackMatch(candidate, slot) !== rackMatch(current, slot)) return rackMatch(candidate, slot)
    return false
  }

  // 3. Balance: move from the most loaded member while some candidate has two fewer partitions.
  for (let guard = 0; guard < slots.size * members.length + 1; guard++) {
    const byLoad = members.map((_, index) => index).sort((a, b) => owned[b]!.size - owned[a]!.size || a - b)
    let moved = false
    for (const from of byLoad) {
      const load = owned[from]!.size
      let bestMove: { key: string; to: number; score: number } | undefined
      for (const key of owned[from]!) {
        const slot = slots.get(key)!
        for (const to of slot.eligible) {
          if (owned[to]!.size > load - 2) continue
          // Lower is better: keep sticky partitions, keep rack-local ones, fill the emptiest member.
          const score =
            (kept.has(key) ? 4 : 0) +
            (rackAware && rackMatch(from, slot) ? 2 : 0) +
            (rackAware && !rackMatch(to, slot) ? 1 : 0)
          if (
            bestMove === undefined ||
            score < bestMove.score ||
            (score === bestMove.score && owned[to]!.size < owned[bestMove.to]!.size) ||
            (score === bestMove.score &&
              owned[to]!.size === owned[bestMove.to]!.size &&
              compareTopicPartitions(slot.tp, slots.get(bestMove.key)!.tp) > 0)
          ) {
            bestMove = { key, to, score }
          }
        }
      }
      if (bestMove !== undefined) {
        place(bestMove.key, bestMove.to)
        kept.delete(bestMove.key)
        moved = true
        break
      }
    }
    if (!moved) break
  }

  const assignment: GroupAssignment = new Map()
  members.forEach((member, index) => {
    assignment.set(
      member.memberId,
      [...owned[index]!].map((key) => slots.get(key)!.tp).sort(compareTopicPartitions),
    )
  })
  return assignment
}

/**
 * KIP-429: a partition that moves to another member is left out of this generation's
 * assignment. Its current owner, not finding it in its own assignment, revokes it and rejoins;
 * the follow-up rebalance then hands it to the new owner. A partition is therefore never owned
 * by two members at once. Every claim counts here, stale or conflicting ones too: a member
 * gives up a partition only by not being assigned it.
 */
export function withoutPartitionsStillOwnedElsewhere(members: readonly AssignorMember[], assignment: GroupAssignment): GroupAssignment {
  const claimedBy = new Map<string, Set<string>>()
  for (const member of members) {
    for (const tp of member.ownedPartitions) {
      const key = topicPartitionKey(tp.topic, tp.partition)
      const set = claimedBy.get(key) ?? new Set()
      set.add(member.memberId)
      claimedBy.set(key, set)
    }
  }
  const adjusted: GroupAssignment = new Map()
  for (const [memberId, partitions] of assignment) {
    adjusted.set(
      memberId,
      partitions.filter((tp) => {
        const claimants = claimedBy.get(topicPartitionKey(tp.topic, tp.partition))
        return claimants === undefined || [...claimants].every((claimant) => claimant === memberId)
      }),
    )
  }
  return adjusted
}

/** Java's `CooperativeStickyAssignor` (`cooperative-sticky`, the default): sticky + KIP-429 two-phase moves. */
export const cooperativeStickyAssignor: SyncAssignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign(input: AssignorInput): GroupAssignment {
    return withoutPartitionsStillOwnedElsewhere(input.members, stickyAssign(input))
  },
}
