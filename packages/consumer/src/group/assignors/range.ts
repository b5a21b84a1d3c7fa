import {
  type SyncAssignor,
  type AssignorInput,
  type AssignorMember,
  type GroupAssignment,
  emptyAssignment,
  sortMembers,
  useRackAwareAssignment,
} from './types.js'

/**
 * Java's `RangeAssignor` (`range`, eager): per topic, the subscribed members in order each take
 * a contiguous range; the first `partitions % members` take one extra. With member racks
 * (KIP-881), each member's quota stays the same but it first takes partitions with a replica in
 * its rack.
 */
export const rangeAssignor: SyncAssignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign(input: AssignorInput): GroupAssignment {
    const assignment = emptyAssignment(input.members)
    const rackAware = useRackAwareAssignment(input)
    for (const [topic, partitions] of [...input.topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const members = sortMembers(input.members.filter((member) => member.topics.includes(topic)))
      if (members.length === 0 || partitions.length === 0) continue
      const sorted = [...partitions].sort((a, b) => a.partition - b.partition)
      const per = Math.floor(sorted.length / members.length)
      const extra = sorted.length % members.length
      const quota = (i: number): number => per + (i < extra ? 1 : 0)
      if (!rackAware) {
        let start = 0
        members.forEach((member, i) => {
          const take = sorted.slice(start, start + quota(i))
          start += take.length
          assignment.get(member.memberId)!.push(...take.map((p) => ({ topic, partition: p.partition })))
        })
        continue
      }
      const taken = new Set<number>()
      const counts = new Map<AssignorMember, number>(members.map((member) => [member, 0]))
      // Pass 1: rack-local partitions, within each member's quota.
      members.forEach((member, i) => {
        if (member.rackId === null) return
        for (const p of sorted) {
          if (counts.get(member)! >= quota(i)) break
          if (taken.has(p.partition) || !p.racks.includes(member.rackId)) continue
          taken.add(p.partition)
          counts.set(member, counts.get(member)! + 1)
          assignment.get(member.memberId)!.push({ topic, partition: p.partition })
        }
      })
      // Pass 2: the rest, in order, to members below quota.
      let next = 0
      members.forEach((member, i) => {
        while (counts.get(member)! < quota(i)) {
          while (next < sorted.length && taken.has(sorted[next]!.partition)) next++
          const p = sorted[next]
          if (p === undefined) return
          taken.add(p.partition)
          counts.set(member, counts.get(member)! + 1)
          assignment.get(member.memberId)!.push({ topic, partition: p.partition })
        }
      })
    }
    for (const list of assignment.values()) list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    return assignment
  },
}
