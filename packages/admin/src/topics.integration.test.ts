import { ConnectionError } from '@kafkats/connection'
import { ConfigError, InvalidArgumentError, KafkaProtocolError, ZERO_UUID } from '@kafkats/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import { Admin } from './admin.js'
import { eventually } from '@kafkats/testkit'
import { cluster, testClient, unique } from './test-support.test-data.js'

const client = testClient()
const { admin } = client
afterAll(() => client.close())

describe('topics', () => {
  it('creates topics, describes them with leaders, epochs and racks, and lists them', async () => {
    const topic = unique('create')
    const results = await admin.createTopics([{ topic, partitions: 3, replicationFactor: 3, configs: { 'retention.ms': '3600000' } }])
    expect(results).toHaveLength(1)
    expect(results[0]!.error).toBeUndefined()
    expect(results[0]!).toMatchObject({ topic, partitions: 3, replicationFactor: 3 })
    expect(results[0]!.topicId).not.toBe(ZERO_UUID)
    expect(results[0]!.configs['retention.ms']).toMatchObject({ value: '3600000', source: 'topic' })

    const [description] = await admin.describeTopics([topic], { includeAuthorizedOperations: true })
    expect(description!.error).toBeUndefined()
    expect(description!.topicId).toBe(results[0]!.topicId)
    expect(description!.isInternal).toBe(false)
    expect(description!.partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    for (const partition of description!.partitions) {
      expect(partition.replicas.sort()).toEqual([1, 2, 3])
      expect(partition.replicas).toContain(partition.leader)
      expect(partition.leaderEpoch).toBeGreaterThanOrEqual(0)
      expect(partition.isr.length).toBeGreaterThan(0)
      expect(partition.offlineReplicas).toEqual([])
      expect(partition.racks).toEqual({ 1: 'rack-1', 2: 'rack-2', 3: 'rack-3' })
    }
    expect(description!.authorizedOperations).toEqual(expect.arrayContaining(['read', 'write', 'describe', 'delete']))

    const topics = await admin.listTopics()
    expect(topics).toContain(topic)
    expect(topics).not.toContain('__consumer_offsets')
    expect(await admin.listTopics({ includeInternal: true })).toContain('__consumer_offsets')
  })

  it('honours manual assignments and validateOnly', async () => {
    const topic = unique('assigned')
    const [created] = await admin.createTopics([{ topic, assignments: [[2, 3], [3, 1]] }])
    expect(created!.error).toBeUndefined()
    const [description] = await admin.describeTopics([topic])
    expect(description!.partitions.map((p) => p.replicas)).toEqual([[2, 3], [3, 1]])
    expect(description!.partitions[1]!.racks).toEqual({ 3: 'rack-3', 1: 'rack-1' })

    const dryRun = unique('dry-run')
    const [validated] = await admin.createTopics([{ topic: dryRun, partitions: 2 }], { validateOnly: true })
    expect(validated!.error).toBeUndefined()
    expect(await admin.listTopics()).not.toContain(dryRun)
  })

  it('returns per-topic errors as data: existing topic, bad replication factor, malformed config', async () => {
    const existing = unique('exists')
    await admin.createTopics([{ topic: existing }])
    const fresh = unique('fresh')
    const badConfig = unique('bad-config')
    const tooMany = unique('rf')
    const results = await admin.createTopics([
      { topic: existing },
      { topic: fresh, partitions: 1 },
      { topic: badConfig, configs: { 'retention.ms': 'soon' } },
      { topic: tooMany, replicationFactor: 4 },
    ])
    expect(results.map((r) => r.topic)).toEqual([existing, fresh, badConfig, tooMany])
    expect(results[0]!.error?.errorName).toBe('TOPIC_ALREADY_EXISTS')
    expect(results[1]!.error).toBeUndefined()
    expect(results[2]!.error?.errorName).toBe('INVALID_CONFIG')
    expect(results[2]!.error?.message).toContain('retention.ms')
    expect(results[3]!.error?.errorName).toBe('INVALID_REPLICATION_FACTOR')
    expect(KafkaProtocolError.isInstance(results[3]!.error)).toBe(true)
  })

  it('rejects obviously bad input before sending anything', async () => {
    const cases: Array<() => Promise<unknown>> = [
      () => admin.createTopics([{ topic: '' }]),
      () => admin.createTopics([{ topic: 'has space' }]),
      () => admin.createTopics([{ topic: 'ok', partitions: 0 }]),
      () => admin.createTopics([{ topic: 'ok', partitions: 1, assignments: [[1]] }]),
      () => admin.createTopics([{ topic: 'twice' }, { topic: 'twice' }]),
      () => admin.createTopics([]),
      () => admin.describeTopics(['']),
      () => admin.deleteTopics({ topicIds: ['not-an-id'] }),
      () => admin.createPartitions([{ topic: 'x', count: 0 }]),
    ]
    for (const run of cases) {
      const error = await run().catch((caught: unknown) => caught)
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true)
      expect((error as InvalidArgumentError).message).toMatch(/^invalid /)
    }
  })

  it('reports an unknown topic with UNKNOWN_TOPIC_OR_PARTITION and says to create it', async () => {
    const missing = unique('missing')
    const [description] = await admin.describeTopics([missing])
    expect(description!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(description!.error?.message).toContain(`Topic "${missing}" does not exist: create it (admin.createTopics) or check the name`)
    expect(description!.partitions).toEqual([])
  })

  it('adds partitions and reports a decrease as INVALID_PARTITIONS', async () => {
    const topic = unique('grow')
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 2 }])
    const [grown] = await admin.createPartitions([{ topic, count: 3 }])
    expect(grown).toEqual({ topic })
    await eventually(async () => {
      const [description] = await admin.describeTopics([topic])
      expect(description!.partitions).toHaveLength(3)
    })
    const [shrunk] = await admin.createPartitions([{ topic, count: 2 }])
    expect(shrunk!.error?.errorName).toBe('INVALID_PARTITIONS')
    const [unknown] = await admin.createPartitions([{ topic: unique('nope'), count: 2 }])
    expect(unknown!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('deletes topics by name and by id; a missing one is an error entry', async () => {
    const byName = unique('delete-name')
    const byId = unique('delete-id')
    const created = await admin.createTopics([{ topic: byName }, { topic: byId }])
    const missing = unique('never')
    const deleted = await admin.deleteTopics([byName, missing])
    expect(deleted[0]!.topic).toBe(byName)
    expect(deleted[0]!.error).toBeUndefined()
    expect(deleted[1]!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    const [viaId] = await admin.deleteTopics({ topicIds: [created[1]!.topicId] })
    expect(viaId!.error).toBeUndefined()
    expect(viaId!.topicId).toBe(created[1]!.topicId)
    await eventually(async () => {
      const topics = await admin.listTopics()
      expect(topics).not.toContain(byName)
      expect(topics).not.toContain(byId)
    })
  })

  it('fails with a ConnectionError when no broker address works', async () => {
    const bad = testClient({ bootstrap: ['127.0.0.1:1'], admin: { retries: 1, retryBackoffMs: 10 } })
    try {
      const error = await bad.admin.listTopics().catch((caught: unknown) => caught)
      expect(ConnectionError.isInstance(error), String(error)).toBe(true)
    } finally {
      bad.close()
    }
  })

  it('rejects construction without metadata or pool', () => {
    expect(() => new Admin({} as never)).toThrow(ConfigError)
    expect(() => new Admin({ metadata: client.metadata, pool: client.pool, retries: -1 })).toThrow(/retries/)
  })
})

describe('configs', () => {
  it('describes topic and broker configs with sources, synonyms and read-only flags', async () => {
    const topic = unique('configs')
    await admin.createTopics([{ topic, configs: { 'cleanup.policy': 'delete' } }])
    const [topicConfigs, brokerConfigs] = await admin.describeConfigs([
      { type: 'topic', name: topic },
      { type: 'broker', name: '2', keys: ['broker.rack', 'log.retention.hours', 'num.network.threads'] },
    ])
    expect(topicConfigs!.error).toBeUndefined()
    expect(topicConfigs!.configs['cleanup.policy']).toMatchObject({ value: 'delete', source: 'topic', isDefault: false, type: 'list' })
    expect(topicConfigs!.configs['retention.ms']).toMatchObject({ source: 'default', isDefault: true, isSensitive: false })
    expect(brokerConfigs!.configs['broker.rack']).toMatchObject({ value: 'rack-2', source: 'static-broker', readOnly: true })
    expect(Object.keys(brokerConfigs!.configs).sort()).toEqual(['broker.rack', 'log.retention.hours', 'num.network.threads'])
    expect(brokerConfigs!.configs['num.network.threads']!.synonyms.length).toBeGreaterThan(0)
  })

  it('changes, appends to and deletes a topic config, read back each time', async () => {
    const topic = unique('alter')
    await admin.createTopics([{ topic }])
    const retention = async () => (await admin.describeConfigs([{ type: 'topic', name: topic, keys: ['retention.ms', 'cleanup.policy'] }]))[0]!.configs

    const [set] = await admin.incrementalAlterConfigs([
      { type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'set', value: '7200000' }, { key: 'cleanup.policy', op: 'append', value: 'compact' }] },
    ])
    expect(set).toEqual({ type: 'topic', name: topic })
    await eventually(async () => {
      const configs = await retention()
      expect(configs['retention.ms']).toMatchObject({ value: '7200000', source: 'topic' })
      expect(configs['cleanup.policy']!.value).toBe('delete,compact')
    })

    const [validated] = await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'set', value: '1' }] }], { validateOnly: true })
    expect(validated!.error).toBeUndefined()
    // Each broker applies the change from the metadata log on its own: one that has not caught up
    // still answers the default. What must never show up is the validated-only '1'.
    await eventually(async () => expect((await retention())['retention.ms']!.value).toBe('7200000'))

    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'delete' }, { key: 'cleanup.policy', op: 'subtract', value: 'compact' }] }])
    await eventually(async () => {
      const configs = await retention()
      expect(configs['retention.ms']).toMatchObject({ value: '604800000', source: 'default' })
      expect(configs['cleanup.policy']!.value).toBe('delete')
    })
  })

  it('returns INVALID_CONFIG per resource and rejects bad resources up front', async () => {
    const topic = unique('invalid-config')
    await admin.createTopics([{ topic }])
    const missing = unique('missing-config')
    const results = await admin.incrementalAlterConfigs([
      { type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'set', value: 'a week' }] },
      { type: 'topic', name: missing, operations: [{ key: 'retention.ms', op: 'set', value: '1000' }] },
    ])
    expect(results[0]!.error?.errorName).toBe('INVALID_CONFIG')
    expect(results[0]!.error?.message).toMatch(/a week/)
    expect(results[1]!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')

    const [described] = await admin.describeConfigs([{ type: 'topic', name: missing }])
    expect(described!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')

    for (const run of [
      () => admin.describeConfigs([{ type: 'topic', name: '' }]),
      () => admin.describeConfigs([{ type: 'broker', name: 'broker-1' }]),
      () => admin.describeConfigs([{ type: 'nope' as never, name: 'x' }]),
      () => admin.incrementalAlterConfigs([{ type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'set' }] }]),
      () => admin.incrementalAlterConfigs([{ type: 'topic', name: topic, operations: [{ key: 'retention.ms', op: 'replace' as never, value: '1' }] }]),
    ]) {
      const error = await run().catch((caught: unknown) => caught)
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true)
    }
    expect(cluster.nodes).toHaveLength(3)
  })
})
