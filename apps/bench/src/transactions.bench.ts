/**
 * Transactional produce throughput against the real 3-node test cluster: kafkats vs Kafka's Java
 * client vs franz-go, 1,000 records per transaction, 100 B and 1 KiB values.
 *
 *   npm run bench:transactions -w @kafkats/bench                       (full run, writes results/transactions.md)
 *   BENCH_RECORDS=20000 npm run bench:transactions -w @kafkats/bench -- --rounds=1   (quick run, prints only)
 *   npm run bench:transactions -w @kafkats/bench -- --sizes=100 --clients=kafkats --profile
 *
 * Method: for each round, size and client (in a different order each round), a fresh topic with 6
 * partitions and replication factor 3 is created; the client runs alone in its own process (Node
 * for kafkats, a JVM for Java, a Go binary for franz-go), initialises transactions, commits one
 * warm-up transaction of 1,000 records (connections, metadata, producer id, JIT), then runs
 * RECORDS / 1,000 transactions — begin, 1,000 sends not awaited one by one, commit — timed until the
 * last commit returns. Afterwards the parent verifies the topic exactly (see `verify`) and deletes it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { murmur2Partition } from '@kafkats/protocol'
import { Producer as KafkatsProducer } from '@kafkats/producer-sink'
import { clusterInfo } from '@kafkats/testkit'
import {
  BenchAdmin,
  type ChildOutcome,
  KEY_COUNT,
  type Measured,
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
  spawnMeasured,
} from './live-support.js'
import { roundOrder } from './round-order.js'

const RECORDS_PER_TRANSACTION = 1000
const PARTITIONS = 6
const REPLICATION_FACTOR = 3
/**
 * The default timed records per run: 50 transactions. On the shared 2-core machine a transaction
 * takes 0.1-1.5 s (more with franz-go's defaults), so a full run (2 sizes × 4 clients × 3 rounds,
 * plus a JVM per verification) takes ~20 min.
 */
const FULL_RECORDS = 50_000
const RECORDS = process.env.BENCH_RECORDS !== undefined ? Number(process.env.BENCH_RECORDS) : FULL_RECORDS
if (!Number.isSafeInteger(RECORDS) || RECORDS < RECORDS_PER_TRANSACTION || RECORDS % RECORDS_PER_TRANSACTION !== 0) {
  throw new Error(`BENCH_RECORDS must be a positive multiple of ${RECORDS_PER_TRANSACTION}, got ${process.env.BENCH_RECORDS}`)
}
const TRANSACTIONS = RECORDS / RECORDS_PER_TRANSACTION
/** The warm-up transaction's records are committed too: the topic must hold them. */
const WARMUP = RECORDS_PER_TRANSACTION
const FRANZ_GO_VERSION = 'v1.22.3'
/** The repository's Java tools (packages/kafkats/java) run with this heap too. */
const JAVA_HEAP = '-Xmx512m'

/**
 * `franz-go-tuned` is franz-go with MetadataMinAge 100 ms instead of 5 s. On Kafka 4.x
 * (transaction.version 2) a partition leader answers the first Produce of a transaction with
 * CONCURRENT_TRANSACTIONS while the previous transaction's commit marker is not yet written there;
 * franz-go retries such a batch only after a metadata refresh, and refreshes at most every
 * MetadataMinAge, so with the default a transaction that hits it stalls for up to 5 s.
 */
type Client = 'kafkats' | 'java' | 'franz-go' | 'franz-go-tuned'
const ALL_CLIENTS: Client[] = ['kafkats', 'java', 'franz-go', 'franz-go-tuned']
const FRANZ_GO_TUNED_METADATA_MIN_AGE_MS = 100

interface Scenario {
  size: number
  records: number
  topic: string
  transactionalId: string
  bootstrap: string[]
}

interface ChildResult extends Measured {
  acknowledged: number
  committedTransactions: number
  errors: number
  firstError?: string
}

// ---- kafkats (child process) ----

async function runKafkats(scenario: Scenario): Promise<ChildResult> {
  const { keys, values, bytesPerRecord } = makePayloads(scenario.size)
  const pool = new ConnectionPool({ clientId: 'kafkats-txn-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  const producer = new KafkatsProducer({ metadata, pool, transactionalId: scenario.transactionalId })
  const topic = scenario.topic
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  const onAck = (): void => {
    acknowledged++
  }
  const onError = (error: unknown): void => {
    errors++
    firstError ??= String(error)
  }
  let j = 0
  const transaction = async (): Promise<void> => {
    producer.beginTransaction()
    for (let i = 0; i < RECORDS_PER_TRANSACTION; i++, j++) producer.send({ topic, key: keys[j % KEY_COUNT]!, value: values[j % VALUE_COUNT]! }).then(onAck, onError)
    await producer.commitTransaction()
  }
  await producer.initTransactions()
  await transaction() // warm-up
  acknowledged = 0

  const transactions = scenario.records / RECORDS_PER_TRANSACTION
  let committedTransactions = 0
  const watch = new Stopwatch()
  watch.start()
  try {
    for (let t = 0; t < transactions; t++) {
      await transaction()
      committedTransactions++
    }
  } catch (error) {
    errors++
    firstError ??= String(error)
  }
  const measured = watch.stop(scenario.records, scenario.records * bytesPerRecord)
  await producer.close()
  metadata.close()
  pool.close()
  return { ...measured, acknowledged, committedTransactions, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

// ---- the peers: built once per bench run into apps/bench/.cache/transactions ----

interface Peer {
  /** The command line of one run, or why the peer cannot run. */
  command?: (scenario: Scenario, files: PayloadFiles) => { command: string; args: string[]; env?: Record<string, string> }
  unavailable?: string
  version: string
}

interface PayloadFiles {
  keys: string
  values: string
}

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const cacheDir = join(benchDir, '.cache', 'transactions')
const confDir = join(benchDir, '..', '..', 'tools', 'testkit', 'kafka-dist', 'conf')
const javaBin = (tool: string): string => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', tool) : tool)

function errorText(error: unknown): string {
  const e = error as { message?: string; stderr?: Buffer | string }
  return `${e.message ?? String(error)}${e.stderr !== undefined && e.stderr.length > 0 ? `\n${String(e.stderr).slice(-1500)}` : ''}`
}

/** Compiles apps/bench/java/TxnBench.java against the testkit's cached Kafka jars (the cluster's own version). */
function buildJava(): Peer {
  const cluster = clusterInfo()
  const clientsJar = readdirSync(cluster.libsDir).find((name) => /^kafka-clients-[\d.]+\.jar$/.test(name))
  const version = clientsJar?.replace(/^kafka-clients-|\.jar$/g, '') ?? 'unknown'
  const classes = join(cacheDir, 'java')
  try {
    mkdirSync(classes, { recursive: true })
    execFileSync(javaBin('javac'), ['-nowarn', '-d', classes, '-cp', `${cluster.libsDir}/*`, join(benchDir, 'java', 'TxnBench.java')], { stdio: ['ignore', 'pipe', 'pipe'] })
    if (!existsSync(join(classes, 'TxnBench.class'))) throw new Error('javac produced no TxnBench.class')
  } catch (error) {
    return { unavailable: `javac of apps/bench/java/TxnBench.java failed: ${errorText(error)}`, version }
  }
  const logging = cluster.kafkaVersion.startsWith('3.') ? `-Dlog4j.configuration=file:${join(confDir, 'tools-log4j.properties')}` : `-Dlog4j2.configurationFile=${join(confDir, 'log4j2-tools.properties')}`
  const base = [JAVA_HEAP, logging, '-cp', `${classes}:${cluster.libsDir}/*`, 'TxnBench']
  return {
    version,
    command: (scenario, files) => ({
      command: javaBin('java'),
      args: [...base, 'produce', scenario.bootstrap.join(','), scenario.topic, scenario.transactionalId, files.keys, files.values, String(scenario.records), String(RECORDS_PER_TRANSACTION)],
    }),
  }
}

/** The Java read_committed counter used by `verify` (the same compiled class). */
function javaCountCommitted(bootstrap: string[], topic: string): Promise<ChildOutcome<{ committed: number; perPartition: number[] }>> {
  const cluster = clusterInfo()
  const logging = cluster.kafkaVersion.startsWith('3.') ? `-Dlog4j.configuration=file:${join(confDir, 'tools-log4j.properties')}` : `-Dlog4j2.configurationFile=${join(confDir, 'log4j2-tools.properties')}`
  return spawnMeasured(javaBin('java'), [JAVA_HEAP, logging, '-cp', `${join(cacheDir, 'java')}:${cluster.libsDir}/*`, 'TxnBench', 'count-committed', bootstrap.join(','), topic], `count-committed ${topic}`)
}

/** Builds apps/bench/go (franz-go, pinned in its go.mod/go.sum) into the cache directory. */
function buildFranzGo(env: Record<string, string> = {}): Peer {
  const binary = join(cacheDir, 'franz-go-txbench')
  try {
    mkdirSync(cacheDir, { recursive: true })
    execFileSync('go', ['build', '-mod=readonly', '-o', binary, '.'], { cwd: join(benchDir, 'go'), stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    return { unavailable: `go build in apps/bench/go failed: ${errorText(error)}`, version: FRANZ_GO_VERSION }
  }
  return {
    version: FRANZ_GO_VERSION,
    command: (scenario, files) => ({
      command: binary,
      args: [scenario.bootstrap.join(','), scenario.topic, scenario.transactionalId, files.keys, files.values, String(scenario.records), String(RECORDS_PER_TRANSACTION)],
      env,
    }),
  }
}

/** The same keys and values as `makePayloads`, one per line (ASCII JSON without newlines), for the Java and Go peers. */
function writePayloadFiles(size: number): PayloadFiles {
  const { keys, values } = makePayloads(size)
  const dir = join(cacheDir, `payload-${size}`)
  mkdirSync(dir, { recursive: true })
  const files = { keys: join(dir, 'keys.txt'), values: join(dir, 'values.txt') }
  for (const buffer of [...keys, ...values]) if (buffer.includes(0x0a)) throw new Error('a payload contains a newline')
  writeFileSync(files.keys, `${keys.map((key) => key.toString('latin1')).join('\n')}\n`)
  writeFileSync(files.values, `${values.map((value) => value.toString('latin1')).join('\n')}\n`)
  return files
}

// ---- verification ----

/**
 * What the topic must hold after a run, from the record keys alone: every client partitions keyed
 * records with Kafka's murmur2 (Java's default; kafkats' and franz-go's defaults do the same), so
 * record j goes to murmur2(keys[j % KEY_COUNT]) % 6, and every transaction writes one commit
 * marker (a control record, one offset) to each partition it touched.
 */
function expectedLayout(size: number, records: number): { perPartition: number[]; markersPerPartition: number[] } {
  const { keys } = makePayloads(size)
  const perPartition = new Array<number>(PARTITIONS).fill(0)
  const markersPerPartition = new Array<number>(PARTITIONS).fill(0)
  const partitionOfKey = keys.map((key) => murmur2Partition(key, PARTITIONS))
  const total = WARMUP + records
  for (let first = 0; first < total; first += RECORDS_PER_TRANSACTION) {
    const touched = new Set<number>()
    for (let j = first; j < first + RECORDS_PER_TRANSACTION; j++) {
      const partition = partitionOfKey[j % KEY_COUNT]!
      perPartition[partition]!++
      touched.add(partition)
    }
    for (const partition of touched) markersPerPartition[partition]!++
  }
  return { perPartition, markersPerPartition }
}

interface Verdict {
  ok: boolean
  committed: number
  /** High watermark − log start offset, summed: records + control markers (+ aborted records, if any). */
  offsets: number
  /** offsets − committed: what is not a committed record. */
  markers: number
  /** How long after the client's last commit returned until every partition had its commit marker. */
  markerLagMs: number
  detail: string
}

/**
 * EndTxn returns once the coordinator has logged the commit (PrepareCommit); it writes the commit
 * markers to the partitions afterwards. Waits (up to 30 s) until no partition has an open
 * transaction: its last stable offset (ListOffsets, read_committed) equals its high watermark.
 */
async function waitForMarkers(admin: BenchAdmin, topic: string): Promise<number> {
  const started = performance.now()
  for (;;) {
    const stable = await admin.admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' })
    const latest = await admin.admin.listOffsets({ [topic]: 'latest' })
    let open = 0
    for (const [partition, offset] of Object.entries(latest[topic] ?? {})) {
      const lso = stable[topic]?.[Number(partition)]
      if (offset.error !== undefined || lso === undefined || lso.error !== undefined || lso.offset !== offset.offset) open++
    }
    if (open === 0) return performance.now() - started
    if (performance.now() - started > 30_000) return -1
    await sleep(50)
  }
}

/**
 * Exact check, two independent views, once no partition has an open transaction
 * (`waitForMarkers`): (1) Kafka's Java consumer with isolation.level=read_committed reads every
 * partition from the beginning to its last stable offset and counts the records it is given — per
 * partition, this must equal the expected committed records (warm-up + timed) exactly; (2)
 * ListOffsets (high watermark − log start) per partition minus that count must equal the number of
 * commit markers expected (one per transaction that touched the partition) — aborted or duplicated
 * batches, an extra transaction or a missing marker would all show as a difference.
 */
async function verify(admin: BenchAdmin, scenario: Scenario, java: Peer): Promise<Verdict> {
  const expected = expectedLayout(scenario.size, scenario.records)
  const markerLagMs = await waitForMarkers(admin, scenario.topic)
  const failed = (detail: string, offsets = -1): Verdict => ({ ok: false, committed: -1, offsets, markers: -1, markerLagMs, detail })
  if (java.unavailable !== undefined) return failed('**not verified**: the Java read_committed counter could not be built')
  let counted: { committed: number; perPartition: number[] }
  try {
    counted = (await javaCountCommitted(scenario.bootstrap, scenario.topic)).result
  } catch (error) {
    return failed(`**not verified**: ${errorText(error).slice(0, 300)}`)
  }
  const offsets = await admin.recordCount(scenario.topic)
  const problems: string[] = []
  if (markerLagMs < 0) problems.push('a partition still had an open transaction 30 s after the last commit')
  for (let p = 0; p < PARTITIONS; p++) {
    const committed = counted.perPartition[p] ?? 0
    const markers = (offsets.perPartition[p] ?? 0) - committed
    if (committed !== expected.perPartition[p]) problems.push(`p${p}: ${committed} committed records, expected ${expected.perPartition[p]}`)
    if (markers !== expected.markersPerPartition[p]) problems.push(`p${p}: ${markers} offsets beyond the committed records, expected ${expected.markersPerPartition[p]} commit markers`)
  }
  return {
    ok: problems.length === 0,
    committed: counted.committed,
    offsets: offsets.total,
    markers: offsets.total - counted.committed,
    markerLagMs,
    detail: problems.join('; '),
  }
}

// ---- parent ----

interface Run {
  size: number
  client: Client
  round: number
  order: number
  result?: ChildResult
  failure?: string
  verdict?: Verdict
  brokerCpuSeconds: number
  load: { min: number; mean: number; max: number }
  otherKafkaJvms: number
}

const SIZES = (only('sizes') ?? ['100', '1024']).map(Number)
const CLIENTS = (only('clients') ?? ALL_CLIENTS) as Client[]
const ROUNDS = Number(only('rounds')?.[0] ?? 3)
const PROFILE = flag('profile')
for (const client of CLIENTS) if (!ALL_CLIENTS.includes(client)) throw new Error(`unknown client ${client}; expected ${ALL_CLIENTS.join(', ')}`)

const rateOf = (run: Run): number => (run.result === undefined ? 0 : run.result.records / run.result.seconds)
const ok = (run: Run): boolean =>
  run.result !== undefined &&
  run.result.errors === 0 &&
  run.result.acknowledged === run.result.records &&
  run.result.committedTransactions === run.result.records / RECORDS_PER_TRANSACTION &&
  run.verdict?.ok === true

/** The run with the median records/s (of an odd number of runs; the lower middle otherwise). */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b))
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

function loud(message: string): void {
  process.stderr.write(`\n!!!!!!!!!!\n!!! ${message.split('\n').join('\n!!! ')}\n!!!!!!!!!!\n\n`)
}

function settingsOf(client: Client, peers: Record<Client, Peer | undefined>): string {
  switch (client) {
    case 'kafkats':
      return '`@kafkats/producer-sink` `Producer({ metadata, pool, transactionalId })` (what `kafka.producer({ transactionalId })` builds), defaults otherwise: lingerMs 5, batchMaxBytes 1 MiB, 5 requests in flight per broker, 32 MiB buffer, no compression, murmur2 key partitioner. `beginTransaction()`, `send()` × 1,000 (each promise gets a `.then(onAck, onError)`, none awaited), `await commitTransaction()` (flushes, then EndTxn).'
    case 'java':
      return `Kafka's Java client ${peers.java?.version ?? ''} (the testkit's cached jars; apps/bench/java/TxnBench.java, JVM ${JAVA_HEAP}): \`transactional.id\` only, defaults otherwise (Kafka 4.x client: linger.ms 5, batch.size 16384, max.in.flight.requests.per.connection 5, buffer.memory 32 MiB, compression none, murmur2 key partitioner). \`beginTransaction()\`, \`send(record, callback)\` × 1,000, \`commitTransaction()\` (flushes, then EndTxn).`
    case 'franz-go':
      return `franz-go ${FRANZ_GO_VERSION} kgo (apps/bench/go, \`go build\` at bench time): \`TransactionalID\`, \`DefaultProduceTopic\` and \`ProducerBatchCompression(NoCompression())\` — franz-go's default is snappy, the other clients send uncompressed — defaults otherwise (ProducerLinger 10 ms, ProducerBatchMaxBytes 1,000,012, up to 5 produce requests in flight per broker with idempotence, MaxBufferedRecords 50,000, murmur2 key partitioner). \`BeginTransaction()\`, \`Produce(ctx, record, promise)\` × 1,000, \`Flush(ctx)\` (EndTransaction does not flush), \`EndTransaction(ctx, TryCommit)\`.`
    case 'franz-go-tuned':
      return `the same franz-go program with \`MetadataMinAge(${FRANZ_GO_TUNED_METADATA_MIN_AGE_MS} ms)\` (default 5 s): franz-go retries a batch refused with CONCURRENT_TRANSACTIONS (Kafka 4.x, transaction.version 2: the previous transaction's commit marker is not yet written on that partition) only after a metadata refresh, which MetadataMinAge rate-limits; with the default a transaction that hits it stalls up to 5 s.`
  }
}

async function main(): Promise<void> {
  const childScenario = scenarioArgument<Scenario>()
  if (childScenario !== undefined) {
    const result = await runKafkats(childScenario)
    process.stdout.write(`\n${JSON.stringify(result)}\n`)
    process.exit(0)
  }
  const self = fileURLToPath(import.meta.url)
  const bootstrap = bootstrapBrokers()
  const admin = new BenchAdmin(bootstrap)

  // The Java program is needed for verification even when the Java client is not benchmarked.
  const java = buildJava()
  const peers: Record<Client, Peer | undefined> = {
    kafkats: { version: 'this repo' },
    java: CLIENTS.includes('java') ? java : undefined,
    'franz-go': CLIENTS.includes('franz-go') ? buildFranzGo() : undefined,
    'franz-go-tuned': CLIENTS.includes('franz-go-tuned') ? buildFranzGo({ BENCH_FRANZ_METADATA_MIN_AGE_MS: String(FRANZ_GO_TUNED_METADATA_MIN_AGE_MS) }) : undefined,
  }
  for (const client of CLIENTS) {
    const peer = peers[client]
    if (peer?.unavailable !== undefined) loud(`${client} CANNOT RUN: it is left out of this benchmark.\n${peer.unavailable}`)
  }
  if (java.unavailable !== undefined) loud(`No run can be verified: ${java.unavailable}`)
  const files = new Map(SIZES.map((size) => [size, writePayloadFiles(size)] as const))

  const runs: Run[] = []
  const startedAt = performance.now()
  for (let round = 1; round <= ROUNDS; round++) {
    // a different order each round, balanced: every client at every position and right after every other one (roundOrder)
    const order = roundOrder(CLIENTS, round)
    for (const size of SIZES) {
      for (const [position, client] of order.entries()) {
        const peer = peers[client]
        if (peer?.unavailable !== undefined) continue
        const stamp = Date.now()
        const topic = `bench-txn-${size}-${client}-${stamp}`
        await admin.createTopic(topic, PARTITIONS, REPLICATION_FACTOR)
        const scenario: Scenario = { size, records: RECORDS, topic, transactionalId: `bench-txn-${client}-${size}-${round}-${stamp}`, bootstrap }
        const run: Run = { size, client, round, order: position + 1, brokerCpuSeconds: 0, load: { min: 0, mean: 0, max: 0 }, otherKafkaJvms: 0 }
        try {
          let outcome: ChildOutcome<ChildResult>
          if (client === 'kafkats') {
            const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `transactions-${size}-kafkats-${stamp}`)}`] : []
            outcome = await forkChild<ChildResult>(self, scenario, nodeArgs)
          } else {
            const { command, args, env } = peer!.command!(scenario, files.get(size)!)
            outcome = await spawnMeasured<ChildResult>(command, args, `${client} ${topic}`, env)
          }
          run.result = outcome.result
          run.brokerCpuSeconds = outcome.brokerCpuSeconds
          run.load = outcome.load
          run.otherKafkaJvms = outcome.otherKafkaJvms
          run.verdict = await verify(admin, scenario, java)
        } catch (error) {
          run.failure = errorText(error).slice(0, 600)
          loud(`round ${round} ${size} B ${client} FAILED: ${run.failure}`)
        }
        await admin.deleteTopic(topic)
        runs.push(run)
        const r = run.result
        if (r !== undefined) {
          process.stdout.write(
            `round ${round} #${run.order} ${String(size).padStart(4)} B ${client.padEnd(14)} ${fmt.rate(rateOf(run))} records/s, ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} MB/s, ${fmt.s(r.seconds)} s (${((r.seconds * 1000) / TRANSACTIONS).toFixed(1)} ms/txn), CPU ${fmt.s(r.cpuSeconds)} s, RSS ${fmt.int(r.rssAtStartMiB)} → peak ${fmt.int(r.peakRssMiB)} MiB, acked ${fmt.int(r.acknowledged)}/${fmt.int(r.records)}, committed txns ${r.committedTransactions}/${TRANSACTIONS}${r.errors > 0 ? ` (${r.errors} failed: ${r.firstError})` : ''}, read_committed ${fmt.int(run.verdict?.committed ?? -1)}/${fmt.int(RECORDS + WARMUP)}, markers ${run.verdict?.markers ?? '?'} (all written ${run.verdict?.markerLagMs.toFixed(0) ?? '?'} ms after the last commit)${run.verdict?.ok === true ? ' ✓' : ` ✗ ${run.verdict?.detail ?? ''}`}, brokers ${fmt.s(run.brokerCpuSeconds)} CPU s, load ${run.load.mean.toFixed(2)}\n`,
          )
        }
        await sleep(3000) // let the brokers settle (replication, log flush) before the next client
      }
    }
  }
  admin.close()
  const totalMinutes = (performance.now() - startedAt) / 60_000

  const lines: string[] = []
  lines.push('# Transactional produce throughput (real 3-node cluster)')
  lines.push('')
  const command = `${RECORDS === FULL_RECORDS ? '' : `BENCH_RECORDS=${RECORDS} `}npm run bench:transactions -w @kafkats/bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  lines.push(
    ...environmentLines(
      command,
      clusterInfo().kafkaVersion,
      `kafkats (this repo, run from its TypeScript sources through tsx), Kafka's Java client ${java.version} (the testkit's jars; ${javaVersion()}), franz-go ${FRANZ_GO_VERSION} (${goVersion()})`,
    ),
  )
  const loads = runs.filter((run) => run.result !== undefined).map((run) => run.load)
  lines.push(
    `- Whole run: ${totalMinutes.toFixed(1)} min, ${ROUNDS} round(s); 1-minute load average during the runs: ${loads.length === 0 ? 'n/a' : `${Math.min(...loads.map((l) => l.min)).toFixed(1)} to ${Math.max(...loads.map((l) => l.max)).toFixed(1)}`}${othersNote(runs)}. **Noisy**: 2 cores shared by the client, the three brokers and other engineers' test runs.`,
  )
  for (const client of CLIENTS) {
    const peer = peers[client]
    if (peer?.unavailable !== undefined) lines.push(`- **${client} DID NOT RUN** (cannot be built): ${peer.unavailable.split('\n')[0]}`)
  }
  if (java.unavailable !== undefined) lines.push('- **No run was verified**: the Java read_committed counter could not be built.')
  lines.push(
    `- Method: for each round, value size and client, a fresh topic (${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}); the client runs alone in its own process (Node, JVM or Go binary; one after another, never in parallel), initialises transactions, commits one warm-up transaction of ${fmt.int(WARMUP)} records (connections, metadata, producer id, JIT), then runs ${fmt.int(TRANSACTIONS)} transactions of ${fmt.int(RECORDS_PER_TRANSACTION)} records (${fmt.int(RECORDS)} records): begin, ${fmt.int(RECORDS_PER_TRANSACTION)} sends not awaited one by one, commit; timed until the last commit returns. The clients run in a different order each round (balanced: every client at every position and right after every other client equally often, \`roundOrder\` in round-order.ts). Keys: 13 bytes (\`user-00000042\`, ${fmt.int(KEY_COUNT)} distinct), values: record-like JSON (${fmt.int(VALUE_COUNT)} distinct), the same bytes for every client (files for the Java and Go peers); no compression, no headers. The table shows each client's median run (by records/s) and the range over the rounds.`,
  )
  lines.push(
    `- Verification after every run (exact): first the parent waits until no partition has an open transaction (ListOffsets: last stable offset = high watermark; EndTxn returns once the coordinator logged the commit, the markers follow), then Kafka's Java consumer with \`isolation.level=read_committed\` reads each partition from the beginning to its last stable offset and counts the records it is given; per partition this must equal the records expected there (murmur2 of the keys, as all three clients partition) — ${fmt.int(WARMUP)} + ${fmt.int(RECORDS)} in total. Then ListOffsets (high watermark − log start) per partition minus that count must equal the commit markers expected there (one control record per transaction that touched the partition; every transaction touches all ${PARTITIONS}: ${fmt.int(TRANSACTIONS + 1)} per partition). An aborted or duplicated batch, an extra or missing transaction would show as a difference.`,
  )
  lines.push(
    '- records/s and MB/s: timed records ÷ seconds; MB = 10^6 bytes of payload (key + value). ms/txn: timed seconds ÷ transactions. Client CPU: user + system CPU of the client process over the timed window (Node `process.cpuUsage()`, Java `/proc/self/stat` utime+stime — all JVM threads, JIT and GC included —, Go `getrusage(RUSAGE_SELF)`). RSS: resident set when the timed window starts → peak resident set over the process life (`VmHWM` of `/proc/self/status` for every client, Node, Java and Go alike; not `process.resourceUsage().maxRSS` in Node, which on Linux carries the resident set of the spawning parent into the child). Broker CPU: CPU seconds of the three Kafka JVMs while the client ran (process start and warm-up included). Load: mean 1-minute load average sampled every second while the client ran.',
  )
  lines.push('')
  for (const size of SIZES) {
    if (!runs.some((run) => run.size === size)) continue
    lines.push(`## ${size === 1024 ? '1 KiB' : `${size} B`} values (${fmt.int(RECORDS)} records in ${fmt.int(TRANSACTIONS)} transactions, ${fmt.mb((RECORDS * (13 + size)) / 1e6)} MB of payload)`)
    lines.push('')
    lines.push('| client | records/s (median) | range over rounds | MB/s | ms/txn | time s | client CPU s (user + sys) | RSS start → peak MiB | all committed, exact count verified | broker CPU s | load |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |')
    const medians = new Map<Client, Run>()
    for (const client of CLIENTS) {
      const group = runs.filter((run) => run.size === size && run.client === client)
      if (group.length === 0) {
        lines.push(`| ${client} | **did not run** | | | | | | | ${peers[client]?.unavailable?.split('\n')[0] ?? ''} | | |`)
        continue
      }
      const measured = group.filter((run) => run.result !== undefined)
      const good = group.filter(ok).length
      const verdict =
        good === group.length
          ? `yes (${good}/${group.length} runs)`
          : `**no**: ${group.length - good} of ${group.length} runs (${group
              .filter((run) => !ok(run))
              .map((run) => run.failure ?? `committed txns ${run.result?.committedTransactions}, acked ${run.result?.acknowledged}, ${run.result?.firstError ?? ''} ${run.verdict?.detail ?? ''}`.trim())
              .join('; ')
              .slice(0, 400)})`
      if (measured.length === 0) {
        lines.push(`| ${client} | **failed** | | | | | | | ${verdict} | | |`)
        continue
      }
      const m = median(measured)
      medians.set(client, m)
      const r = m.result!
      const rates = measured.map(rateOf)
      lines.push(
        `| ${client} | ${fmt.int(rateOf(m))} | ${fmt.int(Math.min(...rates))}–${fmt.int(Math.max(...rates))} | ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} | ${((r.seconds * 1000) / TRANSACTIONS).toFixed(1)} | ${fmt.s(r.seconds)} | ${fmt.s(r.cpuSeconds)} (${fmt.s(r.cpuUserSeconds)} + ${fmt.s(r.cpuSystemSeconds)}) | ${fmt.int(r.rssAtStartMiB)} → ${fmt.int(r.peakRssMiB)} | ${verdict} | ${fmt.s(m.brokerCpuSeconds)} | ${m.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    const kafkats = medians.get('kafkats')
    const javaRun = medians.get('java')
    const others = (['franz-go', 'franz-go-tuned'] as const).filter((client) => medians.has(client))
    if (kafkats !== undefined && (others.length > 0 || javaRun !== undefined)) {
      const parts: string[] = []
      for (const client of others) {
        const ratio = rateOf(medians.get(client)!) / rateOf(kafkats)
        parts.push(`${client} ÷ kafkats = ${fmt.ratio(ratio)} (target ≤ 1.2×: ${ratio <= 1.2 ? 'met' : '**not met**'})`)
      }
      if (javaRun !== undefined) parts.push(`Java ÷ kafkats = ${fmt.ratio(rateOf(javaRun) / rateOf(kafkats))}`)
      lines.push(`Median records/s: ${parts.join('; ')}.`)
      lines.push('')
    } else if (CLIENTS.includes('kafkats') && CLIENTS.some((client) => client.startsWith('franz-go'))) {
      lines.push('**No kafkats/franz-go ratio: one of them has no successful run.**')
      lines.push('')
    }
    lines.push('<details><summary>every run</summary>')
    lines.push('')
    lines.push('| round | order | client | records/s | ms/txn | client CPU s | peak RSS MiB | verified | load |')
    lines.push('| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |')
    for (const run of runs.filter((r) => r.size === size)) {
      lines.push(
        `| ${run.round} | ${run.order} | ${run.client} | ${run.result === undefined ? '**failed**' : fmt.int(rateOf(run))} | ${run.result === undefined ? '' : ((run.result.seconds * 1000) / TRANSACTIONS).toFixed(1)} | ${run.result === undefined ? '' : fmt.s(run.result.cpuSeconds)} | ${run.result === undefined ? '' : fmt.int(run.result.peakRssMiB)} | ${ok(run) ? 'yes' : '**no**'} | ${run.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    lines.push('</details>')
    lines.push('')
  }
  lines.push('## Client settings')
  lines.push('')
  for (const client of CLIENTS) lines.push(`- **${client}**: ${settingsOf(client, peers)}`)
  lines.push('')
  lines.push(...NOTES)
  const text = lines.join('\n')
  process.stdout.write(`\n${text}\n`)
  for (const client of CLIENTS) {
    const peer = peers[client]
    if (peer?.unavailable !== undefined) loud(`${client} DID NOT RUN (see above)`)
  }
  const complete = only('sizes') === undefined && only('clients') === undefined && ROUNDS >= 3
  if ((complete || flag('write')) && !flag('no-write')) {
    const out = join(benchDir, 'results', 'transactions.md')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
    process.stdout.write(`\nwrote ${out}\n`)
  }
}

/** What the runs cannot show by themselves (measured separately; see apps/bench/README.md). */
const NOTES: string[] = [
  '## Notes and caveats',
  '',
  '- **Noisy.** 2 cores shared by the client, the three brokers and other engineers\' tests (other Kafka clusters included); the 1-minute load average is in the header and per run. Compare clients within one run, and read the ranges: medians within ~10-20% of each other are not a ranking.',
  '- **Latency-bound, not CPU-bound.** Client CPU was 0.1-0.5 s per 50,000 records (Java 1.6-3.7 s, its JIT and GC threads included) in runs of 4-55 s, so records/s is set by the round trips of each transaction: the Produce requests of the commit\'s flush (acks=all, replication factor 3), then EndTxn. A kafkats trace (50 transactions of 100 B, load ~30) spent per transaction 3-8 ms in the 1,000 `send()` calls, ~100-110 ms in the flush (one Produce per leader) and 11-20 ms in EndTxn; 157 Produce requests for 50 transactions: 3 per transaction (one per broker) plus ~7 retries of CONCURRENT_TRANSACTIONS (retried after retryBackoffMs, 100 ms). Lowering retryBackoffMs to 20 ms changed nothing measurable (two pairs of runs: 140 vs 132 and 113 vs 121 ms per transaction).',
  '- **CONCURRENT_TRANSACTIONS on Kafka 4.x.** With transaction.version 2 the partition leader adds the partition to the transaction itself and refuses the first Produce of a transaction while the previous transaction\'s commit marker is not yet written there; every client retries. franz-go retries after a metadata refresh, at most every MetadataMinAge (5 s by default): with its defaults, transactions that hit this stall for seconds (its debug log shows the retries and the 4.6 s wait for the refresh), hence the franz-go-tuned variant with MetadataMinAge 100 ms.',
  '- **Java\'s default batch.size (16 KiB)** splits each partition\'s share of a transaction (~167 records: ~19 KB at 100 B, ~171 KB at 1 KiB) into 2 or 11 batches, so its flush probably needs several Produce round trips per leader (5 requests in flight per connection); the bench keeps Java\'s defaults, as the brief for this comparison asked.',
  '- **Commit markers come after the commit.** EndTxn returns once the coordinator has logged the commit; it writes the markers to the partitions afterwards (here the last ones landed 10-400 ms after the client process exited). A first version of the check ran ListOffsets right away and counted a marker short on two partitions; it now waits until every partition\'s last stable offset equals its high watermark.',
  '',
]

/** Says when another Kafka cluster (other engineers' tests) was running during some runs. */
function othersNote(runs: Array<{ otherKafkaJvms: number }>): string {
  const affected = runs.filter((run) => run.otherKafkaJvms > 0)
  return affected.length === 0
    ? '; no other Kafka JVM on the machine'
    : `; **another Kafka cluster (up to ${Math.max(...affected.map((run) => run.otherKafkaJvms))} JVMs, not this benchmark's) was running during ${affected.length} of ${runs.length} runs**`
}

/** `java -version` prints to stderr. */
function javaVersion(): string {
  const { stderr } = spawnSync(javaBin('java'), ['-version'], { encoding: 'utf8' })
  return stderr?.split('\n')[0]?.trim() || 'java not found'
}

function goVersion(): string {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8' }).trim()
  } catch {
    return 'go not found'
  }
}

await main()
