// The sample written for KafkaJS, running on kafkats. Everything below the import line is plain
// KafkaJS 2.2.4 code: `npm run start:kafkajs-original` runs this same file with the line changed
// back to `from 'kafkajs'`, against the real KafkaJS.
import { CompressionTypes, Kafka, logLevel, type EachBatchPayload } from '@kafkats/kafkajs'
import { startCluster, stopCluster } from '@kafkats/testkit'

const RECORDS = Number(process.env.SAMPLE_RECORDS ?? 20_000)
const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

async function main(): Promise<void> {
  let brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? []
  const startedCluster = brokers.length === 0
  if (startedCluster) {
    say('starting the local 3-node, 3-rack Kafka cluster…')
    brokers = (await startCluster({ log: (message) => say(`  ${message}`) })).bootstrap.plaintext
  }
  const kafka = new Kafka({ clientId: 'kafkajs-style-sample', brokers, logLevel: logLevel.WARN })
  const admin = kafka.admin()
  await admin.connect()
  const topic = `sample-kafkajs-${Date.now()}`
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true })
    say(`created ${topic}`)

    // 1. produce: sends of 500 messages keyed by customer, GZIP (the codec KafkaJS has built in)
    const producer = kafka.producer()
    await producer.connect()
    const produceStart = performance.now()
    for (let i = 0; i < RECORDS; i += 500) {
      const messages = Array.from({ length: Math.min(500, RECORDS - i) }, (_, j) => ({
        key: `customer-${(i + j) % 500}`,
        value: JSON.stringify({ order: i + j, total: ((i + j) * 7) % 1000 }),
        headers: { source: 'sample' },
      }))
      await producer.send({ topic, messages, compression: CompressionTypes.GZIP })
    }
    await producer.disconnect()
    const produceSeconds = (performance.now() - produceStart) / 1000
    say(`produced ${RECORDS} messages in ${produceSeconds.toFixed(2)} s (${Math.round(RECORDS / produceSeconds)} messages/s)`)

    // 2. a consumer group of two members: one with eachMessage, one with eachBatch
    const groupId = `${topic}-group`
    const perMember = [0, 0]
    let total = 0
    let resolveDone: () => void = () => {}
    const done = new Promise<void>((resolve) => (resolveDone = resolve))
    const count = (member: number, n: number): void => {
      perMember[member]! += n
      total += n
      if (total >= RECORDS) resolveDone()
    }
    const members = [kafka.consumer({ groupId }), kafka.consumer({ groupId })]
    const consumeStart = performance.now()
    await Promise.all(members.map(async (consumer) => {
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
    }))
    await members[0]!.run({ eachMessage: async ({ message }) => count(0, message.value === null ? 0 : 1) })
    await members[1]!.run({
      eachBatch: async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
        for (const message of batch.messages) {
          count(1, 1)
          resolveOffset(message.offset)
        }
        await heartbeat()
      },
    })
    await done
    const consumeSeconds = (performance.now() - consumeStart) / 1000
    await Promise.all(members.map((consumer) => consumer.disconnect()))
    say(`group ${groupId}: ${total} messages in ${consumeSeconds.toFixed(2)} s, per member ${perMember.join(' + ')}`)

    // 3. committed offsets against the end of each partition
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    const ends = await admin.fetchTopicOffsets(topic)
    let lag = 0
    for (const { partition, offset } of committed!.partitions) lag += Number(ends.find((e) => e.partition === partition)!.high) - Number(offset)
    say(`summary: produced=${RECORDS} consumed=${total} lag=${lag} produce=${Math.round(RECORDS / produceSeconds)}/s consume=${Math.round(total / consumeSeconds)}/s`)
    if (total !== RECORDS || lag !== 0) process.exitCode = 1
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
    if (startedCluster) await stopCluster()
  }
}

main().catch((error: unknown) => {
  console.error('sample failed', error)
  process.exitCode = 1
})
