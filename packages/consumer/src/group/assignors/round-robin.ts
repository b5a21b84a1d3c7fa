import { type SyncAssignor, type AssignorInput, type GroupAssignment, compareStrings, emptyAssignment, sortMembers } from './types.js'

/**
 * Java's `RoundRobinAssignor` (`roundrobin`, eager): every partition of every subscribed topic,
 * ordered by topic then partition, dealt to the members in turn, skipping members that do not
 * subscribe to the partition's topic. Like Java's, it is not rack-aware (KIP-881 covers range
 * and the sticky assignors).
 */
export const roundRobinAssignor: SyncAssignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  assign(input: AssignorInput): GroupAssignment {
    const assignment = emptyAssignment(input.members)
    const members = sortMembers(input.members)
    if (members.length === 0) return assignment
    let next = 0
    for (const topic of [...input.topics.keys()].sort(compareStrings)) {
      const partitions = [...input.topics.get(topic)!].sort((a, b) => a.partition - b.partition)
      for (const p of partitions) {
        for (let tries = 0; tries < members.length; tries++) {
          const member = members[next % members.length]!
          next++
          if (member.topics.includes(topic)) {
            assignment.get(member.memberId)!.push({ topic, partition: p.partition })
            break
          }
        }
      }
    }
    return assignment
  },
}
