// Interop with Kafka's own Java client (kafka-clients from the testkit's jars, the reference
// implementation): what we produce it reads, what it produces (with every codec) our record-batch
// decoder reads, and its default partitioner (murmur2) agrees with ours on 1,000 keys.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { murmur2Partition, setZstdImplementation, zstdImplementation } from '@kafkats/protocol'
import { clusterInfo, createTopic, javaConsume, javaProduce, readPartition } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { Producer } from './producer.js'

// zstd runs on node:zlib where the runtime has it (Node >= 22.15), else on the WebAssembly build;
// KAFKATS_ZSTD=wasm forces the WebAssembly build. Both must interoperate with the independent
// client: CI runs this file under Node 20 (npm test: WebAssembly) and Node 22 (node-matrix:
// node:zlib), and the test names say which ran.
if (process.env.KAFKATS_ZSTD === 'wasm') setZstdImplementation('wasm')
/** The zstd implementation this run uses (the WebAssembly build loads on first use). */
const ZSTD = zstdImplementation() ?? 'wasm'

const cluster = clusterInfo()
const bootstrap = cluster.bootstrap.plaintext.join(',')
const pool = new ConnectionPool({ clientId: 'interop-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
afterAll(() => {
  metadata.close()
  pool.close()
})

const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

describe(`interop with the Java client (zstd: ${ZSTD})`, () => {
  it('the Java consumer reads what kafkats produced, with every codec', async () => {
    const topic = `interop-to-java-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3)
    for (const compression of codecs) {
      const producer = new Producer({ metadata, pool, compression })
      await producer.sendBatch(
        Array.from({ length: 20 }, (_, i) => ({
          topic,
          key: `${compression}-key-${i}`,
          value: `${compression}-value-${i}-${'z'.repeat(i * 10)}`,
          headers: { codec: compression, index: String(i) },
        })),
      )
      await producer.close()
    }
    const messages = await javaConsume(bootstrap, topic, 0, 100)
    expect(messages).toHaveLength(100)
    let i = 0
    for (const compression of codecs) {
      for (let n = 0; n < 20; n++, i++) {
        expect(messages[i]).toMatchObject({
          offset: i,
          key: `${compression}-key-${n}`,
          value: `${compression}-value-${n}-${'z'.repeat(n * 10)}`,
          headers: [
            ['codec', compression],
            ['index', String(n)],
          ],
        })
      }
    }
  })

  it('kafkats decodes what the Java producer produced, with every codec', async () => {
    const topic = `interop-from-java-${Date.now()}`
    await createTopic(metadata, pool, topic, 1, 3)
    await javaProduce(
      bootstrap,
      topic,
      codecs.map((compression) => ({
        compression,
        partition: 0,
        records: Array.from({ length: 50 }, (_, i) => ({
          key: `${compression}-k${i}`,
          value: `${compression}-v${i}-${'y'.repeat(i * 7)}`,
          headers: [['codec', compression]] as Array<[string, string]>,
        })),
      })),
    )
    const log = await readPartition(metadata, pool, topic, 0)
    expect(log).toHaveLength(250)
    let i = 0
    for (const compression of codecs) {
      for (let n = 0; n < 50; n++, i++) {
        expect(log[i]).toEqual({
          offset: BigInt(i),
          key: `${compression}-k${n}`,
          value: `${compression}-v${n}-${'y'.repeat(n * 7)}`,
          headers: [{ key: 'codec', value: compression }],
        })
      }
    }
    expect(zstdImplementation()).toBe(ZSTD) // the implementation the test name promises decoded it
  })

  it('puts keyed records on the same partition as the Java client (its default partitioner)', async () => {
    const topic = `interop-partitioner-${Date.now()}`
    await createTopic(metadata, pool, topic, 7, 1)
    const keys = Array.from({ length: 1000 }, (_, i) => `user-${i * 7919}-${'é'.repeat(i % 3)}`)
    const javaAcks = await javaProduce(bootstrap, topic, [{ compression: 'none', records: keys.map((key) => ({ key, value: 'v' })) }])
    const javaPartition = new Map<string, number>()
    for (let partition = 0; partition < 7; partition++) {
      for (const record of await readPartition(metadata, pool, topic, partition)) javaPartition.set(record.key!, partition)
    }
    expect(javaPartition.size).toBe(1000)
    // the log agrees with the Java producer's own acknowledgements
    expect(keys.map((key) => javaPartition.get(key))).toEqual(javaAcks.map((ack) => ack.partition))
    // all 7 partitions are used, so the comparison below is not a trivial one
    expect(new Set(javaPartition.values()).size).toBe(7)
    for (const key of keys) expect(murmur2Partition(new TextEncoder().encode(key), 7), key).toBe(javaPartition.get(key))
    // and the producer's default partitioner makes the same choice
    const producer = new Producer({ metadata, pool })
    const acks = await producer.sendBatch(keys.map((key) => ({ topic, key, value: 'w' })))
    await producer.close()
    expect(acks.map((ack) => ack.partition)).toEqual(keys.map((key) => javaPartition.get(key)))
  })
})
