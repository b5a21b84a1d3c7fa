/**
 * The Node child of the produce bench (produce.bench.ts): runs one client once and prints its
 * result as JSON on its last stdout line. Each client's module is imported only when that client
 * runs (`await import(...)`), so the child's resident set is Node, child-support.ts and that one
 * client: the RSS columns compare clients, not every library the bench knows.
 */
import { subscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import type { RequestEndMessage, RequestStartMessage } from '@kafkats/connection'
import type { ProduceBatchSentMessage } from '@kafkats/producer-sink'
import { KEY_COUNT, Stopwatch, VALUE_COUNT, makePayloads, scenarioArgument } from './child-support.js'
import {
  type ChildResult,
  type Client,
  KAFKAJS_BATCH,
  KAFKAJS_CONCURRENCY,
  PLATFORMATIC_BATCH_TIME_MS,
  type Scenario,
  WARMUP,
  kafkatsLingerMs,
  kafkatsResumeAt,
  kafkatsWindow,
  platformaticBatch,
} from './produce-settings.js'
import type { ProduceTrace, ProduceTraceBatch, ProduceTraceRequest } from './produce-trace.js'

interface Payloads {
  keys: Buffer[]
  values: Buffer[]
}

interface KafkatsProduceTracer {
  requests: ProduceTraceRequest[]
  batches: ProduceTraceBatch[]
}

/**
 * Collects Produce requests from the connection's `kafkats:request:start|end` diagnostics channels
 * and first sends of record batches from the producer's `kafkats:produce:batch-sent` (produce-trace.ts).
 * Subscribing only makes the libraries build those messages; the producer's behaviour is unchanged.
 * `import type` above: the child still loads @kafkats/connection only when kafkats runs.
 */
function traceKafkatsProduce(): KafkatsProduceTracer {
  const tracer: KafkatsProduceTracer = { requests: [], batches: [] }
  const started = new Map<string, number>()
  const key = (message: RequestStartMessage): string => `${message.broker.host}:${message.broker.port}/${message.correlationId}`
  subscribe('kafkats:request:start', (message) => {
    const start = message as RequestStartMessage
    if (start.apiName === 'Produce') started.set(key(start), performance.now())
  })
  subscribe('kafkats:request:end', (message) => {
    const end = message as RequestEndMessage
    if (end.apiName !== 'Produce') return
    const startMs = started.get(key(end))
    started.delete(key(end))
    if (startMs !== undefined && end.error === null) tracer.requests.push({ nodeId: end.broker.nodeId, startMs, endMs: performance.now(), requestBytes: end.requestBytes })
  })
  subscribe('kafkats:produce:batch-sent', (message) => {
    const sent = message as ProduceBatchSentMessage
    if (sent.attempt === 1) tracer.batches.push({ nodeId: sent.nodeId, atMs: performance.now(), records: sent.records, bytes: sent.bytes })
  })
  return tracer
}

function produceTraceOf(tracer: KafkatsProduceTracer | undefined, windowStartMs: number, windowEndMs: number): { produceTrace?: ProduceTrace } {
  return tracer === undefined ? {} : { produceTrace: { windowStartMs, windowEndMs, requests: tracer.requests, batches: tracer.batches } }
}

async function runKafkats(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const [{ ConnectionPool }, { ClusterMetadata }, { Producer }] = await Promise.all([import('@kafkats/connection'), import('@kafkats/metadata'), import('@kafkats/producer-sink')])
  const { keys, values } = payloads
  const tracer = scenario.traceProduce === true ? traceKafkatsProduce() : undefined
  const pool = new ConnectionPool({ clientId: 'kafkats-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  const producer = new Producer({ metadata, pool, lingerMs: kafkatsLingerMs(), inFlightMaxRequestsPerBroker: scenario.inFlight! })
  const topic = scenario.topic
  const warm: Array<Promise<unknown>> = []
  for (let i = 0; i < WARMUP; i++) warm.push(producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }))
  await Promise.all(warm)

  const total = scenario.records
  const send = scenario.send ?? 'callback'
  const window = kafkatsWindow(scenario.size, send)
  const resumeAt = kafkatsResumeAt(window, send)
  const callback = send !== 'promise'
  let outstanding = 0
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  let wake: (() => void) | null = null
  let allSettled!: () => void
  const done = new Promise<void>((resolve) => {
    allSettled = resolve
  })
  const settled = (): void => {
    outstanding--
    if (wake !== null && outstanding <= resumeAt) {
      const resume = wake
      wake = null
      resume()
    }
    if (acknowledged + errors === total) allSettled()
  }
  const onAck = (): void => {
    acknowledged++
    settled()
  }
  const onError = (error: unknown): void => {
    errors++
    firstError ??= String(error)
    settled()
  }
  // Declared with only `error`: the producer then builds no RecordMetadata for it (see its README).
  const onDelivery = (error: Error | null): void => (error === null ? onAck() : onError(error))
  const watch = new Stopwatch()
  watch.start()
  const windowStartMs = performance.now()
  for (let i = 0; i < total; i++) {
    if (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve))
    outstanding++
    if (callback) producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }, onDelivery)
    else producer.send({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! }).then(onAck, onError)
  }
  await done
  const measured = watch.stop(total, total * bytesPerRecord)
  const windowEndMs = performance.now()
  await producer.close()
  metadata.close()
  pool.close()
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}), ...produceTraceOf(tracer, windowStartMs, windowEndMs) }
}

/** What runKafkajsStyle calls: the part of KafkaJS's Producer that both packages implement. */
interface KafkajsStyleProducer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(record: { topic: string; acks: number; messages: Array<{ key: Buffer; value: Buffer }> }): Promise<unknown>
}

/**
 * The KafkaJS-style producer, shared by KafkaJS and @kafkats/kafkajs so that only the
 * implementation differs: `producer.send({ topic, acks, messages })` in chunks, as KafkaJS users
 * batch, with a few calls in flight.
 */
async function runKafkajsStyle(producer: KafkajsStyleProducer, scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { keys, values } = payloads
  await producer.connect()
  const topic = scenario.topic
  const messages = (from: number, to: number): Array<{ key: Buffer; value: Buffer }> => {
    const list: Array<{ key: Buffer; value: Buffer }> = []
    for (let i = from; i < to; i++) list.push({ key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })
    return list
  }
  await producer.send({ topic, acks: -1, messages: messages(0, WARMUP) })

  const total = scenario.records
  let next = 0
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  const worker = async (): Promise<void> => {
    while (next < total) {
      const from = next
      const to = Math.min(total, from + KAFKAJS_BATCH)
      next = to
      try {
        await producer.send({ topic, acks: -1, messages: messages(from, to) })
        acknowledged += to - from
      } catch (error) {
        errors += to - from
        firstError ??= String(error)
      }
    }
  }
  const watch = new Stopwatch()
  watch.start()
  await Promise.all(Array.from({ length: KAFKAJS_CONCURRENCY }, worker))
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.disconnect()
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

async function runKafkajs(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { Kafka, Partitioners, logLevel } = await import('kafkajs')
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  return runKafkajsStyle(kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner }), scenario, payloads, bytesPerRecord)
}

async function runCompat(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { Kafka, Partitioners, logLevel } = await import('@kafkats/kafkajs')
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  return runKafkajsStyle(kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner }), scenario, payloads, bytesPerRecord)
}

/** kafkats' own Producer under the KafkaJS-style driver: `sendBatch` per call, with the options @kafkats/kafkajs gives it and asks for. */
async function runKafkatsBatch(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const [{ ConnectionPool }, { ClusterMetadata }, { Producer }] = await Promise.all([import('@kafkats/connection'), import('@kafkats/metadata'), import('@kafkats/producer-sink')])
  const pool = new ConnectionPool({ clientId: 'kafkats-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  // What @kafkats/kafkajs builds for an idempotent KafkaJS producer: lingerMs 0, 5 in flight.
  const producer = new Producer({ metadata, pool, lingerMs: 0, inFlightMaxRequestsPerBroker: 5 })
  const adapter: KafkajsStyleProducer = {
    connect: async () => {},
    disconnect: async () => {
      await producer.close()
      metadata.close()
      pool.close()
    },
    send: ({ topic, messages }) => {
      const records = new Array<{ topic: string; key: Buffer; value: Buffer }>(messages.length)
      for (let i = 0; i < messages.length; i++) records[i] = { topic, key: messages[i]!.key, value: messages[i]!.value }
      // As @kafkats/kafkajs asks: a summary per partition, the shape of KafkaJS's answer.
      return producer.sendBatch(records, { metadata: 'partitions' })
    },
  }
  return runKafkajsStyle(adapter, scenario, payloads, bytesPerRecord)
}

async function runPlatformatic(scenario: Scenario, payloads: Payloads, bytesPerRecord: number): Promise<ChildResult> {
  const { ProduceAcks, Producer } = await import('@platformatic/kafka')
  const { keys, values } = payloads
  const producer = new Producer({ clientId: 'platformatic-bench', bootstrapBrokers: scenario.bootstrap, idempotent: true, acks: ProduceAcks.ALL })
  const topic = scenario.topic
  const warm: Array<{ topic: string; key: Buffer; value: Buffer }> = []
  for (let i = 0; i < WARMUP; i++) warm.push({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })
  await producer.send({ messages: warm })

  const total = scenario.records
  let acknowledged = 0
  let errors = 0
  let firstError: string | undefined
  // highWaterMark above batchSize, or the stream would block at 16 buffered records and flush only on batchTime
  const batchSize = platformaticBatch(scenario.size)
  const stream = producer.asStream({ batchSize, batchTime: PLATFORMATIC_BATCH_TIME_MS, highWaterMark: 2 * batchSize, reportMode: 'batch' })
  stream.on('delivery-report', (report: { count: number }) => {
    acknowledged += report.count
  })
  const failed = new Promise<never>((_, reject) => stream.once('error', reject))
  failed.catch(() => {})
  const watch = new Stopwatch()
  watch.start()
  try {
    for (let i = 0; i < total; i++) {
      if (!stream.write({ topic, key: keys[i % KEY_COUNT]!, value: values[i % VALUE_COUNT]! })) await Promise.race([once(stream, 'drain'), failed])
    }
    await Promise.race([stream.close(), failed])
  } catch (error) {
    firstError = String(error)
    errors = total - acknowledged
  }
  const measured = watch.stop(total, total * bytesPerRecord)
  await producer.close(true)
  return { ...measured, acknowledged, errors, ...(firstError !== undefined ? { firstError } : {}) }
}

const runners: Partial<Record<Client, typeof runKafkats>> = { kafkats: runKafkats, 'kafkats-batch': runKafkatsBatch, kafkajs: runKafkajs, '@kafkats/kafkajs': runCompat, '@platformatic/kafka': runPlatformatic }

const scenario = scenarioArgument<Scenario>()
if (scenario === undefined) throw new Error('produce-child.ts is started by produce.bench.ts with --scenario=<json>')
const run = runners[scenario.client]
if (run === undefined) throw new Error(`${scenario.client} does not run in a Node child`)
const { keys, values, bytesPerRecord } = makePayloads(scenario.size)
const result = await run(scenario, { keys, values }, bytesPerRecord)
process.stdout.write(`\n${JSON.stringify(result)}\n`)
// Some clients keep timers (metadata refresh) alive after close.
process.exit(0)
