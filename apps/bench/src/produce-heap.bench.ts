/**
 * Heap bytes per record on kafkats' produce path, per way of sending (issue #14, item 2).
 *
 * Each mode runs in its own child process (`--expose-gc`) against an in-process @kafkats/fake
 * cluster (1 broker, topic of 6 partitions), so the cluster's JVMs and the other helpers' load do
 * not enter the counts. The producer is started and the topic known (one warm-up send), the
 * ProducerRecord objects are built beforehand, then:
 *
 * - retained: `gc()`, heapUsed; N records sent in one synchronous loop (nothing can go out before
 *   the loop yields); `gc()`, heapUsed again. (after − before) / N is what the producer keeps per
 *   buffered record: the encoded key/value input, the promise and its resolvers, the delivery target,
 *   batch array slots.
 * - GC: the number and total duration of GC pauses from the first send to the last acknowledgement
 *   (the explicit gc() of the retained count left out).
 *
 *   BENCH_HEAP_LABEL='after' npm run bench:produce-heap -w @kafkats/bench -- --append   (appends to results/produce-heap.md)
 *   BENCH_RECORDS=100000 npm run bench:produce-heap -w @kafkats/bench
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { FakeCluster } from '@kafkats/fake'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer, type ProducerRecord } from '@kafkats/producer-sink'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const VALUE_BYTES = 100
const MODES = ['send', 'sendBatch', 'sendBatch-no-metadata', 'send-callback'] as const
type Mode = (typeof MODES)[number]
const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

interface ModeResult {
  mode: Mode
  records: number
  retainedBytesPerRecord: number
  gcCount: number
  gcMs: number
  elapsedMs: number
  /** `unsupported` when this build of the producer has no such API (the "before" run). */
  unsupported?: string
}

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/** The producer's API typed loosely, so that this file also runs against the build before the callback form and `{ metadata: false }`. */
function untypedOf(producer: Producer): {
  send(record: ProducerRecord, callback?: (error: Error | null) => void): Promise<unknown> | undefined
  sendBatch(records: readonly ProducerRecord[], options?: { metadata: boolean }): Promise<unknown>
} {
  return producer as unknown as ReturnType<typeof untypedOf>
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const gc = exposedGc()
  const cluster = await FakeCluster.start({ brokers: 1 })
  const pool = new ConnectionPool({ clientId: 'bench-heap' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap, pool, logger: quiet })
  const admin = new Admin({ metadata, pool, logger: quiet })
  const topic = 'heap'
  try {
    const [created] = await admin.createTopics([{ topic, partitions: 6, replicationFactor: 1 }])
    if (created?.error) throw created.error
    const producer = new Producer({ metadata, pool, logger: quiet, acks: -1, bufferMaxRecords: RECORDS * 2, bufferMaxBytes: RECORDS * 400 })
    await producer.send({ topic, value: 'warm-up' })
    if (mode === 'send-callback' || mode === 'sendBatch-no-metadata') {
      // The "before" build has neither: its send ignores a callback and returns a promise, its sendBatch ignores options.
      const probe = mode === 'send-callback' ? untypedOf(producer).send({ topic, value: 'probe' }, () => {}) : untypedOf(producer).sendBatch([{ topic, value: 'probe' }], { metadata: false })
      const answer = await probe
      if (answer !== undefined) {
        await producer.close()
        return { mode, records: RECORDS, retainedBytesPerRecord: NaN, gcCount: 0, gcMs: 0, elapsedMs: 0, unsupported: 'not in this build' }
      }
    }
    const value = Buffer.alloc(VALUE_BYTES, 'x')
    const records: ProducerRecord[] = Array.from({ length: RECORDS }, (_, i) => ({ topic, key: `k${i % 1000}`, value }))
    const untyped = untypedOf(producer)
    const gcEntries: number[] = []
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcEntries.push(entry.duration)
    })
    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    observer.observe({ entryTypes: ['gc'] })
    const t0 = performance.now()
    let done: Promise<unknown>
    let failure: unknown
    if (mode === 'send') {
      const sent: Array<Promise<unknown>> = new Array(RECORDS)
      for (let i = 0; i < RECORDS; i++) sent[i] = producer.send(records[i]!)
      done = Promise.all(sent)
    } else if (mode === 'sendBatch') {
      done = producer.sendBatch(records)
    } else if (mode === 'sendBatch-no-metadata') {
      done = untyped.sendBatch(records, { metadata: false })
    } else {
      let remaining = RECORDS
      let finish: () => void = () => {}
      done = new Promise<void>((resolve) => (finish = resolve))
      const callback = (error: Error | null): void => {
        if (error !== null) failure ??= error
        if (--remaining === 0) finish()
      }
      for (let i = 0; i < RECORDS; i++) untyped.send(records[i]!, callback)
    }
    // Measured before the loop yields: nothing has left the process, every record is buffered.
    const loopGcCount = gcEntries.length
    gc()
    const retained = process.memoryUsage().heapUsed - before
    await done
    if (failure !== undefined) throw failure
    const elapsedMs = performance.now() - t0
    await new Promise((resolve) => setTimeout(resolve, 50))
    observer.disconnect()
    // the explicit gc() above is not a pause of the producer's: leave it out
    const pauses = gcEntries.filter((_, index) => index !== loopGcCount)
    await producer.close()
    return {
      mode,
      records: RECORDS,
      retainedBytesPerRecord: retained / RECORDS,
      gcCount: pauses.length,
      gcMs: pauses.reduce((sum, duration) => sum + duration, 0),
      elapsedMs,
    }
  } finally {
    metadata.close()
    pool.close()
    await cluster.close()
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

function main(): void {
  const child = process.env.BENCH_HEAP_MODE as Mode | undefined
  if (child !== undefined) {
    runMode(child).then(
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
  const rows: ModeResult[] = []
  for (const mode of MODES) {
    const runs: ModeResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const out = spawnSync(process.execPath, [...process.execArgv, script], { env: { ...process.env, BENCH_HEAP_MODE: mode }, encoding: 'utf8' })
      if (out.status !== 0) throw new Error(`${mode}: ${out.stderr}`)
      const result = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as ModeResult
      runs.push(result)
      process.stdout.write(`${mode} round ${round + 1}: ${JSON.stringify(result)}\n`)
      if (result.unsupported !== undefined) break
    }
    const first = runs[0]!
    rows.push(
      first.unsupported !== undefined
        ? first
        : {
            mode,
            records: RECORDS,
            retainedBytesPerRecord: median(runs.map((r) => r.retainedBytesPerRecord)),
            gcCount: median(runs.map((r) => r.gcCount)),
            gcMs: median(runs.map((r) => r.gcMs)),
            elapsedMs: median(runs.map((r) => r.elapsedMs)),
          },
    )
  }
  const lines = [
    `### ${label}`,
    '',
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average at the end ${loadavg().map((l) => l.toFixed(2)).join(', ')}; ${RECORDS.toLocaleString('en')} records of ${VALUE_BYTES} B (key \`k0\`..\`k999\`), median of ${ROUNDS} child processes per mode.`,
    '',
    '| mode | heap bytes retained per buffered record | GC pauses, first send to last ack | GC ms | elapsed ms (fake broker) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((row) =>
      row.unsupported !== undefined
        ? `| ${row.mode} | n/a: ${row.unsupported} | | | |`
        : `| ${row.mode} | ${row.retainedBytesPerRecord.toFixed(0)} | ${row.gcCount} | ${row.gcMs.toFixed(1)} | ${row.elapsedMs.toFixed(0)} |`,
    ),
    '',
  ]
  const text = lines.join('\n')
  process.stdout.write(`${text}\n`)
  if (process.argv.includes('--append')) writeFileSync(join(import.meta.dirname, '..', 'results', 'produce-heap.md'), text, { flag: 'a' })
}

main()
