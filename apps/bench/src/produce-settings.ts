/**
 * What the produce bench's parent (produce.bench.ts) and its Node children (produce-child.ts)
 * share: the scenario, the result and each client's tuning. No Kafka client is imported here, so
 * a child loads only the client it runs.
 */
import type { Measured } from './child-support.js'

export const WARMUP = 1000

/**
 * kafkats: `send()` per record; the loop keeps at most this many sends outstanding (not yet
 * acknowledged) and continues once half of them settled. The producer would accept up to its
 * buffer (bufferMaxBytes 32 MiB: ~31,700 records of 1 KiB, ~250,000 of 100 B), but every
 * outstanding send keeps a promise chain alive and the CPU spent in GC grows with their number:
 * at 1M records, 1 KiB, a full buffer cost 8.2 s of CPU, 5,000 outstanding 4.3 s, at the same or
 * better records/s. A sweep (2,500-250,000) gave these as the best: 5,000 (≈5 MiB) for 1 KiB,
 * 30,000 (≈4 MiB) for 100 B. BENCH_KAFKATS_WINDOW overrides it.
 */
export const kafkatsWindow = (size: number): number => Number(process.env.BENCH_KAFKATS_WINDOW ?? (size >= 1024 ? 5000 : 30_000))
export const KAFKATS_LINGER_MS = 5

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
  size: number
  records: number
  topic: string
  bootstrap: string[]
}

export interface ChildResult extends Measured {
  acknowledged: number
  errors: number
  firstError?: string
}
