import { clusterInfo, eventually } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaJSNonRetriableError, logLevel, type ConsumerCrashEvent, type InstrumentationEvent } from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ clientId: 'kafkajs-compat-control', brokers: cluster.bootstrap.plaintext, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const unique = (name: string): string => `kafkajs-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

beforeAll(() => admin.connect())
afterAll(() => admin.disconnect())

async function topicWith(name: string, partitions: number, perPartition: number): Promise<string> {
  const topic = unique(name)
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }] })
  const producer = kafka.producer()
  await producer.connect()
  for (let p = 0; p < partitions; p++) {
    await producer.send({ topic, messages: Array.from({ length: perPartition }, (_, i) => ({ value: `p${p}-${i}`, partition: p })) })
  }
  await producer.disconnect()
  return topic
}

describe('consumer control through the KafkaJS API', () => {
  it('validates arguments as KafkaJS does, and refuses seek/pause/commit before run', async () => {
    const consumer = kafka.consumer({ groupId: unique('validate') })
    expect(() => consumer.seek({ topic: null as unknown as string, partition: 0, offset: '0' })).toThrow('Invalid topic null')
    expect(() => consumer.seek({ topic: 't', partition: 'ABC' as unknown as number, offset: '0' })).toThrow('Invalid partition, expected a number received ABC')
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: 'ABC' })).toThrow('Invalid offset, expected a long received ABC')
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: '-3' })).toThrow('Offset must not be a negative number')
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: '1' })).toThrow('Consumer group was not initialized, consumer#run must be called first')
    expect(() => consumer.pause([{ topic: 't' }])).toThrow(KafkaJSNonRetriableError)
    await expect(consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }])).rejects.toThrow('Consumer group was not initialized')
    expect(() => consumer.on('consumer.nope' as 'consumer.crash', () => undefined)).toThrow(/Event name should be one of consumer.events./)
  })

  it('seek, pause and resume, partitionsConsumedConcurrently, and the batch, commit and join events', async () => {
    const topic = await topicWith('control', 3, 10)
    const consumer = kafka.consumer({ groupId: unique('control'), maxWaitTimeInMs: 100 })
    const events: Record<string, Array<InstrumentationEvent<unknown>>> = {}
    for (const name of [consumer.events.GROUP_JOIN, consumer.events.START_BATCH_PROCESS, consumer.events.END_BATCH_PROCESS, consumer.events.COMMIT_OFFSETS, consumer.events.CONNECT]) {
      consumer.on(name, (event) => void (events[name] ??= []).push(event))
    }
    await consumer.connect()
    await consumer.subscribe({ topics: [new RegExp(`^${topic}$`)], fromBeginning: true })
    const seen = new Map<number, string[]>()
    let concurrent = 0
    let maxConcurrent = 0
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ partition, message, pause }) => {
        concurrent++
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        await new Promise((resolve) => setTimeout(resolve, 20))
        concurrent--
        const list = seen.get(partition) ?? []
        list.push(message.value!.toString())
        seen.set(partition, list)
        // Partition 1 pauses itself after its 3rd message: the rest waits for resume().
        if (partition === 1 && list.length === 3) pause()
      },
    })
    await eventually(async () => {
      if ((seen.get(0)?.length ?? 0) < 10 || (seen.get(2)?.length ?? 0) < 10) throw new Error('partitions 0 and 2 not done')
    }, 30_000)
    expect(seen.get(1)).toEqual(['p1-0', 'p1-1', 'p1-2'])
    expect(consumer.paused()).toEqual([{ topic, partitions: [1] }])
    expect(maxConcurrent).toBeGreaterThan(1)

    // Replay partition 0 from offset 7, and let partition 1 go on.
    consumer.seek({ topic, partition: 0, offset: '7' })
    consumer.resume([{ topic, partitions: [1] }])
    await eventually(async () => {
      if ((seen.get(1)?.length ?? 0) < 10 || (seen.get(0)?.length ?? 0) < 13) throw new Error(`p1 ${seen.get(1)?.length}, p0 ${seen.get(0)?.length}`)
    }, 30_000)
    expect(seen.get(1)).toEqual(Array.from({ length: 10 }, (_, i) => `p1-${i}`))
    expect(seen.get(0)!.slice(10)).toEqual(['p0-7', 'p0-8', 'p0-9'])
    expect(consumer.paused()).toEqual([])
    await consumer.disconnect()

    expect(events[consumer.events.CONNECT]).toHaveLength(1)
    const join = events[consumer.events.GROUP_JOIN]![0]!.payload as { memberAssignment: Record<string, number[]>; memberId: string }
    expect(join.memberAssignment).toEqual({ [topic]: [0, 1, 2] })
    expect(join.memberId).not.toBe('')
    const start = events[consumer.events.START_BATCH_PROCESS]![0]!.payload as { topic: string; firstOffset: string; highWatermark: string }
    expect(start).toMatchObject({ topic, firstOffset: '0', highWatermark: '10' })
    expect(events[consumer.events.END_BATCH_PROCESS]!.length).toBeGreaterThanOrEqual(3)
    // The last commit of each partition is where consumption ended.
    const last = new Map<unknown, string>()
    for (const event of events[consumer.events.COMMIT_OFFSETS]!) {
      for (const t of (event.payload as { topics: Array<{ partitions: Array<{ partition: unknown; offset: string }> }> }).topics) for (const p of t.partitions) last.set(p.partition, p.offset)
    }
    // Auto-commit events name partitions as strings, as KafkaJS's do at run time.
    expect([...last].sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([['0', '10'], ['1', '10'], ['2', '10']])
  })

  it('HEARTBEAT events are a full heartbeatInterval apart, the first one an interval after run()', async () => {
    const topic = await topicWith('heartbeat', 1, 1)
    const heartbeatInterval = 1_000
    const consumer = kafka.consumer({ groupId: unique('heartbeat'), maxWaitTimeInMs: 100, heartbeatInterval })
    const heartbeats: number[] = []
    consumer.on(consumer.events.HEARTBEAT, () => void heartbeats.push(Date.now()))
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const runCalledAt = Date.now()
    let firstCallAt = 0
    await consumer.run({
      // Asks for a heartbeat every 10 ms until three were sent: only the interval spaces them.
      eachBatch: async ({ heartbeat }) => {
        firstCallAt ||= Date.now()
        const deadline = Date.now() + 15_000
        while (heartbeats.length < 3 && Date.now() < deadline) {
          await heartbeat()
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      },
    })
    await eventually(async () => {
      if (heartbeats.length < 3) throw new Error(`${heartbeats.length} heartbeats`)
    }, 20_000)
    await consumer.disconnect()
    // The batch handler asked within the first interval (the join is fast here), yet the first
    // event waited for the interval counted from run(), as KafkaJS's consumer group counts it.
    expect(firstCallAt - runCalledAt).toBeLessThan(heartbeatInterval)
    expect(heartbeats[0]! - runCalledAt).toBeGreaterThanOrEqual(heartbeatInterval)
    for (let i = 1; i < heartbeats.length; i++) expect(heartbeats[i]! - heartbeats[i - 1]!).toBeGreaterThanOrEqual(heartbeatInterval)
  })

  it('a failing eachMessage is retried from the failed message, then crashes with restart per restartOnFailure', async () => {
    const topic = await topicWith('crash', 1, 3)
    const consumer = kafka.consumer({ groupId: unique('crash'), maxWaitTimeInMs: 100, retry: { retries: 2, initialRetryTime: 50, restartOnFailure: async () => false } })
    const crashes: ConsumerCrashEvent[] = []
    consumer.on(consumer.events.CRASH, (event) => void crashes.push(event))
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const attempts: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        attempts.push(message.offset)
        if (message.offset === '1') throw new Error('cannot handle offset 1')
      },
    })
    await eventually(async () => {
      if (crashes.length === 0) throw new Error('no crash yet')
    }, 30_000)
    // Offset 0 once; offset 1 on the first try and each of the 2 retries; offset 2 never.
    expect(attempts).toEqual(['0', '1', '1', '1'])
    expect(crashes[0]!.payload.restart).toBe(false)
    expect(crashes[0]!.payload.error.name).toBe('KafkaJSNumberOfRetriesExceeded')
    await consumer.disconnect()
  })
})
