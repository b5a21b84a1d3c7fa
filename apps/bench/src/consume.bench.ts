/**
 * Consume throughput against the real 3-node test cluster: kafkats DirectConsumer vs franz-go (no
 * group) vs Kafka's Java consumer (assign, no group) vs @platformatic/kafka 1.35.0 (its stream API)
 * vs KafkaJS 2.2.4 and @kafkats/kafkajs (the same group consumer code with eachBatch), 1 KiB and
 * 100 B values, 1,000,000 records each, from the same topics.
 *
 *   npm run bench:consume -w @kafkats/bench                     (full run, writes results/consume.md)
 *   npm run bench:consume -w @kafkats/bench -- --clients=kafkats,kafkats-group,kafkajs,compat --write-compat   (writes only the consume section of results/kafkajs-compat.md)
 *   BENCH_RECORDS=100000 npm run bench:consume -w @kafkats/bench   (quick run, prints only)
 *   npm run bench:consume -w @kafkats/bench -- --sizes=100 --clients=kafkats --profile
 *
 * Method: one topic per value size (6 partitions, replication factor 3) is filled once by the
 * kafkats producer with exactly RECORDS records and kept (a later run reuses it when ListOffsets
 * still shows exactly RECORDS records). Each client then runs in its own child process, one after
 * another, in a different order each round (balanced: each at each position and after each other client once, roundOrder): it starts reading the whole topic from the beginning; the timed window runs from the
 * first batch or record the application receives to the moment the last of RECORDS records has
 * been handed to it (so connecting, metadata and the group join of the group consumers are not
 * timed; they are reported as "setup").
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer as KafkatsProducer } from '@kafkats/producer-sink'
import { clusterInfo } from '@kafkats/testkit'
import type { ChildResult, Client, Scenario } from './consume-child.js'
import { formatFetchTrace, summarizeFetchTrace } from './fetch-trace.js'
import {
  BenchAdmin,
  FULL_RECORDS,
  KEY_COUNT,
  RECORDS,
  VALUE_COUNT,
  bootstrapBrokers,
  environmentLines,
  flag,
  fmt,
  makePayloads,
  only,
  packageVersion,
  rounds,
  sleep,
  spawnMeasured,
} from './live-support.js'
import { type EmptyChildResult, childRuntimeFromArgs, emptyChildMedian, nodeChildRssNote, prepareNodeChildren } from './node-children.js'
import { type Peer, buildFranzGo, buildJava, FRANZ_GO_VERSION, loud, toolVersions } from './peers.js'
import { roundOrder } from './round-order.js'
import { type Summary, compatSection, targetsSection, writeCompatSection } from './targets.js'

const PARTITIONS = 6
const REPLICATION_FACTOR = 3

const ALL_CLIENTS: Client[] = ['kafkats', 'franz-go', 'java', '@platformatic/kafka', 'kafkajs', '@kafkats/kafkajs']
/**
 * Also accepted by --clients, not in a default run: kafkats' GroupConsumer through its own API,
 * the consumer @kafkats/kafkajs runs underneath, to tell the compat layer's cost from the group path's.
 */
const KNOWN_CLIENTS: Client[] = [...ALL_CLIENTS, 'kafkats-group']
/** Short names accepted by --clients. */
const CLIENT_ALIASES: Record<string, Client> = { platformatic: '@platformatic/kafka', 'kafkats-kafkajs': '@kafkats/kafkajs', compat: '@kafkats/kafkajs' }

const SETTINGS: Record<Client, string> = {
  kafkats: '`DirectConsumer` (no group), all 6 partitions assigned at `Offset.earliest()`, no rack; `for await (const batch of consumer)`; fetch-planner defaults (fetchMaxBytes 50 MiB, partitionMaxBytes 1 MiB, fetchMaxWaitMs 500, bufferMaxBatches 32, CRC-32C verified)',
  'kafkats-group':
    "`GroupConsumer` from `@kafkats/consumer` (what @kafkats/kafkajs runs underneath), fresh groupId, `autoOffsetReset: 'earliest'`, `autoCommit: false`, defaults otherwise (cooperative-sticky, read_uncommitted, fetch-planner defaults, CRC-32C verified); `for await (const batch of consumer.batches())`",
  kafkajs:
    'group consumer (KafkaJS has no consumer without a group), fresh groupId, `subscribe({ fromBeginning: true })`, `run({ eachBatch, eachBatchAutoResolve: true, autoCommit: false })`; defaults (maxBytes 10 MiB, maxBytesPerPartition 1 MiB, maxWaitTimeInMs 5000, partitionsConsumedConcurrently 1)',
  '@kafkats/kafkajs':
    'the same code as kafkajs, imported from `@kafkats/kafkajs` (this repo, from its TypeScript sources): group consumer, fresh groupId, `subscribe({ fromBeginning: true })`, `run({ eachBatch, eachBatchAutoResolve: true, autoCommit: false })`, defaults; underneath a kafkats group consumer (CRC-32C verified)',
  '@platformatic/kafka':
    "group consumer (its `Consumer` always joins a group), fresh groupId, `consume({ topics, mode: 'earliest', autocommit: false })` stream read with `on('data')`; defaults (maxBytes 10 MiB per fetch and per partition, maxWaitTime 5000, highWaterMark 1024, isolation read_committed)",
  'franz-go': `franz-go ${FRANZ_GO_VERSION} kgo (apps/bench/go/perf, \`go build\` at bench time), no group (as kafkats' DirectConsumer): \`ConsumeTopics\` + \`ConsumeResetOffset(NewOffset().AtStart())\`, \`PollFetches\` in a loop; franz-go's fetch defaults (FetchMaxBytes 50 MiB, FetchMaxPartitionBytes 1 MiB, FetchMaxWait 5 s, CRC-32C verified)`,
  java: "Kafka's Java consumer (the testkit's cached jars, the cluster's version; apps/bench/java/PerfBench.java, JVM -Xmx512m), no group: `assign()` all partitions, `seekToBeginning`, `poll(500 ms)` in a loop; defaults (fetch.max.bytes 50 MiB, max.partition.fetch.bytes 1 MiB, max.poll.records 500, check.crcs true) — what kafka-consumer-perf-test does, without its group",
}

// ---- parent ----

/** Says when another Kafka cluster (other engineers' tests) was running during some runs. */
function othersNote(runs: Array<{ otherKafkaJvms: number }>): string {
  const affected = runs.filter((run) => run.otherKafkaJvms > 0)
  return affected.length === 0
    ? '; no other Kafka JVM on the machine'
    : `; **another Kafka cluster (up to ${Math.max(...affected.map((run) => run.otherKafkaJvms))} JVMs, not this benchmark's) was running during ${affected.length} of ${runs.length} runs**`
}

/** Fills `topic` with exactly `records` records with the kafkats producer (keeping ≤ 32 MiB outstanding). */
async function fill(bootstrap: string[], topic: string, size: number, records: number): Promise<void> {
  const { keys, values, bytesPerRecord } = makePayloads(size)
  const pool = new ConnectionPool({ clientId: 'kafkats-bench-fill' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: bootstrap, pool })
  const producer = new KafkatsProducer({ metadata, pool, lingerMs: 5 })
  const window = Math.floor((32 * 1024 * 1024) / (bytesPerRecord + 21))
  let outstanding = 0
  let failed: unknown
  let wake: (() => void) | null = null
  const settle = (): void => {
    outstanding--
    if (wake !== null && outstanding <= window / 2) {
      const resume = wake
      wake = null
      resume()
    }
  }
  for (let i = 0; i < records; i++) {
    if (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve))
    outstanding++
    producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }).then(settle, (error: unknown) => {
      failed ??= error
      settle()
    })
  }
  await producer.close()
  metadata.close()
  pool.close()
  if (failed !== undefined) throw failed
}

interface Run {
  size: number
  client: Client
  round: number
  /** Position in its round's order (1 = first). */
  order: number
  result?: ChildResult
  failure?: string
  brokerCpuSeconds: number
  load: { min: number; mean: number; max: number }
  otherKafkaJvms: number
}

const rateOf = (run: Run): number => (run.result === undefined ? 0 : run.result.records / run.result.seconds)

/** The run with the median records/s (of an odd number of runs; the lower middle otherwise). */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b))
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

const SIZES = (only('sizes') ?? ['1024', '100']).map(Number)
const CLIENTS = (only('clients') ?? ALL_CLIENTS).map((name) => CLIENT_ALIASES[name] ?? name) as Client[]
for (const client of CLIENTS) if (!KNOWN_CLIENTS.includes(client)) throw new Error(`unknown client ${client}; expected ${KNOWN_CLIENTS.join(', ')} (or ${Object.keys(CLIENT_ALIASES).join(', ')})`)
const ROUNDS = rounds(CLIENTS.length)
const PROFILE = flag('profile')
/** --trace-fetch: kafkats and franz-go record their Fetch requests per broker; the summary is printed after each run. */
const TRACE_FETCH = flag('trace-fetch')

async function main(): Promise<void> {
  const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
  const bootstrap = bootstrapBrokers()
  const admin = new BenchAdmin(bootstrap)
  const startedAt = performance.now()
  const prepared: string[] = []
  const peers: Partial<Record<Client, Peer>> = {}
  if (CLIENTS.includes('franz-go')) peers['franz-go'] = buildFranzGo()
  if (CLIENTS.includes('java')) peers.java = buildJava()
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) loud(`${client} CANNOT RUN: it is left out of this benchmark.\n${peer.unavailable}`)
  const children = CLIENTS.some((client) => client !== 'franz-go' && client !== 'java') ? prepareNodeChildren(childRuntimeFromArgs()) : undefined
  /** The empty child's resident set per round and size (the reference for the Node clients' RSS). */
  const emptyRuns: Array<{ size: number; result: EmptyChildResult }> = []

  const topics = new Map<number, string>()
  for (const size of SIZES) {
    const topic = `bench-consume-${size}-${RECORDS}`
    topics.set(size, topic)
    if (await admin.topicExists(topic)) {
      const { total } = await admin.recordCount(topic)
      if (total === RECORDS) {
        prepared.push(`${topic}: filled by an earlier run of this bench (kafkats producer), reused (ListOffsets: exactly ${fmt.int(total)} records)`)
        continue
      }
      await admin.deleteTopic(topic)
      await sleep(2000)
    }
    await admin.createTopic(topic, PARTITIONS, REPLICATION_FACTOR)
    const fillStart = performance.now()
    await fill(bootstrap, topic, size, RECORDS)
    const { total, perPartition } = await admin.recordCount(topic)
    if (total !== RECORDS) throw new Error(`${topic} holds ${total} records after filling, expected ${RECORDS}`)
    prepared.push(`${topic}: filled by the kafkats producer in ${((performance.now() - fillStart) / 1000).toFixed(1)} s (per partition: ${perPartition.map(fmt.int).join(', ')})`)
    process.stdout.write(`${prepared[prepared.length - 1]}\n`)
    await sleep(3000)
  }

  // One untimed read of each topic first: the first reader after a while waited for the brokers
  // (event loop idle half the window, round trips 2-3x the later runs' in --trace-fetch runs:
  // the log read back into the page cache), which would otherwise fall on round 1's first client.
  const warmed: string[] = []
  for (const size of SIZES) {
    const topic = topics.get(size)!
    try {
      const scenario: Scenario = { client: 'kafkats', size, records: RECORDS, topic, bootstrap }
      const started = performance.now()
      if (children !== undefined) await children.run<ChildResult>('consume-child', scenario)
      else if (peers['franz-go']?.command !== undefined) {
        const { command, args } = peers['franz-go'].command(['consume', bootstrap.join(','), topic, String(RECORDS)])
        await spawnMeasured<ChildResult>(command, args, `warm-up read of ${topic}`)
      } else continue
      warmed.push(`${topic} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    } catch (error) {
      loud(`the warm-up read of ${topic} failed: ${String(error)}`)
    }
  }
  if (warmed.length > 0) process.stdout.write(`warm-up read (untimed): ${warmed.join('; ')}\n`)

  const runs: Run[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    // a different order each round, balanced: no client always reads first, right after the fill, or after the same client (roundOrder)
    const order = roundOrder(CLIENTS, round)
    for (const size of SIZES) {
      if (children !== undefined) {
        try {
          emptyRuns.push({ size, result: (await children.run<EmptyChildResult>('empty-child', { size, payloads: false })).result })
        } catch (error) {
          loud(`the empty reference child failed: ${String(error)}`)
        }
      }
      for (const [position, client] of order.entries()) {
        const peer = peers[client]
        if (peer?.unavailable !== undefined) continue
        const scenario: Scenario = { client, size, records: RECORDS, topic: topics.get(size)!, bootstrap, ...(TRACE_FETCH && client === 'kafkats' ? { traceFetch: true } : {}) }
        const run: Run = { size, client, round, order: position + 1, brokerCpuSeconds: 0, load: { min: 0, mean: 0, max: 0 }, otherKafkaJvms: 0 }
        try {
          let outcome
          if (peer?.command !== undefined) {
            const { command, args } = peer.command(['consume', bootstrap.join(','), scenario.topic, String(RECORDS)])
            outcome = await spawnMeasured<ChildResult>(command, args, `${client} ${scenario.topic}`, TRACE_FETCH ? { BENCH_TRACE_FETCH: '1' } : {})
          } else {
            const slug = client.replace(/[^a-z]/g, '')
            const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `consume-${size}-${slug}-${Date.now()}`)}`] : []
            outcome = await children!.run<ChildResult>('consume-child', scenario, nodeArgs)
          }
          Object.assign(run, { result: outcome.result, brokerCpuSeconds: outcome.brokerCpuSeconds, load: outcome.load, otherKafkaJvms: outcome.otherKafkaJvms })
        } catch (error) {
          run.failure = (error instanceof Error ? error.message : String(error)).slice(0, 600)
          loud(`round ${round} ${size} B ${client} FAILED: ${run.failure}`)
        }
        runs.push(run)
        const r = run.result
        if (r !== undefined) {
          process.stdout.write(
            `round ${round} #${run.order} ${size} B ${client.padEnd(20)} ${fmt.rate(rateOf(run))} records/s, ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} MB/s, ${fmt.s(r.seconds)} s (setup ${fmt.s(r.setupSeconds)} s), CPU ${fmt.s(r.cpuSeconds)} s, RSS ${fmt.int(r.rssAtStartMiB)} → peak ${fmt.int(r.peakRssMiB)} MiB, records ${fmt.int(r.records)}, brokers ${fmt.s(run.brokerCpuSeconds)} CPU s, load ${run.load.mean.toFixed(2)}\n`,
          )
          if (r.fetchTrace !== undefined) process.stdout.write(`${formatFetchTrace(summarizeFetchTrace(r.fetchTrace))}\n`)
        }
        await sleep(2000)
      }
    }
  }
  admin.close()
  const totalMinutes = (performance.now() - startedAt) / 60_000

  const lines: string[] = []
  lines.push('# Consume throughput (real 3-node cluster)')
  lines.push('')
  const command = `${RECORDS === FULL_RECORDS ? '' : `BENCH_RECORDS=${RECORDS} `}npm run bench:consume -w @kafkats/bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  lines.push(
    ...environmentLines(
      command,
      clusterInfo().kafkaVersion,
      `kafkats and @kafkats/kafkajs (${children?.description ?? 'not run'}), @platformatic/kafka ${packageVersion('@platformatic/kafka')}, kafkajs ${packageVersion('kafkajs')}, franz-go ${FRANZ_GO_VERSION}, Kafka's Java client ${peers.java?.version ?? '(not run)'} (${toolVersions()})`,
    ),
  )
  const measuredRuns = runs.filter((run) => run.result !== undefined)
  lines.push(
    `- Whole run: ${totalMinutes.toFixed(1)} min, ${ROUNDS} round(s); 1-minute load average during the runs: ${measuredRuns.length === 0 ? 'n/a' : `${Math.min(...measuredRuns.map((r) => r.load.min)).toFixed(1)} to ${Math.max(...measuredRuns.map((r) => r.load.max)).toFixed(1)}`}${othersNote(runs)}. **The machine (2 cores) was shared with other engineers' work during the run: compare clients within this run only.**`,
  )
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) lines.push(`- **${client} DID NOT RUN** (cannot be built): ${peer.unavailable.split('\n')[0]}`)
  lines.push(`- Topics: ${prepared.join('; ')}`)
  lines.push(
    `- Method: one topic per value size (${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}), filled once by the kafkats producer with exactly ${fmt.int(RECORDS)} records (13-byte keys, record-like JSON values, uncompressed, batches of up to 1 MiB; ListOffsets — high watermark − log start — must show exactly that many) and read by every client, after one untimed read of the whole topic (${warmed.length === 0 ? 'skipped' : warmed.join('; ')}) so that no client pays for the brokers reading the log back into memory. Each client runs alone in its own process (a Node child, the franz-go binary or a JVM; one after another, never in parallel) and reads the whole topic from the beginning; the timed window runs from the first batch (kafkats, KafkaJS, @kafkats/kafkajs), poll (franz-go, Java) or message (@platformatic/kafka) handed to the application to the moment the ${fmt.int(RECORDS)}th record is, so connecting, metadata and the group join are not timed ("setup": from creating the consumer to the first record). "records read" must equal the high watermark count. The application only adds up key and value lengths. Every round runs every client once, **in a different order each round** (balanced: over as many rounds as clients, each client runs at each position once and right after each other client once, \`roundOrder\` in round-order.ts; "order" in the per-run table); the table shows each client's median run (by records/s) and the range over the rounds.`,
  )
  lines.push(
    `- records/s and MB/s: records ÷ seconds; MB = 10^6 bytes of payload (key + value). Client CPU: user + system CPU time of the client's process over the timed window, measured inside that process — Node \`process.cpuUsage()\`, Go \`getrusage(RUSAGE_SELF)\`, Java utime + stime of \`/proc/self/stat\` (all threads: Go's runtime and GC, the JVM's JIT and GC). CPU µs/record: client CPU ÷ records. RSS: resident set when the first record arrived → the process's peak resident set over its whole life (\`VmHWM\` of \`/proc/self/status\` for every client, Node, Go and Java alike; not Node's \`process.resourceUsage().maxRSS\`, which on Linux carries the spawning parent's resident set into the child).${nodeChildRssNote(children)} Broker CPU: CPU seconds the three Kafka JVMs used while the client ran (setup included). Load: mean 1-minute load average sampled every second while the client ran.`,
  )
  lines.push('')
  const bySize: Array<{ size: number; clients: Map<string, Summary> }> = []
  for (const size of SIZES) {
    if (!runs.some((run) => run.size === size)) continue
    lines.push(`## ${size === 1024 ? '1 KiB' : `${size} B`} values (${fmt.int(RECORDS)} records, ${fmt.mb((RECORDS * (13 + size)) / 1e6)} MB of payload)`)
    lines.push('')
    lines.push('| client | records/s (median) | range over rounds | MB/s | time s | setup s | client CPU s | CPU µs/record | RSS start → peak MiB | records read | broker CPU s | load |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    const summaries = new Map<string, Summary>()
    bySize.push({ size, clients: summaries })
    for (const client of CLIENTS) {
      const group = runs.filter((run) => run.size === size && run.client === client)
      const measured = group.filter((run) => run.result !== undefined)
      if (measured.length === 0) {
        lines.push(`| ${client} | **${group.length === 0 ? 'did not run' : 'failed'}** | | | | | | | | ${peers[client]?.unavailable?.split('\n')[0] ?? group.map((run) => run.failure ?? '').join('; ').slice(0, 300)} | | |`)
        continue
      }
      const m = median(measured)
      const r = m.result!
      summaries.set(client, { recordsPerSecond: rateOf(m), cpuSeconds: r.cpuSeconds, records: r.records, peakRssMiB: r.peakRssMiB })
      const rates = measured.map(rateOf)
      const allRead = group.every((run) => run.result?.records === RECORDS)
      lines.push(
        `| ${client} | ${fmt.int(rateOf(m))} | ${fmt.int(Math.min(...rates))}–${fmt.int(Math.max(...rates))} | ${fmt.mb(r.payloadBytes / r.seconds / 1e6)} | ${fmt.s(r.seconds)} | ${fmt.s(r.setupSeconds)} | ${fmt.s(r.cpuSeconds)} | ${((r.cpuSeconds * 1e6) / r.records).toFixed(2)} | ${fmt.int(r.rssAtStartMiB)} → ${fmt.int(r.peakRssMiB)} | ${allRead ? fmt.int(r.records) : `**${group.map((run) => (run.result === undefined ? 'failed' : fmt.int(run.result.records))).join(', ')}**`} | ${fmt.s(m.brokerCpuSeconds)} | ${m.load.mean.toFixed(1)} |`,
      )
    }
    const empty = emptyChildMedian(emptyRuns, size)
    if (empty !== undefined) lines.push(`| (empty Node child) | | | | | | | | ${fmt.int(empty.rssMiB)} → ${fmt.int(empty.peakRssMiB)} | | | |`)
    lines.push('')
    lines.push('<details><summary>every run</summary>')
    lines.push('')
    lines.push('| round | order | client | records/s | client CPU s | peak RSS MiB | records read | load |')
    lines.push('| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |')
    for (const run of runs.filter((r) => r.size === size)) {
      lines.push(
        `| ${run.round} | ${run.order} | ${run.client} | ${run.result === undefined ? '**failed**' : fmt.int(rateOf(run))} | ${run.result === undefined ? '' : fmt.s(run.result.cpuSeconds)} | ${run.result === undefined ? '' : fmt.int(run.result.peakRssMiB)} | ${run.result === undefined ? '' : fmt.int(run.result.records)} | ${run.load.mean.toFixed(1)} |`,
      )
    }
    lines.push('')
    lines.push('</details>')
    lines.push('')
  }
  lines.push(...targetsSection('consume', bySize))
  const compat = compatSection('consume', bySize)
  lines.push(...compat)
  lines.push('## Client settings')
  lines.push('')
  for (const client of CLIENTS) lines.push(`- **${client}**: ${SETTINGS[client]}`)
  lines.push('')
  lines.push(...NOTES)
  const text = lines.join('\n')
  process.stdout.write(`\n${text}\n`)
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) loud(`${client} DID NOT RUN (see above)`)
  const complete = RECORDS === FULL_RECORDS && only('sizes') === undefined && only('clients') === undefined && ROUNDS >= 3
  if ((complete || flag('write')) && !flag('no-write')) {
    const out = join(benchDir, 'results', 'consume.md')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
    process.stdout.write(`\nwrote ${out}\n`)
    if (CLIENTS.includes('@kafkats/kafkajs')) writeCompatSection(join(benchDir, 'results', 'kafkajs-compat.md'), 'consume', command, compat)
  } else if (flag('write-compat') && CLIENTS.includes('@kafkats/kafkajs')) {
    // A run of the clients issue #15 compares (fewer clients: shorter rounds, fewer positions in
    // them): only its @kafkats/kafkajs section is written, consume.md keeps the last full run.
    writeCompatSection(join(benchDir, 'results', 'kafkajs-compat.md'), 'consume', command, compat)
    process.stdout.write(`\nwrote the consume section of results/kafkajs-compat.md\n`)
  }
}

/** Caveats that hold for every run (the numbers above come from the run itself). */
const NOTES: string[] = [
  '## Notes and caveats',
  '',
  '- **Shared CPU.** The client, the three brokers and other work on the machine share 2 cores; compare client CPU seconds as well as records/s, and compare clients within one run only.',
  '- **Direct vs group consumers.** kafkats, franz-go and Java read without a group (kafkats `DirectConsumer`, franz-go `ConsumeTopics` without a group, Java `assign()`). KafkaJS (and so @kafkats/kafkajs) has no consumer without a group, and @platformatic/kafka\'s `Consumer` always joins one, so they join a fresh group; the join is in "setup", not in the timed window, and neither commits offsets (autocommit off), so the timed windows compare fetching and decoding only.',
  '- **Per-record vs per-batch delivery.** kafkats and KafkaJS hand the application one partition\'s records per batch; @platformatic/kafka\'s stream emits one `data` event per message (its only consuming API), so part of its cost is the stream itself.',
  '- **CRC.** kafkats, franz-go and Java (check.crcs=true) verify the CRC-32C of every record batch; KafkaJS and @platformatic/kafka do not.',
  "- franz-go is a Go binary and the Java client a JVM (-Xmx512m): their RSS is their own runtime's. Each Node child imports only the client it runs (see RSS above), so the Node clients' RSS no longer includes the libraries not used in that run.",
  '',
]

await main()
