import { describe, expect, it } from 'vitest'
import type { RequestLogEntry } from './broker-server.js'
import { FakeClusterError } from './fake-cluster-error.js'
import { RequestLog } from './request-log.js'

const entry = (correlationId: number): RequestLogEntry => ({ broker: 1, api: 'Produce', apiKey: 0, version: 11, clientId: 'c', correlationId, request: { id: correlationId }, receivedAtMs: 0 })

/**
 * Pushes requests of the given wire sizes (correlation ids 0, 1, ...) and returns the ids kept,
 * written `3` with its decoded request and `-3` without (`-0` is written `'-0'`), and the count dropped.
 */
function run(log: RequestLog, sizes: number[]): { kept: Array<number | string>; dropped: number } {
  sizes.forEach((size, i) => log.push(entry(i), size))
  return { kept: log.entries().map((e) => (e.request !== undefined ? e.correlationId : e.correlationId === 0 ? '-0' : -e.correlationId)), dropped: log.dropped }
}

describe('RequestLog', () => {
  it.each([
    // maxEntries, maxBytes, sizes pushed, ids kept (negative: request released), dropped
    [Infinity, Infinity, [10, 10, 10], [0, 1, 2], 0],
    [2, Infinity, [10, 10, 10], [1, 2], 1],
    [0, Infinity, [10, 10, 10], [], 3],
    [Infinity, 25, [10, 10, 10], ['-0', 1, 2], 0],
    [Infinity, 25, [10, 10, 30], ['-0', -1, 2], 0], // the newest keeps its request even when larger than maxBytes alone
    [Infinity, 0, [10, 10], ['-0', 1], 0],
    [3, 100, [40, 40, 40, 30], [-1, 2, 3], 1], // both bounds: entry 0 dropped, entry 1 released
    [2, 100, [1, 1, 1, 1], [2, 3], 2],
    [2, 1, [1, 1, 1, 1], [-2, 3], 2], // a dropped entry that had been released does not count twice
  ])('maxEntries %s, maxBytes %s, sizes %j: keeps %j, drops %s', (maxEntries, maxBytes, sizes, kept, dropped) => {
    expect(run(new RequestLog(maxEntries, maxBytes), sizes)).toEqual({ kept, dropped })
  })

  it('releases a request by replacing the entry: an entry a caller already holds keeps its request', () => {
    const log = new RequestLog(Infinity, 10)
    log.push(entry(0), 10)
    const [held] = log.entries()
    log.push(entry(1), 10)
    expect(held!.request).toEqual({ id: 0 })
    expect(log.entries().map((e) => e.request)).toEqual([undefined, { id: 1 }])
    expect(log.entries()[0]).toEqual({ ...held, request: undefined })
  })

  it('keeps the newest entries in order across many drops and releases (compaction), and clear resets the count', () => {
    const log = new RequestLog(1000, 100)
    const { kept, dropped } = run(log, Array.from({ length: 10_000 }, () => 1))
    expect(kept).toEqual(Array.from({ length: 1000 }, (_, i) => (i < 900 ? -(9000 + i) : 9000 + i)))
    expect(dropped).toBe(9000)
    const snapshot = log.entries()
    log.push(entry(10_000), 1)
    expect(snapshot).toHaveLength(1000) // a snapshot: later requests do not change it
    log.clear()
    expect(log.entries()).toEqual([])
    expect(log.dropped).toBe(0)
    expect(run(log, [1]).kept).toEqual([0])
  })

  it.each([[-1], [1.5], [Number.NaN], ['10'], [null]])('refuses the bound %j with a FakeClusterError naming the option', (bad) => {
    expect(() => new RequestLog(bad as number, 1)).toThrow(new FakeClusterError(`requestLogMaxEntries must be an integer >= 0 or Infinity, got ${String(bad)}`))
    expect(() => new RequestLog(1, bad as number)).toThrow(new FakeClusterError(`requestLogMaxBytes must be an integer >= 0 or Infinity, got ${String(bad)}`))
  })
})
