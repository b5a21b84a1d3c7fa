// The direct consumer on the real 3-rack cluster: a topic whose partitions are led by nodes 1 and
// 3, node 2 (rack-2) following all of them. With rack 'rack-2' every record must come from node 2
// whatever the starting offsets look like: Offset.earliest(), a ListOffsets answer in the admin
// API's shape, or committed offsets (with leader epochs) read back with OffsetFetch.
import { ConnectionPool } from '@kafkats/connection'
import type { FetchedRecord } from '@kafkats/fetch-planner'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo, createTopic, produceRecords, recordingLogger, text, values, waitForFullIsr } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OffsetOutOfRangeError } from '@kafkats/fetch-planner'
import { type Assignment, DirectConsumer } from './direct-consumer.js'
import { LEADERS_1_AND_3, commitOffsets, fetchOffsets, listOffsets } from './direct-testing.test-data.js'
import { Offset } from './offset.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'direct-consumer-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
const TOPIC = `direct-rack-${Date.now()}`
const PARTITIONS = LEADERS_1_AND_3.length
const PER_PARTITION = 200

beforeAll(async () => {
  await createTopic(metadata, pool, TOPIC, LEADERS_1_AND_3.length, 3, LEADERS_1_AND_3)
  for (let partition = 0; partition < PARTITIONS; partition++) {
    await produceRecords(metadata, pool, TOPIC, partition, values(PER_PARTITION / 2, `p${partition}a`), { compression: 'zstd' })
    await produceRecords(metadata, pool, TOPIC, partition, values(PER_PARTITION / 2, `p${partition}b`))
  }
  await waitForFullIsr(metadata, pool, TOPIC)
})

afterAll(() => {
  metadata.close()
  pool.close()
})

/** Consumes `count` records with rack-2 and checks that node 2 served them all, after one redirect per leader. */
async function consumeFromRack2(assign: Assignment, count: number): Promise<{ records: FetchedRecord[]; validated: number }> {
  const { logger, lines } = recordingLogger()
  const consumer = new DirectConsumer({ metadata, pool, rack: 'rack-2', logger, fetchMaxWaitMs: 200, assign })
  const records: FetchedRecord[] = []
  try {
    const deadline = AbortSignal.timeout(60_000)
    for await (const batch of consumer.batches({ signal: deadline })) {
      expect(batch.servedBy).toBe(2)
      records.push(...batch.records)
      if (records.length >= count) break
    }
    expect(records).toHaveLength(count)
    const counters = consumer.brokerCounters()
    expect(counters.get(2)?.records).toBe(count)
    for (const leader of [1, 3]) {
      expect(counters.get(leader)?.records ?? 0).toBe(0)
      expect(counters.get(leader)?.requests ?? 0).toBeLessThanOrEqual(2) // the redirecting fetch(es)
    }
    for (let partition = 0; partition < PARTITIONS; partition++) expect(consumer.sourceOf(TOPIC, partition)).toBe(2)
    const moves = lines.filter((line) => line.level === 'info' && line.message === 'fetch partitions returned preferred replicas').map((line) => line.fields)
    expect(moves).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fromBroker: 1, moves: `${TOPIC}{0=>2, 2=>2}` }),
        expect.objectContaining({ fromBroker: 3, moves: `${TOPIC}{1=>2, 3=>2}` }),
      ]),
    )
    const validated = lines.filter((line) => line.message === 'offset validated with the leader').length
    return { records, validated }
  } finally {
    await consumer.close()
  }
}

function checkPartitionOrder(records: FetchedRecord[], from: number): void {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const offsets = records.filter((record) => record.partition === partition).map((record) => record.offset)
    expect(offsets).toEqual(Array.from({ length: PER_PARTITION - from }, (_, i) => BigInt(from + i)))
  }
}

describe('DirectConsumer with rack-2 on a topic led by nodes 1 and 3', () => {
  let epochAt49: Record<number, number> = {}

  it('Offset.earliest(): every record from node 2', async () => {
    const assign = { [TOPIC]: Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, Offset.earliest()])) }
    const { records, validated } = await consumeFromRack2(assign, PARTITIONS * PER_PARTITION)
    checkPartitionOrder(records, 0)
    expect(validated).toBe(0)
    const first = records.find((record) => record.partition === 1)!
    expect(text(first.key)).toBe('p1a-k0')
    expect(text(first.value)).toBe('p1a-0')
    epochAt49 = Object.fromEntries(records.filter((record) => record.offset === 49n).map((record) => [record.partition, record.leaderEpoch]))
  })

  it('offsets from a ListOffsets answer in the admin shape ({ offset, leaderEpoch, timestamp }), used as-is: validated, then the same rack-aware path', async () => {
    const assign = await listOffsets(metadata, pool, TOPIC, PARTITIONS, -2n)
    for (const offset of Object.values(assign[TOPIC]!)) {
      expect(offset.offset).toBe(0n)
      expect(offset.leaderEpoch).toBeGreaterThanOrEqual(0)
    }
    const { records, validated } = await consumeFromRack2(assign, PARTITIONS * PER_PARTITION)
    checkPartitionOrder(records, 0)
    expect(validated).toBe(PARTITIONS) // KIP-320 with the leader first...
  })

  it('committed offsets with leader epochs (OffsetCommit, read back with OffsetFetch), used as-is', async () => {
    const groupId = `direct-committed-${Date.now()}`
    const committed = Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, { offset: 50n, leaderEpoch: epochAt49[p] ?? 0 }]))
    await commitOffsets(metadata, pool, groupId, TOPIC, committed)
    const assign = await fetchOffsets(metadata, pool, groupId, TOPIC, PARTITIONS)
    for (let p = 0; p < PARTITIONS; p++) expect(assign[TOPIC]![p]).toMatchObject({ offset: 50n, leaderEpoch: committed[p]!.leaderEpoch, metadata: 'direct-consumer-test' })
    const { records, validated } = await consumeFromRack2(assign, PARTITIONS * (PER_PARTITION - 50))
    checkPartitionOrder(records, 50)
    expect(validated).toBe(PARTITIONS)
  })

  it("rack-9 and no rack read from the leaders", async () => {
    for (const rack of ['rack-9', undefined]) {
      const consumer = new DirectConsumer({ metadata, pool, ...(rack === undefined ? {} : { rack }), fetchMaxWaitMs: 200, assign: { [TOPIC]: { 0: Offset.earliest(), 1: Offset.earliest() } } })
      try {
        let count = 0
        for await (const batch of consumer.batches({ signal: AbortSignal.timeout(60_000) })) {
          expect(batch.servedBy).toBe(batch.partition === 0 ? 1 : 3)
          count += batch.records.length
          if (count >= 2 * PER_PARTITION) break
        }
        expect(consumer.brokerCounters().get(2)).toBeUndefined()
      } finally {
        await consumer.close()
      }
    }
  })

  it('seek, pause/resume, position and removePartitions', async () => {
    const consumer = new DirectConsumer({ metadata, pool, rack: 'rack-2', fetchMaxWaitMs: 100, assign: { [TOPIC]: { 0: Offset.at(190), 1: Offset.relative(Offset.latest(), -5) } } })
    try {
      const seen = new Map<number, bigint[]>()
      const take = async (total: number): Promise<void> => {
        let count = 0
        const deadline = Date.now() + 30_000
        while (count < total && Date.now() < deadline) {
          for (const batch of await consumer.poll({ maxWaitMs: 200 })) {
            seen.set(batch.partition, [...(seen.get(batch.partition) ?? []), ...batch.records.map((r) => r.offset)])
            count += batch.records.length
          }
        }
      }
      await take(15)
      expect(seen.get(0)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(190 + i)))
      expect(seen.get(1)).toEqual(Array.from({ length: 5 }, (_, i) => BigInt(195 + i)))
      expect(consumer.position(TOPIC, 0)?.offset).toBe(200n)
      expect(consumer.position(TOPIC, 0)?.leaderEpoch).toBeGreaterThanOrEqual(0)
      consumer.pause([{ topic: TOPIC, partition: 0 }])
      consumer.seek(TOPIC, 0, { offset: 195n, leaderEpoch: consumer.position(TOPIC, 0)!.leaderEpoch })
      expect(await consumer.poll({ maxWaitMs: 300 })).toEqual([])
      consumer.resume([{ topic: TOPIC, partition: 0 }])
      seen.clear()
      await take(5)
      expect(seen.get(0)).toEqual(Array.from({ length: 5 }, (_, i) => BigInt(195 + i)))
      consumer.removePartitions({ [TOPIC]: [0] })
      expect(consumer.assignment()).toEqual([{ topic: TOPIC, partition: 1 }])
      expect(consumer.position(TOPIC, 0)).toBeUndefined()
    } finally {
      await consumer.close()
    }
  })
  it("a partition stopped for good (here: out of range with autoOffsetReset 'none') rejects the loop, not a silent wait; the other partition keeps its position, a new loop after seek goes on", async () => {
    const consumer = new DirectConsumer({ metadata, pool, fetchMaxWaitMs: 100, autoOffsetReset: 'none', assign: { [TOPIC]: { 0: Offset.at(5_000), 1: Offset.at(195) } } })
    const errors: unknown[] = []
    consumer.on('error', (error) => errors.push(error))
    const got: bigint[] = []
    let thrown: unknown
    try {
      try {
        for await (const batch of consumer.batches({ signal: AbortSignal.timeout(30_000) })) got.push(...batch.records.map((r) => r.offset))
      } catch (error) {
        thrown = error
      }
      expect(OffsetOutOfRangeError.isInstance(thrown), String(thrown)).toBe(true)
      expect(String(thrown)).toContain(`${TOPIC}`)
      expect(errors).toContain(thrown)
      // Partition 1's records already handed out are not handed out again; the rest come in the next loop.
      consumer.seek(TOPIC, 0, Offset.at(198))
      for await (const batch of consumer.batches({ signal: AbortSignal.timeout(30_000) })) {
        got.push(...batch.records.map((r) => r.offset))
        if (got.length >= 7) break
      }
      expect([...got].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual([195n, 196n, 197n, 198n, 198n, 199n, 199n])
      expect(consumer.position(TOPIC, 0)?.offset).toBe(200n)
      expect(consumer.position(TOPIC, 1)?.offset).toBe(200n)
    } finally {
      await consumer.close()
    }
  })
})
