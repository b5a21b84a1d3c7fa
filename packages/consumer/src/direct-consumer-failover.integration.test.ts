// Node 2 (the rack-2 follower everything is read from) is killed mid-consumption: the consumer
// must go back to the leaders at once, lose nothing, repeat nothing, and return to node 2 once
// it is back (3 s preferred-replica lease). The only test of this package that stops a node; the
// node is restarted in `finally`.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo, createTopic, killNode, produceRecords, recordingLogger, sleep, startNode, values, waitFor, waitForFullIsr } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { DirectConsumer } from './direct-consumer.js'
import { LEADERS_1_AND_3, listOffsets } from './direct-testing.test-data.js'
import { Offset } from './offset.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'direct-failover-test', reconnectBackoffMaxMs: 500 })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool, metadataMaxAgeMs: 5_000 })
const PARTITIONS = LEADERS_1_AND_3.length

afterAll(() => {
  metadata.close()
  pool.close()
})

describe('DirectConsumer when the preferred replica dies', () => {
  it('returns to the leaders at once, loses and repeats nothing, and goes back to node 2 after its restart', async () => {
    const topic = `direct-failover-${Date.now()}`
    await createTopic(metadata, pool, topic, LEADERS_1_AND_3.length, 3, LEADERS_1_AND_3)
    for (let partition = 0; partition < PARTITIONS; partition++) await produceRecords(metadata, pool, topic, partition, values(100, `a${partition}`))
    await waitForFullIsr(metadata, pool, topic)

    const { logger, lines } = recordingLogger()
    const consumer = new DirectConsumer({
      metadata,
      pool,
      logger,
      rack: 'rack-2',
      preferredReplicaLeaseMs: 3_000,
      fetchMaxWaitMs: 200,
      assign: { [topic]: Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, Offset.earliest()])) },
    })
    const seen = new Map<number, bigint[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]))
    const servedBy: number[] = []
    const stop = new AbortController()
    const reading = (async () => {
      try {
        for await (const batch of consumer.batches({ signal: stop.signal })) {
          seen.get(batch.partition)!.push(...batch.records.map((record) => record.offset))
          servedBy.push(batch.servedBy)
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error
      }
    })()
    let producing = true
    const writing = (async () => {
      for (let round = 0; producing; round++) {
        for (let partition = 0; partition < PARTITIONS; partition++) await produceRecords(metadata, pool, topic, partition, values(5, `r${round}p${partition}`))
        await sleep(50)
      }
    })()
    const onNode2 = (): boolean => Array.from({ length: PARTITIONS }, (_, p) => consumer.sourceOf(topic, p)).every((source) => source === 2)
    const offNode2 = (): boolean => Array.from({ length: PARTITIONS }, (_, p) => consumer.sourceOf(topic, p)).every((source) => source !== 2)
    let killed = false
    let restarted = false
    try {
      await waitFor(() => onNode2() && [...seen.values()].every((offsets) => offsets.length >= 100), 30_000, 'consumption from node 2')
      await sleep(500)
      const beforeKill = consumer.brokerCounters()

      const killedAt = Date.now()
      const linesAtKill = lines.length
      await killNode(2)
      killed = true
      await waitFor(offNode2, 60_000, 'every partition back on its leader')
      const failoverMs = Date.now() - killedAt
      if (process.env.DEBUG_FAILOVER) for (const line of lines.filter((l) => l.at >= killedAt - 100 && l.at < killedAt + 5000)) console.log(line.at - killedAt, line.level, line.message, JSON.stringify(line.fields))
      // "At once" means the failed fetch itself moved each partition back to its leader, not the
      // preferred-replica lease running out or a metadata refresh: for every partition, the first
      // log line after the kill that moves it is the fetch-failure move away from node 2.
      // (A move on metadata alone, broker removed, logs nothing, but then the partition is no longer
      // on node 2 and cannot be in a failure move away from it.)
      const FAILURE_MOVE = 'fetch from a preferred replica failed; fetching from the leaders again'
      const OTHER_MOVES = new Set(['fetching from the leader again', 'preferred replica is not in the metadata; refreshing, fetching from the leader', 'leader changed; fetching from the new leader'])
      const afterKill = lines.slice(linesAtKill)
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const movesIt = new RegExp(`(^|[^0-9])${partition}=>`)
        const first = afterKill.find(
          (line) =>
            (line.message === FAILURE_MOVE && movesIt.test(String(line.fields['moves']))) ||
            (line.fields['topic'] === topic && line.fields['partition'] === partition && OTHER_MOVES.has(line.message)),
        )
        expect(first?.message, `what moved partition ${partition} off node 2`).toBe(FAILURE_MOVE)
        expect(first?.fields['broker']).toBe(2)
      }

      // Node 2 is fenced after ~3 s; meanwhile and after, the leaders serve.
      await waitFor(() => {
        const counters = consumer.brokerCounters()
        return [1, 3].every((leader) => (counters.get(leader)?.records ?? 0) > (beforeKill.get(leader)?.records ?? 0))
      }, 30_000, 'records served by the leaders while node 2 is down')

      await startNode(2)
      restarted = true
      const atRestart = consumer.brokerCounters().get(2)?.records ?? 0
      await waitFor(() => onNode2() && (consumer.brokerCounters().get(2)?.records ?? 0) > atRestart, 60_000, 'consumption from node 2 again')

      producing = false
      await writing
      // Everything written, exactly once and in order: [0, log end) of every partition.
      const ends = (await listOffsets(metadata, pool, topic, PARTITIONS, -1n))[topic]!
      await waitFor(() => [...seen].every(([p, offsets]) => offsets.length >= Number(ends[p]!.offset)), 30_000, 'the rest of the records')
      for (const [p, offsets] of seen) expect(offsets).toEqual(Array.from({ length: Number(ends[p]!.offset) }, (_, i) => BigInt(i)))
      const counters = consumer.brokerCounters()
      expect((counters.get(1)?.records ?? 0) + (counters.get(2)?.records ?? 0) + (counters.get(3)?.records ?? 0)).toBe(
        [...seen.values()].reduce((n, offsets) => n + offsets.length, 0),
      )
      expect(servedBy.at(-1)).toBe(2)
      console.log(`failover to the leaders ${failoverMs} ms after the kill; counters ${JSON.stringify([...counters])}`)
    } finally {
      producing = false
      stop.abort()
      if (killed && !restarted) await startNode(2)
      await writing.catch(() => undefined)
      await reading
      await consumer.close()
    }
  }, 180_000)
})
