/**
 * Record batch encode/decode throughput: kafkats vs @platformatic/kafka 1.35.0 vs KafkaJS 2.2.4,
 * for 1 KiB and 100 B records, uncompressed and with each codec, in one run on one machine.
 *
 *   npm run bench:record-batch -w @kafkats/bench            (full run, writes results/record-batch.md)
 *   npm run bench:record-batch -w @kafkats/bench -- --quick  (shorter iterations, prints only)
 *
 * Method: each scenario (library × record size × codec × encode/decode) runs in its own child
 * process, so no earlier measurement's JIT or GC state affects it (measured: whichever of encode
 * and decode ran second in one process lost 2-3x); it encodes (then decodes) the same batch of
 * RECORDS_PER_BATCH records in a loop: a warm-up period first, then ITERATIONS timed periods; the
 * median period is reported as MB/s of record payload (key + value bytes) and records/s.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { cpus, loadavg } from 'node:os'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as platformatic from '@platformatic/kafka'
import {
  type CompressionCodec,
  type RecordInput,
  crc32c,
  crc32cImplementation,
  decodeRecordBatchesSync,
  forcePortableCrc32c,
  encodeRecordBatchSync,
  gzipImplementation,
  loadCompressionCodec,
} from '@kafkats/protocol'

const require = createRequire(import.meta.url)
// KafkaJS keeps its record batch codec internal (no exports map, so deep requires work):
// the same functions its Produce v3+ request encoder and Fetch v4+ response decoder call.
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => unknown
const kafkajsRecordBatch = (require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: object) => Promise<{ buffer: Buffer }> }).RecordBatch
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: unknown[] }>
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown
const kafkajsCodecs = (require('kafkajs/src/protocol/message/compression') as { Types: Record<string, number> }).Types

const quick = process.argv.includes('--quick')
const RECORDS_PER_BATCH = 1000
const WARMUP_MS = quick ? 150 : 400
const ITERATIONS = quick ? 3 : 7
const PERIOD_MS = quick ? 100 : 250

type Codec = CompressionCodec
const only = (name: string): string[] | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3).split(',')
const CODECS = (only('codecs') ?? ['none', 'gzip', 'snappy', 'lz4', 'zstd']) as Codec[]
const SIZES = (only('sizes') ?? ['1024', '100']).map(Number)
const LIBRARIES = only('libraries') ?? ['kafkats', '@platformatic/kafka', 'kafkajs']

/** Deterministic record-like JSON values (compressible as real payloads are, not trivially). */
function makeRecords(valueSize: number): RecordInput[] {
  let seed = 0x2545f491
  const random = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
  const records: RecordInput[] = []
  const now = 1_700_000_000_000
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    let text = `{"id":${i}`
    while (text.length < valueSize) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`
    records.push({
      key: new TextEncoder().encode(`user-${String(i % 5000).padStart(8, '0')}`),
      value: new TextEncoder().encode(text.slice(0, valueSize)),
      timestamp: now + i,
    })
  }
  return records
}

interface Measurement {
  mbPerSecond: number
  recordsPerSecond: number
}

/** Runs `fn` (one batch) repeatedly: warm-up, then the median of timed periods. */
async function measure(payloadBytes: number, fn: () => unknown): Promise<Measurement> {
  const run = async (ms: number): Promise<number> => {
    let count = 0
    const start = performance.now()
    let elapsed = 0
    do {
      const result = fn()
      if (result instanceof Promise) await result
      count++
      elapsed = performance.now() - start
    } while (elapsed < ms)
    return count / (elapsed / 1000)
  }
  await run(WARMUP_MS)
  const rates: number[] = []
  for (let i = 0; i < ITERATIONS; i++) rates.push(await run(PERIOD_MS))
  rates.sort((a, b) => a - b)
  const batchesPerSecond = rates[Math.floor(rates.length / 2)] as number
  return { mbPerSecond: (batchesPerSecond * payloadBytes) / 1e6, recordsPerSecond: batchesPerSecond * RECORDS_PER_BATCH }
}

interface Row {
  library: string
  size: number
  codec: Codec
  encode: Measurement | string
  decode: Measurement | string
}

type Op = 'encode' | 'decode'

async function benchKafkats(records: RecordInput[], codec: Codec, payload: number, op: Op, verifyCrc = true): Promise<Measurement | string> {
  const encoded = encodeRecordBatchSync(records, { compression: codec })
  const check = decodeRecordBatchesSync(encoded).batches[0]
  if (check?.records.length !== RECORDS_PER_BATCH) throw new Error('kafkats round trip failed')
  return op === 'encode'
    ? measure(payload, () => encodeRecordBatchSync(records, { compression: codec }))
    : measure(payload, () => decodeRecordBatchesSync(encoded, { verifyCrc }))
}

async function benchPlatformatic(records: RecordInput[], codec: Codec, payload: number, op: Op): Promise<Measurement | string> {
  if (codec === 'zstd' && !platformatic.compressionsAlgorithms.zstd.available) {
    return op === 'encode' ? 'n/a: needs node:zlib zstd (Node ≥ 22.15)' : 'n/a'
  }
  const messages = records.map((record) => ({
    key: Buffer.from(record.key as Uint8Array),
    value: Buffer.from(record.value as Uint8Array),
    timestamp: BigInt(record.timestamp as number),
    topic: 'bench',
    partition: 0,
  }))
  const bytes = platformatic.createRecordsBatch(messages, { compression: codec }).buffer
  const check = platformatic.readRecordsBatches(platformatic.Reader.from(bytes))
  if (check[0]?.records.length !== RECORDS_PER_BATCH) throw new Error('platformatic round trip failed')
  return op === 'encode'
    ? measure(payload, () => platformatic.createRecordsBatch(messages, { compression: codec }).buffers)
    : measure(payload, () => platformatic.readRecordsBatches(platformatic.Reader.from(bytes)))
}

async function benchKafkajs(records: RecordInput[], codec: Codec, payload: number, op: Op): Promise<Measurement | string> {
  if (codec !== 'none' && codec !== 'gzip') return op === 'encode' ? 'n/a: only gzip built in (codecs are plug-ins)' : 'n/a'
  const messages = records.map((record) => ({
    key: Buffer.from(record.key as Uint8Array),
    value: Buffer.from(record.value as Uint8Array),
    timestamp: record.timestamp as number,
  }))
  const compression = codec === 'gzip' ? kafkajsCodecs.GZIP : kafkajsCodecs.None
  // what KafkaJS's Produce v3 request encoder does for one partition
  const encode = async (): Promise<Buffer> => {
    const firstTimestamp = messages[0]!.timestamp
    const recordList = messages.map((message, i) => kafkajsRecord({ ...message, offsetDelta: i, timestampDelta: message.timestamp - firstTimestamp }))
    const batch = await kafkajsRecordBatch({
      compression,
      records: recordList,
      firstTimestamp,
      maxTimestamp: messages[messages.length - 1]!.timestamp,
      lastOffsetDelta: recordList.length - 1,
    })
    return batch.buffer
  }
  const bytes = await encode()
  const check = await kafkajsDecodeBatch(new KafkajsDecoder(bytes))
  if (check.records.length !== RECORDS_PER_BATCH) throw new Error('kafkajs round trip failed')
  return op === 'encode' ? measure(payload, encode) : measure(payload, () => kafkajsDecodeBatch(new KafkajsDecoder(bytes)))
}

/** The CRC-32C before optimisation (byte-wise slicing-by-8, table passed as a parameter), kept for the before/after line. */
function crc32cSlicing8Before(): (data: Uint8Array) => number {
  const table = new Int32Array(8 * 256)
  for (let b = 0; b < 256; b++) {
    let c = b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[b] = c
  }
  for (let b = 0; b < 256; b++) {
    let c = table[b]!
    for (let s = 1; s < 8; s++) {
      c = table[c & 0xff]! ^ (c >>> 8)
      table[s * 256 + b] = c
    }
  }
  const update = (t: Int32Array, data: Uint8Array): number => {
    let crc = -1
    let i = 0
    const fast = data.length - (data.length & 7)
    while (i < fast) {
      const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
      crc = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!
      i += 8
    }
    while (i < data.length) crc = t[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8)
    return ~crc >>> 0
  }
  return (data) => update(table, data)
}

/** A dependency's version from its package.json (found next to its resolved entry point; exports maps may hide it). */
function packageVersion(name: string): string {
  let directory = dirname(require.resolve(name))
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (manifest.name === name) return manifest.version ?? 'unknown'
    } catch {
      // keep going up
    }
    const parent = dirname(directory)
    if (parent === directory) return 'unknown'
    directory = parent
  }
}

/** µs to decode one batch of RECORDS_PER_BATCH records. */
function microsPerBatch(value: Measurement | string): string {
  return typeof value === 'string' ? value : ((1e6 * RECORDS_PER_BATCH) / value.recordsPerSecond).toFixed(0)
}

function format(value: Measurement | string, field: keyof Measurement): string {
  if (typeof value === 'string') return field === 'mbPerSecond' ? value : '–'
  return field === 'mbPerSecond' ? value.mbPerSecond.toFixed(0) : `${(value.recordsPerSecond / 1e6).toFixed(2)} M`
}

type Library = 'kafkats' | 'kafkats-no-crc' | 'kafkats-js-crc' | '@platformatic/kafka' | 'kafkajs' | 'crc'

interface Scenario {
  library: Library
  size: number
  codec: Codec
  /** encode / decode; for `crc`, the variant. */
  op: Op | 'before' | 'js' | 'native' | 'platformatic'
}

/** The Go reference for the CRC-32C table (apps/bench/go/crc32c): its own process, the same method. */
function goCrc32c(): Measurement | string {
  try {
    const out = execFileSync('go', ['run', '-mod=readonly', './crc32c'], { cwd: join(dirname(fileURLToPath(import.meta.url)), '..', 'go'), stdio: ['ignore', 'pipe', 'pipe'] })
    const { mbPerSecond } = JSON.parse(String(out).trim().split('\n').pop() ?? '') as { mbPerSecond: number }
    return { mbPerSecond, recordsPerSecond: Number.NaN }
  } catch (error) {
    return `n/a: go run ./crc32c failed (${(error as Error).message.split('\n')[0]})`
  }
}

/** Child process: one scenario in a fresh V8, result as JSON on the last stdout line. */
async function runScenario(scenario: Scenario): Promise<void> {
  if (scenario.library === 'crc') {
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24)
    const before = crc32cSlicing8Before()
    if (scenario.op === 'js') forcePortableCrc32c(true)
    if (scenario.op === 'native' && crc32cImplementation() !== 'native') {
      process.stdout.write(`\n${JSON.stringify('n/a: @node-rs/crc32 did not load here')}\n`)
      return
    }
    const fn = { before: () => before(data), js: () => crc32c(data), native: () => crc32c(data), platformatic: () => platformatic.crc32c(data) }[scenario.op as 'before' | 'js' | 'native' | 'platformatic']
    process.stdout.write(`\n${JSON.stringify(await measure(data.length, fn))}\n`)
    return
  }
  await loadCompressionCodec('zstd')
  const records = makeRecords(scenario.size)
  const payload = records.reduce((sum, record) => sum + (record.key?.length ?? 0) + (record.value?.length ?? 0), 0)
  const run = {
    kafkats: (r: RecordInput[], c: Codec, p: number, o: Op) => benchKafkats(r, c, p, o, true),
    'kafkats-no-crc': (r: RecordInput[], c: Codec, p: number, o: Op) => benchKafkats(r, c, p, o, false),
    'kafkats-js-crc': (r: RecordInput[], c: Codec, p: number, o: Op) => {
      forcePortableCrc32c(true)
      return benchKafkats(r, c, p, o, true)
    },
    '@platformatic/kafka': benchPlatformatic,
    kafkajs: benchKafkajs,
  }[scenario.library as Exclude<Library, 'crc'>]
  const result = await run(records, scenario.codec, payload, scenario.op as Op)
  process.stdout.write(`\n${JSON.stringify(result)}\n`)
}

/** Runs a scenario in a child process (same loader flags), so no library's JIT or GC state affects another's. */
function forkScenario(scenario: Scenario): Promise<Measurement | string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), `--scenario=${JSON.stringify(scenario)}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const last = output.trim().split('\n').pop() ?? ''
      if (code !== 0) reject(new Error(`scenario ${JSON.stringify(scenario)} exited with ${code}`))
      else resolve(JSON.parse(last) as Measurement | string)
    })
  })
}

async function main(): Promise<void> {
  const scenarioArgument = process.argv.find((arg) => arg.startsWith('--scenario='))
  if (scenarioArgument !== undefined) {
    await runScenario(JSON.parse(scenarioArgument.slice('--scenario='.length)) as Scenario)
    return
  }
  const rows: Row[] = []
  const extra: string[] = []
  for (const size of SIZES) {
    for (const codec of CODECS) {
      for (const library of ['kafkats', '@platformatic/kafka', 'kafkajs'] as const) {
        if (!LIBRARIES.includes(library)) continue
        const result = {
          encode: await forkScenario({ library, size, codec, op: 'encode' }),
          decode: await forkScenario({ library, size, codec, op: 'decode' }),
        }
        rows.push({ library, size, codec, ...result })
        process.stdout.write(`${size} B ${codec.padEnd(6)} ${library.padEnd(20)} encode ${format(result.encode, 'mbPerSecond')} MB/s, decode ${format(result.decode, 'mbPerSecond')} MB/s\n`)
      }
    }
    if (size === 1024 && CODECS.includes('none') && LIBRARIES.includes('kafkats')) {
      const noCrc = await forkScenario({ library: 'kafkats-no-crc', size, codec: 'none', op: 'decode' })
      const jsCrc = await forkScenario({ library: 'kafkats-js-crc', size, codec: 'none', op: 'decode' })
      const withCrc = rows.find((row) => row.library === 'kafkats' && row.size === size && row.codec === 'none')?.decode ?? 'n/a'
      extra.push(`kafkats 1 KiB, none, decode without CRC verification (verifyCrc: false): ${format(noCrc, 'mbPerSecond')} MB/s`)
      extra.push(
        `kafkats decode of one uncompressed batch of ${RECORDS_PER_BATCH} 1 KiB records, CRC checked, µs per batch: CRC-32C ${crc32cImplementation()} (what \`crc32c\` picks here) **${microsPerBatch(withCrc)}**; the portable JS tables (\`forcePortableCrc32c(true)\`, the implementation before @node-rs/crc32) ${microsPerBatch(jsCrc)}; no CRC check ${microsPerBatch(noCrc)}`,
      )
    }
  }

  // CRC-32C alone, 1 MiB input: before/after the slicing-by-16 word-read optimisation (each in its own process too)
  const crcRows: Array<readonly [string, Measurement | string]> = []
  for (const [name, variant] of [
    ['kafkats crc32c, before: byte-wise slicing-by-8, table as parameter', 'before'],
    ['kafkats crc32c, portable JS: word-wise slicing-by-16, table as module constant (`forcePortableCrc32c(true)`)', 'js'],
    ['kafkats crc32c, native: the optional @node-rs/crc32 (hardware CRC instructions), what `crc32c` picks when it loads', 'native'],
    ['@platformatic/kafka crc32c (native @node-rs/crc32, SSE4.2, when installed)', 'platformatic'],
  ] as const) {
    crcRows.push([name, await forkScenario({ library: 'crc', size: 0, codec: 'none', op: variant })])
  }
  crcRows.push(['Go hash/crc32, Castagnoli table (what franz-go uses; apps/bench/go/crc32c, `go run`)', goCrc32c()])

  const lines: string[] = []
  lines.push('# Record batch encode/decode throughput')
  lines.push('')
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--scenario='))
  lines.push(`- Command: \`npm run bench:record-batch -w @kafkats/bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\` (from the repository root)`)
  lines.push(`- Date: ${new Date().toISOString()}`)
  lines.push(`- Node: ${process.version} (${process.platform}/${process.arch})`)
  lines.push(`- CPU: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores); load average at the end of the run: ${loadavg().map((load) => load.toFixed(2)).join(', ')} (other processes share this machine, so numbers vary run to run)`)
  lines.push(`- Libraries: kafkats (this repo), @platformatic/kafka ${packageVersion('@platformatic/kafka')}, kafkajs ${packageVersion('kafkajs')}`)
  lines.push(`- gzip implementation used by kafkats: ${gzipImplementation()}`)
  lines.push(
    `- Method: one batch of ${RECORDS_PER_BATCH} records (key ~13 B, value 1 KiB or 100 B of record-like JSON), encoded or decoded in a loop, each library × size × codec × operation in a fresh child process (running encode and decode in one process cost whichever ran second 2-3x); ${WARMUP_MS} ms warm-up, then the median of ${ITERATIONS} periods of ${PERIOD_MS} ms. MB/s = record payload (key + value) bytes per second, 10^6.`,
  )
  lines.push('')
  for (const size of SIZES) {
    lines.push(`## ${size === 1024 ? '1 KiB' : '100 B'} records`)
    lines.push('')
    lines.push('| codec | library | encode MB/s | encode records/s | decode MB/s | decode records/s |')
    lines.push('| --- | --- | ---: | ---: | ---: | ---: |')
    for (const row of rows.filter((r) => r.size === size)) {
      lines.push(`| ${row.codec} | ${row.library} | ${format(row.encode, 'mbPerSecond')} | ${format(row.encode, 'recordsPerSecond')} | ${format(row.decode, 'mbPerSecond')} | ${format(row.decode, 'recordsPerSecond')} |`)
    }
    lines.push('')
  }
  const uncompressed = rows.find((r) => r.size === 1024 && r.codec === 'none' && r.library === 'kafkats')
  if (uncompressed !== undefined && typeof uncompressed.encode !== 'string' && typeof uncompressed.decode !== 'string') {
    const encode = uncompressed.encode.mbPerSecond
    const decode = uncompressed.decode.mbPerSecond
    lines.push(
      `kafkats, 1 KiB records, uncompressed: encode ${encode.toFixed(0)} MB/s, decode ${decode.toFixed(0)} MB/s; one encode + one decode of the same bytes ${(1 / (1 / encode + 1 / decode)).toFixed(0)} MB/s.`,
    )
  }
  lines.push('')
  for (const line of extra) lines.push(`- ${line}`)
  lines.push('')
  lines.push('## CRC-32C alone (1 MiB input, MB/s)')
  lines.push('')
  lines.push('| implementation | MB/s |')
  lines.push('| --- | ---: |')
  for (const [name, result] of crcRows) lines.push(`| ${name} | ${format(result, 'mbPerSecond')} |`)
  lines.push('')
  lines.push('## Notes')
  lines.push('')
  lines.push('- kafkats decode verifies the CRC-32C of every batch (as the Java consumer does by default); @platformatic/kafka and KafkaJS do not verify it on read.')
  lines.push(
    "- CRC-32C: @node-rs/crc32 runs one chain of the CPU's CRC32 instruction (each step waits for the one before); Go's hash/crc32 runs three side by side and combines them, which is the difference between the native row and the Go row. franz-go verifies every fetched batch with it, so on the consume path the checksum costs franz-go about a quarter of what it costs kafkats per byte (consume.md).",
  )
  lines.push('- kafkats uses its synchronous API here (`encodeRecordBatchSync`, `decodeRecordBatchesSync`; zstd loaded first). KafkaJS is async (its codecs are promise-based).')
  lines.push('- @platformatic/kafka encode is measured up to its native output, a list of buffers (`Writer.buffers`), without concatenation. Its zstd uses `node:zlib` zstd, absent from Node 20. Its crc32c is the native `@node-rs/crc32` optional dependency.')
  lines.push('- KafkaJS: `Record` + `RecordBatch` (`kafkajs/src/protocol/recordBatch/...`) as its Produce v3 request does; decode = its `recordBatch/v0/decoder`. It ships only gzip; snappy/lz4/zstd are third-party plug-ins, not measured.')
  lines.push('')
  const text = lines.join('\n')
  process.stdout.write(`\n${text}\n`)
  if (!quick) {
    const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'record-batch.md')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
  }
}

await main()
