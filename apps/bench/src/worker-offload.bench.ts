/**
 * Does moving CRC checks and decompression (consume) or compression (produce) of large record data
 * to a worker thread pay on this machine? (issue #14, item 4)
 *
 * Consume: RESPONSES fetched partitions of 1 MiB of records each (1 KiB JSON-like values, in
 * batches of 256 KiB before compression), per codec, handled four ways:
 *
 * - main: `decodeRecordBatchesSync` on the main thread: CRC-32C, decompression and record parsing.
 * - worker-verify (1 or 2 workers): the main thread copies the partition's bytes into a
 *   transferable buffer and posts it; the worker checks each batch's CRC, decompresses it and
 *   sends back an equivalent uncompressed batch (transferred, no copy); the main thread parses the
 *   records (no CRC, nothing to decompress). Up to 2 partitions per worker in flight, as a fetch
 *   loop would pipeline them. Record objects cannot cross threads without a copy, so parsing
 *   stays on the main thread in any worker design that hands records to the application there.
 * - worker-full: the worker decodes everything and posts the decoded batches back (structured
 *   clone of every record object and of the decompressed bytes).
 *
 * Produce: RESPONSES batches of 1 MiB of records, compressed on the main thread
 * (`encodeRecordBatchSync` with the codec) or encoded uncompressed on the main thread and then
 * compressed (and CRC'd) by a worker.
 *
 * Reported per variant: wall time, MB/s of uncompressed record data, the main thread's CPU time
 * (what the application's own thread pays; from /proc, so Linux only) and the process' CPU time
 * over all threads (`process.cpuUsage()`).
 *
 *   npm run bench:worker-offload -w @kafkats/bench
 *   BENCH_RESPONSES=16 npm run bench:worker-offload -w @kafkats/bench -- --codecs=lz4
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import {
  type CompressionCodec,
  type RecordInput,
  crc32cImplementation,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
  gzipImplementation,
  loadCompressionCodec,
  zstdImplementation,
} from '@kafkats/protocol'
import { only } from './live-support.js'

const RESPONSES = Number(process.env.BENCH_RESPONSES ?? 128)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CODECS = (only('codecs') ?? ['none', 'lz4', 'zstd', 'gzip']) as CompressionCodec[]
const BATCH_BYTES = 256 * 1024
const PARTITION_BYTES = 1024 * 1024
const VALUE_BYTES = 1024

type Request =
  | { kind: 'verify'; id: number; bytes: ArrayBuffer }
  | { kind: 'full'; id: number; bytes: ArrayBuffer }
  | { kind: 'compress'; id: number; bytes: ArrayBuffer; codec: CompressionCodec }
  | { kind: 'load'; id: number; codec: CompressionCodec }

/** A request before the pool numbers it (Omit distributed over the union's members). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never
interface Answer {
  id: number
  bytes?: ArrayBuffer
  batches?: unknown[]
}

/**
 * The worker runs worker-offload-worker.ts through tsx's require hook (a worker does not inherit
 * the parent's ESM loader), with the condition that maps @kafkats/* to their sources; the same
 * start-up as @kafkats/fake's thread mode.
 */
function workerEntry(): { code: string; execArgv: string[] } {
  const source = join(import.meta.dirname, 'worker-offload-worker.ts')
  const tsx = createRequire(source).resolve('tsx/cjs/api')
  return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)})`, execArgv: ['--conditions=@kafkats/source'] }
}

// ---- main side ----

class WorkerPool {
  private readonly workers: Worker[]
  private readonly waiting = new Map<number, (message: Answer) => void>()
  private nextId = 0
  private turn = 0

  constructor(size: number) {
    const entry = workerEntry()
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(entry.code, { eval: true, execArgv: entry.execArgv })
      worker.on('message', (message: Answer) => {
        const resolve = this.waiting.get(message.id)!
        this.waiting.delete(message.id)
        resolve(message)
      })
      return worker
    })
  }

  request(request: Unnumbered<Request>, transfer: ArrayBuffer[] = [], worker = this.turn++ % this.workers.length): Promise<Answer> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.waiting.set(id, resolve)
      this.workers[worker]!.postMessage({ ...request, id }, transfer)
    })
  }

  async loadEverywhere(codec: CompressionCodec): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.request({ kind: 'load', codec }, [], i)))
  }

  get size(): number {
    return this.workers.length
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}

/** A JSON-like 1 KiB value, different per record, compressible as real payloads are (about 3-4x with lz4). */
function makeRecords(count: number, seed: number): RecordInput[] {
  const records: RecordInput[] = []
  for (let i = 0; i < count; i++) {
    const n = seed * 100_000 + i
    let text = `{"id":${n},"user":"user-${n % 5000}","event":"page_view","ts":${1_700_000_000_000 + n},"tags":[`
    while (text.length < VALUE_BYTES - 40) text += `"t${(n * 7919 + text.length) % 997}",`
    text = `${text.slice(0, VALUE_BYTES - 2)}]}`
    records.push({ key: Buffer.from(`user-${n % 5000}`), value: Buffer.from(text), timestamp: 1_700_000_000_000 + n, headers: [] })
  }
  return records
}

function encodePartition(codec: CompressionCodec, seed: number): Uint8Array {
  const perBatch = Math.floor(BATCH_BYTES / (VALUE_BYTES + 30))
  const parts: Uint8Array[] = []
  for (let b = 0; b < PARTITION_BYTES / BATCH_BYTES; b++) {
    const batch = encodeRecordBatchSync(makeRecords(perBatch, seed * 10 + b), { compression: codec, baseOffset: BigInt(b * perBatch) })
    parts.push(batch)
  }
  return Buffer.concat(parts)
}

interface Measurement {
  wallMs: number
  mainActiveMs: number
  cpuMs: number
}

/**
 * CPU ms the main thread alone has used (Linux: utime + stime of /proc/self/task/<pid>/stat, in
 * 10 ms ticks). Node 20 has no per-thread CPU call, and event-loop utilisation counts time spent
 * waiting for a core on a loaded machine as busy.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function measure(work: () => Promise<void>): Promise<Measurement> {
  const main0 = mainThreadCpuMs()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await work()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { wallMs, mainActiveMs: mainThreadCpuMs() - main0, cpuMs: (cpu.user + cpu.system) / 1000 }
}

/** Copies `bytes` into a buffer of its own (a socket's read buffer cannot be transferred). */
function transferable(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy.buffer
}

/** Keeps up to `depth` requests in flight and handles each answer on the main thread. */
async function pipelined<T>(items: T[], depth: number, start: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) await start(items[next++]!)
  }
  await Promise.all(Array.from({ length: depth }, lane))
}

interface Row {
  side: 'consume' | 'produce'
  codec: CompressionCodec
  variant: string
  bytes: number
  wireBytes: number
  measurements: Measurement[]
}

async function main(): Promise<void> {
  const pools = [new WorkerPool(1), new WorkerPool(2)]
  const rows: Row[] = []
  let records = 0
  for (const codec of CODECS) {
    await loadCompressionCodec(codec)
    // From sources under tsx a worker has only the require hook, and the zstd WebAssembly codec
    // loads its module with import(): zstd is measured on the main thread only (Node 20 has no
    // built-in zstd; the worker numbers of lz4 and gzip show what a hop costs).
    const workersCan = codec !== 'zstd'
    if (workersCan) for (const pool of pools) await pool.loadEverywhere(codec)
    // Four distinct partitions, reused: the input generation stays out of the timed part.
    const partitions = Array.from({ length: 4 }, (_, i) => encodePartition(codec, i))
    const work = Array.from({ length: RESPONSES }, (_, i) => partitions[i % partitions.length]!)
    const uncompressed = RESPONSES * decodeRecordBatchesSync(partitions[0]!).batches.reduce((sum, batch) => sum + batch.records.reduce((s, r) => s + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0), 0)
    const wire = work.reduce((sum, bytes) => sum + bytes.length, 0)
    const consumeVariants: Array<[string, () => Promise<void>]> = [
      [
        'main thread',
        async () => {
          for (const bytes of work) records += decodeRecordBatchesSync(bytes).batches.length
        },
      ],
      ...(workersCan ? pools : []).map((pool): [string, () => Promise<void>] => [
        `worker-verify ×${pool.size}`,
        () =>
          pipelined(work, 2 * pool.size, async (bytes) => {
            const buffer = transferable(bytes)
            const answer = await pool.request({ kind: 'verify', bytes: buffer }, [buffer])
            records += decodeRecordBatchesSync(new Uint8Array(answer.bytes!), { verifyCrc: false }).batches.length
          }),
      ]),
      ...(workersCan ? [['worker-full ×1',
        () =>
          pipelined(work, 2, async (bytes) => {
            const buffer = transferable(bytes)
            const answer = await pools[0]!.request({ kind: 'full', bytes: buffer }, [buffer])
            records += answer.batches!.length
          }),
      ] as [string, () => Promise<void>]] : []),
    ]
    const batchRecords = makeRecords(Math.floor(PARTITION_BYTES / (VALUE_BYTES + 30)), 1)
    const produceVariants: Array<[string, () => Promise<void>]> =
      codec === 'none'
        ? []
        : [
            [
              'main thread',
              async () => {
                for (let i = 0; i < RESPONSES; i++) records += encodeRecordBatchSync(batchRecords, { compression: codec }).length
              },
            ],
            ...(workersCan ? pools : []).map((pool): [string, () => Promise<void>] => [
              `worker-compress ×${pool.size}`,
              () =>
                pipelined(
                  Array.from({ length: RESPONSES }, (_, i) => i),
                  2 * pool.size,
                  async () => {
                    const plain = encodeRecordBatchSync(batchRecords, { compression: 'none' })
                    // Only a buffer of its own may be transferred (the encoder may hand out a view).
                    const buffer = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? (plain.buffer as ArrayBuffer) : transferable(plain)
                    const answer = await pool.request({ kind: 'compress', bytes: buffer, codec }, [buffer])
                    records += answer.bytes!.byteLength
                  },
                ),
            ]),
          ]
    const produceWire = codec === 'none' ? 0 : RESPONSES * encodeRecordBatchSync(batchRecords, { compression: codec }).length
    const produceBytes = RESPONSES * batchRecords.reduce((sum, r) => sum + r.value!.length + r.key!.length, 0)
    for (const [side, variants, bytes, wireBytes] of [
      ['consume', consumeVariants, uncompressed, wire],
      ['produce', produceVariants, produceBytes, produceWire],
    ] as const) {
      for (const [variant] of variants) rows.push({ side, codec, variant, bytes, wireBytes, measurements: [] })
      // One warm-up pass, then rounds in rotated order so no variant always runs first.
      for (const [, run] of variants) await run()
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < variants.length; i++) {
          const [variant, run] = variants[(round + i) % variants.length]!
          const m = await measure(run)
          rows.find((row) => row.side === side && row.codec === codec && row.variant === variant)!.measurements.push(m)
        }
      }
    }
    process.stdout.write(`${codec} done (load ${loadavg()[0]!.toFixed(1)})\n`)
  }
  for (const pool of pools) await pool.close()
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const lines = [
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; CRC-32C ${crc32cImplementation()}, gzip ${gzipImplementation()}, zstd ${zstdImplementation() ?? 'not loaded'}; ${RESPONSES} × 1 MiB of 1 KiB records per variant, median of ${ROUNDS} rotated rounds.`,
    '',
    '| side | codec | variant | MB/s (uncompressed) | main-thread CPU ms per MiB | process CPU ms per MiB (all threads) | wall ms |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  ]
  for (const row of rows) {
    const mib = row.bytes / (1024 * 1024)
    const wall = median(row.measurements.map((m) => m.wallMs))
    lines.push(
      `| ${row.side} | ${row.codec} | ${row.variant} | ${(row.bytes / 1e6 / (wall / 1000)).toFixed(0)} | ${(median(row.measurements.map((m) => m.mainActiveMs)) / mib).toFixed(2)} | ${(median(row.measurements.map((m) => m.cpuMs)) / mib).toFixed(2)} | ${wall.toFixed(0)} |`,
    )
  }
  process.stdout.write(`\n${lines.join('\n')}\n`)
  if (records < 0) process.stdout.write('unreachable\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
