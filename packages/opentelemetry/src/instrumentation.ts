import {
  type Attributes,
  type BatchObservableResult,
  type Context,
  type Counter,
  type Histogram,
  type Link,
  type MeterProvider,
  type ObservableCallback,
  type ObservableGauge,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  context,
  defaultTextMapSetter,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api'
import {
  type ConsumerRecord,
  type DirectConsumer,
  type FetchedBatch,
  type GroupConsumer,
  InvalidStateError,
  type Kafka,
  type Producer,
  type ProducerRecord,
  type PartitionProduceResult,
  type RecordMetadata,
  type RequestStartMessage,
  type SendBatchOptions,
  subscribeDiagnostics,
} from 'kafkats'
import { keyAttribute, recordHeaderGetter, withTraceHeaders } from './record-headers.js'
import {
  ATTR_ERROR_TYPE,
  ATTR_KAFKATS_API_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CLIENT_ID,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DURATION_BUCKETS_S,
  MESSAGING_SYSTEM_KAFKA,
  errorType,
} from './semconv.js'

/** What carries the trace context in record headers: an OpenTelemetry `TextMapPropagator`, or the global `propagation` API. */
export interface RecordPropagator {
  inject<Carrier>(context: Context, carrier: Carrier, setter: TextMapSetter<Carrier>): void
  extract<Carrier>(context: Context, carrier: Carrier, getter: TextMapGetter<Carrier>): Context
}

export interface KafkaInstrumentationOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`, set by the SDK's `register()`/`NodeSDK`). */
  tracerProvider?: TracerProvider
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider
  /**
   * Writes the trace context into produced records' headers and reads it back from consumed ones.
   * Default: the global propagator (`propagation`; the SDK registers W3C trace context and baggage).
   * Without an SDK the global propagator does nothing, so no headers are written.
   */
  propagator?: RecordPropagator
  /**
   * The parent of a `process` span. `'message'` (default): the context the producer wrote into the
   * record, so producer and consumer share one trace. `'active'`: whatever span is active where
   * `process` is called (the record's context is then only a link).
   */
  processSpanParent?: 'message' | 'active'
  /** One `poll {topic}` span per batch handed to the application. Default true; the metrics are recorded either way. */
  pollSpans?: boolean
}

/** Any consumer, also one handing out records of its own shape (`recordShape`): those get batch metrics, lag and poll spans, without per-record trace context. */
type Consumer = DirectConsumer<unknown> | GroupConsumer<unknown>

/** What a consumed record is remembered with until the application processes it. */
interface Delivery {
  groupId: string | undefined
  /** The producer's context read from the record's headers; undefined when it had none. */
  messageContext: Context | undefined
}

interface Instruments {
  sentMessages: Counter
  consumedMessages: Counter
  operationDuration: Histogram
  processDuration: Histogram
}

const INSTRUMENTATION_NAME = '@kafkats/opentelemetry'

/**
 * Traces and metrics for one `Kafka` client, after the OpenTelemetry messaging conventions for
 * Kafka. Made by `instrumentKafka(kafka)`; see the package README for the spans and metrics.
 */
export class KafkaInstrumentation {
  private readonly tracer: Tracer
  private readonly instruments: Instruments
  private readonly propagator: RecordPropagator
  private readonly processSpanParent: 'message' | 'active'
  private readonly pollSpans: boolean
  /** Undo steps: put back every method replaced on the client and its producers and consumers. */
  private readonly restore: Array<() => void> = []
  private readonly deliveries = new WeakMap<ConsumerRecord, Delivery>()
  /** Records behind the high watermark after the last batch handed out, per consumer and partition. */
  private readonly lag = new Map<Consumer, Map<string, { topic: string; partition: number; lag: number }>>()
  private disabled = false
  private readonly lagGauge: ObservableGauge
  private readonly observeLag: ObservableCallback

  constructor(
    private readonly kafka: Kafka,
    options: KafkaInstrumentationOptions = {},
  ) {
    if (Object.prototype.hasOwnProperty.call(kafka, 'producer')) {
      throw new InvalidStateError('this Kafka client is instrumented already: call disable() on the first KafkaInstrumentation before instrumenting it again')
    }
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME)
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME)
    this.propagator = options.propagator ?? propagation
    this.processSpanParent = options.processSpanParent ?? 'message'
    this.pollSpans = options.pollSpans ?? true
    this.instruments = {
      sentMessages: meter.createCounter('messaging.client.sent.messages', { unit: '{message}', description: 'Records the producer attempted to send (failed ones carry error.type).' }),
      consumedMessages: meter.createCounter('messaging.client.consumed.messages', { unit: '{message}', description: 'Records handed to the application by a consumer.' }),
      operationDuration: meter.createHistogram('messaging.client.operation.duration', {
        unit: 's',
        description: 'send: from send() to the acknowledgement; poll: from asking for records to receiving them.',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }),
      processDuration: meter.createHistogram('messaging.process.duration', {
        unit: 's',
        description: 'Time the application spent processing one record (instrumentation.process).',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }),
    }
    this.lagGauge = meter.createObservableGauge('kafkats.consumer.lag', {
      unit: '{message}',
      description: "Records behind the partition's high watermark after the last batch handed out (Java: records-lag), per assigned partition.",
    })
    this.observeLag = (result) => {
      for (const [consumer, partitions] of this.lag) {
        const groupId = groupIdOf(consumer)
        // Only partitions still assigned: a revoked partition's last value would be stale forever.
        for (const tp of consumer.assignment()) {
          const entry = partitions.get(`${tp.topic}\0${tp.partition}`)
          if (entry === undefined) continue
          result.observe(entry.lag, {
            [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
            [ATTR_MESSAGING_DESTINATION_NAME]: entry.topic,
            [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(entry.partition),
            ...(groupId !== undefined ? { [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId } : {}),
          })
        }
      }
    }
    this.lagGauge.addCallback(this.observeLag)
    this.restore.push(() => this.lagGauge.removeCallback(this.observeLag))
    this.measureRequests(meter)
    this.measureProducerBuffers(meter)
    this.attach(kafka)
  }

  /**
   * Instruments a producer made before `instrumentKafka` (those made after are instrumented
   * already): `send` (both forms), `trySend`, `sendBatch`, and through them transactional sends. Returns it.
   */
  instrumentProducer(producer: Producer): Producer {
    this.checkEnabled()
    const send = producer.send as (record: ProducerRecord, callback?: unknown) => Promise<RecordMetadata> | void
    const trySend = producer.trySend
    const sendBatch = producer.sendBatch as (records: readonly ProducerRecord[], options?: SendBatchOptions) => Promise<RecordMetadata[] | PartitionProduceResult[] | void>
    const tracedSend = (record: ProducerRecord): Promise<RecordMetadata> => this.traceSend(record, (traced) => send.call(producer, traced) as Promise<RecordMetadata>)
    // The callback form (fire-and-forget) is traced through a promise: the span must end when the record settles.
    producer.send = ((record: ProducerRecord, callback?: (error: Error | null, metadata?: RecordMetadata) => void) => {
      if (callback === undefined) return tracedSend(record)
      // Not a function: the producer's own typed error.
      if (typeof callback !== 'function') return send.call(producer, record, callback)
      tracedSend(record).then(
        (metadata) => callback(null, metadata),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
      return undefined
    }) as Producer['send']
    producer.trySend = (record) => this.traceSend(record, (traced) => trySend.call(producer, traced))
    // One span per record: each record is sent through `send`, so each carries its own context.
    producer.sendBatch = ((records: readonly ProducerRecord[], options: SendBatchOptions = {}) => {
      // Not an array, or options the producer refuses: its own typed error.
      const metadata = typeof options === 'object' && options !== null ? (options.metadata ?? true) : undefined
      if (!Array.isArray(records) || (metadata !== true && metadata !== false && metadata !== 'partitions')) return sendBatch.call(producer, records, options)
      const all = Promise.all(records.map(tracedSend))
      if (metadata === false) return all.then(() => undefined)
      return metadata === 'partitions' ? all.then(partitionResultsOf) : all
    }) as Producer['sendBatch']
    this.restore.push(() => {
      for (const name of ['send', 'trySend', 'sendBatch']) Reflect.deleteProperty(producer, name)
    })
    return producer
  }

  /**
   * Instruments a consumer made before `instrumentKafka`: every batch it hands out (`for await`,
   * `batches()`, `records()`, and a direct consumer's `poll()`) counts in
   * `messaging.client.consumed.messages`, updates the lag gauge and, unless `pollSpans: false`,
   * gets a `poll {topic}` span linked to the producers' contexts. Returns it.
   */
  instrumentConsumer<C extends Consumer>(consumer: C): C {
    this.checkEnabled()
    const target = consumer as Consumer
    const batches = target.batches
    target.batches = (options = {}) => {
      const iterable = batches.call(target, options)
      return {
        [Symbol.asyncIterator]: () => {
          const iterator = iterable[Symbol.asyncIterator]()
          return {
            next: async () => {
              const startedMs = Date.now()
              const started = performance.now()
              const result = await iterator.next()
              if (result.done !== true) this.delivered(target, [result.value], startedMs, started)
              return result
            },
            return: async (value?: unknown) => (iterator.return !== undefined ? iterator.return(value) : { done: true, value: undefined }),
          }
        },
      }
    }
    if (!('groupMetadata' in target)) {
      const direct = target
      const poll = direct.poll
      direct.poll = async (options = {}) => {
        const startedMs = Date.now()
        const started = performance.now()
        const fetched = await poll.call(direct, options)
        this.delivered(direct, fetched, startedMs, started)
        return fetched
      }
    }
    const close = target.close
    target.close = async () => {
      this.lag.delete(target)
      return close.call(target)
    }
    this.lag.set(target, new Map())
    this.restore.push(() => {
      for (const name of ['batches', 'poll', 'close']) Reflect.deleteProperty(target, name)
      this.lag.delete(target)
    })
    return consumer
  }

  /**
   * Runs `handler` for one consumed record inside a `process {topic}` span (kind CONSUMER) and
   * records `messaging.process.duration`. The span's parent is the producer's context read from
   * the record's headers (or the active span with `processSpanParent: 'active'`), and it links to
   * that context either way. A handler that throws ends the span with status ERROR and
   * `error.type`; the error is rethrown.
   */
  async process<T>(record: ConsumerRecord, handler: () => T | Promise<T>): Promise<T> {
    const delivery = this.deliveries.get(record)
    const messageContext = delivery !== undefined ? delivery.messageContext : this.extract(record)
    const messageSpan = messageContext === undefined ? undefined : trace.getSpanContext(messageContext)
    const links: Link[] = messageSpan === undefined ? [] : [{ context: messageSpan }]
    const parent = this.processSpanParent === 'message' && messageContext !== undefined ? messageContext : context.active()
    const attributes: Attributes = {
      ...this.recordAttributes(record, 'process', 'process', delivery?.groupId),
      [ATTR_MESSAGING_KAFKA_OFFSET]: Number(record.offset),
    }
    const key = keyAttribute(record.key)
    if (key !== undefined) attributes[ATTR_MESSAGING_KAFKA_MESSAGE_KEY] = key
    if (record.value === null) attributes[ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE] = true
    const span = this.tracer.startSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER, attributes, links }, parent)
    const metricAttributes = metricAttributesOf(attributes)
    const started = performance.now()
    try {
      const result = await context.with(trace.setSpan(parent, span), handler)
      this.instruments.processDuration.record((performance.now() - started) / 1000, metricAttributes)
      return result
    } catch (error) {
      const type = errorType(error)
      failSpan(span, error, type)
      this.instruments.processDuration.record((performance.now() - started) / 1000, { ...metricAttributes, [ATTR_ERROR_TYPE]: type })
      throw error
    } finally {
      span.end()
    }
  }

  /** Puts back the client's, producers' and consumers' own methods; spans and metrics stop. */
  disable(): void {
    if (this.disabled) return
    this.disabled = true
    for (const undo of this.restore.splice(0).reverse()) undo()
    this.lag.clear()
  }

  /** Replaces `kafka.producer` and `kafka.consumer` on this client so that what they make is instrumented. */
  private attach(kafka: Kafka): void {
    const producer = kafka.producer
    const consumer = kafka.consumer
    kafka.producer = (options) => this.instrumentProducer(producer.call(kafka, options))
    kafka.consumer = ((options: Parameters<Kafka['consumer']>[0]) => this.instrumentConsumer(consumer.call(kafka, options))) as Kafka['consumer']
    this.restore.push(() => {
      Reflect.deleteProperty(kafka, 'producer')
      Reflect.deleteProperty(kafka, 'consumer')
    })
  }

  /**
   * Requests to brokers, from the client's `kafkats:request:start`/`end` diagnostics channels:
   * every request of this client (producing, fetching, the group, metadata, admin), by broker and
   * API. The channels are process-wide; messages are matched to this client by its clientId.
   */
  private measureRequests(meter: ReturnType<MeterProvider['getMeter']>): void {
    const activeRequests = meter.createUpDownCounter('kafkats.client.active_requests', {
      unit: '{request}',
      description: 'Requests written to a broker and not yet answered (or failed), by broker and API.',
    })
    const requestDuration = meter.createHistogram('kafkats.client.request.duration', {
      unit: 's',
      description: 'From writing a request to its decoded response (or failure), by broker and API.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    })
    const clientId = this.kafka.clientId
    const attributesOf = (message: RequestStartMessage): Attributes => ({
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
      [ATTR_SERVER_ADDRESS]: message.broker.host,
      [ATTR_SERVER_PORT]: message.broker.port,
      [ATTR_KAFKATS_API_NAME]: message.apiName,
    })
    const unsubscribeStart = subscribeDiagnostics('kafkats:request:start', (message) => {
      if (message.clientId === clientId) activeRequests.add(1, attributesOf(message))
    })
    const unsubscribeEnd = subscribeDiagnostics('kafkats:request:end', (message) => {
      if (message.clientId !== clientId) return
      const attributes = attributesOf(message)
      activeRequests.add(-1, attributes)
      requestDuration.record(message.durationMs / 1000, message.error === null ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorType(message.error) })
    })
    this.restore.push(() => {
      unsubscribeStart()
      unsubscribeEnd()
    })
  }

  /**
   * The producers' record buffers (`bufferMaxBytes`), summed over the client's open producers,
   * from `kafka.metrics()` at each collection: how close sends are to waiting for buffer space.
   */
  private measureProducerBuffers(meter: ReturnType<MeterProvider['getMeter']>): void {
    const usage = meter.createObservableGauge('kafkats.producer.buffer.usage', {
      unit: 'By',
      description: "Bytes of records accepted by send() and not yet acknowledged or failed, over the client's producers.",
    })
    const limit = meter.createObservableGauge('kafkats.producer.buffer.limit', {
      unit: 'By',
      description: "The producers' bufferMaxBytes, summed over the client's producers.",
    })
    const observe = (observer: BatchObservableResult): void => {
      let usedBytes = 0
      let maxBytes = 0
      for (const producer of this.kafka.metrics().producers) {
        usedBytes += producer.bufferUsedBytes
        maxBytes += producer.bufferMaxBytes
      }
      const attributes = { [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA, [ATTR_MESSAGING_CLIENT_ID]: this.kafka.clientId }
      observer.observe(usage, usedBytes, attributes)
      observer.observe(limit, maxBytes, attributes)
    }
    meter.addBatchObservableCallback(observe, [usage, limit])
    this.restore.push(() => meter.removeBatchObservableCallback(observe, [usage, limit]))
  }

  private checkEnabled(): void {
    if (this.disabled) throw new InvalidStateError('this KafkaInstrumentation was disabled: call instrumentKafka again')
  }

  private traceSend(record: ProducerRecord, send: (record: ProducerRecord) => Promise<RecordMetadata>): Promise<RecordMetadata> {
    // A malformed record is the producer's to reject, with its own typed error.
    if (typeof record !== 'object' || record === null || typeof record.topic !== 'string') return send(record)
    const started = performance.now()
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR_MESSAGING_OPERATION_NAME]: 'send',
      [ATTR_MESSAGING_DESTINATION_NAME]: record.topic,
      [ATTR_MESSAGING_CLIENT_ID]: this.kafka.clientId,
    }
    if (typeof record.partition === 'number') attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(record.partition)
    const key = keyAttribute(record.key)
    if (key !== undefined) attributes[ATTR_MESSAGING_KAFKA_MESSAGE_KEY] = key
    if (record.value === null) attributes[ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE] = true
    const parent = context.active()
    const span = this.tracer.startSpan(`send ${record.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent)
    const spanContext = trace.setSpan(parent, span)
    const fields: Record<string, string> = {}
    this.propagator.inject(spanContext, fields, defaultTextMapSetter)
    const sent = context.with(spanContext, () => send(withTraceHeaders(record, fields)))
    return sent.then(
      (metadata) => {
        const done: Attributes = { [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(metadata.partition), ...this.serverOf(this.kafka.metadata.leaderFor(metadata.topic, metadata.partition)) }
        // acks=0 has no offset (-1): leave the attribute out rather than report a false one.
        if (metadata.offset >= 0n) span.setAttribute(ATTR_MESSAGING_KAFKA_OFFSET, Number(metadata.offset))
        span.setAttributes(done)
        span.end()
        const metricAttributes = metricAttributesOf({ ...attributes, ...done })
        this.instruments.sentMessages.add(1, metricAttributes)
        this.instruments.operationDuration.record((performance.now() - started) / 1000, metricAttributes)
        return metadata
      },
      (error: unknown) => {
        const type = errorType(error)
        failSpan(span, error, type)
        span.end()
        const metricAttributes = metricAttributesOf({ ...attributes, [ATTR_ERROR_TYPE]: type })
        this.instruments.sentMessages.add(1, metricAttributes)
        this.instruments.operationDuration.record((performance.now() - started) / 1000, metricAttributes)
        throw error
      },
    )
  }

  /** Batches a consumer handed to the application: metrics, lag, deliveries for `process`, and the poll spans. */
  private delivered(consumer: Consumer, batches: readonly FetchedBatch<unknown>[], startedMs: number, started: number): void {
    if (this.disabled) return
    const durationS = (performance.now() - started) / 1000
    const groupId = groupIdOf(consumer)
    const partitions = this.lag.get(consumer)
    for (const batch of batches) {
      partitions?.set(`${batch.topic}\0${batch.partition}`, { topic: batch.topic, partition: batch.partition, lag: Number(batch.highWatermark > batch.nextOffset ? batch.highWatermark - batch.nextOffset : 0n) })
      if (batch.records.length === 0) continue
      const links: Link[] = []
      for (const record of batch.records) {
        // A consumer with a `recordShape` hands out records of its own shape: their headers are
        // not kafkats' to read, so they get no trace context (the batch still counts).
        if (!isFetchedRecord(record)) continue
        const messageContext = this.extract(record)
        this.deliveries.set(record, { groupId, messageContext })
        const messageSpan = messageContext === undefined ? undefined : trace.getSpanContext(messageContext)
        if (messageSpan !== undefined) links.push({ context: messageSpan })
      }
      const attributes: Attributes = {
        ...this.recordAttributes(batch, 'receive', 'poll', groupId),
        [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: batch.records.length,
        ...this.serverOf(this.kafka.metadata.broker(batch.servedBy)),
      }
      const metricAttributes = metricAttributesOf(attributes)
      this.instruments.consumedMessages.add(batch.records.length, metricAttributes)
      this.instruments.operationDuration.record(durationS, metricAttributes)
      if (this.pollSpans) {
        // Created once the records are here, with the time the application asked for them: the
        // topic (span name, sampling attributes) and the links must be known at creation.
        this.tracer.startSpan(`poll ${batch.topic}`, { kind: SpanKind.CLIENT, attributes, links, startTime: startedMs }).end()
      }
    }
  }

  /** The producer's context from the record's headers; undefined when they carry none. */
  private extract(record: ConsumerRecord): Context | undefined {
    if (record.headers.length === 0) return undefined
    const extracted = this.propagator.extract(ROOT_CONTEXT, record, recordHeaderGetter)
    const spanContext = trace.getSpanContext(extracted)
    return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? extracted : undefined
  }

  private recordAttributes(where: { topic: string; partition: number }, operationType: string, operationName: string, groupId: string | undefined): Attributes {
    return {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
      [ATTR_MESSAGING_OPERATION_TYPE]: operationType,
      [ATTR_MESSAGING_OPERATION_NAME]: operationName,
      [ATTR_MESSAGING_DESTINATION_NAME]: where.topic,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(where.partition),
      [ATTR_MESSAGING_CLIENT_ID]: this.kafka.clientId,
      ...(groupId !== undefined ? { [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId } : {}),
    }
  }

  private serverOf(broker: { host: string; port: number } | undefined): Attributes {
    return broker === undefined ? {} : { [ATTR_SERVER_ADDRESS]: broker.host, [ATTR_SERVER_PORT]: broker.port }
  }
}

/**
 * Instruments one `Kafka` client: producers and consumers it makes from now on are traced and
 * measured (use `instrumentProducer`/`instrumentConsumer` on the result for ones made before).
 * `disable()` on the result undoes it.
 *
 * ```ts
 * const instrumentation = instrumentKafka(kafka, { tracerProvider, meterProvider })
 * ```
 */
export function instrumentKafka(kafka: Kafka, options: KafkaInstrumentationOptions = {}): KafkaInstrumentation {
  return new KafkaInstrumentation(kafka, options)
}

function groupIdOf(consumer: Consumer): string | undefined {
  return 'groupMetadata' in consumer ? consumer.groupMetadata().groupId : undefined
}

function failSpan(span: Span, error: unknown, type: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, type)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
  if (error instanceof Error) span.recordException(error)
}

/**
 * Metric attributes are the span's without the per-record ones (key, offset, tombstone, batch
 * size): those would give every record its own time series.
 */
function metricAttributesOf(attributes: Attributes): Attributes {
  const kept: Attributes = {}
  for (const [name, value] of Object.entries(attributes)) if (!PER_RECORD_ATTRIBUTES.has(name)) kept[name] = value
  return kept
}

const PER_RECORD_ATTRIBUTES = new Set([ATTR_MESSAGING_KAFKA_MESSAGE_KEY, ATTR_MESSAGING_KAFKA_OFFSET, ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE, ATTR_MESSAGING_BATCH_MESSAGE_COUNT])

/** A record in kafkats' own shape (`FetchedRecord`): its headers are an array (a `recordShape` may make anything). */
function isFetchedRecord(record: unknown): record is ConsumerRecord {
  return typeof record === 'object' && record !== null && Array.isArray((record as { headers?: unknown }).headers)
}

/**
 * `sendBatch(records, { metadata: 'partitions' })` of an instrumented producer: its records go one
 * by one through the traced `send`, so their summary per partition is made from their metadata,
 * as the producer makes it (sorted by topic, then partition).
 */
function partitionResultsOf(metadata: readonly RecordMetadata[]): PartitionProduceResult[] {
  const byKey = new Map<string, PartitionProduceResult>()
  for (const { topic, partition, offset, logStartOffset } of metadata) {
    const key = `${partition}:${topic}`
    const entry = byKey.get(key)
    if (entry === undefined) {
      byKey.set(key, { topic, partition, baseOffset: offset, lastOffset: offset, recordCount: 1, logStartOffset })
      continue
    }
    if (offset < entry.baseOffset) entry.baseOffset = offset
    if (offset > entry.lastOffset) entry.lastOffset = offset
    if (logStartOffset > entry.logStartOffset) entry.logStartOffset = logStartOffset
    entry.recordCount++
  }
  return [...byKey.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}
