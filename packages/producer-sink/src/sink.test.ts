// How a broker's Produce requests are collected (sink.ts): readiness is the broker's, as in Java's
// RecordAccumulator.drain and franz-go's sink. Two fake brokers: broker 1 leads orders-0 and
// orders-1, broker 2 leads orders-2; every Produce is recorded with the partitions it carried.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  InitProducerIdApi,
  MetadataApi,
  ProduceApi,
  type ProduceRequest,
  decodeRecordBatchesSync,
  murmur2Partition,
} from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { ConfigError, InvalidArgumentError, KafkaProtocolError } from '@kafkats/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ordersMetadata, ordersProduceAnswer } from './fake-brokers.test-data.js'
import type { Partitioner } from './partitioner.js'
import { Producer } from './producer.js'

/** Far longer than any test here waits: a batch that goes out went because of its broker, not its own timer. */
const LINGER_MS = 60_000
/** A batch of one small record stays below this; a 2,000-byte value fills its batch at once. */
const BATCH_MAX_BYTES = 1024
const LEADERS: Record<number, number> = { 0: 1, 1: 1, 2: 2 }

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface SeenRequest {
  broker: number
  /** `partition:value-length` of every batch in the request, in request order. */
  batches: string[]
}

/** `started: false`: the producer is not started first, so the first records wait in its pending queue for the producer id. */
async function twoBrokers(
  options: { requestMaxBytes?: number; lingerMs?: number; inFlightMaxRequestsPerBroker?: number; partitioner?: Partitioner } = {},
  { started = true }: { started?: boolean } = {},
): Promise<{ producer: Producer; requests: SeenRequest[] }> {
  const brokers = [await FakeBroker.start(), await FakeBroker.start()]
  const requests: SeenRequest[] = []
  const nextOffset = new Map<number, bigint>()
  brokers.forEach((broker, i) => {
    const nodeId = i + 1
    broker.on(MetadataApi, () => ordersMetadata(brokers, Object.entries(LEADERS).map(([partition, leader]) => ({ partition: Number(partition), leader }))))
    broker.on(InitProducerIdApi, () => InitProducerIdApi.createResponse({ producerId: 1000n, producerEpoch: 0 }))
    broker.on(ProduceApi, (request: ProduceRequest) => {
      const seen: SeenRequest = { broker: nodeId, batches: [] }
      const acks = request.topicData[0]!.partitionData.map(({ index, records }) => {
        const [batch] = decodeRecordBatchesSync(records!).batches
        seen.batches.push(`${index}:${batch!.records.map((record) => record.value!.length).join(',')}`)
        const baseOffset = nextOffset.get(index) ?? 0n
        nextOffset.set(index, baseOffset + BigInt(batch!.records.length))
        return { index, baseOffset }
      })
      requests.push(seen)
      return ordersProduceAnswer(acks)
    })
    cleanups.push(() => broker.close())
  })
  const pool = new ConnectionPool({ clientId: 'sink-test' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: [brokers[0]!.address], pool })
  const producer = new Producer({ metadata, pool, lingerMs: LINGER_MS, batchMaxBytes: BATCH_MAX_BYTES, ...options })
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  cleanups.push(() => producer.close())
  if (started) await producer.ready()
  return { producer, requests }
}

const small = (partition: number) => ({ topic: 'orders', partition, value: 'x'.repeat(10) })
const full = (partition: number) => ({ topic: 'orders', partition, value: 'y'.repeat(2000) })
const settleMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a broker sends when one of its partitions is ready, and takes its lingering batches along', () => {
  it('a full batch of orders-0 takes the lingering orders-1 batch (same broker) in the same request; orders-2 (other broker) lingers on', async () => {
    const { producer, requests } = await twoBrokers()
    const lingering = producer.send(small(1))
    const other = producer.send(small(2))
    await settleMs(50)
    expect(requests).toEqual([])
    const started = Date.now()
    const [first, second] = await Promise.all([producer.send(full(0)), lingering])
    // Acknowledged with the full batch, not after its own 60 s linger.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect([first.partition, first.offset, second.partition, second.offset]).toEqual([0, 0n, 1, 0n])
    expect(requests).toEqual([{ broker: 1, batches: ['0:2000', '1:10'] }])
    // Broker 2 had no request to send: its partition waits for its own linger (or a flush).
    await settleMs(100)
    expect(requests).toHaveLength(1)
    await producer.flush()
    expect((await other).partition).toBe(2)
    expect(requests).toEqual([
      { broker: 1, batches: ['0:2000', '1:10'] },
      { broker: 2, batches: ['2:10'] },
    ])
  })

  it('with nothing ready, lingering batches wait (no request); a flush sends every broker\'s', async () => {
    const { producer, requests } = await twoBrokers()
    const sends = [producer.send(small(0)), producer.send(small(1)), producer.send(small(2))]
    await settleMs(200)
    expect(requests).toEqual([])
    await producer.flush()
    expect((await Promise.all(sends)).map((m) => m.partition)).toEqual([0, 1, 2])
    expect(requests.sort((a, b) => a.broker - b.broker)).toEqual([
      { broker: 1, batches: ['0:10', '1:10'] },
      { broker: 2, batches: ['2:10'] },
    ])
  })
})

describe('a request stops taking batches before requestMaxBytes', () => {
  it('two full batches for broker 1 that do not fit in one request go in two, in partition order; together they fit in one', async () => {
    for (const [requestMaxBytes, expected] of [
      // A 2,000-byte record's batch is ~2,080 bytes; with the request's own overhead one fits in 8 KiB, two do not.
      [8 * 1024, [{ broker: 1, batches: ['0:2000'] }, { broker: 1, batches: ['1:2000'] }]],
      [16 * 1024, [{ broker: 1, batches: ['0:2000', '1:2000'] }]],
    ] as const) {
      const { producer, requests } = await twoBrokers({ requestMaxBytes, lingerMs: 50 })
      // Both appended before the sink drains (a microtask later): one collect sees both full batches.
      const acks = await Promise.all([producer.send(full(0)), producer.send(full(1))])
      expect(acks.map((m) => [m.partition, m.offset])).toEqual([
        [0, 0n],
        [1, 0n],
      ])
      expect(requests).toEqual(expected)
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    }
  })

  it('partitions that keep filling batches do not starve the ones after them: a partition taken goes behind those left out', async () => {
    // One full batch per request (8 KiB), one request at a time; orders-0 has four batches waiting, orders-1 one.
    const { producer, requests } = await twoBrokers({ requestMaxBytes: 8 * 1024, lingerMs: 50, inFlightMaxRequestsPerBroker: 1 })
    const acks = await Promise.all([producer.send(full(0)), producer.send(full(0)), producer.send(full(0)), producer.send(full(0)), producer.send(full(1))])
    expect(acks.map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '0@1', '0@2', '0@3', '1@0'])
    // Without the rotation orders-1 went last, after every batch of orders-0.
    expect(requests.map((r) => r.batches.join(' '))).toEqual(['0:2000', '1:2000', '0:2000', '0:2000', '0:2000'])
  })

  it('a record that no request may carry fails alone at send with MESSAGE_TOO_LARGE; its neighbours are sent', async () => {
    const { producer, requests } = await twoBrokers({ requestMaxBytes: 8 * 1024, lingerMs: 0 })
    const sends = [producer.send(small(0)), producer.send({ topic: 'orders', partition: 0, value: 'z'.repeat(9000) }), producer.send(small(0))]
    const settled = await Promise.allSettled(sends)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const reason = (settled[1] as PromiseRejectedResult).reason as KafkaProtocolError
    expect(KafkaProtocolError.isInstance(reason)).toBe(true)
    expect(reason.errorName).toBe('MESSAGE_TOO_LARGE')
    expect(reason.retriable).toBe(false)
    expect(reason.message).toMatch(/more than requestMaxBytes \(8192\)/)
    expect(requests.flatMap((r) => r.batches).join(' ')).not.toContain('9000')
  })

  it('is validated: an integer no smaller than batchMaxBytes', () => {
    expect(() => new Producer({ metadata: {} as never, pool: {} as never, batchMaxBytes: 4096, requestMaxBytes: 4095 })).toThrow(ConfigError)
    expect(() => new Producer({ metadata: {} as never, pool: {} as never, batchMaxBytes: 4096, requestMaxBytes: 4095 })).toThrow(/requestMaxBytes \(4095\) is below batchMaxBytes \(4096\)/)
    expect(() => new Producer({ metadata: {} as never, pool: {} as never, requestMaxBytes: 1.5 })).toThrow(/requestMaxBytes/)
  })
})

describe('an awaited sendBatch that has the producer to itself does not wait out lingerMs (franz-go ProduceSync)', () => {
  it('alone: its batches go at once, one request per broker', async () => {
    const { producer, requests } = await twoBrokers()
    const started = Date.now()
    const acks = await producer.sendBatch([small(0), small(1), small(2)])
    // Not after the 60 s linger.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(acks.map((m) => m.partition)).toEqual([0, 1, 2])
    expect(requests.sort((a, b) => a.broker - b.broker)).toEqual([
      { broker: 1, batches: ['0:10', '1:10'] },
      { broker: 2, batches: ['2:10'] },
    ])
  })

  it('the first call, made before the producer started (its records wait for the producer id): its batches go once appended', async () => {
    const { producer, requests } = await twoBrokers({}, { started: false })
    const started = Date.now()
    const acks = await producer.sendBatch([small(0), small(1), small(2)])
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(acks.map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '1@0', '2@0'])
    expect(requests.sort((a, b) => a.broker - b.broker)).toEqual([
      { broker: 1, batches: ['0:10', '1:10'] },
      { broker: 2, batches: ['2:10'] },
    ])
  })

  it('two calls made before the producer started: their records linger together, as on the fast path', async () => {
    const { producer, requests } = await twoBrokers({}, { started: false })
    const first = producer.sendBatch([small(0), small(2)])
    const second = producer.sendBatch([small(2)])
    await settleMs(200)
    expect(requests).toEqual([])
    await producer.flush()
    expect((await first).map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '2@0'])
    expect((await second).map((m) => `${m.partition}@${m.offset}`)).toEqual(['2@1'])
    expect(requests.sort((a, b) => a.broker - b.broker)).toEqual([
      { broker: 1, batches: ['0:10'] },
      { broker: 2, batches: ['2:10,10'] },
    ])
  })

  it('beside records of another call still buffered: its batches linger with theirs, so they can batch together', async () => {
    const { producer, requests } = await twoBrokers()
    const earlier = producer.send(small(2))
    const batch = producer.sendBatch([small(0), small(2)])
    await settleMs(200)
    expect(requests).toEqual([])
    await producer.flush()
    expect((await earlier).offset).toBe(0n)
    expect((await batch).map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '2@1'])
    // orders-2's two records, from two calls, in one batch.
    expect(requests.sort((a, b) => a.broker - b.broker)).toEqual([
      { broker: 1, batches: ['0:10'] },
      { broker: 2, batches: ['2:10,10'] },
    ])
  })
})

describe('partitioning a string key: the partition of its UTF-8 bytes', () => {
  it('the default partitioner puts a string key where the same key as bytes goes (murmur2, as Java)', async () => {
    const { producer } = await twoBrokers({ lingerMs: 0 })
    const keys = ['abc', 'kafka', 'ключ-7', '鍵🔑', 'k'.repeat(700)]
    const asStrings = await producer.sendBatch(keys.map((key) => ({ topic: 'orders', key, value: 'v' })))
    const asBytes = await producer.sendBatch(keys.map((key) => ({ topic: 'orders', key: new TextEncoder().encode(key), value: 'v' })))
    expect(asStrings.map((m) => m.partition)).toEqual(asBytes.map((m) => m.partition))
    expect(asStrings.map((m) => m.partition)).toEqual(keys.map((key) => murmur2Partition(new TextEncoder().encode(key), 3)))
  })

  it('a custom partitioner sees a string key and value as their bytes', async () => {
    const seen: Array<[Uint8Array | null, Uint8Array | null]> = []
    const { producer } = await twoBrokers({
      lingerMs: 0,
      partitioner: (record) => {
        seen.push([record.key, record.value])
        return 1
      },
    })
    const [ack] = await producer.sendBatch([{ topic: 'orders', key: 'ключ', value: 'значение' }])
    expect(ack!.partition).toBe(1)
    expect(seen).toEqual([[new TextEncoder().encode('ключ'), new TextEncoder().encode('значение')]])
  })
})

describe("sendBatch with metadata: 'partitions' sums up each partition once per batch", () => {
  it('first and last offset and record count per partition, sorted; a batch shared with another send counts only this call', async () => {
    const { producer, requests } = await twoBrokers()
    // orders-2's batch will hold this record first, then two of the call's: the per-record path.
    const earlier = producer.send(small(2))
    const call = producer.sendBatch([small(2), small(0), small(1), small(0), small(2)], { metadata: 'partitions' })
    await producer.flush()
    expect((await earlier).offset).toBe(0n)
    expect(await call).toEqual([
      { topic: 'orders', partition: 0, baseOffset: 0n, lastOffset: 1n, recordCount: 2, logStartOffset: 0n },
      { topic: 'orders', partition: 1, baseOffset: 0n, lastOffset: 0n, recordCount: 1, logStartOffset: 0n },
      { topic: 'orders', partition: 2, baseOffset: 1n, lastOffset: 2n, recordCount: 2, logStartOffset: 0n },
    ])
    expect(requests.flatMap((r) => r.batches).sort()).toEqual(['0:10,10', '1:10', '2:10,10,10'])
  })

  it('a partition whose records of the call filled several batches: one entry over all of them', async () => {
    const { producer, requests } = await twoBrokers()
    await producer.sendBatch([small(1)], { metadata: 'partitions' })
    // Each 2,000-byte value fills a 1 KiB batch by itself: three batches of orders-1.
    const summary = await producer.sendBatch([full(1), full(1), full(1)], { metadata: 'partitions' })
    expect(summary).toEqual([{ topic: 'orders', partition: 1, baseOffset: 1n, lastOffset: 3n, recordCount: 3, logStartOffset: 0n }])
    expect(requests.flatMap((r) => r.batches)).toEqual(['1:10', '1:2000', '1:2000', '1:2000'])
    // The same as summing up the records' own metadata.
    const perRecord = await producer.sendBatch([full(1), small(0), full(1)])
    expect(perRecord.map((m) => `${m.partition}@${m.offset}`)).toEqual(['1@4', '0@0', '1@5'])
  })

  it('a wrong metadata option from plain JavaScript is a typed error naming it, and sends nothing', async () => {
    const { producer, requests } = await twoBrokers()
    const wrong = await producer.sendBatch([small(0)], { metadata: 'partition' } as never).catch((caught: unknown) => caught)
    expect(wrong).toBeInstanceOf(InvalidArgumentError)
    expect(String(wrong)).toMatch(/options\.metadata.*'partitions'/)
    const notAnObject = await producer.sendBatch([small(0)], 'partitions' as never).catch((caught: unknown) => caught)
    expect(String(notAnObject)).toMatch(/options/)
    await producer.flush()
    expect(requests).toEqual([])
  })
})
