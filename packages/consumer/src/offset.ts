import type { StartOffset } from '@kafkats/fetch-planner'
import { InvalidArgumentError } from '@kafkats/protocol'

export type { StartOffset } from '@kafkats/fetch-planner'

function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(what, value, 'a bigint or a safe integer number')
  return BigInt(value)
}

/**
 * Where a partition starts, for `DirectConsumer` (`assign`, `addPartitions`, `seek`):
 *
 * ```ts
 * Offset.earliest()                          // the log start
 * Offset.latest()                            // the log end: only new records
 * Offset.at(42n)                             // exactly offset 42
 * Offset.at(42n, { leaderEpoch: 7 })         // ...validated with the leader first (KIP-320)
 * Offset.atTimestamp(new Date('2025-01-01')) // the first record at or after a time
 * Offset.relative(Offset.latest(), -100)     // the last 100 records
 * ```
 */
export const Offset = {
  earliest(): StartOffset {
    return { kind: 'earliest' }
  },

  latest(): StartOffset {
    return { kind: 'latest' }
  },

  /**
   * An exact offset. `leaderEpoch` (>= 0) is the leader epoch of the record before it, as a
   * committed offset or a ListOffsets answer carries it: the offset is then validated with the
   * partition leader before fetching (KIP-320), and log truncation is reported as data loss.
   */
  at(offset: bigint | number, options: { leaderEpoch?: number } = {}): StartOffset {
    const value = toBigInt(offset, 'offset')
    if (value < 0n) throw new InvalidArgumentError('offset', value, 'an offset >= 0')
    const epoch = options.leaderEpoch
    if (epoch !== undefined && !Number.isInteger(epoch)) throw new InvalidArgumentError('leaderEpoch', epoch, 'an integer')
    return epoch !== undefined && epoch >= 0 ? { kind: 'offset', offset: value, leaderEpoch: epoch } : { kind: 'offset', offset: value }
  },

  /** The first offset whose timestamp is at or after `time` (milliseconds since the epoch, or a Date); the log end when there is none. */
  atTimestamp(time: bigint | number | Date): StartOffset {
    const ms = time instanceof Date ? time.getTime() : time
    if (typeof ms === 'number' && Number.isNaN(ms)) throw new InvalidArgumentError('time', time, 'a valid Date or milliseconds since the epoch')
    const value = toBigInt(ms, 'timestamp')
    if (value < 0n) throw new InvalidArgumentError('time', value, 'a timestamp >= 0')
    return { kind: 'timestamp', timestamp: value }
  },

  /**
   * `delta` records after (or, negative, before) `offset`:
   * - an exact offset moves (never below 0); its leader epoch is kept only when moving back,
   *   since the epoch of a later record is unknown;
   * - `earliest`/`latest` move from the log start/end, clamped to the log
   *   (`Offset.relative(Offset.latest(), -100)`: the last 100 records);
   * - a timestamp cannot be moved by records (an error).
   */
  relative(offset: StartOffset | bigint | number, delta: bigint | number): StartOffset {
    const by = toBigInt(delta, 'delta')
    const base: StartOffset = typeof offset === 'object' ? offset : Offset.at(offset)
    switch (base.kind) {
      case 'offset': {
        const moved = base.offset + by
        const value = moved < 0n ? 0n : moved
        return by <= 0n && base.leaderEpoch !== undefined && base.leaderEpoch >= 0 ? { kind: 'offset', offset: value, leaderEpoch: base.leaderEpoch } : { kind: 'offset', offset: value }
      }
      case 'earliest':
      case 'latest': {
        const total = (base.delta ?? 0n) + by
        return total === 0n ? { kind: base.kind } : { kind: base.kind, delta: total }
      }
      case 'timestamp':
        throw new InvalidArgumentError('offset', base, 'an exact, earliest or latest offset (a timestamp offset cannot be moved by records)')
    }
  },
} as const
