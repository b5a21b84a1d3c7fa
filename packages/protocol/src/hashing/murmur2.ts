/**
 * MurmurHash2 exactly as the Kafka Java client computes it (`Utils.murmur2`, seed 0x9747b28c), so
 * keyed records land on the same partition as with the Java client and librdkafka's
 * `murmur2_random` partitioner. Returns the signed 32-bit hash, as Java's `int`.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995
  const length = data.length
  let h = 0x9747b28c ^ length
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const tail = length & 3
  if (tail !== 0) {
    if (tail === 3) h ^= (data[whole + 2] as number) << 16
    if (tail >= 2) h ^= (data[whole + 1] as number) << 8
    h ^= data[whole] as number
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which differs for negative values). */
export function toPositive(hash: number): number {
  return hash & 0x7fffffff
}

/**
 * The partition the Java client's default partitioner picks for a non-null key:
 * `toPositive(murmur2(key)) % numPartitions`.
 */
export function murmur2Partition(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`)
  }
  return toPositive(murmur2(key)) % numPartitions
}
