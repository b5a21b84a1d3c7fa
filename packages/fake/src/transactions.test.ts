// The fake's transactions, request by request with the raw client (so the test sees exactly what
// the fake answers): the classic protocol (transaction.version 1: AddPartitionsToTxn,
// AddOffsetsToTxn, EndTxn v4) and KIP-890 part 2 (transaction.version 2: Produce v12 adds the
// partition, EndTxn v5 bumps the epoch), fencing, the transaction timeout, read_committed fetches
// stopping at the LSO and skipping aborted transactions, offsets visible only after commit.
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  ApiVersionsApi,
  DescribeProducersApi,
  DescribeTransactionsApi,
  EndTxnApi,
  ErrorCode,
  FetchApi,
  FindCoordinatorApi,
  InitProducerIdApi,
  ListOffsetsApi,
  ListTransactionsApi,
  OffsetFetchApi,
  ProduceApi,
  TxnOffsetCommitApi,
  WriteTxnMarkersApi,
  ZERO_UUID,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
  type FetchResponse,
} from '@kafkats/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeCluster, type FakeClusterOptions } from './fake-cluster.js'
import { RawClient } from './raw-client.test-data.js'

const clusters: FakeCluster[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const c of clusters.splice(0)) await c.close()
})

async function start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const cluster = await FakeCluster.start({ brokers: 3, ...options })
  clusters.push(cluster)
  return cluster
}

async function client(cluster: FakeCluster, broker: number): Promise<RawClient> {
  const c = await RawClient.connect(cluster.bootstrap[broker - 1]!)
  clients.push(c)
  return c
}

/** A connection to the transaction coordinator of `transactionalId` (FindCoordinator key type 1). */
async function coordinator(cluster: FakeCluster, transactionalId: string, keyType = 1): Promise<RawClient> {
  const any = await client(cluster, 1)
  const found = (await any.send(FindCoordinatorApi, 4, { keyType, coordinatorKeys: [transactionalId] })).coordinators[0]!
  expect(found.errorCode).toBe(ErrorCode.NONE)
  return client(cluster, found.nodeId)
}

const text = (s: string) => new TextEncoder().encode(s)

interface Identity {
  producerId: bigint
  producerEpoch: number
}

function txnBatch(values: string[], id: Identity, baseSequence: number): Uint8Array {
  return encodeRecordBatchSync(
    values.map((v) => ({ value: text(v) })),
    { producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence, isTransactional: true },
  )
}

async function produce(c: RawClient, version: number, transactionalId: string, topic: string, records: Uint8Array) {
  const response = await c.send(ProduceApi, version, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] })
  return response.responses[0]!.partitionResponses[0]!
}

async function fetch(c: RawClient, topic: string, isolationLevel: 0 | 1): Promise<FetchResponse['responses'][number]['partitions'][number]> {
  const response = await c.send(FetchApi, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    rackId: '',
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID, highWatermark: -1n }] }],
    forgottenTopicsData: [],
  })
  return response.responses[0]!.partitions[0]!
}

/** Data records and markers of a fetch answer, in log order: `value` or `COMMIT@epoch` / `ABORT@epoch`. */
function entries(partition: { records: Uint8Array | null }): string[] {
  const out: string[] = []
  if (partition.records === null) return out
  for (const b of decodeRecordBatchesSync(partition.records).batches) {
    if (b.isControl) out.push(`${b.control!.type}@${b.producerEpoch}`)
    else for (const r of b.records) out.push(new TextDecoder().decode(r.value!))
  }
  return out
}

/** Values a read_committed consumer keeps: records of aborted transactions dropped (as clients do with abortedTransactions). */
function committedValues(partition: FetchResponse['responses'][number]['partitions'][number]): string[] {
  // Each aborted transaction applies from its first offset up to its ABORT marker.
  const aborted = [...(partition.abortedTransactions ?? [])].sort((x, y) => (x.firstOffset < y.firstOffset ? -1 : 1))
  const out: string[] = []
  const open = new Set<bigint>()
  if (partition.records === null) return out
  for (const b of decodeRecordBatchesSync(partition.records).batches) {
    while (aborted.length > 0 && aborted[0]!.firstOffset <= b.baseOffset) open.add(aborted.shift()!.producerId)
    if (b.isControl) {
      if (b.control!.type === 'ABORT') open.delete(b.producerId)
      continue
    }
    if (b.isTransactional && open.has(b.producerId)) continue
    for (const r of b.records) out.push(new TextDecoder().decode(r.value!))
  }
  return out
}

async function latest(c: RawClient, topic: string, isolationLevel: 0 | 1): Promise<bigint> {
  const response = await c.send(ListOffsetsApi, 9, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })
  return response.topics[0]!.partitions[0]!.offset
}

async function init(c: RawClient, transactionalId: string, transactionTimeoutMs = 60_000): Promise<Identity> {
  const response = await c.send(InitProducerIdApi, 5, { transactionalId, transactionTimeoutMs, producerId: -1n, producerEpoch: -1 })
  expect(response.errorCode).toBe(ErrorCode.NONE)
  return { producerId: response.producerId, producerEpoch: response.producerEpoch }
}

describe('FakeCluster transactions', () => {
  it('advertises transaction.version 2 by default and 1 when asked (what producers choose the protocol from)', async () => {
    const levelOf = async (cluster: FakeCluster) => {
      const response = await (await client(cluster, 1)).send(ApiVersionsApi, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })
      return response.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel
    }
    expect(await levelOf(await start())).toBe(2)
    expect(await levelOf(await start({ transactionVersion: 1 }))).toBe(1)
  })

  it('classic protocol (TV1): AddPartitionsToTxn before producing, AddOffsetsToTxn + TxnOffsetCommit, EndTxn v4 commits with markers; offsets visible only after commit', async () => {
    const cluster = await start({ transactionVersion: 1 })
    cluster.createTopic('in', { partitions: 1, replicationFactor: 1 })
    cluster.createTopic('out', { partitions: 1, replicationFactor: 1 })
    const txnCoordinator = await coordinator(cluster, 'tx-classic')
    const id = await init(txnCoordinator, 'tx-classic')
    expect(id.producerEpoch).toBe(0)
    const leader = await client(cluster, 1)

    // Not added yet: the leader refuses the transactional batch.
    expect((await produce(leader, 11, 'tx-classic', 'out', txnBatch(['early'], id, 0))).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    const added = await txnCoordinator.send(AddPartitionsToTxnApi, 3, { v3AndBelowTransactionalId: 'tx-classic', v3AndBelowProducerId: id.producerId, v3AndBelowProducerEpoch: id.producerEpoch, v3AndBelowTopics: [{ name: 'out', partitions: [0] }] })
    expect(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.NONE)
    expect((await produce(leader, 11, 'tx-classic', 'out', txnBatch(['a', 'b'], id, 0))).errorCode).toBe(ErrorCode.NONE)

    // Offsets: TxnOffsetCommit v3 needs AddOffsetsToTxn first.
    const groupCoordinator = await coordinator(cluster, 'g', 0)
    const commitOffsets = () =>
      groupCoordinator.send(TxnOffsetCommitApi, 3, {
        transactionalId: 'tx-classic',
        groupId: 'g',
        producerId: id.producerId,
        producerEpoch: id.producerEpoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: '' }] }],
      })
    expect((await commitOffsets()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    expect((await txnCoordinator.send(AddOffsetsToTxnApi, 3, { transactionalId: 'tx-classic', producerId: id.producerId, producerEpoch: id.producerEpoch, groupId: 'g' })).errorCode).toBe(ErrorCode.NONE)
    expect((await commitOffsets()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE)
    const committedOffset = async (requireStable: boolean) => {
      const response = await groupCoordinator.send(OffsetFetchApi, 8, { requireStable, groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 'in', topicId: ZERO_UUID, partitionIndexes: [0] }] }] })
      const p = response.groups[0]!.topics[0]!.partitions[0]!
      return { offset: p.committedOffset, errorCode: p.errorCode }
    }
    expect(await committedOffset(false)).toEqual({ offset: -1n, errorCode: ErrorCode.NONE })
    expect(await committedOffset(true)).toEqual({ offset: -1n, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT })

    // Open transaction: the LSO stays at its first offset; read_committed sees nothing.
    expect(await latest(leader, 'out', 1)).toBe(0n)
    expect(await latest(leader, 'out', 0)).toBe(2n)
    expect(entries(await fetch(leader, 'out', 1))).toEqual([])
    expect(cluster.partition('out', 0).lastStableOffset).toBe(0n)

    const ended = await txnCoordinator.send(EndTxnApi, 4, { transactionalId: 'tx-classic', producerId: id.producerId, producerEpoch: id.producerEpoch, committed: true })
    expect(ended.errorCode).toBe(ErrorCode.NONE)
    // Classic: the marker carries the producer's epoch unchanged, and a retried EndTxn succeeds again.
    expect(entries(await fetch(leader, 'out', 1))).toEqual(['a', 'b', 'COMMIT@0'])
    expect((await txnCoordinator.send(EndTxnApi, 4, { transactionalId: 'tx-classic', producerId: id.producerId, producerEpoch: id.producerEpoch, committed: true })).errorCode).toBe(ErrorCode.NONE)
    expect(await latest(leader, 'out', 1)).toBe(3n)
    expect(await committedOffset(true)).toEqual({ offset: 42n, errorCode: ErrorCode.NONE })

    // The next classic transaction continues the sequence under the same epoch; an abort drops its records.
    await txnCoordinator.send(AddPartitionsToTxnApi, 3, { v3AndBelowTransactionalId: 'tx-classic', v3AndBelowProducerId: id.producerId, v3AndBelowProducerEpoch: id.producerEpoch, v3AndBelowTopics: [{ name: 'out', partitions: [0] }] })
    expect((await produce(leader, 11, 'tx-classic', 'out', txnBatch(['x'], id, 2))).errorCode).toBe(ErrorCode.NONE)
    expect((await txnCoordinator.send(EndTxnApi, 4, { transactionalId: 'tx-classic', producerId: id.producerId, producerEpoch: id.producerEpoch, committed: false })).errorCode).toBe(ErrorCode.NONE)
    const all = await fetch(leader, 'out', 1)
    expect(entries(all)).toEqual(['a', 'b', 'COMMIT@0', 'x', 'ABORT@0'])
    expect(all.abortedTransactions).toEqual([{ producerId: id.producerId, firstOffset: 3n }])
    expect(committedValues(all)).toEqual(['a', 'b'])
  })

  it('KIP-890 (TV2): Produce v12 adds the partition, every EndTxn v5 bumps the epoch and the markers carry it; a retried EndTxn gets the same answer', async () => {
    const cluster = await start()
    cluster.createTopic('out', { partitions: 1, replicationFactor: 3 })
    const txnCoordinator = await coordinator(cluster, 'tx-v2')
    let id = await init(txnCoordinator, 'tx-v2')
    const leader = await client(cluster, 1)
    // v11 (a classic producer) must still add the partition first; v12 adds it implicitly.
    expect((await produce(leader, 11, 'tx-v2', 'out', txnBatch(['v11'], id, 0))).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    expect((await produce(leader, 12, 'tx-v2', 'out', txnBatch(['a', 'b'], id, 0))).errorCode).toBe(ErrorCode.NONE)
    const described = await txnCoordinator.send(DescribeTransactionsApi, 0, { transactionalIds: ['tx-v2'] })
    expect(described.transactionStates[0]).toMatchObject({ transactionState: 'Ongoing', producerEpoch: 0, topics: [{ topic: 'out', partitions: [0] }] })

    const end = (identity: Identity, committed: boolean) => txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-v2', producerId: identity.producerId, producerEpoch: identity.producerEpoch, committed })
    const committed = await end(id, true)
    expect(committed).toMatchObject({ errorCode: ErrorCode.NONE, producerId: id.producerId, producerEpoch: 1 })
    // The response was "lost": the retry with the old epoch is answered the same.
    expect(await end(id, true)).toMatchObject({ errorCode: ErrorCode.NONE, producerId: id.producerId, producerEpoch: 1 })
    expect((await end(id, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    id = { producerId: committed.producerId, producerEpoch: committed.producerEpoch }

    // New epoch, sequences from 0; the old epoch is fenced at the partition.
    expect((await produce(leader, 12, 'tx-v2', 'out', txnBatch(['stale'], { producerId: id.producerId, producerEpoch: 0 }, 2))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    expect((await produce(leader, 12, 'tx-v2', 'out', txnBatch(['c'], id, 0))).errorCode).toBe(ErrorCode.NONE)
    const aborted = await end(id, false)
    expect(aborted).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 2 })

    const follower = await client(cluster, 2)
    const read = await fetch(leader, 'out', 1)
    expect(entries(read)).toEqual(['a', 'b', 'COMMIT@1', 'c', 'ABORT@2'])
    expect(read.abortedTransactions).toEqual([{ producerId: id.producerId, firstOffset: 3n }])
    expect(committedValues(read)).toEqual(['a', 'b'])
    expect(committedValues(await fetch(follower, 'out', 1))).toEqual(['a', 'b'])
    // read_uncommitted sees every record (and no aborted list).
    const uncommitted = await fetch(leader, 'out', 0)
    expect(uncommitted.abortedTransactions).toBeNull()
    expect(entries(uncommitted).filter((e) => !e.includes('@'))).toEqual(['a', 'b', 'c'])
  })

  it('a new instance fences the old one: the epoch is bumped, the open transaction aborted, the old producer refused everywhere', async () => {
    const cluster = await start()
    cluster.createTopic('out', { partitions: 1, replicationFactor: 3 })
    const txnCoordinator = await coordinator(cluster, 'tx-zombie')
    const old = await init(txnCoordinator, 'tx-zombie')
    const leader = await client(cluster, 1)
    expect((await produce(leader, 12, 'tx-zombie', 'out', txnBatch(['zombie-1'], old, 0))).errorCode).toBe(ErrorCode.NONE)
    expect(cluster.partition('out', 0).lastStableOffset).toBe(0n)

    // The coordinator aborts the zombie's transaction first: the new instance is told to retry.
    const first = await txnCoordinator.send(InitProducerIdApi, 5, { transactionalId: 'tx-zombie', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect(first.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS)
    const fresh = await init(txnCoordinator, 'tx-zombie')
    expect(fresh.producerId).toBe(old.producerId)
    expect(fresh.producerEpoch).toBeGreaterThan(old.producerEpoch)
    // The zombie's transaction was aborted (with the fencing epoch): the LSO moved past it.
    expect(cluster.partition('out', 0).lastStableOffset).toBe(2n)
    const read = await fetch(leader, 'out', 1)
    expect(entries(read)).toEqual(['zombie-1', `ABORT@${old.producerEpoch + 1}`])
    expect(committedValues(read)).toEqual([])

    expect((await produce(leader, 12, 'tx-zombie', 'out', txnBatch(['zombie-2'], old, 1))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    expect((await txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-zombie', producerId: old.producerId, producerEpoch: old.producerEpoch, committed: true })).errorCode).toBe(ErrorCode.PRODUCER_FENCED)
    expect((await txnCoordinator.send(AddPartitionsToTxnApi, 3, { v3AndBelowTransactionalId: 'tx-zombie', v3AndBelowProducerId: old.producerId, v3AndBelowProducerEpoch: old.producerEpoch, v3AndBelowTopics: [{ name: 'out', partitions: [0] }] })).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.PRODUCER_FENCED)
    // The new instance works.
    expect((await produce(leader, 12, 'tx-zombie', 'out', txnBatch(['fresh'], fresh, 0))).errorCode).toBe(ErrorCode.NONE)
    expect((await txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-zombie', producerId: fresh.producerId, producerEpoch: fresh.producerEpoch, committed: true })).errorCode).toBe(ErrorCode.NONE)
    expect(committedValues(await fetch(leader, 'out', 1))).toEqual(['fresh'])
    // Only the coordinator answers for the transactional id.
    const other = await client(cluster, (cluster.coordinatorOf('tx-zombie') % 3) + 1)
    expect((await other.send(InitProducerIdApi, 5, { transactionalId: 'tx-zombie', transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.NOT_COORDINATOR)
    expect((await txnCoordinator.send(InitProducerIdApi, 5, { transactionalId: 'tx-zombie', transactionTimeoutMs: 900_001, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  })

  it('aborts a transaction open longer than its timeout (the epoch is bumped: the producer is fenced)', async () => {
    const cluster = await start()
    cluster.createTopic('out', { partitions: 1, replicationFactor: 1 })
    const txnCoordinator = await coordinator(cluster, 'tx-slow')
    const id = await init(txnCoordinator, 'tx-slow', 200)
    const leader = await client(cluster, 1)
    expect((await produce(leader, 12, 'tx-slow', 'out', txnBatch(['late'], id, 0))).errorCode).toBe(ErrorCode.NONE)
    expect(await latest(leader, 'out', 1)).toBe(0n)
    const deadline = Date.now() + 5_000
    while ((await latest(leader, 'out', 1)) === 0n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await latest(leader, 'out', 1)).toBe(2n)
    expect(entries(await fetch(leader, 'out', 1))).toEqual(['late', 'ABORT@1'])
    expect((await txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-slow', producerId: id.producerId, producerEpoch: id.producerEpoch, committed: true })).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    const listed = await txnCoordinator.send(ListTransactionsApi, 2, { stateFilters: ['CompleteAbort'], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: 'tx-sl.*' })
    expect(listed.transactionStates).toEqual([{ transactionalId: 'tx-slow', producerId: id.producerId, transactionState: 'CompleteAbort' }])
  })

  it('markers reach the partition transactionMarkerDelayMs after EndTxn: meanwhile PrepareCommit, the LSO stays before the transaction, and the producer is told CONCURRENT_TRANSACTIONS', async () => {
    const cluster = await start({ transactionMarkerDelayMs: 400 })
    cluster.createTopic('out', { partitions: 1, replicationFactor: 1 })
    const txnCoordinator = await coordinator(cluster, 'tx-slow-markers')
    let id = await init(txnCoordinator, 'tx-slow-markers')
    const leader = await client(cluster, 1)
    expect((await produce(leader, 12, 'tx-slow-markers', 'out', txnBatch(['a', 'b'], id, 0))).errorCode).toBe(ErrorCode.NONE)
    // An open transaction: read_committed readers see the LSO at its first offset, read_uncommitted the records.
    expect(await latest(leader, 'out', 1)).toBe(0n)
    expect(await latest(leader, 'out', 0)).toBe(2n)
    const ended = await txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-slow-markers', producerId: id.producerId, producerEpoch: id.producerEpoch, committed: true })
    expect(ended.errorCode).toBe(ErrorCode.NONE)
    const committedAt = Date.now()
    // Answered, but the markers are on their way: the LSO has not moved, nothing is readable committed.
    expect(await latest(leader, 'out', 1)).toBe(0n)
    expect(committedValues(await fetch(leader, 'out', 1))).toEqual([])
    const described = await txnCoordinator.send(DescribeTransactionsApi, 0, { transactionalIds: ['tx-slow-markers'] })
    expect(described.transactionStates[0]!.transactionState).toBe('PrepareCommit')
    // The producer's next transaction must wait: a retried EndTxn, a new transactional batch, a new instance.
    const previous = id
    id = { producerId: ended.producerId, producerEpoch: ended.producerEpoch }
    expect((await txnCoordinator.send(EndTxnApi, 5, { transactionalId: 'tx-slow-markers', producerId: previous.producerId, producerEpoch: previous.producerEpoch, committed: true })).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS)
    expect((await produce(leader, 12, 'tx-slow-markers', 'out', txnBatch(['c'], id, 0))).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect((await txnCoordinator.send(InitProducerIdApi, 5, { transactionalId: 'tx-slow-markers', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS)
    // Then the COMMIT marker lands and everything moves on.
    while ((await latest(leader, 'out', 1)) === 0n) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(Date.now() - committedAt).toBeGreaterThanOrEqual(350)
    expect(await latest(leader, 'out', 1)).toBe(3n)
    expect(entries(await fetch(leader, 'out', 1))).toEqual(['a', 'b', `COMMIT@${id.producerEpoch}`])
    expect((await txnCoordinator.send(DescribeTransactionsApi, 0, { transactionalIds: ['tx-slow-markers'] })).transactionStates[0]!.transactionState).toBe('CompleteCommit')
    expect((await produce(leader, 12, 'tx-slow-markers', 'out', txnBatch(['c'], id, 0))).errorCode).toBe(ErrorCode.NONE)
  })

  it('DescribeProducers shows the open transaction; WriteTxnMarkers (admin abortTransaction) aborts it on the partition', async () => {
    const cluster = await start()
    cluster.createTopic('out', { partitions: 1, replicationFactor: 1 })
    const txnCoordinator = await coordinator(cluster, 'tx-hanging')
    const id = await init(txnCoordinator, 'tx-hanging')
    const leader = await client(cluster, 1)
    expect((await produce(leader, 12, 'tx-hanging', 'out', txnBatch(['h1', 'h2'], id, 0))).errorCode).toBe(ErrorCode.NONE)
    const producers = (await leader.send(DescribeProducersApi, 0, { topics: [{ name: 'out', partitionIndexes: [0] }] })).topics[0]!.partitions[0]!.activeProducers
    expect(producers).toEqual([{ producerId: id.producerId, producerEpoch: 0, lastSequence: 1, lastTimestamp: expect.any(BigInt) as bigint, coordinatorEpoch: -1, currentTxnStartOffset: 0n }])
    const written = await leader.send(WriteTxnMarkersApi, 1, { markers: [{ producerId: id.producerId, producerEpoch: 0, transactionResult: false, coordinatorEpoch: -1, transactionVersion: 0, topics: [{ name: 'out', partitionIndexes: [0] }] }] })
    expect(written.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE)
    expect(await latest(leader, 'out', 1)).toBe(3n)
    expect(committedValues(await fetch(leader, 'out', 1))).toEqual([])
    // Markers from an older coordinator epoch, or for an older producer epoch, are refused.
    const marker = async (producerEpoch: number, coordinatorEpoch: number) =>
      (await leader.send(WriteTxnMarkersApi, 1, { markers: [{ producerId: id.producerId, producerEpoch, transactionResult: false, coordinatorEpoch, transactionVersion: 0, topics: [{ name: 'out', partitionIndexes: [0] }] }] })).markers[0]!.topics[0]!.partitions[0]!.errorCode
    expect(await marker(1, 5)).toBe(ErrorCode.NONE)
    expect(await marker(1, 3)).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED)
    expect(await marker(0, 5)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
  })
})
