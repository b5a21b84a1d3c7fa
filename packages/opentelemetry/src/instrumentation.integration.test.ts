import { type Attributes, context, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { clusterInfo } from '@kafkats/testkit'
import { headerString, headerValue, InvalidArgumentError, Kafka, keyString, Offset, subscribeDiagnostics, type ConsumerRecord } from 'kafkats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentKafka, type KafkaInstrumentation } from './index.js'

const cluster = clusterInfo()
const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
// Exports only when the test asks (forceFlush): an hour between periodic exports.
const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
const meterProvider = new MeterProvider({ readers: [metricReader] })
const contextManager = new AsyncLocalStorageContextManager()

const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'otel-test' })
// The control: an uninstrumented client reads back exactly what went over the wire.
const plain = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'otel-plain' })
let instrumentation: KafkaInstrumentation

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
  instrumentation = instrumentKafka(kafka, { tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() })
})

afterAll(async () => {
  instrumentation.disable()
  await Promise.all([kafka.close(), plain.close()])
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
  context.disable()
})

async function createTopic(topic: string, partitions: number): Promise<void> {
  const [created] = await plain.admin().createTopics([{ topic, partitions, replicationFactor: 3 }])
  expect(created?.error).toBeUndefined()
}

/** The last cumulative export of one metric. */
async function metric(name: string): Promise<MetricData> {
  await metricReader.forceFlush()
  const exports = metricExporter.getMetrics()
  const found = exports.at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name)
  if (found === undefined) throw new Error(`no ${name} in the last metric export`)
  return found
}

/** Sum of a counter's points (or count of a histogram's) whose attributes include `match`. */
function total(data: MetricData | undefined, match: Attributes): number {
  let sum = 0
  for (const point of data?.dataPoints ?? []) {
    if (!Object.entries(match).every(([key, value]) => point.attributes[key] === value)) continue
    if (data!.dataPointType === DataPointType.HISTOGRAM) sum += (point.value as { count: number }).count
    else sum += point.value as number
  }
  return sum
}

const spansNamed = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((span) => span.name === name)

describe('@kafkats/opentelemetry against the real cluster', () => {
  it("one record's trace goes from the producer's send span through the header bytes to the consumer's process span", async () => {
    const topic = `otel-trace-${Date.now()}`
    await createTopic(topic, 3)
    const producer = kafka.producer({ lingerMs: 5 })
    const ack = await producer.send({ topic, key: 'order-1', value: 'first', headers: { app: 'billing' } })
    const more = await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })))
    await producer.close()

    const [send] = spansNamed(`send ${topic}`).filter((span) => span.attributes['messaging.kafka.message.key'] === 'order-1')
    expect(send).toBeDefined()
    expect(spansNamed(`send ${topic}`)).toHaveLength(21)
    const leader = kafka.metadata.leaderFor(topic, ack.partition)!
    expect(send!.kind).toBe(SpanKind.PRODUCER)
    expect(send!.status.code).toBe(SpanStatusCode.UNSET)
    expect(send!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(ack.partition),
      'messaging.client.id': 'otel-test',
      'messaging.kafka.message.key': 'order-1',
      'messaging.kafka.offset': Number(ack.offset),
      'server.address': leader.host,
      'server.port': leader.port,
    })
    const sendContext = send!.spanContext()

    // The header bytes as an uninstrumented consumer reads them back from the broker.
    const reader = plain.consumer({ assign: { [topic]: { [ack.partition]: Offset.at(ack.offset) } } })
    const [batch] = await reader.poll({ maxWaitMs: 10_000, maxBatches: 1 })
    await reader.close()
    const stored = batch!.records[0]!
    expect(keyString(stored)).toBe('order-1')
    expect(stored.headers.map((header) => header.key)).toEqual(['app', 'traceparent'])
    expect(headerString(stored, 'app')).toBe('billing')
    // Compared as plain bytes (the consumer may hand out a Buffer view).
    expect(new Uint8Array(headerValue(stored, 'traceparent')!)).toEqual(new TextEncoder().encode(`00-${sendContext.traceId}-${sendContext.spanId}-01`))

    // A group consumer of the instrumented client processes every record; the first one also
    // starts a span of its own, which must land under the process span.
    const appTracer = tracerProvider.getTracer('billing-app')
    const group = kafka.consumer({ groupId: `otel-group-${Date.now()}`, topics: [topic], autoOffsetReset: 'earliest' })
    const processed: ConsumerRecord[] = []
    for await (const fetched of group) {
      for (const record of fetched.records) {
        await instrumentation.process(record, async () => {
          if (keyString(record) === 'order-1') appTracer.startActiveSpan('charge card', (span) => span.end())
          processed.push(record)
        })
      }
      await group.commit(fetched)
      if (processed.length >= 21) break
    }
    await group.close()
    expect(processed).toHaveLength(21)

    const [processSpan] = spansNamed(`process ${topic}`).filter((span) => span.attributes['messaging.kafka.message.key'] === 'order-1')
    expect(spansNamed(`process ${topic}`)).toHaveLength(21)
    expect(processSpan!.kind).toBe(SpanKind.CONSUMER)
    expect(processSpan!.spanContext().traceId).toBe(sendContext.traceId)
    expect(processSpan!.parentSpanContext?.spanId).toBe(sendContext.spanId)
    expect(processSpan!.links.map((link) => link.context.spanId)).toEqual([sendContext.spanId])
    expect(processSpan!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(ack.partition),
      'messaging.client.id': 'otel-test',
      'messaging.consumer.group.name': group.groupMetadata().groupId,
      'messaging.kafka.message.key': 'order-1',
      'messaging.kafka.offset': Number(ack.offset),
    })
    const [charge] = spansNamed('charge card')
    expect(charge!.parentSpanContext?.spanId).toBe(processSpan!.spanContext().spanId)
    expect(charge!.spanContext().traceId).toBe(sendContext.traceId)

    // Poll spans: one per batch handed out, linked to every record's send span.
    const polls = spansNamed(`poll ${topic}`)
    expect(polls.every((span) => span.kind === SpanKind.CLIENT && span.attributes['messaging.operation.type'] === 'receive')).toBe(true)
    expect(polls.reduce((sum, span) => sum + (span.attributes['messaging.batch.message_count'] as number), 0)).toBe(21)
    const sendSpanIds = new Set(spansNamed(`send ${topic}`).map((span) => span.spanContext().spanId))
    const linked = polls.flatMap((span) => span.links.map((link) => link.context.spanId))
    expect(new Set(linked)).toEqual(sendSpanIds)
    expect(more.every((m) => m.offset >= 0n)).toBe(true)

    // Metrics: the counts are the records sent and handed out, per topic.
    expect(total(await metric('messaging.client.sent.messages'), { 'messaging.destination.name': topic })).toBe(21)
    expect(total(await metric('messaging.client.sent.messages'), { 'messaging.destination.name': topic, 'error.type': undefined })).toBe(21)
    expect(total(await metric('messaging.client.consumed.messages'), { 'messaging.destination.name': topic, 'messaging.operation.name': 'poll' })).toBe(21)
    expect(total(await metric('messaging.client.operation.duration'), { 'messaging.destination.name': topic, 'messaging.operation.name': 'send' })).toBe(21)
    expect(total(await metric('messaging.client.operation.duration'), { 'messaging.destination.name': topic, 'messaging.operation.name': 'poll' })).toBe(polls.length)
    expect(total(await metric('messaging.process.duration'), { 'messaging.destination.name': topic })).toBe(21)
  })

  it('a send to a partition that does not exist: span status ERROR with error.type, counted as a failed send', async () => {
    const topic = `otel-error-${Date.now()}`
    await createTopic(topic, 1)
    const producer = kafka.producer()
    await expect(producer.send({ topic, partition: 7, value: 'nowhere' })).rejects.toBeInstanceOf(InvalidArgumentError)
    // The callback form gets its span too, ended when the callback is called.
    const viaCallback = await new Promise<Error | null>((resolve) => producer.send({ topic, partition: 7, value: 'nowhere' }, (error) => resolve(error)))
    expect(viaCallback).toBeInstanceOf(InvalidArgumentError)
    await producer.close()
    expect(spansNamed(`send ${topic}`).map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR])
    const [failed] = spansNamed(`send ${topic}`)
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed!.status.message).toMatch(/partition/)
    expect(failed!.attributes['error.type']).toBe('INVALID_ARGUMENT')
    expect(failed!.attributes['messaging.destination.partition.id']).toBe('7')
    expect(failed!.events.map((event) => event.name)).toEqual(['exception'])
    expect(total(await metric('messaging.client.sent.messages'), { 'messaging.destination.name': topic, 'error.type': 'INVALID_ARGUMENT' })).toBe(2)
  })

  it('a handler that throws ends its process span with ERROR and error.type, and the error reaches the caller', async () => {
    const topic = `otel-process-error-${Date.now()}`
    await createTopic(topic, 1)
    const producer = plain.producer()
    // No trace context in the headers: the process span starts a trace of its own, without links.
    const ack = await producer.send({ topic, value: 'bad input' })
    await producer.close()
    const direct = kafka.consumer({ assign: { [topic]: { 0: Offset.earliest() } } })
    const [batch] = await direct.poll({ maxWaitMs: 10_000, maxBatches: 1 })
    await direct.close()
    const record = batch!.records[0]!
    await expect(instrumentation.process(record, () => JSON.parse('not json'))).rejects.toBeInstanceOf(SyntaxError)
    const [processSpan] = spansNamed(`process ${topic}`)
    expect(processSpan!.status.code).toBe(SpanStatusCode.ERROR)
    expect(processSpan!.attributes['error.type']).toBe('SyntaxError')
    expect(processSpan!.attributes['messaging.kafka.offset']).toBe(Number(ack.offset))
    expect(processSpan!.attributes['messaging.consumer.group.name']).toBeUndefined()
    expect(processSpan!.links).toEqual([])
    expect(processSpan!.parentSpanContext).toBeUndefined()
    expect(total(await metric('messaging.process.duration'), { 'messaging.destination.name': topic, 'error.type': 'SyntaxError' })).toBe(1)
  })

  it('consumer lag per partition: the records behind the high watermark after the last batch handed out', async () => {
    const topic = `otel-lag-${Date.now()}`
    await createTopic(topic, 1)
    const producer = plain.producer({ lingerMs: 0 })
    // One record batch each (awaited one by one), so a fetch limited to one batch hands out one record.
    for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: `r${i}` })
    await producer.close()
    const direct = kafka.consumer({ assign: { [topic]: { 0: Offset.earliest() } }, partitionMaxBytes: 1 })
    const [batch] = await direct.poll({ maxWaitMs: 10_000, maxBatches: 1 })
    expect(batch!.highWatermark).toBe(10n)
    const expected = Number(batch!.highWatermark - batch!.nextOffset)
    expect(expected).toBeGreaterThan(0)
    const lag = await metric('kafkats.consumer.lag')
    const points = lag.dataPoints.filter((point) => point.attributes['messaging.destination.name'] === topic)
    expect(points.map((point) => [point.attributes['messaging.destination.partition.id'], point.value])).toEqual([['0', expected]])
    await direct.close()
  })

  it("this client's requests by broker and API from the diagnostics channels: one duration per Produce response, none left active, another client's not counted", async () => {
    const topic = `otel-requests-${Date.now()}`
    await createTopic(topic, 3)
    const produce = { 'kafkats.api.name': 'Produce' }
    // Absent until this client's first request (when this test runs alone).
    const durationsBefore = total(await metric('kafkats.client.request.duration').catch(() => undefined), produce)
    const answered = new Map<string, number>()
    const stop = subscribeDiagnostics('kafkats:request:end', (message) => {
      if (message.apiName === 'Produce') answered.set(message.clientId, (answered.get(message.clientId) ?? 0) + 1)
    })
    const producer = kafka.producer({ lingerMs: 0 })
    const other = plain.producer({ lingerMs: 0 })
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: i % 3, value: `r${i}` })),
      ...Array.from({ length: 10 }, (_, i) => other.send({ topic, partition: i % 3, value: `p${i}` })),
    ])
    await Promise.all([producer.close(), other.close()])
    stop()
    expect(answered.get('otel-test')).toBeGreaterThan(0)
    expect(answered.get('otel-plain')).toBeGreaterThan(0)
    const durations = await metric('kafkats.client.request.duration')
    expect(total(durations, produce) - durationsBefore).toBe(answered.get('otel-test'))
    expect(durations.dataPoints.every((point) => typeof point.attributes['server.address'] === 'string' && typeof point.attributes['server.port'] === 'number')).toBe(true)
    expect(total(await metric('kafkats.client.active_requests'), produce)).toBe(0)
  })

  it("producer buffer: the bytes kafka.metrics() reports as buffered while records linger, and none after close", async () => {
    const topic = `otel-buffer-${Date.now()}`
    await createTopic(topic, 1)
    // Long enough to read both snapshots; short because close() was seen to wait out lingerMs.
    const producer = kafka.producer({ lingerMs: 5_000 })
    await producer.send({ topic, value: 'first' }) // the producer id and the topic are known: later sends wait in the buffer
    const lingering = Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `lingering ${i}` }))
    const buffered = kafka.metrics().producers.reduce((sum, p) => sum + p.bufferUsedBytes, 0)
    expect(buffered).toBeGreaterThan(0)
    const usage = await metric('kafkats.producer.buffer.usage')
    expect(total(usage, { 'messaging.client.id': 'otel-test' })).toBe(buffered)
    expect(total(await metric('kafkats.producer.buffer.limit'), { 'messaging.client.id': 'otel-test' })).toBe(kafka.metrics().producers.reduce((sum, p) => sum + p.bufferMaxBytes, 0))
    await producer.close()
    await Promise.all(lingering)
    expect(total(await metric('kafkats.producer.buffer.usage'), { 'messaging.client.id': 'otel-test' })).toBe(0)
  })
  it("sendBatch with metadata: 'partitions' traces every record and sums them up per partition as the producer does", async () => {
    const topic = `otel-partitions-${Date.now()}`
    await createTopic(topic, 3)
    const producer = kafka.producer()
    await producer.sendBatch([{ topic, partition: 1, value: 'before' }])
    const summary = await producer.sendBatch(Array.from({ length: 6 }, (_, i) => ({ topic, partition: i % 3, value: `p${i}` })), { metadata: 'partitions' })
    const wrong = await producer.sendBatch([{ topic, value: 'x' }], { metadata: 'yes' } as never).catch((caught: unknown) => caught)
    await producer.close()
    expect(summary).toEqual([
      { topic, partition: 0, baseOffset: 0n, lastOffset: 1n, recordCount: 2, logStartOffset: 0n },
      { topic, partition: 1, baseOffset: 1n, lastOffset: 2n, recordCount: 2, logStartOffset: 0n },
      { topic, partition: 2, baseOffset: 0n, lastOffset: 1n, recordCount: 2, logStartOffset: 0n },
    ])
    expect(spansNamed(`send ${topic}`)).toHaveLength(7)
    // The producer's own typed error, and no span for a call it refused.
    expect(String(wrong)).toMatch(/options\.metadata/)
  })
})
