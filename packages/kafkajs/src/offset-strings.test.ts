import { describe, expect, it } from 'vitest'
import { OffsetStrings } from './offset-strings.js'

describe('OffsetStrings', () => {
  it('gives String(offset) for consecutive offsets across thousands, digit counts and the split limit', () => {
    const starts = [0n, 990n, 9_990n, 99_990n, 999_990n, 1_234_567n, 99_999_999_990n, 999_999_999_990n, 9_999_999_999_990n]
    for (const start of starts) {
      const strings = new OffsetStrings()
      for (let offset = start; offset < start + 2_020n; offset++) expect(strings.of(offset)).toBe(String(offset))
    }
  })

  it('gives String(offset) for gaps (compacted topics), going back (a seek) and a reused instance', () => {
    const strings = new OffsetStrings()
    const offsets = [5_000n, 5_999n, 7_001n, 1_000_000n, 1_000_999n, 4_000n, 4_001n, 0n, 999n, 1_000n, 1_001n, 123_456_789_012n, 1_000_001n]
    for (const offset of offsets) expect(strings.of(offset)).toBe(String(offset))
    // Seeded pseudo-random offsets up to 2^53 (a failure reproduces).
    let seed = 0x2545f491
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      const offset = BigInt(seed) * BigInt(1 + (i % 2_097_151))
      expect(strings.of(offset)).toBe(String(offset))
    }
  })

  it('ofNumber gives String(offset) too, for the same offsets as numbers (as the decoder passes them)', () => {
    const strings = new OffsetStrings()
    for (const start of [0, 990, 999_990, 1_234_567, 999_999_999_990, 9_007_199_254_738_000]) {
      for (let offset = start; offset < start + 2_020; offset++) expect(strings.ofNumber(offset)).toBe(String(offset))
    }
    for (const offset of [5_000, 4_001, 0, 1_000, -1, -1_001]) expect(strings.ofNumber(offset)).toBe(String(offset))
  })

  it('converts offsets beyond 2^53 and negative ones exactly', () => {
    const strings = new OffsetStrings()
    for (const offset of [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -2n, -1_001n, -(2n ** 63n)]) {
      expect(strings.of(offset)).toBe(String(offset))
    }
  })
})
