import { silentLogger } from '@kafkats/connection'
import {
  type ApiDefinition,
  COMPRESSION_CODEC_IDS,
  decompress,
  ErrorCode,
  GetTelemetrySubscriptionsApi,
  type GetTelemetrySubscriptionsRequest,
  type GetTelemetrySubscriptionsResponse,
  PushTelemetryApi,
  type PushTelemetryRequest,
  Reader,
  Writer,
  ZERO_UUID,
} from '@kafkats/protocol'
import { UnsupportedVersionError } from '@kafkats/connection'
import { describe, expect, it } from 'vitest'
import { ClientTelemetry, pickCodec } from './client-telemetry.js'
import { encodeMetricsData } from './otlp.js'
import type { MetricSample } from './telemetry-metrics.js'
import { metricSelector, toOtlpMetrics } from './telemetry-metrics.js'


const ASSIGNED_ID = 'q7HqcxrTQyC1yxXy5bVwOg'

/**
 * A broker on the other side of real request and response bytes: every request is encoded and
 * decoded with the generated codecs, and so is the scripted answer.
 */
class ScriptedBroker {
  readonly subscriptionRequests: GetTelemetrySubscriptionsRequest[] = []
  readonly pushes: PushTelemetryRequest[] = []
  subscription: Partial<GetTelemetrySubscriptionsResponse> = {}
  pushErrors: number[] = []
  /** Applied to `subscription` when a push arrives (an operator changing the subscription meanwhile). */
  subscriptionAfterPush: Partial<GetTelemetrySubscriptionsResponse> | null = null

  readonly transport = async <Request, Response>(api: ApiDefinition<Request, Response>, request: Request): Promise<Response> => {
    const version = api.maxVersion
    const writer = new Writer()
    api.encodeRequest(writer, version, request)
    const decoded = api.decodeRequest(new Reader(writer.finish()), version)
    let answer: unknown
    if (api.apiKey === GetTelemetrySubscriptionsApi.apiKey) {
      const req = decoded as GetTelemetrySubscriptionsRequest
      this.subscriptionRequests.push(req)
      answer = GetTelemetrySubscriptionsApi.createResponse({
        clientInstanceId: req.clientInstanceId === ZERO_UUID ? ASSIGNED_ID : ZERO_UUID,
        subscriptionId: 7,
        pushIntervalMs: 40,
        telemetryMaxBytes: 1 << 20,
        acceptedCompressionTypes: [],
        requestedMetrics: ['org.apache.kafka.producer.'],
        ...this.subscription,
      })
    } else {
      this.pushes.push(decoded as PushTelemetryRequest)
      if (this.subscriptionAfterPush !== null) this.subscription = { ...this.subscription, ...this.subscriptionAfterPush }
      answer = PushTelemetryApi.createResponse({ errorCode: this.pushErrors.shift() ?? 0 })
    }
    const responseWriter = new Writer()
    api.encodeResponse(responseWriter, version, answer as Response)
    return api.decodeResponse(new Reader(responseWriter.finish()), version)
  }
}

function sampler(): { samples: MetricSample[]; collect: () => MetricSample[] } {
  const state = {
    samples: [
      { name: 'org.apache.kafka.producer.record.send.total', description: '', unit: '{record}', kind: 'counter', attributes: {}, value: 0 },
      { name: 'org.apache.kafka.consumer.fetch.manager.fetch.total', description: '', unit: '{request}', kind: 'counter', attributes: {}, value: 0 },
    ] as MetricSample[],
    collect: () => state.samples.map((s) => ({ ...s })),
  }
  return state
}

function telemetry(broker: ScriptedBroker, collect: () => MetricSample[]): ClientTelemetry {
  return new ClientTelemetry({
    transport: broker.transport,
    collect,
    resourceAttributes: { client_id: 'unit' },
    logger: silentLogger,
    retryBackoffMs: 20,
    random: () => 0,
  })
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Metric names found in an OTLP payload, read by scanning for the Metric.name strings we know. */
function containsName(payload: Uint8Array, name: string): boolean {
  return Buffer.from(payload).includes(Buffer.from(name))
}

describe('ClientTelemetry', () => {
  it('asks with the zero id first, then with the id the broker assigned, and pushes only the requested prefix', async () => {
    const broker = new ScriptedBroker()
    const metrics = sampler()
    const client = telemetry(broker, metrics.collect)
    client.start()
    await until(() => broker.pushes.length >= 2, 'two pushes')
    expect(broker.subscriptionRequests[0]!.clientInstanceId).toBe(ZERO_UUID)
    expect(client.clientInstanceId).toBe(ASSIGNED_ID)
    for (const push of broker.pushes) {
      expect(push.clientInstanceId).toBe(ASSIGNED_ID)
      expect(push.subscriptionId).toBe(7)
      expect(push.terminating).toBe(false)
      expect(push.compressionType).toBe(0)
      expect(containsName(push.metrics, 'org.apache.kafka.producer.record.send.total')).toBe(true)
      expect(containsName(push.metrics, 'org.apache.kafka.consumer.')).toBe(false)
    }
    await client.close()
    const last = broker.pushes.at(-1)!
    expect(last.terminating).toBe(true)
    expect(client.state).toBe('terminated')
  })

  it('pushes nothing for an empty RequestedMetrics and asks again after the interval', async () => {
    const broker = new ScriptedBroker()
    broker.subscription = { requestedMetrics: [] }
    const client = telemetry(broker, sampler().collect)
    client.start()
    await until(() => broker.subscriptionRequests.length >= 3, 'three subscription requests')
    expect(broker.pushes).toHaveLength(0)
    expect(broker.subscriptionRequests.slice(1).every((r) => r.clientInstanceId === ASSIGNED_ID)).toBe(true)
    await client.close()
    // nothing subscribed: no terminating push either
    expect(broker.pushes).toHaveLength(0)
  })

  it('re-fetches the subscription at once on UNKNOWN_SUBSCRIPTION_ID and uses the new id', async () => {
    const broker = new ScriptedBroker()
    broker.pushErrors = [ErrorCode.UNKNOWN_SUBSCRIPTION_ID]
    broker.subscriptionAfterPush = { subscriptionId: 8 }
    const client = telemetry(broker, sampler().collect)
    client.start()
    await until(() => broker.pushes.length >= 2, 'a push after the re-fetch')
    expect(broker.subscriptionRequests).toHaveLength(2)
    expect(broker.pushes[0]!.subscriptionId).toBe(7)
    expect(broker.pushes[1]!.subscriptionId).toBe(8)
    await client.close()
  })

  for (const error of ['INVALID_REQUEST', 'INVALID_RECORD', 'UNSUPPORTED_VERSION'] as const) {
    it(`stops for good on ${error}`, async () => {
      const broker = new ScriptedBroker()
      broker.pushErrors = [ErrorCode[error]]
      const client = telemetry(broker, sampler().collect)
      client.start()
      await until(() => client.state === 'stopped', 'stopped')
      await new Promise((resolve) => setTimeout(resolve, 150))
      expect(broker.pushes).toHaveLength(1)
      await client.close()
      expect(broker.pushes).toHaveLength(1)
    })
  }

  it('keeps pushing at the interval after THROTTLING_QUOTA_EXCEEDED', async () => {
    const broker = new ScriptedBroker()
    broker.pushErrors = [ErrorCode.THROTTLING_QUOTA_EXCEEDED]
    const client = telemetry(broker, sampler().collect)
    client.start()
    await until(() => broker.pushes.length >= 2, 'a push after the throttled one')
    expect(broker.subscriptionRequests).toHaveLength(1)
    await client.close()
  })

  it('stops when the broker does not offer the telemetry APIs', async () => {
    const client = new ClientTelemetry({
      transport: () => Promise.reject(new UnsupportedVersionError('broker does not support GetTelemetrySubscriptions', 'GetTelemetrySubscriptions')),
      collect: () => [],
      resourceAttributes: {},
      logger: silentLogger,
      retryBackoffMs: 10,
    })
    client.start()
    await until(() => client.state === 'stopped', 'stopped')
    expect(client.collecting).toBe(false)
    await client.close()
  })

  it('does not let a broker that stopped answering hold up close', async () => {
    const broker = new ScriptedBroker()
    const client = new ClientTelemetry({
      transport: (api, request) => (api.apiKey === PushTelemetryApi.apiKey ? new Promise(() => undefined) : broker.transport(api, request)),
      collect: sampler().collect,
      resourceAttributes: {},
      logger: silentLogger,
      retryBackoffMs: 10,
      closeTimeoutMs: 100,
      random: () => 0,
    })
    client.start()
    await until(() => client.state === 'push-in-progress', 'a push that never gets an answer')
    const started = Date.now()
    await client.close()
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    expect(client.state).toBe('terminated')
  })

  it('compresses with a codec the broker accepts', async () => {
    const broker = new ScriptedBroker()
    broker.subscription = { acceptedCompressionTypes: [COMPRESSION_CODEC_IDS.gzip] }
    const client = telemetry(broker, sampler().collect)
    client.start()
    await until(() => broker.pushes.length >= 1, 'a push')
    const push = broker.pushes[0]!
    expect(push.compressionType).toBe(COMPRESSION_CODEC_IDS.gzip)
    const plain = await decompress('gzip', push.metrics)
    expect(containsName(plain, 'org.apache.kafka.producer.record.send.total')).toBe(true)
    await client.close()
  })

  it('does not push a payload larger than TelemetryMaxBytes', async () => {
    const broker = new ScriptedBroker()
    broker.subscription = { telemetryMaxBytes: 10 }
    const client = telemetry(broker, sampler().collect)
    client.start()
    await until(() => client.state === 'push-needed' && broker.subscriptionRequests.length === 1, 'a subscription')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(broker.pushes).toHaveLength(0)
    await client.close()
  })

  it('sends deltas when the subscription asks for delta temporality', async () => {
    const broker = new ScriptedBroker()
    broker.subscription = { deltaTemporality: true, requestedMetrics: [''] }
    const metrics = sampler()
    metrics.samples[0]!.value = 5
    const client = telemetry(broker, metrics.collect)
    client.start()
    await until(() => broker.pushes.length >= 1, 'a push')
    metrics.samples[0]!.value = 12
    const before = broker.pushes.length
    await until(() => broker.pushes.length > before, 'a second push')
    // as_int (sfixed64, field 6) of the first data point: 5 in the first push, 12 - 5 in the next
    expect(firstIntValue(broker.pushes[0]!.metrics)).toBe(5n)
    expect(firstIntValue(broker.pushes[before]!.metrics)).toBe(7n)
    await client.close()
  })
})

describe('metricSelector', () => {
  it('follows KIP-714: empty list none, empty string (or *) all, otherwise prefixes', () => {
    expect(metricSelector([])('org.apache.kafka.producer.x')).toBe(false)
    expect(metricSelector([''])('anything')).toBe(true)
    expect(metricSelector(['*'])('anything')).toBe(true)
    const some = metricSelector(['org.apache.kafka.consumer.fetch', 'org.apache.kafka.producer.record.send'])
    expect(some('org.apache.kafka.consumer.fetch.manager.fetch.total')).toBe(true)
    expect(some('org.apache.kafka.producer.record.send.total')).toBe(true)
    expect(some('org.apache.kafka.producer.record.error.total')).toBe(false)
  })
})

describe('pickCodec', () => {
  it('takes a codec the broker accepts, none when it accepts nothing known', () => {
    expect(pickCodec([])).toBe('none')
    expect(pickCodec([COMPRESSION_CODEC_IDS.gzip, COMPRESSION_CODEC_IDS.lz4])).toBe('lz4')
    expect(pickCodec([99])).toBe('none')
  })
})

describe('encodeMetricsData', () => {
  it('writes the protobuf bytes the OTLP schema gives for one cumulative sum', () => {
    const metrics = toOtlpMetrics(
      [{ name: 'a', description: '', unit: '', kind: 'counter', attributes: { t: 'x' }, value: 3 }],
      { deltaTemporality: false, nowUnixNano: 2n, startUnixNano: 1n, lastPushUnixNano: 1n, previous: new Map() },
    )
    const bytes = encodeMetricsData({ resourceAttributes: { k: 'v' }, scopeName: 's', scopeVersion: '', metrics })
    // Worked out by hand from metrics.proto / common.proto / resource.proto field numbers.
    const kv = [0x0a, 0x01, 0x6b, 0x12, 0x03, 0x0a, 0x01, 0x76] // KeyValue{key "k", value AnyValue{string_value "v"}}
    const resource = [0x0a, kv.length, ...kv] // Resource{attributes}
    const scope = [0x0a, 0x01, 0x73] // InstrumentationScope{name "s"}
    const attr = [0x0a, 0x01, 0x74, 0x12, 0x03, 0x0a, 0x01, 0x78]
    const point = [0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x19, 2, 0, 0, 0, 0, 0, 0, 0, 0x31, 3, 0, 0, 0, 0, 0, 0, 0, 0x3a, attr.length, ...attr]
    const sum = [0x0a, point.length, ...point, 0x10, 0x02, 0x18, 0x01] // Sum{data_points, CUMULATIVE, is_monotonic}
    const metric = [0x0a, 0x01, 0x61, 0x3a, sum.length, ...sum] // Metric{name "a", sum = 7}
    const scopeMetrics = [0x0a, scope.length, ...scope, 0x12, metric.length, ...metric]
    const resourceMetrics = [0x0a, resource.length, ...resource, 0x12, scopeMetrics.length, ...scopeMetrics]
    expect([...bytes]).toEqual([0x0a, resourceMetrics.length, ...resourceMetrics])
  })
})

/** The first NumberDataPoint.as_int in a payload: the 8 bytes after the first 0x31 tag that follows a time_unix_nano (0x19) field. */
function firstIntValue(payload: Uint8Array): bigint {
  for (let i = 0; i + 18 < payload.length; i++) {
    if (payload[i] === 0x19 && payload[i + 9] === 0x31) return Buffer.from(payload).readBigInt64LE(i + 10)
  }
  throw new Error('no as_int data point in the payload')
}
