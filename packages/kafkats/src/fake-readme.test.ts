import { FakeCluster } from '@kafkats/fake'
import { Kafka, Offset } from 'kafkats'
import { afterAll, beforeAll, expect, it } from 'vitest'

let cluster: FakeCluster
beforeAll(async () => {
  cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'] })
})
afterAll(() => cluster.close())

it('reads from the follower in its rack', async () => {
  cluster.createTopic('orders', { partitions: 1, replicationFactor: 3 }) // leader: broker 1 (rack a)
  const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap, rack: 'c' })
  await kafka.producer().send({ topic: 'orders', value: 'hello' })
  const consumer = kafka.consumer({ assign: { orders: { 0: Offset.earliest() } } })
  for await (const batch of consumer) {
    expect(batch.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(['hello'])
    break
  }
  await kafka.close()
  expect(cluster.requestsOf('Fetch', 3).length).toBeGreaterThan(0) // broker 3 (rack c) served it
})
