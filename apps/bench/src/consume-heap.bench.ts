/**
 * Heap bytes and GC work per consumed record on kafkats' consume path (issue #14, item 3).
 *
 * Each run is a child process (`--expose-gc` set at start-up) with an @kafkats/fake cluster in a
 * worker thread (`thread: true`: the brokers' allocations and collections happen in another
 * isolate, so the counts below are the consumer's own). The topic (6 partitions) is filled with N
 * records (13-byte keys, 100-byte values, no headers) before anything is measured. Then a
 * DirectConsumer reads them from the earliest offsets twice:
 *
 * - retained: every fetched batch is kept; after the last record `gc()` and heapUsed again:
 *   (after − before) / N is what one record handed to the application holds (its object, the
 *   key and value views, headers array, offset, and its share of the batch and fetched bytes).
 * - allocation: a second consumer over the same records, keeping nothing, the way an
 *   application that processes and drops records runs. The child runs with the young generation
 *   fixed at 1 MiB semi-spaces (`--min-semi-space-size=1 --max-semi-space-size=1`), so a scavenge
 *   happens each time about the same number of bytes was allocated: scavenges per 10,000 records
 *   is proportional to the bytes allocated per record (V8 in Node 20 exposes no allocation
 *   counter). Full collections and GC ms are listed too.
 *
 *   npm run bench:consume-heap -w @kafkats/bench
 *   BENCH_HEAP_SHAPE=offset-value npm run bench:consume-heap -w @kafkats/bench   (records made by a
 *     `recordShape` as `{ offset, value }`: what an application that needs only those pays)
 *   BENCH_HEAP_LABEL=after npm run bench:consume-heap -w @kafkats/bench -- --append   (appends to results/consume-heap.md)
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { DirectConsumer, type FetchedBatch, Offset, type RecordShape, type StartOffset } from '@kafkats/consumer'
import { FakeCluster } from '@kafkats/fake'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer, type ProducerRecord } from '@kafkats/producer-sink'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PARTITIONS = 6
const VALUE_BYTES = 100
const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
/** `offset-value`: the consumers make `{ offset, value }` records through a `recordShape` instead of `FetchedRecord`s. */
const SHAPE = process.env.BENCH_HEAP_SHAPE === 'offset-value' ? 'offset-value' : 'fetched-record'
const offsetValue: RecordShape<{ offset: bigint; value: Uint8Array | null }> = {
  make: (_topic, _partition, offset, _timestamp, _key, value) => ({ offset, value }),
  offsetOf: (record) => record.offset,
}

interface RunResult {
  records: number
  retainedBytesPerRecord: number
  scavenges: number
  markSweeps: number
  gcMs: number
  /** CPU of this process (main thread and the fake's worker) while the non-retaining consumer ran. */
  consumeCpuMs: number
}

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

async function consumeAll(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, keep: FetchedBatch<{ value: Uint8Array | null }>[] | null): Promise<number> {
  const partitions: Record<number, StartOffset> = {}
  for (let p = 0; p < PARTITIONS; p++) partitions[p] = Offset.earliest()
  const assign = { [topic]: partitions }
  const consumer: DirectConsumer<{ value: Uint8Array | null }> =
    SHAPE === 'offset-value' ? new DirectConsumer({ metadata, pool, logger: quiet, assign, recordShape: offsetValue }) : new DirectConsumer({ metadata, pool, logger: quiet, assign })
  let consumed = 0
  let checksum = 0
  for await (const batch of consumer) {
    // An application reads the value at least; the key and headers are left alone.
    for (const record of batch.records) checksum += record.value?.length ?? 0
    keep?.push(batch)
    consumed += batch.records.length
    if (consumed >= RECORDS) break
  }
  await consumer.close()
  if (checksum !== RECORDS * VALUE_BYTES) throw new Error(`read ${checksum} value bytes, expected ${RECORDS * VALUE_BYTES}`)
  return consumed
}

async function run(): Promise<RunResult> {
  const gc = exposedGc()
  const cluster = await FakeCluster.start({ brokers: 1, thread: true })
  const pool = new ConnectionPool({ clientId: 'bench-consume-heap' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap, pool, logger: quiet })
  const admin = new Admin({ metadata, pool, logger: quiet })
  const topic = 'consume-heap'
  try {
    const [created] = await admin.createTopics([{ topic, partitions: PARTITIONS, replicationFactor: 1 }])
    if (created?.error) throw created.error
    const producer = new Producer({ metadata, pool, logger: quiet })
    const value = Buffer.alloc(VALUE_BYTES, 'v')
    for (let sent = 0; sent < RECORDS; sent += 10_000) {
      const chunk: ProducerRecord[] = []
      for (let i = sent; i < Math.min(RECORDS, sent + 10_000); i++) chunk.push({ topic, key: `user-${String(i % 5000).padStart(8, '0')}`, value })
      await producer.sendBatch(chunk, { metadata: false })
    }
    await producer.close()
    // Warm-up: the code paths compiled, the connections open.
    await consumeAll(metadata, pool, topic, null)

    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    const kept: FetchedBatch<{ value: Uint8Array | null }>[] = []
    const consumed = await consumeAll(metadata, pool, topic, kept)
    gc()
    gc()
    const retained = process.memoryUsage().heapUsed - before
    if (kept.length === 0 || consumed !== RECORDS) throw new Error(`consumed ${consumed}`)
    kept.length = 0
    gc()

    let scavenges = 0
    let markSweeps = 0
    let gcMs = 0
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) scavenges++
        else markSweeps++
        gcMs += entry.duration
      }
    })
    observer.observe({ entryTypes: ['gc'] })
    const cpu0 = process.cpuUsage()
    await consumeAll(metadata, pool, topic, null)
    const cpu = process.cpuUsage(cpu0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    observer.disconnect()
    return { records: RECORDS, retainedBytesPerRecord: retained / RECORDS, scavenges, markSweeps, gcMs, consumeCpuMs: (cpu.user + cpu.system) / 1000 }
  } finally {
    metadata.close()
    pool.close()
    await cluster.close()
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

function main(): void {
  if (process.env.BENCH_CONSUME_HEAP_CHILD === '1') {
    run().then(
      (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`)
        process.exitCode = 1
      },
    )
    return
  }
  const label = process.env.BENCH_HEAP_LABEL ?? 'this build'
  const script = fileURLToPath(import.meta.url)
  const runs: RunResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const out = spawnSync(process.execPath, ['--min-semi-space-size=1', '--max-semi-space-size=1', ...process.execArgv, script], {
      env: { ...process.env, BENCH_CONSUME_HEAP_CHILD: '1' },
      encoding: 'utf8',
    })
    if (out.status !== 0) throw new Error(out.stderr)
    const result = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as RunResult
    runs.push(result)
    process.stdout.write(`round ${round + 1}: ${JSON.stringify(result)}\n`)
  }
  const text = [
    `### ${label}`,
    '',
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average at the end ${loadavg().map((l) => l.toFixed(2)).join(', ')}; ${RECORDS.toLocaleString('en')} records of ${VALUE_BYTES} B with 13-byte keys, no headers, ${PARTITIONS} partitions; records: ${SHAPE === 'offset-value' ? '`{ offset, value }` made by a `recordShape`' : '`FetchedRecord`'}; median of ${ROUNDS} child processes.`,
    '',
    '| heap bytes retained per record handed out | scavenges per 10k records (1 MiB semi-spaces) | full GCs | GC ms per 100k records | process CPU µs per record (consumer + fake broker thread) |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${median(runs.map((r) => r.retainedBytesPerRecord)).toFixed(0)} | ${median(runs.map((r) => (r.scavenges * 10_000) / r.records)).toFixed(2)} | ${median(runs.map((r) => r.markSweeps))} | ${median(runs.map((r) => (r.gcMs * 100_000) / r.records)).toFixed(1)} | ${median(runs.map((r) => (r.consumeCpuMs * 1000) / r.records)).toFixed(2)} |`,
    '',
  ].join('\n')
  process.stdout.write(`${text}\n`)
  if (process.argv.includes('--append')) writeFileSync(join(import.meta.dirname, '..', 'results', 'consume-heap.md'), text, { flag: 'a' })
}

main()
