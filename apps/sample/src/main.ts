// The kafkats sample: one program that composes the layers a team would pick from.
//   @kafkats/admin          creates the topic, lists offsets, reports group lag
//   @kafkats/producer-sink  produces idempotently with 5 requests in flight per broker
//   @kafkats/consumer       a direct consumer fetching from the closest replica (KIP-392, via
//                           @kafkats/fetch-planner), then a small consumer group
// With KAFKA_BROKERS unset it starts the local 3-rack test cluster and stops it at the end; on a
// machine without Java it starts an in-process @kafkats/fake cluster with the same racks instead.
import { spawnSync } from 'node:child_process'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { DirectConsumer, GroupConsumer } from '@kafkats/consumer'
import { FakeCluster } from '@kafkats/fake'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer } from '@kafkats/producer-sink'
import { startCluster, stopCluster } from '@kafkats/testkit'
import { pino } from 'pino'

const RECORDS = Number(process.env.SAMPLE_RECORDS ?? 60_000)
const RACK = process.env.SAMPLE_RACK ?? 'rack-2'
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined })
const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

/** `java -version` runs: the real cluster can be started. SAMPLE_BACKEND=fake|real overrides. */
function javaInstalled(): boolean {
  const forced = process.env.SAMPLE_BACKEND
  if (forced === 'fake') return false
  if (forced === 'real') return true
  const result = spawnSync('java', ['-version'], { stdio: 'ignore' })
  return result.error === undefined && result.status === 0
}

async function main(): Promise<void> {
  let startedCluster = false
  let fake: FakeCluster | undefined
  let brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? []
  if (brokers.length === 0 && !javaInstalled()) {
    fake = await FakeCluster.start({ brokers: 3, racks: ['rack-1', 'rack-2', 'rack-3'] })
    say(`Java is not installed: running against an in-process fake Kafka cluster (@kafkats/fake, 3 brokers, 3 racks) at ${fake.bootstrapServers}`)
    brokers = fake.bootstrap
  }
  if (brokers.length === 0) {
    say('starting the local 3-node, 3-rack Kafka cluster (first run downloads Kafka from Maven Central)…')
    const cluster = await startCluster({ log: (message) => say(`  ${message}`) })
    brokers = cluster.bootstrap.plaintext
    startedCluster = true
  }

  const pool = new ConnectionPool({ clientId: 'kafkats-sample', logger })
  const metadata = new ClusterMetadata({ bootstrapBrokers: brokers, pool, logger })
  const admin = new Admin({ metadata, pool, logger })
  const topic = `sample-orders-${Date.now()}`
  try {
    // 1. a topic with 6 partitions, every partition on all 3 racks
    const [created] = await admin.createTopics([{ topic, partitions: 6, replicationFactor: 3 }])
    if (created?.error) throw created.error
    const [described] = await admin.describeTopics([topic])
    say(`created ${topic}: leaders ${described!.partitions.map((p) => `${p.partition}→${p.leader}`).join(' ')}`)

    // 2. produce idempotently, 5 requests in flight per broker
    const producer = new Producer({ metadata, pool, logger, inFlightMaxRequestsPerBroker: 5, compression: 'lz4' })
    const produceStart = performance.now()
    const pending: Array<Promise<unknown>> = []
    for (let i = 0; i < RECORDS; i++) {
      pending.push(producer.send({ topic, key: `customer-${i % 500}`, value: JSON.stringify({ order: i, total: (i * 7) % 1000 }) }))
      if ((i + 1) % 20_000 === 0) {
        await Promise.all(pending.splice(0))
        say(`  produced ${i + 1}/${RECORDS}`)
      }
    }
    await Promise.all(pending)
    await producer.close()
    const produceSeconds = (performance.now() - produceStart) / 1000
    say(`produced ${RECORDS} records in ${produceSeconds.toFixed(2)} s (${Math.round(RECORDS / produceSeconds)} records/s)`)

    // 3. read it back from the closest replica: offsets straight from the admin API
    const start = await admin.listOffsets({ [topic]: 'earliest' })
    const direct = new DirectConsumer({ metadata, pool, logger, rack: RACK, assign: start })
    const servedBy = new Map<number, Set<number>>()
    let consumed = 0
    const consumeStart = performance.now()
    for await (const batch of direct) {
      consumed += batch.records.length
      if (batch.records.length > 0) {
        const brokersOfPartition = servedBy.get(batch.partition) ?? new Set<number>()
        brokersOfPartition.add(batch.servedBy)
        servedBy.set(batch.partition, brokersOfPartition)
      }
      if (consumed >= RECORDS) break
    }
    const consumeSeconds = (performance.now() - consumeStart) / 1000
    const counters = direct.brokerCounters()
    await direct.close()
    say(`consumed ${consumed} records with rack ${RACK} in ${consumeSeconds.toFixed(2)} s (${Math.round(consumed / consumeSeconds)} records/s)`)
    for (const partition of [...servedBy.keys()].sort((a, b) => a - b)) {
      const info = metadata.partition(topic, partition)!
      say(`  partition ${partition}: leader ${info.leader}, records served by broker ${[...servedBy.get(partition)!].join(', ')}`)
    }
    for (const [broker, counter] of [...counters].sort((a, b) => a[0] - b[0])) {
      say(`  broker ${broker} (${metadata.broker(broker)?.rack}): ${counter.requests} fetches, ${counter.records} records`)
    }

    // 4. a small consumer group with manual commits
    const groupId = `${topic}-group`
    const members = [0, 1].map(() => new GroupConsumer({ metadata, pool, logger, groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false }))
    const perMember = [0, 0]
    let groupConsumed = 0
    const abort = new AbortController()
    const groupStart = performance.now()
    await Promise.all(
      members.map(async (member, index) => {
        try {
          for await (const batch of member.batches({ signal: abort.signal })) {
            perMember[index]! += batch.records.length
            groupConsumed += batch.records.length
            await member.commit(batch)
            if (groupConsumed >= RECORDS) abort.abort()
          }
        } catch (error) {
          // the abort that ends the run wakes the other member's waiting iteration
          if (!abort.signal.aborted) throw error
        }
      }),
    )
    await Promise.all(members.map((member) => member.close()))
    say(`group ${groupId}: ${groupConsumed} records in ${((performance.now() - groupStart) / 1000).toFixed(2)} s, per member ${perMember.join(' + ')}`)

    // 5. lag from the admin API
    const lag = await admin.groupLag(groupId)
    const totalLag = lag.totalLag
    say(`lag of ${groupId}: ${totalLag} (${lag.partitions.map((p) => `${p.partition}:${p.committedOffset}/${p.endOffset}`).join(' ')})`)

    const brokersUsed = [...new Set([...servedBy.values()].flatMap((set) => [...set]))].sort()
    say(
      `summary: produced=${RECORDS} consumed=${consumed} group=${groupConsumed} lag=${totalLag} rack=${RACK} brokers-used=${brokersUsed.join(',')} ` +
        `produce=${Math.round(RECORDS / produceSeconds)}/s consume=${Math.round(consumed / consumeSeconds)}/s`,
    )
    if (consumed !== RECORDS || groupConsumed < RECORDS || totalLag !== 0n) process.exitCode = 1
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined)
    metadata.close()
    pool.close()
    await fake?.close()
    if (startedCluster) {
      say('stopping the local cluster…')
      await stopCluster()
    }
  }
}

main().catch((error: unknown) => {
  logger.error({ error: String(error) }, 'sample failed')
  process.exitCode = 1
})
