// FakeCluster.start({ thread: true }): the brokers run in a worker thread; the same controls work
// across the thread boundary, and a client in this thread talks Kafka to them over TCP.
import { ErrorCode, ProduceApi, ZERO_UUID, encodeRecordBatchSync } from '@kafkats/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeCluster } from './fake-cluster.js'
import { FakeClusterError } from './fake-cluster-error.js'
import { RawClient } from './raw-client.test-data.js'

const clusters: FakeCluster[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const c of clusters.splice(0)) await c.close()
})

describe('FakeCluster in a worker thread', () => {
  it('serves produce requests from another thread, with the controls (createTopic, partition, injectError, requests, corruptBatch, kill, restart) working across it', async () => {
    const cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'], thread: true, topics: [{ name: 'pre', partitions: 2 }] })
    clusters.push(cluster)
    expect(cluster.topics()).toEqual(['pre'])
    cluster.createTopic('orders', { partitions: 1, replicationFactor: 3 })
    expect(cluster.partition('orders', 0)).toMatchObject({ leader: 1, replicas: [1, 2, 3], logEndOffset: 0n })
    const c = await RawClient.connect(cluster.bootstrap[0]!, 'threaded')
    clients.push(c)
    const records = encodeRecordBatchSync([{ value: new TextEncoder().encode('hello') }, { value: new TextEncoder().encode('world') }], { producerId: -1n, producerEpoch: -1, baseSequence: -1 })
    const produce = async () =>
      (await c.send(ProduceApi, 11, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'orders', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] })).responses[0]!.partitionResponses[0]!
    expect((await produce()).baseOffset).toBe(0n)
    expect(cluster.partition('orders', 0).logEndOffset).toBe(2n)
    cluster.injectError({ api: 'Produce', error: 'NOT_ENOUGH_REPLICAS', times: 1 })
    expect((await produce()).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect((await produce()).baseOffset).toBe(2n)
    expect(cluster.requestsOf('Produce', 1).map((r) => r.clientId)).toEqual(['threaded', 'threaded', 'threaded'])
    expect(cluster.corruptBatch({ topic: 'orders', partition: 0 }, 3)).toEqual({ baseOffset: 2, lastOffset: 3 })
    expect(() => cluster.corruptBatch({ topic: 'orders', partition: 0 }, 4)).toThrow(FakeClusterError)
    cluster.clearRequests()
    expect(cluster.requests).toEqual([])
    expect(cluster.requestsDropped).toBe(0)
    // Errors of a control come back as the typed error.
    expect(() => cluster.partition('nope', 0)).toThrow(FakeClusterError)
    expect(() => cluster.injectError({ api: 'Produce', error: 'NOT_ENOUGH_REPLICAS', match: () => true })).toThrow(FakeClusterError)
    // In-memory connections need the brokers in this thread: over TCP only, said so.
    expect(() => cluster.socketFactory).toThrow(/thread: true is reached over TCP/)
    await cluster.kill(1)
    expect(cluster.brokers.map((b) => b.alive)).toEqual([false, true, true])
    expect(cluster.partition('orders', 0)).toMatchObject({ leader: 2, leaderEpoch: 1 })
    await cluster.restart(1)
    expect(cluster.brokers.map((b) => b.alive)).toEqual([true, true, true])
    await cluster.close()
    expect(() => cluster.topics()).toThrow(FakeClusterError)
  })

  it('rejects bad options with the typed error, from the worker too', async () => {
    await expect(FakeCluster.start({ brokers: 0, thread: true })).rejects.toThrow(new FakeClusterError('brokers must be an integer from 1 to 100, got 0'))
    // Checked only where the cluster is built: the error crosses back from the worker.
    await expect(FakeCluster.start({ brokers: 1, thread: true, transactionVersion: 3 as 2 })).rejects.toThrow(new FakeClusterError('transactionVersion must be 1 or 2, got 3'))
  })
})
