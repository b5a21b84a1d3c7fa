// A kafkats client connected to an in-process fake cluster through its socketFactory: every
// connection in memory, the same behaviour as over TCP, failover included.
import type { Duplex } from 'node:stream'
import { FakeCluster } from '@kafkats/fake'
import { afterEach, expect, it } from 'vitest'
import { ConfigError, Kafka, Offset, type SocketTarget } from './index.js'

const closing: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close()
})

async function start(): Promise<{ cluster: FakeCluster; kafka: Kafka; opened: string[] }> {
  const cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'] })
  closing.push(() => cluster.close())
  const opened: string[] = []
  const kafka = new Kafka({
    bootstrapBrokers: cluster.bootstrap,
    socketFactory: (target: SocketTarget): Duplex | undefined => {
      const stream = cluster.socketFactory(target)
      opened.push(`${target.host}:${target.port} ${stream === undefined ? 'tcp' : 'memory'}`)
      return stream
    },
  })
  closing.push(() => kafka.close())
  return { cluster, kafka, opened }
}

it('produces and consumes with every connection in memory', async () => {
  const { cluster, kafka, opened } = await start()
  await kafka.admin().createTopics([{ topic: 'orders', partitions: 3, replicationFactor: 3 }])
  const records = Array.from({ length: 2_000 }, (_, i) => ({ topic: 'orders', key: `customer-${i % 50}`, value: `order-${i}` }))
  const acknowledged = await kafka.producer().sendBatch(records)
  expect(acknowledged).toHaveLength(2_000)
  const consumer = kafka.consumer({ assign: { orders: { 0: Offset.earliest(), 1: Offset.earliest(), 2: Offset.earliest() } } })
  const values: string[] = []
  for await (const batch of consumer) {
    for (const record of batch.records) values.push(new TextDecoder().decode(record.value!))
    if (values.length >= 2_000) break
  }
  expect(values.sort()).toEqual(records.map((r) => r.value).sort())
  expect(opened.length).toBeGreaterThan(3)
  expect(opened.every((line) => line.endsWith(' memory'))).toBe(true)
  expect(cluster.requestsOf('Produce').length).toBeGreaterThan(0)
})

it('fails over when a broker is killed: its in-memory connections are cut, and the client goes on with the others', async () => {
  const { cluster, kafka } = await start()
  cluster.createTopic('payments', { partitions: 1, replicationFactor: 3 })
  const producer = kafka.producer()
  await producer.send({ topic: 'payments', value: 'before' })
  const leader = cluster.partition('payments', 0).leader
  await cluster.kill(leader)
  await producer.send({ topic: 'payments', value: 'after' })
  expect(cluster.partition('payments', 0).leader).not.toBe(leader)
  const consumer = kafka.consumer({ assign: { payments: { 0: Offset.earliest() } } })
  const values: string[] = []
  for await (const batch of consumer) {
    for (const record of batch.records) values.push(new TextDecoder().decode(record.value!))
    if (values.length >= 2) break
  }
  expect(values).toEqual(['before', 'after'])
})

it('refuses a socketFactory that is not a function with a ConfigError naming it', () => {
  let error: unknown
  try {
    new Kafka({ bootstrapBrokers: ['127.0.0.1:9092'], socketFactory: 'memory' as never })
  } catch (caught) {
    error = caught
  }
  expect(ConfigError.isInstance(error)).toBe(true)
  expect((error as ConfigError).option).toBe('socketFactory')
  expect((error as ConfigError).message).toContain('memory')
})
