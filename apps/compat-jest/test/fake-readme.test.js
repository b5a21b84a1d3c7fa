const { FakeCluster } = require('@kafkats/fake')
const { Kafka } = require('kafkats')

// The code under test: any Kafka client pointed at the cluster's bootstrap servers.
async function publishOrder(bootstrapBrokers, order) {
  const kafka = new Kafka({ bootstrapBrokers, clientId: 'orders-service' })
  try {
    await kafka.producer().send({ topic: 'orders', value: JSON.stringify(order) })
  } finally {
    await kafka.close()
  }
}

let cluster
beforeAll(async () => {
  cluster = await FakeCluster.start({ brokers: 1, topics: [{ name: 'orders' }] })
})
afterAll(() => cluster.close())

test('publishOrder retries a NOT_LEADER_OR_FOLLOWER', async () => {
  cluster.injectError({ api: 'Produce', error: 'NOT_LEADER_OR_FOLLOWER', times: 1 })
  await publishOrder(cluster.bootstrap, { id: 42 })
  expect(cluster.requestsOf('Produce')).toHaveLength(2)
  expect(cluster.partition('orders', 0).logEndOffset).toBe(1n)
})
