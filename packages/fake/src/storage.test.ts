// FakeCluster.start({ dataDir }): produce, close, start again on the same directory, and read
// everything back: the same records at the same offsets (the stored bytes), committed offsets,
// the idempotent producer's sequence state, the transactional id's epoch and aborted transactions.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  EndTxnApi,
  ErrorCode,
  FetchApi,
  FindCoordinatorApi,
  InitProducerIdApi,
  OffsetCommitApi,
  OffsetFetchApi,
  ProduceApi,
  ZERO_UUID,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
} from '@kafkats/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeCluster } from './fake-cluster.js'
import { RawClient } from './raw-client.test-data.js'

const dirs: string[] = []
const clusters: FakeCluster[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const c of clusters.splice(0)) await c.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function start(dataDir: string): Promise<FakeCluster> {
  const cluster = await FakeCluster.start({ brokers: 3, dataDir })
  clusters.push(cluster)
  return cluster
}

async function client(cluster: FakeCluster, broker: number): Promise<RawClient> {
  const c = await RawClient.connect(cluster.bootstrap[broker - 1]!)
  clients.push(c)
  return c
}

const text = (s: string) => new TextEncoder().encode(s)

function batch(values: string[], producerId: bigint, producerEpoch: number, baseSequence: number, isTransactional = false): Uint8Array {
  return encodeRecordBatchSync(values.map((v) => ({ value: text(v) })), { producerId, producerEpoch, baseSequence, isTransactional })
}

async function produce(c: RawClient, partition: number, records: Uint8Array, transactionalId: string | null = null) {
  const response = await c.send(ProduceApi, 12, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: 'orders', topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }] })
  return response.responses[0]!.partitionResponses[0]!
}

async function fetchAll(c: RawClient, partition: number, isolationLevel: 0 | 1) {
  const response = await c.send(FetchApi, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    rackId: '',
    topics: [{ topic: 'orders', topicId: ZERO_UUID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID, highWatermark: -1n }] }],
    forgottenTopicsData: [],
  })
  return response.responses[0]!.partitions[0]!
}

function values(records: Uint8Array | null): string[] {
  if (records === null) return []
  return decodeRecordBatchesSync(records).batches.flatMap((b) => (b.isControl ? [`${b.control!.type}`] : b.records.map((r) => new TextDecoder().decode(r.value!))))
}

async function txnCoordinator(cluster: FakeCluster): Promise<RawClient> {
  const found = (await (await client(cluster, 1)).send(FindCoordinatorApi, 4, { keyType: 1, coordinatorKeys: ['tx'] })).coordinators[0]!
  return client(cluster, found.nodeId)
}

describe('FakeCluster with a dataDir', () => {
  it('keeps topics, records (same offsets, same bytes), committed offsets, producer and transaction state across a stop and start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kafkats-fake-'))
    dirs.push(dataDir)
    const first = await start(dataDir)
    first.createTopic('orders', { partitions: 2, replicationFactor: 3, configs: { 'retention.ms': '3600000' } })
    first.moveLeader({ topic: 'orders', partition: 1 }, 3)
    const c = await client(first, 1)
    const { producerId, producerEpoch } = await c.send(InitProducerIdApi, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 })
    expect((await produce(c, 0, batch(['a0', 'a1'], producerId, producerEpoch, 0))).baseOffset).toBe(0n)
    expect((await produce(c, 0, batch(['a2'], producerId, producerEpoch, 2))).baseOffset).toBe(2n)
    // A transaction aborted on partition 0: read_committed readers must still skip it after the restart.
    const tc = await txnCoordinator(first)
    const txn = await tc.send(InitProducerIdApi, 5, { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect((await produce(c, 0, batch(['t0'], txn.producerId, txn.producerEpoch, 0, true), 'tx')).errorCode).toBe(ErrorCode.NONE)
    expect((await tc.send(EndTxnApi, 5, { transactionalId: 'tx', producerId: txn.producerId, producerEpoch: txn.producerEpoch, committed: false })).errorCode).toBe(ErrorCode.NONE)
    const leader3 = await client(first, 3)
    expect((await produce(leader3, 1, batch(['b0'], -1n, -1, -1))).baseOffset).toBe(0n)
    const commit = await c.send(OffsetCommitApi, 8, { groupId: 'billing', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: 0, committedMetadata: 'md' }] }] })
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE)
    const before = { p0: await fetchAll(c, 0, 0), p1: await fetchAll(leader3, 1, 0), info: [first.partition('orders', 0), first.partition('orders', 1)], clusterId: first.clusterId }
    expect(values(before.p0.records)).toEqual(['a0', 'a1', 'a2', 't0', 'ABORT'])
    await first.close()
    clusters.splice(clusters.indexOf(first), 1)

    // On disk: each partition's batches as a log segment (the exact bytes fetched above).
    const segments = readdirSync(dataDir).filter((f) => f.endsWith('.log')).sort()
    expect(segments).toHaveLength(2)
    expect(new Uint8Array(readFileSync(join(dataDir, segments.find((s) => s.endsWith('-0.log'))!)))).toEqual(new Uint8Array(before.p0.records!))

    const second = await start(dataDir)
    expect(second.clusterId).toBe(before.clusterId)
    expect(second.topics()).toEqual(['orders'])
    expect([second.partition('orders', 0), second.partition('orders', 1)]).toEqual(before.info)
    const c2 = await client(second, 1)
    const after0 = await fetchAll(c2, 0, 0)
    expect(new Uint8Array(after0.records!)).toEqual(new Uint8Array(before.p0.records!))
    expect(new Uint8Array((await fetchAll(await client(second, 3), 1, 0)).records!)).toEqual(new Uint8Array(before.p1.records!))
    // read_committed still knows the aborted transaction.
    const committed = await fetchAll(c2, 0, 1)
    expect(committed.abortedTransactions).toEqual([{ producerId: txn.producerId, firstOffset: 3n }])
    // The idempotent producer's state: a retry of its last batch gets the original offset, the next sequence continues.
    expect((await produce(c2, 0, batch(['a2'], producerId, producerEpoch, 2))).baseOffset).toBe(2n)
    expect((await produce(c2, 0, batch(['a3'], producerId, producerEpoch, 3))).baseOffset).toBe(5n)
    expect((await produce(c2, 0, batch(['gap'], producerId, producerEpoch, 9))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // Committed offsets.
    const fetched = await c2.send(OffsetFetchApi, 8, { groups: [{ groupId: 'billing', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', topicId: ZERO_UUID, partitionIndexes: [0] }] }], requireStable: false })
    expect(fetched.groups[0]!.topics[0]!.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata])).toEqual([[2n, 0, 'md']])
    // The transactional id: a new instance gets the next epoch of the same producer id.
    const again = await (await txnCoordinator(second)).send(InitProducerIdApi, 5, { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect([again.producerId, again.producerEpoch]).toEqual([txn.producerId, txn.producerEpoch + 2])
    // New producer ids do not reuse stored ones.
    const fresh = await c2.send(InitProducerIdApi, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 })
    expect(fresh.producerId > txn.producerId).toBe(true)
  })

  it('starts empty on an empty directory; a topic without records comes back too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kafkats-fake-'))
    dirs.push(dataDir)
    const first = await start(dataDir)
    expect(first.topics()).toEqual([])
    first.createTopic('gone', { partitions: 1 })
    await first.close()
    clusters.splice(clusters.indexOf(first), 1)
    const second = await start(dataDir)
    expect(second.topics()).toEqual(['gone'])
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.log'))).toHaveLength(1)
  })
})
