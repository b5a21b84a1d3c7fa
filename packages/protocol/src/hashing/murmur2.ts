import { InvalidArgumentError } from '../errors/invalid-argument-error.js'
import { writeUtf8 } from '../primitives/utf8.js'

/**
 * MurmurHash2 exactly as the Kafka Java client computes it (`Utils.murmur2`, seed 0x9747b28c), so
 * keyed records land on the same partition as with the Java client and librdkafka's
 * `murmur2_random` partitioner. Returns the signed 32-bit hash, as Java's `int`, of `data[start, end)`.
 */
export function murmur2(data: Uint8Array, start = 0, end = data?.length): number {
  // typeof/instanceof and integer checks only: a wrong value from plain JavaScript is a typed error, not a hash of garbage.
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('data', data, 'a Uint8Array')
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > data.length) {
    throw new InvalidArgumentError('start, end', [start, end], `integers with 0 <= start <= end <= ${data.length} (the array's length)`)
  }
  const m = 0x5bd1e995
  const length = end - start
  let h = 0x9747b28c ^ length
  const whole = start + (length & ~3)
  for (let i = start; i < whole; i += 4) {
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
 * The UTF-8 bytes of string keys are hashed here, not in an array of their own: a producer keyed
 * by strings then allocates nothing per record to partition it. Grown on demand, never shrunk.
 */
let utf8Scratch = new Uint8Array(256)

/** `murmur2` of a string's UTF-8 bytes (as `TextEncoder` writes them: lone surrogates as U+FFFD). */
export function murmur2Utf8(key: string): number {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string')
  if (key.length * 3 > utf8Scratch.length) utf8Scratch = new Uint8Array(Math.max(key.length * 3, utf8Scratch.length * 2))
  return murmur2(utf8Scratch, 0, writeUtf8(utf8Scratch, 0, key))
}

/**
 * The partition the Java client's default partitioner picks for a non-null key:
 * `toPositive(murmur2(key)) % numPartitions`; a string key is hashed as its UTF-8 bytes, as Java's
 * `StringSerializer` writes them.
 */
export function murmur2Partition(key: Uint8Array | string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`)
  }
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new InvalidArgumentError('key', key, 'a Uint8Array or a string')
  return toPositive(typeof key === 'string' ? murmur2Utf8(key) : murmur2(key)) % numPartitions
}
