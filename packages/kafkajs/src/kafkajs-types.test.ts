// A program written against KafkaJS's own types (`import type ... from 'kafkajs'`), compiled with
// this package's objects by `npm run typecheck`: if a shape here drifts from KafkaJS's
// types/index.d.ts, typecheck fails. At run time the exported constants and error classes are
// compared with the real KafkaJS 2.2.4.
import * as kafkajs from 'kafkajs'
import type {
  Admin as KafkaJSAdmin,
  Consumer as KafkaJSConsumer,
  EachBatchPayload as KafkaJSEachBatchPayload,
  KafkaConfig as KafkaJSKafkaConfig,
  Message as KafkaJSMessage,
  Producer as KafkaJSProducer,
  RecordMetadata as KafkaJSRecordMetadata,
} from 'kafkajs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import * as compat from './index.js'

/** KafkaJS application code: typed with KafkaJS's types, given this package's clients. */
async function applicationCode(producer: KafkaJSProducer, consumer: KafkaJSConsumer, admin: KafkaJSAdmin): Promise<KafkaJSRecordMetadata[]> {
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true })
  const messages: KafkaJSMessage[] = [{ key: 'k', value: Buffer.from('v'), headers: { trace: 'x' } }]
  const sent = await producer.send({ topic: 'orders', messages, acks: -1, compression: kafkajs.CompressionTypes.GZIP })
  await consumer.subscribe({ topics: ['orders', /^orders-.*/], fromBeginning: true })
  const remove = consumer.on(consumer.events.GROUP_JOIN, (event) => void event.payload.memberAssignment)
  remove()
  await consumer.run({
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: KafkaJSEachBatchPayload) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break
        resolveOffset(message.offset)
        await heartbeat()
      }
    },
  })
  consumer.seek({ topic: 'orders', partition: 0, offset: '0' })
  const transaction = await producer.transaction()
  await transaction.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '1' }] }] })
  await transaction.commit()
  return sent
}

function construct(config: KafkaJSKafkaConfig): compat.Kafka {
  return new compat.Kafka(config)
}

describe('the KafkaJS API surface', () => {
  it('accepts KafkaJS-typed code (compiled by typecheck) and hands out clients with KafkaJS methods', () => {
    const kafka = construct({ clientId: 'types', brokers: async () => ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING })
    const producer: KafkaJSProducer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner })
    const consumer: KafkaJSConsumer = kafka.consumer({ groupId: 'types', partitionAssigners: [compat.PartitionAssigners.roundRobin] })
    const admin: KafkaJSAdmin = kafka.admin()
    expect(typeof applicationCode).toBe('function')
    for (const [client, events] of [
      [producer, kafkajs.Kafka.prototype.producer.call(new kafkajs.Kafka({ brokers: ['x:1'], logLevel: kafkajs.logLevel.NOTHING })).events],
      [consumer, new kafkajs.Kafka({ brokers: ['x:1'], logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'g' }).events],
      [admin, new kafkajs.Kafka({ brokers: ['x:1'], logLevel: kafkajs.logLevel.NOTHING }).admin().events],
    ] as const) {
      expect(client.events).toEqual(events)
    }
    expect(() => consumer.on('consumer.no_such_event' as 'consumer.heartbeat', () => undefined)).toThrow(compat.KafkaJSNonRetriableError)
  })

  it('exports the same constants as KafkaJS 2.2.4', () => {
    expect({ ...compat.logLevel }).toMatchObject(kafkajs.logLevel)
    for (const [name, value] of Object.entries(kafkajs.CompressionTypes)) expect((compat.CompressionTypes as Record<string, unknown>)[name]).toBe(value)
    expect(Object.keys(compat.CompressionCodecs).sort()).toEqual(Object.keys(kafkajs.CompressionCodecs).sort())
    expect(Object.keys(compat.Partitioners).sort()).toEqual(Object.keys(kafkajs.Partitioners).sort())
    expect(Object.keys(compat.PartitionAssigners)).toEqual(Object.keys(kafkajs.PartitionAssigners))
  })

  it('has every KafkaJS error class, with the same name and retriable default', () => {
    // KafkaJS spreads its errors into module.exports, which ESM named-export detection misses.
    const everything = createRequire(import.meta.url)('kafkajs') as Record<string, unknown>
    const theirs = Object.entries(everything).filter(([name]) => name.startsWith('KafkaJS'))
    expect(theirs.length).toBeGreaterThan(25)
    for (const [name, Theirs] of theirs) {
      const Ours = (compat as unknown as Record<string, unknown>)[name]
      expect(typeof Ours, name).toBe('function')
      if (name === 'KafkaJSFetcherRebalanceError') continue
      const args = ((): unknown[] => {
        if (name === 'KafkaJSDeleteTopicRecordsError') return [{ topic: 't', partitions: [] }]
        if (name === 'KafkaJSOffsetOutOfRange' || name === 'KafkaJSMemberIdRequired' || name === 'KafkaJSNumberOfRetriesExceeded') return [new Error('boom'), { topic: 't', partition: 0, memberId: 'm', retryCount: 1, retryTime: 2 }]
        if (name === 'KafkaJSAggregateError') return ['boom', []]
        return ['boom']
      })()
      const theirError = new (Theirs as new (...a: unknown[]) => Error & { retriable?: boolean })(...args)
      const ourError = new (Ours as new (...a: unknown[]) => Error & { retriable?: boolean })(...args)
      expect(ourError.name, name).toBe(theirError.name)
      expect(ourError.retriable, name).toBe(theirError.retriable)
      expect(ourError.message, name).toBe(theirError.message)
      expect(ourError instanceof Error).toBe(true)
    }
    expect(new compat.KafkaJSProtocolError({ message: 'x', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true })).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true })
    expect(new compat.KafkaJSLockTimeout('x')).toBeInstanceOf(compat.KafkaJSTimeout)
    expect(new compat.KafkaJSOffsetOutOfRange(new Error('x'), { topic: 't', partition: 1 })).toBeInstanceOf(compat.KafkaJSProtocolError)
  })

  it('maps kafkats errors to the KafkaJS classes with their retriable flag and type', async () => {
    const kafka = new compat.Kafka({ brokers: ['127.0.0.1:1'], connectionTimeout: 300, logLevel: compat.logLevel.NOTHING })
    const error = await kafka.admin().connect().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(compat.KafkaJSError)
    expect((error as Error).name).toMatch(/^KafkaJS/)
  })
})
