import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { ConfigError } from '@kafkats/protocol'
import { type TransactionalLog, clusterInfo, createTopic, readTransactionalPartition } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { Producer } from './producer.js'
import { ProducerFencedError } from './producer-fenced-error.js'
import { TransactionAbortableError } from './transaction-abortable-error.js'
import { TransactionAbortedError } from './transaction-aborted-error.js'
import { TransactionStateError } from './transaction-state-error.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'transactions-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
afterAll(() => {
  metadata.close()
  pool.close()
})
/** Kafka 4.x finalizes transaction.version 2 at format time (testkit); 3.9 has only the classic protocol. */
const expectedTransactionVersion = cluster.kafkaVersion.startsWith('3.') ? 1 : 2

/** The log once every transaction has its marker (markers are written after EndTxn returns). */
async function readAll(topic: string, partitions: number): Promise<TransactionalLog> {
  for (let attempt = 0; ; attempt++) {
    const log = await readOnce(topic, partitions)
    if (log.open.length === 0 || attempt >= 50) return log
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function readOnce(topic: string, partitions: number): Promise<TransactionalLog> {
  const all: TransactionalLog = { committed: [], aborted: [], open: [], plain: [], commitMarkers: 0, abortMarkers: 0 }
  for (let partition = 0; partition < partitions; partition++) {
    const log = await readTransactionalPartition(metadata, pool, topic, partition)
    all.committed.push(...log.committed)
    all.aborted.push(...log.aborted)
    all.open.push(...log.open)
    all.plain.push(...log.plain)
    all.commitMarkers += log.commitMarkers
    all.abortMarkers += log.abortMarkers
  }
  return all
}

const sorted = (values: string[]): string[] => [...values].sort()
const range = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`)

describe('transactional producer against the real cluster', () => {
  it('commits and aborts: the log holds each transaction once, followed by its COMMIT or ABORT marker', async () => {
    const topic = `txn-basic-${Date.now()}`
    await createTopic(metadata, pool, topic, 3, 3)
    const producer = new Producer({ metadata, pool, transactionalId: `${topic}-tx`, lingerMs: 2 })
    expect(producer.transactionState).toBe('UNINITIALIZED')
    await producer.initTransactions()
    expect(producer.transactionState).toBe('READY')
    expect(producer.transactionVersion).toBe(expectedTransactionVersion)
    const ids: Array<{ producerId: bigint; producerEpoch: number }> = []
    producer.on('producerIdChanged', (event) => ids.push(event))

    producer.beginTransaction()
    const first = await Promise.all(range('committed-a', 300).map((value, i) => producer.send({ topic, key: `k${i}`, value })))
    expect(first.every((ack) => ack.offset >= 0n)).toBe(true)
    await producer.commitTransaction()
    expect(producer.transactionState).toBe('READY')

    producer.beginTransaction()
    await Promise.all(range('aborted', 120).map((value, i) => producer.send({ topic, key: `k${i}`, value })))
    await producer.abortTransaction()

    producer.beginTransaction()
    await Promise.all(range('committed-b', 50).map((value, i) => producer.send({ topic, key: `k${i}`, value })))
    await producer.commitTransaction()
    await producer.close()

    const log = await readAll(topic, 3)
    expect(sorted(log.committed)).toEqual(sorted([...range('committed-a', 300), ...range('committed-b', 50)]))
    expect(sorted(log.aborted)).toEqual(sorted(range('aborted', 120)))
    expect(log.open).toEqual([])
    expect(log.plain).toEqual([])
    // One marker per partition and transaction (every transaction touched all 3 partitions).
    expect(log.commitMarkers).toBe(6)
    expect(log.abortMarkers).toBe(3)
    // KIP-890 part 2 bumps the epoch on every EndTxn; the classic protocol keeps it.
    expect(ids.length).toBe(expectedTransactionVersion === 2 ? 3 : 0)
  })

  it('transaction(fn) commits on success and aborts when fn throws; unsent records fail with TransactionAbortedError', async () => {
    const topic = `txn-fn-${Date.now()}`
    await createTopic(metadata, pool, topic, 2, 3)
    const producer = new Producer({ metadata, pool, transactionalId: `${topic}-tx`, lingerMs: 50 })
    await producer.initTransactions()
    const count = await producer.transaction(async (tx) => {
      await tx.sendBatch(range('ok', 40).map((value) => ({ topic, value })))
      return 40
    })
    expect(count).toBe(40)
    let lingering: Promise<unknown> | undefined
    const failure = await producer
      .transaction(async (tx) => {
        await tx.send({ topic, value: 'sent-then-aborted' })
        // Still lingering (lingerMs 50) when the abort comes: never sent.
        lingering = tx.send({ topic, value: 'never-sent' }).catch((error: unknown) => error)
        throw new Error('transform failed')
      })
      .catch((error: unknown) => error)
    expect(String(failure)).toMatch(/transform failed/)
    expect(TransactionAbortedError.isInstance(await lingering)).toBe(true)
    expect(producer.transactionState).toBe('READY')
    await producer.transaction(async (tx) => {
      await tx.send({ topic, value: 'after-abort' })
    })
    await producer.close()
    const log = await readAll(topic, 2)
    expect(sorted(log.committed)).toEqual(sorted([...range('ok', 40), 'after-abort']))
    expect(log.aborted).toEqual(['sent-then-aborted'])
    expect(log.open).toEqual([])
  })

  it('fences a zombie: a second instance with the same transactionalId aborts the first one’s transaction; the first gets ProducerFencedError', async () => {
    const topic = `txn-zombie-${Date.now()}`
    await createTopic(metadata, pool, topic, 2, 3)
    const transactionalId = `${topic}-tx`
    const zombie = new Producer({ metadata, pool, transactionalId })
    await zombie.initTransactions()
    zombie.beginTransaction()
    await Promise.all(range('zombie', 20).map((value) => zombie.send({ topic, value })))

    const successor = new Producer({ metadata, pool, transactionalId })
    await successor.initTransactions()
    const zombieIds = zombie.producerIdentity
    expect(successor.producerIdentity.producerId).toBe(zombieIds.producerId)
    expect(successor.producerIdentity.producerEpoch).toBeGreaterThan(zombieIds.producerEpoch)

    // The zombie's next record is refused (INVALID_PRODUCER_EPOCH, abortable per KIP-588), so its
    // commit fails; aborting then meets the coordinator, which names the fencing: a fatal error.
    const sendError = await zombie.send({ topic, value: 'zombie-late' }).then(
      () => null,
      (error: unknown) => error,
    )
    expect(sendError).not.toBeNull()
    const commitError = await zombie.commitTransaction().catch((error: unknown) => error)
    expect(TransactionAbortableError.isInstance(commitError) || ProducerFencedError.isInstance(commitError)).toBe(true)
    const abortError = await zombie.abortTransaction().catch((error: unknown) => error)
    expect(ProducerFencedError.isInstance(abortError) || ProducerFencedError.isInstance(commitError)).toBe(true)
    expect(zombie.transactionState).toBe('FATAL_ERROR')
    // Every later call fails with the same fatal error.
    expect(() => zombie.beginTransaction()).toThrow(ProducerFencedError)
    expect(ProducerFencedError.isInstance(await zombie.send({ topic, value: 'x' }).catch((error: unknown) => error))).toBe(true)

    successor.beginTransaction()
    await Promise.all(range('successor', 10).map((value) => successor.send({ topic, value })))
    await successor.commitTransaction()
    await successor.close()
    await zombie.close().catch(() => undefined)

    const log = await readAll(topic, 2)
    expect(sorted(log.committed)).toEqual(sorted(range('successor', 10)))
    expect(log.committed.some((value) => value.startsWith('zombie'))).toBe(false)
    expect(log.open).toEqual([])
    // What the zombie had written before it was fenced was aborted by the coordinator.
    for (const value of range('zombie', 20)) expect(log.aborted).toContain(value)
  })

  it('rejects calls in the wrong state with TransactionStateError, and bad options with ConfigError', async () => {
    const topic = `txn-state-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3)
    const producer = new Producer({ metadata, pool, transactionalId: `${topic}-tx` })
    expect(() => producer.beginTransaction()).toThrow(TransactionStateError)
    await producer.initTransactions()
    await expect(producer.initTransactions()).rejects.toSatisfy((error: unknown) => TransactionStateError.isInstance(error))
    await expect(producer.send({ topic, value: 'outside' })).rejects.toSatisfy((error: unknown) => TransactionStateError.isInstance(error))
    await expect(producer.commitTransaction()).rejects.toSatisfy((error: unknown) => TransactionStateError.isInstance(error))
    producer.beginTransaction()
    expect(() => producer.beginTransaction()).toThrow(TransactionStateError)
    // An empty transaction commits without any request.
    await producer.commitTransaction()
    await producer.close()

    const plain = new Producer({ metadata, pool })
    await expect(plain.initTransactions()).rejects.toSatisfy((error: unknown) => TransactionStateError.isInstance(error))
    await plain.close()
    expect(() => new Producer({ metadata, pool, transactionalId: 'x', idempotent: false })).toThrow(ConfigError)
    expect(() => new Producer({ metadata, pool, transactionalId: '' })).toThrow(ConfigError)
  })
})
