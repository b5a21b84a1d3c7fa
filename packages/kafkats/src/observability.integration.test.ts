import { clusterInfo, eventually } from '@kafkats/testkit'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  type FetchResponseMessage,
  type GroupAssignmentMessage,
  type GroupCommitMessage,
  type GroupJoinMessage,
  type GroupRevokeMessage,
  type GroupSyncMessage,
  Kafka,
  LATENCY_BUCKET_BOUNDS_MS,
  Offset,
  type ProduceBatchAckedMessage,
  type RequestEndMessage,
  diagnosticsChannelNames,
  subscribeDiagnostics,
  toPrometheusText,
} from './index.js'

const cluster = clusterInfo()
const kafka = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'observability-test' })
afterAll(() => kafka.close())
const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

describe('observability of the umbrella client against the real cluster', () => {
  it('subscribeDiagnostics delivers typed produce, fetch and request events of real traffic', async () => {
    const topic = `observability-${Date.now()}`
    await kafka.admin().createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
    const acked: ProduceBatchAckedMessage[] = []
    const fetched: FetchResponseMessage[] = []
    const ends: RequestEndMessage[] = []
    stops.push(
      subscribeDiagnostics('kafkats:produce:batch-acked', (message) => {
        if (message.topic === topic) acked.push(message)
      }),
      subscribeDiagnostics(diagnosticsChannelNames.fetchResponse, (message) => {
        if (message.partitions.some((partition) => partition.topic === topic)) fetched.push(message)
      }),
      subscribeDiagnostics(diagnosticsChannelNames.requestEnd, (message) => {
        if (message.clientId === 'observability-test') ends.push(message)
      }),
    )

    const producer = kafka.producer({ lingerMs: 5 })
    await producer.sendBatch(Array.from({ length: 500 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })))
    await producer.close()
    expect(acked.reduce((sum, batch) => sum + batch.records, 0)).toBe(500)
    const leaders = new Set([0, 1, 2].map((partition) => kafka.metadata.partition(topic, partition)!.leader))
    expect(new Set(acked.map((batch) => batch.nodeId))).toEqual(leaders)

    const consumer = kafka.consumer({ assign: await kafka.admin().listOffsets({ [topic]: 'earliest' }) })
    let consumed = 0
    for await (const batch of consumer) {
      consumed += batch.records.length
      if (consumed >= 500) break
    }
    await consumer.close()
    expect(consumed).toBe(500)
    expect(fetched.reduce((sum, response) => sum + response.records, 0)).toBe(500)

    const apis = new Set(ends.map((end) => end.apiName))
    for (const api of ['Metadata', 'InitProducerId', 'Produce', 'ListOffsets', 'Fetch']) expect(apis, api).toContain(api)
    const produceRequests = ends.filter((end) => end.apiName === 'Produce')
    expect(produceRequests.every((end) => leaders.has(end.broker.nodeId) && end.error === null && end.responseBytes > 0)).toBe(true)
    // Every request names this client as its owner (another client with the same clientId would not).
    expect(ends.every((end) => end.owner === kafka)).toBe(true)
  })

  it('publishes the group events of a real group: join, sync, assignment, commit, revoke on close', async () => {
    const topic = `observability-group-${Date.now()}`
    const groupId = `${topic}-group`
    await kafka.admin().createTopics([{ topic, partitions: 2, replicationFactor: 3 }])
    const producer = kafka.producer()
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, value: `g${i}` })))
    await producer.close()
    const joins: GroupJoinMessage[] = []
    const syncs: GroupSyncMessage[] = []
    const assignments: GroupAssignmentMessage[] = []
    const commits: GroupCommitMessage[] = []
    const revokes: GroupRevokeMessage[] = []
    const mine = <T extends { groupId: string }>(list: T[]) => (message: T): void => {
      if (message.groupId === groupId) list.push(message)
    }
    stops.push(
      subscribeDiagnostics('kafkats:group:join', mine(joins)),
      subscribeDiagnostics('kafkats:group:sync', mine(syncs)),
      subscribeDiagnostics('kafkats:group:assignment', mine(assignments)),
      subscribeDiagnostics('kafkats:group:commit', mine(commits)),
      subscribeDiagnostics('kafkats:group:revoke', mine(revokes)),
    )
    const group = kafka.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false })
    let consumed = 0
    for await (const batch of group) {
      consumed += batch.records.length
      await group.commit(batch)
      if (consumed >= 20) break
    }
    const memberId = group.memberId
    const generationId = group.generationId
    await group.close()

    expect(joins.at(-1)).toMatchObject({ groupId, memberId, generationId, protocol: 'classic', leader: true, protocolName: 'cooperative-sticky', memberCount: 1 })
    expect(joins.at(-1)!.durationMs).toBeGreaterThan(0)
    const sync = syncs.at(-1)!
    expect(sync).toMatchObject({ groupId, memberId, generationId, protocol: 'classic', leader: true })
    expect(sync.assignedPartitions.map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual([`${topic}-0`, `${topic}-1`])
    expect(assignments.flatMap((message) => message.partitions.map((tp) => tp.partition)).sort()).toEqual([0, 1])
    // Every commit was answered without error, and together they cover both partitions up to their ends.
    expect(commits.length).toBeGreaterThanOrEqual(1)
    for (const commit of commits) {
      expect(commit).toMatchObject({ groupId, memberId, generationId, error: null })
      for (const offset of commit.offsets) expect(offset.errorCode).toBe(0)
    }
    const committed = new Map<number, bigint>()
    for (const offset of commits.flatMap((commit) => commit.offsets)) committed.set(offset.partition, offset.offset)
    expect([committed.get(0), committed.get(1)]).toEqual([10n, 10n])
    expect(revokes.flatMap((message) => message.partitions.map((tp) => tp.partition)).sort()).toEqual([0, 1])
    // The group traffic ran on the consumer's own connections (a fork of the client's pool): kafka.metrics() counts it.
    const coordinatorApis = kafka.metrics().brokers.flatMap((broker) => broker.byApi.filter((api) => ['JoinGroup', 'SyncGroup', 'OffsetCommit'].includes(api.apiName)))
    expect(new Set(coordinatorApis.map((api) => api.apiName))).toEqual(new Set(['JoinGroup', 'SyncGroup', 'OffsetCommit']))
  })

  it('kafka.metrics() moves with real traffic: requests per broker, producer buffer, lag and fetch source', async () => {
    const topic = `observability-metrics-${Date.now()}`
    // A client in rack-2: the consumer fetches from node 2 (a replica of every partition) once redirected (KIP-392).
    const client = new Kafka({ bootstrapBrokers: cluster.bootstrap.plaintext, clientId: 'observability-metrics', rack: 'rack-2' })
    try {
      await client.admin().createTopics([{ topic, partitions: 3, replicationFactor: 3 }])
      const before = client.metrics()
      expect(before.producers).toEqual([])
      const metadataRequests = (snapshot: typeof before): number =>
        snapshot.brokers.reduce((sum, broker) => sum + (broker.byApi.find((api) => api.apiName === 'Metadata')?.requests ?? 0), 0)
      expect(metadataRequests(before)).toBeGreaterThan(0)

      const producer = client.producer({ lingerMs: 20 })
      await producer.send({ topic, partition: 0, value: 'first' })
      const pending = Array.from({ length: 3000 }, (_, i) => producer.send({ topic, partition: i % 3, value: `value-${i}`.padEnd(100, '.') }))
      const sending = client.metrics().producers[0]!
      // Accepted and not yet acknowledged: the records sit in the buffer.
      expect(sending.bufferedRecords).toBeGreaterThan(0)
      expect(sending.bufferUsedBytes).toBeGreaterThanOrEqual(sending.bufferedRecords * 100)
      expect(sending.bufferMaxBytes).toBe(32 * 1024 * 1024)
      await Promise.all(pending)
      const sent = client.metrics().producers[0]!
      expect(sent).toMatchObject({ bufferedRecords: 0, bufferUsedBytes: 0, recordsAcknowledged: 3001, recordsFailed: 0, inFlightRequests: 0 })
      expect(sent.producerId).toBeGreaterThanOrEqual(0n)
      expect(sent.batchesSent).toBeGreaterThanOrEqual(4)

      const afterProduce = client.metrics()
      const leaders = [0, 1, 2].map((partition) => client.metadata.partition(topic, partition)!.leader)
      let produceRequests = 0
      for (const broker of afterProduce.brokers) {
        const produce = broker.byApi.find((api) => api.apiName === 'Produce')
        if (!leaders.includes(broker.nodeId)) {
          expect(produce).toBeUndefined()
          continue
        }
        expect(produce!.requests).toBeGreaterThan(0)
        expect(produce!.errors).toBe(0)
        // 3,000 values of 100 bytes went out, a third or more of them to each leader.
        expect(produce!.requestBytes).toBeGreaterThan(100_000 / leaders.filter((leader) => leader === broker.nodeId).length / 3)
        expect(produce!.latencyAvgMs).toBeGreaterThan(0)
        expect(produce!.latencyMaxMs).toBeGreaterThanOrEqual(produce!.latencyAvgMs)
        expect(produce!.latencyHistogramCounts).toHaveLength(LATENCY_BUCKET_BOUNDS_MS.length + 1)
        expect(produce!.latencyHistogramCounts.reduce((sum, count) => sum + count, 0)).toBe(produce!.requests)
        expect(broker.requestRatePerSecond).toBeGreaterThan(0)
        produceRequests += produce!.requests
      }
      expect(produceRequests).toBeGreaterThanOrEqual(2)
      await producer.close()
      expect(client.metrics().producers).toEqual([])

      const consumer = client.consumer({ assign: { [topic]: { 0: Offset.earliest(), 1: Offset.earliest(), 2: Offset.earliest() } } })
      let consumed = 0
      while (consumed < 3001) for (const batch of await consumer.poll()) consumed += batch.records.length
      const perPartition = [1001n, 1000n, 1000n]
      // Caught up: position = high watermark, no lag; every partition fetched from node 2 in rack-2.
      await eventually(async () => {
        const partitions = client.metrics().consumers[0]!.partitions
        if (!partitions.every((p) => p.fetchSourceNodeId === 2 && p.highWatermark === perPartition[p.partition])) throw new Error('not yet')
      })
      for (const partition of client.metrics().consumers[0]!.partitions) {
        expect(partition).toMatchObject({ topic, position: perPartition[partition.partition], lag: 0n, fetchSourceNodeId: 2, state: 'fetching', paused: false })
        expect(partition.leaderNodeId).toBe(leaders[partition.partition])
        expect(partition.fromPreferredReplica).toBe(leaders[partition.partition] !== 2)
      }
      expect(client.metrics().consumers[0]!.groupId).toBeNull()
      expect(client.metrics().consumers[0]!.fetchesByBroker.find((broker) => broker.nodeId === 2)!.records).toBe(3001)

      // 25 more records in partition 1, fetched into the buffer but not polled: lag 25.
      const late = client.producer()
      await late.sendBatch(Array.from({ length: 25 }, (_, i) => ({ topic, partition: 1, value: `late-${i}` })))
      await late.close()
      await eventually(async () => {
        const partition = client.metrics().consumers[0]!.partitions.find((p) => p.partition === 1)!
        if (partition.highWatermark !== 1025n) throw new Error(`high watermark ${partition.highWatermark}`)
      })
      expect(client.metrics().consumers[0]!.partitions.find((p) => p.partition === 1)).toMatchObject({ position: 1000n, highWatermark: 1025n, lag: 25n })

      // An idle consumer keeps a long-poll Fetch waiting at node 2 most of the time.
      await eventually(async () => {
        const snapshot = client.metrics()
        const node2 = snapshot.brokers.find((broker) => broker.nodeId === 2)!
        if (node2.inFlightRequests < 1 || snapshot.inFlightRequests < node2.inFlightRequests) throw new Error('no Fetch in flight')
      })

      const text = toPrometheusText(client.metrics())
      const node2 = client.metrics().brokers.find((broker) => broker.nodeId === 2)!
      const fetch = node2.byApi.find((api) => api.apiName === 'Fetch')!
      expect(text).toContain('# TYPE kafkats_request_latency_seconds histogram')
      expect(text).toMatch(new RegExp(`^kafkats_requests_total\\{node_id="2",address="${node2.address.replace(/\./g, '\\.')}",api="Fetch"\\} \\d+$`, 'm'))
      expect(text).toMatch(new RegExp(`^kafkats_consumer_lag_records\\{consumer="0",topic="${topic}",partition="1"\\} 25$`, 'm'))
      expect(text).toMatch(new RegExp(`^kafkats_consumer_fetch_source_node_id\\{consumer="0",topic="${topic}",partition="0"\\} 2$`, 'm'))
      expect(fetch.requests).toBeGreaterThan(0)
      await consumer.close()
      expect(client.metrics().consumers).toEqual([])
    } finally {
      await client.close()
    }
  })
})
