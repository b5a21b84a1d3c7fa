// Faults a real broker cannot produce on demand (NOT_COORDINATOR, NOT_LEADER_OR_FOLLOWER,
// NOT_CONTROLLER, a coordinator still loading, a dropped connection), against the fake broker;
// and the pure parts (SCRAM salting, error hints, enum decoding).
import { createHash, createHmac } from 'node:crypto'
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import {
  CreateTopicsApi,
  DescribeClusterApi,
  DescribeGroupsApi,
  ErrorCode,
  FindCoordinatorApi,
  type ListOffsetsRequest,
  ListOffsetsApi,
  MetadataApi,
  OffsetFetchApi,
  createCreateTopicsResponseCreatableTopicResult,
  createDescribeClusterResponseDescribeClusterBroker,
  createDescribeGroupsResponseDescribedGroup,
  createFindCoordinatorResponseCoordinator,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createListOffsetsResponseListOffsetsTopicResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  createOffsetFetchResponseGroup,
  createOffsetFetchResponsePartitions,
  createOffsetFetchResponseTopics,
} from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { Admin } from './admin.js'
import { decodeAuthorizedOperations } from './enums.js'
import { protocolError } from './errors.js'
import { scramSaltedPassword } from './users.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Two fake brokers (ids 1 and 2) that both answer Metadata with `metadata()`; topic `orders` has one partition. */
async function fakeCluster(leader: () => { id: number; epoch: number } = () => ({ id: 1, epoch: 5 })) {
  const brokers = [await FakeBroker.start(), await FakeBroker.start()] as const
  for (const broker of brokers) {
    cleanups.push(() => broker.close())
    broker.on(MetadataApi, (request) => {
      const current = leader()
      return MetadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: brokers.map((b, i) => createMetadataResponseBroker({ nodeId: i + 1, host: b.host, port: b.port, rack: `rack-${i + 1}` })),
        topics: (request.topics ?? [{ name: 'orders' }]).map((topic) =>
          topic.name === 'orders'
            ? createMetadataResponseTopic({
                name: 'orders',
                topicId: TOPIC_ID,
                partitions: [createMetadataResponsePartition({ partitionIndex: 0, leaderId: current.id, leaderEpoch: current.epoch, replicaNodes: [1, 2], isrNodes: [1, 2] })],
              })
            : createMetadataResponseTopic({ name: topic.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }),
        ),
      })
    })
  }
  const pool = new ConnectionPool({ clientId: 'admin-fake', requestTimeoutMs: 2_000 })
  const metadata = new ClusterMetadata({ bootstrapBrokers: [brokers[0].address], pool })
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  const admin = new Admin({ metadata, pool, retries: 3, retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  return { brokers, admin }
}

function coordinatorAnswer(broker: FakeBroker, nodeId: number, key: string) {
  return FindCoordinatorApi.createResponse({ coordinators: [createFindCoordinatorResponseCoordinator({ key, nodeId, host: broker.host, port: broker.port })] })
}

describe('retries against a fake broker', () => {
  it('retries CreateTopics on NOT_CONTROLLER', async () => {
    const { brokers, admin } = await fakeCluster()
    for (const broker of brokers) {
      broker.on(CreateTopicsApi, (request, context) =>
        CreateTopicsApi.createResponse({
          topics: request.topics.map((topic) =>
            createCreateTopicsResponseCreatableTopicResult({
              name: topic.name,
              topicId: TOPIC_ID,
              numPartitions: 1,
              replicationFactor: 1,
              errorCode: context.count === 1 && broker === brokers[0] ? ErrorCode.NOT_CONTROLLER : 0,
            }),
          ),
        }),
      )
    }
    const [result] = await admin.createTopics([{ topic: 'orders' }], { waitForLeaders: false })
    expect(result).toMatchObject({ topic: 'orders', topicId: TOPIC_ID, partitions: 1 })
    expect(result!.error).toBeUndefined()
    const creates = [...brokers[0].received, ...brokers[1].received].filter((r) => r.apiKey === CreateTopicsApi.apiKey)
    expect(creates).toHaveLength(2)
  })

  it('re-finds the coordinator after NOT_COORDINATOR', async () => {
    const { brokers, admin } = await fakeCluster()
    let finds = 0
    for (const broker of brokers) {
      broker.on(FindCoordinatorApi, (request) => (++finds === 1 ? coordinatorAnswer(brokers[0], 1, request.coordinatorKeys[0]!) : coordinatorAnswer(brokers[1], 2, request.coordinatorKeys[0]!)))
    }
    brokers[0].on(DescribeGroupsApi, (request) =>
      DescribeGroupsApi.createResponse({ groups: request.groups.map((groupId) => createDescribeGroupsResponseDescribedGroup({ groupId, errorCode: ErrorCode.NOT_COORDINATOR })) }),
    )
    brokers[1].on(DescribeGroupsApi, (request) =>
      DescribeGroupsApi.createResponse({ groups: request.groups.map((groupId) => createDescribeGroupsResponseDescribedGroup({ groupId, groupState: 'Empty', protocolType: 'consumer' })) }),
    )
    const [group] = await admin.describeGroups(['billing'])
    expect(group).toMatchObject({ groupId: 'billing', state: 'Empty', coordinator: 2 })
    expect(finds).toBe(2)
  })

  it('waits out COORDINATOR_LOAD_IN_PROGRESS on OffsetFetch', async () => {
    const { brokers, admin } = await fakeCluster()
    brokers[0].on(FindCoordinatorApi, (request) => coordinatorAnswer(brokers[1], 2, request.coordinatorKeys[0]!))
    brokers[1].on(OffsetFetchApi, (request, context) =>
      OffsetFetchApi.createResponse({
        groups: [
          createOffsetFetchResponseGroup({
            groupId: request.groups[0]!.groupId,
            errorCode: context.count <= 2 ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : 0,
            topics:
              context.count <= 2
                ? []
                : [
                    createOffsetFetchResponseTopics({
                      name: 'orders',
                      topicId: TOPIC_ID,
                      partitions: [createOffsetFetchResponsePartitions({ partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: 5, metadata: '' })],
                    }),
                  ],
          }),
        ],
      }),
    )
    expect(await admin.fetchOffsets('billing')).toEqual({ orders: { 0: { offset: 17n, leaderEpoch: 5, metadata: '' } } })
  })

  it('follows the new leader after NOT_LEADER_OR_FOLLOWER, sending the current leader epoch', async () => {
    let leader = { id: 1, epoch: 5 }
    const { brokers, admin } = await fakeCluster(() => leader)
    const seen: ListOffsetsRequest[] = []
    brokers[0].on(ListOffsetsApi, (request) => {
      seen.push(request)
      leader = { id: 2, epoch: 6 }
      return ListOffsetsApi.createResponse({
        topics: [
          createListOffsetsResponseListOffsetsTopicResponse({
            name: 'orders',
            partitions: [createListOffsetsResponseListOffsetsPartitionResponse({ partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER })],
          }),
        ],
      })
    })
    brokers[1].on(ListOffsetsApi, (request) => {
      seen.push(request)
      return ListOffsetsApi.createResponse({
        topics: [
          createListOffsetsResponseListOffsetsTopicResponse({
            name: 'orders',
            partitions: [createListOffsetsResponseListOffsetsPartitionResponse({ partitionIndex: 0, offset: 42n, leaderEpoch: 6, timestamp: -1n })],
          }),
        ],
      })
    })
    expect(await admin.listOffsets({ orders: 'latest' })).toEqual({ orders: { 0: { offset: 42n, leaderEpoch: 6, timestamp: -1n } } })
    expect(seen.map((r) => r.topics[0]!.partitions[0]!.currentLeaderEpoch)).toEqual([5, 6])
    expect(seen.every((r) => r.replicaId === -1 && r.topics[0]!.partitions[0]!.timestamp === -1n)).toBe(true)
  })

  it('returns the last error as data once retries are spent', async () => {
    const { brokers, admin } = await fakeCluster()
    brokers[0].on(ListOffsetsApi, () =>
      ListOffsetsApi.createResponse({
        topics: [
          createListOffsetsResponseListOffsetsTopicResponse({
            name: 'orders',
            partitions: [createListOffsetsResponseListOffsetsPartitionResponse({ partitionIndex: 0, errorCode: ErrorCode.LEADER_NOT_AVAILABLE })],
          }),
        ],
      }),
    )
    const result = await admin.listOffsets({ orders: { 0: 'earliest' } })
    expect(result.orders![0]!.error?.errorName).toBe('LEADER_NOT_AVAILABLE')
    expect(brokers[0].received.filter((r) => r.apiKey === ListOffsetsApi.apiKey)).toHaveLength(4) // 1 + retries
  })

  it('retries a request whose connection dropped', async () => {
    const { brokers, admin } = await fakeCluster()
    for (const broker of brokers) {
      broker.on(DescribeClusterApi, (_request, context) =>
        context.count === 1
          ? { action: 'close-connection' }
          : DescribeClusterApi.createResponse({ clusterId: 'fake', controllerId: 1, brokers: [createDescribeClusterResponseDescribeClusterBroker({ brokerId: 1, host: 'h', port: 1 })] }),
      )
    }
    expect((await admin.describeCluster()).clusterId).toBe('fake')
  })
})

describe('SCRAM salted password', () => {
  it('matches the RFC 7677 SCRAM-SHA-256 example (client proof)', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const salted = scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096)
    const clientKey = createHmac('sha256', salted).update('Client Key').digest()
    const storedKey = createHash('sha256').update(clientKey).digest()
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
    const signature = createHmac('sha256', storedKey).update(authMessage).digest()
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!))
    expect(proof.toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
    expect(scramSaltedPassword('SCRAM-SHA-512', 'pencil', salt, 4096)).toHaveLength(64)
  })
})

describe('error messages', () => {
  it('say which principal needs which ACL', () => {
    const error = protocolError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, { apiName: 'DeleteRecords', topic: 'orders' }, 'User:alice')
    expect(error.errorName).toBe('TOPIC_AUTHORIZATION_FAILED')
    expect(error.message).toBe(
      'TOPIC_AUTHORIZATION_FAILED (29): Topic authorization failed. User:alice needs an ALLOW ACL for DELETE on topic "orders" (and no DENY ACL); a super user can add it with admin.createAcls. [DeleteRecords orders]',
    )
    expect(protocolError(ErrorCode.GROUP_AUTHORIZATION_FAILED, { apiName: 'OffsetCommit', groupId: 'g' }).message).toContain(
      "The client's principal needs an ALLOW ACL for READ on group \"g\"",
    )
    expect(protocolError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, { apiName: 'CreateAcls', errorMessage: 'denied' }).message).toContain('denied ')
    expect(protocolError(ErrorCode.INVALID_CONFIG, { apiName: 'CreateTopics', errorMessage: 'bad' }).message).toBe('INVALID_CONFIG (40): bad [CreateTopics]')
  })

  it('decodes authorized-operation bit fields', () => {
    expect(decodeAuthorizedOperations(-2147483648)).toBeUndefined()
    expect(decodeAuthorizedOperations((1 << 3) | (1 << 8))).toEqual(['read', 'describe'])
  })
})
