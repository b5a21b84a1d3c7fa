import { clusterInfo, eventually } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaJSNonRetriableError, logLevel } from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ clientId: 'kafkajs-compat-txn', brokers: cluster.bootstrap.plaintext, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const unique = (name: string): string => `kafkajs-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

beforeAll(() => admin.connect())
afterAll(() => admin.disconnect())

/** Every value a consumer of `topic` sees within a few seconds, reading committed or uncommitted data. */
async function readAll(topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: unique('reader'), readUncommitted, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const values: string[] = []
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) })
  await eventually(async () => {
    if (values.length < expected) throw new Error(`read ${values.length} of ${expected}`)
  }, 30_000)
  // Anything that should not be seen would have arrived with the rest; give it a moment more.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await consumer.disconnect()
  return values
}

describe('transactions through the KafkaJS API', () => {
  it('a committed transaction is visible to a read_committed consumer, an aborted one is not; sendOffsets commits with it', async () => {
    const topic = unique('txn')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3 }] })
    const producer = kafka.producer({ transactionalId: unique('txn-id'), idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    // As in KafkaJS, a send outside a transaction is an ordinary (idempotent) send: visible at once.
    expect(await producer.send({ topic, messages: [{ value: 'outside', partition: 1 }] })).toMatchObject([{ partition: 1, baseOffset: '0' }])

    const committed = await producer.transaction()
    expect(committed.isActive()).toBe(true)
    await committed.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `committed-${i}` })) })
    await committed.sendOffsets({ consumerGroupId: `${topic}-group`, topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }] })
    await committed.commit()
    expect(committed.isActive()).toBe(false)

    const aborted = await producer.transaction()
    await aborted.sendBatch({ topicMessages: [{ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `aborted-${i}` })) }] })
    await aborted.sendOffsets({ consumerGroupId: `${topic}-group`, topics: [{ topic, partitions: [{ partition: 0, offset: '99' }] }] })
    await aborted.abort()
    await expect(aborted.commit()).rejects.toThrow('Cannot continue to use transaction once ended')
    await producer.disconnect()

    const readCommitted = await readAll(topic, false, 11)
    expect(readCommitted.sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `committed-${i}`), 'outside'].sort())
    const readUncommitted = await readAll(topic, true, 16)
    expect(readUncommitted.filter((v) => v.startsWith('aborted-'))).toHaveLength(5)

    // The offsets sent in the committed transaction are the group's; those of the aborted one are not.
    const [offsets] = await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] })
    expect(offsets!.partitions.find((p) => p.partition === 0)!.offset).toBe('7')
  })
  it('an ended transaction rejects every call with the KafkaJS message, whatever its arguments; a bad record in an open one rejects too', async () => {
    const topic = unique('txn-ended')
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
    const producer = kafka.producer({ transactionalId: unique('txn-id'), idempotent: true })
    await producer.connect()
    try {
      const txn = await producer.transaction()
      // A missing record is refused as a rejection (KafkaJS code awaits it), not a TypeError thrown on the spot.
      const missing = txn.send(undefined as never)
      await expect(missing).rejects.toBeInstanceOf(KafkaJSNonRetriableError)
      expect(await txn.send({ topic, messages: [{ value: 'in' }] })).toMatchObject([{ topicName: topic, partition: 0, baseOffset: '0' }])
      await txn.commit()
      for (const call of [() => txn.send(undefined as never), () => txn.sendBatch(undefined as never), () => txn.commit(), () => txn.abort()]) {
        const ended = call()
        await expect(ended).rejects.toBeInstanceOf(KafkaJSNonRetriableError)
        await expect(ended).rejects.toThrow('Cannot continue to use transaction once ended')
      }
      // The producer starts the next transaction as usual.
      const next = await producer.transaction()
      await next.send({ topic, messages: [{ value: 'next' }] })
      await next.abort()
      expect(next.isActive()).toBe(false)
    } finally {
      await producer.disconnect()
    }
  })
})
