// Transactions across clients: Kafka's Java transactional producer writes committed and aborted
// transactions and kafkats' read_committed consumer must read exactly the committed ones; kafkats'
// transactional producer writes both kinds and Java's read_committed consumer must read exactly
// the committed ones. Plus: a read_committed kafkats consumer stops at the LSO of an open
// transaction.
import { clusterInfo } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { javaReadCommitted, runTxnTool } from './java-txn-tool.test-data.js'
import { Kafka, Offset, ProducerFencedError } from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'txn-interop' })
const admin = kafka.admin()
afterAll(() => kafka.close())

const decoder = new TextDecoder()

/** Every value a kafkats read_committed direct consumer reads from the beginning up to the end offsets of all partitions. */
async function kafkatsReadCommitted(topic: string, partitions: number): Promise<string[]> {
  const ends = await admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' })
  const consumer = kafka.consumer({ assign: { [topic]: Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, Offset.earliest()])) }, isolationLevel: 'read_committed' })
  const values: string[] = []
  const position = new Map<number, bigint>()
  const done = (): boolean => Array.from({ length: partitions }, (_, p) => p).every((p) => (position.get(p) ?? 0n) >= ends[topic]![p]!.offset)
  // Aborted records and markers yield no batch, so a partition may end without reaching its end
  // offset in `position`: stop after several empty polls in a row.
  const deadline = Date.now() + 60_000
  let emptyPolls = 0
  while (!done() && emptyPolls < 6 && Date.now() < deadline) {
    const batches = await consumer.poll({ maxWaitMs: 500 })
    emptyPolls = batches.length === 0 ? emptyPolls + 1 : 0
    for (const batch of batches) {
      for (const record of batch.records) values.push(decoder.decode(record.value!))
      position.set(batch.partition, batch.nextOffset)
    }
  }
  await consumer.close()
  return values
}

describe('transactions: Java interop and read_committed (real cluster)', () => {
  it('kafkats read_committed reads exactly the committed transactions of the Java transactional producer', async () => {
    const topic = `txn-java-to-kafkats-${Date.now()}`
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    // 6 transactions of 50 records: 0, 2, 4 committed; 1, 3, 5 aborted.
    await runTxnTool(['produce', cluster.bootstrap.plaintext.join(','), topic, `${topic}-java`, '6', '50'])
    const values = await kafkatsReadCommitted(topic, 3)
    const expected = [0, 2, 4].flatMap((t) => Array.from({ length: 50 }, (_, i) => `java-commit-${t}-${i}`))
    expect([...values].sort()).toEqual(expected.sort())
    // The aborted records are in the log (read_uncommitted sees them), just not for read_committed.
    const ends = await admin.listOffsets({ [topic]: 'latest' })
    const total = Object.values(ends[topic]!).reduce((sum, offset) => sum + offset.offset, 0n)
    expect(total).toBeGreaterThanOrEqual(300n)
  })

  it('Java read_committed reads exactly the committed transactions of the kafkats transactional producer', async () => {
    const topic = `txn-kafkats-to-java-${Date.now()}`
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    const producer = kafka.producer({ transactionalId: `${topic}-tx`, lingerMs: 2 })
    await producer.initTransactions()
    for (let t = 0; t < 6; t++) {
      producer.beginTransaction()
      await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `${t % 2 === 0 ? 'commit' : 'abort'}-${t}-${i}` })))
      if (t % 2 === 0) await producer.commitTransaction()
      else await producer.abortTransaction()
    }
    await producer.close()
    const values = await javaReadCommitted(topic)
    const expected = [0, 2, 4].flatMap((t) => Array.from({ length: 50 }, (_, i) => `commit-${t}-${i}`))
    expect([...values].sort()).toEqual(expected.sort())
  })

  it('a read_committed consumer stops at the LSO of an open transaction and gets its records once it commits', async () => {
    const topic = `txn-lso-${Date.now()}`
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 3 }])
    const producer = kafka.producer({ transactionalId: `${topic}-tx`, lingerMs: 0 })
    await producer.initTransactions()
    await producer.transaction(async (tx) => {
      await tx.send({ topic, value: 'first' })
    })
    producer.beginTransaction()
    await Promise.all(['open-1', 'open-2'].map((value) => producer.send({ topic, value })))
    const committedOnly = await admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' })
    const uncommitted = await admin.listOffsets({ [topic]: 'latest' })
    // LSO stops before the open transaction; the high watermark includes it.
    expect(committedOnly[topic]![0]!.offset).toBeLessThan(uncommitted[topic]![0]!.offset)

    const consumer = kafka.consumer({ assign: { [topic]: { 0: Offset.earliest() } }, isolationLevel: 'read_committed' })
    const seen: string[] = []
    for (let i = 0; i < 4; i++) for (const batch of await consumer.poll({ maxWaitMs: 300 })) seen.push(...batch.records.map((record) => decoder.decode(record.value!)))
    expect(seen).toEqual(['first'])
    await producer.commitTransaction()
    const deadline = Date.now() + 20_000
    while (seen.length < 3 && Date.now() < deadline) for (const batch of await consumer.poll({ maxWaitMs: 500 })) seen.push(...batch.records.map((record) => decoder.decode(record.value!)))
    await consumer.close()
    await producer.close()
    expect(seen).toEqual(['first', 'open-1', 'open-2'])
  })

  it('admin.fenceProducers fences a running transactional producer; its open transaction is aborted', async () => {
    const topic = `txn-fence-${Date.now()}`
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 3 }])
    const transactionalId = `${topic}-tx`
    const producer = kafka.producer({ transactionalId })
    await producer.initTransactions()
    producer.beginTransaction()
    await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, value })))
    const [fenced] = await admin.fenceProducers([transactionalId])
    expect(fenced!.error).toBeUndefined()
    expect(fenced!.producerId).toBe(producer.producerIdentity.producerId)
    expect(fenced!.producerEpoch).toBeGreaterThan(producer.producerIdentity.producerEpoch)
    const commitError = await producer.commitTransaction().catch((error: unknown) => error)
    const abortError = await producer.abortTransaction().catch((error: unknown) => error)
    expect(ProducerFencedError.isInstance(commitError) || ProducerFencedError.isInstance(abortError)).toBe(true)
    expect(producer.transactionState).toBe('FATAL_ERROR')
    await producer.close().catch(() => undefined)
    expect(await kafkatsReadCommitted(topic, 1)).toEqual([])
    await expect(admin.fenceProducers([transactionalId, transactionalId])).rejects.toThrow(/transactionalIds/)
  })

  it('admin.abortTransaction (WriteTxnMarkers) aborts a hanging transaction on a partition and moves its LSO', async () => {
    const topic = `txn-hanging-${Date.now()}`
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 3 }])
    const producer = kafka.producer({ transactionalId: `${topic}-tx`, transactionTimeoutMs: 20_000 })
    await producer.initTransactions()
    producer.beginTransaction()
    await Promise.all(['h1', 'h2'].map((value) => producer.send({ topic, value })))
    const before = await admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' })
    const described = await admin.describeProducers([topic])
    const hanging = described[topic]![0]!.producers.find((p) => p.currentTransactionStartOffset >= 0n)
    expect(hanging).toBeDefined()
    expect(hanging!.producerId).toBe(producer.producerIdentity.producerId)
    await admin.abortTransaction({ topic, partition: 0, producerId: hanging!.producerId, producerEpoch: hanging!.producerEpoch, coordinatorEpoch: hanging!.coordinatorEpoch })
    const after = await admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' })
    const end = await admin.listOffsets({ [topic]: 'latest' })
    expect(before[topic]![0]!.offset).toBe(0n)
    // The ABORT marker was written: the LSO is the log end now.
    expect(after[topic]![0]!.offset).toBe(end[topic]![0]!.offset)
    expect(await kafkatsReadCommitted(topic, 1)).toEqual([])
    await expect(admin.abortTransaction({ topic, partition: 0, producerId: -1n, producerEpoch: 0, coordinatorEpoch: 0 })).rejects.toThrow(/producerId/)
    await producer.abortTransaction().catch(() => undefined)
    await producer.close().catch(() => undefined)
  })
})
