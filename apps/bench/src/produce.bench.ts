/**
 * Produce throughput against the real 3-node test cluster: kafkats vs franz-go vs Kafka's Java
 * client vs @platformatic/kafka 1.35.0 vs KafkaJS 2.2.4 vs @kafkats/kafkajs (KafkaJS's API on
 * kafkats), acks=all and idempotent, 1 KiB and 100 B values, 1,000,000 records each.
 *
 *   npm run bench:produce -w @kafkats/bench                    (full run, writes results/produce.md)
 *   npm run bench:produce -w @kafkats/bench -- --clients=kafkats,kafkats-batch,kafkajs,compat --write-compat   (writes only the produce section of results/kafkajs-compat.md)
 *   BENCH_RECORDS=100000 npm run bench:produce -w @kafkats/bench  (quick run, prints only)
 *   npm run bench:produce -w @kafkats/bench -- --sizes=100 --clients=kafkats,franz-go --in-flight=5 --profile
 *
 * Method: for each round, size and client (in a different order each round, balanced for position
 * and predecessor: roundOrder in round-order.ts), a fresh topic with 6 partitions and replication factor 3 is created; the client runs in its
 * own process (a Node child, a Go binary or a JVM; one at a time, never in parallel), connects,
 * sends WARMUP records and waits for them (connections, metadata, producer id, JIT), then the timed
 * window sends RECORDS records and ends when the last one is acknowledged. Afterwards the parent
 * checks with ListOffsets that the topic holds exactly WARMUP + RECORDS records, then deletes the
 * topic.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clusterInfo } from '@kafkats/testkit'
import {
  BenchAdmin,
  FULL_RECORDS,
  KEY_COUNT,
  RECORDS,
  VALUE_COUNT,
  bootstrapBrokers,
  settleBrokers,
  IDLE_JVM_SHARE,
  SETTLE_MAX_MS,
  SETTLE_WINDOW_MS,
  environmentLines,
  flag,
  flushWriteBack,
  fmt,
  only,
  packageVersion,
  rounds,
  sleep,
  spawnMeasured,
} from './live-support.js'
import { type EmptyChildResult, childRuntimeFromArgs, emptyChildMedian, nodeChildRssNote, prepareNodeChildren } from './node-children.js'
import { type Peer, buildFranzGo, buildJava, FRANZ_GO_VERSION, loud, toolVersions, writePayloadFiles } from './peers.js'
import { roundOrder } from './round-order.js'
import {
  type ChildResult,
  type Client,
  KAFKAJS_BATCH,
  KAFKAJS_CONCURRENCY,
  KAFKATS_LINGER_MS,
  type KafkatsSend,
  PLATFORMATIC_BATCH_TIME_MS,
  type Scenario,
  WARMUP,
  kafkatsWindow,
  platformaticBatch,
} from './produce-settings.js'
import { formatProduceTrace, summarizeProduceTrace } from './produce-trace.js'
import { type Summary, compatSection, targetsSection, writeCompatSection } from './targets.js'

/** BENCH_PARTITIONS: the topic's partition count (issue #14 item 5 compares 6 with 1,000); a full run uses 6. */
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6)
const REPLICATION_FACTOR = 3

const ALL_CLIENTS: Client[] = ['kafkats', 'franz-go', 'java', '@platformatic/kafka', 'kafkajs', '@kafkats/kafkajs']
/** Also accepted by --clients, not in a default run: the producer underneath @kafkats/kafkajs under the same driver (see produce-settings.ts). */
const KNOWN_CLIENTS: Client[] = [...ALL_CLIENTS, 'kafkats-batch']
/** Short names accepted by --clients. */
const CLIENT_ALIASES: Record<string, Client> = { platformatic: '@platformatic/kafka', 'kafkats-kafkajs': '@kafkats/kafkajs', compat: '@kafkats/kafkajs' }

type Variant = Pick<Scenario, 'client' | 'inFlight' | 'send'>

function settingsOf(scenario: Variant): string {
  switch (scenario.client) {
    case 'kafkats':
      return `${scenario.send === 'promise' ? '`send(record).then(onAck, onError)` (a promise)' : '`send(record, callback)` (no promise; the callback declared with only `error`, so no RecordMetadata is built)'} per record, lingerMs ${KAFKATS_LINGER_MS}, batchMaxBytes 1 MiB (default), inFlightMaxRequestsPerBroker ${scenario.inFlight}, idempotent (default); the loop keeps ≤ ${fmt.int(kafkatsWindow(1024, scenario.send))} (1 KiB) / ${fmt.int(kafkatsWindow(100, scenario.send))} (100 B) sends outstanding and ${scenario.send === 'promise' ? 'continues once half of them settled' : 'continues as soon as one settled (franz-go: `Produce` blocks at MaxBufferedRecords 50,000; see produce-settings.ts)'}`
    case 'kafkats-batch':
      return `kafkats' own \`Producer\` with the options @kafkats/kafkajs gives it (lingerMs 0, 5 requests in flight per broker, idempotent) under the KafkaJS-style driver: \`sendBatch(records, { metadata: 'partitions' })\` (a summary per partition, as the layer asks) of ${fmt.int(KAFKAJS_BATCH)} records per call, ${KAFKAJS_CONCURRENCY} calls concurrent — the producer underneath @kafkats/kafkajs, so @kafkats/kafkajs ÷ it is the layer's own cost`
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
for (const client of CLIENTS) if (!KNOWN_CLIENTS.includes(client)) throw new Error(`unknown client ${client}; expected ${KNOWN_CLIENTS.join(', ')} (or ${Object.keys(CLIENT_ALIASES).join(', ')})`)
/** kafkats with 5 requests in flight per broker (the default) unless --in-flight asks for more variants (e.g. --in-flight=5,2,1). */
const IN_FLIGHT = (only('in-flight') ?? ['5']).map(Number)
const ROUNDS = rounds(CLIENTS.length)
const PROFILE = flag('profile')
/** --trace-produce: kafkats and franz-go record their Produce requests and batches per broker; the summary is printed after each run (produce-trace.ts). */
const TRACE_PRODUCE = flag('trace-produce')
/**
 * kafkats' send forms to run (`--kafkats-send=callback,promise`; BENCH_KAFKATS_SEND sets the
 * default list). The first is the row the targets use.
 */
const KAFKATS_SEND = (only('kafkats-send') ?? (process.env.BENCH_KAFKATS_SEND ?? 'callback').split(',')) as KafkatsSend[]
for (const send of KAFKATS_SEND) if (send !== 'callback' && send !== 'promise') throw new Error(`--kafkats-send takes callback and/or promise, got ${send}`)
const KAFKATS_LABEL = labelOf({ client: 'kafkats', inFlight: 5, send: KAFKATS_SEND[0] })

function labelOf(scenario: Variant): string {
  if (scenario.client !== 'kafkats') return scenario.client
  return `kafkats (${scenario.inFlight} in flight${scenario.send === 'promise' ? ', promise per send' : ''})`
}

const rateOf = (run: Run): number => (run.result === undefined ? 0 : run.result.records / run.result.seconds)
const ok = (run: Run): boolean => run.result !== undefined && run.result.acknowledged === run.result.records && run.result.errors === 0 && run.landed === run.expected

/** The run with the median records/s (of an odd number of runs; the lower middle otherwise). */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b))
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

async function main(): Promise<void> {
  const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
  const bootstrap = bootstrapBrokers()
  const admin = new BenchAdmin(bootstrap)
  const variants: Variant[] = []
  for (const client of CLIENTS) {
    if (client === 'kafkats') for (const send of KAFKATS_SEND) for (const inFlight of IN_FLIGHT) variants.push({ client, inFlight, send })
    else variants.push({ client })
  }
  const children = CLIENTS.some((client) => client !== 'franz-go' && client !== 'java') ? prepareNodeChildren(childRuntimeFromArgs()) : undefined
  /** The empty child's resident set per round and size (the reference for the Node clients' RSS). */
  const emptyRuns: Array<{ size: number; result: EmptyChildResult }> = []
  const peers: Partial<Record<Client, Peer>> = {}
  if (CLIENTS.includes('franz-go')) peers['franz-go'] = buildFranzGo()
  if (CLIENTS.includes('java')) peers.java = buildJava()
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) loud(`${client} CANNOT RUN: it is left out of this benchmark.\n${peer.unavailable}`)
  const files = new Map(SIZES.map((size) => [size, writePayloadFiles(size)] as const))

  const runs: Run[] = []
  const startedAt = performance.now()
  for (let round = 1; round <= ROUNDS; round++) {
    // a different order each round, balanced: every client at every position, and right after every other client (roundOrder)
    const order = roundOrder(variants, round)
    for (const size of SIZES) {
      if (children !== undefined) {
        try {
          emptyRuns.push({ size, result: (await children.run<EmptyChildResult>('empty-child', { size })).result })
        } catch (error) {
          loud(`the empty reference child failed: ${String(error)}`)
        }
      }
      for (const [position, variant] of order.entries()) {
        const peer = peers[variant.client]
        if (peer?.unavailable !== undefined) continue
        const slug = variant.client === 'kafkats' ? `kafkats-if${variant.inFlight}-${variant.send}` : variant.client.replace(/[^a-z]/g, '')
        const stamp = Date.now()
        const topic = `bench-produce-${size}-${slug}-${stamp}`
        await admin.createTopic(topic, PARTITIONS, REPLICATION_FACTOR)
        const scenario: Scenario = { ...variant, size, records: RECORDS, topic, bootstrap, ...(TRACE_PRODUCE && variant.client === 'kafkats' ? { traceProduce: true } : {}) }
        const run: Run = { size, label: labelOf(variant), round, order: position + 1, landed: 0, expected: RECORDS + WARMUP, brokerCpuSeconds: 0, load: { min: 0, mean: 0, max: 0 }, otherKafkaJvms: 0 }
        try {
          let outcome
          if (peer?.command !== undefined) {
            const payload = files.get(size)!
            const { command, args } = peer.command(['produce', bootstrap.join(','), topic, payload.keys, payload.values, String(RECORDS), String(WARMUP)])
            outcome = await spawnMeasured<ChildResult>(command, args, `${variant.client} ${topic}`, TRACE_PRODUCE ? { BENCH_TRACE_PRODUCE: '1' } : {})
          } else {
            // one directory per run (from sources, tsx's loader thread writes a second, smaller profile next to the main thread's)
            const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `produce-${size}-${slug}-${stamp}`)}`] : []
            outcome = await children!.run<ChildResult>('produce-child', scenario, nodeArgs)
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
          if (r.produceTrace !== undefined) process.stdout.write(`${formatProduceTrace(summarizeProduceTrace(r.produceTrace))}\n`)
        }
        // The brokers' writes of this run go to disk now, not during the next client's run.
        const flushed = await flushWriteBack()
        process.stdout.write(`  write-back flushed: ${flushed.dirtyMiB === null ? '?' : fmt.int(flushed.dirtyMiB)} MiB dirty, sync ${fmt.s(flushed.seconds)} s\n`)
        // Let the brokers settle (replication, topic deletion, GC) before the next client: at least
        // 3 s, then until their JVMs are idle, which the log line shows. In 8 balanced rounds at
        // 1 KiB the client after a heavy one was slower (@kafkats/kafkajs 164k-187k records/s after
        // kafkats' own row, 248k-264k after KafkaJS's light one), but the JVMs were idle within one
        // 250 ms window after the 3 s in 63 of 64 runs of the next run of 8: what slows the next
        // client is not broker CPU (the 3 GB the heavy run wrote and its deleted topic, perhaps).
        await sleep(3000)
        const settledMs = await settleBrokers()
        process.stdout.write(`  brokers idle after 3 s + ${fmt.int(settledMs)} ms\n`)
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
      `kafkats and @kafkats/kafkajs (${children?.description ?? 'not run'}), @platformatic/kafka ${packageVersion('@platformatic/kafka')}, kafkajs ${packageVersion('kafkajs')}, franz-go ${FRANZ_GO_VERSION}, Kafka's Java client ${peers.java?.version ?? '(not run)'} (${toolVersions()})`,
    ),
  )
  const measuredRuns = runs.filter((run) => run.result !== undefined)
  lines.push(
    `- Whole run: ${totalMinutes.toFixed(1)} min, ${ROUNDS} round(s); 1-minute load average during the runs: ${measuredRuns.length === 0 ? 'n/a' : `${Math.min(...measuredRuns.map((r) => r.load.min)).toFixed(1)} to ${Math.max(...measuredRuns.map((r) => r.load.max)).toFixed(1)}`}${othersNote(runs)}. **The machine (2 cores) was shared with other engineers' work during the run: compare clients within this run only.**`,
  )
  for (const [client, peer] of Object.entries(peers)) if (peer.unavailable !== undefined) lines.push(`- **${client} DID NOT RUN** (cannot be built): ${peer.unavailable.split('\n')[0]}`)
  lines.push(
    `- Method: for each round, value size and client, a fresh topic (${PARTITIONS} partitions, replication factor ${REPLICATION_FACTOR}, leaders spread over the 3 brokers); the client runs alone in its own process (a Node child, the franz-go binary or a JVM; one after another, never in parallel), connects, sends ${fmt.int(WARMUP)} warm-up records and waits for them (connections, metadata, producer id, JIT), then sends ${fmt.int(RECORDS)} records, timed until the last acknowledgement. acks=all and idempotent for every client, no compression. Keys: 13 bytes (\`user-00000042\`, ${fmt.int(KEY_COUNT)} distinct, so every client's default key partitioner spreads them over all partitions); values: record-like JSON (${fmt.int(VALUE_COUNT)} distinct values, the same bytes for every client: files for the Go and Java peers), no headers. After each run, ListOffsets (high watermark − log start, summed over partitions) must show exactly ${fmt.int(WARMUP)} + ${fmt.int(RECORDS)} records; then the topic is deleted, the page cache's dirty pages are written to disk (\`sync\`, waited for) and, after 3 s, the bench waits until the brokers' JVMs are idle (below ${IDLE_JVM_SHARE * 100}% of a core over ${SETTLE_WINDOW_MS} ms, at most ${SETTLE_MAX_MS / 1000} s), so no client's run pays for the previous one's disk write-back or broker work. Every round runs every client once, **in a different order each round** (balanced: over as many rounds as clients, each client runs at each position once and right after each other client once, \`roundOrder\` in round-order.ts; "order" in the per-run table); the table shows each client's median run (by records/s) and the range over the rounds.`,
  )
  lines.push(
    `- records/s and MB/s: timed records ÷ seconds; MB = 10^6 bytes of payload (key + value). Client CPU: user + system CPU time of the client's process over the timed window, measured inside that process — Node \`process.cpuUsage()\`, Go \`getrusage(RUSAGE_SELF)\`, Java utime + stime of \`/proc/self/stat\` (all threads: Go's runtime and GC, the JVM's JIT and GC). CPU µs/record: client CPU ÷ timed records. RSS: resident set when the timed window starts (libraries loaded, connected, warmed up) → the process's peak resident set over its whole life (\`VmHWM\` of \`/proc/self/status\` for every client, Node, Go and Java alike; not Node's \`process.resourceUsage().maxRSS\`, which on Linux carries the spawning parent's resident set into the child).${nodeChildRssNote(children)} Broker CPU: CPU seconds the three Kafka JVMs used while the client ran (setup included). Load: mean 1-minute load average sampled every second while the client ran.`,
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
    const empty = emptyChildMedian(emptyRuns, size)
    if (empty !== undefined) lines.push(`| (empty Node child) | | | | | | | ${fmt.int(empty.rssMiB)} → ${fmt.int(empty.peakRssMiB)} | | | |`)
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
  } else if (flag('write-compat') && CLIENTS.includes('@kafkats/kafkajs')) {
    // A run of the clients issue #15 compares (fewer clients: shorter rounds, fewer positions in
    // them): only its @kafkats/kafkajs section is written, produce.md keeps the last full run.
    writeCompatSection(join(benchDir, 'results', 'kafkajs-compat.md'), 'produce', command, compat)
    process.stdout.write(`\nwrote the produce section of results/kafkajs-compat.md\n`)
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
  "- **kafkats outstanding sends.** kafkats' `send` never blocks, so the driver bounds the sends outstanding (settings above): with callbacks it keeps as many as franz-go buffers before its `Produce` blocks (MaxBufferedRecords 50,000), fewer where they would not fit kafkats' 32 MiB buffer (past it records wait inside the producer: with ~70,000 sends of 1 KiB waiting it fell to ~26,000 records/s, 38 µs of CPU per record), and continues as soon as one settled. A smaller window starves the producer: 5,000 sends of 1 KiB, continuing at half, left ~1 Produce request in flight per broker with half-full batches (`--trace-produce`; the reasoning is in produce-settings.ts). The promise form keeps the smaller window it was tuned with: each outstanding promise costs GC (~8 s of CPU per 1M records of 1 KiB with ~31,700 outstanding vs ~4.3 s with 5,000).",
  "- **kafkats' driver: a callback per record.** The kafkats row calls `send(record, callback)`, the like-for-like API of the peers its targets compare with: franz-go's bench calls `Produce(ctx, record, promise)` (a callback; franz-go has no promise form) and Java's `send(record, callback)`. `send(record)` returning a promise is the other form kafkats offers (what `await producer.send(...)` code pays: one promise per record, and a RecordMetadata built for it); `--kafkats-send=callback,promise` runs both as separate rows in the same rounds (the first form listed is the row the targets use). The promise form costs more CPU and memory per record (a promise chain and a RecordMetadata held per outstanding send); the window of outstanding sends above was tuned with it.",
  "- franz-go is a Go binary and the Java client a JVM (-Xmx512m): their RSS is their own runtime's. Each Node child imports only the client it runs (see RSS above), so the Node clients' RSS no longer includes the libraries not used in that run.",
  '',
]

await main()
