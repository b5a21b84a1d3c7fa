/**
 * The record decoder's hot loop with and without a `RecordShape`: nanoseconds per record to decode
 * 100 uncompressed batches of 1,000 records (100-byte values, keys `key-0`..`key-999`, CRC-32C
 * checked), as the consumers do it (`decodePartitionRecordBatchesSync`, one batch at a time).
 *
 *   npm run bench:decode-shape -w @kafkats/bench
 *
 * Modes, each in a fresh child process (a consumer process uses one shape, and a shared process
 * would give the decoder call sites feedback from all of them):
 * - `record`: kafkats' own records (`PartitionRecord`, no shape);
 * - `kafkajs-shape`: a shape that makes KafkaJS messages the way @kafkats/kafkajs's does (string
 *   offset and timestamp, Buffer key and value, a headers object, `makeWithNumberOffset`).
 * Prints the median of 40 timed passes after 20 warm-up passes, per mode, for `--rounds` rounds
 * (default 3) alternating the modes.
 */
import { spawnSync } from 'node:child_process'
import { decodePartitionRecordBatchesSync, encodeRecordBatchSync, type RecordHeader, type RecordInput, type RecordShape } from '@kafkats/protocol'

const BATCHES = 100
const RECORDS_PER_BATCH = 1_000
const WARM_UP_PASSES = 20
const TIMED_PASSES = 40
const MODES = ['record', 'kafkajs-shape'] as const
type Mode = (typeof MODES)[number]

function batches(): Buffer[] {
  const timestamp = Date.now()
  const out: Buffer[] = []
  for (let b = 0; b < BATCHES; b++) {
    const records: RecordInput[] = []
    // a few records per millisecond, as a producer's batch has them
    for (let i = 0; i < RECORDS_PER_BATCH; i++) records.push({ key: Buffer.from(`key-${i % 1000}`), value: Buffer.alloc(100, 'x'), timestamp: timestamp + (i >> 7) })
    out.push(Buffer.from(encodeRecordBatchSync(records, { baseOffset: BigInt(b * RECORDS_PER_BATCH) })))
  }
  return out
}

const LAST_THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

interface KafkaJsLikeMessage {
  magicByte: number
  attributes: number
  timestamp: string
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: object
  isControlRecord: boolean
}

class NoHeaders {}

/** What @kafkats/kafkajs's message shape does per record (its class is internal to that package). */
class KafkaJsLikeShape implements RecordShape<KafkaJsLikeMessage> {
  private thousands = -1
  private thousandsString = ''
  private lastTimestamp = -1n
  private lastTimestampString = ''

  make(_topic: string, _partition: number, offset: bigint, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaJsLikeMessage {
    return this.message(this.offsetString(Number(offset)), timestamp, key, value, headers)
  }

  makeWithNumberOffset(_topic: string, _partition: number, offset: number, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaJsLikeMessage {
    return this.message(this.offsetString(offset), timestamp, key, value, headers)
  }

  offsetOf(message: KafkaJsLikeMessage): bigint {
    return BigInt(message.offset)
  }

  private offsetString(n: number): string {
    if (n < 1000) return String(n)
    const thousands = Math.floor(n / 1000)
    if (thousands !== this.thousands) {
      this.thousands = thousands
      this.thousandsString = String(thousands)
    }
    return this.thousandsString + LAST_THREE_DIGITS[n - thousands * 1000]!
  }

  private message(offset: string, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): KafkaJsLikeMessage {
    if (timestamp !== this.lastTimestamp) {
      this.lastTimestamp = timestamp
      this.lastTimestampString = String(timestamp)
    }
    return {
      magicByte: 2,
      attributes: 0,
      timestamp: this.lastTimestampString,
      offset,
      key: key === null ? null : toBuffer(key),
      value: value === null ? null : toBuffer(value),
      headers: headers.length === 0 ? new NoHeaders() : Object.fromEntries(headers.map((h) => [h.key, h.value])),
      isControlRecord: false,
    }
  }
}

const toBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))

/** One mode in this process: the median ns per record of the timed passes. */
function measure(mode: Mode): number {
  const data = batches()
  const shape = mode === 'kafkajs-shape' ? new KafkaJsLikeShape() : undefined
  let records = 0
  const times: number[] = []
  for (let pass = 0; pass < WARM_UP_PASSES + TIMED_PASSES; pass++) {
    const t0 = performance.now()
    for (const batch of data) {
      const decoded = shape === undefined ? decodePartitionRecordBatchesSync(batch, { topic: 't', partition: 0 }) : decodePartitionRecordBatchesSync(batch, { topic: 't', partition: 0, shape })
      records += decoded.batches[0]!.records.length
    }
    if (pass >= WARM_UP_PASSES) times.push(((performance.now() - t0) * 1e6) / (BATCHES * RECORDS_PER_BATCH))
  }
  if (records !== (WARM_UP_PASSES + TIMED_PASSES) * BATCHES * RECORDS_PER_BATCH) throw new Error(`decoded ${records} records`)
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

const child = process.argv.find((arg) => arg.startsWith('--mode='))?.slice('--mode='.length) as Mode | undefined
if (child !== undefined) {
  process.stdout.write(`${measure(child).toFixed(1)}\n`)
} else {
  const rounds = Number(process.argv.find((arg) => arg.startsWith('--rounds='))?.slice('--rounds='.length) ?? 3)
  const results: Record<Mode, number[]> = { record: [], 'kafkajs-shape': [] }
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
      const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, `--mode=${mode}`], { encoding: 'utf8' })
      if (run.status !== 0) throw new Error(`${mode}: ${run.stderr}`)
      results[mode].push(Number(run.stdout.trim()))
    }
  }
  for (const mode of MODES) process.stdout.write(`${mode}: ${results[mode].join(', ')} ns/record (median of ${TIMED_PASSES} passes each, one child per value)\n`)
}
