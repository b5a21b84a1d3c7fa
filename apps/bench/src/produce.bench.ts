/**
 * Produce throughput against the real 3-node test cluster: kafkats vs franz-go vs Kafka's Java
 * client vs @platformatic/kafka 1.35.0 vs KafkaJS 2.2.4 vs @kafkats/kafkajs (KafkaJS's API on
 * kafkats), acks=all and idempotent, 1 KiB and 100 B values, 1,000,000 records each.
 *
 *   npm run bench:produce -w @kafkats/bench                    (full run, writes results/produce.md)
 *   BENCH_RECORDS=100000 npm run bench:produce -w @kafkats/bench  (quick run, prints only)
 *   npm run bench:produce -w @kafkats/bench -- --sizes=100 --clients=kafkats,franz-go --in-flight=5 --profile
 *
 * Method: for each round, size and client (in a different order each round: the list rotated by
 * one), a fresh topic with 6 partitions and replication factor 3 is created; the client runs in its
 * own process (a Node child, a Go binary or a JVM; one at a time, never in parallel), connects,
 * sends WARMUP records and waits for them (connections, metadata, producer id, JIT), then the timed
 * window sends RECORDS records and ends when the last one is acknowledged. Afterwards the parent
 * checks with ListOffsets that the topic holds exactly WARMUP + RECORDS records, then deletes the
 * topic.
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
import { Kafka as CompatKafka, Partitioners as CompatPartitioners, logLevel as compatLogLevel } from '@kafkats/kafkajs'
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
  packageVersion,
  scenarioArgument,
  sleep,
  spawnMeasured,
} from './live-support.js'
import { type Peer, buildFranzGo, buildJava, FRANZ_GO_VERSION, loud, rotate, toolVersions, writePayloadFiles } from './peers.js'
import { type Summary, compatSection, targetsSection, writeCompatSection } from './targets.js'

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
 * BENCH_KAFKATS_SEND=callback: `send(record, callback)` (no promise per record, as franz-go's
 * `Produce(ctx, record, promise)`) instead of `send(record).then(...)`.
 */
const KAFKATS_CALLBACK = process.env.BENCH_KAFKATS_SEND === 'callback'
/**
 * KafkaJS and @kafkats/kafkajs (the same code, only the import differs): records per `send` call
 * and concurrent `send` calls. 5,000 × 4 was best for KafkaJS of 1,000-20,000 × 1-8 at 200k
 * records; 10,000 records of 1 KiB exceed the broker's 1 MiB max.message.bytes per partition
 * (KafkaJS does not split a send, the whole send fails).
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

type Client = 'kafkats' | 'kafkajs' | '@kafkats/kafkajs' | '@platformatic/kafka' | 'franz-go' | 'java'
const ALL_CLIENTS: Client[] = ['kafkats', 'franz-go', 'java', '@platformatic/kafka', 'kafkajs', '@kafkats/kafkajs']
/** Short names accepted by --clients. */
const CLIENT_ALIASES: Record<string, Client> = { platformatic: '@platformatic/kafka', 'kafkats-kafkajs': '@kafkats/kafkajs', compat: '@kafkats/kafkajs' }

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
      return `${KAFKATS_CALLBACK ? '`send(record, callback)`' : '`send(record)` (a promise)'} per record, lingerMs ${KAFKATS_LINGER_MS}, batchMaxBytes 1 MiB (default), inFlightMaxRequestsPerBroker ${scenario.inFlight}, idempotent (default); the loop keeps ≤ ${fmt.int(kafkatsWindow(1024))} (1 KiB) / ${fmt.int(kafkatsWindow(100))} (100 B) sends outstanding and continues at half`
    case 'kafkajs':
      return `\`kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })\` (maxInFlightRequests left at its default: KafkaJS serialises idempotent requests per broker with a lock anyway), \`send({ topic, acks: -1, messages })\` of ${fmt.int(KAFKAJS_BATCH)} records, ${KAFKAJS_CONCURRENCY} concurrent`
    case '@kafkats/kafkajs':
      return `the same code as kafkajs, imported from \`@kafkats/kafkajs\` (this repo, from its TypeScript sources): same options, same ${fmt.int(KAFKAJS_BATCH)}-record \`send\` calls, ${KAFKAJS_CONCURRENCY} concurrent. Underneath: a kafkats \`Producer\` with lingerMs 0 (KafkaJS sends each call as it comes) and, idempotent with maxInFlightRequests unset, 5 requests in flight per broker`
    case '@platformatic/kafka':
      return `idempotent: true (which forces maxInflights 1), producer.asStream({ batchSize: ${fmt.int(platformaticBatch(1024))} for 1 KiB / ${fmt.int(platformaticBatch(100))} for 100 B, batchTime: ${PLATFORMATIC_BATCH_TIME_MS}, highWaterMark: 2 × batchSize })`
    case 'franz-go':
      return `franz-go ${FRANZ_GO_VERSION} kgo (apps/bench/go/perf, \`go build\` at bench time): franz-go's defaults — acks=all, idempotent, ProducerLinger 10 ms, ProducerBatchMaxBytes 1,000,012, MaxBufferedRecords 50,000 (\`Produce\` blocks beyond it), up to 5 requests in flight per broker — except \`ProducerBatchCompression(NoCompression())\` (its default is snappy; every other client sends uncompressed). \`Produce(ctx, record, promise)\` per record, then \`Flush\``
    case 'java':
      return `Kafka's Java client (the testkit's cached jars, the cluster's version; apps/bench/java/PerfBench.java, JVM -Xmx512m): acks=all, enable.idempotence=true, batch.size 1 MiB (1,048,576), compression none, defaults otherwise (linger.ms 5, buffer.memory 32 MiB, 5 requests in flight per connection); \`send(record, callback)\` per record (blocks while the buffer is full), then \`flush()\` — what kafka-producer-perf-test does, with this bench's payloads and timed window`
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
  const onDelivery = (error: Error | null): void => (error === null ? onAck() : onError(error))
  const watch = new Stopwatch()
  watch.start()
  for (let i = 0; i < total; i++) {
    if (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve))
    outstanding++
    if (KAFKATS_CALLBACK) producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }, onDelivery)
    else producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }).then(onAck, onError)
  }
  await done
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.close()
  metadata.close()
  pool.close()
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

/**
 * The KafkaJS-style producer, shared by KafkaJS and @kafkats/kafkajs so that only the
 * implementation differs: `producer.send({ topic, acks, messages })` in chunks, as KafkaJS users
 * batch, with a few calls in flight.
 */
async function runKafkajsStyle(producer: KafkajsStyleProducer, scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { keys, values } = payloads
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

/** What runKafkajsStyle calls: the part of KafkaJS's Producer that both packages implement. */
interface KafkajsStyleProducer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(record: { topic: string; acks: number; messages: Array<{ key: Buffer; value: Buffer }> }): Promise<unknown>
}

function runKafkajs(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  return runKafkajsStyle(kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner }), scenario, payloads, bytesPerRecord)
}

function runCompat(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const kafka = new CompatKafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: compatLogLevel.ERROR })
  return runKafkajsStyle(kafka.producer({ idempotent: true, createPartitioner: CompatPartitioners.DefaultPartitioner }), scenario, payloads, bytesPerRecord)
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
  const runners: Partial<Record<Client, typeof runKafkats>> = { kafkats: runKafkats, kafkajs: runKafkajs, '@kafkats/kafkajs': runCompat, '@platformatic/kafka': runPlatformatic }
  const run = runners[scenario.client]
  if (run === undefined) throw new Error(`${scenario.client} does not run in a Node child`)
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
  /** Position in its round's order (1 = first). */
  order: number
  result?: ChildResult
  failure?: string
  landed: number
  expected: number
  brokerCpuSeconds: number
  load: { min: number; mean: number; max: number }
  otherKafkaJvms: number
}

const SIZES = (only('sizes') ?? ['1024', '100']).map(Number)
const CLIENTS = (only('clients') ?? ALL_CLIENTS).map((name) => CLIENT_ALIASES[name] ?? name) as Client[]
for (const client of CLIENTS) if (!ALL_CLIENTS.includes(client)) throw new Error(`unknown client ${client}; expected ${ALL_CLIENTS.join(', ')} (or ${Object.keys(CLIENT_ALIASES).join(', ')})`)
/** kafkats with 5 requests in flight per broker (the default) unless --in-flight asks for more variants (e.g. --in-flight=5,2,1). */
const IN_FLIGHT = (only('in-flight') ?? ['5']).map(Number)
const ROUNDS = Number(only('rounds')?.[0] ?? 3)
const PROFILE = flag('profile')
const KAFKATS_LABEL = 'kafkats (5 in flight)'

function labelOf(scenario: Pick<Scenario, 'client' | 'inFlight'>): string {
  return scenario.client === 'kafkats' ? `kafkats (${scenario.inFlight} in flight)` : scenario.client
}

const rateOf = (run: Run): number => (run.result === undefined ? 0 : run.result.records / run.result.seconds)
const ok = (run: Run): boolean => run.result !== undefined && run.result.acknowledged === run.result.records && run.result.errors === 0 && run.landed === run.expected

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
  for (const client of CLIENTS) {
    if (client === 'kafkats') for (const inFlight of IN_FLIGHT) variants.push({ client, inFlight })
    else variants.push({ client })
  }
  const peers: Partial<Record<Client, Peer>> = {}
  if (CLIENTS.includes('franz-go')) peers['franz-go'] = buildFranzGo()
  if (CLIENTS.includes('java')) peers.java = buildJava()
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) loud(`${client} CANNOT RUN: it is left out of this benchmark.\n${peer.unavailable}`)
  const files = new Map(SIZES.map((size) => [size, writePayloadFiles(size)] as const))

  const runs: Run[] = []
  const startedAt = performance.now()
  for (let round = 1; round <= ROUNDS; round++) {
    // a different order each round (rotated by one), so no client always runs first or right after the same one
    const order = rotate(variants, round - 1)
    for (const size of SIZES) {
      for (const [position, variant] of order.entries()) {
        const peer = peers[variant.client]
        if (peer?.unavailable !== undefined) continue
        const slug = variant.client === 'kafkats' ? `kafkats-if${variant.inFlight}` : variant.client.replace(/[^a-z]/g, '')
        const stamp = Date.now()
        const topic = `bench-produce-${size}-${slug}-${stamp}`
        await admin.createTopic(topic, PARTITIONS, REPLICATION_FACTOR)
        const scenario: Scenario = { ...variant, size, records: RECORDS, topic, bootstrap }
        const run: Run = { size, label: labelOf(variant), round, order: position + 1, landed: 0, expected: RECORDS + WARMUP, brokerCpuSeconds: 0, load: { min: 0, mean: 0, max: 0 }, otherKafkaJvms: 0 }
        try {
          let outcome
          if (peer?.command !== undefined) {
            const payload = files.get(size)!
            const { command, args } = peer.command(['produce', bootstrap.join(','), topic, payload.keys, payload.values, String(RECORDS), String(WARMUP)])
            outcome = await spawnMeasured<ChildResult>(command, args, `${variant.client} ${topic}`)
          } else {
            // one directory per run: the main thread and the ESM loader thread each write a profile (the larger one is the main thread)
            const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `produce-${size}-${slug}-${stamp}`)}`] : []
            outcome = await forkChild<ChildResult>(self, scenario, nodeArgs)
          }
          Object.assign(run, { result: outcome.result, brokerCpuSeconds: outcome.brokerCpuSeconds, load: outcome.load, otherKafkaJvms: outcome.otherKafkaJvms })
        } catch (error) {
          run.failure = (error instanceof Error ? error.message : String(error)).slice(0, 600)
          loud(`round ${round} ${size} B ${run.label} FAILED: ${run.failure}`)
        }
        run.landed = (await admin.recordCount(topic)).total
        await admin.deleteTopic(topic)
        runs.push(run)
        const r = run.result
        if (r !== undefined) {
          process.stdout.write(
            `round ${round} #${run.order} ${size} B ${run.label.padEnd(24)} ${fmt.rate(rateOf(run))} records/s, ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} MB/s, ${fmt.s(r.seconds)} s, CPU ${fmt.s(r.cpuSeconds)} s, RSS ${fmt.int(r.rssAtStartMiB)} → peak ${fmt.int(r.peakRssMiB)} MiB, acked ${fmt.int(r.acknowledged)}/${fmt.int(r.records)}${r.errors > 0 ? ` (${r.errors} failed: ${r.firstError})` : ''}, landed ${fmt.int(run.landed)}/${fmt.int(run.expected)}, brokers ${fmt.s(run.brokerCpuSeconds)} CPU s, load ${run.load.mean.toFixed(2)}\n`,
          )
        }
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
  lines.push(
    ...environmentLines(
      command,
      clusterInfo().kafkaVersion,
      `kafkats and @kafkats/kafkajs (this repo, run from their TypeScript sources through tsx), @platformatic/kafka ${packageVersion('@platformatic/kafka')}, kafkajs ${packageVersion('kafkajs')}, franz-go ${FRANZ_GO_VERSION}, Kafka's Java client ${peers.java?.version ?? '(not run)'} (${toolVersions()})`,
    ),
  )
  const measuredRuns = runs.filter((run) => run.result !== undefined)
  lines.push(
    `- Whole run: ${totalMinutes.toFixed(1)} min, ${ROUNDS} round(s); 1-minute load average during the runs: ${measuredRuns.length === 0 ? 'n/a' : `${Math.min(...measuredRuns.map((r) => r.load.min)).toFixed(1)} to ${Math.max(...measuredRuns.map((r) => r.load.max)).toFixed(1)}`}${othersNote(runs)}. **The machine (2 cores) was shared with other engineers' work during the run: compare clients within this run only.**`,
  )
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) lines.push(`- **${client} DID NOT RUN** (cannot be built): ${peer.unavailable.split('\n')[0]}`)
  lines.push(
    `- Method: for each round, value size and client, a fresh topic (${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}, leaders spread over the 3 brokers); the client runs alone in its own process (a Node child, the franz-go binary or a JVM; one after another, never in parallel), connects, sends ${fmt.int(WARMUP)} warm-up records and waits for them (connections, metadata, producer id, JIT), then sends ${fmt.int(RECORDS)} records, timed until the last acknowledgement. acks=all and idempotent for every client, no compression. Keys: 13 bytes (\`user-00000042\`, ${fmt.int(KEY_COUNT)} distinct, so every client's default key partitioner spreads them over all partitions); values: record-like JSON (${fmt.int(VALUE_COUNT)} distinct values, the same bytes for every client: files for the Go and Java peers), no headers. After each run, ListOffsets (high watermark − log start, summed over partitions) must show exactly ${fmt.int(WARMUP)} + ${fmt.int(RECORDS)} records; then the topic is deleted. Every round runs every client once, **in a different order each round** (the client list rotated by one; "order" in the per-run table); the table shows each client's median run (by records/s) and the range over the rounds.`,
  )
  lines.push(
    "- records/s and MB/s: timed records ÷ seconds; MB = 10^6 bytes of payload (key + value). Client CPU: user + system CPU time of the client's process over the timed window, measured inside that process — Node `process.cpuUsage()`, Go `getrusage(RUSAGE_SELF)`, Java utime + stime of `/proc/self/stat` (all threads: Go's runtime and GC, the JVM's JIT and GC). CPU µs/record: client CPU ÷ timed records. RSS: resident set when the timed window starts (libraries loaded, connected, warmed up) → the process's peak resident set over its whole life (Node `process.resourceUsage().maxRSS`, Go and Java `VmHWM` of `/proc/self/status`). Broker CPU: CPU seconds the three Kafka JVMs used while the client ran (setup included). Load: mean 1-minute load average sampled every second while the client ran.",
  )
  lines.push('')
  const mediansBySize = new Map<number, Map<string, Run>>()
  for (const size of SIZES) {
    if (!runs.some((run) => run.size === size)) continue
    lines.push(`## ${size === 1024 ? '1 KiB' : `${size} B`} values (${fmt.int(RECORDS)} records, ${fmt.mb((RECORDS * (13 + size)) / 1e6)} MB of payload)`)
    lines.push('')
    lines.push('| client | records/s (median) | range over rounds | MB/s | time s | client CPU s | CPU µs/record | RSS start → peak MiB | all acknowledged, exact count landed | broker CPU s | load |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |')
    const medians = new Map<string, Run>()
    mediansBySize.set(size, medians)
    for (const variant of variants) {
      const label = labelOf(variant)
      const group = runs.filter((run) => run.size === size && run.label === label)
      if (group.length === 0) {
        lines.push(`| ${label} | **did not run** | | | | | | | ${peers[variant.client]?.unavailable?.split('\n')[0] ?? ''} | | |`)
        continue
      }
      const good = group.filter(ok).length
      const verdict =
        good === group.length
          ? `yes (${good}/${group.length} runs)`
          : `**no**: ${group.length - good} of ${group.length} runs (${group
              .filter((run) => !ok(run))
              .map((run) => run.failure ?? `acked ${fmt.int(run.result?.acknowledged ?? 0)}, landed ${fmt.int(run.landed)} of ${fmt.int(run.expected)}${run.result?.firstError !== undefined ? `: ${run.result.firstError.slice(0, 120)}` : ''}`)
              .join('; ')
              .slice(0, 400)})`
      const measured = group.filter((run) => run.result !== undefined)
      if (measured.length === 0) {
        lines.push(`| ${label} | **failed** | | | | | | | ${verdict} | | |`)
        continue
      }
      const m = median(measured)
      medians.set(label, m)
      const r = m.result!
      const rates = measured.map(rateOf)
      lines.push(
        `| ${label} | ${fmt.int(rateOf(m))} | ${fmt.int(Math.min(...rates))}–${fmt.int(Math.max(...rates))} | ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} | ${fmt.s(r.seconds)} | ${fmt.s(r.cpuSeconds)} | ${((r.cpuSeconds * 1e6) / r.records).toFixed(2)} | ${fmt.int(r.rssAtStartMiB)} → ${fmt.int(r.peakRssMiB)} | ${verdict} | ${fmt.s(m.brokerCpuSeconds)} | ${m.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    lines.push('<details><summary>every run</summary>')
    lines.push('')
    lines.push('| round | order | client | records/s | client CPU s | peak RSS MiB | exact | load |')
    lines.push('| ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |')
    for (const run of runs.filter((r) => r.size === size)) {
      lines.push(
        `| ${run.round} | ${run.order} | ${run.label} | ${run.result === undefined ? '**failed**' : fmt.int(rateOf(run))} | ${run.result === undefined ? '' : fmt.s(run.result.cpuSeconds)} | ${run.result === undefined ? '' : fmt.int(run.result.peakRssMiB)} | ${ok(run) ? 'yes' : '**no**'} | ${run.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    lines.push('</details>')
    lines.push('')
  }
  const summaries = (size: number): Map<string, Summary> => {
    const out = new Map<string, Summary>()
    for (const [label, run] of mediansBySize.get(size) ?? []) out.set(label === KAFKATS_LABEL ? 'kafkats' : label, { recordsPerSecond: rateOf(run), cpuSeconds: run.result!.cpuSeconds, records: run.result!.records, peakRssMiB: run.result!.peakRssMiB })
    return out
  }
  const bySize = SIZES.map((size) => ({ size, clients: summaries(size) }))
  lines.push(...targetsSection('produce', bySize))
  const compat = compatSection('produce', bySize)
  lines.push(...compat)
  lines.push('## Client settings')
  lines.push('')
  for (const variant of variants) lines.push(`- **${labelOf(variant)}**: ${settingsOf(variant)}`)
  lines.push('')
  lines.push(...NOTES)
  const text = lines.join('\n')
  process.stdout.write(`\n${text}\n`)
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) loud(`${client} DID NOT RUN (see above)`)
  const complete = RECORDS === FULL_RECORDS && only('sizes') === undefined && only('clients') === undefined && PARTITIONS === 6 && ROUNDS >= 3
  if ((complete || flag('write')) && !flag('no-write')) {
    const out = join(benchDir, 'results', 'produce.md')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
    process.stdout.write(`\nwrote ${out}\n`)
    if (CLIENTS.includes('@kafkats/kafkajs')) writeCompatSection(join(benchDir, 'results', 'kafkajs-compat.md'), 'produce', command, compat)
  }
}

/** Caveats that hold for every run (the numbers above come from the run itself). */
const NOTES: string[] = [
  '## Notes and caveats',
  '',
  '- **Shared CPU.** The client, the three brokers (each writing every record: replication factor 3) and other work on the machine share 2 cores, so the brokers are often the bottleneck and a client that needs less CPU leaves more for them: compare client CPU seconds as well as records/s, and compare clients within one run only.',
  '- **Idempotence limits the other Node clients to one request in flight.** @platformatic/kafka forces `maxInflights: 1` when `idempotent: true`, and it reads a partition\'s sequence number when it builds a request but advances it only after the response, so concurrent `send` calls reuse sequence numbers and the broker discards the later batches as duplicates (next notes): its producer stream, which keeps one `send` in flight, is the safe way to batch. KafkaJS serialises idempotent requests per broker with a lock, so concurrent `send` calls are safe but still one request per broker at a time. kafkats keeps up to 5 requests per broker in flight with idempotence (see packages/producer-sink/README.md).',
  '- **Batch size limits.** KafkaJS and @platformatic/kafka send what one `send` call holds as one batch per partition; above the broker\'s `max.message.bytes` (1 MiB) the whole call fails (seen with 10,000 records of 1 KiB), so their batch sizes cannot grow further. kafkats splits into batches of `batchMaxBytes` (1 MiB) itself.',
  '- **@platformatic/kafka loses records with concurrent idempotent sends.** Checked separately (1.35.0, this cluster): 4 concurrent `send` calls of 5,000 records each on an idempotent producer all resolved without error, but only 5,000 of the 20,000 records landed (ListOffsets). So it must keep one `send` at a time; its producer stream does.',
  '- **kafkats outstanding sends.** kafkats is driven with a window of outstanding sends (settings above). Letting the application fill the producer\'s whole 32 MiB buffer is slower and costs more: with ~31,700 outstanding sends of 1 KiB the client used ~8 s of CPU for 1M records (vs ~4.3 s with 5,000), and with ~250,000 of 100 B its peak RSS reached ~1 GiB; with ~70,000 sends waiting for buffer space inside the producer it fell to ~26,000 records/s (38 µs of CPU per record). See the hot spots in apps/bench/README.md.',
  "- kafkats and @kafkats/kafkajs run from their TypeScript sources through tsx (esbuild-transpiled, same runtime code as a build); the other Node clients run their published JavaScript. All four are loaded in every Node child, so the Node clients' RSS at start is comparable (and includes the libraries not used in that run). franz-go is a Go binary and the Java client a JVM (-Xmx512m): their RSS is their own runtime's.",
  '',
]

await main()
