import { Admin } from '@kafkats/admin'
import { ConnectionPool, type SocketFactory } from '@kafkats/connection'
import { DirectConsumer } from '@kafkats/consumer'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer, type ProducerRecord } from '@kafkats/producer-sink'

const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** Records per awaited `sendBatch` call. */
export const CHUNK = 10_000

export interface RoundTripTimes {
  createMs: number
  produceMs: number
  consumeMs: number
}

/**
 * What a user's test does with a cluster (fake.bench.ts and fake-memory.bench.ts): create a topic
 * (3 partitions, replication factor 3), `sendBatch` `records` records (100-byte values, keys
 * `key-0`..`key-999`) in awaited chunks of CHUNK with the default producer, read them back with
 * a direct consumer from the earliest offsets, then delete the topic. `socketFactory`: the
 * client's connections (a fake cluster's `socketFactory`: in memory); default TCP.
 */
export async function roundTripRecords(brokers: string[], records: number, socketFactory?: SocketFactory): Promise<RoundTripTimes> {
  const pool = new ConnectionPool({ clientId: 'bench-fake', ...(socketFactory !== undefined ? { socketFactory } : {}) })
  const metadata = new ClusterMetadata({ bootstrapBrokers: brokers, pool, logger: quiet })
  const admin = new Admin({ metadata, pool, logger: quiet })
  const topic = `bench-fake-${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const value = Buffer.alloc(100, 'x')
  try {
    const t0 = performance.now()
    const [created] = await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    if (created?.error) throw created.error
    const t1 = performance.now()
    const producer = new Producer({ metadata, pool, logger: quiet })
    for (let sent = 0; sent < records; sent += CHUNK) {
      const chunk: ProducerRecord[] = []
      for (let i = sent; i < Math.min(records, sent + CHUNK); i++) chunk.push({ topic, key: `key-${i % 1000}`, value })
      await producer.sendBatch(chunk)
    }
    await producer.close()
    const t2 = performance.now()
    const consumer = new DirectConsumer({ metadata, pool, logger: quiet, assign: await admin.listOffsets({ [topic]: 'earliest' }) })
    let consumed = 0
    for await (const batch of consumer) {
      consumed += batch.records.length
      if (consumed >= records) break
    }
    await consumer.close()
    const t3 = performance.now()
    if (consumed !== records) throw new Error(`consumed ${consumed} of ${records}`)
    return { createMs: t1 - t0, produceMs: t2 - t1, consumeMs: t3 - t2 }
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined)
    metadata.close()
    pool.close()
  }
}
