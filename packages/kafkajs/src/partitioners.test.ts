import { createRequire } from 'node:module'
import type { PartitionMetadata, Partitioners as KafkaJSPartitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { Partitioners } from './index.js'

const kafkajs = createRequire(import.meta.url)('kafkajs') as { Partitioners: typeof KafkaJSPartitioners }

/** Deterministic keys: ASCII and multi-byte strings and raw bytes of every length 0..64 (a seeded LCG, so a failure reproduces). */
function keys(count: number): Array<string | Buffer> {
  let seed = 0x2545f491
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed
  }
  const out: Array<string | Buffer> = []
  for (let i = 0; i < count; i++) {
    const length = next() % 65
    const kind = i % 3
    if (kind === 0) out.push(Array.from({ length }, () => String.fromCharCode(32 + (next() % 95))).join(''))
    else if (kind === 1) out.push(Array.from({ length: length % 20 }, () => String.fromCodePoint(0x80 + (next() % 0x3000))).join(''))
    else out.push(Buffer.from(Array.from({ length }, () => next() & 0xff)))
  }
  return out
}

const metadata = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: leaderless.includes(partitionId) ? -1 : 1, replicas: [1], isr: [1] }))

describe('Partitioners', () => {
  const sample = keys(10_000)

  for (const name of ['DefaultPartitioner', 'LegacyPartitioner'] as const) {
    it(`${name} places 10,000 keys on the partition KafkaJS 2.2.4's ${name} picks`, () => {
      const ours = Partitioners[name]()
      const theirs = kafkajs.Partitioners[name]()
      let differences = 0
      const used = new Set<number>()
      for (const [i, key] of sample.entries()) {
        const partitionMetadata = metadata([1, 3, 6, 7, 12, 50, 1000][i % 7]!)
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } }
        const expected = theirs(args)
        used.add(expected)
        if (ours(args) !== expected) differences++
      }
      expect(differences).toBe(0)
      // The sample really spreads (a constant answer would also agree with itself).
      expect(used.size).toBeGreaterThan(500)
    })
  }

  it('the default and legacy hashes differ (LegacyPartitioner is not Java murmur2)', () => {
    const def = Partitioners.DefaultPartitioner()
    const legacy = Partitioners.LegacyPartitioner()
    const partitionMetadata = metadata(1000)
    const differing = sample.filter((key) => def({ topic: 't', partitionMetadata, message: { key, value: null } }) !== legacy({ topic: 't', partitionMetadata, message: { key, value: null } }))
    expect(differing.length).toBeGreaterThan(5000)
  })

  it('an explicit partition wins; keyless messages go round-robin over partitions with a leader', () => {
    const partitioner = Partitioners.DefaultPartitioner()
    const partitionMetadata = metadata(4, [1])
    expect(partitioner({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 3 } })).toBe(3)
    const picks = Array.from({ length: 9 }, () => partitioner({ topic: 't', partitionMetadata, message: { value: 'v' } }))
    expect(picks).not.toContain(1)
    // Consecutive picks cycle through 0, 2, 3 in order.
    const cycle = [0, 2, 3]
    for (let i = 1; i < picks.length; i++) expect(picks[i]).toBe(cycle[(cycle.indexOf(picks[i - 1]!) + 1) % 3])
  })
})
