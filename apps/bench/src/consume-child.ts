/**
 * The Node child of the consume bench (consume.bench.ts): runs one client once and prints its
 * result as JSON on its last stdout line. Each client's module is imported only when that client
 * runs (`await import(...)`), so the child's resident set is Node, child-support.ts and that one
 * client. With `traceFetch`, kafkats' child also records its Fetch requests (fetch-trace.ts).
 */
import { subscribe } from 'node:diagnostics_channel'
import type { RequestEndMessage, RequestStartMessage } from '@kafkats/connection'
import { type Measured, Stopwatch, scenarioArgument } from './child-support.js'
import { type FetchTrace, type FetchTraceRequest, runQueueWaitMs } from './fetch-trace.js'

export type Client = 'kafkats' | 'kafkats-group' | 'kafkajs' | '@kafkats/kafkajs' | '@platformatic/kafka' | 'franz-go' | 'java'

export interface Scenario {
  client: Client
  size: number
  records: number
  topic: string
  bootstrap: string[]
  /** Record every Fetch request (kafkats, franz-go) and return the trace with the result. */
  traceFetch?: boolean
}

export interface ChildResult extends Measured {
  /** From process start of the consumer (construction) to the first record: connect, metadata, group join, first fetch. */
  setupSeconds: number
  fetchTrace?: FetchTrace
}

/**
 * Collects Fetch requests from the connection's diagnostics channels (`kafkats:request:start` and
 * `kafkats:request:end`, published by @kafkats/connection). Subscribing only makes the connection
 * build those messages; the fetch planner's behaviour is unchanged.
 */
function traceKafkatsFetches(): FetchTraceRequest[] {
  const requests: FetchTraceRequest[] = []
  const started = new Map<string, number>()
  const key = (message: RequestStartMessage): string => `${message.broker.host}:${message.broker.port}/${message.correlationId}`
  subscribe('kafkats:request:start', (message) => {
    const start = message as RequestStartMessage
    if (start.apiName === 'Fetch') started.set(key(start), performance.now())
  })
  subscribe('kafkats:request:end', (message) => {
    const end = message as RequestEndMessage
    if (end.apiName !== 'Fetch') return
    const startMs = started.get(key(end))
    started.delete(key(end))
    if (startMs !== undefined && end.error === null) requests.push({ nodeId: end.broker.nodeId, startMs, endMs: performance.now(), responseBytes: end.responseBytes })
  })
  return requests
}

async function runKafkats(scenario: Scenario): Promise<ChildResult> {
  const [{ ConnectionPool }, { ClusterMetadata }, { DirectConsumer, Offset }] = await Promise.all([import('@kafkats/connection'), import('@kafkats/metadata'), import('@kafkats/consumer')])
  const traced = scenario.traceFetch === true ? traceKafkatsFetches() : undefined
  const constructed = performance.now()
  const pool = new ConnectionPool({ clientId: 'kafkats-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  const [topic] = await metadata.addTopics([scenario.topic])
  const assign: Record<number, ReturnType<typeof Offset.earliest>> = {}
  for (const partition of topic!.partitions) assign[partition.partition] = Offset.earliest()
  const consumer = new DirectConsumer({ metadata, pool, assign: { [scenario.topic]: assign } })
  const total = scenario.records
  let count = 0
  let bytes = 0
  let setupSeconds = 0
  let windowStartMs = 0
  let waitAtStart = 0
  let loopAtStart = performance.eventLoopUtilization()
  const watch = new Stopwatch()
  for await (const batch of consumer) {
    if (!watch.started) {
      watch.start()
      windowStartMs = performance.now()
      if (traced !== undefined) {
        waitAtStart = runQueueWaitMs()
        loopAtStart = performance.eventLoopUtilization()
      }
      setupSeconds = (windowStartMs - constructed) / 1000
    }
    for (const record of batch.records) bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0)
    count += batch.records.length
    if (count >= total) break
  }
  const measured = watch.stop(count, bytes)
  const windowEndMs = performance.now()
  const fetchTrace: FetchTrace | undefined =
    traced === undefined ? undefined : { windowStartMs, windowEndMs, requests: traced, runQueueWaitMs: runQueueWaitMs() - waitAtStart, eventLoopUtilization: performance.eventLoopUtilization(loopAtStart).utilization }
  await consumer.close()
  metadata.close()
  pool.close()
  return { ...measured, setupSeconds, ...(fetchTrace !== undefined ? { fetchTrace } : {}) }
}

async function runKafkatsGroup(scenario: Scenario): Promise<ChildResult> {
  const [{ ConnectionPool }, { ClusterMetadata }, { GroupConsumer }] = await Promise.all([import('@kafkats/connection'), import('@kafkats/metadata'), import('@kafkats/consumer')])
  const constructed = performance.now()
  const pool = new ConnectionPool({ clientId: 'kafkats-bench' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: scenario.bootstrap, pool })
  const consumer = new GroupConsumer({ metadata, pool, groupId: `bench-kafkats-group-${process.pid}-${Date.now()}`, topics: [scenario.topic], autoCommit: false, autoOffsetReset: 'earliest' })
  const total = scenario.records
  let count = 0
  let bytes = 0
  let setupSeconds = 0
  const watch = new Stopwatch()
  for await (const batch of consumer.batches()) {
    if (!watch.started) {
      watch.start()
      setupSeconds = (performance.now() - constructed) / 1000
    }
    for (const record of batch.records) bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0)
    count += batch.records.length
    if (count >= total) break
  }
  const measured = watch.stop(count, bytes)
  await consumer.close()
  metadata.close()
  pool.close()
  return { ...measured, setupSeconds }
}

/** What runKafkajsStyle calls: the part of KafkaJS's Consumer that both KafkaJS and @kafkats/kafkajs implement. */
interface KafkajsStyleConsumer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void>
  on(event: 'consumer.crash', listener: (event: { payload: { error: unknown } }) => void): unknown
  run(config: {
    autoCommit: boolean
    eachBatchAutoResolve: boolean
    eachBatch: (payload: { batch: { messages: Array<{ key: Buffer | null; value: Buffer | null }> } }) => Promise<void>
  }): Promise<void>
}

async function runKafkajs(scenario: Scenario): Promise<ChildResult> {
  const { Kafka, logLevel } = await import('kafkajs')
  const constructed = performance.now()
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  return runKafkajsStyle(kafka.consumer({ groupId: `bench-kafkajs-${process.pid}-${Date.now()}` }), scenario, constructed)
}

async function runCompat(scenario: Scenario): Promise<ChildResult> {
  const { Kafka, logLevel } = await import('@kafkats/kafkajs')
  const constructed = performance.now()
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: scenario.bootstrap, logLevel: logLevel.ERROR })
  return runKafkajsStyle(kafka.consumer({ groupId: `bench-kafkats-kafkajs-${process.pid}-${Date.now()}` }), scenario, constructed)
}

/** The KafkaJS-style group consumer, shared by KafkaJS and @kafkats/kafkajs so that only the implementation differs. */
async function runKafkajsStyle(consumer: KafkajsStyleConsumer, scenario: Scenario, constructed: number): Promise<ChildResult> {
  await consumer.connect()
  await consumer.subscribe({ topics: [scenario.topic], fromBeginning: true })
  const total = scenario.records
  let count = 0
  let bytes = 0
  let setupSeconds = 0
  const watch = new Stopwatch()
  let finished!: () => void
  const done = new Promise<void>((resolve) => {
    finished = resolve
  })
  consumer.on('consumer.crash', (event) => {
    process.stderr.write(`${scenario.client} consumer crashed: ${String(event.payload.error)}\n`)
    process.exit(1)
  })
  let measured: Measured | undefined
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (!watch.started) {
        watch.start()
        setupSeconds = (performance.now() - constructed) / 1000
      }
      for (const message of batch.messages) bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0)
      count += batch.messages.length
      if (count >= total && measured === undefined) {
        measured = watch.stop(count, bytes)
        finished()
      }
    },
  })
  await done
  await consumer.disconnect()
  return { ...measured!, setupSeconds }
}

async function runPlatformatic(scenario: Scenario): Promise<ChildResult> {
  const { Consumer, MessagesStreamModes } = await import('@platformatic/kafka')
  const constructed = performance.now()
  const consumer = new Consumer({
    clientId: 'platformatic-bench',
    groupId: `bench-platformatic-${process.pid}-${Date.now()}`,
    bootstrapBrokers: scenario.bootstrap,
    autocommit: false,
  })
  const stream = await consumer.consume({ topics: [scenario.topic], mode: MessagesStreamModes.EARLIEST, autocommit: false })
  const total = scenario.records
  let count = 0
  let bytes = 0
  let setupSeconds = 0
  const watch = new Stopwatch()
  const measured = await new Promise<Measured>((resolve, reject) => {
    stream.on('error', reject)
    stream.on('data', (message: { key?: Buffer; value?: Buffer }) => {
      if (!watch.started) {
        watch.start()
        setupSeconds = (performance.now() - constructed) / 1000
      }
      bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0)
      count++
      if (count === total) resolve(watch.stop(count, bytes))
    })
  })
  await consumer.close(true)
  return { ...measured, setupSeconds }
}

const runners: Partial<Record<Client, typeof runKafkats>> = { kafkats: runKafkats, 'kafkats-group': runKafkatsGroup, kafkajs: runKafkajs, '@kafkats/kafkajs': runCompat, '@platformatic/kafka': runPlatformatic }

const scenario = scenarioArgument<Scenario>()
if (scenario !== undefined) {
  const run = runners[scenario.client]
  if (run === undefined) throw new Error(`${scenario.client} does not run in a Node child`)
  const result = await run(scenario)
  process.stdout.write(`\n${JSON.stringify(result)}\n`)
  process.exit(0)
}
