import { readFileSync } from 'node:fs'
import * as net from 'node:net'
import * as tls from 'node:tls'
import { clusterInfo, startFaultProxy } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ISocketFactory, Kafka, type KafkaConfig, KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSSASLAuthenticationError, logLevel, type RecordMetadata, type RequestEvent } from './index.js'

const cluster = clusterInfo()
// Both clients share one clientId: only the connection's owner tells their requests apart.
const kafka = new Kafka({ clientId: 'kafkajs-compat-network', brokers: cluster.bootstrap.plaintext, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const unique = (name: string): string => `kafkajs-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

beforeAll(() => admin.connect())
afterAll(() => admin.disconnect())

describe('producer network events and KafkaJS-shaped results through the KafkaJS API', () => {
  it("emits REQUEST for each of its own requests only, from connect's ApiVersions on, with KafkaJS's payload", async () => {
    const topic = unique('network')
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
    const watched = kafka.producer()
    const other = kafka.producer()
    const requests: RequestEvent[] = []
    const queueSizes: number[] = []
    watched.on(watched.events.REQUEST, (event) => requests.push(event))
    watched.on(watched.events.REQUEST_QUEUE_SIZE, (event) => queueSizes.push(event.payload.queueSize))
    await watched.connect()
    await other.connect()
    try {
      expect(requests[0]!.payload.apiName).toBe('ApiVersions')
      const before = requests.length
      // The other producer's requests (same clientId, same brokers) are not this one's events.
      await other.send({ topic, messages: [{ value: 'other' }] })
      // This producer's own background requests may land meanwhile (CI saw two): KIP-714 client
      // telemetry, as the Java client sends it, which may first open a connection (ApiVersions).
      // The other producer's send would show as Metadata and Produce.
      const background = new Set(['ApiVersions', 'GetTelemetrySubscriptions', 'PushTelemetry'])
      expect(requests.slice(before).filter((event) => !background.has(event.payload.apiName)).map((event) => `${event.payload.apiName} ${event.payload.broker}`)).toEqual([])
      const [written] = await watched.send({ topic, messages: [{ value: 'mine' }] })
      const produce = requests.filter((event) => event.payload.apiName === 'Produce')
      expect(produce).toHaveLength(1)
      expect(produce[0]).toEqual({
        id: expect.any(Number),
        type: 'producer.network.request',
        timestamp: expect.any(Number),
        payload: {
          broker: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
          clientId: 'kafkajs-compat-network',
          correlationId: expect.any(Number),
          size: expect.any(Number),
          createdAt: expect.any(Number),
          sentAt: expect.any(Number),
          pendingDuration: 0,
          duration: expect.any(Number),
          apiName: 'Produce',
          apiKey: 0,
          apiVersion: expect.any(Number),
        },
      })
      // The Produce response names the topic and partition: tens of bytes at least.
      expect(produce[0]!.payload.size).toBeGreaterThan(20)
      expect(produce[0]!.payload.sentAt).toBeLessThanOrEqual(Date.now())
      // The producer wrote each request at once: nothing waited behind a full socket.
      expect(queueSizes.length).toBeGreaterThanOrEqual(requests.length)
      expect(queueSizes.every((size) => size === 0)).toBe(true)
      // The broker's log start offset, as KafkaJS's string.
      expect(written).toMatchObject({ topicName: topic, partition: 0, baseOffset: '1', logStartOffset: '0' })
    } finally {
      await watched.disconnect()
      await other.disconnect()
    }
    const after = requests.length
    const again = kafka.producer()
    await again.connect()
    await again.disconnect()
    // A disconnected producer reports nothing more.
    expect(requests.length).toBe(after)
  })

  it('emits REQUEST_TIMEOUT when a request times out', async () => {
    // A proxy that passes requests to the broker and drops every response: the first request
    // (ApiVersions) times out for certain. (requestTimeout: 1 against the real broker was flaky:
    // a local broker often answers within the millisecond.)
    const proxy = await startFaultProxy({ target: cluster.bootstrap.plaintext[0]! })
    proxy.blackhole('responses')
    try {
      const timingOut = new Kafka({ clientId: 'kafkajs-compat-timeout', brokers: [proxy.address], requestTimeout: 300, retry: { retries: 0 }, logLevel: logLevel.NOTHING })
      const producer = timingOut.producer()
      const timeouts: Array<{ payload: Record<string, unknown> }> = []
      producer.on(producer.events.REQUEST_TIMEOUT, (event) => timeouts.push(event))
      await expect(producer.connect()).rejects.toThrow()
      await producer.disconnect()
      expect(timeouts.length).toBeGreaterThan(0)
      expect(timeouts[0]!.payload).toEqual({
        broker: proxy.address,
        clientId: 'kafkajs-compat-timeout',
        correlationId: expect.any(Number),
        createdAt: expect.any(Number),
        sentAt: expect.any(Number),
        pendingDuration: 0,
        apiName: 'ApiVersions',
        apiKey: 18,
        apiVersion: expect.any(Number),
      })
    } finally {
      await proxy.close()
    }
  })

  it("rejects in KafkaJS's words: an illegal topic name, a failed SCRAM login, an idempotent producer without retries", async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      const invalid = producer.send({ topic: 'not a topic!', messages: [{ value: 'x' }] })
      await expect(invalid).rejects.toBeInstanceOf(KafkaJSProtocolError)
      await expect(invalid).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION', code: 17, retriable: false })
      await expect(invalid).rejects.toThrow('The request attempted to perform an operation on an invalid topic')
      // The producer is still usable.
      const topic = unique('after-invalid')
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
      expect(await producer.send({ topic, messages: [{ value: 'ok' }] })).toMatchObject([{ topicName: topic, baseOffset: '0' }])
    } finally {
      await producer.disconnect()
    }

    const wrongPassword = new Kafka({
      clientId: 'kafkajs-compat-sasl',
      brokers: cluster.bootstrap.saslPlaintext,
      sasl: { mechanism: 'scram-sha-512', username: cluster.saslUsers.scram512[0]!.username, password: 'wrong' },
      logLevel: logLevel.NOTHING,
    }).producer()
    const failed = wrongPassword.connect()
    await expect(failed).rejects.toBeInstanceOf(KafkaJSSASLAuthenticationError)
    await expect(failed).rejects.toThrow(/^SASL SCRAM SHA512 authentication failed: /)

    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow(KafkaJSNonRetriableError)
    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries to protect against transient errors')
    // Idempotence by default only: KafkaJS code that turned retries off for a plain producer still works.
    expect(kafka.producer({ retry: { retries: 0 } }).isIdempotent()).toBe(true)
  })
})

describe("KafkaJS's socketFactory", () => {
  it('opens every connection through it with KafkaJS arguments, over TLS when ssl is set (the factory opens the TLS socket)', async () => {
    const asked: Array<{ address: string; ssl: unknown }> = []
    // KafkaJS's own default factory, as its docs show it, noting what it was asked for
    const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
      asked.push({ address: `${host}:${port}`, ssl })
      return ssl ? tls.connect({ host, port, ...ssl }, onConnect) : net.connect({ host, port }, onConnect)
    }
    const sendThrough = async (config: Omit<KafkaConfig, 'socketFactory'>, topic: string, value: string): Promise<RecordMetadata[]> => {
      asked.length = 0
      const producer = new Kafka({ ...config, clientId: 'kafkajs-socket-factory', socketFactory, logLevel: logLevel.NOTHING }).producer()
      await producer.connect()
      try {
        return await producer.send({ topic, messages: [{ value }] })
      } finally {
        await producer.disconnect()
      }
    }
    const topic = unique('socket-factory')
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })

    const ssl = { ca: [readFileSync(cluster.caPath, 'utf8')], servername: 'localhost' }
    expect(await sendThrough({ brokers: cluster.bootstrap.ssl, ssl }, topic, 'over TLS')).toMatchObject([{ topicName: topic, baseOffset: '0' }])
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((call) => cluster.bootstrap.ssl.includes(call.address) && call.ssl === ssl)).toBe(true)

    // Without ssl it gets no TLS options and opens plain sockets.
    expect(await sendThrough({ brokers: cluster.bootstrap.plaintext }, topic, 'plain')).toMatchObject([{ topicName: topic, baseOffset: '1' }])
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((call) => cluster.bootstrap.plaintext.includes(call.address) && call.ssl === undefined)).toBe(true)
  })
})
