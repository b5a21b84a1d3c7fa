// A record batch whose CRC-32C does not match, served by the in-process fake cluster
// (`corruptBatch`), through the KafkaJS API. KafkaJS itself does not check batch checksums;
// @kafkats/kafkajs runs on kafkats, which does, as the Java client does (`check.crcs`): the
// messages before the corrupt batch are handed out, then the consumer crashes with a
// non-retriable CORRUPT_MESSAGE naming the partition and offset, and hands out nothing after it
// (the Java consumer's poll throws there until the application seeks past the batch).
import { FakeCluster } from '@kafkats/fake'
import { CorruptRecordError } from 'kafkats'
import { afterEach, expect, it } from 'vitest'
import { Kafka, KafkaJSProtocolError, logLevel, type ConsumerCrashEvent } from './index.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

it('a corrupt batch: the messages before it are handed out, then a crash with a non-retriable CORRUPT_MESSAGE and no restart', async () => {
  const cluster = await FakeCluster.start({ brokers: 1 })
  cleanups.push(() => cluster.close())
  cluster.createTopic('orders', { partitions: 1, replicationFactor: 1 })
  const kafka = new Kafka({ clientId: 'corrupt-batch', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  // One send, one batch: offsets 0-1, 2-4, 5.
  for (const values of [['a0', 'a1'], ['b0', 'b1', 'b2'], ['c0']]) await producer.send({ topic: 'orders', messages: values.map((value) => ({ value })) })
  await producer.disconnect()
  expect(cluster.corruptBatch({ topic: 'orders', partition: 0 }, 3)).toEqual({ baseOffset: 2, lastOffset: 4 })

  const consumer = kafka.consumer({ groupId: 'corrupt-batch' })
  cleanups.push(() => consumer.disconnect())
  const crashed = new Promise<ConsumerCrashEvent>((resolve) => consumer.on(consumer.events.CRASH, resolve))
  await consumer.connect()
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
  const seen: string[] = []
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) })
  const { payload } = await crashed
  expect(payload.restart).toBe(false)
  const error = payload.error as KafkaJSProtocolError
  expect(error).toBeInstanceOf(KafkaJSProtocolError)
  expect(error).toMatchObject({ type: 'CORRUPT_MESSAGE', code: 2, retriable: false })
  expect(error.message).toMatch(/orders-0 at base offset 2 is corrupt/)
  expect(CorruptRecordError.isInstance(error.cause)).toBe(true)
  expect(seen).toEqual(['a0', 'a1'])
})
