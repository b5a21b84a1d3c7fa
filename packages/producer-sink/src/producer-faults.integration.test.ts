// The producer under real faults on the real 3-node cluster: connections cut right after a
// Produce request reached the broker, a partition leader killed mid-stream, a node stopped
// gracefully. Every acknowledged record must be in the log exactly once, in send order.
import { ConnectionPool, type Logger } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { ApiKey } from '@kafkats/protocol'
import { type FaultProxy, clusterInfo, createTopic, killNode, readPartition, startFaultProxy, startNode, stopNode } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordMetadata } from './accumulator.js'
import { Producer } from './producer.js'

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

interface FaultRun {
  sent: Array<{ value: string; ack: RecordMetadata }>
  /** Sends not yet acknowledged when the fault started. */
  unacknowledgedAtFault: number
  /** leaderChanged events away from the victim while sends of the run were unacknowledged. */
  movesWithSendsInFlight: number
  /** Acknowledgements for a partition the victim led, received after its leadership moved. */
  acksFromNewLeader: number
  /** 'produce request failed; retrying' and sequence/epoch events logged by the producer. */
  retries: number
}

/** A logger that counts the producer's retries (the evidence that a fault hit requests in flight). */
function retryCounter(): { logger: Logger; count: () => number } {
  let retries = 0
  const logger: Logger = {
    child: () => logger,
    debug: (_fields, message) => {
      if (message.includes('retrying')) retries += 1
    },
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  }
  return { logger, count: () => retries }
}

/**
 * Sends keyed records: `count / 3` at once, then starts `fault` and keeps sending 100 records
 * every 50 ms until the fault is over and `count` records went out, so sends are in flight for
 * the whole fault (not only before it). Returns the acks in send order plus the evidence that the
 * fault overlapped in-flight sends.
 */
async function produceThrough(
  producer: Producer,
  metadata: ClusterMetadata,
  topic: string,
  victim: number,
  count: number,
  retries: () => number,
  fault: () => Promise<void>,
): Promise<FaultRun> {
  const pending: Array<Promise<RecordMetadata>> = []
  let unacknowledged = 0
  const movedAway = new Set<number>()
  let movesWithSendsInFlight = 0
  let acksFromNewLeader = 0
  metadata.on('leaderChanged', (event) => {
    if (event.topic !== topic || event.previousLeader !== victim || event.leader === victim) return
    movedAway.add(event.partition)
    if (unacknowledged > 0) movesWithSendsInFlight += 1
  })
  const send = (i: number): void => {
    unacknowledged += 1
    pending.push(
      producer.send({ topic, key: `key-${i % 101}`, value: `value-${i}` }).then((ack) => {
        unacknowledged -= 1
        if (movedAway.has(ack.partition)) acksFromNewLeader += 1
        return ack
      }),
    )
  }
  let i = 0
  for (; i < Math.floor(count / 3); i++) send(i)
  const unacknowledgedAtFault = unacknowledged
  let faultOver = false
  const faultDone = fault().finally(() => {
    faultOver = true
  })
  while (!faultOver || i < count) {
    for (const end = i + 100; i < end; i++) send(i)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const acks = await Promise.all(pending)
  await faultDone
  await producer.close()
  return {
    sent: acks.map((ack, n) => ({ value: `value-${n}`, ack })),
    unacknowledgedAtFault,
    movesWithSendsInFlight,
    acksFromNewLeader,
    retries: retries(),
  }
}

/** The fault must have hit the producer while it had records in flight, or the test proves nothing. */
function expectFaultOverlappedSends(run: FaultRun): void {
  expect(run.unacknowledgedAtFault, 'sends in flight when the fault started').toBeGreaterThan(0)
  expect(run.movesWithSendsInFlight, 'leadership moved off the victim while sends were unacknowledged').toBeGreaterThan(0)
  expect(run.acksFromNewLeader, 'records acknowledged by the new leader of a partition the victim led').toBeGreaterThan(0)
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

/**
 * Rounds of 1,500 records; before each, every broker's proxy is armed to forward one of the next
 * Produce requests, swallow its response and drop the connection: the broker wrote the batch but
 * the producer never heard, so it sends the batch again. Stops after `cuts` dropped connections.
 */
async function produceThroughConnectionCuts(
  idempotent: boolean,
  cuts: number,
): Promise<{ sent: Array<{ value: string; ack: RecordMetadata }>; dropped: number; retries: number; pool: ConnectionPool; metadata: ClusterMetadata; topic: string }> {
  const proxies = new Map<string, FaultProxy>()
  for (const address of cluster.bootstrap.plaintext) {
    const proxy = await startFaultProxy({ target: address })
    proxies.set(address, proxy)
    cleanups.push(() => proxy.close())
  }
  const { pool, metadata } = client((address) => proxies.get(address)?.address ?? address)
  const topic = `producer-cuts-${idempotent ? 'idempotent' : 'plain'}-${Date.now()}`
  await createTopic(metadata, pool, topic, 3, 3)
  const counter = retryCounter()
  const producer = new Producer({
    metadata,
    pool,
    lingerMs: 1,
    batchMaxBytes: 8 * 1024,
    retryBackoffMs: 20,
    logger: counter.logger,
    // Without idempotence, one request per broker in flight keeps the order: the only effect of a
    // lost response is then the duplicate this control is looking for.
    ...(idempotent ? {} : { idempotent: false, inFlightMaxRequestsPerBroker: 1 }),
  })
  const sent: Array<{ value: string; ack: RecordMetadata }> = []
  const dropped = (): number => [...proxies.values()].reduce((sum, proxy) => sum + proxy.stats.dropped, 0)
  for (let round = 0; round < 40 && dropped() < cuts; round++) {
    for (const proxy of proxies.values()) proxy.dropAfterRequests(1 + (round % 3), { apiKey: ApiKey.Produce, lose: 'response' })
    const values = Array.from({ length: 1500 }, (_, i) => `value-${round}-${i}`)
    const acks = await Promise.all(values.map((value, i) => producer.send({ topic, key: `key-${i % 101}`, value })))
    values.forEach((value, i) => sent.push({ value, ack: acks[i]! }))
  }
  for (const proxy of proxies.values()) proxy.reset()
  await producer.close()
  return { sent, dropped: dropped(), retries: counter.count(), pool, metadata, topic }
}

describe('Producer under faults (real cluster)', () => {
  it('survives 20+ connections cut right after a Produce request was written, with no duplicate and no loss', async () => {
    const run = await produceThroughConnectionCuts(true, 24)
    expect(run.dropped).toBeGreaterThanOrEqual(20)
    expect(run.retries, 'requests resent after a cut').toBeGreaterThanOrEqual(20)
    await verifyLog(run.metadata, run.pool, run.topic, 3, run.sent)
  })

  it('control: the same cuts with idempotent: false write duplicates (what idempotence prevents)', async () => {
    const run = await produceThroughConnectionCuts(false, 9)
    expect(run.dropped).toBeGreaterThanOrEqual(6)
    let logged = 0
    let duplicates = 0
    for (let partition = 0; partition < 3; partition++) {
      const values = (await readPartition(run.metadata, run.pool, run.topic, partition)).map((record) => record.value)
      logged += values.length
      duplicates += values.length - new Set(values).size
    }
    expect(new Set(run.sent.map((record) => record.value)).size).toBe(run.sent.length)
    expect(duplicates, 'records written twice after a lost response').toBeGreaterThan(0)
    expect(logged).toBe(run.sent.length + duplicates)
  })

  it('keeps every record once and in order when a partition leader is killed and restarted mid-stream', async () => {
    const { pool, metadata } = client()
    const topic = `producer-kill-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const victim = metadata.partition(topic, 0)!.leader
    const counter = retryCounter()
    const producer = new Producer({ metadata, pool, lingerMs: 2, batchMaxBytes: 16 * 1024, logger: counter.logger })
    try {
      const run = await produceThrough(producer, metadata, topic, victim, 30_000, counter.count, async () => {
        await killNode(victim)
        await new Promise((resolve) => setTimeout(resolve, 4_000))
        await startNode(victim)
      })
      expectFaultOverlappedSends(run)
      // A killed leader never answers its in-flight requests: they fail and are sent again.
      expect(run.retries, 'requests resent after the kill').toBeGreaterThan(0)
      await verifyLog(metadata, pool, topic, 3, run.sent)
    } finally {
      await startNode(victim).catch(() => undefined)
    }
  })

  it('keeps every record once and in order when a node is stopped gracefully', async () => {
    const { pool, metadata } = client()
    const topic = `producer-stop-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const victim = metadata.partition(topic, 1)!.leader
    const counter = retryCounter()
    const producer = new Producer({ metadata, pool, lingerMs: 2, batchMaxBytes: 16 * 1024, logger: counter.logger })
    try {
      const run = await produceThrough(producer, metadata, topic, victim, 30_000, counter.count, async () => {
        await stopNode(victim)
        await startNode(victim)
      })
      expectFaultOverlappedSends(run)
      await verifyLog(metadata, pool, topic, 3, run.sent)
    } finally {
      await startNode(victim).catch(() => undefined)
    }
  })
})
