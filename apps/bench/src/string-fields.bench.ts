/**
 * What a string key costs the producer, by the string's length: the three ways a string can reach
 * a record batch, each appending the same records to a `RecordBatchBuilder` (the producer's
 * encoder) and finishing the batch.
 *
 *   npm run bench:string-fields -w @kafkats/bench               (writes results/string-fields.md)
 *   npm run bench:string-fields -w @kafkats/bench -- --no-write (prints only)
 *
 * - `string`: the string itself (`RecordInput.key` may be a string): the encoder counts its UTF-8
 *   bytes and writes them into the batch. What the producer does up to STRING_FIELD_MAX_UNITS
 *   (producer-sink record-input.ts).
 * - `slab view`: the UTF-8 bytes written into a shared 16 KiB slab, a view of them handed to the
 *   encoder, which copies them. What the producer did for every string up to 682 units before.
 * - `own array`: `TextEncoder.encode`, then the copy. What it does past 682 units.
 *
 * Each length and alphabet runs RECORDS records (1,000 distinct keys, value null) per batch, in
 * ROUNDS rounds rotating the order of the three; best round per way, ns per record. One process,
 * so the garbage each way leaves is collected in its own rounds' time.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RecordBatchBuilder, type RecordInput, encodeUtf8, writeUtf8 } from '@kafkats/protocol'

const RECORDS = 2_000
const BATCHES = Number(process.env.BENCH_BATCHES ?? 150)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const LENGTHS = [5, 10, 16, 20, 32, 48, 64, 100, 200, 682]
const write = !process.argv.includes('--no-write')

type Way = 'string' | 'slab view' | 'own array'
const WAYS: Way[] = ['string', 'slab view', 'own array']

// The producer's former slab (record-input.ts before this change), for the `slab view` way.
const SLAB_BYTES = 16 * 1024
let slab = new Uint8Array(SLAB_BYTES)
let slabOffset = 0
function slabView(value: string): Uint8Array {
  if (slabOffset + value.length * 3 > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES)
    slabOffset = 0
  }
  const start = slabOffset
  slabOffset += writeUtf8(slab, start, value)
  return slab.subarray(start, slabOffset)
}

function keysOf(length: number, alphabet: 'ascii' | 'cyrillic'): string[] {
  return Array.from({ length: 1_000 }, (_, i) => (alphabet === 'ascii' ? `key-${i}` : `ключ-${i}`).padEnd(length, alphabet === 'ascii' ? 'x' : 'ж').slice(0, length))
}

/** ns per record of one round: BATCHES batches of RECORDS records. */
function round(way: Way, keys: readonly string[]): number {
  const started = process.hrtime.bigint()
  const record: RecordInput = { key: null, value: null, timestamp: 1_700_000_000_000 }
  let bytes = 0
  for (let b = 0; b < BATCHES; b++) {
    const builder = new RecordBatchBuilder()
    for (let i = 0; i < RECORDS; i++) {
      const key = keys[i % 1_000]!
      // A new RecordInput per record, as the producer makes one per record.
      builder.append({ ...record, key: way === 'string' ? key : way === 'slab view' ? slabView(key) : encodeUtf8(key) })
    }
    bytes += builder.finish().length
  }
  if (bytes === 0) throw new Error('no batch written')
  return Number(process.hrtime.bigint() - started) / (BATCHES * RECORDS)
}

const rows: string[] = []
for (const alphabet of ['ascii', 'cyrillic'] as const) {
  for (const length of LENGTHS) {
    const keys = keysOf(length, alphabet)
    const best = new Map<Way, number>(WAYS.map((way) => [way, Infinity]))
    for (const way of WAYS) round(way, keys) // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < WAYS.length; k++) {
        const way = WAYS[(r + k) % WAYS.length]!
        best.set(way, Math.min(best.get(way)!, round(way, keys)))
      }
    }
    const [s, v, o] = WAYS.map((way) => best.get(way)!)
    const row = `| ${alphabet} | ${length} | ${s!.toFixed(0)} | ${v!.toFixed(0)} | ${o!.toFixed(0)} | ${(v! / s!).toFixed(2)}× |`
    rows.push(row)
    console.log(row)
  }
}

const load = loadavg().map((x) => x.toFixed(2)).join(' ')
const report = [
  '# String keys: the string itself, a slab view, or an array of its own',
  '',
  'Command: `npm run bench:string-fields -w @kafkats/bench` (apps/bench/src/string-fields.bench.ts)',
  '',
  `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load} at the end; Node ${process.version}.`,
  '',
  `Each row: ${BATCHES} record batches of ${RECORDS.toLocaleString('en')} records (a key of that many UTF-16 units, value null) appended to a \`RecordBatchBuilder\` and finished; best of ${ROUNDS} rotated rounds, ns per record. "string": the key handed to the encoder as the string; "slab view": written into a shared slab and handed over as a view (the producer before); "own array": \`TextEncoder.encode\`.`,
  '',
  '| alphabet | key units | string ns | slab view ns | own array ns | slab view ÷ string |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
]
if (write) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'string-fields.md')
  writeFileSync(file, report.join('\n'))
  console.log(`wrote ${file}`)
}
