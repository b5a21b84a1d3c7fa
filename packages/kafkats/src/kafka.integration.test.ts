import { clusterInfo } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, ConnectionError, Kafka, KafkaProtocolError, Offset } from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'umbrella-test', rack: 'rack-2' })
afterAll(() => kafka.close())

describe('Kafka (umbrella) against the real cluster', () => {
  it('runs the design §2 flow: admin creates, producer sends, direct and group consumers read', async () => {
    const topic = `umbrella-${Date.now()}`
    const admin = kafka.admin()
    const [created] = await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    expect(created?.error).toBeUndefined()

    const producer = kafka.producer({ lingerMs: 5, compression: 'lz4' })
    const acks = await producer.sendBatch(Array.from({ length: 300 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}`, headers: { n: String(i) } })))
    await producer.flush()
    await producer.close()
    expect(acks).toHaveLength(300)

    // offsets from the admin API go to the consumer as they are
    const start = await admin.listOffsets({ [topic]: 'earliest' })
    const direct = kafka.consumer({ assign: start })
    const values = new Set<string>()
    for await (const batch of direct) {
      for (const record of batch.records) values.add(new TextDecoder().decode(record.value!))
      if (values.size >= 300) break
    }
    await direct.close()
    expect(values.size).toBe(300)

    // hand-built offsets work the same way
    const handBuilt = kafka.consumer({ assign: { [topic]: { 0: Offset.at(0n), 1: Offset.earliest(), 2: Offset.latest() } } })
    // Partitions 0 and 1 are read from the start; partition 2 starts at its end, so it yields only
    // a record produced after the consumer started.
    const perPartition = [0, 1, 2].map((partition) => acks.filter((ack) => ack.partition === partition).length)
    const readFrom = new Map<number, number>()
    const readUntil = async (done: () => boolean): Promise<void> => {
      for (let polls = 0; polls < 200 && !done(); polls++) {
        for (const batch of await handBuilt.poll()) readFrom.set(batch.partition, (readFrom.get(batch.partition) ?? 0) + batch.records.length)
      }
    }
    await readUntil(() => (readFrom.get(0) ?? 0) >= perPartition[0]! && (readFrom.get(1) ?? 0) >= perPartition[1]!)
    expect([readFrom.get(0) ?? 0, readFrom.get(1) ?? 0, readFrom.get(2) ?? 0]).toEqual([perPartition[0], perPartition[1], 0])
    const late = kafka.producer()
    const lateAck = await late.send({ topic, partition: 2, key: 'late', value: 'after the consumer started' })
    await late.close()
    expect(lateAck.offset).toBe(BigInt(perPartition[2]!))
    await readUntil(() => (readFrom.get(2) ?? 0) >= 1)
    await handBuilt.close()
    expect(readFrom.get(2)).toBe(1)

    const group = kafka.consumer({ groupId: `${topic}-group`, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false })
    let consumed = 0
    for await (const batch of group) {
      consumed += batch.records.length
      await group.commit(batch)
      if (consumed >= 301) break
    }
    await group.close()
    expect(consumed).toBe(301)
    const lag = await admin.groupLag(`${topic}-group`)
    expect(lag.totalLag).toBe(0n)
  })

  it('gives typed errors that say what to do for bad input', async () => {
    expect(() => new Kafka({ bootstrapBrokers: [] })).toThrow(ConfigError)
    expect(() => new Kafka({ bootstrapBrokers: ['no-port-here'] })).toThrow(/host:port/)

    const unreachable = new Kafka({ bootstrapBrokers: ['127.0.0.1:1'], connectTimeoutMs: 500 })
    const error = await unreachable.admin().listTopics().catch((caught: unknown) => caught)
    await unreachable.close()
    expect(ConnectionError.isInstance(error)).toBe(true)
    expect(String(error)).toMatch(/127\.0\.0\.1:1/)

    const unknown = await kafka.admin().describeTopics([`no-such-topic-${Date.now()}`])
    expect(KafkaProtocolError.isInstance(unknown[0]?.error)).toBe(true)
    expect(unknown[0]?.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')

    const badConfig = await kafka
      .admin()
      .createTopics([{ topic: `bad-config-${Date.now()}`, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': 'not-a-number' } }])
      .catch((caught: unknown) => [{ error: caught }])
    expect(String(badConfig[0]?.error)).toMatch(/INVALID_CONFIG|retention\.ms/)

    expect(() => kafka.producer({ acks: 1 })).toThrow(ConfigError)
  })
})
