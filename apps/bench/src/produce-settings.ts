/**
 * What the produce bench's parent (produce.bench.ts) and its Node children (produce-child.ts)
 * share: the scenario, the result and each client's tuning. No Kafka client is imported here, so
 * a child loads only the client it runs.
 */
import type { Measured } from './child-support.js'
import type { ProduceTrace } from './produce-trace.js'

export const WARMUP = 1000

/**
 * kafkats: `send(record, callback)` per record, with at most `kafkatsWindow(size)` sends
 * outstanding (not yet acknowledged); the loop continues as soon as one settles
 * (`kafkatsResumeAt`). Why, and why these numbers (issue #14, `--trace-produce`):
 * - Like-for-like with franz-go. Its `Produce` blocks once MaxBufferedRecords (default 50,000)
 *   records are buffered and continues when any is released; Java's `send` blocks once its
 *   `buffer.memory` is full. kafkats' `send` never blocks: past its own buffer (bufferMaxBytes,
 *   32 MiB by default) records wait inside the producer, which costs far more (~70,000 waiting
 *   sends of 1 KiB: ~26,000 records/s, 38 µs of CPU per record). So the driver is the blocking
 *   part: the window is franz-go's 50,000, or fewer where 50,000 would not fit kafkats' buffer
 *   (1 KiB: 31,714 records of 13 + 1,024 + 21 accounted bytes; 100 B: 50,000).
 * - The earlier window (5,000 at 1 KiB, continuing only once half had settled) was tuned with a
 *   promise per send, whose GC cost grew with the window. It starved the producer: 5,000 records
 *   of 1 KiB over 6 partitions is ~830 per partition, so each broker had ~1 Produce request in
 *   flight (of 5 allowed) with half-full batches (~500 records), 300 requests per 300,000 records
 *   against franz-go's 164 with full ~950-record batches, and the brokers spent more CPU for the
 *   same bytes. Continuing after every settle with 5,000 made it worse (medians 110-170 records per
 *   batch, 780 requests: each freed slot sends what lingered 5 ms). With 30,000 and per-record
 *   continuation the trace matched franz-go's shape: ~190 requests, ~1,000-record batches,
 *   2 batches (every partition the broker leads) per request, 3-4 requests in flight per broker.
 * - The promise form (`--kafkats-send=promise`, not the targets' row) keeps the window it was
 *   tuned with (5,000 at 1 KiB, 30,000 at 100 B, continuing at half): every outstanding send
 *   holds a promise chain and a RecordMetadata, and at 1M records of 1 KiB a full buffer of them
 *   cost 8.2 s of CPU against 4.3 s with 5,000.
 * BENCH_KAFKATS_WINDOW and BENCH_KAFKATS_RESUME_AT override them (sweeps).
 */
export const FRANZ_GO_MAX_BUFFERED_RECORDS = 50_000
/** kafkats' Producer defaults the window must fit (packages/producer-sink options.ts): bufferMaxBytes and the bytes it accounts per record beyond key and value. */
const KAFKATS_BUFFER_MAX_BYTES = 32 * 1024 * 1024
const KAFKATS_RECORD_OVERHEAD_BYTES = 21
/** The bench's keys (`user-00000042`, child-support.ts). */
const KEY_BYTES = 13
export const kafkatsWindow = (size: number, send: KafkatsSend = 'callback'): number => {
  const override = process.env.BENCH_KAFKATS_WINDOW
  if (override !== undefined) return Number(override)
  if (send === 'promise') return size >= 1024 ? 5000 : 30_000
  return Math.min(FRANZ_GO_MAX_BUFFERED_RECORDS, Math.floor(KAFKATS_BUFFER_MAX_BYTES / (KEY_BYTES + size + KAFKATS_RECORD_OVERHEAD_BYTES)))
}
/** Where a full window continues (outstanding sends at or below it): callback form as soon as one settled, as franz-go's `Produce` does; promise form at half. */
export const kafkatsResumeAt = (window: number, send: KafkatsSend = 'callback'): number => Number(process.env.BENCH_KAFKATS_RESUME_AT ?? (send === 'promise' ? window / 2 : window - 1))
export const KAFKATS_LINGER_MS = 5
/** BENCH_KAFKATS_LINGER_MS overrides KAFKATS_LINGER_MS (for sweeps). */
export const kafkatsLingerMs = (): number => Number(process.env.BENCH_KAFKATS_LINGER_MS ?? KAFKATS_LINGER_MS)

/**
 * How the kafkats driver hands records to `Producer.send`:
 * - `callback`: `send(record, callback)`, no promise per record. The default, because it is the
 *   like-for-like API of the peers the targets compare with: franz-go's bench calls
 *   `Produce(ctx, record, promise)` (a callback) and Java's `send(record, callback)`.
 * - `promise`: `send(record).then(onAck, onError)`, one promise per record (what `await send()`
 *   code pays); `--kafkats-send=callback,promise` runs both as separate rows.
 */
export type KafkatsSend = 'callback' | 'promise'

/**
 * KafkaJS and @kafkats/kafkajs (the same code, only the import differs): records per `send` call
 * and concurrent `send` calls. 5,000 × 4 was best for KafkaJS of 1,000-20,000 × 1-8 at 200k
 * records; 10,000 records of 1 KiB exceed the broker's 1 MiB max.message.bytes per partition
 * (KafkaJS does not split a send, the whole send fails).
 */
export const KAFKAJS_BATCH = Number(process.env.BENCH_KAFKAJS_BATCH ?? 5000)
export const KAFKAJS_CONCURRENCY = Number(process.env.BENCH_KAFKAJS_CONCURRENCY ?? 4)

/**
 * @platformatic/kafka: producer stream batch size (records per `send`) and batch time (linger).
 * 5,000 records of 1 KiB is the most that stays under the broker's 1 MiB max.message.bytes per
 * partition (it does not split a send); for 100 B values 10,000 was best (20,000: no gain).
 */
export const platformaticBatch = (size: number): number => Number(process.env.BENCH_PLATFORMATIC_BATCH ?? (size >= 1024 ? 5000 : 10_000))
export const PLATFORMATIC_BATCH_TIME_MS = 5

/**
 * `kafkats-batch` (not in a default run): kafkats' own Producer driven exactly as the KafkaJS-style
 * code drives @kafkats/kafkajs (`sendBatch` of KAFKAJS_BATCH records, KAFKAJS_CONCURRENCY calls in
 * flight, lingerMs 0 as the layer sets): the producer underneath the layer, so compat ÷ it is the
 * layer's own cost, apart from the call pattern.
 */
export type Client = 'kafkats' | 'kafkats-batch' | 'kafkajs' | '@kafkats/kafkajs' | '@platformatic/kafka' | 'franz-go' | 'java'

export interface Scenario {
  client: Client
  /** kafkats inFlightMaxRequestsPerBroker. */
  inFlight?: number
  /** kafkats: how records are handed to `send`. */
  send?: KafkatsSend
  /** kafkats: record every Produce request and batch and return the trace with the result (produce-trace.ts). */
  traceProduce?: boolean
  size: number
  records: number
  topic: string
  bootstrap: string[]
}

export interface ChildResult extends Measured {
  acknowledged: number
  errors: number
  firstError?: string
  produceTrace?: ProduceTrace
}
