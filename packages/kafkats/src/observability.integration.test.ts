import { clusterInfo } from '@kafkats/testkit'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  type FetchResponseMessage,
  Kafka,
  type ProduceBatchAckedMessage,
  type RequestEndMessage,
  diagnosticsChannelNames,
  subscribeDiagnostics,
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
  })
})
