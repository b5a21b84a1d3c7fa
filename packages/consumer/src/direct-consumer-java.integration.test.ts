// Interop: records produced by Kafka's own Java client (the reference implementation, from the
// testkit's jars) with every codec are consumed correctly by the direct consumer: keys, values,
// headers (including one with an empty value), order, offsets.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { setZstdImplementation, zstdImplementation } from '@kafkats/protocol'
import { clusterInfo, createTopic, javaProduce } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { type ConsumerRecord, headerString, keyString, valueString } from './consumer-record.js'
import { DirectConsumer } from './direct-consumer.js'
import { Offset } from './offset.js'

// zstd runs on node:zlib where the runtime has it (Node >= 22.15), else on the WebAssembly build;
// KAFKATS_ZSTD=wasm forces the WebAssembly build. Both must interoperate with the independent
// client: CI runs this file under Node 20 (npm test: WebAssembly); node-matrix runs the same
// decoding direction on node:zlib in producer-sink's interop test. The test name says which ran.
if (process.env.KAFKATS_ZSTD === 'wasm') setZstdImplementation('wasm')
/** The zstd implementation this run uses (the WebAssembly build loads on first use). */
const ZSTD = zstdImplementation() ?? 'wasm'

const cluster = clusterInfo()
const bootstrap = cluster.bootstrap.plaintext.join(',')
const pool = new ConnectionPool({ clientId: 'direct-java-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
afterAll(() => {
  metadata.close()
  pool.close()
})

const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
const PER_CODEC = 50

describe(`records produced by the Java client (zstd: ${ZSTD})`, () => {
  it('are consumed with every codec: keys, values and headers', async () => {
    const topic = `direct-java-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3, [{ partitionIndex: 0, brokerIds: [1, 2, 3] }])
    await javaProduce(
      bootstrap,
      topic,
      codecs.map((codec) => ({
        compression: codec,
        partition: 0,
        records: Array.from({ length: PER_CODEC }, (_, i) => ({
          key: `${codec}-key-${i}`,
          value: `${codec}-value-${i}-${'x'.repeat(i * 20)}`,
          headers: [
            ['codec', codec],
            ['empty', ''],
          ] as Array<[string, string]>,
        })),
      })),
    )
    const consumer = new DirectConsumer({ metadata, pool, rack: 'rack-2', assign: { [topic]: { 0: Offset.earliest() } } })
    try {
      const records: ConsumerRecord[] = []
      for await (const record of consumer.records({ signal: AbortSignal.timeout(60_000) })) {
        records.push(record)
        if (records.length === codecs.length * PER_CODEC) break
      }
      expect(records.map((record) => record.offset)).toEqual(Array.from({ length: codecs.length * PER_CODEC }, (_, i) => BigInt(i)))
      codecs.forEach((codec, c) => {
        for (let i = 0; i < PER_CODEC; i++) {
          const record = records[c * PER_CODEC + i]!
          expect(keyString(record)).toBe(`${codec}-key-${i}`)
          expect(valueString(record)).toBe(`${codec}-value-${i}-${'x'.repeat(i * 20)}`)
          expect(headerString(record, 'codec')).toBe(codec)
          expect(record.headers.map((header) => header.key)).toEqual(['codec', 'empty'])
          expect(headerString(record, 'empty')).toBe('')
          expect(record.timestamp).toBeGreaterThan(1_600_000_000_000n)
        }
      })
      expect(zstdImplementation()).toBe(ZSTD) // the implementation the test name promises decoded it
    } finally {
      await consumer.close()
    }
  })
})
