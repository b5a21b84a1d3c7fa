import { UnsupportedVersionError } from '@kafkats/connection'
import { FindCoordinatorApi, InitProducerIdApi } from '@kafkats/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, initProducerId } from '@kafkats/testkit'
import { cluster, produce, testClient, unique } from './test-support.test-data.js'

const client = testClient()
const { admin } = client
afterAll(() => client.close())

describe('cluster', () => {
  it('describes the cluster: id, controller, brokers with racks, authorized operations', async () => {
    // Other suites may be restarting a node: wait until all three are registered and unfenced.
    const description = await eventually(async () => {
      const result = await admin.describeCluster({ includeAuthorizedOperations: true, includeFencedBrokers: true })
      expect(result.brokers).toEqual(
        cluster.nodes.map((node) => ({ nodeId: node.id, host: '127.0.0.1', port: node.ports.plaintext, rack: node.rack, isFenced: false })),
      )
      return result
    }, 60_000)
    if (cluster.clusterId !== undefined) expect(description.clusterId).toBe(cluster.clusterId)
    expect([1, 2, 3]).toContain(description.controllerId)
    expect(description.authorizedOperations).toEqual(expect.arrayContaining(['describe', 'alter', 'create', 'cluster-action']))
    expect((await admin.describeCluster()).authorizedOperations).toBeUndefined()
  })

  it('describes finalized and supported features', async () => {
    const features = await admin.describeFeatures()
    expect(features.finalizedEpoch).toBeGreaterThan(0n)
    expect(features.finalized['metadata.version']!.maxVersionLevel).toBeGreaterThan(0)
    if (cluster.kafkaVersion.startsWith('3.')) {
      // Kafka 3.9 has no group.version feature (KIP-848's gate there is a broker config): metadata.version
      // is the only finalized feature; kraft.version is supported but left at level 0 (not listed).
      expect(Object.keys(features.finalized)).toEqual(['metadata.version'])
      expect(features.supported['group.version']).toBeUndefined()
      expect(features.supported['kraft.version']).toEqual({ minVersion: 0, maxVersion: 1 })
    } else {
      expect(features.finalized['group.version']).toEqual({ minVersionLevel: 1, maxVersionLevel: 1 })
    }
    expect(features.supported['metadata.version']!.maxVersion).toBeGreaterThanOrEqual(features.finalized['metadata.version']!.maxVersionLevel)
  })

  it('describes log dirs: the topic shows up on the broker that hosts it', async () => {
    const topic = unique('log-dirs')
    await admin.createTopics([{ topic, assignments: [[3], [2]] }])
    await produce(client, topic, 0, 20)
    const dirs = await eventually(async () => {
      const result = await admin.describeLogDirs([topic])
      expect(result.map((b) => b.broker)).toEqual([1, 2, 3])
      const size = result.find((b) => b.broker === 3)!.logDirs.flatMap((d) => (d.partitions[topic]?.[0] === undefined ? [] : [d.partitions[topic][0]]))[0]
      expect(size?.size).toBeGreaterThan(0n)
      return result
    }, 60_000)
    const hosts = (broker: number) => dirs.find((b) => b.broker === broker)!.logDirs.some((d) => d.partitions[topic] !== undefined)
    expect([hosts(1), hosts(2), hosts(3)]).toEqual([false, true, true])
    const onThree = dirs.find((b) => b.broker === 3)!.logDirs.find((d) => d.partitions[topic] !== undefined)!
    expect(onThree.error).toBeUndefined()
    expect(onThree.path).toContain('node3')
    expect(onThree.totalBytes).toBeGreaterThan(0n)
    expect(onThree.partitions[topic]![0]!.isFuture).toBe(false)
    const narrowed = await admin.describeLogDirs({ [topic]: [1] }, { brokers: [2] })
    expect(narrowed).toHaveLength(1)
    expect(Object.keys(narrowed[0]!.logDirs.find((d) => d.partitions[topic] !== undefined)!.partitions[topic]!)).toEqual(['1'])
  })

  it('moves a partition of an RF=1 topic to another broker; the data moves with it', async () => {
    const topic = unique('reassign')
    await admin.createTopics([{ topic, assignments: [[1]] }])
    await produce(client, topic, 0, 10)
    const started = await admin.alterPartitionReassignments({ [topic]: { 0: [2] } })
    expect(started).toEqual({ [topic]: { 0: {} } })
    const ongoing = await admin.listPartitionReassignments({ [topic]: [0] })
    if (ongoing[topic] !== undefined) expect(ongoing[topic][0]!.replicas).toContain(2)
    await eventually(async () => {
      expect(await admin.listPartitionReassignments()).not.toHaveProperty(topic)
      const [description] = await admin.describeTopics([topic])
      expect(description!.partitions[0]).toMatchObject({ replicas: [2], leader: 2, isr: [2] })
    }, 60_000)
    expect((await admin.listOffsets({ [topic]: 'latest' }))[topic]![0]!.offset).toBe(10n)

    const cancel = await admin.alterPartitionReassignments({ [topic]: { 0: null } })
    expect(cancel[topic]![0]!.error?.errorName).toBe('NO_REASSIGNMENT_IN_PROGRESS')
    const nowhere = await admin.alterPartitionReassignments({ [topic]: { 0: [9] } })
    expect(nowhere[topic]![0]!.error).toBeDefined()
  })

  it('elects preferred leaders per partition', async () => {
    const topic = unique('elect')
    await admin.createTopics([{ topic, assignments: [[1, 2, 3], [2, 3, 1]] }])
    const notNeeded = await admin.electLeaders({ type: 'preferred', partitions: { [topic]: [0, 1] } })
    expect(notNeeded[topic]![0]!.error?.errorName).toBe('ELECTION_NOT_NEEDED')
    expect(notNeeded[topic]![1]!.error?.errorName).toBe('ELECTION_NOT_NEEDED')

    // Reorder partition 0's replicas: broker 1 still leads, but 2 is now preferred.
    await admin.alterPartitionReassignments({ [topic]: { 0: [2, 1, 3] } })
    await eventually(async () => {
      const [description] = await admin.describeTopics([topic])
      expect(description!.partitions[0]!.replicas).toEqual([2, 1, 3])
    })
    const [before] = await admin.describeTopics([topic])
    const elected = await eventually(async () => {
      const result = await admin.electLeaders({ type: 'preferred', partitions: { [topic]: [0] } })
      if (result[topic]![0]!.error?.errorName !== 'ELECTION_NOT_NEEDED') expect(result[topic]![0]!.error).toBeUndefined()
      return result
    })
    expect(Object.keys(elected[topic]!)).toEqual(['0'])
    await eventually(async () => {
      const [after] = await admin.describeTopics([topic])
      expect(after!.partitions[0]!.leader).toBe(2)
      expect(after!.partitions[0]!.leaderEpoch).toBeGreaterThan(before!.partitions[0]!.leaderEpoch)
    })
    const unknown = await admin.electLeaders({ type: 'preferred', partitions: { [unique('missing')]: [0] } })
    expect(Object.values(Object.values(unknown)[0]!)[0]!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })
})

describe('transactions and producers', () => {
  it('lists and describes a transactional id after InitProducerId', async () => {
    const transactionalId = unique('txn')
    const any = await client.pool.get([...(await client.metadata.refresh()).brokers.values()][0]!.address, 'produce')
    // The transaction state topic may still be loading on a fresh cluster: poll.
    const { found, init } = await eventually(async () => {
      const coordinatorOf = (await any.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ keyType: 1, coordinatorKeys: [transactionalId] }))).coordinators[0]!
      expect(coordinatorOf.errorCode).toBe(0)
      const coordinator = await client.pool.get(`${coordinatorOf.host}:${coordinatorOf.port}`, 'produce')
      const response = await coordinator.request(InitProducerIdApi, InitProducerIdApi.createRequest({ transactionalId, transactionTimeoutMs: 45_000 }))
      expect(response.errorCode).toBe(0)
      return { found: coordinatorOf, init: response }
    }, 30_000)

    const [described, missing] = await admin.describeTransactions([transactionalId, unique('no-txn')])
    expect(described).toMatchObject({ transactionalId, state: 'Empty', timeoutMs: 45_000, producerId: init.producerId, producerEpoch: init.producerEpoch, topics: {}, coordinator: found.nodeId })
    expect(described!.error).toBeUndefined()
    expect(missing!.error?.errorName).toBe('TRANSACTIONAL_ID_NOT_FOUND')

    const listed = await admin.listTransactions()
    expect(listed.errors).toEqual([])
    expect(listed.transactions.find((t) => t.transactionalId === transactionalId)).toEqual({ transactionalId, producerId: init.producerId, state: 'Empty', coordinator: found.nodeId })
    const filtered = await admin.listTransactions({ states: ['Ongoing'], producerIds: [init.producerId] })
    expect(filtered.transactions).toEqual([])
    const byPattern = await admin.listTransactions({ transactionalIdPattern: `^${transactionalId}$` })
    if (cluster.kafkaVersion.startsWith('3.')) {
      // The pattern filter needs ListTransactions v2 (Kafka 4.1): 3.9 brokers cannot apply it, and every
      // broker reports that rather than answering an unfiltered list.
      expect(byPattern.transactions).toEqual([])
      expect(byPattern.errors.map((e) => e.broker)).toEqual([1, 2, 3])
      for (const { error } of byPattern.errors) expect(UnsupportedVersionError.isInstance(error), String(error)).toBe(true)
    } else {
      expect(byPattern.errors).toEqual([])
      expect(byPattern.transactions.map((t) => t.transactionalId)).toEqual([transactionalId])
    }
  })

  it('describes the idempotent producers of a partition', async () => {
    const topic = unique('producers')
    await admin.createTopics([{ topic, partitions: 2, replicationFactor: 3 }])
    const idle = await admin.describeProducers([topic])
    expect(idle).toEqual({ [topic]: { 0: { producers: [] }, 1: { producers: [] } } })

    const { producerId, producerEpoch } = await initProducerId(client.metadata, client.pool)
    await produce(client, topic, 1, 3, { producerId, producerEpoch, baseSequence: 0 })
    await produce(client, topic, 1, 2, { producerId, producerEpoch, baseSequence: 3 })
    const active = await admin.describeProducers({ [topic]: [1] })
    expect(active[topic]![1]!.error).toBeUndefined()
    expect(active[topic]![1]!.producers).toEqual([
      { producerId, producerEpoch, lastSequence: 4, lastTimestamp: expect.any(BigInt) as bigint, coordinatorEpoch: -1, currentTransactionStartOffset: -1n },
    ])
    const unknown = await admin.describeProducers({ [topic]: [5] })
    expect(unknown[topic]![5]!.error?.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })
})
