import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { clusterInfo, eventually } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompressionTypes, type EachBatchPayload, Kafka, type KafkaMessage, logLevel } from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ clientId: 'kafkajs-compat-test', brokers: cluster.bootstrap.plaintext, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const unique = (name: string): string => `kafkajs-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

beforeAll(() => admin.connect())
afterAll(() => admin.disconnect())

describe('producer and consumer through the KafkaJS API', () => {
  it('round-trips keys, values, headers and timestamps with eachMessage and commits what it consumed', async () => {
    const topic = unique('roundtrip')
    const groupId = `${topic}-group`
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] })).toBe(true)
    // A second create of the same topic answers false, as KafkaJS does.
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false)

    const producer = kafka.producer()
    await producer.connect()
    const messages = Array.from({ length: 60 }, (_, i) => ({
      key: `key-${i % 7}`,
      value: i % 10 === 9 ? null : Buffer.from(`value-${i}`),
      headers: { index: String(i), multi: ['a', Buffer.from('b')] },
      timestamp: String(1_700_000_000_000 + i),
    }))
    const metadata = await producer.send({ topic, messages, compression: CompressionTypes.GZIP })
    // One entry per partition written, with the first offset of the request's records there.
    expect(metadata.length).toBeGreaterThan(0)
    for (const entry of metadata) {
      expect(entry).toMatchObject({ topicName: topic, errorCode: 0, baseOffset: '0' })
      expect([0, 1, 2]).toContain(entry.partition)
    }
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const seen: Array<{ partition: number; message: KafkaMessage }> = []
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, message })
      },
    })
    await eventually(async () => {
      if (seen.length < 60) throw new Error(`consumed ${seen.length} of 60`)
    }, 30_000)
    await consumer.disconnect()

    expect(seen).toHaveLength(60)
    // The shape KafkaJS users see when they spread, list or print a message: a plain object with
    // KafkaJS's fields (magicByte and isControlRecord too) in KafkaJS's order, key and value Buffers.
    const sample = seen.find((s) => s.message.value !== null)!.message
    expect(Object.getPrototypeOf(sample)).toBe(Object.prototype)
    expect(Object.keys(sample)).toEqual(['magicByte', 'attributes', 'timestamp', 'offset', 'key', 'value', 'headers', 'isControlRecord'])
    const untyped = sample as unknown as Record<string, unknown>
    expect([untyped['magicByte'], untyped['attributes'], untyped['isControlRecord']]).toEqual([2, 0, false])
    expect(Buffer.isBuffer(sample.key) && Buffer.isBuffer(sample.value)).toBe(true)
    expect(JSON.parse(JSON.stringify(sample)).value).toEqual({ type: 'Buffer', data: [...sample.value!] })
    // Views of the fetched bytes, not copies: the memory under a value holds more than the value.
    expect(sample.value!.buffer.byteLength).toBeGreaterThan(sample.value!.byteLength)
    const byIndex = new Map(seen.map((s) => [Number(String(s.message.headers!['index'])), s]))
    for (let i = 0; i < 60; i++) {
      const { message, partition } = byIndex.get(i)!
      expect(message.key?.toString()).toBe(`key-${i % 7}`)
      expect(message.value === null ? null : message.value.toString()).toBe(i % 10 === 9 ? null : `value-${i}`)
      expect(message.timestamp).toBe(String(1_700_000_000_000 + i))
      expect(typeof message.offset).toBe('string')
      // A repeated header key comes back as an array, as KafkaJS decodes it.
      expect((message.headers!['multi'] as Buffer[]).map(String)).toEqual(['a', 'b'])
      // Same key, same partition.
      expect(partition).toBe(byIndex.get(i % 7)!.partition)
    }
    // Offsets within a partition arrive in order.
    for (const p of [0, 1, 2]) {
      const offsets = seen.filter((s) => s.partition === p).map((s) => Number(s.message.offset))
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    }

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
    const perPartition = [0, 1, 2].map((p) => seen.filter((s) => s.partition === p).length)
    expect(committed).toEqual([{ topic, partitions: [0, 1, 2].map((p) => ({ partition: p, offset: String(perPartition[p]), metadata: '' })) }])
  })

  it('eachBatch: batch offsets and lag as strings, resolveOffset, uncommittedOffsets and re-delivery of what was not resolved', async () => {
    const topic = unique('batch')
    const groupId = `${topic}-group`
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) })
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const delivered: string[] = []
    const headerless: KafkaMessage[] = []
    let first: { firstOffset: string | null; lastOffset: string; highWatermark: string; offsetLag: string; uncommitted: unknown } | null = null
    let calls = 0
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, uncommittedOffsets, isRunning, isStale, heartbeat }: EachBatchPayload) => {
        calls++
        expect(isRunning()).toBe(true)
        expect(isStale()).toBe(false)
        await heartbeat()
        // Process only the first 5 records of each batch: the rest must be delivered again.
        for (const message of batch.messages.slice(0, 5)) {
          headerless.push(message)
          delivered.push(message.value!.toString())
          resolveOffset(message.offset)
        }
        if (first === null) {
          first = { firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset(), highWatermark: batch.highWatermark, offsetLag: batch.offsetLag(), uncommitted: uncommittedOffsets() }
        }
      },
    })
    await eventually(async () => {
      if (delivered.length < 20) throw new Error(`delivered ${delivered.length} of 20`)
    }, 30_000)
    await consumer.disconnect()
    expect(delivered).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
    // Messages sent without headers have `headers: {}` as KafkaJS's do: a plain, extensible object of
    // their own, equal to {} under every comparison users make (toStrictEqual checks the constructor).
    const [one, two] = headerless
    for (const { headers } of [one!, two!]) {
      expect(Object.getPrototypeOf(headers)).toBe(Object.prototype)
      expect(headers!.constructor).toBe(Object)
      expect(headers).toStrictEqual({})
      expect(JSON.stringify(headers)).toBe('{}')
    }
    expect({ ...one }).toStrictEqual({ magicByte: 2, attributes: 0, timestamp: one!.timestamp, offset: '0', key: null, value: Buffer.from('m0'), headers: {}, isControlRecord: false })
    one!.headers!['added'] = Buffer.from('x')
    expect(one!.headers).toStrictEqual({ added: Buffer.from('x') })
    expect(two!.headers).toStrictEqual({})
    expect(calls).toBeGreaterThanOrEqual(4)
    expect(first!.firstOffset).toBe('0')
    expect(first!.highWatermark).toBe('20')
    expect(BigInt(first!.offsetLag)).toBe(19n - BigInt(first!.lastOffset))
    // KafkaJS's uncommittedOffsets() gives partitions as strings at run time (its types say number).
    expect(first!.uncommitted).toEqual({ topics: [{ topic, partitions: [{ partition: '0' as unknown as number, offset: '5' }] }] })
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    expect(offsets!.partitions).toEqual([{ partition: 0, offset: '20', metadata: '' }])
  })

  it('keeps nothing of a handled batch while it waits for the next one (its records are garbage at once)', async () => {
    // A batch kept reachable until the next one arrived (a for-await loop variable did so) was
    // copied by every young-generation collection during the next fetch and decode: twice the
    // survivors at 100-byte records (apps/bench/results/kafkajs-compat.md).
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const topic = unique('released')
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })).toBe(true)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
    const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 5_000 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    // The key and value Buffers are the kafkats record's own views: reachable while the record is.
    const handed: Array<WeakRef<Buffer>> = []
    let consumed = 0
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.key !== null) handed.push(new WeakRef(message.key))
          if (message.value !== null) handed.push(new WeakRef(message.value))
        }
        consumed += batch.messages.length
      },
    })
    await eventually(async () => {
      if (consumed < 10) throw new Error(`consumed ${consumed} of 10`)
    }, 30_000)
    // The consumer now waits (a long-polling Fetch) for records that do not come.
    await new Promise((resolve) => setTimeout(resolve, 300))
    gc()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(handed.filter((ref) => ref.deref() !== undefined)).toHaveLength(0)
    // Still consuming.
    await producer.send({ topic, messages: [{ key: 'k10', value: 'v10' }] })
    await eventually(async () => {
      if (consumed < 11) throw new Error(`consumed ${consumed} of 11`)
    }, 30_000)
    await producer.disconnect()
    await consumer.disconnect()
  })
})
