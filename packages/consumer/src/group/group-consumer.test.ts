import { ConnectionPool } from '@kafkats/connection'
import type { BrokerCounters, FetchedBatch, StartOffset } from '@kafkats/fetch-planner'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  ConsumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatRequest,
  ErrorCode,
  FindCoordinatorApi,
  InvalidArgumentError,
  InvalidStateError,
  type KafkaError,
  KafkaProtocolError,
  HeartbeatApi,
  JoinGroupApi,
  type JoinGroupRequest,
  LeaveGroupApi,
  type LeaveGroupRequest,
  MetadataApi,
  OffsetCommitApi,
  type OffsetCommitRequest,
  OffsetFetchApi,
  SyncGroupApi,
  type SyncGroupRequest,
  createFindCoordinatorResponseCoordinator,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolSubscription,
} from '@kafkats/protocol'
import { FakeBroker, waitFor } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { GroupConsumer, type GroupConsumerOptions, type GroupFetcher } from '../group-consumer.js'
import type { TopicPartition } from './assignors/types.js'
import { CommitFailedError } from './commit-failed-error.js'

const TOPIC = 'orders'
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const PARTITIONS = 4

/** A fetcher that records what the consumer asks and returns the batches a test pushes. */
class FakeFetcher implements GroupFetcher {
  readonly assigned = new Map<string, StartOffset>()
  readonly calls: string[] = []
  private pending: FetchedBatch[] = []
  private wake: (() => void) | null = null

  push(partition: number, offsets: number[]): void {
    this.pending.push({
      topic: TOPIC,
      partition,
      records: offsets.map((offset) => ({ topic: TOPIC, partition, offset: BigInt(offset), timestamp: 0n, key: null, value: null, headers: [], leaderEpoch: 0 })),
      highWatermark: BigInt(offsets[offsets.length - 1]! + 1),
      lastStableOffset: -1n,
      logStartOffset: 0n,
      nextOffset: BigInt(offsets[offsets.length - 1]! + 1),
      leaderEpoch: 0,
      servedBy: 1,
    })
    this.wake?.()
  }

  assign(partitions: ReadonlyArray<{ topic: string; partition: number; offset: StartOffset }>): void {
    for (const p of partitions) {
      this.assigned.set(`${p.topic}-${p.partition}`, p.offset)
      this.calls.push(`assign ${p.partition}`)
    }
  }

  unassign(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) {
      this.assigned.delete(`${p.topic}-${p.partition}`)
      this.calls.push(`unassign ${p.partition}`)
    }
  }

  /** Recorded: the group consumer pauses fetching when a revocation starts. */
  pause(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) this.calls.push(`pause ${p.partition}`)
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) this.calls.push(`resume ${p.partition}`)
  }

  /** Batches pushed and not yet returned by poll: the planner's buffer, which bufferMaxBatches bounds. */
  get buffered(): number {
    return this.pending.length
  }

  async poll(options: { signal?: AbortSignal; maxWaitMs?: number; maxBatches?: number } = {}): Promise<FetchedBatch[]> {
    if (this.pending.length === 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
        options.signal?.addEventListener('abort', () => resolve(), { once: true })
        setTimeout(resolve, 200)
      })
      this.wake = null
    }
    options.signal?.throwIfAborted()
    this.pending = this.pending.filter((batch) => this.assigned.has(`${batch.topic}-${batch.partition}`))
    return this.pending.splice(0, options.maxBatches ?? Infinity)
  }

  brokerCounters(): Map<number, BrokerCounters> {
    return new Map()
  }

  async close(): Promise<void> {}
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Setup {
  broker: FakeBroker
  fetcher: FakeFetcher
  group: GroupConsumer
  events: string[]
  requests: <T>(api: { apiKey: number }) => T[]
}

/** TOPIC with PARTITIONS partitions, all led by the one fake broker. */
const ordersTopic = () =>
  createMetadataResponseTopic({
    name: TOPIC,
    topicId: TOPIC_ID,
    partitions: Array.from({ length: PARTITIONS }, (_, partitionIndex) => createMetadataResponsePartition({ partitionIndex, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] })),
  })

/** A Metadata response of the one fake broker (rack-1) with these topics. */
const metadataResponse = (broker: FakeBroker, topics: ReturnType<typeof createMetadataResponseTopic>[]) =>
  MetadataApi.createResponse({
    clusterId: 'fake',
    controllerId: 1,
    brokers: [createMetadataResponseBroker({ nodeId: 1, host: broker.host, port: broker.port, rack: 'rack-1' })],
    topics,
  })

async function setup(options: Partial<GroupConsumerOptions> = {}, configure: (broker: FakeBroker) => void = () => {}): Promise<Setup> {
  const broker = await FakeBroker.start()
  broker.on(MetadataApi, () => metadataResponse(broker, [ordersTopic()]))
  broker.on(FindCoordinatorApi, (request) =>
    FindCoordinatorApi.createResponse({
      coordinators: [createFindCoordinatorResponseCoordinator({ key: request.coordinatorKeys[0]!, nodeId: 1, host: broker.host, port: broker.port })],
    }),
  )
  broker.on(OffsetFetchApi, (request) =>
    OffsetFetchApi.createResponse({
      groups: request.groups.map((group) => ({
        groupId: group.groupId,
        errorCode: 0,
        topics: (group.topics ?? []).map((topic) => ({
          name: topic.name,
          topicId: topic.topicId,
          // Partition 0 has a committed offset (5, epoch 3); the others have none.
          partitions: topic.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            committedOffset: partitionIndex === 0 ? 5n : -1n,
            committedLeaderEpoch: partitionIndex === 0 ? 3 : -1,
            metadata: null,
            errorCode: 0,
          })),
        })),
      })),
    }),
  )
  broker.on(OffsetCommitApi, (request) =>
    OffsetCommitApi.createResponse({
      topics: request.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })),
    }),
  )
  broker.on(LeaveGroupApi, () => LeaveGroupApi.createResponse({ members: [] }))
  broker.on(HeartbeatApi, () => HeartbeatApi.createResponse({}))
  configure(broker)
  const pool = new ConnectionPool({ clientId: 'group-unit', requestTimeoutMs: 5_000 })
  const metadata = new ClusterMetadata({ bootstrapBrokers: [broker.address], pool })
  const fetcher = new FakeFetcher()
  const events: string[] = []
  const record = (kind: string) => (partitions: TopicPartition[]) => {
    events.push(`${kind} ${partitions.map((tp) => tp.partition).join(',')}`)
  }
  const group = new GroupConsumer({
    metadata,
    pool,
    groupId: 'g',
    topics: [TOPIC],
    heartbeatIntervalMs: 30,
    sessionTimeoutMs: 1_000,
    retryBackoffMs: 10,
    autoCommit: false,
    createFetcher: () => fetcher,
    listeners: { assigned: record('assigned'), revoked: record('revoked'), lost: record('lost') },
    ...options,
  })
  cleanups.push(async () => {
    await group.close()
    metadata.close()
    pool.close()
    await broker.close()
  })
  const requests = <T,>(api: { apiKey: number }): T[] => broker.received.filter((r) => r.apiKey === api.apiKey).map((r) => r.request as T)
  return { broker, fetcher, group, events, requests }
}

/** A classic coordinator with one more (silent) member `zz-other` when `others` is set. */
function classicCoordinator(
  broker: FakeBroker,
  script: { joinErrors?: number[]; others?: () => boolean; heartbeatErrors?: Map<number, number>; onSync?: () => void } = {},
): { generation: () => number } {
  let generation = 0
  let nextMember = 1
  broker.on(JoinGroupApi, (request: JoinGroupRequest, context) => {
    const scripted = script.joinErrors?.[context.count - 1]
    if (scripted !== undefined && scripted !== 0) return JoinGroupApi.createResponse({ errorCode: scripted })
    if (request.memberId === '') return JoinGroupApi.createResponse({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: `m-${nextMember++}` })
    generation++
    const members = [{ memberId: request.memberId, groupInstanceId: request.groupInstanceId, metadata: request.protocols[0]!.metadata }]
    if (script.others?.() === true) {
      members.push({
        memberId: 'zz-other',
        groupInstanceId: null,
        metadata: encodeConsumerProtocolSubscription({ topics: [TOPIC], userData: null, ownedPartitions: [], generationId: -1, rackId: null }),
      })
    }
    return JoinGroupApi.createResponse({
      generationId: generation,
      protocolType: 'consumer',
      protocolName: request.protocols[0]!.name,
      leader: request.memberId,
      memberId: request.memberId,
      members,
    })
  })
  broker.on(SyncGroupApi, (request: SyncGroupRequest) => {
    script.onSync?.()
    return SyncGroupApi.createResponse({
      protocolType: 'consumer',
      protocolName: request.protocolName,
      assignment: request.assignments.find((a) => a.memberId === request.memberId)?.assignment ?? new Uint8Array(),
    })
  })
  broker.on(HeartbeatApi, (_request, context) => HeartbeatApi.createResponse({ errorCode: script.heartbeatErrors?.get(context.count) ?? 0 }))
  return { generation: () => generation }
}

describe('GroupConsumer, classic protocol (fake coordinator)', () => {
  it('rediscovers the coordinator on NOT_COORDINATOR, rejoins with the id from MEMBER_ID_REQUIRED, starts from committed offsets', async () => {
    const { group, fetcher, events, requests } = await setup({ autoOffsetReset: 'earliest' }, (broker) => {
      classicCoordinator(broker, { joinErrors: [ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS] })
    })
    group.start()
    await waitFor(() => events.includes('assigned 0,1,2,3'), 5_000, 'assignment')
    const joins = requests<JoinGroupRequest>(JoinGroupApi)
    expect(joins.map((j) => j.memberId)).toEqual(['', '', '', 'm-1'])
    expect(requests(FindCoordinatorApi).length).toBeGreaterThanOrEqual(2)
    // The subscription: v3 with rack, no owned partitions yet.
    const subscription = decodeConsumerProtocolSubscription(joins[3]!.protocols[0]!.metadata)
    expect(subscription).toMatchObject({ topics: [TOPIC], ownedPartitions: [], generationId: -1, rackId: null })
    expect(joins[3]!.protocols.map((p) => p.name)).toEqual(['cooperative-sticky'])
    expect(fetcher.assigned.get(`${TOPIC}-0`)).toEqual({ kind: 'offset', offset: 5n, leaderEpoch: 3 })
    expect(fetcher.assigned.get(`${TOPIC}-1`)).toEqual({ kind: 'earliest' })
    expect(group.memberId).toBe('m-1')
    expect(group.generationId).toBe(1)
  })

  it('heartbeats on its own timer while the application holds a batch; REBALANCE_IN_PROGRESS → rejoin with owned partitions', async () => {
    const { group, fetcher, events, requests } = await setup({}, (broker) => {
      classicCoordinator(broker, { heartbeatErrors: new Map([[5, ErrorCode.REBALANCE_IN_PROGRESS]]) })
    })
    const iterator = group[Symbol.asyncIterator]()
    const first = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    fetcher.push(1, [0, 1, 2])
    const batch = (await first).value as FetchedBatch
    expect(batch.records.map((r) => r.offset)).toEqual([0n, 1n, 2n])
    // The application is slow: heartbeats continue, and the rebalance they report completes.
    await waitFor(() => requests<JoinGroupRequest>(JoinGroupApi).length === 3, 5_000, 'rejoin')
    await waitFor(() => group.generationId === 2, 5_000, 'generation 2')
    const rejoin = requests<JoinGroupRequest>(JoinGroupApi)[2]!
    const subscription = decodeConsumerProtocolSubscription(rejoin.protocols[0]!.metadata)
    expect(subscription.generationId).toBe(1)
    expect(subscription.ownedPartitions).toEqual([{ topic: TOPIC, partitions: [0, 1, 2, 3] }])
    // Cooperative: nothing moved, so nothing was revoked or assigned again.
    expect(events).toEqual(['assigned 0,1,2,3'])
    await group.commit(batch)
    const commit = requests<OffsetCommitRequest>(OffsetCommitApi).at(-1)!
    expect(commit).toMatchObject({ generationIdOrMemberEpoch: 2, memberId: 'm-1' })
    expect(commit.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 1, committedOffset: 3n, committedLeaderEpoch: 0 })
    await iterator.return?.()
  })

  it('takes one batch at a time from the fetcher: the rest stays in its buffer (bounded by bufferMaxBatches) while the application holds one', async () => {
    const { group, fetcher, events } = await setup({}, (broker) => classicCoordinator(broker))
    const iterator = group[Symbol.asyncIterator]()
    const first = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    fetcher.push(0, [5, 6])
    fetcher.push(1, [0, 1])
    fetcher.push(2, [0])
    fetcher.push(1, [2])
    const seen: string[] = []
    const take = (batch: FetchedBatch): void => {
      seen.push(`${batch.partition}:${batch.records.map((r) => r.offset).join(',')}`)
    }
    take((await first).value as FetchedBatch)
    // Handed out one; the other three are still the fetcher's, so its buffer limit still counts them.
    expect(fetcher.buffered).toBe(3)
    take((await iterator.next()).value as FetchedBatch)
    expect(fetcher.buffered).toBe(2)
    take((await iterator.next()).value as FetchedBatch)
    take((await iterator.next()).value as FetchedBatch)
    expect(fetcher.buffered).toBe(0)
    // In the order fetched, nothing lost or repeated.
    expect(seen).toEqual(['0:5,6', '1:0,1', '2:0', '1:2'])
    await iterator.return?.()
  })

  it('revokes a moving partition only after the application handed back its batch and committed it', async () => {
    let withOther = false
    const { group, fetcher, events, broker, requests } = await setup({}, (b) => {
      classicCoordinator(b, { others: () => withOther, heartbeatErrors: new Map([[3, ErrorCode.REBALANCE_IN_PROGRESS]]) })
    })
    const iterator = group[Symbol.asyncIterator]()
    const first = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    withOther = true
    fetcher.push(3, [10, 11])
    const batch = (await first).value as FetchedBatch
    expect(batch.partition).toBe(3)
    // The rebalance gives 2 and 3 to the other member: 3 waits for the application.
    await waitFor(() => requests<SyncGroupRequest>(SyncGroupApi).length === 2, 5_000, 'second generation')
    // The revocation has started (fetching of 2 and 3 paused) and now waits for the batch the
    // application holds: the `revoked` listener must not have run yet.
    await waitFor(() => fetcher.calls.includes('pause 2') && fetcher.calls.includes('pause 3'), 5_000, 'revocation started')
    // Heartbeats go on meanwhile; three more of them are ample for a revocation that did not wait.
    const heartbeats = broker.received.filter((r) => r.apiKey === HeartbeatApi.apiKey).length
    await waitFor(() => broker.received.filter((r) => r.apiKey === HeartbeatApi.apiKey).length >= heartbeats + 3, 5_000, 'heartbeats while revoking')
    expect(events).toEqual(['assigned 0,1,2,3'])
    expect(fetcher.calls).not.toContain('unassign 3')
    await group.commit(batch)
    const commitIndex = broker.received.length
    const second = iterator.next() // hands the batch back
    await waitFor(() => events.length === 2, 5_000, 'revocation')
    expect(events[1]).toBe('revoked 2,3')
    expect(fetcher.calls.slice(-2)).toEqual(['unassign 2', 'unassign 3'])
    expect(requests<OffsetCommitRequest>(OffsetCommitApi)).toHaveLength(1)
    expect(broker.received.findIndex((r) => r.apiKey === OffsetCommitApi.apiKey)).toBeLessThan(commitIndex)
    // …and a second rebalance follows at once (KIP-429), carrying the smaller ownership.
    await waitFor(() => requests<JoinGroupRequest>(JoinGroupApi).length >= 4, 5_000, 'second rejoin')
    const owned = decodeConsumerProtocolSubscription(requests<JoinGroupRequest>(JoinGroupApi)[3]!.protocols[0]!.metadata).ownedPartitions
    expect(owned).toEqual([{ topic: TOPIC, partitions: [0, 1] }])
    await iterator.return?.()
    void second
  })

  it('UNKNOWN_MEMBER_ID on a heartbeat: partitions lost (no commit), rejoin as a new member; commits of lost partitions fail', async () => {
    const { group, fetcher, events, requests } = await setup({ autoCommit: true }, (broker) => {
      classicCoordinator(broker, { heartbeatErrors: new Map([[3, ErrorCode.UNKNOWN_MEMBER_ID]]) })
    })
    const iterator = group[Symbol.asyncIterator]()
    const first = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    fetcher.push(2, [0])
    const batch = (await first).value as FetchedBatch
    await waitFor(() => events.length >= 3, 5_000, 'lost and reassigned')
    expect(events).toEqual(['assigned 0,1,2,3', 'lost 0,1,2,3', 'assigned 0,1,2,3'])
    expect(requests<JoinGroupRequest>(JoinGroupApi).map((j) => j.memberId)).toEqual(['', 'm-1', '', 'm-2'])
    await expect(group.commit(batch)).rejects.toSatisfy((error: unknown) => CommitFailedError.isInstance(error))
    expect(requests(OffsetCommitApi)).toHaveLength(0)
    await iterator.return?.()
  })

  it('close() commits with auto-commit, calls revoked and sends LeaveGroup; a static member sends none', async () => {
    for (const groupInstanceId of [undefined, 'instance-1']) {
      const { group, fetcher, events, requests } = await setup({ autoCommit: true, ...(groupInstanceId === undefined ? {} : { groupInstanceId }) }, (broker) => {
        classicCoordinator(broker)
      })
      const loop = (async () => {
        for await (const batch of group) {
          expect(batch.partition).toBe(1)
          break
        }
      })()
      await waitFor(() => events.length === 1, 5_000, 'assignment')
      fetcher.push(1, [5, 6, 7])
      await loop
      await group.close()
      expect(events).toEqual(['assigned 0,1,2,3', 'revoked 0,1,2,3'])
      const commits = requests<OffsetCommitRequest>(OffsetCommitApi)
      expect(commits.flatMap((c) => c.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset]))).toEqual(expect.arrayContaining([[1, 8n]]))
      const leaves = requests<LeaveGroupRequest>(LeaveGroupApi)
      if (groupInstanceId === undefined) expect(leaves[0]!.members).toEqual([{ memberId: 'm-1', groupInstanceId: null, reason: 'the consumer is closing' }])
      else expect(leaves).toHaveLength(0)
    }
  }, 20_000)

  it('eager assignors (range): everything is revoked before rejoining, then assigned again', async () => {
    const { group, events, requests } = await setup({ assignors: ['range'] }, (broker) => {
      classicCoordinator(broker, { heartbeatErrors: new Map([[3, ErrorCode.REBALANCE_IN_PROGRESS]]) })
    })
    group.start()
    await waitFor(() => events.length >= 3, 5_000, 'second assignment')
    expect(events).toEqual(['assigned 0,1,2,3', 'revoked 0,1,2,3', 'assigned 0,1,2,3'])
    const joins = requests<JoinGroupRequest>(JoinGroupApi)
    expect(joins.map((j) => j.protocols.map((p) => p.name))).toEqual([['range'], ['range'], ['range']])
    expect(decodeConsumerProtocolSubscription(joins[2]!.protocols[0]!.metadata).ownedPartitions).toEqual([])
  })

  it('retries a commit answered REBALANCE_IN_PROGRESS and NOT_COORDINATOR', async () => {
    const { group, fetcher, events, requests } = await setup({}, (broker) => {
      classicCoordinator(broker)
      const errors = [ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]
      broker.on(OffsetCommitApi, (request, context) =>
        OffsetCommitApi.createResponse({
          topics: request.topics.map((topic) => ({
            name: topic.name,
            topicId: topic.topicId,
            partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors[context.count - 1] ?? 0 })),
          })),
        }),
      )
    })
    const iterator = group[Symbol.asyncIterator]()
    const next = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    fetcher.push(2, [7])
    const batch = (await next).value as FetchedBatch
    await group.commit(batch)
    expect(requests<OffsetCommitRequest>(OffsetCommitApi).map((c) => c.topics[0]!.partitions[0]!.committedOffset)).toEqual([8n, 8n, 8n])
    await iterator.return?.()
  })

  it('an AbortSignal rejects a waiting next() with its reason', async () => {
    const { group, events } = await setup({}, (broker) => classicCoordinator(broker))
    const controller = new AbortController()
    const iterator = group.batches({ signal: controller.signal })[Symbol.asyncIterator]()
    const next = iterator.next()
    await waitFor(() => events.length === 1, 5_000, 'assignment')
    controller.abort(new Error('stop'))
    await expect(next).rejects.toThrow('stop')
    // The group stays usable: a new loop may start.
    const again = group[Symbol.asyncIterator]()
    await again.return?.()
  })

  it('rejects bad options with ConfigError', async () => {
    const pool = new ConnectionPool()
    const metadata = new ClusterMetadata({ bootstrapBrokers: ['127.0.0.1:1'], pool })
    const base = { metadata, pool, groupId: 'g', topics: ['t'], createFetcher: () => new FakeFetcher() }
    expect(() => new GroupConsumer({ ...base, groupId: '' })).toThrow(/groupId/)
    expect(() => new GroupConsumer({ ...base, topics: [] })).toThrow(/topics/)
    expect(() => new GroupConsumer({ ...base, heartbeatIntervalMs: 50_000 })).toThrow(/heartbeatIntervalMs/)
    expect(() => new GroupConsumer({ ...base, assignors: ['sticky' as 'range'] })).toThrow(/unknown assignor/)
    expect(() => new GroupConsumer({ ...base, groupProtocol: 'consumer', assignors: ['range'] })).toThrow(/serverAssignor/)
    metadata.close()
    pool.close()
  })
})

describe('GroupConsumer, KIP-848 protocol (fake coordinator)', () => {
  it('joins with its own member id, reconciles, rejoins with epoch 0 after FENCED_MEMBER_EPOCH, leaves with -1 (static: -2)', async () => {
    for (const groupInstanceId of [undefined, 'instance-1']) {
      const { group, events, requests } = await setup(
        { groupProtocol: 'consumer', ...(groupInstanceId === undefined ? {} : { groupInstanceId }), rack: 'rack-1' },
        (broker) => {
          broker.on(ConsumerGroupHeartbeatApi, (request, context) => {
            const base = { memberId: request.memberId, heartbeatIntervalMs: 30 }
            if (request.memberEpoch < 0) return ConsumerGroupHeartbeatApi.createResponse({ ...base, memberEpoch: request.memberEpoch })
            if (context.count === 1) return ConsumerGroupHeartbeatApi.createResponse({ ...base, memberEpoch: 1, assignment: { topicPartitions: [{ topicId: TOPIC_ID, partitions: [0, 1] }] } })
            if (context.count === 6) return ConsumerGroupHeartbeatApi.createResponse({ ...base, errorCode: ErrorCode.FENCED_MEMBER_EPOCH })
            if (request.memberEpoch === 0) return ConsumerGroupHeartbeatApi.createResponse({ ...base, memberEpoch: 3, assignment: { topicPartitions: [{ topicId: TOPIC_ID, partitions: [1, 2] }] } })
            return ConsumerGroupHeartbeatApi.createResponse({ ...base, memberEpoch: request.memberEpoch })
          })
        },
      )
      group.start()
      await waitFor(() => events.length >= 3, 5_000, 'fenced and reassigned')
      expect(events).toEqual(['assigned 0,1', 'lost 0,1', 'assigned 1,2'])
      await group.close()
      const heartbeats = requests<ConsumerGroupHeartbeatRequest>(ConsumerGroupHeartbeatApi)
      expect(heartbeats[0]).toMatchObject({ memberEpoch: 0, subscribedTopicNames: [TOPIC], rackId: 'rack-1', topicPartitions: [], instanceId: groupInstanceId ?? null })
      expect(heartbeats[0]!.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(new Set(heartbeats.map((h) => h.memberId)).size).toBe(1)
      // The acknowledgement after the first reconciliation names the owned partitions.
      expect(heartbeats[1]).toMatchObject({ memberEpoch: 1, topicPartitions: [{ topicId: TOPIC_ID, partitions: [0, 1] }] })
      const rejoin = heartbeats.findIndex((h, i) => i > 1 && h.memberEpoch === 0)
      expect(heartbeats[rejoin]!.topicPartitions).toEqual([])
      expect(heartbeats.at(-1)!.memberEpoch).toBe(groupInstanceId === undefined ? -1 : -2)
      expect(events.at(-1)).toBe('revoked 1,2')
    }
  }, 20_000)
})

describe('GroupConsumer, arguments and missing topics', () => {
  /** `any`-typed stand-in for values a JavaScript caller could pass. */
  const js = (value: unknown): never => value as never

  it('seek, pause, resume and commit reject bad arguments with InvalidArgumentError naming the field', async () => {
    const { group, events } = await setup({}, (broker) => classicCoordinator(broker))
    group.start()
    await waitFor(() => events.includes('assigned 0,1,2,3'), 5_000, 'assignment')
    const sync: Array<[string, () => unknown, string]> = [
      ['seek: topic 5', () => group.seek(js(5), 0, 0n), 'topic'],
      ['seek: partition -1', () => group.seek(TOPIC, -1, 0n), 'partition'],
      ['seek: partition "0"', () => group.seek(TOPIC, js('0'), 0n), 'partition'],
      ['seek: offset -1n', () => group.seek(TOPIC, 0, -1n), 'offset'],
      ['seek: offset "earliest"', () => group.seek(TOPIC, 0, js('earliest')), 'offset'],
      ['seek: unknown kind', () => group.seek(TOPIC, 0, js({ kind: 'first' })), `offset of ${TOPIC}-0.kind`],
      ['seek: timestamp a number', () => group.seek(TOPIC, 0, js({ kind: 'timestamp', timestamp: 5 })), `offset of ${TOPIC}-0.timestamp`],
      ['pause: not an array', () => group.pause(js({ topic: TOPIC, partition: 0 })), 'partitions'],
      ['pause: null entry', () => group.pause([js(null)]), 'partitions[0]'],
      ['pause: partition 1.5', () => group.pause([{ topic: TOPIC, partition: 1.5 }]), 'partitions[0].partition'],
      ['resume: topic ""', () => group.resume([{ topic: '', partition: 0 }]), 'partitions[0].topic'],
      ['resume: undefined', () => group.resume(js(undefined)), 'partitions'],
    ]
    for (const [what, call, field] of sync) {
      let caught: unknown = null
      try {
        call()
      } catch (error) {
        caught = error
      }
      expect(InvalidArgumentError.isInstance(caught), `${what}: ${String(caught)}`).toBe(true)
      expect((caught as InvalidArgumentError).field, what).toBe(field)
    }
    const asynchronous: Array<[string, () => Promise<unknown>, string]> = [
      ['commit: a string', () => group.commit(js('all')), 'commit'],
      ['commit: null', () => group.commit(js(null)), 'commit'],
      ['commit: null entry', () => group.commit([js(null)]), 'offsets[0]'],
      ['commit: offset a number', () => group.commit([{ topic: TOPIC, partition: 0, offset: js(5) }]), 'offsets[0].offset'],
      ['commit: offset -1n', () => group.commit([{ topic: TOPIC, partition: 0, offset: -1n }]), 'offsets[0].offset'],
      ['commit: partition "0"', () => group.commit([{ topic: TOPIC, partition: js('0'), offset: 5n }]), 'offsets[0].partition'],
      ['commit: leaderEpoch -2', () => group.commit([{ topic: TOPIC, partition: 0, offset: 5n, leaderEpoch: -2 }]), 'offsets[0].leaderEpoch'],
      ['commit: metadata 1', () => group.commit([{ topic: TOPIC, partition: 0, offset: 5n, metadata: js(1) }]), 'offsets[0].metadata'],
      ['commit: topic missing', () => group.commit([js({ partition: 0, offset: 5n })]), 'offsets[0].topic'],
    ]
    for (const [what, call, field] of asynchronous) {
      const caught = await call().then(
        () => null,
        (error: unknown) => error,
      )
      expect(InvalidArgumentError.isInstance(caught), `${what}: ${String(caught)}`).toBe(true)
      expect((caught as InvalidArgumentError).field, what).toBe(field)
    }
    // Right shape, wrong state: a partition this member does not own.
    expect(() => group.seek(TOPIC, 9, 0n)).toThrow(InvalidStateError)
    // Good arguments still work.
    group.pause([{ topic: TOPIC, partition: 0 }])
    group.resume([{ topic: TOPIC, partition: 0 }])
    await group.commit([{ topic: TOPIC, partition: 0, offset: 5n }])
  })

  /** Metadata that knows TOPIC only; any other topic is UNKNOWN_TOPIC_OR_PARTITION. */
  function onlyOrders(broker: FakeBroker): void {
    broker.on(MetadataApi, (request) =>
      MetadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [createMetadataResponseBroker({ nodeId: 1, host: broker.host, port: broker.port, rack: 'rack-1' })],
        topics: (request.topics ?? [{ name: TOPIC }]).map((topic) =>
          topic.name === TOPIC
            ? createMetadataResponseTopic({
                name: TOPIC,
                topicId: TOPIC_ID,
                partitions: [createMetadataResponsePartition({ partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] })],
              })
            : createMetadataResponseTopic({ name: topic.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }),
        ),
      }),
    )
    classicCoordinator(broker)
  }

  it('a subscribed topic that does not exist is an error event naming it; the others are read', async () => {
    const { group, events } = await setup({ topics: [TOPIC, 'no-such-topic'] }, onlyOrders)
    const errors: KafkaError[] = []
    group.on('error', (error) => errors.push(error))
    const started = Date.now()
    group.start()
    await waitFor(() => errors.length > 0, 10_000, 'error event')
    const elapsedMs = Date.now() - started
    expect(elapsedMs).toBeGreaterThanOrEqual(4_500)
    expect(elapsedMs).toBeLessThan(9_000)
    expect(errors).toHaveLength(1)
    expect(KafkaProtocolError.isInstance(errors[0])).toBe(true)
    expect(errors[0]!.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(errors[0]!.message).toContain('"no-such-topic" does not exist')
    expect(events).toContain('assigned 0')
  }, 20_000)

  it("a topic missing from the leader's metadata when it assigned is assigned once it appears (the leader rejoins)", async () => {
    // A new topic that the answering broker has not learned of yet: unknown until the leader has
    // computed its (empty) assignment and sent SyncGroup, then known with 4 partitions.
    let topicKnown = false
    const { group, events, requests } = await setup({}, (broker) => {
      classicCoordinator(broker, { onSync: () => (topicKnown = true) })
      broker.on(MetadataApi, () => metadataResponse(broker, [topicKnown ? ordersTopic() : createMetadataResponseTopic({ name: TOPIC, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })]))
    })
    group.on('error', () => {})
    group.start()
    await waitFor(() => events.includes('assigned 0,1,2,3'), 5_000, 'the assignment after the topic appeared')
    expect(requests<JoinGroupRequest>(JoinGroupApi).filter((r) => r.memberId !== '').length).toBe(2)
  })

  it('when no subscribed topic exists, the waiting iteration rejects naming it (and the event fires)', async () => {
    const { group } = await setup({ topics: ['no-such-topic'] }, onlyOrders)
    const errors: KafkaError[] = []
    group.on('error', (error) => errors.push(error))
    const iterator = group[Symbol.asyncIterator]()
    const caught = await iterator.next().then(
      () => null,
      (error: unknown) => error,
    )
    expect(KafkaProtocolError.isInstance(caught), String(caught)).toBe(true)
    expect((caught as KafkaProtocolError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect((caught as KafkaProtocolError).message).toContain('"no-such-topic"')
    expect(errors.map((error) => error.errorName)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
  }, 20_000)
})
