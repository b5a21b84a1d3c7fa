// Faults a real broker cannot produce on demand (a stale metadata answer, a broker that vanishes
// from under the client) are played by the in-process fake broker; everything else about
// ClusterMetadata is tested against the real cluster in cluster-metadata.integration.test.ts.
import { ConnectionPool } from '@kafkats/connection'
import {
  ConfigError,
  MetadataApi,
  type MetadataResponse,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
} from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { ClusterMetadata, type ClusterMetadataOptions } from './cluster-metadata.js'
import type { LeaderChangedEvent, PartitionsAddedEvent } from './events.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fakeBroker(): Promise<FakeBroker> {
  const broker = await FakeBroker.start()
  cleanups.push(() => broker.close())
  return broker
}

function setup(bootstrap: string[]): ClusterMetadata {
  const pool = new ConnectionPool({ clientId: 'metadata-unit', requestTimeoutMs: 2_000, reconnectBackoffMs: 10 })
  const metadata = new ClusterMetadata({ bootstrapBrokers: bootstrap, pool, refreshMinIntervalMs: 0 })
  cleanups.push(() => {
    metadata.close()
    pool.close()
  })
  return metadata
}

function answer(
  brokers: Array<{ nodeId: number; broker: FakeBroker }>,
  partitions: Array<{ leader: number; epoch: number; replicas?: number[] }>,
): MetadataResponse {
  return createMetadataResponse({
    clusterId: 'fake-cluster',
    controllerId: brokers[0]!.nodeId,
    brokers: brokers.map(({ nodeId, broker }) =>
      createMetadataResponseBroker({ nodeId, host: broker.host, port: broker.port, rack: `rack-${nodeId}` }),
    ),
    topics: [
      createMetadataResponseTopic({
        name: 'orders',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        partitions: partitions.map(({ leader, epoch, replicas }, index) =>
          createMetadataResponsePartition({
            partitionIndex: index,
            leaderId: leader,
            leaderEpoch: epoch,
            replicaNodes: replicas ?? [1, 2, 3],
            isrNodes: replicas ?? [1, 2, 3],
          }),
        ),
      }),
    ],
  })
}

describe('ClusterMetadata', () => {
  it('never moves a partition back to an older leader epoch on a stale answer', async () => {
    const broker = await fakeBroker()
    const brokers = [{ nodeId: 1, broker }]
    const answers = [
      answer(brokers, [{ leader: 1, epoch: 5 }]),
      answer(brokers, [{ leader: 2, epoch: 3 }]), // a broker lagging behind
      answer(brokers, [{ leader: 3, epoch: 6 }]),
    ]
    broker.on(MetadataApi, (_request, context) => answers[Math.min(context.count, answers.length) - 1]!)
    const metadata = setup([broker.address])
    const events: LeaderChangedEvent[] = []
    metadata.on('leaderChanged', (event) => events.push(event))

    await metadata.addTopics(['orders'])
    expect(metadata.partition('orders', 0)).toMatchObject({ leader: 1, leaderEpoch: 5 })
    await metadata.refresh()
    expect(metadata.partition('orders', 0)).toMatchObject({ leader: 1, leaderEpoch: 5 })
    expect(events).toEqual([])
    await metadata.refresh()
    expect(metadata.partition('orders', 0)).toMatchObject({ leader: 3, leaderEpoch: 6 })
    expect(events).toEqual([
      { topic: 'orders', partition: 0, previousLeader: 1, leader: 3, previousLeaderEpoch: 5, leaderEpoch: 6 },
    ])
  })

  it('shares one Metadata request among concurrent refreshes', async () => {
    const broker = await fakeBroker()
    broker.on(MetadataApi, async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return answer([{ nodeId: 1, broker }], [{ leader: 1, epoch: 0 }])
    })
    const metadata = setup([broker.address])
    await Promise.all(Array.from({ length: 25 }, () => metadata.refresh()))
    const metadataRequests = broker.received.filter((request) => request.apiKey === MetadataApi.apiKey)
    expect(metadataRequests.length).toBeGreaterThanOrEqual(1)
    expect(metadataRequests.length).toBeLessThanOrEqual(2)
  })

  it('goes back to the bootstrap list when every known broker is gone (re-bootstrap)', async () => {
    const bootstrap = await fakeBroker()
    const known = await fakeBroker()
    // The bootstrap broker advertises only `known` as the cluster's broker.
    bootstrap.on(MetadataApi, () => answer([{ nodeId: 7, broker: known }], [{ leader: 7, epoch: 1 }]))
    known.on(MetadataApi, () => answer([{ nodeId: 7, broker: known }], [{ leader: 7, epoch: 1 }]))
    const metadata = setup([bootstrap.address])
    await metadata.refresh()
    expect([...metadata.snapshot.brokers.keys()]).toEqual([7])
    await metadata.refresh()
    expect(known.received.some((request) => request.apiKey === MetadataApi.apiKey)).toBe(true)

    await known.close()
    const before = bootstrap.received.length
    await metadata.refresh()
    expect(bootstrap.received.length).toBeGreaterThan(before)
  })

  it('emits partitionsAdded, brokerAdded and brokerRemoved', async () => {
    const broker = await fakeBroker()
    const other = await fakeBroker()
    const answers = [
      answer([{ nodeId: 1, broker }], [{ leader: 1, epoch: 0 }]),
      answer(
        [
          { nodeId: 1, broker },
          { nodeId: 2, broker: other },
        ],
        [
          { leader: 1, epoch: 0 },
          { leader: 2, epoch: 0 },
        ],
      ),
      answer([{ nodeId: 1, broker }], [{ leader: 1, epoch: 0 }, { leader: 1, epoch: 1 }]),
    ]
    broker.on(MetadataApi, (_request, context) => answers[Math.min(context.count, answers.length) - 1]!)
    other.on(MetadataApi, () => answers[1]!)
    const metadata = setup([broker.address])
    const added: PartitionsAddedEvent[] = []
    const brokersAdded: number[] = []
    const brokersRemoved: number[] = []
    metadata.on('partitionsAdded', (event) => added.push(event))
    metadata.on('brokerAdded', (event) => brokersAdded.push(event.nodeId))
    metadata.on('brokerRemoved', (event) => brokersRemoved.push(event.nodeId))
    await metadata.addTopics(['orders'])
    await metadata.refresh()
    expect(added).toEqual([{ topic: 'orders', previousCount: 1, count: 2 }])
    expect(brokersAdded).toEqual([2])
    // The next refresh goes round-robin to broker 2 or 1; either answers with broker 2 removed eventually.
    other.on(MetadataApi, () => answers[2]!)
    await metadata.refresh()
    expect(brokersRemoved).toEqual([2])
    expect(metadata.leaderFor('orders', 1)?.nodeId).toBe(1)
  })
})

describe('new ClusterMetadata() options', () => {
  const pool = new ConnectionPool({ clientId: 'metadata-options' })
  /** The ConfigError the constructor throws for `options` (typed loosely, as plain JavaScript passes them). */
  function configError(options: Record<string, unknown>): ConfigError {
    try {
      new ClusterMetadata({ bootstrapBrokers: ['127.0.0.1:9092'], pool, ...options } as ClusterMetadataOptions).close()
    } catch (error) {
      if (ConfigError.isInstance(error)) return error
      throw error
    }
    throw new Error(`accepted ${JSON.stringify(options)}`)
  }

  it.each([
    [{ bootstrapBrokers: 5 }, 'bootstrapBrokers', '5'],
    [{ bootstrapBrokers: [] }, 'bootstrapBrokers', 'at least one'],
    [{ bootstrapBrokers: ['kafka-1'] }, 'bootstrapBrokers', '"kafka-1"'],
    [{ pool: {} }, 'pool', 'ConnectionPool'],
    [{ refreshMinIntervalMs: -1 }, 'refreshMinIntervalMs', '-1'],
    [{ metadataMaxAgeMs: 0 }, 'metadataMaxAgeMs', '0'],
    [{ metadataMaxAgeMs: '300000' }, 'metadataMaxAgeMs', '"300000"'],
    [{ allowAutoTopicCreation: 'yes' }, 'allowAutoTopicCreation', '"yes"'],
    [{ logger: 'debug' }, 'logger', 'debug'],
    [{ refreshMinIntervalMS: 5 }, 'refreshMinIntervalMS', 'did you mean refreshMinIntervalMs?'],
  ])('refuses %j with a ConfigError naming %s', (options, option, shown) => {
    const error = configError(options)
    expect(error.option).toBe(option)
    expect(error.message).toContain(shown)
  })

  it('accepts good options, console as the logger', () => {
    new ClusterMetadata({ bootstrapBrokers: ['[::1]:9092'], pool, metadataMaxAgeMs: 1, refreshMinIntervalMs: 0, allowAutoTopicCreation: true, logger: console as never }).close()
  })
})
