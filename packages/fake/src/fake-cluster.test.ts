import { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  ConsumerGroupHeartbeatApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  AlterPartitionReassignmentsApi,
  ElectLeadersApi,
  ListGroupsApi,
  ListPartitionReassignmentsApi,
  OffsetDeleteApi,
  encodeConsumerProtocolSubscription,
  DescribeConfigsApi,
  ErrorCode,
  FetchApi,
  FindCoordinatorApi,
  HeartbeatApi,
  IncrementalAlterConfigsApi,
  InitProducerIdApi,
  JoinGroupApi,
  ListOffsetsApi,
  MetadataApi,
  OffsetCommitApi,
  OffsetFetchApi,
  OffsetForLeaderEpochApi,
  ProduceApi,
  SyncGroupApi,
  ZERO_UUID,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
  type FetchResponse,
} from '@kafkats/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeCluster } from './fake-cluster.js'
import { FakeClusterError } from './fake-cluster-error.js'
import { RawClient } from './raw-client.test-data.js'

const clusters: FakeCluster[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const c of clusters.splice(0)) await c.close()
})

async function start(options: Parameters<typeof FakeCluster.start>[0] = {}): Promise<FakeCluster> {
  const cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'], ...options })
  clusters.push(cluster)
  return cluster
}

async function client(cluster: FakeCluster, broker: number, clientId?: string): Promise<RawClient> {
  const c = await RawClient.connect(cluster.bootstrap[broker - 1]!, clientId)
  clients.push(c)
  return c
}

const text = (s: string) => new TextEncoder().encode(s)

function batch(values: string[], options: { producerId?: bigint; producerEpoch?: number; baseSequence?: number; timestamp?: number } = {}): Uint8Array {
  return encodeRecordBatchSync(
    values.map((v) => ({ value: text(v), ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }) })),
    { producerId: options.producerId ?? -1n, producerEpoch: options.producerEpoch ?? -1, baseSequence: options.baseSequence ?? -1 },
  )
}

async function produce(c: RawClient, topic: string, partition: number, records: Uint8Array, acks = -1) {
  const response = await c.send(ProduceApi, 11, { acks, timeoutMs: 5000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }] })
  return response.responses[0]!.partitionResponses[0]!
}

function fetchRequest(topic: string, partition: number, fetchOffset: bigint, extra: { rackId?: string; maxWaitMs?: number; sessionId?: number; sessionEpoch?: number } = {}) {
  return {
    replicaId: -1,
    maxWaitMs: extra.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: extra.sessionId ?? 0,
    sessionEpoch: extra.sessionEpoch ?? -1,
    rackId: extra.rackId ?? '',
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID, highWatermark: -1n }],
      },
    ],
    forgottenTopicsData: [],
  }
}

function values(response: FetchResponse): string[] {
  const out: string[] = []
  for (const t of response.responses) {
    for (const p of t.partitions) {
      if (p.records === null) continue
      for (const b of decodeRecordBatchesSync(p.records).batches) for (const r of b.records) out.push(new TextDecoder().decode(r.value!))
    }
  }
  return out
}

describe('FakeCluster', () => {
  it('starts 3 brokers on ephemeral ports and reports racks, leader epochs and topic ids in Metadata', async () => {
    const cluster = await start()
    expect(cluster.bootstrap).toHaveLength(3)
    expect(new Set(cluster.bootstrap).size).toBe(3)
    cluster.createTopic('orders', { partitions: 3, replicationFactor: 3 })
    const c = await client(cluster, 2)
    const metadata = await c.send(MetadataApi, 12, { topics: null })
    expect(metadata.brokers.map((b) => [b.nodeId, b.rack])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ])
    const topic = metadata.topics.find((t) => t.name === 'orders')!
    expect(topic.topicId).not.toBe(ZERO_UUID)
    expect(topic.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes.length])).toEqual([
      [0, 1, 0, 3],
      [1, 2, 0, 3],
      [2, 3, 0, 3],
    ])
  })

  it('creates topics through CreateTopics with Kafka errors for bad input, and alters/describes configs', async () => {
    const cluster = await start()
    const c = await client(cluster, 1)
    const created = await c.send(CreateTopicsApi, 7, {
      timeoutMs: 1000,
      topics: [
        { name: 't1', numPartitions: 2, replicationFactor: 2, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] },
        { name: 'bad/name', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 't2', numPartitions: 1, replicationFactor: 4, assignments: [], configs: [] },
        { name: 't3', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'no.such.config', value: 'x' }] },
      ],
    })
    expect(created.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['t1', ErrorCode.NONE],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['t2', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['t3', ErrorCode.INVALID_CONFIG],
    ])
    const again = await c.send(CreateTopicsApi, 7, { timeoutMs: 1000, topics: [{ name: 't1', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] })
    expect(again.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    await c.send(IncrementalAlterConfigsApi, 1, { resources: [{ resourceType: 2, resourceName: 't1', configs: [{ name: 'cleanup.policy', configOperation: 0, value: 'compact' }] }] })
    const described = await c.send(DescribeConfigsApi, 4, { resources: [{ resourceType: 2, resourceName: 't1', configurationKeys: ['retention.ms', 'cleanup.policy', 'segment.ms'] }] })
    expect(described.results[0]!.configs.map((e) => [e.name, e.value, e.configSource])).toEqual([
      ['cleanup.policy', 'compact', 1],
      ['retention.ms', '1000', 1],
      ['segment.ms', '604800000', 5],
    ])
  })

  it('answers acks=0 with nothing, acks=1 and acks=all with offsets, and fetches the records back', async () => {
    const cluster = await start()
    cluster.createTopic('t', { partitions: 1, replicationFactor: 3 })
    const c = await client(cluster, 1)
    c.fire(ProduceApi, 11, { acks: 0, timeoutMs: 1000, topicData: [{ name: 't', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch(['a0']) }] }] })
    expect((await produce(c, 't', 0, batch(['b0', 'b1']), 1)).baseOffset).toBe(1n)
    expect((await produce(c, 't', 0, batch(['c0']), -1)).baseOffset).toBe(3n)
    const fetched = await c.send(FetchApi, 12, fetchRequest('t', 0, 0n))
    expect(values(fetched)).toEqual(['a0', 'b0', 'b1', 'c0'])
    expect(fetched.responses[0]!.partitions[0]!.highWatermark).toBe(4n)
    // a follower is not the leader for produce
    const follower = await client(cluster, 2)
    expect((await produce(follower, 't', 0, batch(['x']))).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  })

  it('corruptBatch: the batch holding the offset is served with a CRC that no longer matches, its neighbours and the request log intact', async () => {
    const cluster = await start()
    cluster.createTopic('t', { partitions: 1, replicationFactor: 3 })
    const c = await client(cluster, 1)
    for (const values of [['a0', 'a1'], ['b0', 'b1', 'b2'], ['c0']]) expect((await produce(c, 't', 0, batch(values))).errorCode).toBe(ErrorCode.NONE)
    expect(cluster.corruptBatch({ topic: 't', partition: 0 }, 3)).toEqual({ baseOffset: 2, lastOffset: 4 })
    const records = (await c.send(FetchApi, 12, fetchRequest('t', 0, 0n))).responses[0]!.partitions[0]!.records!
    expect(() => decodeRecordBatchesSync(records)).toThrow(/at base offset 2 is corrupt/)
    expect(values(await c.send(FetchApi, 12, fetchRequest('t', 0, 5n)))).toEqual(['c0'])
    // What the producer sent is unchanged in the request log.
    const sent = cluster.requestsOf('Produce').map((e) => (e.request as { topicData: Array<{ partitionData: Array<{ records: Uint8Array }> }> }).topicData[0]!.partitionData[0]!.records)
    expect(sent.flatMap((r) => decodeRecordBatchesSync(r).batches.flatMap((b) => b.records.map((x) => new TextDecoder().decode(x.value!))))).toEqual(['a0', 'a1', 'b0', 'b1', 'b2', 'c0'])
    expect(() => cluster.corruptBatch({ topic: 't', partition: 0 }, 6)).toThrow(FakeClusterError)
    // Wrong values from plain JavaScript: the typed error, and no batch touched.
    expect(() => cluster.corruptBatch({ topic: 't', partition: 0 }, '3' as unknown as number)).toThrow(new FakeClusterError('offset must be a non-negative integer, got 3'))
    expect(() => cluster.corruptBatch({ topic: 't', partition: 0 }, -1)).toThrow(FakeClusterError)
    expect(() => cluster.corruptBatch({ topic: 'nope', partition: 0 }, 0)).toThrow(FakeClusterError)
    expect(values(await c.send(FetchApi, 12, fetchRequest('t', 0, 5n)))).toEqual(['c0'])
  })

  it('bounds the request log (requestLogMaxBytes, requestLogMaxEntries), so a deleted topic\'s produced bytes can be collected', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const payload = 'x'.repeat(256 * 1024)
    // (in a function of its own: a suspended async function keeps its dead locals alive)
    const weakRefToFirstProduce = (cluster: FakeCluster): WeakRef<ArrayBufferLike> | undefined => {
      const request = cluster.requestsOf('Produce')[0]?.request as { topicData: Array<{ partitionData: Array<{ records: Uint8Array }> }> } | undefined
      return request === undefined ? undefined : new WeakRef(request.topicData[0]!.partitionData[0]!.records.buffer)
    }
    /** Produces three 256 KiB batches, deletes the topic, and says whether the first Produce request's bytes are still in memory. */
    async function firstProduceKept(options: Parameters<typeof FakeCluster.start>[0]) {
      const cluster = await start(options)
      cluster.createTopic('big', { partitions: 1, replicationFactor: 1 })
      const c = await client(cluster, cluster.partition('big', 0).leader)
      let first: WeakRef<ArrayBufferLike> | undefined
      for (let i = 0; i < 3; i++) {
        expect((await produce(c, 'big', 0, batch([payload]))).errorCode).toBe(ErrorCode.NONE)
        if (i === 0) first = weakRefToFirstProduce(cluster)
      }
      const deleted = await c.send(DeleteTopicsApi, 6, { topics: [{ name: 'big', topicId: ZERO_UUID }], topicNames: [], timeoutMs: 5000 })
      expect(deleted.responses[0]!.errorCode).toBe(ErrorCode.NONE)
      // WeakRef targets live until the current job ends: collect after a turn of the event loop.
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        gc()
      }
      const produced = cluster.requestsOf('Produce')
      return {
        kept: first?.deref() !== undefined,
        produceRequests: produced.length,
        withRequest: produced.filter((e) => e.request !== undefined).length,
        clientIds: produced.map((e) => e.clientId),
        dropped: cluster.requestsDropped,
      }
    }
    // Default: every request stays in the log; past 64 MiB the oldest lose their decoded request.
    expect(await firstProduceKept({})).toMatchObject({ kept: true, produceRequests: 3, withRequest: 3, dropped: 0 })
    // 600 KiB: the newest two of the three Produce requests (~256 KiB each) keep theirs, the first
    // entry stays without it, and its bytes are collected once its topic is gone.
    expect(await firstProduceKept({ requestLogMaxBytes: 600 * 1024 })).toMatchObject({ kept: false, produceRequests: 3, withRequest: 2, dropped: 0 })
    // Without the byte bound the log holds the first request's bytes after its topic is gone.
    expect(await firstProduceKept({ requestLogMaxBytes: Infinity })).toMatchObject({ kept: true, produceRequests: 3, withRequest: 3, dropped: 0 })
    // A bound on entries drops the oldest entries altogether; 0 keeps none.
    expect(await firstProduceKept({ requestLogMaxEntries: 2 })).toMatchObject({ kept: false, produceRequests: 1, dropped: 2 }) // the last Produce and the DeleteTopics
    const none = await firstProduceKept({ requestLogMaxEntries: 0 })
    expect(none).toMatchObject({ produceRequests: 0 })
    expect(none.dropped).toBeGreaterThanOrEqual(4) // three Produce requests and the DeleteTopics at least
    await expect(FakeCluster.start({ requestLogMaxBytes: -1 })).rejects.toThrow(new FakeClusterError('requestLogMaxBytes must be an integer >= 0 or Infinity, got -1'))
    await expect(FakeCluster.start({ requestLogMaxEntries: '5' as unknown as number, thread: true })).rejects.toThrow(FakeClusterError)
  })

  it('deduplicates retries of the last 5 batches with their original offsets, rejects gaps and fences old epochs', async () => {
    const cluster = await start()
    cluster.createTopic('idem', { partitions: 1, replicationFactor: 1 })
    const c = await client(cluster, 1)
    const { producerId, producerEpoch } = await c.send(InitProducerIdApi, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 })
    const offsets: bigint[] = []
    for (let seq = 0; seq < 7; seq++) offsets.push((await produce(c, 'idem', 0, batch([`r${seq}`], { producerId, producerEpoch, baseSequence: seq }))).baseOffset)
    expect(offsets).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n])
    // retries of any of the last 5 batches (seq 2..6) answer with the original offset and append nothing
    for (let seq = 2; seq < 7; seq++) {
      const retry = await produce(c, 'idem', 0, batch([`r${seq}`], { producerId, producerEpoch, baseSequence: seq }))
      expect([retry.errorCode, retry.baseOffset]).toEqual([ErrorCode.NONE, BigInt(seq)])
    }
    // seq 1 is older than the retained 5: an out-of-order sequence, not a duplicate
    expect((await produce(c, 'idem', 0, batch(['r1'], { producerId, producerEpoch, baseSequence: 1 }))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // a gap
    expect((await produce(c, 'idem', 0, batch(['r9'], { producerId, producerEpoch, baseSequence: 9 }))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // epoch bump (KIP-360): the same producer id with epoch + 1 restarts at sequence 0 and fences the old epoch
    const bumped = await c.send(InitProducerIdApi, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId, producerEpoch })
    expect([bumped.producerId, bumped.producerEpoch]).toEqual([producerId, producerEpoch + 1])
    expect((await produce(c, 'idem', 0, batch(['n0'], { producerId, producerEpoch: bumped.producerEpoch, baseSequence: 0 }))).baseOffset).toBe(7n)
    expect((await produce(c, 'idem', 0, batch(['old'], { producerId, producerEpoch, baseSequence: 7 }))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    expect(cluster.partition('idem', 0).logEndOffset).toBe(8n)
  })

  it('appends a retry twice when the guarantee is switched off (no producer id): the dedup above is real', async () => {
    const cluster = await start()
    cluster.createTopic('plain', { partitions: 1, replicationFactor: 1 })
    const c = await client(cluster, 1)
    const first = await produce(c, 'plain', 0, batch(['same']))
    const retry = await produce(c, 'plain', 0, batch(['same']))
    expect([first.baseOffset, retry.baseOffset]).toEqual([0n, 1n])
    expect(values(await c.send(FetchApi, 12, fetchRequest('plain', 0, 0n)))).toEqual(['same', 'same'])
  })

  it('KIP-392: the leader names the same-rack follower, which serves up to its own high watermark; a lagging follower answers OFFSET_OUT_OF_RANGE', async () => {
    const cluster = await start()
    cluster.createTopic('rack', { partitions: 1, replicationFactor: 3 }) // leader 1 (rack a), followers 2 (b), 3 (c)
    const leader = await client(cluster, 1, 'rack-consumer')
    for (let i = 0; i < 4; i++) await produce(leader, 'rack', 0, batch([`v${i}`]))
    const atLeader = await leader.send(FetchApi, 12, fetchRequest('rack', 0, 0n, { rackId: 'c' }))
    const part = atLeader.responses[0]!.partitions[0]!
    expect(part.preferredReadReplica).toBe(3)
    expect(part.records === null || part.records.length === 0).toBe(true)
    // no rack or the leader's own rack: the leader serves
    expect((await leader.send(FetchApi, 12, fetchRequest('rack', 0, 0n, { rackId: 'a' }))).responses[0]!.partitions[0]!.preferredReadReplica).toBe(-1)
    const follower = await client(cluster, 3, 'rack-consumer')
    expect(values(await follower.send(FetchApi, 12, fetchRequest('rack', 0, 0n, { rackId: 'c' })))).toEqual(['v0', 'v1', 'v2', 'v3'])
    // Fetch v10 (before KIP-392) from a follower is refused
    expect((await follower.send(FetchApi, 10, fetchRequest('rack', 0, 0n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    // the follower lags 2 records: it serves 2, and the offset the leader has is out of range there
    cluster.setFollowerLag({ topic: 'rack', partition: 0 }, 3, 2)
    const lagging = await follower.send(FetchApi, 12, fetchRequest('rack', 0, 0n))
    expect(values(lagging)).toEqual(['v0', 'v1'])
    expect(lagging.responses[0]!.partitions[0]!.highWatermark).toBe(2n)
    expect((await follower.send(FetchApi, 12, fetchRequest('rack', 0, 4n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    // out of the ISR and behind the fetch offset: the leader no longer names it
    expect((await leader.send(FetchApi, 12, fetchRequest('rack', 0, 4n, { rackId: 'c' }))).responses[0]!.partitions[0]!.preferredReadReplica).toBe(-1)
    // the request log shows who served what
    expect(cluster.requestsOf('Fetch', 3).length).toBe(4)
    expect(cluster.requestsOf('Fetch', 3).every((r) => r.clientId === 'rack-consumer')).toBe(true)
  })

  it('keeps incremental fetch sessions: only partitions with news, bad epochs refused', async () => {
    const cluster = await start()
    cluster.createTopic('s', { partitions: 2, replicationFactor: 1, replicas: [[1], [1]] })
    const c = await client(cluster, 1)
    await produce(c, 's', 0, batch(['p0']))
    const request = fetchRequest('s', 0, 0n, { sessionId: 0, sessionEpoch: 0 })
    request.topics[0]!.partitions.push({ ...request.topics[0]!.partitions[0]!, partition: 1 })
    const full = await c.send(FetchApi, 12, request)
    expect(full.sessionId).toBeGreaterThan(0)
    expect(full.responses[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 1])
    await produce(c, 's', 1, batch(['p1']))
    // incremental: partition 0 moves on to offset 1, partition 1 is unchanged in the request
    const incremental = await c.send(FetchApi, 12, { ...fetchRequest('s', 0, 1n, { sessionId: full.sessionId, sessionEpoch: 1 }) })
    expect(incremental.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex))).toEqual([1])
    expect(values(incremental)).toEqual(['p1'])
    const stale = await c.send(FetchApi, 12, { ...fetchRequest('s', 0, 1n, { sessionId: full.sessionId, sessionEpoch: 1 }) })
    expect(stale.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    const unknown = await c.send(FetchApi, 12, { ...fetchRequest('s', 0, 1n, { sessionId: 12345, sessionEpoch: 3 }) })
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
  })

  it('long-polls a fetch until a record arrives', async () => {
    const cluster = await start()
    cluster.createTopic('poll', { partitions: 1, replicationFactor: 1 })
    const consumer = await client(cluster, 1)
    const producer = await client(cluster, 1)
    const pending = consumer.send(FetchApi, 12, fetchRequest('poll', 0, 0n, { maxWaitMs: 30_000 }))
    await produce(producer, 'poll', 0, batch(['late']))
    expect(values(await pending)).toEqual(['late'])
  })

  it('moves leaders with new epochs (kill, moveLeader), answers OffsetForLeaderEpoch and fences stale epochs', async () => {
    const cluster = await start()
    cluster.createTopic('e', { partitions: 1, replicationFactor: 3 })
    const c1 = await client(cluster, 1)
    await produce(c1, 'e', 0, batch(['a', 'b']))
    cluster.moveLeader({ topic: 'e', partition: 0 }, 2)
    expect(cluster.partition('e', 0)).toMatchObject({ leader: 2, leaderEpoch: 1 })
    const c2 = await client(cluster, 2)
    await produce(c2, 'e', 0, batch(['c']))
    const epochs = await c2.send(OffsetForLeaderEpochApi, 4, {
      replicaId: -1,
      topics: [{ topic: 'e', partitions: [{ partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 }] }],
    })
    expect(epochs.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: 0, endOffset: 2n })
    const fenced = await c2.send(ListOffsetsApi, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'e', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, timestamp: -1n }] }] })
    expect(fenced.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    await cluster.kill(2)
    // The client sees the close when its socket event arrives (not within a fixed time on a loaded machine).
    for (let waited = 0; !c2.closed && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(c2.closed).toBe(true)
    const after = cluster.partition('e', 0)
    expect(after.leader).not.toBe(2)
    expect(after.leaderEpoch).toBe(2)
    const metadata = await c1.send(MetadataApi, 12, { topics: [{ name: 'e', topicId: ZERO_UUID }] })
    expect(metadata.brokers.map((b) => b.nodeId)).toEqual([1, 3])
    expect(metadata.topics[0]!.partitions[0]!.offlineReplicas).toEqual([2])
    await cluster.restart(2)
    const again = await client(cluster, 2)
    expect((await again.send(MetadataApi, 12, { topics: null })).brokers).toHaveLength(3)
  })

  it('injects errors, drops and delays answers for matching requests only', async () => {
    const cluster = await start()
    cluster.createTopic('f', { partitions: 1, replicationFactor: 1 })
    const c = await client(cluster, 1)
    cluster.injectError({ api: 'Produce', error: 'NOT_ENOUGH_REPLICAS', times: 2, broker: 1 })
    expect((await produce(c, 'f', 0, batch(['x']))).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect((await produce(c, 'f', 0, batch(['x']))).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect((await produce(c, 'f', 0, batch(['x']))).errorCode).toBe(ErrorCode.NONE)
    cluster.dropResponse({ api: 'Metadata' })
    let answered = false
    void c.send(MetadataApi, 12, { topics: null }).then(() => {
      answered = true
    })
    // answers on one connection are in order: the next answer comes, the dropped one never does
    await c.send(ListOffsetsApi, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'f', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })
    expect(answered).toBe(false)
    cluster.delay({ api: 'ListOffsets', ms: 50 })
    const order: string[] = []
    const slow = c.send(ListOffsetsApi, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'f', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] }).then((r) => {
      order.push('delayed')
      return r
    })
    const other = await client(cluster, 1)
    await other.send(MetadataApi, 12, { topics: null })
    order.push('other connection')
    expect((await slow).topics[0]!.partitions[0]!.offset).toBe(1n)
    expect(order).toEqual(['other connection', 'delayed'])
    expect(() => cluster.injectError({ api: 'NoSuchApi', error: 'NONE' })).toThrow(FakeClusterError)
    expect(() => cluster.moveLeader({ topic: 'f', partition: 0 }, 3)).toThrow(/not a replica/)
  })

  it('answers OffsetDelete, ListGroups, ElectLeaders and partition reassignments as Kafka 4.3.1 does (each answer here was probed on the real cluster)', async () => {
    const cluster = await start()
    cluster.createTopic('o', { partitions: 3, replicationFactor: 1 })
    cluster.createTopic('e', { replicas: [[1, 2, 3], [2, 3, 1]] })
    const coordinator = cluster.coordinatorOf('og')
    const c = await client(cluster, coordinator)
    const commit = await c.send(OffsetCommitApi, 8, {
      groupId: 'og',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'o', topicId: ZERO_UUID, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, committedOffset: BigInt(partitionIndex + 1), committedLeaderEpoch: -1, committedMetadata: '' })) }],
    })
    expect(commit.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE])

    // ListGroups: only the coordinator lists the group (a client learns coordinators that way).
    for (const broker of [1, 2, 3]) {
      const listed = await (await client(cluster, broker)).send(ListGroupsApi, 5, { statesFilter: [], typesFilter: [] })
      expect(listed.groups.map((g) => g.groupId)).toEqual(broker === coordinator ? ['og'] : [])
    }

    // OffsetDelete
    // Each group's requests go to its own coordinator.
    const deleteOffsets = async (groupId: string, topics: Array<[string, number[]]>) => {
      const response = await (await client(cluster, cluster.coordinatorOf(groupId))).send(OffsetDeleteApi, 0, { groupId, topics: topics.map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) })) })
      return [response.errorCode, response.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])]
    }
    expect(await deleteOffsets('og', [['o', [0, 2, 9]], ['nope', [0]]])).toEqual([
      ErrorCode.NONE,
      [
        ['o', [[0, ErrorCode.NONE], [2, ErrorCode.NONE], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
        ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ],
    ])
    const fetched = await c.send(OffsetFetchApi, 8, { groups: [{ groupId: 'og', memberId: null, memberEpoch: -1, topics: [{ name: 'o', topicId: ZERO_UUID, partitionIndexes: [0, 1] }] }], requireStable: false })
    expect(fetched.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset])).toEqual([[0, -1n], [1, 2n]])
    expect(await deleteOffsets('no-such-group', [['o', [0]]])).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, []])
    // A consumer group member subscribed to 'o' keeps its offsets; a non-consumer group with members is refused whole.
    const join = async (groupId: string, protocolType: string, metadata: Uint8Array) => {
      const request = { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, groupInstanceId: null, protocolType, protocols: [{ name: 'range', metadata }], reason: null }
      const coordinatorClient = await client(cluster, cluster.coordinatorOf(groupId))
      const { memberId } = await coordinatorClient.send(JoinGroupApi, 9, { ...request, memberId: '' })
      expect((await coordinatorClient.send(JoinGroupApi, 9, { ...request, memberId })).errorCode).toBe(ErrorCode.NONE)
    }
    await join('sg', 'consumer', encodeConsumerProtocolSubscription({ topics: ['o'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }))
    expect(await deleteOffsets('sg', [['o', [0]], ['e', [0]]])).toEqual([ErrorCode.NONE, [['o', [[0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]], ['e', [[0, ErrorCode.NONE]]]]])
    await join('connect', 'connect', text('worker'))
    expect(await deleteOffsets('connect', [['e', [0]]])).toEqual([ErrorCode.NON_EMPTY_GROUP, []])

    // ElectLeaders (any broker answers for the controller; broker 1 stays up below)
    const one = await client(cluster, 1)
    const elect = async (electionType: number, topicPartitions: Array<[string, number[]]> | null) => {
      const response = await one.send(ElectLeadersApi, 2, { electionType, topicPartitions: topicPartitions?.map(([topic, partitions]) => ({ topic, partitions })) ?? null, timeoutMs: 5000 })
      expect(response.errorCode).toBe(ErrorCode.NONE)
      return response.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => [p.partitionId, p.errorCode])])
    }
    expect(await elect(0, [['e', [0, 1]]])).toEqual([['e', [[0, ErrorCode.ELECTION_NOT_NEEDED], [1, ErrorCode.ELECTION_NOT_NEEDED]]]])
    expect(await elect(0, [['nope', [0]], ['e', [7]]])).toEqual([['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]], ['e', [[7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]])
    expect(await elect(1, [['e', [0]]])).toEqual([['e', [[0, ErrorCode.ELECTION_NOT_NEEDED]]]])
    expect(await elect(0, null)).toEqual([]) // every partition, and only elections that were needed are listed

    // AlterPartitionReassignments / ListPartitionReassignments
    const reassign = async (topic: string, partitionIndex: number, replicas: number[] | null, allowReplicationFactorChange = true) => {
      const response = await one.send(AlterPartitionReassignmentsApi, 1, { timeoutMs: 5000, allowReplicationFactorChange, topics: [{ name: topic, partitions: [{ partitionIndex, replicas }] }] })
      return response.responses[0]!.partitions[0]!.errorCode
    }
    expect(await reassign('e', 0, null)).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS)
    for (const bad of [[9], [1, 1], []]) expect(await reassign('e', 0, bad)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(await reassign('nope', 0, [1])).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(await reassign('e', 0, [1], false)).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
    // A reorder changes the preferred replica only; the preferred election then moves the leader, with a new epoch.
    expect(await reassign('e', 0, [2, 1, 3])).toBe(ErrorCode.NONE)
    expect(cluster.partition('e', 0)).toMatchObject({ replicas: [2, 1, 3], leader: 1, leaderEpoch: 0 })
    expect((await one.send(ListPartitionReassignmentsApi, 0, { timeoutMs: 5000, topics: null })).topics).toEqual([])
    expect(await elect(0, null)).toEqual([['e', [[0, ErrorCode.NONE]]]])
    expect(cluster.partition('e', 0)).toMatchObject({ leader: 2, leaderEpoch: 1 })
    // Moving an RF=1 partition: its records stay, the new replica leads with a new epoch.
    expect(cluster.partition('o', 0).leader).toBe(1)
    expect((await produce(one, 'o', 0, batch(['kept']))).errorCode).toBe(ErrorCode.NONE)
    expect(await reassign('o', 0, [2])).toBe(ErrorCode.NONE)
    expect(cluster.partition('o', 0)).toMatchObject({ replicas: [2], isr: [2], leader: 2, leaderEpoch: 1, logEndOffset: 1n })
    // The preferred replica down: PREFERRED_LEADER_NOT_AVAILABLE; a partition without a leader: unclean election.
    expect(await reassign('e', 1, [3, 2, 1])).toBe(ErrorCode.NONE)
    await cluster.kill(3)
    expect(await elect(0, [['e', [1]]])).toEqual([['e', [[1, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]]]])
    expect(cluster.partition('o', 2).leader).toBe(-1)
    expect(await elect(1, [['o', [2]]])).toEqual([['o', [[2, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE]]]])
    expect(await reassign('o', 2, [1, 3])).toBe(ErrorCode.NONE)
    expect(cluster.partition('o', 2)).toMatchObject({ replicas: [1, 3], leader: 1 })
  })

  it('runs a classic group: MEMBER_ID_REQUIRED, join, sync, heartbeat, rebalance on a second member, offsets', async () => {
    const cluster = await start()
    cluster.createTopic('g', { partitions: 2, replicationFactor: 1 })
    const any = await client(cluster, 1)
    const found = await any.send(FindCoordinatorApi, 4, { keyType: 0, coordinatorKeys: ['grp'] })
    const coordinator = found.coordinators[0]!.nodeId
    expect(coordinator).toBe(cluster.coordinatorOf('grp'))
    const a = await client(cluster, coordinator, 'a')
    const b = await client(cluster, coordinator, 'b')
    const join = (c: RawClient, memberId: string) =>
      c.send(JoinGroupApi, 9, { groupId: 'grp', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: text('m') }], reason: null })
    const first = await join(a, '')
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    const joined = await join(a, first.memberId)
    expect([joined.errorCode, joined.generationId, joined.leader]).toEqual([ErrorCode.NONE, 1, first.memberId])
    const synced = await a.send(SyncGroupApi, 5, { groupId: 'grp', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: text('all') }] })
    expect(new TextDecoder().decode(synced.assignment)).toBe('all')
    // a second member: the first learns of the rebalance from its heartbeat and rejoins
    const bId = (await join(b, '')).memberId
    const bJoin = join(b, bId)
    expect((await a.send(HeartbeatApi, 4, { groupId: 'grp', generationId: 1, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    const commitAt = (generation: number, offset: bigint) =>
      a.send(OffsetCommitApi, 8, { groupId: 'grp', generationIdOrMemberEpoch: generation, memberId: first.memberId, groupInstanceId: null, topics: [{ name: 'g', topicId: ZERO_UUID, partitions: [{ partitionIndex: 1, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }] })
    // PreparingRebalance: the member commits what it processed before it rejoins (as Kafka allows).
    expect((await commitAt(1, 7n)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE)
    const [aAgain, bJoined] = await Promise.all([join(a, first.memberId), bJoin])
    // CompletingRebalance (joined, not synced): REBALANCE_IN_PROGRESS.
    expect((await commitAt(2, 8n)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect([aAgain.generationId, bJoined.generationId]).toEqual([2, 2])
    expect(aAgain.members).toHaveLength(2)
    const commit = await a.send(OffsetCommitApi, 8, { groupId: 'grp', generationIdOrMemberEpoch: 1, memberId: first.memberId, groupInstanceId: null, topics: [{ name: 'g', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: '' }] }] })
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)
    // sync generation 2, then commit and read back
    const bSync = b.send(SyncGroupApi, 5, { groupId: 'grp', generationId: 2, memberId: bId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] })
    await a.send(SyncGroupApi, 5, { groupId: 'grp', generationId: 2, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: text('p0') }, { memberId: bId, assignment: text('p1') }] })
    expect(new TextDecoder().decode((await bSync).assignment)).toBe('p1')
    await a.send(OffsetCommitApi, 8, { groupId: 'grp', generationIdOrMemberEpoch: 2, memberId: first.memberId, groupInstanceId: null, topics: [{ name: 'g', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 0, committedMetadata: 'md' }] }] })
    const fetched = await a.send(OffsetFetchApi, 8, { groups: [{ groupId: 'grp', memberId: null, memberEpoch: -1, topics: [{ name: 'g', topicId: ZERO_UUID, partitionIndexes: [0, 1] }] }], requireStable: false })
    expect(fetched.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([
      [0, 5n, 'md'],
      [1, 7n, ''],
    ])
  })

  it('a static member restarting into a Stable group keeps the generation although its metadata bytes changed (Kafka compares the selected protocol)', async () => {
    const cluster = await start()
    const coordinator = cluster.coordinatorOf('static')
    const a = await client(cluster, coordinator, 'a')
    const b = await client(cluster, coordinator, 'b')
    const join = (c: RawClient, instance: string, memberId: string, protocols: Array<{ name: string; metadata: Uint8Array }>) =>
      c.send(JoinGroupApi, 9, { groupId: 'static', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: instance, protocolType: 'consumer', protocols, reason: null })
    // a forms the group alone (generation 1); b's join starts a rebalance a takes part in (generation 2).
    const first = await join(a, 'a', '', [{ name: 'range', metadata: text('a-gen-0') }])
    expect([first.errorCode, first.generationId]).toEqual([ErrorCode.NONE, 1])
    const [jb, ja] = await Promise.all([join(b, 'b', '', [{ name: 'range', metadata: text('b-gen-0') }]), join(a, 'a', first.memberId, [{ name: 'range', metadata: text('a-gen-1') }])])
    expect([ja.generationId, jb.generationId, ja.leader]).toEqual([2, 2, ja.memberId])
    const followerSync = b.send(SyncGroupApi, 5, { groupId: 'static', generationId: 2, memberId: jb.memberId, groupInstanceId: 'b', protocolType: 'consumer', protocolName: 'range', assignments: [] })
    await a.send(SyncGroupApi, 5, { groupId: 'static', generationId: 2, memberId: ja.memberId, groupInstanceId: 'a', protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: ja.memberId, assignment: text('p0') }, { memberId: jb.memberId, assignment: text('p1') }] })
    expect(new TextDecoder().decode((await followerSync).assignment)).toBe('p1')
    // b restarts: a new connection, no member id, different subscription bytes (a restarted consumer
    // reports generation -1 and no owned partitions), the same protocol. Kafka keeps the generation.
    const b2 = await client(cluster, coordinator, 'b2')
    const rejoined = await join(b2, 'b', '', [{ name: 'range', metadata: text('b-restarted') }])
    expect([rejoined.errorCode, rejoined.generationId]).toEqual([ErrorCode.NONE, 2])
    expect(rejoined.memberId).not.toBe(jb.memberId)
    const heartbeat = (c: RawClient, memberId: string, instance: string) => c.send(HeartbeatApi, 4, { groupId: 'static', generationId: 2, memberId, groupInstanceId: instance })
    expect((await heartbeat(a, ja.memberId, 'a')).errorCode).toBe(ErrorCode.NONE)
    // The fenced old member id is refused.
    expect((await heartbeat(b, jb.memberId, 'b')).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
    // A restart offering only a protocol the others lack is refused, as by Kafka.
    const a2 = await client(cluster, coordinator, 'a2')
    expect((await join(a2, 'a', '', [{ name: 'cooperative-sticky', metadata: text('a') }])).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  })

  it('runs a KIP-848 consumer group: server-side assignment, revoke before assign', async () => {
    const cluster = await start()
    cluster.createTopic('k', { partitions: 4, replicationFactor: 1 })
    const coordinator = cluster.coordinatorOf('cg')
    const c = await client(cluster, coordinator)
    const heartbeat = (memberId: string, memberEpoch: number, owned: Array<{ topicId: string; partitions: number[] }> | null) =>
      c.send(ConsumerGroupHeartbeatApi, 1, {
        groupId: 'cg',
        memberId,
        memberEpoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: memberEpoch === 0 ? ['k'] : null,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: owned,
      })
    const a = await heartbeat('member-a', 0, [])
    expect(a.errorCode).toBe(ErrorCode.NONE)
    const all = a.assignment!.topicPartitions
    expect(all[0]!.partitions).toEqual([0, 1, 2, 3])
    const b = await heartbeat('member-b', 0, [])
    // b gets nothing yet: a still owns everything
    expect(b.assignment!.topicPartitions).toEqual([])
    const aRevoke = await heartbeat('member-a', a.memberEpoch, all)
    const kept = aRevoke.assignment!.topicPartitions[0]!.partitions
    expect(kept.length).toBe(2)
    // a acknowledges the revocation; b then receives the released partitions
    await heartbeat('member-a', aRevoke.memberEpoch, [{ topicId: all[0]!.topicId, partitions: kept }])
    const bNow = await heartbeat('member-b', b.memberEpoch, [])
    expect(bNow.assignment!.topicPartitions[0]!.partitions.length).toBe(2)
    expect([...kept, ...bNow.assignment!.topicPartitions[0]!.partitions].sort()).toEqual([0, 1, 2, 3])
    expect((await heartbeat('member-a', 99, null)).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
  })

  it('rejects bad options with a typed error', async () => {
    await expect(FakeCluster.start({ brokers: 0 })).rejects.toThrow(FakeClusterError)
    await expect(FakeCluster.start({ brokers: 1, racks: ['a', 'b'] })).rejects.toThrow(/racks/)
  })
})

describe('FakeCluster socketFactory (in-memory connections)', () => {
  function memoryClient(cluster: FakeCluster, broker: number, clientId?: string): RawClient {
    const [host, port] = cluster.bootstrap[broker - 1]!.split(':')
    const stream = cluster.socketFactory({ host: host!, port: Number(port) })
    if (stream === undefined) throw new Error(`no in-memory connection to broker ${broker}`)
    const c = RawClient.over(stream, clientId)
    clients.push(c)
    return c
  }

  it('answers over an in-memory connection as over TCP and logs the requests', async () => {
    const cluster = await start()
    const [host, port] = cluster.bootstrap[1]!.split(':')
    const stream = cluster.socketFactory({ host: host!, port: Number(port) })
    expect(stream).toBeInstanceOf(Duplex)
    expect(stream).not.toBeInstanceOf(Socket)
    stream!.destroy()
    const c = memoryClient(cluster, 2, 'in-memory')
    await c.send(CreateTopicsApi, 7, { topics: [{ name: 'mem', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 5000 })
    const metadata = await c.send(MetadataApi, 12, { topics: [{ name: 'mem', topicId: ZERO_UUID }] })
    expect(metadata.brokers.map((b) => b.rack).sort()).toEqual(['a', 'b', 'c'])
    const leader = metadata.topics[0]!.partitions[0]!.leaderId
    const onLeader = memoryClient(cluster, leader)
    expect((await produce(onLeader, 'mem', 0, batch(['one', 'two']))).errorCode).toBe(0)
    expect(values(await onLeader.send(FetchApi, 12, fetchRequest('mem', 0, 0n)))).toEqual(['one', 'two'])
    expect(cluster.requests.filter((r) => r.clientId === 'in-memory').map((r) => `${r.api}@${r.broker}`)).toEqual(['CreateTopics@2', 'Metadata@2'])
  })

  it('copies what a client writes: reusing the memory of a written request does not change the stored records', async () => {
    const cluster = await start()
    const setup = memoryClient(cluster, 1)
    await setup.send(CreateTopicsApi, 7, { topics: [{ name: 'copied', numPartitions: 1, replicationFactor: 1, assignments: [{ partitionIndex: 0, brokerIds: [1] }], configs: [] }], timeoutMs: 5000 })
    const c = memoryClient(cluster, 1)
    const records = batch(Array.from({ length: 1000 }, (_, i) => `value-${i}`))
    // Once written, the client's memory is its own again (as with a socket): it scribbles over the
    // last record's bytes before the broker reads (without the copy: CORRUPT_MESSAGE, or records changed).
    const response = await c.send(ProduceApi, 11, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'copied', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] }, (frame) =>
      frame.fill(0x55, frame.length - 12),
    )
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
    const fetched = values(await c.send(FetchApi, 12, fetchRequest('copied', 0, 0n)))
    expect(fetched).toHaveLength(1000)
    expect(fetched[999]).toBe('value-999')
    // (without the copy the fake refuses the scribbled batch and closes the connection: no answer, so a short timeout)
  }, 10_000)

  it('gives undefined (the client dials TCP and is refused) for a killed broker or another address, cuts in-memory connections on kill, and serves again after restart', async () => {
    const cluster = await start()
    const [host, port] = cluster.bootstrap[2]!.split(':')
    const target = { host: host!, port: Number(port) }
    const c = memoryClient(cluster, 3)
    await c.send(MetadataApi, 12, { topics: [] })
    await cluster.kill(3)
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(c.closed).toBe(true)
    expect(cluster.socketFactory(target)).toBeUndefined()
    expect(cluster.socketFactory({ host: host!, port: 1 })).toBeUndefined()
    expect(cluster.socketFactory({ host: '10.1.2.3', port: Number(port) })).toBeUndefined()
    // plain JavaScript passing nonsense gets undefined too, not an exception
    expect((cluster.socketFactory as (target: unknown) => unknown)(null)).toBeUndefined()
    await cluster.restart(3)
    const again = memoryClient(cluster, 3)
    expect((await again.send(MetadataApi, 12, { topics: [] })).brokers).toHaveLength(3)
    // 'localhost' names the same listener
    expect(cluster.socketFactory({ host: 'localhost', port: Number(port) })).toBeDefined()
  })

  it('applies injected errors and dropped connections to in-memory connections as to TCP ones', async () => {
    const cluster = await start()
    const c = memoryClient(cluster, 1)
    cluster.injectError({ api: 'Metadata', error: 'NOT_CONTROLLER', times: 1 })
    const metadata = await c.send(MetadataApi, 12, { topics: [{ name: 'x', topicId: ZERO_UUID }] })
    expect(metadata.topics[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER)
    cluster.dropConnections(1)
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(c.closed).toBe(true)
  })
})

describe('FakeCluster ListOffsets versions', () => {
  it('answers ListOffsets v1–v3 without a leader epoch (they cannot carry one; librdkafka/kcat sends v2) and v4+ with it', async () => {
    const cluster = await start()
    cluster.createTopic('lo', { partitions: 1, replicationFactor: 1 })
    const c = await client(cluster, 1)
    await produce(c, 'lo', 0, batch(['a', 'b']))
    const ask = (version: number) => c.send(ListOffsetsApi, version, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'lo', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })
    expect((await ask(2)).topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: 2n, leaderEpoch: -1 })
    expect((await ask(4)).topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: 2n, leaderEpoch: 0 })
    expect(c.closed).toBe(false)
  })
})

describe('FakeCluster record timestamps', () => {
  it('refuses a CreateTime batch with a record past message.timestamp.after.max.ms (INVALID_TIMESTAMP), not on a LogAppendTime topic', async () => {
    const cluster = await start()
    cluster.createTopic('ts', { partitions: 1, replicationFactor: 1 })
    cluster.createTopic('ts-append', { partitions: 1, replicationFactor: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } })
    const c = await client(cluster, 1)
    const twoHoursAhead = Date.now() + 2 * 3_600_000
    expect((await produce(c, 'ts', 0, batch(['now']))).errorCode).toBe(ErrorCode.NONE)
    expect((await produce(c, 'ts', 0, batch(['future'], { timestamp: twoHoursAhead }))).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(cluster.partition('ts', 0).logEndOffset).toBe(1n)
    expect((await produce(c, 'ts-append', 0, batch(['future'], { timestamp: twoHoursAhead }))).errorCode).toBe(ErrorCode.NONE)
  })
})
