/**
 * @kafkats/fake against the real 3-node test cluster:
 * 1. start time of a 3-broker fake cluster (3 TCP listeners ready), median and max of 20 starts;
 * 2. a produce/consume round trip of 100,000 records (100-byte values, 3 partitions, RF 3,
 *    kafkats idempotent producer, acks=all, then a direct consumer reading all of them back),
 *    through the fake cluster and through the real one, alternating, 3 rounds each; the median
 *    of each is compared.
 *
 *   npm run -w @kafkats/bench bench:fake            (writes results/fake.md)
 *   BENCH_RECORDS=20000 npm run -w @kafkats/bench bench:fake -- --no-write
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { DirectConsumer } from '@kafkats/consumer'
import { FakeCluster } from '@kafkats/fake'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer } from '@kafkats/producer-sink'
import { clusterInfo, clusterStatus } from '@kafkats/testkit'

const RECORDS = process.env.BENCH_RECORDS !== undefined ? Number(process.env.BENCH_RECORDS) : 100_000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STARTS = 20
const WINDOW = 30_000
const noWrite = process.argv.includes('--no-write')
const fakeOnly = process.argv.includes('--fake-only')
const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function startTimes(): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now()
    const cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'] })
    times.push(performance.now() - t0)
    await cluster.close()
  }
  return times
}

interface RoundTrip {
  produceMs: number
  consumeMs: number
  totalMs: number
}

async function roundTrip(brokers: string[]): Promise<RoundTrip> {
  const pool = new ConnectionPool({ clientId: 'bench-fake' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: brokers, pool, logger: quiet })
  const admin = new Admin({ metadata, pool, logger: quiet })
  const topic = `bench-fake-${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const value = Buffer.alloc(100, 'x')
  try {
    const [created] = await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    if (created?.error) throw created.error
    const t0 = performance.now()
    const producer = new Producer({ metadata, pool, logger: quiet, acks: -1 })
    // As in produce.bench.ts: at most WINDOW sends outstanding, continue at half (a promise per
    // outstanding send costs GC; filling the whole buffer is slower on any backend).
    let outstanding = 0
    let acked = 0
    let failure: unknown
    let wake: (() => void) | null = null
    let allAcked: () => void = () => {}
    const done = new Promise<void>((resolve) => (allAcked = resolve))
    const onAck = (): void => {
      outstanding--
      acked++
      if (wake !== null && outstanding <= WINDOW / 2) {
        const w = wake
        wake = null
        w()
      }
      if (acked === RECORDS) allAcked()
    }
    const onError = (error: unknown): void => {
      failure ??= error
      onAck()
    }
    for (let i = 0; i < RECORDS; i++) {
      if (outstanding >= WINDOW) await new Promise<void>((resolve) => (wake = resolve))
      outstanding++
      producer.send({ topic, partition: i % 3, value }).then(onAck, onError)
    }
    await done
    if (failure !== undefined) throw failure
    await producer.close()
    const t1 = performance.now()
    const start = await admin.listOffsets({ [topic]: 'earliest' })
    const consumer = new DirectConsumer({ metadata, pool, logger: quiet, assign: start })
    let consumed = 0
    for await (const batch of consumer) {
      consumed += batch.records.length
      if (consumed >= RECORDS) break
    }
    await consumer.close()
    const t2 = performance.now()
    if (consumed !== RECORDS) throw new Error(`consumed ${consumed} of ${RECORDS}`)
    return { produceMs: t1 - t0, consumeMs: t2 - t1, totalMs: t2 - t0 }
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined)
    metadata.close()
    pool.close()
  }
}

async function main(): Promise<void> {
  const starts = await startTimes()
  process.stdout.write(`fake 3-broker start: median ${median(starts).toFixed(1)} ms, max ${Math.max(...starts).toFixed(1)} ms (${STARTS} starts)\n`)
  const realReady = !fakeOnly && (await clusterStatus()).ready
  const fakeRuns: RoundTrip[] = []
  const realRuns: RoundTrip[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const fake = await FakeCluster.start({ brokers: 3, racks: ['rack-1', 'rack-2', 'rack-3'] })
    try {
      fakeRuns.push(await roundTrip(fake.bootstrap))
    } finally {
      await fake.close()
    }
    process.stdout.write(`round ${round + 1} fake: ${JSON.stringify(fakeRuns.at(-1))}\n`)
    if (realReady) {
      realRuns.push(await roundTrip(clusterInfo().bootstrap.plaintext))
      process.stdout.write(`round ${round + 1} real: ${JSON.stringify(realRuns.at(-1))}\n`)
    }
  }
  const summary = (runs: RoundTrip[]) => ({
    produceMs: median(runs.map((r) => r.produceMs)),
    consumeMs: median(runs.map((r) => r.consumeMs)),
    totalMs: median(runs.map((r) => r.totalMs)),
  })
  const f = summary(fakeRuns)
  const lines = [
    '# @kafkats/fake vs the real 3-node cluster',
    '',
    'Command: `npm run -w @kafkats/bench bench:fake` (apps/bench/src/fake.bench.ts)',
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end — shared with other work while it ran, so absolute numbers are noisy; both backends ran alternately in the same process.`,
    `Node ${process.version}; real cluster: Kafka ${clusterInfo().kafkaVersion}, 3 KRaft nodes (JVMs) on the same machine.`,
    '',
    `## Start of a 3-broker fake cluster`,
    '',
    `${STARTS} starts: median **${median(starts).toFixed(1)} ms**, max ${Math.max(...starts).toFixed(1)} ms (target < 50 ms).`,
    '',
    `## Round trip of ${RECORDS.toLocaleString('en')} records`,
    '',
    `Topic with 3 partitions, replication factor 3; kafkats idempotent producer (acks=all, default linger and batch size, at most 30,000 sends outstanding as in produce.bench.ts), 100-byte values, then a direct consumer reads them all back. Median of ${ROUNDS} rounds.`,
    '',
    '| backend | produce ms | consume ms | total ms |',
    '| --- | ---: | ---: | ---: |',
    `| @kafkats/fake | ${f.produceMs.toFixed(0)} | ${f.consumeMs.toFixed(0)} | ${f.totalMs.toFixed(0)} |`,
  ]
  if (realRuns.length > 0) {
    const r = summary(realRuns)
    lines.push(`| real Kafka cluster | ${r.produceMs.toFixed(0)} | ${r.consumeMs.toFixed(0)} | ${r.totalMs.toFixed(0)} |`)
    lines.push('', `The fake cluster's round trip is **${(r.totalMs / f.totalMs).toFixed(1)}×** faster (target ≥ 5×).`)
  } else {
    lines.push('', 'The real cluster was not running: no comparison in this run.')
  }
  lines.push('', 'Every round: ' + JSON.stringify({ fake: fakeRuns, real: realRuns }))
  const text = `${lines.join('\n')}\n`
  process.stdout.write(text)
  if (!noWrite) writeFileSync(join(import.meta.dirname, '..', 'results', 'fake.md'), text)
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
