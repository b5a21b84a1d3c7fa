import { afterAll, describe, expect, it } from 'vitest'
import { loadCompressionCodec } from '../compression/codecs.js'
import { DecodeError } from '../errors/decode-error.js'
import { KafkaError } from '../errors/kafka-error.js'
import { Reader } from '../primitives/reader.js'
import { AllocationGuard, FUZZ_ITERATIONS, FUZZ_SEED, type Target, type TargetStats, encodeUvarint, fuzzTarget, summarize } from './harness.js'
import { apiTargets, otherTargets } from './targets.js'

/*
 * Decoder fuzzing: every top-level decoder of @kafkats/protocol gets KAFKATS_FUZZ_ITERATIONS
 * (default 100,000) random and mutated inputs, seeded by KAFKATS_FUZZ_SEED (fixed by default,
 * so CI is reproducible; set another seed to explore). See harness.ts for what counts as a failure.
 *
 *   KAFKATS_FUZZ_SEED=123 KAFKATS_FUZZ_ITERATIONS=1000000 npx vitest run src/fuzz
 */

await loadCompressionCodec('zstd')

const targets: Target[] = [...apiTargets(), ...otherTargets()]
const stats: TargetStats[] = []

describe(`decoder fuzz (seed ${FUZZ_SEED}, ${FUZZ_ITERATIONS} inputs per decoder)`, () => {
  afterAll(() => {
    if (stats.length > 0) console.log(summarize(stats))
  })

  it('covers every API request and response, the headers, consumer protocol, record batches and codecs', () => {
    expect(targets.length).toBe(154 + 2 + 2 + 3 + 7)
  })

  for (const target of targets) {
    it(target.name, async () => {
      // let vitest's worker talk to the main process between long synchronous runs
      await new Promise((resolve) => setImmediate(resolve))
      const result = fuzzTarget(target)
      stats.push(result)
      expect(result.ms, `${target.name}: ${result.inputs} inputs took ${result.ms.toFixed(0)} ms`).toBeLessThanOrEqual(result.budgetMs)
    })
  }
})

describe('huge lengths and counts fail fast, before any allocation', () => {
  const guard = new AllocationGuard()
  /** Decodes with the allocation guard on; returns the error (or undefined), the time and the largest allocation. */
  function probe(decode: () => unknown): { error: unknown; ms: number; largest: number } {
    guard.install()
    guard.reset()
    guard.active = true
    const t0 = performance.now()
    let error: unknown
    try {
      decode()
    } catch (caught) {
      error = caught
    } finally {
      guard.active = false
      guard.uninstall()
    }
    return { error, ms: performance.now() - t0, largest: guard.largest }
  }

  it('Reader: counts and lengths of 2^31-1 (int32) and 2^32-1 (5-byte varint) with a few bytes left', () => {
    const cases: [string, number[], (reader: Reader) => unknown][] = [
      ['arrayLength 0x7fffffff', [0x7f, 0xff, 0xff, 0xff, 0, 0, 0], (r) => r.arrayLength()],
      ['bytes 0x7fffffff', [0x7f, 0xff, 0xff, 0xff, 1, 2, 3], (r) => r.bytes()],
      ['string 0x7fff', [0x7f, 0xff, 0x61, 0x62], (r) => r.string()],
      ['compactArrayLength 2^32-2', [...encodeUvarint(0xffffffff), 0, 0], (r) => r.compactArrayLength()],
      ['compactArrayLength 2^31-1', [...encodeUvarint(0x7fffffff), 0, 0], (r) => r.compactArrayLength()],
      ['compactBytes 2^32-2', [...encodeUvarint(0xffffffff), 1, 2], (r) => r.compactBytes()],
      ['compactString 2^31', [...encodeUvarint(0x80000000), 0x61], (r) => r.compactString()],
      ['skipTaggedFields 2^32-1 fields', [...encodeUvarint(0xffffffff), 0, 0], (r) => r.skipTaggedFields()],
      ['skipTaggedFields field of 2^32-1 bytes', [1, 0, ...encodeUvarint(0xffffffff), 0], (r) => r.skipTaggedFields()],
      ['uvarint over 32 bits', [0xff, 0xff, 0xff, 0xff, 0x1f], (r) => r.uvarint()],
      ['uvarint of 6 bytes', [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (r) => r.uvarint()],
    ]
    for (const [what, bytes, read] of cases) {
      const reader = new Reader(new Uint8Array(bytes))
      const { error, ms, largest } = probe(() => read(reader))
      expect(DecodeError.isInstance(error), `${what}: ${String(error)}`).toBe(true)
      expect(largest, what).toBe(0)
      expect(ms, what).toBeLessThan(50)
    }
  })

  it('every length and count field of every seed, set huge, fails with a typed error, fast and without a large allocation', () => {
    let checked = 0
    for (const target of targets) {
      for (const seed of target.seeds) {
        for (const field of seed.fields) {
          for (const huge of hugeEncodings(field.kind)) {
            const input = withField(seed.bytes, field.offset, field.kind, huge)
            target.fixup?.(input)
            target.setUp?.()
            const { error, ms, largest } = probe(() => target.decode(input, seed.param))
            target.tearDown?.()
            const where = `${target.name}, param ${seed.param}, ${field.kind} at ${field.offset}: ${Buffer.from(input).toString('hex')}`
            if (error !== undefined) expect(KafkaError.isInstance(error), `${where}: ${String(error)}`).toBe(true)
            else expect(field.isLength, `${where}: a huge length decoded without error`).toBe(false)
            expect(largest, where).toBeLessThanOrEqual(target.allocationLimit(input.length, seed.param))
            expect(ms, where).toBeLessThan(250)
            checked++
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000)
  })
})

/** Big-endian/little-endian ints and varints for "huge": 2^31-1, 2^32-1 (or -1), 2^31, as 5-byte varints too. */
function hugeEncodings(kind: 'int16' | 'int32' | 'int32le' | 'uvarint' | 'varint'): number[][] {
  switch (kind) {
    case 'int16':
      return [[0x7f, 0xff], [0x7f, 0xfe]]
    case 'int32':
      return [[0x7f, 0xff, 0xff, 0xff], [0x40, 0, 0, 0]]
    case 'int32le':
      return [[0xff, 0xff, 0xff, 0x7f], [0, 0, 0, 0x40]]
    case 'uvarint':
      return [encodeUvarint(0xffffffff), encodeUvarint(0x7fffffff), encodeUvarint(0x80000000)]
    case 'varint':
      // zigzag: 2^31-1 and 2^30
      return [encodeUvarint(0xfffffffe), encodeUvarint(0x80000000)]
  }
}

/** `bytes` with the field at `offset` replaced by `encoded` (a varint may change size). */
function withField(bytes: Uint8Array, offset: number, kind: string, encoded: number[]): Uint8Array {
  let oldSize = kind === 'int16' ? 2 : kind.startsWith('int32') ? 4 : 0
  if (oldSize === 0) {
    oldSize = 1
    while (((bytes[offset + oldSize - 1] as number) & 0x80) !== 0 && oldSize < 10) oldSize++
  }
  const out = new Uint8Array(bytes.length - oldSize + encoded.length)
  out.set(bytes.subarray(0, offset))
  out.set(encoded, offset)
  out.set(bytes.subarray(offset + oldSize), offset + encoded.length)
  return out
}
