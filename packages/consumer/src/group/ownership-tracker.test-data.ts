// The group consumer's tests' recorder of rebalance events (not exported); the helpers every
// package's tests share (topics, raw Produce requests, waiting) are in @kafkats/testkit.
import type { TopicPartition } from './assignors/types.js'

export interface RebalanceEvent {
  member: string
  kind: 'assigned' | 'revoked' | 'lost'
  partitions: number[]
  at: number
}

/**
 * Records every listener call of several members and tracks who owns what, failing (into
 * `violations`) when a partition would be owned by two members at once.
 */
export class OwnershipTracker {
  readonly events: RebalanceEvent[] = []
  readonly owner = new Map<string, string>()
  readonly violations: string[] = []

  listeners(member: string): {
    assigned: (partitions: TopicPartition[]) => void
    revoked: (partitions: TopicPartition[]) => void
    lost: (partitions: TopicPartition[]) => void
  } {
    const record = (kind: RebalanceEvent['kind'], partitions: TopicPartition[]): void => {
      this.events.push({ member, kind, partitions: partitions.map((tp) => tp.partition).sort((a, b) => a - b), at: Date.now() })
      for (const tp of partitions) {
        const key = `${tp.topic}-${tp.partition}`
        if (kind === 'assigned') {
          const current = this.owner.get(key)
          if (current !== undefined && current !== member) this.violations.push(`${key} assigned to ${member} while ${current} owns it`)
          this.owner.set(key, member)
        } else if (this.owner.get(key) === member) {
          this.owner.delete(key)
        }
      }
    }
    return {
      assigned: (partitions) => record('assigned', partitions),
      revoked: (partitions) => record('revoked', partitions),
      lost: (partitions) => record('lost', partitions),
    }
  }

  ownedBy(member: string): number[] {
    return [...this.owner]
      .filter(([, owner]) => owner === member)
      .map(([key]) => Number(key.slice(key.lastIndexOf('-') + 1)))
      .sort((a, b) => a - b)
  }

  eventsOf(member: string, since = 0): RebalanceEvent[] {
    return this.events.filter((event) => event.member === member && event.at >= since)
  }
}
