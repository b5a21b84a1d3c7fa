import { describe, expect, it } from 'vitest'
import type { RequestLogEntry } from './broker-server.js'
import { FakeClusterError } from './fake-cluster-error.js'
import { RequestLog } from './request-log.js'

const entry = (correlationId: number): RequestLogEntry => ({ broker: 1, api: 'Produce', apiKey: 0, version: 11, clientId: 'c', correlationId, request: {}, receivedAtMs: 0 })

/** Pushes requests of the given sizes (correlation ids 0, 1, ...) and returns the ids kept and the count dropped. */
function run(log: RequestLog, sizes: number[]): { kept: number[]; dropped: number } {
  sizes.forEach((size, i) => log.push(entry(i), size))
  return { kept: log.entries().map((e) => e.correlationId), dropped: log.dropped }
}

describe('RequestLog', () => {
  it.each([
    // maxEntries, maxBytes, sizes pushed, ids kept, dropped
    [Infinity, Infinity, [10, 10, 10], [0, 1, 2], 0],
    [2, Infinity, [10, 10, 10], [1, 2], 1],
    [0, Infinity, [10, 10, 10], [], 3],
    [Infinity, 25, [10, 10, 10], [1, 2], 1],
    [Infinity, 25, [10, 10, 30], [2], 2], // the newest stays even when larger than maxBytes alone
    [Infinity, 0, [10, 10], [1], 1],
    [3, 100, [40, 40, 40, 30], [2, 3], 2], // bytes bind first
    [2, 100, [1, 1, 1, 1], [2, 3], 2], // entries bind first
  ])('maxEntries %s, maxBytes %s, sizes %j: keeps %j, drops %s', (maxEntries, maxBytes, sizes, kept, dropped) => {
    expect(run(new RequestLog(maxEntries, maxBytes), sizes)).toEqual({ kept, dropped })
  })

  it('keeps the newest entries in order across many drops (compaction), and clear resets the count', () => {
    const log = new RequestLog(1000, Infinity)
    const { kept, dropped } = run(log, Array.from({ length: 10_000 }, () => 1))
    expect(kept).toEqual(Array.from({ length: 1000 }, (_, i) => 9000 + i))
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
