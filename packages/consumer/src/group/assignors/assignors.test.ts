import { describe, expect, it } from 'vitest'
import { cooperativeStickyAssignor, stickyAssign } from './cooperative-sticky.js'
import { rangeAssignor } from './range.js'
import { roundRobinAssignor } from './round-robin.js'
import { type SyncAssignor, type AssignorInput, type AssignorMember, type AssignorPartition, type GroupAssignment, type TopicPartition, useRackAwareAssignment } from './types.js'

function member(memberId: string, topics: string[], init: Partial<AssignorMember> = {}): AssignorMember {
  return { memberId, groupInstanceId: null, topics, ownedPartitions: [], generationId: -1, rackId: null, userData: null, ...init }
}

function topics(spec: Record<string, number | Array<readonly string[]>>): Map<string, AssignorPartition[]> {
  const map = new Map<string, AssignorPartition[]>()
  for (const [topic, value] of Object.entries(spec)) {
    map.set(
      topic,
      typeof value === 'number'
        ? Array.from({ length: value }, (_, partition) => ({ partition, racks: [] }))
        : value.map((racks, partition) => ({ partition, racks })),
    )
  }
  return map
}

const names = (list: readonly TopicPartition[] | undefined): string[] => (list ?? []).map((tp) => `${tp.topic}-${tp.partition}`)

function counts(assignment: GroupAssignment): number[] {
  return [...assignment.values()].map((list) => list.length)
}

function expectComplete(assignment: GroupAssignment, input: AssignorInput): void {
  const all = [...assignment.values()].flatMap(names)
  expect(new Set(all).size).toBe(all.length)
  const expected = [...input.topics].flatMap(([topic, partitions]) => partitions.map((p) => `${topic}-${p.partition}`))
  expect(all.sort()).toEqual(expected.sort())
}

describe('range', () => {
  it('matches the Java RangeAssignor example (2 members, 2 topics of 3)', () => {
    const input = { members: [member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])], topics: topics({ t0: 3, t1: 3 }) }
    const result = rangeAssignor.assign(input)
    expect(names(result.get('c0'))).toEqual(['t0-0', 't0-1', 't1-0', 't1-1'])
    expect(names(result.get('c1'))).toEqual(['t0-2', 't1-2'])
  })

  it('only gives a topic to its subscribers; static members sort by instance id', () => {
    const input = {
      members: [member('a', ['t0'], { groupInstanceId: 'z' }), member('b', ['t0', 't1'], { groupInstanceId: 'y' })],
      topics: topics({ t0: 2, t1: 2 }),
    }
    const result = rangeAssignor.assign(input)
    expect(names(result.get('b'))).toEqual(['t0-0', 't1-0', 't1-1'])
    expect(names(result.get('a'))).toEqual(['t0-1'])
  })

  it('with racks, keeps each quota and prefers rack-local partitions', () => {
    // Partition i has a single replica in rack-(i % 2 + 1).
    const racks = Array.from({ length: 6 }, (_, i) => [`rack-${(i % 2) + 1}`])
    const input = {
      members: [member('a', ['t'], { rackId: 'rack-1' }), member('b', ['t'], { rackId: 'rack-2' })],
      topics: topics({ t: racks }),
    }
    expect(useRackAwareAssignment(input)).toBe(true)
    const result = rangeAssignor.assign(input)
    expect(names(result.get('a'))).toEqual(['t-0', 't-2', 't-4'])
    expect(names(result.get('b'))).toEqual(['t-1', 't-3', 't-5'])
  })

  it('ignores racks when every partition has a replica in every member rack', () => {
    const all = ['rack-1', 'rack-2', 'rack-3']
    const input = {
      members: [member('a', ['t'], { rackId: 'rack-1' }), member('b', ['t'], { rackId: 'rack-2' })],
      topics: topics({ t: [all, all, all, all] }),
    }
    expect(useRackAwareAssignment(input)).toBe(false)
    expect(names(rangeAssignor.assign(input).get('a'))).toEqual(['t-0', 't-1'])
  })
})

describe('roundrobin', () => {
  it('matches the Java RoundRobinAssignor example', () => {
    const input = { members: [member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])], topics: topics({ t0: 3, t1: 3 }) }
    const result = roundRobinAssignor.assign(input)
    expect(names(result.get('c0'))).toEqual(['t0-0', 't0-2', 't1-1'])
    expect(names(result.get('c1'))).toEqual(['t0-1', 't1-0', 't1-2'])
  })

  it('skips members not subscribed to a topic', () => {
    const input = { members: [member('c0', ['t0']), member('c1', ['t0', 't1']), member('c2', ['t0', 't1', 't2'])], topics: topics({ t0: 1, t1: 2, t2: 3 }) }
    const result = roundRobinAssignor.assign(input)
    expectComplete(result, input)
    expect(names(result.get('c0'))).toEqual(['t0-0'])
    expect(names(result.get('c2'))).toEqual(['t1-1', 't2-0', 't2-1', 't2-2'])
  })
})

describe('sticky assignment', () => {
  it('balances a fresh group', () => {
    const input = { members: ['a', 'b', 'c'].map((id) => member(id, ['t'])), topics: topics({ t: 12 }) }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(counts(result)).toEqual([4, 4, 4])
  })

  it('keeps owned partitions and only moves what balance needs when a member joins', () => {
    const a = member('a', ['t'], { ownedPartitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 't', partition })), generationId: 3 })
    const b = member('b', ['t'], { ownedPartitions: [6, 7, 8, 9, 10, 11].map((partition) => ({ topic: 't', partition })), generationId: 3 })
    const input = { members: [a, b, member('c', ['t'])], topics: topics({ t: 12 }) }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(counts(result)).toEqual([4, 4, 4])
    for (const tp of result.get('a')!) expect(tp.partition).toBeLessThan(6)
    for (const tp of result.get('b')!) expect(tp.partition).toBeGreaterThanOrEqual(6)
  })

  it('hands a leaving member’s partitions out without moving anything else', () => {
    const owned = (ps: number[]): TopicPartition[] => ps.map((partition) => ({ topic: 't', partition }))
    const input = {
      members: [
        member('a', ['t'], { ownedPartitions: owned([0, 1, 2]), generationId: 5 }),
        member('b', ['t'], { ownedPartitions: owned([3, 4, 5]), generationId: 5 }),
        member('c', ['t'], { ownedPartitions: owned([6, 7, 8]), generationId: 5 }),
      ],
      topics: topics({ t: 12 }),
    }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(counts(result)).toEqual([4, 4, 4])
    expect(names(result.get('a'))).toEqual(expect.arrayContaining(['t-0', 't-1', 't-2']))
    expect(names(result.get('b'))).toEqual(expect.arrayContaining(['t-3', 't-4', 't-5']))
    expect(names(result.get('c'))).toEqual(expect.arrayContaining(['t-6', 't-7', 't-8']))
  })

  it('trusts the newest generation: an older claim or a same-generation conflict does not stick', () => {
    const input = {
      members: [
        member('a', ['t'], { ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], generationId: 4 }),
        member('b', ['t'], { ownedPartitions: [{ topic: 't', partition: 0 }], generationId: 7 }),
        member('c', ['t'], { ownedPartitions: [{ topic: 't', partition: 2 }], generationId: 7 }),
        member('d', ['t'], { ownedPartitions: [{ topic: 't', partition: 2 }], generationId: 7 }),
      ],
      topics: topics({ t: 4 }),
    }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(names(result.get('b'))).toEqual(['t-0'])
    expect(names(result.get('a'))).toEqual(['t-1'])
  })

  it('balances different subscriptions', () => {
    const input = {
      members: [member('a', ['t0']), member('b', ['t0', 't1']), member('c', ['t1', 't2'])],
      topics: topics({ t0: 3, t1: 3, t2: 3 }),
    }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(counts(result)).toEqual([3, 3, 3])
    expect(names(result.get('a'))).toEqual(['t0-0', 't0-1', 't0-2'])
    expect(names(result.get('c'))).toEqual(['t2-0', 't2-1', 't2-2'])
  })

  it('prefers rack-local partitions without giving up balance (KIP-881)', () => {
    // 12 partitions, each with replicas in two of three racks.
    const racks = Array.from({ length: 12 }, (_, i) => [`rack-${(i % 3) + 1}`, `rack-${((i + 1) % 3) + 1}`])
    const input = {
      members: [member('a', ['t'], { rackId: 'rack-1' }), member('b', ['t'], { rackId: 'rack-2' }), member('c', ['t'], { rackId: 'rack-3' })],
      topics: topics({ t: racks }),
    }
    const result = stickyAssign(input)
    expectComplete(result, input)
    expect(counts(result)).toEqual([4, 4, 4])
    for (const m of input.members) {
      for (const tp of result.get(m.memberId)!) expect(racks[tp.partition]).toContain(m.rackId)
    }
  })

  it('balance wins over rack locality when every replica is in one rack', () => {
    const input = {
      members: [member('a', ['t'], { rackId: 'rack-1' }), member('b', ['t'], { rackId: 'rack-2' })],
      topics: topics({ t: [['rack-1'], ['rack-1'], ['rack-1'], ['rack-1']] }),
    }
    expect(counts(stickyAssign(input))).toEqual([2, 2])
  })
})

/**
 * Drives members through classic cooperative rebalances as the group consumer does: each member
 * reports what it owns; after the assignment it revokes owned - assigned and, when it revoked
 * anything, asks for another rebalance. Members apply an assignment concurrently, so before
 * applying a round it checks that no partition newly given to a member is still owned by
 * another one (that member has not revoked it yet: two owners).
 */
class CooperativeGroup {
  readonly owned = new Map<string, Set<number>>()
  readonly revoked = new Map<string, number[]>()
  readonly assigned = new Map<string, number[]>()
  generation = 0
  rebalances = 0

  constructor(
    private readonly partitions: number,
    private readonly assignor: SyncAssignor = cooperativeStickyAssignor,
  ) {}

  join(id: string): void {
    this.owned.set(id, new Set())
  }

  leave(id: string): void {
    this.owned.delete(id)
  }

  rebalanceUntilStable(): void {
    for (let round = 0; round < 10; round++) {
      this.rebalances++
      const members = [...this.owned].map(([id, parts]) =>
        member(id, ['t'], { ownedPartitions: [...parts].map((partition) => ({ topic: 't', partition })), generationId: this.generation }),
      )
      const result = this.assignor.assign({ members, topics: topics({ t: this.partitions }) })
      this.generation++
      // Before anything is applied: a partition handed to a new owner must be owned by nobody.
      for (const [id, assignment] of result) {
        for (const { partition } of assignment) {
          if (this.owned.get(id)?.has(partition) === true) continue
          const holder = [...this.owned].find(([other, parts]) => other !== id && parts.has(partition))
          if (holder !== undefined) throw new Error(`two owners: partition ${partition} given to ${id} while ${holder[0]} still owns it`)
        }
      }
      let anyRevoked = false
      // Revocations first (a member drops before anyone else can take), then additions.
      for (const [id, parts] of this.owned) {
        const next = new Set(result.get(id)!.map((tp) => tp.partition))
        for (const p of parts) {
          if (!next.has(p)) {
            parts.delete(p)
            this.revoked.get(id)?.push(p) ?? this.revoked.set(id, [p])
            anyRevoked = true
          }
        }
      }
      for (const [id, parts] of this.owned) {
        for (const tp of result.get(id)!) {
          if (!parts.has(tp.partition)) {
            parts.add(tp.partition)
            this.assigned.get(id)?.push(tp.partition) ?? this.assigned.set(id, [tp.partition])
          }
        }
      }
      const all = [...this.owned.values()].flatMap((parts) => [...parts])
      expect(new Set(all).size).toBe(all.length)
      if (!anyRevoked) return
    }
    throw new Error('did not converge')
  }

  resetEvents(): void {
    this.revoked.clear()
    this.assigned.clear()
    this.rebalances = 0
  }
}

describe('cooperative-sticky (KIP-429)', () => {
  it('a joining member gets partitions only after their owners revoked them, in a second rebalance', () => {
    const group = new CooperativeGroup(12)
    for (const id of ['a', 'b', 'c']) group.join(id)
    group.rebalanceUntilStable()
    expect([...group.owned.values()].map((s) => s.size)).toEqual([4, 4, 4])
    const before = new Map([...group.owned].map(([id, parts]) => [id, new Set(parts)]))
    group.resetEvents()

    group.join('d')
    group.rebalanceUntilStable()
    expect(group.rebalances).toBe(2)
    expect([...group.owned.values()].map((s) => s.size)).toEqual([3, 3, 3, 3])
    // Each old member revoked exactly one partition, which went to d; nobody lost a partition it kept.
    for (const id of ['a', 'b', 'c']) {
      expect(group.revoked.get(id)).toHaveLength(1)
      expect(group.assigned.get(id)).toBeUndefined()
      for (const p of group.owned.get(id)!) expect(before.get(id)!.has(p)).toBe(true)
    }
    expect(group.assigned.get('d')!.sort()).toEqual(['a', 'b', 'c'].map((id) => group.revoked.get(id)![0]!).sort())
  })

  it('control: an eager sticky assignment (no KIP-429 filter) moves owned partitions in one round: two owners', () => {
    const eagerSticky: SyncAssignor = { name: 'eager-sticky', rebalanceProtocol: 'eager', assign: stickyAssign }
    const group = new CooperativeGroup(12, eagerSticky)
    for (const id of ['a', 'b', 'c']) group.join(id)
    group.rebalanceUntilStable()
    group.join('d')
    expect(() => group.rebalanceUntilStable()).toThrow(/two owners: partition \d+ given to d while [abc] still owns it/)
  })

  it('a leaving member’s partitions go out in one rebalance and nobody else revokes', () => {
    const group = new CooperativeGroup(12)
    for (const id of ['a', 'b', 'c', 'd']) group.join(id)
    group.rebalanceUntilStable()
    group.resetEvents()
    group.leave('b')
    group.rebalanceUntilStable()
    expect(group.rebalances).toBe(1)
    expect(group.revoked.size).toBe(0)
    expect([...group.owned.values()].map((s) => s.size)).toEqual([4, 4, 4])
  })

  it('churn: members come and go; no partition ever has two owners and revocations are only of moved partitions', () => {
    const group = new CooperativeGroup(24)
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']
    let seed = 7
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    group.join('m0')
    group.rebalanceUntilStable()
    for (let step = 0; step < 40; step++) {
      const present = ids.filter((id) => group.owned.has(id))
      const absent = ids.filter((id) => !group.owned.has(id))
      group.resetEvents()
      if (absent.length > 0 && (present.length <= 1 || random(2) === 0)) group.join(absent[random(absent.length)]!)
      else group.leave(present[random(present.length)]!)
      group.rebalanceUntilStable()
      const sizes = [...group.owned.values()].map((s) => s.size)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      // A member that revoked a partition does not get it back within the same change.
      for (const [id, revoked] of group.revoked) for (const p of revoked) expect(group.owned.get(id)?.has(p) ?? false).toBe(false)
      // Members that stay never both revoke and receive.
      for (const id of group.revoked.keys()) expect(group.assigned.get(id)).toBeUndefined()
    }
  })
})
