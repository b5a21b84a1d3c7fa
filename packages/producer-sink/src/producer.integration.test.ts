import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { ConfigError, DeleteRecordsApi, murmur2Partition } from '@kafkats/protocol'
import { clusterInfo, createTopic, readPartition } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordMetadata } from './accumulator.js'
import { Producer } from './producer.js'
import { ProducerClosedError } from './producer-closed-error.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'producer-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
afterAll(() => {
  metadata.close()
  pool.close()
})

/** Every acknowledged record is in the log exactly once, in send order per partition, at its acknowledged offset. */
async function verifyLog(topic: string, partitions: number, sent: Array<{ value: string; metadata: RecordMetadata }>): Promise<void> {
  const expectedByPartition = new Map<number, Array<{ value: string; offset: bigint }>>()
  for (const { value, metadata: ack } of sent) {
    const list = expectedByPartition.get(ack.partition) ?? []
    list.push({ value, offset: ack.offset })
    expectedByPartition.set(ack.partition, list)
  }
  let total = 0
  for (let partition = 0; partition < partitions; partition++) {
    const log = await readPartition(metadata, pool, topic, partition)
    const expected = expectedByPartition.get(partition) ?? []
    // Acknowledged offsets are strictly increasing in send order.
    for (let i = 1; i < expected.length; i++) expect(expected[i]!.offset > expected[i - 1]!.offset).toBe(true)
    const values = log.map((record) => record.value)
    expect(new Set(values).size).toBe(values.length) // no duplicates
    expect(values).toEqual(expected.map((record) => record.value)) // nothing lost, nothing reordered
    expect(log.map((record) => record.offset)).toEqual(expected.map((record) => record.offset))
    total += log.length
  }
  expect(total).toBe(sent.length)
}

describe('Producer against the real cluster', () => {
  it('writes 200,000 records with 5 requests in flight: every acknowledged record once, in order, at its offset', async () => {
    const topic = `producer-bulk-${Date.now()}`
    await createTopic(metadata, pool, topic, 6, 3)
    const producer = new Producer({ metadata, pool, inFlightMaxRequestsPerBroker: 5, lingerMs: 5, batchMaxBytes: 64 * 1024 })
    const count = 200_000
    const pending: Array<Promise<RecordMetadata>> = []
    for (let i = 0; i < count; i++) pending.push(producer.send({ topic, key: `key-${i % 997}`, value: `value-${i}` }))
    const acks = await Promise.all(pending)
    await producer.close()
    // Keyed records land where the Java client would put them.
    for (let i = 0; i < 1000; i++) expect(acks[i]!.partition).toBe(murmur2Partition(new TextEncoder().encode(`key-${i % 997}`), 6))
    await verifyLog(
      topic,
      6,
      acks.map((ack, i) => ({ value: `value-${i}`, metadata: ack })),
    )
  })

  it('keeps send order when senders wait for buffer room', async () => {
    const topic = `producer-backpressure-${Date.now()}`
    await createTopic(metadata, pool, topic, 2, 3)
    const producer = new Producer({ metadata, pool, bufferMaxRecords: 300, batchMaxBytes: 4096 })
    const pending: Array<Promise<RecordMetadata>> = []
    for (let i = 0; i < 20_000; i++) pending.push(producer.send({ topic, key: `k${i % 7}`, value: `v${i}` }))
    const acks = await Promise.all(pending)
    await producer.close()
    await verifyLog(
      topic,
      2,
      acks.map((ack, i) => ({ value: `v${i}`, metadata: ack })),
    )
  })

  it('round-trips keys, values, headers, tombstones and each compression codec', async () => {
    const topic = `producer-codecs-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3)
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const producer = new Producer({ metadata, pool, compression })
      const acks = await producer.sendBatch([
        { topic, key: `${compression}-k1`, value: `${compression}-v1`, headers: { h1: 'x', h2: null } },
        { topic, key: null, value: null },
        { topic, value: 'x'.repeat(5000), headers: [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }] },
      ])
      await producer.close()
      expect(new Set(acks.map((ack) => ack.partition))).toEqual(new Set([0]))
    }
    const log = await readPartition(metadata, pool, topic, 0)
    expect(log).toHaveLength(15)
    expect(log[0]).toMatchObject({ key: 'none-k1', value: 'none-v1', headers: [{ key: 'h1', value: 'x' }, { key: 'h2', value: null }] })
    expect(log[1]).toMatchObject({ key: null, value: null })
    expect(log[14]).toMatchObject({ value: 'x'.repeat(5000), headers: [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }] })
    expect(log.filter((record) => record.key?.endsWith('-k1')).map((record) => record.key)).toEqual([
      'none-k1',
      'gzip-k1',
      'snappy-k1',
      'lz4-k1',
      'zstd-k1',
    ])
  })

  it('rejects idempotence with acks=1 or more than 5 requests in flight with a ConfigError that says why', () => {
    expect(() => new Producer({ metadata, pool, acks: 1 })).toThrow(ConfigError)
    expect(() => new Producer({ metadata, pool, acks: 1 })).toThrow(/acks 'all'/)
    expect(() => new Producer({ metadata, pool, inFlightMaxRequestsPerBroker: 6 })).toThrow(/1 to 5 requests in flight/)
    expect(() => new Producer({ metadata, pool, idempotent: false, acks: 1, inFlightMaxRequestsPerBroker: 6 })).not.toThrow()
  })

  it('refuses records after close with ProducerClosedError', async () => {
    const topic = `producer-closed-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 1)
    const producer = new Producer({ metadata, pool })
    await producer.send({ topic, value: 'before' })
    await producer.close()
    await expect(producer.send({ topic, value: 'after' })).rejects.toSatisfy((error: unknown) => ProducerClosedError.isInstance(error))
  })

  it('produces without idempotence with acks 0, 1 and all', async () => {
    const topic = `producer-plain-${Date.now()}`
    await createTopic(metadata, pool, topic, 2, 3)
    const sent: Array<{ value: string; metadata: RecordMetadata }> = []
    for (const acks of [1, 'all'] as const) {
      const producer = new Producer({ metadata, pool, idempotent: false, acks, inFlightMaxRequestsPerBroker: 1 })
      for (let i = 0; i < 100; i++) sent.push({ value: `${acks}-${i}`, metadata: await producer.send({ topic, key: `${i}`, value: `${acks}-${i}` }) })
      await producer.close()
    }
    await verifyLog(topic, 2, sent)
    const fireAndForget = new Producer({ metadata, pool, idempotent: false, acks: 0 })
    const acks = await fireAndForget.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, partition: 0, value: `zero-${i}` })))
    await fireAndForget.close()
    expect(acks.every((ack) => ack.offset === -1n)).toBe(true)
    // acks=0 has no response; the records still arrive.
    let log = await readPartition(metadata, pool, topic, 0)
    for (let attempt = 0; attempt < 20 && log.filter((r) => r.value?.startsWith('zero-')).length < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      log = await readPartition(metadata, pool, topic, 0)
    }
    expect(log.filter((record) => record.value?.startsWith('zero-')).map((record) => record.value)).toEqual(
      Array.from({ length: 50 }, (_, i) => `zero-${i}`),
    )
  })

  it("reports the partition's log start offset from the Produce response, and -1 with acks=0", async () => {
    const topic = `producer-log-start-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3)
    const producer = new Producer({ metadata, pool })
    const first = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `v${i}` })))
    expect(first.map((ack) => ack.logStartOffset)).toEqual(Array.from({ length: 10 }, () => 0n))
    // Retention (here DeleteRecords) moves the log start; the next acknowledgement says where it is now.
    const leader = metadata.leaderFor(topic, 0)!
    const connection = await pool.get(leader.address, 'admin')
    const deleted = await connection.request(
      DeleteRecordsApi,
      DeleteRecordsApi.createRequest({ timeoutMs: 10_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 7n }] }] }),
    )
    expect(deleted.topics[0]!.partitions[0]!.errorCode).toBe(0)
    const after = await producer.send({ topic, partition: 0, value: 'after' })
    expect(after.offset).toBe(10n)
    expect(after.logStartOffset).toBe(7n)
    await producer.close()
    const fireAndForget = new Producer({ metadata, pool, idempotent: false, acks: 0 })
    const unacknowledged = await fireAndForget.send({ topic, partition: 0, value: 'zero' })
    await fireAndForget.close()
    expect(unacknowledged.logStartOffset).toBe(-1n)
  })
})
