// Consumers with a `recordShape` on the real cluster: the records handed out are the objects the
// shape made in the decoder, the records below a start offset in the middle of a batch are still
// left out (through `offsetOf`), zstd batches are shaped too, and a group consumer commits and
// resumes as with its own records.
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { KafkaError, type RecordHeader, type RecordShape } from '@kafkats/protocol'
import { clusterInfo, createTopic, produceRecords, text, values } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DirectConsumer } from './direct-consumer.js'
import { GroupConsumer } from './group-consumer.js'
import { Offset } from './offset.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'record-shape-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
const TOPIC = `record-shape-${Date.now()}`

/** A shape of the test's own: the offset as a string (as KafkaJS hands it out), the value as text. */
interface Line {
  at: string
  from: string
  value: string | null
  headerCount: number
}
const made: Line[] = []
const lines: RecordShape<Line> = {
  make(topic: string, partition: number, offset: bigint, _timestamp: bigint, _key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[]): Line {
    const line = { at: String(offset), from: `${topic}/${partition}`, value: text(value), headerCount: headers.length }
    made.push(line)
    return line
  },
  offsetOf: (line) => BigInt(line.at),
}

beforeAll(async () => {
  await createTopic(metadata, pool, TOPIC, 1, 3)
  // offsets 0-99 in a zstd batch, 100-199 in a plain one
  await produceRecords(metadata, pool, TOPIC, 0, values(100, 'z'), { compression: 'zstd' })
  await produceRecords(metadata, pool, TOPIC, 0, values(100, 'p'))
})

afterAll(() => {
  metadata.close()
  pool.close()
})

const expected = (from: number, to: number): Line[] =>
  Array.from({ length: to - from }, (_, i) => {
    const offset = from + i
    return { at: String(offset), from: `${TOPIC}/0`, value: offset < 100 ? `z-${offset}` : `p-${offset - 100}`, headerCount: 0 }
  })

describe('recordShape', () => {
  it('a direct consumer started in the middle of a zstd batch hands out the shape\'s objects from that offset on', async () => {
    made.length = 0
    const consumer = new DirectConsumer({ metadata, pool, fetchMaxWaitMs: 100, recordShape: lines, assign: { [TOPIC]: { 0: Offset.at(50) } } })
    const got: Line[] = []
    try {
      for await (const batch of consumer.batches({ signal: AbortSignal.timeout(30_000) })) {
        got.push(...batch.records)
        if (got.length >= 150) break
      }
    } finally {
      await consumer.close()
    }
    expect(got).toEqual(expected(50, 200))
    // the very objects `make` returned, not copies
    for (const line of got) expect(made).toContain(line)
    // `make` saw the records below the start offset too (the batch starts at 0); they were left out
    expect(made.some((line) => line.at === '10')).toBe(true)
  })

  it('a group consumer with a shape commits the batches it handed out and a second one resumes after them', async () => {
    const groupId = `record-shape-group-${Date.now()}`
    const first = new GroupConsumer({ metadata, pool, groupId, topics: [TOPIC], autoCommit: false, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, recordShape: lines })
    const seen: Line[] = []
    try {
      for await (const batch of first.batches({ signal: AbortSignal.timeout(60_000) })) {
        seen.push(...batch.records)
        await first.commit(batch)
        if (seen.length >= 100) break
      }
    } finally {
      await first.close()
    }
    expect(seen.slice(0, 100)).toEqual(expected(0, 100))
    const committedTo = Number(seen[seen.length - 1]!.at) + 1
    await produceRecords(metadata, pool, TOPIC, 0, values(10, 'late'))
    const second = new GroupConsumer({ metadata, pool, groupId, topics: [TOPIC], autoCommit: false, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, recordShape: lines })
    const resumed: Line[] = []
    try {
      for await (const batch of second.batches({ signal: AbortSignal.timeout(60_000) })) {
        resumed.push(...batch.records)
        if (resumed.length >= 210 - committedTo) break
      }
    } finally {
      await second.close()
    }
    expect(resumed.map((line) => line.at)).toEqual(Array.from({ length: 210 - committedTo }, (_, i) => String(committedTo + i)))
    expect(resumed.at(-1)!.value).toBe('late-9')
  })

  it('a make that throws stops its partition with an error naming the shape, not corrupt data', async () => {
    const failing: RecordShape<Line> = {
      make(topic, partition, offset, timestamp, key, value, headers, leaderEpoch) {
        if (offset === 150n) throw new Error('no line for offset 150')
        return lines.make(topic, partition, offset, timestamp, key, value, headers, leaderEpoch)
      },
      offsetOf: lines.offsetOf,
    }
    const group = new GroupConsumer({ metadata, pool, groupId: `record-shape-failing-${Date.now()}`, topics: [TOPIC], autoCommit: false, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, recordShape: failing })
    const got: Line[] = []
    let thrown: unknown
    try {
      for await (const batch of group.batches({ signal: AbortSignal.timeout(60_000) })) got.push(...batch.records)
    } catch (error) {
      thrown = error
    } finally {
      await group.close()
    }
    // Every record before the batch holding offset 150 (100-199) is handed out before the error, also
    // when both batches came in one answer (as Java's consumer returns the records before a bad batch).
    expect(got.map((line) => line.at)).toEqual(expected(0, 100).map((line) => line.at))
    expect(KafkaError.isInstance(thrown)).toBe(true)
    expect((thrown as KafkaError).message).toBe(`recordShape.make or recordShape.offsetOf threw for ${TOPIC}-0: no line for offset 150`)
    expect((thrown as KafkaError).errorName).not.toBe('CORRUPT_MESSAGE')
    expect((thrown as KafkaError).retriable).toBe(false)
  })

  it('a recordShape that is not { make, offsetOf } is a ConfigError naming it', () => {
    expect(() => new DirectConsumer({ metadata, pool, recordShape: { make: () => 1 } as unknown as RecordShape<number>, assign: { [TOPIC]: { 0: Offset.earliest() } } })).toThrow(/recordShape/)
  })
})
