/**
 * Client CPU per record with few and with many partitions (issue #14, item 5), produce and consume.
 *
 * The brokers are @kafkats/fake brokers in this (the parent) process; each client runs alone in its
 * own child process, so `process.cpuUsage()` of the child is the client's CPU only: neither the
 * brokers nor the other helpers' JVMs enter it. (On the real 3-node cluster, 1,000 partitions with
 * RF 3 made the brokers use 20x the client's CPU and the run took minutes; the client's share is
 * what this measures.) For each partition count, a fresh topic on a fresh 3-broker fake cluster:
 *
 * - produce: the same loop as produce.bench.ts' kafkats client: `send(record, callback)` per record
 *   (BENCH_SEND=promise: `send(record).then(...)`, one promise per record), 13-byte keys
 *   (5,000 distinct, spread over every partition by the key hash), 100-byte values, lingerMs 5,
 *   acks=all, idempotent, at most BENCH_WINDOW sends outstanding (continues at half). Timed from
 *   the first send to the last acknowledgement (after 1,000 warm-up records).
 * - consume: a DirectConsumer assigned every partition from the earliest offset reads the records
 *   the produce run left; timed from the first to the last record.
 *
 *   npm run bench:partitions -w @kafkats/bench                          (6 and 1,000 partitions, 3 rounds)
 *   BENCH_RECORDS=100000 npm run bench:partitions -w @kafkats/bench -- --partitions=1000 --rounds=1 --profile
 *
 * `--profile` writes a .cpuprofile per child under apps/bench/profiles (summarise with cpu-profile-top.ts).
 */
import { spawn } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { DirectConsumer, Offset, type StartOffset } from '@kafkats/consumer'
import { FakeCluster } from '@kafkats/fake'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer } from '@kafkats/producer-sink'
import { KEY_COUNT, VALUE_COUNT, Stopwatch, makePayloads, only, flag, scenarioArgument } from './live-support.js'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000)
/** Sends outstanding in the produce loop: produce.bench.ts' default for 100-byte records. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 30_000)
const WARMUP = 1000
/** How records are handed to the producer, as produce.bench.ts' `--kafkats-send` (default: callback, the peers' like-for-like). */
const SEND = process.env.BENCH_SEND === 'promise' ? 'promise' : 'callback'
const VALUE_BYTES = 100
const PARTITION_COUNTS = (only('partitions') ?? ['6', '1000']).map(Number)
const ROUNDS = Number(only('rounds')?.[0] ?? 3)
const PROFILE = flag('profile')
const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

interface Scenario {
  role: 'produce' | 'consume'
  bootstrap: string[]
  topic: string
  partitions: number
  records: number
}

interface ChildResult {
  records: number
  seconds: number
  cpuSeconds: number
  peakRssMiB: number
  /** Produce: batches sent (retries included); consume: fetched batches handed out. */
  batches: number
}

async function produce(scenario: Scenario): Promise<ChildResult> {
  const { keys, values } = makePayloads(VALUE_BYTES)
  const pool = new ConnectionPool({ clientId: 'bench-partitions' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool, logger: quiet })
  const producer = new Producer({ metadata, pool, logger: quiet, lingerMs: 5 })
  const topic = scenario.topic
  const warm: Array<Promise<unknown>> = []
  for (let i = 0; i < WARMUP; i++) warm.push(producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }))
  await Promise.all(warm)
  const batchesBefore = producer.metrics().batchesSent
  const total = scenario.records
  let outstanding = 0
  let settledCount = 0
  let failure: unknown
  let wake: (() => void) | null = null
  let finish!: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  const settled = (): void => {
    outstanding--
    if (wake !== null && outstanding <= WINDOW / 2) {
      const resume = wake
      wake = null
      resume()
    }
    if (++settledCount === total) finish()
  }
  const onError = (error: unknown): void => {
    failure ??= error
    settled()
  }
  // Declared with only `error`: the producer then builds no RecordMetadata for it.
  const onDelivery = (error: Error | null): void => (error === null ? settled() : onError(error))
  const watch = new Stopwatch()
  watch.start()
  for (let i = 0; i < total; i++) {
    if (outstanding >= WINDOW) await new Promise<void>((resolve) => (wake = resolve))
    outstanding++
    if (SEND === 'callback') producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }, onDelivery)
    else producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }).then(settled, onError)
  }
  await done
  const measured = watch.stop(total, 0)
  if (failure !== undefined) throw failure
  const batches = producer.metrics().batchesSent - batchesBefore
  await producer.close()
  metadata.close()
  pool.close()
  return { records: total, seconds: measured.seconds, cpuSeconds: measured.cpuSeconds, peakRssMiB: measured.peakRssMiB, batches }
}

async function consume(scenario: Scenario): Promise<ChildResult> {
  const pool = new ConnectionPool({ clientId: 'bench-partitions' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool, logger: quiet })
  const partitions: Record<number, StartOffset> = {}
  for (let p = 0; p < scenario.partitions; p++) partitions[p] = Offset.earliest()
  const assign = { [scenario.topic]: partitions }
  const consumer = new DirectConsumer({ metadata, pool, logger: quiet, assign })
  const watch = new Stopwatch()
  let consumed = 0
  let batches = 0
  // Every record's key and value is touched, as an application would read them.
  let checksum = 0
  for await (const batch of consumer) {
    if (!watch.started) watch.start()
    batches++
    for (const record of batch.records) checksum += (record.key?.length ?? 0) + (record.value?.length ?? 0)
    consumed += batch.records.length
    if (consumed >= scenario.records) break
  }
  const measured = watch.stop(consumed, checksum)
  await consumer.close()
  metadata.close()
  pool.close()
  if (consumed !== scenario.records) throw new Error(`consumed ${consumed} of ${scenario.records}`)
  return { records: consumed, seconds: measured.seconds, cpuSeconds: measured.cpuSeconds, peakRssMiB: measured.peakRssMiB, batches }
}

function runChild(scenario: Scenario, profileDir: string | null): Promise<ChildResult> {
  const script = fileURLToPath(import.meta.url)
  const nodeArgs = profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...process.execArgv, script, `--scenario=${JSON.stringify(scenario)}`], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${scenario.role} child exited with ${code}: ${output.slice(-2000)}`))
      resolve(JSON.parse(output.trim().split('\n').pop()!) as ChildResult)
    })
  })
}

interface Row {
  partitions: number
  role: Scenario['role']
  round: number
  load1: number
  result: ChildResult
}

async function main(): Promise<void> {
  const scenario = scenarioArgument<Scenario>()
  if (scenario !== undefined) {
    const result = scenario.role === 'produce' ? await produce(scenario) : await consume(scenario)
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const rows: Row[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated so that neither partition count always runs first.
    const order = PARTITION_COUNTS.map((_, i) => PARTITION_COUNTS[(round + i) % PARTITION_COUNTS.length]!)
    for (const partitions of order) {
      const cluster = await FakeCluster.start({ brokers: 3 })
      const pool = new ConnectionPool({ clientId: 'bench-partitions-admin' })
      const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap, pool, logger: quiet })
      const admin = new Admin({ metadata, pool, logger: quiet })
      try {
        const topic = `partitions-${partitions}`
        const [created] = await admin.createTopics([{ topic, partitions, replicationFactor: 3 }])
        if (created?.error) throw created.error
        for (const role of ['produce', 'consume'] as const) {
          const profileDir = PROFILE ? join(import.meta.dirname, '..', 'profiles', `partitions-${role}-${partitions}-${Date.now()}`) : null
          const load1 = loadavg()[0]!
          // The consumer reads what the producer wrote: warm-up records included.
          const records = role === 'produce' ? RECORDS : RECORDS + WARMUP
          const result = await runChild({ role, bootstrap: cluster.bootstrap, topic, partitions, records }, profileDir)
          rows.push({ partitions, role, round, load1, result })
          process.stdout.write(
            `${role} ${partitions} partitions round ${round + 1}: ${((result.cpuSeconds * 1e6) / result.records).toFixed(2)} µs CPU/record, ${result.batches} batches, ${result.seconds.toFixed(2)} s, load ${load1.toFixed(1)}${profileDir !== null ? `, profile in ${profileDir}` : ''}\n`,
          )
        }
      } finally {
        metadata.close()
        pool.close()
        await cluster.close()
      }
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const lines = [
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${RECORDS.toLocaleString('en')} records of ${VALUE_BYTES} B, window ${WINDOW.toLocaleString('en')}, send: ${SEND}, ${ROUNDS} rounds, medians:`,
    '',
    '| | partitions | client CPU µs/record | records per batch | wall s | client peak RSS MiB (VmHWM; the child runs under tsx) | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const role of ['produce', 'consume'] as const) {
    for (const partitions of PARTITION_COUNTS) {
      const mine = rows.filter((row) => row.role === role && row.partitions === partitions)
      const perRecord = median(mine.map((row) => (row.result.cpuSeconds * 1e6) / row.result.records))
      const perBatch = median(mine.map((row) => row.result.records / Math.max(1, row.result.batches)))
      const wall = median(mine.map((row) => row.result.seconds))
      // The child's own peak (VmHWM): the producer's or consumer's memory at this partition count.
      const peakRss = median(mine.map((row) => row.result.peakRssMiB))
      const loads = mine.map((row) => row.load1)
      lines.push(`| ${role} | ${partitions} | ${perRecord.toFixed(2)} | ${perBatch.toFixed(0)} | ${wall.toFixed(2)} | ${peakRss.toFixed(0)} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`)
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
