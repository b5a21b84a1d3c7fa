/**
 * Produce throughput against the real 3-node test cluster: kafkats vs @platformatic/kafka 1.35.0
 * vs KafkaJS 2.2.4, acks=all and idempotent, 1 KiB and 100 B values, 1,000,000 records each.
 *
 *   npm run bench:produce -w @kafkats/bench                    (full run, writes results/produce.md)
 *   BENCH_RECORDS=100000 npm run bench:produce -w @kafkats/bench  (quick run, prints only)
 *   npm run bench:produce -w @kafkats/bench -- --sizes=100 --clients=kafkats --in-flight=5 --profile
 *
 * Method: for each size and each client (and kafkats with 1, 2 and 5 requests in flight per
 * broker), a fresh topic with 6 partitions and replication factor 3 is created; the client runs in
 * its own child process (one at a time, never in parallel), connects, sends WARMUP records and
 * waits for them (connections, metadata, producer id, JIT), then the timed window sends RECORDS
 * records and ends when the last one is acknowledged. Afterwards the parent checks with ListOffsets
 * that the topic holds exactly WARMUP + RECORDS records, then deletes the topic.
 */
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer as KafkatsProducer } from '@kafkats/producer-sink'
import { clusterInfo } from '@kafkats/testkit'
import { ProduceAcks, Producer as PlatformaticProducer } from '@platformatic/kafka'
import { Kafka, Partitioners, logLevel } from 'kafkajs'
import {
  BenchAdmin,
  FULL_RECORDS,
  KEY_COUNT,
  type Measured,
  RECORDS,
  Stopwatch,
  VALUE_COUNT,
  bootstrapBrokers,
  environmentLines,
  flag,
  fmt,
  forkChild,
  makePayloads,
  only,
  scenarioArgument,
  sleep,
} from './live-support.js'

const WARMUP = 1000
/** BENCH_PARTITIONS: the topic's partition count (issue #14 item 5 compares 6 with 1,000); a full run uses 6. */
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6)
const REPLICATION_FACTOR = 3

/**
 * kafkats: `send()` per record; the loop keeps at most this many sends outstanding (not yet
 * acknowledged) and continues once half of them settled. The producer would accept up to its
 * buffer (bufferMaxBytes 32 MiB: ~31,700 records of 1 KiB, ~250,000 of 100 B), but every
 * outstanding send keeps a promise chain alive and the CPU spent in GC grows with their number:
 * at 1M records, 1 KiB, a full buffer cost 8.2 s of CPU, 5,000 outstanding 4.3 s, at the same or
 * better records/s. A sweep (2,500-250,000) gave these as the best: 5,000 (≈5 MiB) for 1 KiB,
 * 30,000 (≈4 MiB) for 100 B. BENCH_KAFKATS_WINDOW overrides it.
 */
const kafkatsWindow = (size: number): number => Number(process.env.BENCH_KAFKATS_WINDOW ?? (size >= 1024 ? 5000 : 30_000))
const KAFKATS_LINGER_MS = 5
/**
 * KafkaJS: records per `send` call and concurrent `send` calls. 5,000 × 4 was best of 1,000-20,000
 * × 1-8 at 200k records; 10,000 records of 1 KiB exceed the broker's 1 MiB max.message.bytes per
 * partition (KafkaJS does not split a send, the whole send fails).
 */
const KAFKAJS_BATCH = Number(process.env.BENCH_KAFKAJS_BATCH ?? 5000)
const KAFKAJS_CONCURRENCY = Number(process.env.BENCH_KAFKAJS_CONCURRENCY ?? 4)
/**
 * @platformatic/kafka: producer stream batch size (records per `send`) and batch time (linger).
 * 5,000 records of 1 KiB is the most that stays under the broker's 1 MiB max.message.bytes per
 * partition (it does not split a send); for 100 B values 10,000 was best (20,000: no gain).
 */
const platformaticBatch = (size: number): number => Number(process.env.BENCH_PLATFORMATIC_BATCH ?? (size >= 1024 ? 5000 : 10_000))
const PLATFORMATIC_BATCH_TIME_MS = 5

type Client = 'kafkats' | 'kafkajs' | '@platformatic/kafka'

interface Scenario {
  client: Client
  /** kafkats inFlightMaxRequestsPerBroker. */
  inFlight?: number
  size: number
  records: number
  topic: string
  bootstrap: string[]
}

interface ChildResult extends Measured {
  acknowledged: number
  errors: number
  firstError?: string
}

interface Payloads {
  keys: Buffer[]
  values: Buffer[]
}

function settingsOf(scenario: Pick<Scenario, 'client' | 'inFlight'>): string {
  switch (scenario.client) {
    case 'kafkats':
      return `send() per record, lingerMs ${KAFKATS_LINGER_MS}, batchMaxBytes 1 MiB (default), inFlightMaxRequestsPerBroker ${scenario.inFlight}, idempotent (default); the loop keeps ≤ ${fmt.int(kafkatsWindow(1024))} (1 KiB) / ${fmt.int(kafkatsWindow(100))} (100 B) sends outstanding and continues at half`
    case 'kafkajs':
      return `idempotent: true, maxInFlightRequests 1, send() of ${fmt.int(KAFKAJS_BATCH)} records, ${KAFKAJS_CONCURRENCY} concurrent`
    case '@platformatic/kafka':
      return `idempotent: true (which forces maxInflights 1), producer.asStream({ batchSize: ${fmt.int(platformaticBatch(1024))} for 1 KiB / ${fmt.int(platformaticBatch(100))} for 100 B, batchTime: ${PLATFORMATIC_BATCH_TIME_MS}, highWaterMark: 2 × batchSize })`
  }
}

// ---- the three clients (child process) ----

async function runKafkats(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { keys, values } = payloads
  const pool = new ConnectionPool({ clientId: 'kafkats-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  const producer = new KafkatsProducer({ metadata, pool, lingerMs: KAFKATS_LINGER_MS, inFlightMaxRequestsPerBroker: scenario.inFlight! })
  const topic = scenario.topic
  const warm: Array<Promise<unknown>> = []
  for (let i = 0; i < WARMUP; i++) warm.push(producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }))
  await Promise.all(warm)

  const total = scenario.records
  const window = kafkatsWindow(scenario.size)
  let outstanding = 0
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  let wake: (() => void) | null = null
  let allSettled!: () => void
  const done = new Promise<void>((resolve) => {
    allSettled = resolve
  })
  const settled = (): void => {
    outstanding--
    if (wake !== null && outstanding <= window / 2) {
      const resume = wake
      wake = null
      resume()
    }
    if (acknowledged + errors === total) allSettled()
  }
  const onAck = (): void => {
    acknowledged++
    settled()
  }
  const onError = (error: unknown): void => {
    errors++
    firstError ??= String(error)
    settled()
  }
  const watch = new Stopwatch()
  watch.start()
  for (let i = 0; i < total; i++) {
    if (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve))
    outstanding++
    producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }).then(onAck, onError)
  }
  await done
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.close()
  metadata.close()
  pool.close()
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

async function runKafkajs(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { keys, values } = payloads
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const topic = scenario.topic
  const messages = (from: number, to: number): Array<{ key: Buffer; value: Buffer }> => {
    const list: Array<{ key: Buffer; value: Buffer }> = []
    for (let i = from; i < to; i++) list.push({ key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })
    return list
  }
  await producer.send({ topic, acks: -1, messages: messages(0, WARMUP) })

  const total = scenario.records
  let next = 0
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  const worker = async (): Promise<void> => {
    while (next < total) {
      const from = next
      const to = Math.min(total, from + KAFKAJS_BATCH)
      next = to
      try {
        await producer.send({ topic, acks: -1, messages: messages(from, to) })
        acknowledged += to - from
      } catch (error) {
        errors += to - from
        firstError ??= String(error)
      }
    }
  }
  const watch = new Stopwatch()
  watch.start()
  await Promise.all(Array.from({ length: KAFKAJS_CONCURRENCY }, worker))
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.disconnect()
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

async function runPlatformatic(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { keys, values } = payloads
  const producer = new PlatformaticProducer({ clientId: 'platformatic-bench', bootstrapBrokers: scenario.bootstrap, idempotent: true, acks: ProduceAcks.ALL })
  const topic = scenario.topic
  const warm: Array<{ topic: string; key: Buffer; value: Buffer }> = []
  for (let i = 0; i < WARMUP; i++) warm.push({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })
  await producer.send({ messages: warm })

  const total = scenario.records
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  // highWaterMark above batchSize, or the stream would block at 16 buffered records and flush only on batchTime
  const batchSize = platformaticBatch(scenario.size)
  const stream = producer.asStream({ batchSize, batchTime: PLATFORMATIC_BATCH_TIME_MS, highWaterMark: 2 * batchSize, reportMode: 'batch' })
  stream.on('delivery-report', (report: { count: number }) => {
    acknowledged += report.count
  })
  const failed = new Promise<never>((_, reject) => stream.once('error', reject))
  failed.catch(() => {})
  const watch = new Stopwatch()
  watch.start()
  try {
    for (let i = 0; i < total; i++) {
      if (!stream.write({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })) await Promise.race([once(stream, 'drain'), failed])
    }
    await Promise.race([stream.close(), failed])
  } catch (error) {
    firstError = String(error)
    errors = total - acknowledged
  }
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.close(true)
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

async function runChild(scenario: Scenario): Promise<void> {
  const { keys, values, bytesPerRecord } = makePayloads(scenario.size)
  const run = { kafkats: runKafkats, kafkajs: runKafkajs, '@platformatic/kafka': runPlatformatic }[scenario.client]
  const result = await run(scenario, { keys, values }, bytesPerRecord)
  process.stdout.write(`\n${JSON.stringify(result)}\n`)
  // Some clients keep timers (metadata refresh) alive after close.
  process.exit(0)
}

// ---- parent ----

/** Says when another Kafka cluster (other engineers' tests) was running during some runs. */
function othersNote(runs: Array<{ otherKafkaJvms: number }>): string {
  const affected = runs.filter((run) => run.otherKafkaJvms > 0)
  return affected.length === 0
    ? '; no other Kafka JVM on the machine'
    : `; **another Kafka cluster (up to ${Math.max(...affected.map((run) => run.otherKafkaJvms))} JVMs, not this benchmark's) was running during ${affected.length} of ${runs.length} runs**`
}

interface Run {
  size: number
  label: string
  round: number
  result: ChildResult
  landed: number
  expected: number
  brokerCpuSeconds: number
  load: { min: number; mean: number; max: number }
  otherKafkaJvms: number
}

const SIZES = (only('sizes') ?? ['1024', '100']).map(Number)
const CLIENTS = only('clients') ?? ['kafkats', 'kafkajs', '@platformatic/kafka']
const IN_FLIGHT = (only('in-flight') ?? ['5', '2', '1']).map(Number)
const ROUNDS = Number(only('rounds')?.[0] ?? 3)
const PROFILE = flag('profile')

function labelOf(scenario: Pick<Scenario, 'client' | 'inFlight'>): string {
  return scenario.client === 'kafkats' ? `kafkats (${scenario.inFlight} in flight)` : scenario.client
}

const rateOf = (run: Run): number => run.result.records / run.result.seconds
const ok = (run: Run): boolean => run.result.acknowledged === run.result.records && run.result.errors === 0 && run.landed === run.expected

/** The run with the median records/s (of an odd number of runs; the lower middle otherwise). */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b))
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

async function main(): Promise<void> {
  const childScenario = scenarioArgument<Scenario>()
  if (childScenario !== undefined) {
    await runChild(childScenario)
    return
  }
  const self = fileURLToPath(import.meta.url)
  const benchDir = join(dirname(self), '..')
  const bootstrap = bootstrapBrokers()
  const admin = new BenchAdmin(bootstrap)
  const variants: Array<Pick<Scenario, 'client' | 'inFlight'>> = []
  // kafkats with the default (5) first, the other clients, then kafkats with fewer in flight
  if (CLIENTS.includes('kafkats') && IN_FLIGHT.includes(5)) variants.push({ client: 'kafkats', inFlight: 5 })
  if (CLIENTS.includes('kafkajs')) variants.push({ client: 'kafkajs' })
  if (CLIENTS.includes('@platformatic/kafka') || CLIENTS.includes('platformatic')) variants.push({ client: '@platformatic/kafka' })
  if (CLIENTS.includes('kafkats')) for (const inFlight of IN_FLIGHT) if (inFlight !== 5) variants.push({ client: 'kafkats', inFlight })

  const runs: Run[] = []
  const startedAt = performance.now()
  for (let round = 1; round <= ROUNDS; round++) {
    for (const size of SIZES) {
      for (const variant of variants) {
        const slug = variant.client === 'kafkats' ? `kafkats-if${variant.inFlight}` : variant.client.replace(/[^a-z]/g, '')
        const topic = `bench-produce-${size}-${slug}-${Date.now()}`
        await admin.createTopic(topic, PARTITIONS, REPLICATION_FACTOR)
        const scenario: Scenario = { ...variant, size, records: RECORDS, topic, bootstrap }
        // one directory per run: the main thread and the ESM loader thread each write a profile (the larger one is the main thread)
        const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `produce-${size}-${slug}-${Date.now()}`)}`] : []
        const outcome = await forkChild<ChildResult>(self, scenario, nodeArgs)
        const landed = (await admin.recordCount(topic)).total
        await admin.deleteTopic(topic)
        const run: Run = { size, label: labelOf(variant), round, landed, expected: RECORDS + WARMUP, result: outcome.result, brokerCpuSeconds: outcome.brokerCpuSeconds, load: outcome.load, otherKafkaJvms: outcome.otherKafkaJvms }
        runs.push(run)
        const r = run.result
        process.stdout.write(
          `round ${round} ${size} B ${run.label.padEnd(24)} ${fmt.rate(rateOf(run))} records/s, ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} MB/s, ${fmt.s(r.seconds)} s, CPU ${fmt.s(r.cpuSeconds)} s, RSS ${fmt.int(r.rssAtStartMiB)} → peak ${fmt.int(r.peakRssMiB)} MiB, acked ${fmt.int(r.acknowledged)}/${fmt.int(r.records)}${r.errors > 0 ? ` (${r.errors} failed: ${r.firstError})` : ''}, landed ${fmt.int(landed)}/${fmt.int(run.expected)}, brokers ${fmt.s(run.brokerCpuSeconds)} CPU s, load ${run.load.mean.toFixed(2)}\n`,
        )
        await sleep(3000) // let the brokers settle (replication, log flush) before the next client
      }
    }
  }
  admin.close()
  const totalMinutes = (performance.now() - startedAt) / 60_000

  const lines: string[] = []
  lines.push('# Produce throughput (real 3-node cluster)')
  lines.push('')
  const command = `${RECORDS === FULL_RECORDS ? '' : `BENCH_RECORDS=${RECORDS} `}npm run bench:produce -w @kafkats/bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  lines.push(...environmentLines(command, clusterInfo().kafkaVersion))
  lines.push(`- Whole run: ${totalMinutes.toFixed(1)} min, ${ROUNDS} round(s); 1-minute load average during the runs: ${Math.min(...runs.map((r) => r.load.min)).toFixed(1)} to ${Math.max(...runs.map((r) => r.load.max)).toFixed(1)}${othersNote(runs)}`)
  lines.push(
    `- Method: for each round, value size and client, a fresh topic (${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}, leaders spread over the 3 brokers); the client runs alone in its own child process (clients run one after another, never in parallel), connects, sends ${fmt.int(WARMUP)} warm-up records and waits for them (connections, metadata, producer id), then sends ${fmt.int(RECORDS)} records, timed until the last acknowledgement. acks=all and idempotent for every client. Keys: 13 bytes (\`user-00000042\`, ${fmt.int(KEY_COUNT)} distinct, so every client's default key partitioner spreads them over all partitions); values: record-like JSON (${fmt.int(VALUE_COUNT)} distinct values, shared Buffers), no compression, no headers. After each run, ListOffsets (high watermark − log start, summed over partitions) must show exactly ${fmt.int(WARMUP)} + ${fmt.int(RECORDS)} records; then the topic is deleted. The ${ROUNDS} rounds run every client once each, in the same order; the table shows each client's median run (by records/s) and the range over the rounds.`,
  )
  lines.push(
    '- records/s and MB/s: timed records ÷ seconds; MB = 10^6 bytes of payload (key + value). Client CPU: `process.cpuUsage()` of the child over the timed window (user + system). RSS: `process.memoryUsage.rss()` when the timed window starts (libraries loaded, connected, warmed up) → `process.resourceUsage().maxRSS`, the child\'s peak. Broker CPU: CPU seconds the three Kafka JVMs used while the child ran (setup included). Load: mean 1-minute load average sampled every second during the child.',
  )
  lines.push('')
  for (const size of SIZES) {
    const labels = variants.map(labelOf)
    if (!runs.some((run) => run.size === size)) continue
    lines.push(`## ${size === 1024 ? '1 KiB' : `${size} B`} values (${fmt.int(RECORDS)} records, ${fmt.mb((RECORDS * (13 + size)) / 1e6)} MB of payload)`)
    lines.push('')
    lines.push('| client | records/s (median) | range over rounds | MB/s | time s | client CPU s | RSS start → peak MiB | all acknowledged, exact count landed | broker CPU s | load |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |')
    const medians = new Map<string, Run>()
    for (const label of labels) {
      const group = runs.filter((run) => run.size === size && run.label === label)
      if (group.length === 0) continue
      const m = median(group)
      medians.set(label, m)
      const r = m.result
      const rates = group.map(rateOf)
      const good = group.filter(ok).length
      const verdict = good === group.length ? `yes (${good}/${group.length} runs)` : `**no**: ${group.length - good} of ${group.length} runs (${group
        .filter((run) => !ok(run))
        .map((run) => `acked ${fmt.int(run.result.acknowledged)}, landed ${fmt.int(run.landed)} of ${fmt.int(run.expected)}${run.result.firstError !== undefined ? `: ${run.result.firstError.slice(0, 120)}` : ''}`)
        .join('; ')})`
      lines.push(
        `| ${label} | ${fmt.int(rateOf(m))} | ${fmt.int(Math.min(...rates))}–${fmt.int(Math.max(...rates))} | ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} | ${fmt.s(r.seconds)} | ${fmt.s(r.cpuSeconds)} | ${fmt.int(r.rssAtStartMiB)} → ${fmt.int(r.peakRssMiB)} | ${verdict} | ${fmt.s(m.brokerCpuSeconds)} | ${m.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    const rate = (label: string): number | undefined => {
      const m = medians.get(label)
      return m === undefined ? undefined : rateOf(m)
    }
    const kafkats = rate('kafkats (5 in flight)')
    const platformatic = rate('@platformatic/kafka')
    const kafkajs = rate('kafkajs')
    if (kafkats !== undefined) {
      const parts: string[] = []
      if (platformatic !== undefined) parts.push(`${fmt.ratio(kafkats / platformatic)} @platformatic/kafka (target ≥ 2×: ${kafkats / platformatic >= 2 ? 'met' : '**not met**'})`)
      if (kafkajs !== undefined) parts.push(`${fmt.ratio(kafkats / kafkajs)} KafkaJS (target ≥ 3×: ${kafkats / kafkajs >= 3 ? 'met' : '**not met**'})`)
      if (parts.length > 0) lines.push(`kafkats (default: 5 in flight), median records/s: ${parts.join('; ')}.`)
      lines.push('')
    }
  }
  lines.push('## Client settings')
  lines.push('')
  for (const variant of variants) lines.push(`- **${labelOf(variant)}**: ${settingsOf(variant)}`)
  lines.push('')
  lines.push(...NOTES)
  const text = lines.join('\n')
  process.stdout.write(`\n${text}\n`)
  const complete = RECORDS === FULL_RECORDS && only('sizes') === undefined && only('clients') === undefined && only('in-flight') === undefined && PARTITIONS === 6
  if ((complete || flag('write')) && !flag('no-write')) {
    const out = join(benchDir, 'results', 'produce.md')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
    process.stdout.write(`\nwrote ${out}\n`)
  }
}

/** Caveats that hold for every run (the numbers above come from the run itself). */
const NOTES: string[] = [
  '## Notes and caveats',
  '',
  '- **Shared CPU.** The client, the three brokers (each writing every record: replication factor 3) and other work on the machine share 2 cores, so the brokers are often the bottleneck and a client that needs less CPU leaves more for them: compare client CPU seconds as well as records/s, and compare clients within one run only.',
  '- **Idempotence limits the others to one request in flight.** @platformatic/kafka forces `maxInflights: 1` when `idempotent: true`, and it reads a partition\'s sequence number when it builds a request but advances it only after the response, so concurrent `send` calls reuse sequence numbers and the broker discards the later batches as duplicates (next notes): its producer stream, which keeps one `send` in flight, is the safe way to batch. KafkaJS serialises idempotent requests per broker with a lock, so concurrent `send` calls are safe but still one request per broker at a time. kafkats keeps up to 5 requests per broker in flight with idempotence (see packages/producer-sink/README.md).',
  '- **Batch size limits.** KafkaJS and @platformatic/kafka send what one `send` call holds as one batch per partition; above the broker\'s `max.message.bytes` (1 MiB) the whole call fails (seen with 10,000 records of 1 KiB), so their batch sizes cannot grow further. kafkats splits into batches of `batchMaxBytes` (1 MiB) itself.',
  '- **@platformatic/kafka loses records with concurrent idempotent sends.** Checked separately (1.35.0, this cluster): 4 concurrent `send` calls of 5,000 records each on an idempotent producer all resolved without error, but only 5,000 of the 20,000 records landed (ListOffsets). So it must keep one `send` at a time; its producer stream does.',
  '- **kafkats outstanding sends.** kafkats is driven with a window of outstanding sends (settings above). Letting the application fill the producer\'s whole 32 MiB buffer is slower and costs more: with ~31,700 outstanding sends of 1 KiB the client used ~8 s of CPU for 1M records (vs ~4.3 s with 5,000), and with ~250,000 of 100 B its peak RSS reached ~1 GiB; with ~70,000 sends waiting for buffer space inside the producer it fell to ~26,000 records/s (38 µs of CPU per record). See the hot spots in apps/bench/README.md.',
  '- kafkats runs from its TypeScript sources through tsx (esbuild-transpiled, same runtime code as a build); the other clients run their published JavaScript. All three are loaded in every child, so the RSS at start is comparable.',
  '',
]

await main()
