import { InvalidArgumentError } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { toStartOffset } from './direct-consumer.js'
import { Offset } from './offset.js'

describe('Offset', () => {
  it('builds StartOffset values', () => {
    expect(Offset.earliest()).toEqual({ kind: 'earliest' })
    expect(Offset.latest()).toEqual({ kind: 'latest' })
    expect(Offset.at(42)).toEqual({ kind: 'offset', offset: 42n })
    expect(Offset.at(42n, { leaderEpoch: 7 })).toEqual({ kind: 'offset', offset: 42n, leaderEpoch: 7 })
    expect(Offset.at(42n, { leaderEpoch: -1 })).toEqual({ kind: 'offset', offset: 42n })
    expect(Offset.atTimestamp(1_700_000_000_000)).toEqual({ kind: 'timestamp', timestamp: 1_700_000_000_000n })
    expect(Offset.atTimestamp(new Date(5))).toEqual({ kind: 'timestamp', timestamp: 5n })
    expect(Offset.atTimestamp(9n)).toEqual({ kind: 'timestamp', timestamp: 9n })
  })

  it('rejects what cannot be an offset', () => {
    expect(() => Offset.at(-1)).toThrow(/>= 0/)
    expect(() => Offset.at(1.5)).toThrow(/integer/)
    expect(() => Offset.atTimestamp(new Date(Number.NaN))).toThrow(/invalid time: .*got a Date \(invalid\)/)
    for (const bad of [() => Offset.at(-1), () => Offset.at(Number.NaN), () => Offset.at('7' as unknown as number)]) {
      try {
        bad()
        expect.unreachable()
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true)
        expect((error as InvalidArgumentError).field).toBe('offset')
      }
    }
    expect(() => Offset.relative(Offset.atTimestamp(1), 1)).toThrow(/timestamp/)
  })

  it('relative: moves exact offsets (keeping the epoch only backwards), and earliest/latest by a clamped delta', () => {
    expect(Offset.relative(Offset.at(100n, { leaderEpoch: 3 }), -10)).toEqual({ kind: 'offset', offset: 90n, leaderEpoch: 3 })
    expect(Offset.relative(Offset.at(100n, { leaderEpoch: 3 }), 10)).toEqual({ kind: 'offset', offset: 110n })
    expect(Offset.relative(5n, -10)).toEqual({ kind: 'offset', offset: 0n })
    expect(Offset.relative(Offset.latest(), -100)).toEqual({ kind: 'latest', delta: -100n })
    expect(Offset.relative(Offset.relative(Offset.earliest(), 5), -5)).toEqual({ kind: 'earliest' })
  })
})

describe('toStartOffset: admin offsets are used with no conversion by the caller', () => {
  it('ListOffsets results ({ offset, leaderEpoch, timestamp }) keep their epoch (validated with the leader)', () => {
    expect(toStartOffset({ offset: 42n, leaderEpoch: 3, timestamp: 1n })).toEqual({ kind: 'offset', offset: 42n, leaderEpoch: 3 })
  })

  it('committed offsets without an epoch (-1), and "nothing committed" (-1), which applies the reset policy', () => {
    expect(toStartOffset({ offset: 42n, leaderEpoch: -1, metadata: null })).toEqual({ kind: 'offset', offset: 42n })
    expect(toStartOffset({ offset: -1n, leaderEpoch: -1, metadata: '' })).toEqual({ kind: 'offset', offset: -1n })
  })

  it('hand-built StartOffsets pass through', () => {
    const start = Offset.at(1n, { leaderEpoch: 2 })
    expect(toStartOffset(start)).toBe(start)
  })
})
