import {
  InvalidArgumentError,
  ConsumerGroupHeartbeatApi,
  JoinGroupApi,
  KafkaProtocolError,
  SyncGroupApi,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  randomUuid,
} from '@kafkats/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TopicPartitionOffsets } from './types.js'
import { eventually, groupCoordinator } from '@kafkats/testkit'
import { cluster, produce, testClient, unique } from './test-support.test-data.js'

const client = testClient()
const { admin } = client
afterAll(() => client.close())

const base = 1_700_000_000_000n
const topic = unique('offsets')
beforeAll(async () => {
  // The records carry 2023 timestamps: without retention.ms=-1 the broker's time retention (7 days,
  // checked 30 s after startup and then every 5 min) may delete them before the test reads them.
  const [created] = await admin.createTopics([{ topic, partitions: 2, replicationFactor: 3, configs: { 'retention.ms': '-1' } }])
  expect(created!.error).toBeUndefined()
  await produce(client, topic, 0, 5, { timestamps: [0n, 1000n, 2000n, 3000n, 4000n].map((t) => base + t) })
  await produce(client, topic, 1, 3)
})

describe('listOffsets', () => {
  it('lists earliest, latest, max-timestamp and timestamp offsets from the leaders, with leader epochs', async () => {
    const [description] = await admin.describeTopics([topic])
    const epochs = description!.partitions.map((p) => p.leaderEpoch)

    const earliest = await admin.listOffsets({ [topic]: 'earliest' })
    expect(earliest[topic]![0]).toMatchObject({ offset: 0n, leaderEpoch: epochs[0] })
    expect(earliest[topic]![1]).toMatchObject({ offset: 0n, leaderEpoch: epochs[1] })

    const latest: TopicPartitionOffsets = await admin.listOffsets({ [topic]: 'latest' })
    expect(latest).toEqual({
      [topic]: { 0: { offset: 5n, leaderEpoch: epochs[0], timestamp: -1n }, 1: { offset: 3n, leaderEpoch: epochs[1], timestamp: -1n } },
    })
    expect((await admin.listOffsets({ [topic]: 'latest' }, { isolationLevel: 'read_committed' }))[topic]![0]!.offset).toBe(5n)

    const max = await admin.listOffsets({ [topic]: { 0: 'max-timestamp' } })
    expect(max[topic]![0]).toMatchObject({ offset: 4n, timestamp: base + 4000n })
    expect(max[topic]![1]).toBeUndefined()

    const byTime = await admin.listOffsets({ [topic]: { 0: { timestamp: base + 1500n }, 1: 'earliest' } })
    expect(byTime[topic]![0]).toMatchObject({ offset: 2n, timestamp: base + 2000n })
    expect(byTime[topic]![1]!.offset).toBe(0n)
  })

  it('rejects an unknown topic with a hint, and reports an unknown partition per partition', async () => {
    const missing = unique('no-such-topic')
    const error = await admin.listOffsets({ [missing]: 'latest' }).catch((caught: unknown) => caught)
    expect(KafkaProtocolError.isInstance(error)).toBe(true)
    expect((error as KafkaProtocolError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect((error as KafkaProtocolError).message).toContain('create it (admin.createTopics) or check the name')

    const result = await admin.listOffsets({ [topic]: { 0: 'latest', 7: 'latest' } })
    expect(result[topic]![0]!.offset).toBe(5n)
    expect(result[topic]![7]!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(result[topic]![7]!.offset).toBe(-1n)

    for (const bad of [{ [topic]: 'newest' }, { [topic]: {} }, { [topic]: { x: 'latest' } }, { [topic]: { timestamp: -5n } }, { '': 'latest' }]) {
      const caught = await admin.listOffsets(bad as never).catch((e: unknown) => e)
      expect(InvalidArgumentError.isInstance(caught), JSON.stringify(bad, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toBe(true)
    }
  })

  it('deletes records: the low watermark moves and earliest follows', async () => {
    const own = unique('delete-records')
    await admin.createTopics([{ topic: own, partitions: 1, replicationFactor: 2 }])
    await produce(client, own, 0, 6)
    const deleted = await admin.deleteRecords({ [own]: { 0: 2n } })
    expect(deleted).toEqual({ [own]: { 0: { lowWatermark: 2n } } })
    expect((await admin.listOffsets({ [own]: 'earliest' }))[own]![0]!.offset).toBe(2n)
    const all = await admin.deleteRecords({ [own]: { 0: -1n } })
    expect(all[own]![0]!.lowWatermark).toBe(6n)
    const beyond = await admin.deleteRecords({ [own]: { 0: 100n } })
    expect(beyond[own]![0]!.error?.errorName).toBe('OFFSET_OUT_OF_RANGE')
  })
})

describe('groups', () => {
  it('commits offsets for an empty group, then lists, describes, fetches, lags, deletes offsets and deletes the group', async () => {
    const group = unique('group')
    const [description] = await admin.describeTopics([topic])
    const committed = await admin.alterOffsets(group, { [topic]: { 0: { offset: 2n, leaderEpoch: description!.partitions[0]!.leaderEpoch, metadata: 'admin' }, 1: 3n } })
    expect(committed).toEqual({ [topic]: { 0: {}, 1: {} } })

    const offsets = await admin.fetchOffsets(group)
    expect(offsets).toEqual({
      [topic]: {
        0: { offset: 2n, leaderEpoch: description!.partitions[0]!.leaderEpoch, metadata: 'admin' },
        1: { offset: 3n, leaderEpoch: -1, metadata: '' },
      },
    })
    expect(await admin.fetchOffsets(group, { [topic]: [1] })).toEqual({ [topic]: { 1: { offset: 3n, leaderEpoch: -1, metadata: '' } } })
    expect(await admin.fetchOffsets(group, [topic])).toEqual(offsets)
    expect(await admin.fetchOffsets(group, [unique('other')])).toEqual({})

    const lag = await admin.groupLag(group)
    expect(lag.totalLag).toBe(3n)
    expect(lag.partitions.map((p) => [p.partition, p.committedOffset, p.endOffset, p.lag])).toEqual([
      [0, 2n, 5n, 3n],
      [1, 3n, 3n, 0n],
    ])

    const listed = await eventually(async () => {
      const result = await admin.listGroups({ states: ['Empty'] })
      expect(result.errors).toEqual([])
      const found = result.groups.find((g) => g.groupId === group)
      expect(found).toBeDefined()
      return found!
    })
    expect(listed).toMatchObject({ state: 'Empty', type: 'classic', protocolType: '' })
    expect([1, 2, 3]).toContain(listed.coordinator)
    expect((await admin.listGroups({ types: ['consumer'] })).groups.map((g) => g.groupId)).not.toContain(group)

    const [described] = await admin.describeGroups([group])
    expect(described).toMatchObject({ groupId: group, type: 'classic', state: 'Empty', members: [], coordinator: listed.coordinator })
    expect(described!.error).toBeUndefined()

    const removed = await admin.deleteOffsets(group, { [topic]: [0] })
    expect(removed).toEqual({ [topic]: { 0: {} } })
    expect(Object.keys((await admin.fetchOffsets(group))[topic]!)).toEqual(['1'])

    const [deleted, missing] = await admin.deleteGroups([group, unique('no-group')])
    expect(deleted).toEqual({ groupId: group })
    expect(missing!.error?.errorName).toBe('GROUP_ID_NOT_FOUND')
    const [gone] = await admin.describeGroups([group])
    expect(gone!.error?.errorName).toBe('GROUP_ID_NOT_FOUND')
    expect(gone!.error?.message).toContain('admin.listGroups')
  })

  it('accepts a listOffsets result as offsets to commit', async () => {
    const group = unique('from-list')
    const latest = await admin.listOffsets({ [topic]: 'latest' })
    await admin.alterOffsets(group, latest)
    const offsets = await admin.fetchOffsets(group)
    expect(offsets[topic]![0]).toMatchObject({ offset: 5n, leaderEpoch: latest[topic]![0]!.leaderEpoch })
    expect((await admin.groupLag(group)).totalLag).toBe(0n)
    await admin.deleteGroups([group])
  })

  it('describes a classic consumer group with decoded subscription and assignment, then removes its static member', async () => {
    const group = unique('classic')
    const instance = 'instance-1'
    const coordinator = await groupCoordinator(client.metadata, client.pool, group)
    const join = await coordinator.request(
      JoinGroupApi,
      JoinGroupApi.createRequest({
        groupId: group,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 30_000,
        memberId: '',
        groupInstanceId: instance,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: encodeConsumerProtocolSubscription({ topics: [topic], userData: null, ownedPartitions: [], generationId: -1, rackId: 'rack-2' }) }],
      }),
    )
    expect(join.errorCode).toBe(0)
    const sync = await coordinator.request(
      SyncGroupApi,
      SyncGroupApi.createRequest({
        groupId: group,
        generationId: join.generationId,
        memberId: join.memberId,
        groupInstanceId: instance,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [{ memberId: join.memberId, assignment: encodeConsumerProtocolAssignment({ assignedPartitions: [{ topic, partitions: [0, 1] }], userData: null }) }],
      }),
    )
    expect(sync.errorCode).toBe(0)

    const [described] = await admin.describeGroups([group])
    expect(described).toMatchObject({ groupId: group, type: 'classic', state: 'Stable', protocolType: 'consumer', protocol: 'range' })
    expect(described!.members).toHaveLength(1)
    expect(described!.members[0]).toMatchObject({
      memberId: join.memberId,
      groupInstanceId: instance,
      clientId: 'admin-test',
      subscription: { topics: [topic], rackId: 'rack-2' },
      assignment: { [topic]: [0, 1] },
    })

    // An active group's offsets cannot be altered by the admin.
    const busy = await admin.alterOffsets(group, { [topic]: { 0: 1n } }).catch((caught: unknown) => caught)
    const busyError = KafkaProtocolError.isInstance(busy) ? busy : (busy as Record<string, Record<number, { error?: KafkaProtocolError }>>)[topic]![0]!.error
    expect(busyError).toBeDefined()
    expect(busyError!.message).toContain('can only be altered while the group is empty')

    const nonEmpty = await admin.deleteGroups([group])
    expect(nonEmpty[0]!.error?.errorName).toBe('NON_EMPTY_GROUP')

    const removed = await admin.removeMembers(group, [{ groupInstanceId: instance }])
    expect(removed).toEqual([{ memberId: '', groupInstanceId: instance }])
    await eventually(async () => {
      const [after] = await admin.describeGroups([group])
      expect(after!.members).toEqual([])
      expect(after!.state).toBe('Empty')
    })
    const unknownMember = await admin.removeMembers(group, [{ groupInstanceId: 'nobody' }])
    expect(unknownMember[0]!.error?.errorName).toBe('UNKNOWN_MEMBER_ID')
    await admin.deleteGroups([group])
  })

  it('describes a KIP-848 consumer group through ConsumerGroupDescribe', async () => {
    const group = unique('consumer-protocol')
    const [description] = await admin.describeTopics([topic])
    const memberId = randomUuid()
    const coordinator = await groupCoordinator(client.metadata, client.pool, group)
    let epoch = 0
    const heartbeat = async (memberEpoch: number) => {
      const response = await coordinator.request(
        ConsumerGroupHeartbeatApi,
        ConsumerGroupHeartbeatApi.createRequest({
          groupId: group,
          memberId,
          memberEpoch,
          rackId: 'rack-3',
          rebalanceTimeoutMs: 30_000,
          ...(memberEpoch === 0 ? { subscribedTopicNames: [topic], topicPartitions: [] } : {}),
        }),
      )
      expect(response.errorCode).toBe(0)
      epoch = response.memberEpoch
    }
    await heartbeat(0)
    const described = await eventually(async () => {
      await heartbeat(epoch)
      const [group_] = await admin.describeGroups([group])
      expect(group_!.error).toBeUndefined()
      expect(group_!.members[0]?.assignment).toEqual({ [topic]: [0, 1] })
      return group_!
    })
    expect(described).toMatchObject({ groupId: group, type: 'consumer', state: 'Stable', protocolType: 'consumer' })
    // ConsumerGroupDescribe reports the member type from v1 (Kafka 4.1); 3.9's v0 does not say.
    const memberType = cluster.kafkaVersion.startsWith('3.') ? 'unknown' : 'consumer'
    expect(described.members[0]).toMatchObject({ memberId, rackId: 'rack-3', subscribedTopicNames: [topic], memberType, targetAssignment: { [topic]: [0, 1] } })
    expect(description!.topicId).not.toBe('')
    const listed = await admin.listGroups({ types: ['consumer'] })
    expect(listed.groups.find((g) => g.groupId === group)).toMatchObject({ type: 'consumer', protocolType: 'consumer' })
    await heartbeat(-1) // leave
    await eventually(async () => {
      const [after] = await admin.describeGroups([group])
      expect(after!.members).toEqual([])
    })
    expect((await admin.deleteGroups([group]))[0]!.error).toBeUndefined()
  })
})
