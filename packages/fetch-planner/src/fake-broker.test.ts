// What a real broker cannot do on demand, played by two fake brokers sharing one Metadata answer:
// node 1 leads orders-0, node 2 follows it (rack-2). Follower OFFSET_OUT_OF_RANGE below its log
// start and above its high watermark, the leader's OFFSET_OUT_OF_RANGE and the reset policies,
// KIP-320 truncation (OffsetForLeaderEpoch and divergingEpoch), follower errors and dropped
// connections, and fetch-session errors.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  ErrorCode,
  FetchApi,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  ListOffsetsApi,
  type ListOffsetsRequest,
  MetadataApi,
  OffsetForLeaderEpochApi,
  type OffsetForLeaderEpochRequest,
  createFetchResponsePartitionData,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  encodeControlBatch,
  encodeRecordBatchSync,
  encodeUtf8,
} from '@kafkats/protocol'
import { type FakeAction, FakeBroker, type FakeRequestContext, recordingLogger, sleep, text, waitFor } from '@kafkats/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataLossError } from './data-loss-error.js'
import type { OffsetResetEvent } from './events.js'
import { FetchPlanner } from './fetch-planner.js'
import { OffsetOutOfRangeError } from './offset-out-of-range-error.js'
import type { FetchPlannerOptions } from './options.js'
import { consume } from './testing.test-data.js'
import type { KafkaError } from '@kafkats/protocol'

// A fault no check foresaw, on demand: the next decision about a Fetch answer throws (see the
// last-line-of-defence test); every other test sees the real rules.
const faults = vi.hoisted(() => ({ failNextDecision: false }))
vi.mock('./rules.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./rules.js')>()
  return {
    ...original,
    decideFetchAnswer: (...args: Parameters<typeof original.decideFetchAnswer>) => {
      if (faults.failNextDecision) {
        faults.failNextDecision = false
        throw new TypeError('simulated bug while handling a fetch response')
      }
      return original.decideFetchAnswer(...args)
    },
  }
})

const TOPIC = 'orders'
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const LEADER_EPOCH = 5

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A partition's log on one fake broker: records [logStart, highWatermark), value `v<offset>`. */
interface FakeLog {
  logStart: bigint
  highWatermark: bigint
  epoch: number
}

type FetchHook = (fetchOffset: bigint, request: FetchRequest, context: FakeRequestContext) => Partial<FetchResponsePartitionData> | FakeAction | undefined

interface FakeNode {
  broker: FakeBroker
  log: FakeLog
  /** Decides a partition's answer before the log does (undefined: serve from the log). */
  hook: FetchHook
  fetchOffsets: bigint[]
}

async function startNode(log: FakeLog): Promise<FakeNode> {
  const broker = await FakeBroker.start()
  cleanups.push(() => broker.close())
  const node: FakeNode = { broker, log, hook: () => undefined, fetchOffsets: [] }
  broker.on(FetchApi, async (request, context) => {
    const topic = request.topics[0]
    const requested = topic?.partitions[0]
    if (topic === undefined || requested === undefined) {
      await sleep(Math.min(request.maxWaitMs, 50))
      return FetchApi.createResponse({ responses: [] })
    }
    node.fetchOffsets.push(requested.fetchOffset)
    const hooked = node.hook(requested.fetchOffset, request, context)
    if (hooked !== undefined && 'action' in hooked) return hooked as FakeAction
    const answer = hooked ?? serve(node.log, requested.fetchOffset)
    if ((answer.records === undefined || answer.records === null) && answer.errorCode === undefined && answer.preferredReadReplica === undefined) {
      await sleep(Math.min(request.maxWaitMs, 50)) // a long poll with nothing new
    }
    return fetchResponse(context.version, answer)
  })
  return node
}

function serve(log: FakeLog, fetchOffset: bigint): Partial<FetchResponsePartitionData> {
  const common = { highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStart }
  if (fetchOffset < log.logStart || fetchOffset > log.highWatermark) return { ...common, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }
  if (fetchOffset === log.highWatermark) return common
  const end = log.highWatermark < fetchOffset + 10n ? log.highWatermark : fetchOffset + 10n
  const records = []
  for (let offset = fetchOffset; offset < end; offset++) records.push({ value: encodeUtf8(`v${offset}`) })
  return { ...common, records: encodeRecordBatchSync(records, { baseOffset: fetchOffset, partitionLeaderEpoch: log.epoch }) }
}

function fetchResponse(version: number, partition: Partial<FetchResponsePartitionData>): FetchResponse {
  return FetchApi.createResponse({
    sessionId: 0,
    responses: [
      {
        topic: version >= 13 ? '' : TOPIC,
        topicId: version >= 13 ? TOPIC_ID : 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: [createFetchResponsePartitionData({ partitionIndex: 0, ...partition })],
      },
    ],
  })
}

interface Cluster {
  /** Changes what Metadata answers (the next refresh applies it). */
  setPartition: (change: { leaderEpoch?: number; replicas?: number[] }) => void
  leader: FakeNode
  follower: FakeNode
  metadata: ClusterMetadata
  pool: ConnectionPool
  listOffsets: ListOffsetsRequest[]
  offsetForLeaderEpoch: OffsetForLeaderEpochRequest[]
  /** The leader's OffsetForLeaderEpoch answer for the epoch asked. */
  epochEnd: (epoch: number) => { leaderEpoch: number; endOffset: bigint }
}

async function cluster(leaderLog: FakeLog, followerLog: FakeLog): Promise<Cluster> {
  const leader = await startNode(leaderLog)
  const follower = await startNode(followerLog)
  const metadataAnswer = createMetadataResponse({
    clusterId: 'fake',
    controllerId: 1,
    brokers: [
      createMetadataResponseBroker({ nodeId: 1, host: leader.broker.host, port: leader.broker.port, rack: 'rack-1' }),
      createMetadataResponseBroker({ nodeId: 2, host: follower.broker.host, port: follower.broker.port, rack: 'rack-2' }),
    ],
    topics: [
      createMetadataResponseTopic({
        name: TOPIC,
        topicId: TOPIC_ID,
        partitions: [createMetadataResponsePartition({ partitionIndex: 0, leaderId: 1, leaderEpoch: LEADER_EPOCH, replicaNodes: [1, 2], isrNodes: [1, 2] })],
      }),
    ],
  })
  leader.broker.on(MetadataApi, () => metadataAnswer)
  follower.broker.on(MetadataApi, () => metadataAnswer)
  const result: Cluster = {
    setPartition: ({ leaderEpoch, replicas }) => {
      const partition = metadataAnswer.topics[0]!.partitions[0]!
      if (leaderEpoch !== undefined) partition.leaderEpoch = leaderEpoch
      if (replicas !== undefined) {
        partition.replicaNodes = replicas
        partition.isrNodes = replicas
      }
    },
    leader,
    follower,
    metadata: undefined as unknown as ClusterMetadata,
    pool: new ConnectionPool({ clientId: 'fetch-planner-fake', requestTimeoutMs: 5_000, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 }),
    listOffsets: [],
    offsetForLeaderEpoch: [],
    epochEnd: () => ({ leaderEpoch: LEADER_EPOCH, endOffset: leader.log.highWatermark }),
  }
  leader.broker.on(ListOffsetsApi, (request) => {
    result.listOffsets.push(request)
    const timestamp = request.topics[0]!.partitions[0]!.timestamp
    const offset = timestamp === -2n ? leader.log.logStart : leader.log.highWatermark
    return ListOffsetsApi.createResponse({
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset, leaderEpoch: LEADER_EPOCH }] }],
    })
  })
  leader.broker.on(OffsetForLeaderEpochApi, (request) => {
    result.offsetForLeaderEpoch.push(request)
    const asked = request.topics[0]!.partitions[0]!
    return OffsetForLeaderEpochApi.createResponse({
      topics: [{ topic: TOPIC, partitions: [{ errorCode: 0, partition: 0, ...result.epochEnd(asked.leaderEpoch) }] }],
    })
  })
  result.metadata = new ClusterMetadata({ bootstrapBrokers: [leader.broker.address], pool: result.pool, refreshMinIntervalMs: 0 })
  cleanups.push(() => {
    result.metadata.close()
    result.pool.close()
  })
  return result
}

function planner(c: Cluster, options: Partial<FetchPlannerOptions> = {}): FetchPlanner {
  const p = new FetchPlanner({ metadata: c.metadata, pool: c.pool, rack: 'rack-2', fetchMaxWaitMs: 100, retryBackoffMs: 20, ...options })
  cleanups.push(() => p.close())
  return p
}

/** The leader sends every fetch at or above `from` to node 2 (as a real leader with RackAwareReplicaSelector). */
function redirectFrom(from: bigint): FetchHook {
  return (fetchOffset, request) => (request.rackId === 'rack-2' && fetchOffset >= from ? { preferredReadReplica: 2, highWatermark: 100n } : undefined)
}

const offsetsOf = (records: Array<{ offset: bigint }>): bigint[] => records.map((record) => record.offset)
const range = (from: number, to: number): bigint[] => Array.from({ length: to - from }, (_, i) => BigInt(from + i))

describe('FetchPlanner with a fake leader and follower', () => {
  it('follows the leader to the preferred replica, logs the move, and fetches from it from then on', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH })
    c.leader.hook = redirectFrom(0n)
    const { logger, lines } = recordingLogger()
    const p = planner(c, { logger })
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    const records = await consume(p, 30)
    expect(offsetsOf(records)).toEqual(range(0, 30))
    expect(text(records[7]!.value)).toBe('v7')
    expect(p.sourceOf(TOPIC, 0)).toBe(2)
    const info = lines.filter((line) => line.level === 'info' && line.message === 'fetch partitions returned preferred replicas')
    expect(info).toHaveLength(1)
    expect(info[0]!.fields).toMatchObject({ fromBroker: 1, moves: 'orders{0=>2}' })
    const counters = p.brokerCounters()
    expect(counters.get(1)).toMatchObject({ requests: 1, records: 0 })
    expect(counters.get(2)?.records).toBe(30)
    // Every Fetch carried the rack, replica id -1 and the current leader epoch.
    const fetch = c.follower.broker.received.find((r) => r.apiKey === FetchApi.apiKey)!.request as FetchRequest
    expect(fetch).toMatchObject({ rackId: 'rack-2', replicaState: { replicaId: -1 } })
    expect(fetch.topics[0]!.partitions[0]!.currentLeaderEpoch).toBe(LEADER_EPOCH)
  })

  it('follower OFFSET_OUT_OF_RANGE below its log start: back to the leader, no reset', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 60n, epoch: LEADER_EPOCH }, { logStart: 50n, highWatermark: 60n, epoch: LEADER_EPOCH })
    // A leader that still names the follower for offset 10 (its view of the follower is stale).
    c.leader.hook = (fetchOffset, request, context) => (context.count === 1 ? redirectFrom(0n)(fetchOffset, request, context) : undefined)
    const resets: OffsetResetEvent[] = []
    const p = planner(c)
    p.on('offsetReset', (event) => resets.push(event))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 10n } }])
    const records = await consume(p, 50)
    expect(offsetsOf(records)).toEqual(range(10, 60))
    expect(c.follower.fetchOffsets).toEqual([10n]) // asked once, answered OFFSET_OUT_OF_RANGE
    expect(p.brokerCounters().get(1)?.records).toBe(50)
    expect(resets).toEqual([])
    expect(c.listOffsets).toEqual([])
  })

  it('follower OFFSET_OUT_OF_RANGE above its high watermark: validated with the leader, retried on the follower, no reset', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 40n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 20n, epoch: LEADER_EPOCH })
    c.leader.hook = redirectFrom(0n)
    // The follower catches up once it has answered OFFSET_OUT_OF_RANGE once.
    const followerHook = c.follower.hook
    c.follower.hook = (fetchOffset, request, context) => {
      if (context.count >= 2) c.follower.log.highWatermark = 40n
      return followerHook(fetchOffset, request, context)
    }
    const resets: OffsetResetEvent[] = []
    const p = planner(c)
    p.on('offsetReset', (event) => resets.push(event))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 30n } }])
    const records = await consume(p, 10)
    expect(offsetsOf(records)).toEqual(range(30, 40))
    expect(c.offsetForLeaderEpoch).toHaveLength(1)
    // No epoch with the offset: the leader's current epoch bounds it (its end offset is the log end).
    expect(c.offsetForLeaderEpoch[0]!.topics[0]!.partitions[0]).toMatchObject({ leaderEpoch: LEADER_EPOCH, currentLeaderEpoch: LEADER_EPOCH })
    expect(c.follower.fetchOffsets.slice(0, 2)).toEqual([30n, 30n])
    expect(p.brokerCounters().get(2)?.records).toBe(10)
    expect(p.brokerCounters().get(1)?.records ?? 0).toBe(0)
    expect(resets).toEqual([])
    expect(c.listOffsets).toEqual([])
  })

  it("the leader's OFFSET_OUT_OF_RANGE applies the reset policy (earliest, latest)", async () => {
    for (const policy of ['earliest', 'latest'] as const) {
      const c = await cluster({ logStart: 20n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 20n, highWatermark: 30n, epoch: LEADER_EPOCH })
      const resets: OffsetResetEvent[] = []
      const p = planner(c, { rack: '', autoOffsetReset: policy })
      p.on('offsetReset', (event) => resets.push(event))
      p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 5n } }])
      await waitFor(() => resets.length === 1, 5_000, 'the reset')
      expect(resets[0]).toMatchObject({ topic: TOPIC, partition: 0, previousOffset: 5n, offset: policy === 'earliest' ? 20n : 30n, policy })
      expect(c.listOffsets[0]!.topics[0]!.partitions[0]!.timestamp).toBe(policy === 'earliest' ? -2n : -1n)
      if (policy === 'earliest') expect(offsetsOf(await consume(p, 10))).toEqual(range(20, 30))
      await waitFor(() => p.position(TOPIC, 0) !== undefined, 5_000, 'a position')
      expect(p.position(TOPIC, 0)?.offset).toBe(30n)
      await p.close()
    }
  })

  it("'none': the leader's OFFSET_OUT_OF_RANGE is a typed error event and the partition stops until seek", async () => {
    const c = await cluster({ logStart: 20n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 20n, highWatermark: 30n, epoch: LEADER_EPOCH })
    const errors: KafkaError[] = []
    const p = planner(c, { rack: '', autoOffsetReset: 'none' })
    p.on('error', (error) => errors.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 5n } }])
    await waitFor(() => errors.length === 1, 5_000, 'the error')
    expect(OffsetOutOfRangeError.isInstance(errors[0])).toBe(true)
    expect(errors[0]).toMatchObject({ topic: TOPIC, partition: 0, offset: 5n, errorName: 'OFFSET_OUT_OF_RANGE' })
    expect(p.sourceOf(TOPIC, 0)).toBe(-1)
    const fetches = c.leader.fetchOffsets.length
    await sleep(200)
    expect(c.leader.fetchOffsets.length).toBe(fetches) // stopped
    expect(c.listOffsets).toEqual([])
    p.seek(TOPIC, 0, { kind: 'offset', offset: 25n })
    expect(offsetsOf(await consume(p, 5))).toEqual(range(25, 30))
  })

  it('KIP-320: an offset with an epoch is validated with the leader; a truncated log is a DataLossError and consumption continues at the end offset', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 70n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 70n, epoch: LEADER_EPOCH })
    c.epochEnd = (epoch) => (epoch === 4 ? { leaderEpoch: 4, endOffset: 60n } : { leaderEpoch: LEADER_EPOCH, endOffset: 70n })
    const losses: DataLossError[] = []
    const p = planner(c, { rack: '' })
    p.on('dataLoss', (error) => losses.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 80n, leaderEpoch: 4 } }])
    const records = await consume(p, 10)
    expect(offsetsOf(records)).toEqual(range(60, 70))
    expect(losses).toHaveLength(1)
    expect(DataLossError.isInstance(losses[0])).toBe(true)
    expect(losses[0]).toMatchObject({ topic: TOPIC, partition: 0, offset: 80n, leaderEpoch: 4, endOffset: 60n, endOffsetEpoch: 4, lostRecords: 20n, detectedBy: 'validation' })
    expect(c.offsetForLeaderEpoch[0]!.topics[0]!.partitions[0]).toMatchObject({ leaderEpoch: 4, currentLeaderEpoch: LEADER_EPOCH })
    expect(c.offsetForLeaderEpoch[0]!.replicaId).toBe(-1)
    // Validation happened before any Fetch of offset 80.
    expect(c.leader.fetchOffsets).not.toContain(80n)
  })

  it('KIP-320: a valid offset with an epoch is fetched after validation, without loss', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 50n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 50n, epoch: LEADER_EPOCH })
    c.leader.hook = redirectFrom(0n)
    const losses: DataLossError[] = []
    const p = planner(c)
    p.on('dataLoss', (error) => losses.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 40n, leaderEpoch: LEADER_EPOCH } }])
    expect(offsetsOf(await consume(p, 10))).toEqual(range(40, 50))
    expect(losses).toEqual([])
    expect(c.offsetForLeaderEpoch).toHaveLength(1)
    // ...and then follows the same KIP-392 path as any other offset.
    expect(p.sourceOf(TOPIC, 0)).toBe(2)
    expect(p.brokerCounters().get(2)?.records).toBe(10)
  })

  it("Fetch v12+ divergingEpoch from the leader is handled as a truncation", async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 70n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 70n, epoch: LEADER_EPOCH })
    let diverged = false
    c.leader.hook = (fetchOffset) => {
      if (fetchOffset === 70n && !diverged) {
        diverged = true
        return { divergingEpoch: { epoch: 4, endOffset: 65n }, highWatermark: 70n }
      }
      return undefined
    }
    const losses: DataLossError[] = []
    const p = planner(c, { rack: '' })
    p.on('dataLoss', (error) => losses.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 60n } }])
    const records = await consume(p, 15)
    expect(offsetsOf(records)).toEqual([...range(60, 70), ...range(65, 70)])
    expect(losses).toHaveLength(1)
    expect(losses[0]).toMatchObject({ offset: 70n, endOffset: 65n, endOffsetEpoch: 4, detectedBy: 'diverging-epoch' })
    // The request carried the epoch of the last record fetched.
    const requests = c.leader.broker.received.filter((r) => r.apiKey === FetchApi.apiKey).map((r) => (r.request as FetchRequest).topics[0]?.partitions[0])
    expect(requests.find((partition) => partition?.fetchOffset === 70n)?.lastFetchedEpoch).toBe(LEADER_EPOCH)
  })

  it('a follower error (NOT_LEADER_OR_FOLLOWER) or a dropped connection to it: back to the leader at once (pinned there for a lease), nothing lost or repeated', async () => {
    for (const failure of ['error', 'drop'] as const) {
      const c = await cluster({ logStart: 0n, highWatermark: 40n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 40n, epoch: LEADER_EPOCH })
      c.leader.hook = (fetchOffset, request, context) => (context.count === 1 ? redirectFrom(0n)(fetchOffset, request, context) : undefined)
      c.follower.hook = (fetchOffset) => {
        if (fetchOffset < 20n) return undefined
        return failure === 'error' ? { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: 40n } : { action: 'close-connection' }
      }
      const { logger, lines } = recordingLogger()
      const p = planner(c, { logger })
      p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
      const records = await consume(p, 40)
      expect(offsetsOf(records)).toEqual(range(0, 40))
      expect(p.brokerCounters().get(2)?.records).toBe(20)
      expect(p.brokerCounters().get(1)?.records).toBe(20)
      expect(p.sourceOf(TOPIC, 0)).toBe(1)
      if (failure === 'drop') expect(lines.some((line) => line.message.includes('preferred replica failed'))).toBe(true)
      // Pinned to the leader for a lease: asked without a rack, so it serves rather than naming the failed replica again.
      const racks = c.leader.broker.received.filter((r) => r.apiKey === FetchApi.apiKey).map((r) => (r.request as FetchRequest).rackId)
      expect(racks[0]).toBe('rack-2')
      expect(racks.slice(1).every((rack) => rack === '')).toBe(true)
      await p.close()
    }
  })

  it('the lease: once it expires the next request goes to the leader, which may name the replica again', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH })
    c.leader.hook = redirectFrom(0n)
    const { logger, lines } = recordingLogger()
    const p = planner(c, { logger, preferredReplicaLeaseMs: 300 })
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    // Wait on the planner's own log, not on the leader's request count: the fake records a Fetch
    // when it arrives, and the planner logs the redirect only once it has handled the answer.
    const redirects = () => lines.filter((line) => line.message === 'fetch partitions returned preferred replicas')
    await waitFor(() => redirects().length >= 3, 5_000, 'three leader round trips, each naming the replica')
    expect(c.leader.fetchOffsets.length).toBeGreaterThanOrEqual(3)
    expect(lines.some((line) => line.message === 'fetching from the leader again' && line.fields.reason === 'lease expired')).toBe(true)
    expect(c.follower.fetchOffsets.length).toBeGreaterThanOrEqual(2)
  })

  it('the follower leaving the replicas, or a leader-epoch change, sends the partition back to the leader (the epoch change after validating)', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 20n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 20n, epoch: LEADER_EPOCH })
    let follower = true // node 2 is a replica: the leader names it
    c.leader.hook = (fetchOffset, request, context) => (follower ? redirectFrom(0n)(fetchOffset, request, context) : undefined)
    const p = planner(c)
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    expect((await consume(p, 20)).length).toBe(20)
    expect(p.sourceOf(TOPIC, 0)).toBe(2)

    follower = false
    c.setPartition({ replicas: [1, 3] })
    await c.metadata.refresh()
    expect(p.sourceOf(TOPIC, 0)).toBe(1)

    follower = true
    c.setPartition({ replicas: [1, 2] })
    await c.metadata.refresh()
    await waitFor(() => p.sourceOf(TOPIC, 0) === 2, 5_000, 'the redirect again')
    c.setPartition({ leaderEpoch: LEADER_EPOCH + 1 })
    await c.metadata.refresh() // epoch 6: validate the position (20, epoch 5) with the leader, then fetch from it
    expect(p.sourceOf(TOPIC, 0)).toBe(-1)
    await waitFor(() => c.offsetForLeaderEpoch.length === 1, 5_000, 'the validation')
    expect(c.offsetForLeaderEpoch[0]!.topics[0]!.partitions[0]).toMatchObject({ currentLeaderEpoch: LEADER_EPOCH + 1, leaderEpoch: LEADER_EPOCH })
    await waitFor(() => p.sourceOf(TOPIC, 0) === 2, 5_000, 'fetching again (redirected by the leader)')
    expect(p.position(TOPIC, 0)).toEqual({ offset: 20n, leaderEpoch: LEADER_EPOCH })
  })

  it('a lost fetch session (FETCH_SESSION_ID_NOT_FOUND) resets to a full fetch', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH })
    // A leader that opens session 42 and forgets it on the third request.
    c.leader.broker.on(FetchApi, async (request, context) => {
      if (context.count === 3) return FetchApi.createResponse({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 })
      const requested = request.topics[0]?.partitions[0]
      if (requested === undefined) {
        await sleep(50)
        return FetchApi.createResponse({ sessionId: 42, responses: [] })
      }
      return { ...fetchResponse(context.version, serve(c.leader.log, requested.fetchOffset)), sessionId: 42 }
    })
    const p = planner(c, { rack: '' })
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    expect(offsetsOf(await consume(p, 30))).toEqual(range(0, 30))
    const sessions = c.leader.broker.received.filter((r) => r.apiKey === FetchApi.apiKey).map((r) => r.request as FetchRequest)
    expect(sessions.slice(0, 4).map((r) => [r.sessionId, r.sessionEpoch])).toEqual([
      [0, 0],
      [42, 1],
      [42, 2],
      [0, 0],
    ])
  })

  it('close() resolves promptly with a long poll in flight and a pending poll()', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH })
    // The broker holds every Fetch until the test releases it: "promptly" means close() and the
    // pending poll() settle while the long poll is still unanswered (not after it returned).
    let release = (): void => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let answered = 0
    c.leader.broker.on(FetchApi, async (_request, context) => {
      await held
      answered += 1
      return fetchResponse(context.version, { highWatermark: 0n })
    })
    const p = planner(c, { rack: '', fetchMaxWaitMs: 2_000 })
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    await waitFor(() => c.leader.fetchOffsets.length > 0 || c.leader.broker.received.some((r) => r.apiKey === FetchApi.apiKey), 5_000, 'a fetch')
    const pending = p.poll({ maxWaitMs: 10_000 })
    await p.close()
    expect(await pending).toEqual([])
    expect(answered, 'close() waited for the in-flight long poll').toBe(0)
    release()
  })

  it('emptyBatches: a fetch answered with only a control batch is handed out as an empty batch that moves the position; fetchStart/fetchResponse report each Fetch', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 3n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 3n, epoch: LEADER_EPOCH })
    // Offsets 0-1 are v0, v1; offset 2 is a transaction marker only.
    c.leader.hook = (fetchOffset) =>
      fetchOffset === 2n && c.leader.log.highWatermark === 3n ? { highWatermark: 3n, lastStableOffset: 3n, logStartOffset: 0n, records: encodeControlBatch({ type: 'COMMIT', producerId: 9n, producerEpoch: 0, baseOffset: 2n }) } : undefined
    const started: number[] = []
    const answered: Array<{ nodeId: number; bufferedBatches: number; partitionCount: number }> = []
    for (const emptyBatches of [true, false]) {
      c.leader.log.highWatermark = 2n
      const p = planner(c, { rack: undefined, emptyBatches })
      if (emptyBatches) {
        p.on('fetchStart', ({ nodeId }) => started.push(nodeId))
        p.on('fetchResponse', ({ nodeId, bufferedBatches, partitionCount, durationMs }) => {
          expect(durationMs).toBeGreaterThanOrEqual(0)
          answered.push({ nodeId, bufferedBatches, partitionCount })
        })
      }
      p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
      expect(offsetsOf(await consume(p, 2))).toEqual([0n, 1n])
      c.leader.log.highWatermark = 3n
      const batches = await p.poll({ maxWaitMs: 2000 })
      if (emptyBatches) {
        expect(batches).toHaveLength(1)
        expect(batches[0]).toMatchObject({ topic: TOPIC, partition: 0, records: [], nextOffset: 3n })
      } else {
        expect(batches).toEqual([])
      }
      await waitFor(() => p.partitionMetrics()[0]?.position === 3n, 2000, 'position past the marker')
      await p.close()
    }
    expect(started.length).toBeGreaterThanOrEqual(2)
    expect(new Set(started)).toEqual(new Set([1]))
    expect(answered.length).toBeGreaterThanOrEqual(2)
    expect(answered.every((a) => a.nodeId === 1 && a.partitionCount === 1)).toBe(true)
    // One answer carried v0-v1, one the marker (each one buffered batch).
    expect(answered.filter((a) => a.bufferedBatches === 1).length).toBeGreaterThanOrEqual(2)
  })

  it('a corrupt batch (CRC mismatch), found when polled: an error event, the partition stops before it until seek, nothing after it is handed out', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH })
    let corrupt = true
    c.leader.hook = (fetchOffset) => {
      if (!corrupt || fetchOffset !== 10n) return undefined
      const answer = serve(c.leader.log, fetchOffset)
      const bytes = answer.records!.slice()
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
      return { ...answer, records: bytes }
    }
    const errors: KafkaError[] = []
    const p = planner(c, { rack: '' })
    p.on('error', (error) => errors.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    expect(offsetsOf(await consume(p, 10))).toEqual(range(0, 10))
    await waitFor(() => c.leader.fetchOffsets.includes(20n), 5_000, 'the fetch after the corrupt answer')
    expect(await p.poll({ maxWaitMs: 300 })).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ errorName: 'CORRUPT_MESSAGE', retriable: false })
    expect(p.partitionMetrics()[0]).toMatchObject({ state: 'failed', position: 10n })
    expect(await p.poll({ maxWaitMs: 300 })).toEqual([])
    corrupt = false
    p.seek(TOPIC, 0, { kind: 'offset', offset: 10n })
    expect(offsetsOf(await consume(p, 20))).toEqual(range(10, 30))
  })

  it('a corrupt batch behind good ones in the same answer: the good batches are handed out first, the error comes with the next poll, the position stops before the bad batch', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH })
    let corrupt = true
    c.leader.hook = (fetchOffset) => {
      if (!corrupt || fetchOffset !== 10n) return undefined
      // Two batches in one answer, 10-14 intact, 15-19 with a flipped byte (its CRC no longer matches).
      const batch = (from: number) =>
        encodeRecordBatchSync(
          range(from, from + 5).map((offset) => ({ value: encodeUtf8(`v${offset}`) })),
          { baseOffset: BigInt(from), partitionLeaderEpoch: LEADER_EPOCH },
        )
      const good = batch(10)
      const bad = batch(15).slice()
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff
      const records = new Uint8Array(good.length + bad.length)
      records.set(good)
      records.set(bad, good.length)
      return { highWatermark: 30n, lastStableOffset: 30n, logStartOffset: 0n, records }
    }
    const errors: KafkaError[] = []
    const p = planner(c, { rack: '' })
    p.on('error', (error) => errors.push(error))
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    expect(offsetsOf(await consume(p, 10))).toEqual(range(0, 10))
    await waitFor(() => c.leader.fetchOffsets.includes(20n), 5_000, 'the fetch after the two-batch answer')
    const first = await p.poll({ maxWaitMs: 300 })
    expect(offsetsOf(first.flatMap((batch) => batch.records))).toEqual(range(10, 15))
    expect(errors).toEqual([])
    // Stopped already: nothing after the bad batch is fetched or handed out.
    expect(p.partitionMetrics()[0]).toMatchObject({ state: 'failed', position: 15n })
    expect(await p.poll({ maxWaitMs: 300 })).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ errorName: 'CORRUPT_MESSAGE', retriable: false })
    expect(await p.poll({ maxWaitMs: 300 })).toEqual([])
    expect(errors).toHaveLength(1)
    corrupt = false
    p.seek(TOPIC, 0, { kind: 'offset', offset: 15n })
    expect(offsetsOf(await consume(p, 15))).toEqual(range(15, 30))
  })

  it('poll() rejects with the abort reason when its signal aborts', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 0n, epoch: LEADER_EPOCH })
    const p = planner(c, { rack: '' })
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'earliest' } }])
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(p.poll({ signal: controller.signal, maxWaitMs: 10_000 })).rejects.toThrow('stop')
  })
})

describe('last line of defence in the fetch loop', () => {
  it('a response the source cannot handle is a typed error event, not an unhandled rejection; the partition is fetched again without loss', async () => {
    const c = await cluster({ logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH }, { logStart: 0n, highWatermark: 30n, epoch: LEADER_EPOCH })
    const unhandled: unknown[] = []
    const onUnhandled = (error: unknown): void => void unhandled.push(error)
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)
    cleanups.push(() => {
      process.off('unhandledRejection', onUnhandled)
      process.off('uncaughtException', onUnhandled)
    })
    const errors: KafkaError[] = []
    const p = planner(c, { rack: '' })
    p.on('error', (error) => errors.push(error))
    faults.failNextDecision = true
    p.assign([{ topic: TOPIC, partition: 0, offset: { kind: 'offset', offset: 0n } }])
    await waitFor(() => errors.length === 1, 5_000, 'the error event')
    expect(errors[0]).toMatchObject({ errorName: 'UNKNOWN', retriable: false })
    expect(errors[0]!.message).toContain('could not be handled: TypeError: simulated bug while handling a fetch response')
    expect(offsetsOf(await consume(p, 30))).toEqual(range(0, 30))
    expect(unhandled).toEqual([])
  })
})

