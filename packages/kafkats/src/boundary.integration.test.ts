import { clusterInfo } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, ConfigError, ConnectionError, InvalidArgumentError, InvalidStateError, Kafka, KafkaError, KafkaProtocolError, Offset, type ProducerRecord, ResponseTooLargeError } from './index.js'

// Every row of the "What happens when…" table in the README is checked here against the real
// cluster. Any uncaught exception or unhandled rejection fails the vitest run by itself.

const cluster = clusterInfo()
const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'boundary-test' })
const topic = `boundary-${Date.now()}`
const decoder = new TextDecoder()

beforeAll(async () => {
  const [created] = await kafka.admin().createTopics([{ topic, partitions: 2, replicationFactor: 3 }])
  expect(created?.error).toBeUndefined()
})
afterAll(() => kafka.close())

/** The ConfigError `make` throws. */
function configError(make: () => unknown): ConfigError {
  try {
    make()
  } catch (error) {
    if (ConfigError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('What happens when… (README table)', () => {
  it('bad records fail alone with an InvalidArgumentError naming the field; their neighbours are delivered and read back once', async () => {
    const producer = kafka.producer({ lingerMs: 20 })
    const bad: Array<[unknown, string]> = [
      [{ topic, value: 42 }, 'record.value'],
      [{ topic, value: { a: 1 } }, 'record.value'],
      [{ topic, key: 7, value: 'v' }, 'record.key'],
      [{ topic, value: 'v', headers: { h: 1 } }, 'record.headers.h'],
      [{ topic, value: 'v', headers: [{ key: 'h', value: 2 }] }, 'record.headers[0].value'],
      [{ topic, value: 'v', timestamp: '2024-01-01' }, 'record.timestamp'],
      [{ topic, messages: [{ value: 'v' }] }, 'record.value'],
      [{ topic, value: 'v', partition: -1 }, 'record.partition'],
      [{ topic, value: 'v', partition: 99 }, 'record.partition'],
      [{ topic: '', value: 'v' }, 'record.topic'],
      [{ topic: 'bad name!', value: 'v' }, 'record.topic'],
      [null, 'record'],
      // Int64 on the wire, but beyond 2^53 ms a record batch cannot carry it exactly: it once failed its whole batch.
      [{ topic, value: 'v', timestamp: 2n ** 60n }, 'record.timestamp'],
    ]
    // Interleave: good, bad, good, bad… all in the same linger window (the same batches).
    const sends: Array<Promise<unknown>> = []
    for (let i = 0; i < bad.length; i++) {
      sends.push(producer.send({ topic, key: `k${i}`, value: `good-${i}` }))
      sends.push(producer.send(bad[i]![0] as ProducerRecord))
    }
    const settled = await Promise.allSettled(sends)
    for (let i = 0; i < bad.length; i++) {
      const good = settled[2 * i]!
      const failed = settled[2 * i + 1]!
      expect(good.status).toBe('fulfilled')
      expect(failed.status).toBe('rejected')
      const error = (failed as PromiseRejectedResult).reason as unknown
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true)
      expect((error as InvalidArgumentError).field).toBe(bad[i]![1])
    }
    expect(String((settled[13] as PromiseRejectedResult).reason)).toMatch(/sendBatch/)
    const batchError = await rejection(producer.sendBatch('nope' as unknown as ProducerRecord[]))
    expect(InvalidArgumentError.isInstance(batchError)).toBe(true)
    await producer.close()

    const reader = kafka.consumer({ assign: { [topic]: { 0: 0n, 1: Offset.earliest() } } })
    const seen = new Map<string, number>()
    for await (const batch of reader) {
      for (const record of batch.records) {
        const value = decoder.decode(record.value!)
        seen.set(value, (seen.get(value) ?? 0) + 1)
      }
      if (seen.size >= bad.length) break
    }
    await reader.close()
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: bad.length }, (_, i) => `good-${i}`).sort())
    expect([...seen.values()].every((count) => count === 1)).toBe(true)
  })

  it('a consumer assigned a partition that does not exist gets an error event and a rejected iteration naming it', async () => {
    const consumer = kafka.consumer({ assign: { [topic]: { 99: Offset.earliest() } } })
    const events: unknown[] = []
    consumer.on('error', (error) => events.push(error))
    const error = await rejection(
      (async () => {
        for await (const batch of consumer) void batch
      })(),
    )
    await consumer.close()
    expect(KafkaProtocolError.isInstance(error)).toBe(true)
    expect((error as KafkaProtocolError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(String(error)).toMatch(new RegExp(`${topic}.*partition 99 does not exist`))
    expect(events).toContain(error)
  })

  it('a consumer assigned a topic that does not exist gets the same', async () => {
    const missing = `no-such-topic-${Date.now()}`
    const consumer = kafka.consumer({ assign: { [missing]: { 0: Offset.earliest() } } })
    // The error may come before the loop starts: the first next() then rejects with it.
    await consumer.poll({ maxWaitMs: 8000 })
    const error = await rejection(
      (async () => {
        for await (const batch of consumer) void batch
      })(),
    )
    await consumer.close()
    expect(String(error)).toMatch(new RegExp(`Topic "${missing}" does not exist`))
  })

  it('a group consumer subscribed to a topic that does not exist gets an error event and, with no topic at all, a rejected iteration', async () => {
    const missing = `no-such-topic-${Date.now()}`
    const group = kafka.consumer({ groupId: `boundary-${Date.now()}`, topics: [missing] })
    const events: unknown[] = []
    group.on('error', (error) => events.push(error))
    const started = Date.now()
    const error = await rejection(
      (async () => {
        for await (const batch of group) void batch
      })(),
    )
    const elapsedMs = Date.now() - started
    await group.close()
    expect(KafkaProtocolError.isInstance(error), String(error)).toBe(true)
    expect((error as KafkaProtocolError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(String(error)).toContain(`"${missing}"`)
    expect(elapsedMs).toBeLessThan(15_000)
    expect(events.map(String)).toEqual([expect.stringContaining(`Topic "${missing}" does not exist`)])
  })

  it("a direct consumer's seek, pause, resume and addPartitions throw InvalidArgumentError naming the field", async () => {
    const consumer = kafka.consumer({ assign: { [topic]: { 0: Offset.earliest() } } })
    /** `any`-typed stand-in for values a JavaScript caller could pass. */
    const js = (value: unknown): never => value as never
    const cases: Array<[string, () => unknown, string]> = [
      ['seek: topic 5', () => consumer.seek(js(5), 0, 0n), 'topic'],
      ['seek: partition -1', () => consumer.seek(topic, -1, 0n), 'partition'],
      ['seek: offset -1n', () => consumer.seek(topic, 0, -1n), 'offset'],
      ['seek: offset "earliest"', () => consumer.seek(topic, 0, js('earliest')), 'offset'],
      ['pause: not an array', () => consumer.pause(js({ topic, partition: 0 })), 'partitions'],
      ['pause: partition 1.5', () => consumer.pause([{ topic, partition: 1.5 }]), 'partitions[0].partition'],
      ['resume: topic ""', () => consumer.resume([{ topic: '', partition: 0 }]), 'partitions[0].topic'],
      ['addPartitions: a string', () => consumer.addPartitions(js(topic)), 'assignment'],
      ['addPartitions: offset "x"', () => consumer.addPartitions(js({ [topic]: { 1: 'x' } })), `assignment.${topic}[1]`],
      ['addPartitions: partition key "x"', () => consumer.addPartitions(js({ [topic]: { x: 0n } })), `assignment.${topic}`],
      ['removePartitions: null', () => consumer.removePartitions(js(null)), 'partitions'],
      ['removePartitions: [5]', () => consumer.removePartitions(js([5])), 'partitions[0]'],
      ['removePartitions: { topic: "0" }', () => consumer.removePartitions(js({ [topic]: '0' })), `partitions.${topic}`],
      ['removePartitions: { topic: [-1] }', () => consumer.removePartitions({ [topic]: [-1] }), `partitions.${topic}[0]`],
    ]
    try {
      for (const [what, call, field] of cases) {
        let caught: unknown = null
        try {
          call()
        } catch (error) {
          caught = error
        }
        expect(InvalidArgumentError.isInstance(caught), `${what}: ${String(caught)}`).toBe(true)
        expect((caught as InvalidArgumentError).field, what).toBe(field)
      }
      for (const [options, field] of [
        [{ maxWaitMs: 'x' }, 'maxWaitMs'],
        [{ maxWaitMs: -1 }, 'maxWaitMs'],
        [{ maxBatches: 0 }, 'maxBatches'],
        [{ signal: 'stop' }, 'signal'],
        [null, 'options'],
      ] as const) {
        const caught = await rejection(consumer.poll(js(options)))
        expect(InvalidArgumentError.isInstance(caught), `poll(${JSON.stringify(options)}): ${String(caught)}`).toBe(true)
        expect((caught as InvalidArgumentError).field).toBe(field)
      }
      // Good arguments, a partition not assigned now: the same InvalidStateError as the group consumer's.
      let unassigned: unknown = null
      try {
        consumer.seek(topic, 1, 0n)
      } catch (error) {
        unassigned = error
      }
      expect(InvalidStateError.isInstance(unassigned), String(unassigned)).toBe(true)
      expect(String(unassigned)).toContain(`${topic}-1`)
      // Good arguments still work.
      consumer.pause([{ topic, partition: 0 }])
      consumer.resume([{ topic, partition: 0 }])
      consumer.seek(topic, 0, Offset.earliest())
    } finally {
      await consumer.close()
    }
  })

  it('admin methods reject a bad argument with InvalidArgumentError naming the field', async () => {
    const admin = kafka.admin()
    const bad = await rejection(admin.createTopics([{ topic: 'bad name!' }]))
    expect(InvalidArgumentError.isInstance(bad) && bad.field).toBe('topics[0].topic')
    const flag = await rejection(admin.listTopics({ includeInternal: 'yes' as unknown as boolean }))
    expect(InvalidArgumentError.isInstance(flag) && flag.field).toBe('options.includeInternal')
  })

  it('a timestamp past log.message.timestamp.after.max.ms: the broker refuses the whole batch (INVALID_TIMESTAMP), as with the Java client', async () => {
    // Kafka's semantics: the limit is a topic config (and LogAppendTime topics ignore it), so the
    // client cannot check it; the broker rejects every record of the batch.
    const producer = kafka.producer({ lingerMs: 50 })
    const twoHoursAheadMs = Date.now() + 2 * 3_600_000
    const settled = await Promise.allSettled([
      producer.send({ topic, partition: 0, value: 'before' }),
      producer.send({ topic, partition: 0, value: 'future', timestamp: twoHoursAheadMs }),
      producer.send({ topic, partition: 0, value: 'after' }),
    ])
    await producer.close()
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected')
      const error = (outcome as PromiseRejectedResult).reason as unknown
      expect(KafkaProtocolError.isInstance(error) && error.errorName, String(error)).toBe('INVALID_TIMESTAMP')
    }
  })

  it('bad consumer options are a ConfigError saying what to write; a bare offset is accepted', async () => {
    expect(() => kafka.consumer({ assign: { [topic]: { 0: 'earliest' as unknown as bigint } } })).toThrow(ConfigError)
    expect(() => kafka.consumer({ assign: { [topic]: { 0: 'earliest' as unknown as bigint } } })).toThrow(/Offset\.earliest\(\)/)
    expect(() => kafka.consumer({ assign: { [topic]: { x: 0n } as unknown as Record<number, bigint> } })).toThrow(ConfigError)
    const consumer = kafka.consumer({ assign: { [topic]: { 0: 0n, 1: 0 } } })
    const [first] = await consumer.poll({ maxWaitMs: 30_000 })
    await consumer.close()
    expect(first?.records.length).toBeGreaterThan(0)
  })

  it('sending to a topic that does not exist fails after metadataWaitMaxMs with a message saying to create it', async () => {
    const producer = kafka.producer({ metadataWaitMaxMs: 1500 })
    const error = await rejection(producer.send({ topic: `missing-${Date.now()}`, value: 'v' }))
    await producer.close()
    expect(KafkaProtocolError.isInstance(error)).toBe(true)
    expect(String(error)).toMatch(/does not exist .*admin\.createTopics.*allowAutoTopicCreation/)
  })

  it('a plaintext client on a TLS port is told to set tls', async () => {
    const wrong = new Kafka({ bootstrapBrokers: cluster.bootstrap.ssl.slice(0, 1), connectTimeoutMs: 5000 })
    const error = await rejection(wrong.connect({ timeoutMs: 20_000 }))
    await wrong.close()
    expect(String(error)).toMatch(/answered with TLS.*set tls/)
    expect(ResponseTooLargeError.isInstance(error) || ResponseTooLargeError.isInstance((error as Error).cause)).toBe(true)
  })

  it('logger: console works (wrapped); a wrong logger is a ConfigError', async () => {
    const lines: unknown[][] = []
    const consoleLike = { debug: (...args: unknown[]) => lines.push(args), info: (...args: unknown[]) => lines.push(args), warn: (...args: unknown[]) => lines.push(args), error: (...args: unknown[]) => lines.push(args) }
    const logged = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, logger: consoleLike })
    await logged.connect()
    const producer = logged.producer()
    await producer.ready()
    await logged.close()
    expect(lines.length).toBeGreaterThan(0)
    expect(typeof lines[0]![0]).toBe('string')
    const quiet = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, logger: console })
    await quiet.close()
    expect(() => new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, logger: {} as Console })).toThrow(ConfigError)
    expect(() => new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, logger: 'debug' as unknown as Console })).toThrow(/logger/)
  })

  it('bad client options are ConfigErrors naming the option', () => {
    const base = { bootstrapBrokers: cluster.bootstrap.plaintext }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ brokers: ['127.0.0.1:9092'] }, 'bootstrapBrokers'],
      [{ ...base, connectTimeoutMs: -1 }, 'connectTimeoutMs'],
      [{ ...base, requestTimeoutMs: '30s' }, 'requestTimeoutMs'],
      [{ ...base, clientId: 5 }, 'clientId'],
      [{ ...base, tls: 'yes' }, 'tls'],
      [{ ...base, allowAutoTopicCreation: 'true' }, 'allowAutoTopicCreation'],
    ]
    for (const [options, option] of cases) {
      try {
        new Kafka(options as never)
        expect.unreachable(option)
      } catch (error) {
        expect(ConfigError.isInstance(error), String(error)).toBe(true)
        expect((error as ConfigError).option).toBe(option)
      }
    }
    expect(() => kafka.producer({ idempotent: 'yes' as unknown as boolean })).toThrow(ConfigError)
    expect(() => kafka.producer({ lingerMs: Number.NaN })).toThrow(ConfigError)
    const sasl = configError(() => new Kafka({ ...base, sasl: { mechanism: 'BOGUS' } as never }))
    expect([sasl.option, sasl.message]).toEqual(['sasl.mechanism', expect.stringContaining('"BOGUS"')])
  })

  it('a misspelt option name is a ConfigError naming it and the option probably meant', () => {
    const base = { bootstrapBrokers: cluster.bootstrap.plaintext }
    const js = (options: Record<string, unknown>): never => options as never
    const cases: Array<[() => unknown, string, string]> = [
      [() => new Kafka(js({ ...base, connectTimeoutMS: 1000 })), 'connectTimeoutMS', 'connectTimeoutMs'],
      [() => kafka.producer(js({ lingerMS: 5 })), 'lingerMS', 'lingerMs'],
      [() => kafka.consumer(js({ assign: { [topic]: { 0: 0n } }, fetchMaxWait: 100 })), 'fetchMaxWait', 'fetchMaxWaitMs'],
      [() => kafka.consumer(js({ groupId: 'g', topics: [topic], sessionTimeout: 10_000 })), 'sessionTimeout', 'sessionTimeoutMs'],
      [() => kafka.admin(js({ operationTimeout: 5000 })), 'operationTimeout', 'operationTimeoutMs'],
    ]
    for (const [make, option, meant] of cases) {
      const error = configError(make)
      expect(error.option).toBe(option)
      expect(error.message).toContain(`did you mean ${meant}?`)
    }
  })

  it('a closed client refuses new work with ClosedError; a closed producer with ProducerClosedError', async () => {
    const closing = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'boundary-closed' })
    const admin = closing.admin()
    const producer = closing.producer()
    await producer.close()
    const sendError = await rejection(producer.send({ topic, value: 'after close' }))
    expect(ClosedError.isInstance(sendError), String(sendError)).toBe(true)
    expect((sendError as Error).name).toBe('ProducerClosedError')
    await closing.close()
    for (const make of [() => closing.producer(), () => closing.admin(), () => closing.consumer({ assign: { [topic]: { 0: 0n } } })]) {
      expect(make).toThrow(ClosedError)
    }
    expect(ClosedError.isInstance(await rejection(closing.connect()))).toBe(true)
    expect(ClosedError.isInstance(await rejection(admin.listTopics()))).toBe(true)
  })

  it('a closed group consumer refuses commit with ClosedError', async () => {
    const group = kafka.consumer({ groupId: `boundary-closed-${Date.now()}`, topics: [topic] })
    await group.close()
    const everything = await rejection(group.commit())
    expect(ClosedError.isInstance(everything), String(everything)).toBe(true)
    const explicit = await rejection(group.commit([{ topic, partition: 0, offset: 1n }]))
    expect(ClosedError.isInstance(explicit), String(explicit)).toBe(true)
    // A bad argument is still named first.
    expect(InvalidArgumentError.isInstance(await rejection(group.commit([{ topic, partition: 0, offset: -1n }])))).toBe(true)
  })

  it('an unreachable cluster fails kafka.connect() and producer.ready() at once with the typed error', async () => {
    const unreachable = new Kafka({ bootstrapBrokers: ['127.0.0.1:1'], connectTimeoutMs: 1000 })
    // Within timeoutMs (plus scheduling slack on a loaded machine), far from the 120 s delivery timeout.
    let started = Date.now()
    const error = await rejection(unreachable.connect({ timeoutMs: 5000 }))
    expect(Date.now() - started).toBeLessThan(5000 + 5000)
    expect(ConnectionError.isInstance(error) || ConnectionError.isInstance((error as Error).cause), String(error)).toBe(true)
    expect(String(error)).toMatch(/127\.0\.0\.1:1/)
    const producer = unreachable.producer()
    started = Date.now()
    const notReady = await rejection(producer.ready({ timeoutMs: 3000 }))
    expect(Date.now() - started).toBeLessThan(3000 + 5000)
    // The producer's start keeps retrying the connection; ready() ends at its timeout with the
    // error that kept it from starting, the same ConnectionError kafka.connect() gives.
    expect(ConnectionError.isInstance(notReady), String(notReady)).toBe(true)
    expect(String(notReady)).toMatch(/127\.0\.0\.1:1/)
    await unreachable.close()
    await kafka.connect()
    const ok = kafka.producer()
    await ok.ready()
    await ok.close()
  })
})
