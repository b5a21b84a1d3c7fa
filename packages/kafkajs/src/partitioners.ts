import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { murmur2Partitioner } from 'kafkats'
import type { DefaultPartitioner, ICustomPartitioner, LegacyPartitioner, Message, PartitionerArgs } from './types.js'

/** KafkaJS's way of making a hash non-negative (a mask, not Math.abs). */
const toPositive = (x: number): number => x & 0x7fffffff

/** The bytes KafkaJS hashes: a Buffer as is, anything else as the UTF-8 of its string form. */
function keyBytes(key: NonNullable<Message['key']>): Buffer {
  return Buffer.isBuffer(key) ? key : Buffer.from(String(key))
}

/**
 * KafkaJS 1.x's murmur2, kept bit for bit so LegacyPartitioner places keys where KafkaJS 1.x
 * (and KafkaJS 2.x's LegacyPartitioner) did. It is not Java's murmur2: its multiplications are
 * JavaScript doubles (precision is lost above 2^53 before the 32-bit truncation) and its block
 * loop runs ceil(length / 4) times, hashing zero bytes past the end of the key.
 */
function legacyMurmur2(key: Buffer): number {
  const seed = 0x9747b28c
  const m = 0x5bd1e995
  const length = key.length
  const byteAt = (i: number): number => (i < length ? key[i]! & 0xff : 0)
  let h = seed ^ length
  for (let i = 0; i < length / 4; i++) {
    const at = i * 4
    let k = byteAt(at) + (byteAt(at + 1) << 8) + (byteAt(at + 2) << 16) + (byteAt(at + 3) << 24)
    k *= m
    k ^= k >>> 24
    k *= m
    h *= m
    h ^= k
  }
  const tail = length & ~3
  const rest = length % 4
  // Java's switch falls through from 3 to 1: each remaining byte is mixed in, then one multiply.
  if (rest >= 3) h ^= (key[tail + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (key[tail + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= key[tail]! & 0xff
    h *= m
  }
  h ^= h >>> 13
  h *= m
  h ^= h >>> 15
  return h
}

/** Java's murmur2 placement (toPositive(murmur2(key)) % partitions), from kafkats. */
function javaPartition(key: Buffer, partitionCount: number): number {
  return murmur2Partitioner({ topic: '', key, value: null }, partitionCount)
}

/**
 * KafkaJS's partitioning rule around a key hash: an explicit partition wins; a key picks by hash
 * over all partitions; no key goes round-robin over the partitions that have a leader, from a
 * random start per topic.
 */
function partitionerWith(partitionForKey: (key: Buffer, partitionCount: number) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>()
    const next = (topic: string): number => {
      const value = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1
      counters.set(topic, value)
      return toPositive(value)
    }
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      if (message.partition !== null && message.partition !== undefined) return message.partition
      const count = partitionMetadata.length
      if (message.key !== null && message.key !== undefined) return partitionForKey(keyBytes(message.key), count)
      const available = partitionMetadata.filter((p) => p.leader >= 0)
      if (available.length > 0) return available[next(topic) % available.length]!.partitionId
      return next(topic) % count
    }
  }
}

const defaultPartitioner: DefaultPartitioner = partitionerWith(javaPartition)
const legacyPartitioner: LegacyPartitioner = partitionerWith((key, count) => toPositive(legacyMurmur2(key)) % count)

export const Partitioners: {
  DefaultPartitioner: DefaultPartitioner
  LegacyPartitioner: LegacyPartitioner
  /** @deprecated KafkaJS's old name of DefaultPartitioner. */
  JavaCompatiblePartitioner: DefaultPartitioner
} = {
  DefaultPartitioner: defaultPartitioner,
  LegacyPartitioner: legacyPartitioner,
  JavaCompatiblePartitioner: defaultPartitioner,
}
