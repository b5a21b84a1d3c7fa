// KIP-392 against the real 3-rack cluster: a topic whose partitions are led by nodes 1 and 3,
// with node 2 (rack-2) a follower of every partition.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo, createTopic, produceRecords, recordingLogger, text, values, waitForFullIsr } from '@kafkats/testkit'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FetchResponseMessage } from './diagnostics.js'
import { FetchPlanner } from './fetch-planner.js'
import type { FetchPlannerOptions } from './options.js'
import { consume } from './testing.test-data.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'fetch-planner-rack' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
const TOPIC = `fp-rack-${Date.now()}`
const PARTITIONS = 4
const PER_PARTITION = 300
/** Leaders 1, 3, 1, 3; node 2 follows everywhere. */
const ASSIGNMENTS = [
  [1, 2, 3],
  [3, 2, 1],
  [1, 3, 2],
  [3, 1, 2],
].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds }))

beforeAll(async () => {
  await createTopic(metadata, pool, TOPIC, PARTITIONS, 3, ASSIGNMENTS)
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let chunk = 0; chunk < 3; chunk++) await produceRecords(metadata, pool, TOPIC, partition, values(PER_PARTITION / 3, `p${partition}c${chunk}`), { compression: 'lz4' })
  }
  await waitForFullIsr(metadata, pool, TOPIC)
})

afterAll(() => {
  metadata.close()
  pool.close()
})

function planner(options: Partial<FetchPlannerOptions>): FetchPlanner {
  return new FetchPlanner({ metadata, pool, fetchMaxWaitMs: 200, ...options })
}

function assignEarliest(p: FetchPlanner): void {
  p.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: { kind: 'earliest' as const } })))
}

describe('KIP-392 on the real cluster', () => {
  it("rack-2: after the first redirect every Fetch goes to node 2, which serves every record", async () => {
    const { logger, lines } = recordingLogger()
    const p = planner({ rack: 'rack-2', logger })
    try {
      assignEarliest(p)
      const records = await consume(p, PARTITIONS * PER_PARTITION)
      expect(records).toHaveLength(PARTITIONS * PER_PARTITION)
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const mine = records.filter((record) => record.partition === partition)
        expect(mine.map((record) => record.offset)).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => BigInt(i)))
        expect(text(mine[0]!.value)).toBe(`p${partition}c0-0`)
        expect(p.sourceOf(TOPIC, partition)).toBe(2)
      }
      const first = p.brokerCounters()
      expect(first.get(2)?.records).toBe(PARTITIONS * PER_PARTITION)
      for (const leader of [1, 3]) {
        expect(first.get(leader)?.records).toBe(0)
        expect(first.get(leader)?.requests).toBeLessThanOrEqual(2) // the redirecting fetch(es) only
      }
      const info = lines.filter((line) => line.level === 'info' && line.message === 'fetch partitions returned preferred replicas')
      expect(info.map((line) => line.fields)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ fromBroker: 1, moves: `${TOPIC}{0=>2, 2=>2}` }),
          expect.objectContaining({ fromBroker: 3, moves: `${TOPIC}{1=>2, 3=>2}` }),
        ]),
      )

      // More data later: still only node 2 is asked.
      for (let partition = 0; partition < PARTITIONS; partition++) await produceRecords(metadata, pool, TOPIC, partition, values(50, `late${partition}`))
      const late = await consume(p, PARTITIONS * 50)
      expect(late.every((record) => record.offset >= BigInt(PER_PARTITION))).toBe(true)
      const second = p.brokerCounters()
      for (const leader of [1, 3]) expect(second.get(leader)).toEqual(first.get(leader))
      expect(second.get(2)?.records).toBe(PARTITIONS * (PER_PARTITION + 50))
    } finally {
      await p.close()
    }
  })

  for (const rack of ['rack-9', undefined]) {
    it(`${rack === undefined ? 'no rack' : rack}: reads from the leaders`, async () => {
      const { logger, lines } = recordingLogger()
      const p = planner({ ...(rack === undefined ? {} : { rack }), logger })
      try {
        assignEarliest(p)
        const records = await consume(p, PARTITIONS * PER_PARTITION)
        expect(records.length).toBeGreaterThanOrEqual(PARTITIONS * PER_PARTITION)
        const counters = p.brokerCounters()
        expect(counters.get(2)?.records ?? 0).toBe(0)
        expect((counters.get(1)?.records ?? 0) + (counters.get(3)?.records ?? 0)).toBe(records.length)
        expect(counters.get(1)?.records).toBeGreaterThan(0)
        expect(counters.get(3)?.records).toBeGreaterThan(0)
        for (let partition = 0; partition < PARTITIONS; partition++) expect(p.sourceOf(TOPIC, partition)).toBe(ASSIGNMENTS[partition]!.brokerIds[0])
        expect(lines.filter((line) => line.message === 'fetch partitions returned preferred replicas')).toEqual([])
      } finally {
        await p.close()
      }
    })
  }

  it('rack-2: kafkats:fetch:response reports the redirects, then every byte and record node 2 served', async () => {
    const responses: FetchResponseMessage[] = []
    const listener = (message: unknown): void => {
      const response = message as FetchResponseMessage
      if (response.partitions.some((partition) => partition.topic === TOPIC)) responses.push(response)
    }
    subscribe('kafkats:fetch:response', listener)
    const p = planner({ rack: 'rack-2' })
    try {
      assignEarliest(p)
      // The first test added 50 records to each partition.
      const records = await consume(p, PARTITIONS * (PER_PARTITION + 50))
      const moves = responses.flatMap((response) => response.preferredReplicaMoves)
      expect(moves.map((move) => [move.partition, move.fromNodeId, move.toNodeId]).sort()).toEqual([
        [0, 1, 2],
        [1, 3, 2],
        [2, 1, 2],
        [3, 3, 2],
      ])
      const redirecting = responses.filter((response) => response.preferredReplicaMoves.length > 0)
      for (const response of redirecting) {
        for (const partition of response.partitions) expect(partition.preferredReadReplica).toBe(2)
        expect(response.records).toBe(0)
      }
      const fromNode2 = responses.filter((response) => response.nodeId === 2)
      const counters = p.brokerCounters().get(2)!
      expect(fromNode2.reduce((sum, response) => sum + response.records, 0)).toBe(records.length)
      expect(fromNode2.reduce((sum, response) => sum + response.bytes, 0)).toBe(counters.bytes)
      for (const response of fromNode2) {
        expect(response.errorCode).toBe(0)
        expect(response.partitionCount).toBe(response.partitions.length)
        expect(response.bytes).toBe(response.partitions.reduce((sum, partition) => sum + partition.bytes, 0))
        for (const partition of response.partitions) {
          if (partition.records === 0) continue
          // Records arrive in record batches: a partition that delivered records returned bytes.
          expect(partition.bytes).toBeGreaterThan(0)
          expect(partition.highWatermark).toBeGreaterThanOrEqual(partition.fetchOffset + BigInt(partition.records))
        }
      }
      // KIP-227: after the first full fetch the broker keeps a session.
      expect(fromNode2.at(-1)!.sessionId).not.toBe(0)
    } finally {
      unsubscribe('kafkats:fetch:response', listener)
      await p.close()
    }
  })
})
