// Issue #10, isolation: a record that cannot be encoded fails alone; its neighbours in the same
// batch are delivered. Validation on send stops every such record we know of, so to prove the
// encoder's own check at append (the last line of defence) the validation is given a hole here:
// records marked HOLE skip it and carry a timestamp the batch encoder refuses (beyond 2^53 ms).
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  InitProducerIdApi,
  InvalidArgumentError,
  KafkaError,
  MetadataApi,
  ProduceApi,
  type ProduceRequest,
  type RecordInput,
  decodeRecordBatchesSync,
  encodeUtf8,
} from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ordersMetadata, ordersProduceAnswer } from './fake-brokers.test-data.js'
import { ProducerBatch } from './accumulator.js'
import { Producer, type ProducerRecord } from './producer.js'

const HOLE = Symbol.for('kafkats.test.validation-hole')
const UNENCODABLE_TIMESTAMP = 2n ** 60n

vi.mock('./record-input.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./record-input.js')>()
  return {
    ...original,
    toRecordInput: (record: ProducerRecord): RecordInput =>
      (record as unknown as Record<symbol, unknown>)[HOLE] === true
        ? { key: null, value: encodeUtf8(String(record.value)), timestamp: UNENCODABLE_TIMESTAMP }
        : original.toRecordInput(record),
  }
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** One fake broker leading orders-0: it records each Produce's values and acknowledges them at consecutive offsets. */
async function ordersBroker(clientId: string): Promise<{ metadata: ClusterMetadata; pool: ConnectionPool; written: string[][] }> {
  const broker = await FakeBroker.start()
  const written: string[][] = []
  let nextOffset = 0n
  broker.on(MetadataApi, () => ordersMetadata([broker]))
  broker.on(InitProducerIdApi, () => InitProducerIdApi.createResponse({ producerId: 1000n, producerEpoch: 0 }))
  broker.on(ProduceApi, (request: ProduceRequest) => {
    const [decoded] = decodeRecordBatchesSync(request.topicData[0]!.partitionData[0]!.records!).batches
    const values = decoded!.records.map((record) => new TextDecoder().decode(record.value!))
    written.push(values)
    const baseOffset = nextOffset
    nextOffset += BigInt(values.length)
    return ordersProduceAnswer([{ index: 0, baseOffset }])
  })
  const pool = new ConnectionPool({ clientId })
  const metadata = new ClusterMetadata({ bootstrapBrokers: [broker.address], pool })
  cleanups.push(() => broker.close())
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  return { metadata, pool, written }
}

describe('a record the encoder refuses fails alone', () => {
  it('ProducerBatch.append refuses only the bad record, with its typed error; the rest encode (real bytes)', () => {
    const batch = new ProducerBatch('orders', 0, Date.now())
    const outcomes: string[] = []
    const records: RecordInput[] = [
      { key: null, value: encodeUtf8('a'), timestamp: 1_000 },
      { key: null, value: encodeUtf8('bad'), timestamp: UNENCODABLE_TIMESTAMP },
      { key: null, value: encodeUtf8('c'), timestamp: 2_000 },
    ]
    const errors: unknown[] = []
    const target = {
      acknowledged: (slot: number) => void outcomes.push(`ok ${slot}`),
      failed: (_slot: number, error: Error) => void errors.push(error),
    }
    records.forEach((record, i) => {
      try {
        batch.append(record, ProducerBatch.recordSize(record), target, i)
      } catch (error) {
        errors.push(error)
      }
    })
    expect(batch.recordBytes).toBe(ProducerBatch.recordSize(records[0]!) + ProducerBatch.recordSize(records[2]!))
    expect(errors).toHaveLength(1)
    expect(InvalidArgumentError.isInstance(errors[0])).toBe(true)
    expect((errors[0] as InvalidArgumentError).field).toBe('record.timestamp')
    batch.freeze('none', 1000n, 0, 0)
    const [decoded] = decodeRecordBatchesSync(batch.encoded!).batches
    expect(decoded!.records.map((record) => new TextDecoder().decode(record.value!))).toEqual(['a', 'c'])
    expect(decoded!.records.map((record) => record.timestamp)).toEqual([1_000n, 2_000n])
    batch.acknowledgedOffset = 0n
    batch.complete()
    expect(outcomes).toEqual(['ok 0', 'ok 2'])
  })

  it('through the producer: the neighbours in the same batch are acknowledged, the bad record rejects with InvalidArgumentError', async () => {
    const { metadata, pool, written: batches } = await ordersBroker('producer-isolation')
    // A long linger: the five records share one batch.
    const producer = new Producer({ metadata, pool, lingerMs: 200 })
    cleanups.push(() => producer.close())
    await producer.ready()
    const bad = { topic: 'orders', partition: 0, value: 'bad', [HOLE]: true } as ProducerRecord
    const sends = ['a', 'b', bad, 'd', 'e'].map((value) => producer.send(typeof value === 'string' ? { topic: 'orders', partition: 0, value } : value))
    const settled = await Promise.allSettled(sends)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    const reason = (settled[2] as PromiseRejectedResult).reason as unknown
    expect(InvalidArgumentError.isInstance(reason), String(reason)).toBe(true)
    expect((reason as InvalidArgumentError).field).toBe('record.timestamp')
    expect(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<{ offset: bigint }>).value.offset)).toEqual([0n, 1n, 2n, 3n])
    // One batch on the wire, without the bad record; the producer goes on working.
    expect(batches).toEqual([['a', 'b', 'd', 'e']])
    expect((await producer.send({ topic: 'orders', partition: 0, value: 'f' })).offset).toBe(4n)
  })
})

describe('last line of defence in the produce loop', () => {
  it('a request that cannot be built fails its batches with a typed error (no hang, no uncaught exception); the producer goes on', async () => {
    const { metadata, pool, written } = await ordersBroker('producer-defence')
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown): void => void uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    cleanups.push(() => {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onUncaught)
    })
    const producer = new Producer({ metadata, pool, lingerMs: 50, deliveryTimeoutMs: 30_000 })
    cleanups.push(() => producer.close())
    await producer.ready()
    // A fault no check foresaw: building the next Produce request throws once.
    const spy = vi.spyOn(ProduceApi, 'createRequest').mockImplementationOnce(() => {
      throw new Error('simulated bug while building the request')
    })
    cleanups.push(() => spy.mockRestore())
    const startedAt = Date.now()
    const settled = await Promise.allSettled(['a', 'b'].map((value) => producer.send({ topic: 'orders', partition: 0, value })))
    // Settled at once, not at the 30 s delivery timeout (a batch left "in flight" would wait that long, or forever).
    expect(Date.now() - startedAt).toBeLessThan(10_000)
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected'])
    const reason = (settled[0] as PromiseRejectedResult).reason as KafkaError
    expect(KafkaError.isInstance(reason), String(reason)).toBe(true)
    expect(reason.errorName).toBe('UNKNOWN')
    expect(reason.retriable).toBe(false)
    expect(reason.message).toContain('could not be built: Error: simulated bug while building the request')
    expect(written).toEqual([])
    // The partition and the broker's in-flight slot are free again: the next records are written and acknowledged at offset 0.
    const next = await Promise.all(['c', 'd'].map((value) => producer.send({ topic: 'orders', partition: 0, value })))
    expect(next.map((m) => m.offset)).toEqual([0n, 1n])
    expect(written).toEqual([['c', 'd']])
    expect(uncaught).toEqual([])
  })
})

