// Error codes a real broker cannot be made to return on demand (OUT_OF_ORDER_SEQUENCE_NUMBER on a
// chosen batch, DUPLICATE_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID) come from the in-process fake
// broker, built on the same generated codecs. Everything else runs against the real cluster.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  ErrorCode,
  InitProducerIdApi,
  MetadataApi,
  ProduceApi,
  type ProduceRequest,
  createMetadataResponseTopic,
  decodeRecordBatchesSync,
} from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { ordersMetadata, ordersProduceAnswer } from './fake-brokers.test-data.js'
import { BufferFullError } from './buffer-full-error.js'
import { DeliveryTimeoutError } from './delivery-timeout-error.js'
import { Producer, type ProducerEvents } from './producer.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface SeenBatch {
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  values: string[]
}

/** A one-broker cluster with topic `orders` (1 partition) whose Produce answers come from `answer`. */
async function fakeCluster(answer: (batch: SeenBatch, count: number) => { errorCode: number; baseOffset?: bigint; delayMs?: number }) {
  const broker = await FakeBroker.start()
  const seen: SeenBatch[] = []
  const initRequests: Array<{ producerId: bigint; producerEpoch: number }> = []
  let epoch = 0
  let nextOffset = 0n
  broker.on(MetadataApi, () => ordersMetadata([broker]))
  broker.on(InitProducerIdApi, (request) => {
    initRequests.push({ producerId: request.producerId, producerEpoch: request.producerEpoch })
    if (request.producerId >= 0n) epoch = request.producerEpoch + 1
    return InitProducerIdApi.createResponse({ producerId: 1000n, producerEpoch: epoch })
  })
  let produceCount = 0
  broker.on(ProduceApi, async (request: ProduceRequest) => {
    produceCount++
    const records = request.topicData[0]!.partitionData[0]!.records!
    const [decoded] = decodeRecordBatchesSync(records).batches
    const batch: SeenBatch = {
      producerId: decoded!.producerId,
      producerEpoch: decoded!.producerEpoch,
      baseSequence: decoded!.baseSequence,
      values: decoded!.records.map((record) => new TextDecoder().decode(record.value!)),
    }
    seen.push(batch)
    const { errorCode, baseOffset, delayMs } = answer(batch, produceCount)
    if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs))
    let offset = baseOffset ?? -1n
    if (errorCode === 0) {
      offset = nextOffset
      nextOffset += BigInt(batch.values.length)
    }
    return ordersProduceAnswer([{ index: 0, errorCode, baseOffset: offset }])
  })
  const pool = new ConnectionPool({ clientId: 'producer-fake' })
  const metadata = new ClusterMetadata({ bootstrapBrokers: [broker.address], pool })
  cleanups.push(() => broker.close())
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  // One record per batch, sent at once: several batches of the partition in flight together.
  const producer = new Producer({ metadata, pool, lingerMs: 0, batchMaxBytes: 1, retryBackoffMs: 10 })
  const dataLoss: Array<ProducerEvents['possibleDataLoss']> = []
  producer.on('possibleDataLoss', (event) => dataLoss.push(event))
  return { producer, seen, initRequests, dataLoss }
}

describe('Producer idempotence error handling (fake broker)', () => {
  it('bumps the epoch and resends from sequence 0 on OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest batch', async () => {
    const cluster = await fakeCluster((_batch, count) => ({ errorCode: count === 1 ? ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER : 0 }))
    const ack = await cluster.producer.send({ topic: 'orders', value: 'a' })
    expect(ack.offset).toBe(0n)
    expect(cluster.initRequests).toEqual([
      { producerId: -1n, producerEpoch: -1 },
      { producerId: 1000n, producerEpoch: 0 }, // KIP-360 bump: same id, current epoch
    ])
    expect(cluster.seen.map((b) => [b.producerEpoch, b.baseSequence, b.values])).toEqual([
      [0, 0, ['a']],
      [1, 0, ['a']],
    ])
    expect(cluster.dataLoss).toEqual([{ topic: 'orders', partition: 0, errorName: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }])
    expect(cluster.producer.producerIdentity).toEqual({ producerId: 1000n, producerEpoch: 1 })
  })

  it('sends one batch of a partition at a time until the broker acknowledged one: it would accept any first sequence', async () => {
    // A broker without state for this producer (Kafka 3.9: any new producer) appends whatever
    // sequence comes first. Were 'b' in flight while 'a' failed retriably, it would land first.
    const cluster = await fakeCluster((_batch, count) => ({ errorCode: count === 1 ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0, delayMs: 20 }))
    const acks = await Promise.all(['a', 'b', 'c'].map((value) => cluster.producer.send({ topic: 'orders', value })))
    expect(acks.map((ack) => ack.offset)).toEqual([0n, 1n, 2n])
    expect(cluster.seen.map((b) => [b.baseSequence, b.values])).toEqual([
      [0, ['a']],
      [0, ['a']],
      [1, ['b']],
      [2, ['c']],
    ])
  })

  it('does not bump the epoch for OUT_OF_ORDER_SEQUENCE_NUMBER on a later in-flight batch; resends both in order', async () => {
    const cluster = await fakeCluster((_batch, count) => {
      if (count === 2) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, delayMs: 50 } // the head fails retriably
      if (count === 3) return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } // so the next is refused
      return { errorCode: 0 }
    })
    // First the broker gets to know this producer: only then are several batches of a partition in flight.
    await cluster.producer.send({ topic: 'orders', value: 'first' })
    const acks = await Promise.all(['a', 'b'].map((value) => cluster.producer.send({ topic: 'orders', value })))
    expect(acks.map((ack) => ack.offset)).toEqual([1n, 2n])
    expect(cluster.initRequests).toHaveLength(1)
    expect(cluster.dataLoss).toEqual([])
    expect(cluster.seen.map((b) => [b.producerEpoch, b.baseSequence, b.values])).toEqual([
      [0, 0, ['first']],
      [0, 1, ['a']],
      [0, 2, ['b']],
      [0, 1, ['a']],
      [0, 2, ['b']],
    ])
  })

  it('counts DUPLICATE_SEQUENCE_NUMBER as success', async () => {
    const cluster = await fakeCluster(() => ({ errorCode: ErrorCode.DUPLICATE_SEQUENCE_NUMBER, baseOffset: 41n }))
    const ack = await cluster.producer.send({ topic: 'orders', value: 'a' })
    expect(ack.offset).toBe(41n)
    expect(cluster.seen).toHaveLength(1)
    expect(cluster.initRequests).toHaveLength(1)
  })

  it('recovers from UNKNOWN_PRODUCER_ID with an epoch bump and reports possible data loss', async () => {
    const cluster = await fakeCluster((_batch, count) => ({ errorCode: count === 2 ? ErrorCode.UNKNOWN_PRODUCER_ID : 0 }))
    const first = await cluster.producer.send({ topic: 'orders', value: 'a' })
    const second = await cluster.producer.send({ topic: 'orders', value: 'b' })
    expect([first.offset, second.offset]).toEqual([0n, 1n])
    expect(cluster.seen.map((b) => [b.producerEpoch, b.baseSequence, b.values])).toEqual([
      [0, 0, ['a']],
      [0, 1, ['b']],
      [1, 0, ['b']],
    ])
    expect(cluster.dataLoss.map((event) => event.errorName)).toEqual(['UNKNOWN_PRODUCER_ID'])
  })

  it('fails a batch the broker rejects for good and re-sequences the batches after it', async () => {
    const cluster = await fakeCluster((batch, count) => {
      if (batch.values[0] === 'too-big') return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, delayMs: 30 }
      if (count === 3) return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER }
      return { errorCode: 0 }
    })
    await cluster.producer.send({ topic: 'orders', value: 'first' })
    const [bad, good] = await Promise.allSettled(['too-big', 'fine'].map((value) => cluster.producer.send({ topic: 'orders', value })))
    expect(bad?.status).toBe('rejected')
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/MESSAGE_TOO_LARGE/)
    expect(good?.status).toBe('fulfilled')
    // 'fine' had sequence 2; with 'too-big' never written it must take over sequence 1.
    expect(cluster.seen.map((b) => [b.baseSequence, b.values])).toEqual([
      [0, ['first']],
      [1, ['too-big']],
      [2, ['fine']],
      [1, ['fine']],
    ])
    expect(cluster.initRequests).toHaveLength(1)
  })
})

describe('Producer leader hints, delivery timeout and back-pressure (fake broker)', () => {
  async function twoBrokers() {
    const first = await FakeBroker.start()
    const second = await FakeBroker.start()
    cleanups.push(() => first.close())
    cleanups.push(() => second.close())
    // Broker 2 is not in this (stale) metadata: only the KIP-951 hint names it.
    const metadataAnswer = () => ordersMetadata([first], [{ partition: 0, leader: 1, replicas: [1, 2] }])
    for (const broker of [first, second]) {
      broker.on(MetadataApi, metadataAnswer)
      broker.on(InitProducerIdApi, () => InitProducerIdApi.createResponse({ producerId: 7n, producerEpoch: 0 }))
    }
    const pool = new ConnectionPool({ clientId: 'producer-fake', requestTimeoutMs: 300 })
    const metadata = new ClusterMetadata({ bootstrapBrokers: [first.address], pool })
    cleanups.push(() => {
      metadata.close()
      pool.close()
    })
    return { first, second, pool, metadata }
  }

  const produceAnswer = (errorCode: number, offset: bigint, currentLeader = { leaderId: -1, leaderEpoch: -1 }, nodeEndpoints: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = []) =>
    ordersProduceAnswer([{ index: 0, errorCode, baseOffset: offset, currentLeader }], nodeEndpoints)

  it('follows the KIP-951 leader hint of a NOT_LEADER_OR_FOLLOWER answer without waiting for metadata', async () => {
    const { first, second, pool, metadata } = await twoBrokers()
    first.on(ProduceApi, () =>
      produceAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n, { leaderId: 2, leaderEpoch: 1 }, [{ nodeId: 2, host: second.host, port: second.port, rack: null }]),
    )
    second.on(ProduceApi, () => produceAnswer(0, 500n))
    const producer = new Producer({ metadata, pool, retryBackoffMs: 5 })
    const ack = await producer.send({ topic: 'orders', value: 'a' })
    expect(ack.offset).toBe(500n)
    expect(metadata.partition('orders', 0)).toMatchObject({ leader: 2, leaderEpoch: 1 })
    expect(second.received.filter((request) => request.apiKey === ProduceApi.apiKey)).toHaveLength(1)
  })

  it('fails a batch that stays unacknowledged past deliveryTimeoutMs, then bumps the epoch before sending more', async () => {
    const { first, pool, metadata } = await twoBrokers()
    let answering = false
    const epochs: number[] = []
    first.on(ProduceApi, (request) => {
      epochs.push(decodeRecordBatchesSync(request.topicData[0]!.partitionData[0]!.records!).batches[0]!.producerEpoch)
      return answering ? produceAnswer(0, 0n) : { action: 'drop-response' }
    })
    let bumps = 0
    first.on(InitProducerIdApi, (request) => {
      if (request.producerId >= 0n) bumps++
      return InitProducerIdApi.createResponse({ producerId: 7n, producerEpoch: request.producerId >= 0n ? request.producerEpoch + 1 : 0 })
    })
    const producer = new Producer({ metadata, pool, deliveryTimeoutMs: 800, ackTimeoutMs: 50, retryBackoffMs: 20 })
    const started = Date.now()
    const error = await producer.send({ topic: 'orders', value: 'lost?' }).catch((caught: unknown) => caught)
    expect(DeliveryTimeoutError.isInstance(error)).toBe(true)
    expect((error as DeliveryTimeoutError).maybeWritten).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_000)
    answering = true
    const ack = await producer.send({ topic: 'orders', value: 'next' })
    expect(ack.offset).toBe(0n)
    expect(bumps).toBe(1)
    expect(epochs.at(-1)).toBe(1)
  })

  it('makes send wait and trySend fail when the buffer is full', async () => {
    const { first, pool, metadata } = await twoBrokers()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    first.on(ProduceApi, async () => {
      await gate
      return produceAnswer(0, 0n)
    })
    const producer = new Producer({ metadata, pool, bufferMaxRecords: 3, lingerMs: 0 })
    const accepted = [producer.send({ topic: 'orders', value: '1' }), producer.send({ topic: 'orders', value: '2' }), producer.send({ topic: 'orders', value: '3' })]
    let fourthDone = false
    const fourth = producer.send({ topic: 'orders', value: '4' }).then((ack) => {
      fourthDone = true
      return ack
    })
    const refused = await producer.trySend({ topic: 'orders', value: '5' }).catch((caught: unknown) => caught)
    expect(BufferFullError.isInstance(refused)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fourthDone).toBe(false)
    release()
    await Promise.all([...accepted, fourth])
    expect(fourthDone).toBe(true)
  })

  it('sends again when the topic drops out of the metadata while a batch waits out its retry back-off', async () => {
    // Kafka 3.9, right after CreateTopics: the leader answers UNKNOWN_TOPIC_OR_PARTITION, and the
    // metadata refresh that error asks for lands on a broker that does not list the topic yet.
    const broker = await FakeBroker.start()
    cleanups.push(() => broker.close())
    let metadataCalls = 0
    broker.on(MetadataApi, () => {
      const answer = ordersMetadata([broker])
      if (++metadataCalls === 2) answer.topics = [createMetadataResponseTopic({ name: 'orders', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })]
      return answer
    })
    broker.on(ProduceApi, (_request, context) => produceAnswer(context.count === 1 ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0, 0n))
    const pool = new ConnectionPool({ clientId: 'producer-fake' })
    const metadata = new ClusterMetadata({ bootstrapBrokers: [broker.address], pool, refreshMinIntervalMs: 0 })
    cleanups.push(() => {
      metadata.close()
      pool.close()
    })
    // The back-off outlasts the refresh, so the topic is gone from the metadata when the retry is due.
    const producer = new Producer({ metadata, pool, idempotent: false, acks: 1, retryBackoffMs: 200 })
    const ack = await producer.send({ topic: 'orders', value: 'a' })
    expect(ack.offset).toBe(0n)
    expect(metadataCalls).toBeGreaterThanOrEqual(3)
    expect(broker.received.filter((request) => request.apiKey === ProduceApi.apiKey)).toHaveLength(2)
  })
})

describe('Producer sendBatch (one promise per call) and send with a callback (fake broker)', () => {
  it('sendBatch resolves once with every record metadata in send order; { metadata: false } resolves with nothing', async () => {
    const cluster = await fakeCluster(() => ({ errorCode: 0 }))
    await cluster.producer.send({ topic: 'orders', value: 'first' })
    const acks = await cluster.producer.sendBatch(['a', 'b', 'c'].map((value) => ({ topic: 'orders', value, timestamp: 1_700_000_000_000 })))
    expect(acks.map((ack) => [ack.topic, ack.partition, ack.offset, ack.timestamp])).toEqual([
      ['orders', 0, 1n, 1_700_000_000_000n],
      ['orders', 0, 2n, 1_700_000_000_000n],
      ['orders', 0, 3n, 1_700_000_000_000n],
    ])
    const nothing = await cluster.producer.sendBatch(['d', 'e'].map((value) => ({ topic: 'orders', value })), { metadata: false })
    expect(nothing).toBeUndefined()
    expect(await cluster.producer.sendBatch([])).toEqual([])
    expect(cluster.seen.map((batch) => batch.values[0])).toEqual(['first', 'a', 'b', 'c', 'd', 'e'])
  })

  it('sendBatch before the producer started (the slow path) keeps send order and resolves once', async () => {
    const cluster = await fakeCluster(() => ({ errorCode: 0 }))
    const acks = await cluster.producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: 'orders', value: `v${i}` })))
    expect(acks.map((ack) => ack.offset)).toEqual([0n, 1n, 2n, 3n, 4n])
    expect(cluster.seen.flatMap((batch) => batch.values)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4'])
  })

  it('sendBatch rejects with the first failure while the other records are still delivered', async () => {
    const cluster = await fakeCluster((batch) => (batch.values[0] === 'too-big' ? { errorCode: ErrorCode.MESSAGE_TOO_LARGE } : { errorCode: 0 }))
    await cluster.producer.send({ topic: 'orders', value: 'first' })
    const error = await cluster.producer.sendBatch(['ok-1', 'too-big', 'ok-2'].map((value) => ({ topic: 'orders', value }))).catch((caught: unknown) => caught)
    expect(String(error)).toMatch(/MESSAGE_TOO_LARGE/)
    await cluster.producer.flush()
    const delivered = cluster.seen.filter((batch) => batch.values[0] !== 'too-big').map((batch) => batch.values[0])
    expect(delivered).toEqual(['first', 'ok-1', 'ok-2'])
    // and an invalid record in the batch fails the call at once, typed
    const invalid = await cluster.producer.sendBatch([{ topic: 'orders', value: 'x' }, { topic: 'orders', value: 'y', partition: 5 }]).catch((caught: unknown) => caught)
    expect(String(invalid)).toMatch(/record\.partition/)
  })

  it('send with a callback returns nothing and calls back once per record; metadata only for a callback that declares it', async () => {
    const cluster = await fakeCluster((batch) => (batch.values[0] === 'too-big' ? { errorCode: ErrorCode.MESSAGE_TOO_LARGE } : { errorCode: 0 }))
    await cluster.producer.send({ topic: 'orders', value: 'first' })
    const withMetadata: Array<[string | null, bigint | undefined]> = []
    const errorsOnly: unknown[][] = []
    const both = (error: Error | null, metadata?: { offset: bigint }) => void withMetadata.push([error === null ? null : error.name, metadata?.offset])
    // a rest parameter declares no second parameter (length 0): it sees exactly what is passed
    const oneParameter = (...args: unknown[]) => void errorsOnly.push(args)
    expect(cluster.producer.send({ topic: 'orders', value: 'a' }, both)).toBeUndefined()
    cluster.producer.send({ topic: 'orders', value: 'too-big' }, both)
    cluster.producer.send({ topic: 'orders', value: 'b' }, oneParameter)
    cluster.producer.send({ topic: 'orders', value: 'c' }, oneParameter)
    cluster.producer.send({ topic: 'orders', value: 'bad', partition: 9 }, oneParameter)
    await cluster.producer.flush()
    expect(withMetadata).toEqual([
      [null, 1n],
      ['KafkaProtocolError', undefined],
    ])
    expect(errorsOnly.map((args) => (args[0] === null ? null : (args[0] as Error).name))).toEqual(['InvalidArgumentError', null, null])
    expect(errorsOnly.map((args) => args.length)).toEqual([1, 1, 1])
    await cluster.producer.close()
    const closed: Array<Error | null> = []
    cluster.producer.send({ topic: 'orders', value: 'late' }, (error) => void closed.push(error))
    expect(closed.map((error) => error?.name)).toEqual(['ProducerClosedError'])
  })
})
