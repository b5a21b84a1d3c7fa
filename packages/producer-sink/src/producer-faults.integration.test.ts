// The producer under real faults on the real 3-node cluster: connections cut right after a
// Produce request reached the broker, a partition leader killed mid-stream, a node stopped
// gracefully. Every acknowledged record must be in the log exactly once, in send order.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { ApiKey } from '@kafkats/protocol'
import { type FaultProxy, clusterInfo, killNode, startFaultProxy, startNode, stopNode } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordMetadata } from './accumulator.js'
import { Producer } from './producer.js'
import { createTopic, readPartition } from './test-support.js'

const cluster = clusterInfo()
const cleanups: Array<() => unknown> = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function client(mapAddress?: (address: string) => string): { pool: ConnectionPool; metadata: ClusterMetadata } {
  const pool = new ConnectionPool({ clientId: 'producer-faults', requestTimeoutMs: 15_000, ...(mapAddress ? { mapAddress } : {}) })
  const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool, refreshMinIntervalMs: 50 })
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  return { pool, metadata }
}

/** Sends `count` keyed records, calling `during` once a third of them went out; returns acks in send order. */
async function produceWhile(
  producer: Producer,
  topic: string,
  count: number,
  during: () => Promise<void>,
): Promise<Array<{ value: string; ack: RecordMetadata }>> {
  const pending: Array<Promise<RecordMetadata>> = []
  let fault: Promise<void> | null = null
  for (let i = 0; i < count; i++) {
    pending.push(producer.send({ topic, key: `key-${i % 101}`, value: `value-${i}` }))
    if (i === Math.floor(count / 3)) fault = during()
    // Spread the run over time so the fault lands mid-stream.
    if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const acks = await Promise.all(pending)
  await fault
  await producer.close()
  return acks.map((ack, i) => ({ value: `value-${i}`, ack }))
}

async function verifyLog(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  topic: string,
  partitions: number,
  sent: Array<{ value: string; ack: RecordMetadata }>,
): Promise<void> {
  let total = 0
  for (let partition = 0; partition < partitions; partition++) {
    const log = await readPartition(metadata, pool, topic, partition)
    const expected = sent.filter((record) => record.ack.partition === partition)
    const values = log.map((record) => record.value)
    expect(new Set(values).size, `duplicates in partition ${partition}`).toBe(values.length)
    expect(values, `partition ${partition}: lost or reordered records`).toEqual(expected.map((record) => record.value))
    expect(log.map((record) => record.offset)).toEqual(expected.map((record) => record.ack.offset))
    total += log.length
  }
  expect(total).toBe(sent.length)
}

describe('Producer under faults (real cluster)', () => {
  it('survives 20+ connections cut right after a Produce request was written, with no duplicate and no loss', async () => {
    const proxies = new Map<string, FaultProxy>()
    for (const address of cluster.bootstrap.plaintext) {
      const proxy = await startFaultProxy({ target: address })
      proxies.set(address, proxy)
      cleanups.push(() => proxy.close())
    }
    const { pool, metadata } = client((address) => proxies.get(address)?.address ?? address)
    const topic = `producer-cuts-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const producer = new Producer({ metadata, pool, lingerMs: 1, batchMaxBytes: 8 * 1024, retryBackoffMs: 20 })
    const sent: Array<{ value: string; ack: RecordMetadata }> = []
    const dropped = (): number => [...proxies.values()].reduce((sum, proxy) => sum + proxy.stats.dropped, 0)
    // Rounds of 1,500 records; before each, every broker's proxy is armed to forward one of the
    // next Produce requests, swallow its response and drop the connection.
    for (let round = 0; round < 40 && dropped() < 24; round++) {
      for (const proxy of proxies.values()) proxy.dropAfterRequests(1 + (round % 3), { apiKey: ApiKey.Produce, lose: 'response' })
      const values = Array.from({ length: 1500 }, (_, i) => `value-${round}-${i}`)
      const acks = await Promise.all(values.map((value, i) => producer.send({ topic, key: `key-${i % 101}`, value })))
      values.forEach((value, i) => sent.push({ value, ack: acks[i]! }))
    }
    for (const proxy of proxies.values()) proxy.reset()
    await producer.close()
    expect(dropped()).toBeGreaterThanOrEqual(20)
    await verifyLog(metadata, pool, topic, 3, sent)
  })

  it('keeps every record once and in order when a partition leader is killed and restarted mid-stream', async () => {
    const { pool, metadata } = client()
    const topic = `producer-kill-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const victim = metadata.partition(topic, 0)!.leader
    const producer = new Producer({ metadata, pool, lingerMs: 2, batchMaxBytes: 16 * 1024 })
    try {
      const sent = await produceWhile(producer, topic, 30_000, async () => {
        await killNode(victim)
        await new Promise((resolve) => setTimeout(resolve, 4_000))
        await startNode(victim)
      })
      await verifyLog(metadata, pool, topic, 3, sent)
    } finally {
      await startNode(victim).catch(() => undefined)
    }
  })

  it('keeps every record once and in order when a node is stopped gracefully', async () => {
    const { pool, metadata } = client()
    const topic = `producer-stop-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const victim = metadata.partition(topic, 1)!.leader
    const producer = new Producer({ metadata, pool, lingerMs: 2, batchMaxBytes: 16 * 1024 })
    try {
      const sent = await produceWhile(producer, topic, 30_000, async () => {
        await stopNode(victim)
        await startNode(victim)
      })
      await verifyLog(metadata, pool, topic, 3, sent)
    } finally {
      await startNode(victim).catch(() => undefined)
    }
  })
})
