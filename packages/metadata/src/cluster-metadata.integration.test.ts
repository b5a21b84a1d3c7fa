import { ConnectionPool } from '@kafkats/connection'
import { CreateAclsApi, KafkaProtocolError } from '@kafkats/protocol'
import { type FaultProxy, clusterInfo, createTopic, killNode, startFaultProxy, startNode } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterMetadata } from './cluster-metadata.js'
import type { LeaderChangedEvent } from './events.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'metadata-test', requestTimeoutMs: 10_000 })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool, refreshMinIntervalMs: 50 })
afterAll(() => {
  metadata.close()
  pool.close()
})

const topic = `metadata-test-${Date.now()}`
beforeAll(async () => {
  await createTopic(metadata, pool, topic, 3, 3)
})

describe('ClusterMetadata against the real cluster', () => {
  it('knows the 3 brokers and their racks', async () => {
    const snapshot = await metadata.refresh()
    expect([...snapshot.brokers.values()].map((broker) => [broker.nodeId, broker.rack]).sort()).toEqual([
      [1, 'rack-1'],
      [2, 'rack-2'],
      [3, 'rack-3'],
    ])
    expect(snapshot.clusterId).not.toBeNull()
    expect([1, 2, 3]).toContain(snapshot.controllerId)
  })

  it('reports an unknown topic with a typed error', async () => {
    const error = await metadata.addTopics([`does-not-exist-${Date.now()}`]).catch((caught: unknown) => caught)
    expect(KafkaProtocolError.isInstance(error)).toBe(true)
    expect((error as KafkaProtocolError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('reports a topic the principal may not describe as TOPIC_AUTHORIZATION_FAILED', async () => {
    const secret = `metadata-secret-${Date.now()}`
    await createTopic(metadata, pool, secret, 1, 1)
    const alice = cluster.saslUsers.scram256.find((user) => user.username === 'alice')!
    // PLAINTEXT clients are the super user ANONYMOUS in the test cluster, so this may create ACLs.
    const snapshot = await metadata.refresh()
    const admin = await pool.get([...snapshot.brokers.values()][0]!.address, 'admin')
    const created = await admin.request(
      CreateAclsApi,
      CreateAclsApi.createRequest({
        creations: [
          {
            resourceType: 2, // TOPIC
            resourceName: secret,
            resourcePatternType: 3, // LITERAL
            principal: `User:${alice.username}`,
            host: '*',
            operation: 2, // ALL
            permissionType: 2, // DENY
          },
        ],
      }),
    )
    expect(created.results.map((result) => result.errorCode)).toEqual([0])

    const alicePool = new ConnectionPool({
      clientId: 'metadata-test-alice',
      sasl: { mechanism: 'SCRAM-SHA-256', username: alice.username, password: alice.password },
    })
    const aliceMetadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.saslPlaintext, pool: alicePool })
    try {
      // ACLs reach every broker through the metadata log within moments.
      let error: unknown
      for (let attempt = 0; attempt < 50; attempt++) {
        error = await aliceMetadata.addTopics([secret]).then(
          () => undefined,
          (caught: unknown) => caught,
        )
        // Until the topic and the ACL have reached the broker alice asks, it may say "unknown".
        if (KafkaProtocolError.isInstance(error) && error.errorName === 'TOPIC_AUTHORIZATION_FAILED') break
        aliceMetadata.removeTopics([secret])
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(KafkaProtocolError.isInstance(error)).toBe(true)
      expect((error as KafkaProtocolError).errorName).toBe('TOPIC_AUTHORIZATION_FAILED')
      expect((error as KafkaProtocolError).retriable).toBe(false)
      // The same principal still sees topics it may describe.
      await expect(aliceMetadata.addTopics([topic])).resolves.toHaveLength(1)
    } finally {
      aliceMetadata.close()
      alicePool.close()
    }
  })

  it('coalesces concurrent refreshes into at most two requests', async () => {
    // Every connection goes through a counting proxy, so the test counts the requests that
    // reached a broker.
    const proxies = new Map<string, FaultProxy>()
    for (const address of cluster.bootstrap.plaintext) proxies.set(address, await startFaultProxy({ target: address }))
    const countingPool = new ConnectionPool({ clientId: 'metadata-coalesce', requestTimeoutMs: 10_000, mapAddress: (address) => proxies.get(address)?.address ?? address })
    const counted = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool: countingPool, refreshMinIntervalMs: 0 })
    const requests = (): number => [...proxies.values()].reduce((sum, proxy) => sum + proxy.stats.requests, 0)
    try {
      // Refreshes go round-robin over the brokers: open a connection to each first, so that the
      // count below holds Metadata requests only (a new connection adds its ApiVersions).
      for (let i = 0; i < 2 * cluster.bootstrap.plaintext.length; i++) await counted.refresh()
      const before = requests()
      const results = await Promise.all(Array.from({ length: 20 }, () => counted.refresh()))
      const burst = requests() - before
      expect(burst).toBeGreaterThanOrEqual(1)
      expect(burst).toBeLessThanOrEqual(2)
      expect(new Set(results).size).toBeLessThanOrEqual(burst)
      // Control: the counter sees each refresh that is not coalesced.
      await counted.refresh()
      await counted.refresh()
      expect(requests() - before - burst).toBe(2)
    } finally {
      counted.close()
      countingPool.close()
      for (const proxy of proxies.values()) await proxy.close()
    }
  })

  it('moves a partition to a new leader with a higher epoch when its leader dies, and sees the node return', async () => {
    const info = await metadata.waitForTopic(topic, 30_000)
    expect(info.partitions).toHaveLength(3)
    const before = info.partitions[0]!
    expect(before.replicas).toHaveLength(3)
    expect(before.leaderEpoch).toBeGreaterThanOrEqual(0)
    const events: LeaderChangedEvent[] = []
    metadata.on('leaderChanged', (event) => events.push(event))

    await killNode(before.leader)
    try {
      const deadline = Date.now() + 60_000
      let after = metadata.partition(topic, 0)!
      while (Date.now() < deadline) {
        await metadata.refresh().catch(() => undefined)
        after = metadata.partition(topic, 0)!
        if (after.leader !== before.leader && after.leader >= 0) break
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      expect(after.leader).not.toBe(before.leader)
      expect(after.leader).toBeGreaterThanOrEqual(0)
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch)
      expect(events.some((event) => event.topic === topic && event.partition === 0 && event.leader === after.leader)).toBe(true)
    } finally {
      await startNode(before.leader)
    }
    // The restarted node registers again and rejoins the ISR.
    const deadline = Date.now() + 90_000
    let back = false
    while (Date.now() < deadline && !back) {
      await metadata.refresh().catch(() => undefined)
      back = metadata.snapshot.brokers.has(before.leader) && metadata.partition(topic, 0)!.isr.includes(before.leader)
      if (!back) await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(back).toBe(true)
  })
})
