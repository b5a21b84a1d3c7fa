import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { GroupConsumer } from '../group-consumer.js'
import { createTopic, produceValues } from './test-support.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'group-smoke' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
afterAll(() => {
  metadata.close()
  pool.close()
})
const logger = {
  child: () => logger,
  debug: () => {},
  info: (f: object, m: string) => console.log('INFO', m, JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? v.toString() : v))),
  warn: (f: object, m: string) => console.log('WARN', m, JSON.stringify(f)),
  error: (f: object, m: string) => console.log('ERROR', m, JSON.stringify(f)),
}

describe('smoke', () => {
  for (const protocol of ['classic', 'consumer'] as const) {
    it(`one member reads everything (${protocol})`, async () => {
      const topic = `group-smoke-${protocol}-${Date.now()}`
      await createTopic(metadata, pool, topic, 3, 3)
      await produceValues(metadata, pool, topic, 1000)
      const groupId = `g-${topic}`
      const group = new GroupConsumer({ metadata, pool, groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false, groupProtocol: protocol, logger, heartbeatIntervalMs: 500, sessionTimeoutMs: 6000 })
      const seen: string[] = []
      const t0 = Date.now()
      for await (const batch of group) {
        for (const r of batch.records) seen.push(new TextDecoder().decode(r.value!))
        await group.commit(batch)
        if (seen.length >= 1000) break
      }
      console.log('read 1000 in', Date.now() - t0)
      await group.close()
      expect(new Set(seen).size).toBe(1000)
    })
  }
})
