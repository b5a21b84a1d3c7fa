import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { clusterInfo } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, Offset } from '../index.js'

/*
 * KIP-714 against the real cluster. The test cluster's brokers (Kafka 4.x) run
 * tools/testkit/kafka-dist/telemetry/KafkatsTelemetryReceiver.java, which appends every accepted
 * push to <node dir>/client-telemetry.jsonl together with Kafka's own decoding of the OTLP bytes
 * (the protobuf classes shipped in kafka-clients), so the assertions below read our payload
 * through an independent decoder.
 */

interface DecodedPoint {
  startTimeUnixNano: string
  timeUnixNano: string
  value: number
  attributes: Record<string, string | number | boolean>
}
interface DecodedMetric {
  name: string
  unit: string
  type: string
  temporality?: string
  monotonic?: boolean
  points: DecodedPoint[]
}
interface ReceivedPush {
  clientInstanceId: string
  terminating: boolean
  contentType: string
  clientId: string
  bytesBase64: string
  decoded: { resourceAttributes: Record<string, string>; metrics: DecodedMetric[] } | string
}

const cluster = clusterInfo()
const unique = `kip714-${process.pid}-${Date.now()}`
const admin = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: `${unique}-admin`, enableMetricsPush: false })
const subscription = { type: 'client-metrics' as const, name: `${unique}-subscription` }

function receivedPushes(clientInstanceId: string): ReceivedPush[] {
  const pushes: ReceivedPush[] = []
  for (const node of cluster.nodes) {
    const file = join(node.dir, 'client-telemetry.jsonl')
    if (!existsSync(file)) continue
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue
      const push = JSON.parse(line) as ReceivedPush
      if (push.clientInstanceId === clientInstanceId) pushes.push(push)
    }
  }
  return pushes
}

function metricsOf(push: ReceivedPush): DecodedMetric[] {
  if (typeof push.decoded === 'string') throw new Error(`the broker could not decode a push: ${push.decoded}`)
  return push.decoded.metrics
}

/** A counter's value as of `upTo` pushes: the last point (cumulative) or the sum of all points so far (delta). */
function counterValue(pushes: readonly ReceivedPush[], name: string): number {
  let total = 0
  for (const push of pushes) {
    const metric = metricsOf(push).find((m) => m.name === name)
    if (metric === undefined) continue
    expect(metric.type).toBe('sum')
    expect(metric.monotonic).toBe(true)
    const value = metric.points.reduce((sum, point) => sum + point.value, 0)
    total = metric.temporality === 'AGGREGATION_TEMPORALITY_DELTA' ? total + value : value
  }
  return total
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Each broker applies a client-metrics config when it reads it from the metadata log, and a client
 * that asks before that is told "no metrics" and, as KIP-714 says, asks again only after the
 * broker's default interval (5 minutes). So before the client under test starts, short-lived
 * probes with the same client id (one bootstrapped from each broker) must each get a push
 * accepted: then the brokers have the subscription (they apply it within moments of each other).
 */
async function subscriptionAppliedEverywhere(clientId: string): Promise<void> {
  for (const broker of cluster.bootstrap.plaintext) {
    const deadline = Date.now() + 60_000
    for (;;) {
      const probe = new Kafka({ bootstrapBrokers: [broker], clientId })
      probe.producer()
      const started = Date.now()
      while (Date.now() - started < 3_000) {
        const id = probe.clientInstanceId()
        if (id !== null && receivedPushes(id).length > 0) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const id = probe.clientInstanceId()
      const pushed = id !== null && receivedPushes(id).length > 0
      await probe.close()
      if (pushed) break
      if (Date.now() > deadline) throw new Error(`broker ${broker} did not apply the client-metrics subscription within 60 s`)
    }
  }
}

afterAll(async () => {
  await admin
    .admin()
    .incrementalAlterConfigs([{ ...subscription, operations: ['metrics', 'interval.ms', 'match'].map((key) => ({ key, op: 'delete' as const })) }])
    .catch(() => undefined)
  await admin.close()
})

describe('KIP-714 client telemetry against the real cluster', () => {
  it('pushes producer and consumer metrics that follow the traffic, then a terminating push on close', async () => {
    expect(cluster.kafkaVersion.startsWith('4.'), 'the telemetry receiver is configured on Kafka 4.x test clusters only').toBe(true)
    const clientId = `${unique}-client`
    const topic = `${unique}-topic`
    const adminClient = admin.admin()
    await adminClient.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    // The subscription: only this test's client (match on client_id), a short interval so the test is quick.
    const [altered] = await adminClient.incrementalAlterConfigs([
      {
        ...subscription,
        operations: [
          { key: 'metrics', op: 'set', value: 'org.apache.kafka.producer.,org.apache.kafka.consumer.fetch.manager.' },
          { key: 'interval.ms', op: 'set', value: '500' },
          { key: 'match', op: 'set', value: `client_id=${clientId}` },
        ],
      },
    ])
    expect(altered!.error).toBeUndefined()
    await subscriptionAppliedEverywhere(clientId)

    const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId })
    const producer = kafka.producer()
    await until(() => kafka.clientInstanceId() !== null, 'the client instance id from GetTelemetrySubscriptions', 30_000)
    const instanceId = kafka.clientInstanceId()!
    // A broker applies a new client-metrics config within moments; the first push shows it took.
    await until(() => receivedPushes(instanceId).length > 0, 'the first push')

    await producer.sendBatch(Array.from({ length: 120 }, (_, i) => ({ topic, key: `k${i}`, value: `value-${i}` })))
    await until(() => counterValue(receivedPushes(instanceId), 'org.apache.kafka.producer.record.send.total') === 120, 'a push counting 120 sent records')
    await producer.sendBatch(Array.from({ length: 80 }, (_, i) => ({ topic, key: `k${i}`, value: `value-${i}` })))
    await until(() => counterValue(receivedPushes(instanceId), 'org.apache.kafka.producer.record.send.total') === 200, 'a push counting 200 sent records')

    const consumer = kafka.consumer({ assign: { [topic]: { 0: Offset.earliest(), 1: Offset.earliest(), 2: Offset.earliest() } } })
    let consumed = 0
    for await (const batch of consumer.batches()) {
      consumed += batch.records.length
      if (consumed >= 200) break
    }
    expect(consumed).toBe(200)
    await until(
      () => counterValue(receivedPushes(instanceId), 'org.apache.kafka.consumer.fetch.manager.records.consumed.total') === 200,
      'a push counting 200 consumed records',
    )

    const beforeClose = receivedPushes(instanceId).length
    await kafka.close()
    const pushes = receivedPushes(instanceId)
    expect(pushes.length).toBe(beforeClose + 1)
    const terminating = pushes.filter((push) => push.terminating)
    expect(terminating).toHaveLength(1)
    expect(pushes.at(-1)!.terminating).toBe(true)

    for (const push of pushes) {
      // what Kafka 4.3.1's broker calls an OTLP MetricsData payload it decoded
      expect(push.contentType).toBe('OTLP')
      expect(push.clientId).toBe(clientId)
      expect(Buffer.from(push.bytesBase64, 'base64').length).toBeGreaterThan(0)
      const decoded = push.decoded
      if (typeof decoded === 'string') throw new Error(decoded)
      expect(decoded.resourceAttributes).toMatchObject({ client_id: clientId, client_software_name: 'kafkats' })
      // the subscription's prefixes select what is sent: no consumer coordinator metric
      for (const metric of decoded.metrics) expect(metric.name.startsWith('org.apache.kafka.producer.') || metric.name.startsWith('org.apache.kafka.consumer.fetch.manager.')).toBe(true)
    }
    const names = new Set(pushes.flatMap((push) => metricsOf(push).map((m) => m.name)))
    expect([...names].sort()).toEqual([
      'org.apache.kafka.consumer.fetch.manager.bytes.consumed.total',
      'org.apache.kafka.consumer.fetch.manager.fetch.total',
      'org.apache.kafka.consumer.fetch.manager.records.consumed.total',
      'org.apache.kafka.producer.record.error.total',
      'org.apache.kafka.producer.record.send.total',
    ])
    expect(counterValue(pushes, 'org.apache.kafka.producer.record.send.total')).toBe(200)
    expect(counterValue(pushes, 'org.apache.kafka.producer.record.error.total')).toBe(0)
    expect(counterValue(pushes, 'org.apache.kafka.consumer.fetch.manager.records.consumed.total')).toBe(200)
    expect(counterValue(pushes, 'org.apache.kafka.consumer.fetch.manager.bytes.consumed.total')).toBeGreaterThan(200 * 'value-0'.length)
    expect(counterValue(pushes, 'org.apache.kafka.consumer.fetch.manager.fetch.total')).toBeGreaterThan(0)
  })

  it('pushes nothing with enableMetricsPush: false, though the subscription matches', async () => {
    const clientId = `${unique}-client`
    const lines = (): number => cluster.nodes.reduce((sum, node) => {
      const file = join(node.dir, 'client-telemetry.jsonl')
      return sum + (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.includes(`"clientId":"${clientId}"`)).length : 0)
    }, 0)
    const before = lines()
    expect(before).toBeGreaterThan(0) // the first test pushed under this client id
    const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId, enableMetricsPush: false })
    await kafka.producer().send({ topic: `${unique}-topic`, value: 'x' })
    // four push intervals of the subscription
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(kafka.clientInstanceId()).toBeNull()
    await kafka.close()
    expect(lines()).toBe(before)
  })
})
