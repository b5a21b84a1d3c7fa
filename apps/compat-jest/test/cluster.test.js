// Produce and consume against the real cluster through require('kafkats'), once per codec.
const { Kafka, Offset } = require('kafkats')

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean)
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const COUNT = 200

describe('kafkats through require() against the real cluster', () => {
  let kafka
  const topic = `compat-jest-${Date.now()}`

  beforeAll(async () => {
    // the suite is run by .ci/suites/jest.sh with the cluster up; without it this must fail, not pass
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: start the cluster (npm run kafka:up) and pass its bootstrap')
    kafka = new Kafka({ bootstrapBrokers: brokers, clientId: 'compat-jest' })
    const [created] = await kafka.admin().createTopics([{ topic, partitions: CODECS.length, replicationFactor: 3 }])
    expect(created.error).toBeUndefined()
  })

  afterAll(async () => {
    await kafka?.close()
  })

  test.each(CODECS.map((codec, partition) => [codec, partition]))('produces and consumes %s records', async (codec, partition) => {
    const producer = kafka.producer({ compression: codec, lingerMs: 5 })
    const records = Array.from({ length: COUNT }, (_, i) => ({ topic, partition, key: `k${i}`, value: `${codec}-${i}-${'x'.repeat(i % 50)}` }))
    const acks = await producer.sendBatch(records)
    await producer.close()
    expect(acks).toHaveLength(COUNT)

    const consumer = kafka.consumer({ assign: { [topic]: { [partition]: Offset.earliest() } } })
    const values = []
    try {
      for await (const batch of consumer) {
        for (const record of batch.records) values.push(Buffer.from(record.value).toString())
        if (values.length >= COUNT) break
      }
    } finally {
      await consumer.close()
    }
    expect(values).toEqual(records.map((record) => record.value))
  })
})
