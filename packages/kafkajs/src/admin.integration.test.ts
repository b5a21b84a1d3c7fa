import { clusterInfo, eventually } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  KafkaJSAggregateError,
  KafkaJSProtocolError,
  logLevel,
  ResourcePatternTypes,
} from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ clientId: 'kafkajs-compat-admin', brokers: cluster.bootstrap.plaintext, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const unique = (name: string): string => `kafkajs-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

beforeAll(() => admin.connect())
afterAll(() => admin.disconnect())

describe('admin through the KafkaJS API', () => {
  it('topics: create, list, metadata, partitions, offsets, records, configs and delete', async () => {
    const topic = unique('admin')
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true)
    expect(await admin.listTopics()).toContain(topic)
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    expect(topics).toHaveLength(1)
    expect(topics[0]!.name).toBe(topic)
    expect(topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1])
    for (const p of topics[0]!.partitions) {
      expect(p.replicas).toHaveLength(3)
      expect(p.leader).toBeGreaterThanOrEqual(0)
      expect(p.partitionErrorCode).toBe(0)
    }

    expect(await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] })).toBe(true)
    // The new partition reaches each broker's metadata through the metadata log: the broker that
    // answers may not know it yet (KafkaJS's createPartitions does not wait either).
    await eventually(async () => expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions).toHaveLength(3))

    const producer = kafka.producer()
    await producer.connect()
    const before = Date.now()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 0 })) })
    await producer.disconnect()
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '10', high: '10', low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
      { partition: 2, offset: '0', high: '0', low: '0' },
    ])
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, before - 60_000)
    expect(byTime.find((o) => o.partition === 0)!.offset).toBe('0')
    // No record at or after a future timestamp: the end offset.
    expect((await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3_600_000)).find((o) => o.partition === 0)!.offset).toBe('10')

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] })
    expect((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0)).toMatchObject({ low: '4', high: '10' })

    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false })
    expect(described.resources[0]!.configEntries).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '3600000', isDefault: false })])
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '7200000' }] }] })
    // Another broker may answer before the change reached it through the metadata log.
    await eventually(async () => {
      const altered = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false })
      expect(altered.resources[0]!.configEntries[0]!.configValue).toBe('7200000')
    })

    await admin.deleteTopics({ topics: [topic] })
    // DeleteTopics answers once the controller committed the deletion; listTopics asks any broker,
    // which may not have applied it from the metadata log yet (KafkaJS and Java's Admin alike).
    await eventually(async () => expect(await admin.listTopics()).not.toContain(topic))
    const error = await admin.createTopics({ topics: [{ topic: unique('bad'), numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: 'nope' }] }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSAggregateError)
    expect((error as KafkaJSAggregateError).errors[0]).toBeInstanceOf(KafkaJSProtocolError)
    expect((error as { errors: KafkaJSProtocolError[] }).errors[0]!.type).toBe('INVALID_CONFIG')
  })

  it('group offsets: setOffsets, resetOffsets, fetchOffsets, describe, list and delete groups', async () => {
    const topic = unique('offsets')
    const groupId = `${topic}-group`
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3 }] })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) })
    await producer.disconnect()

    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([{ topic, partitions: [{ partition: 0, offset: '-1', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }])
    expect((await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true }))[0]!.partitions.map((p) => p.offset)).toEqual(['3', '3'])
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] })
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual(['2', '1'])
    await admin.resetOffsets({ groupId, topic, earliest: false })
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual(['3', '3'])
    await admin.resetOffsets({ groupId, topic, earliest: true })
    expect((await admin.fetchOffsets({ groupId }))).toEqual([{ topic, partitions: [{ partition: 0, offset: '0', metadata: '' }, { partition: 1, offset: '0', metadata: '' }] }])

    expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: '' })
    const { groups } = await admin.describeGroups([groupId])
    expect(groups).toEqual([{ errorCode: 0, groupId, members: [], protocol: '', protocolType: '', state: 'Empty' }])
    expect(await admin.deleteGroups([groupId])).toEqual([{ groupId, errorCode: 0 }])
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId)
  })

  it('cluster and ACLs', async () => {
    const described = await admin.describeCluster()
    expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3])
    expect(typeof described.clusterId).toBe('string')
    expect(described.controller).not.toBeNull()

    const topic = unique('acl')
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:kafkajs-compat',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    }
    expect(await admin.createAcls({ acl: [acl] })).toBe(true)
    const filter = { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }
    // ACLs reach every broker through the metadata log: a broker may answer before it has the new one.
    const found = await eventually(async () => {
      const described = await admin.describeAcls(filter)
      if (described.resources.length === 0) throw new Error('the ACL is not described yet')
      return described
    })
    expect(found.resources).toEqual([
      { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, acls: [{ principal: 'User:kafkajs-compat', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }] },
    ])
    const deleted = await admin.deleteAcls({ filters: [filter] })
    expect(deleted.filterResponses[0]!.matchingAcls).toEqual([expect.objectContaining({ ...acl, errorCode: 0 })])
    await eventually(async () => {
      const remaining = (await admin.describeAcls(filter)).resources
      if (remaining.length > 0) throw new Error(`still described: ${JSON.stringify(remaining)}`)
    })
  })
})
