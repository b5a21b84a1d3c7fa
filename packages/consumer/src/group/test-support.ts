// Helpers for the group consumer's tests (not exported from index.ts): topics, raw Produce
// requests (an independent path from any producer), and a recorder of rebalance events.
import type { ConnectionPool } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { CreateTopicsApi, ProduceApi, encodeRecordBatch } from '@kafkats/protocol'
import type { TopicPartition } from './assignors/types.js'

export async function createTopic(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  name: string,
  partitions: number,
  replicationFactor: number,
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }> = [],
): Promise<void> {
  const snapshot = await metadata.refresh()
  const broker = snapshot.brokers.get(snapshot.controllerId) ?? [...snapshot.brokers.values()][0]!
  const connection = await pool.get(broker.address, 'admin')
  const response = await connection.request(
    CreateTopicsApi,
    CreateTopicsApi.createRequest({
      topics: [
        {
          name,
          numPartitions: assignments.length > 0 ? -1 : partitions,
          replicationFactor: assignments.length > 0 ? -1 : replicationFactor,
          assignments,
          configs: [],
        },
      ],
      timeoutMs: 30_000,
    }),
  )
  const result = response.topics[0]
  if (result === undefined || result.errorCode !== 0) throw new Error(`CreateTopics ${name}: ${result?.errorCode} ${result?.errorMessage}`)
  await metadata.waitForTopic(name, 30_000)
}

const encoder = new TextEncoder()

/**
 * Writes `count` records with values `prefix-0` … to the topic's partitions in turn (record i to
 * partition i % partitions), `perRequest` records per partition per Produce (acks=all).
 */
export async function produceValues(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  topic: string,
  count: number,
  options: { prefix?: string; perRequest?: number; start?: number } = {},
): Promise<void> {
  const prefix = options.prefix ?? 'v'
  const perRequest = options.perRequest ?? 2_000
  const start = options.start ?? 0
  const info = await metadata.waitForTopic(topic, 30_000)
  const partitions = info.partitions.length
  const byPartition: string[][] = Array.from({ length: partitions }, () => [])
  for (let i = start; i < start + count; i++) byPartition[i % partitions]!.push(`${prefix}-${i}`)
  for (let round = 0; ; round++) {
    const work: Array<Promise<void>> = []
    for (let partition = 0; partition < partitions; partition++) {
      const values = byPartition[partition]!.slice(round * perRequest, (round + 1) * perRequest)
      if (values.length === 0) continue
      work.push(producePartition(metadata, pool, topic, partition, values))
    }
    if (work.length === 0) return
    await Promise.all(work)
  }
}

async function producePartition(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partition: number, values: string[]): Promise<void> {
  const records = await encodeRecordBatch(values.map((value) => ({ key: null, value: encoder.encode(value) })))
  for (let attempt = 0; ; attempt++) {
    const leader = metadata.leaderFor(topic, partition)
    if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
    const connection = await pool.get(leader.address, 'produce')
    const response = await connection.request(
      ProduceApi,
      ProduceApi.createRequest({
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, topicId: metadata.topic(topic)!.topicId, partitionData: [{ index: partition, records }] }],
      }),
    )
    const errorCode = response.responses[0]?.partitionResponses[0]?.errorCode ?? -1
    if (errorCode === 0) return
    if (attempt >= 10) throw new Error(`produce ${topic}-${partition} failed with error ${errorCode}`)
    await metadata.refresh()
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

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

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
