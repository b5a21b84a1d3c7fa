import type { RequestLogEntry } from './broker-server.js'
import { FakeClusterError } from './fake-cluster-error.js'

/**
 * Default of `requestLogMaxBytes`. An entry holds the decoded request, and a decoded Produce
 * request holds views of the frame it arrived in, so keeping every decoded request kept every
 * byte ever produced alive, deleted topics included: one cluster shared by 100,000-record round
 * trips held ~11 MB more array buffers after each (apps/bench/results/fake-memory.md). Past the
 * bound the oldest entries lose their decoded request; the rest of each entry (broker, API,
 * version, client id, correlation id, time: ~150 bytes) stays, so the log still names every request.
 */
export const REQUEST_LOG_MAX_BYTES = 64 * 1024 * 1024

/** Below this many dropped entries at the front the arrays are not compacted (a splice per request would cost O(n)). */
const COMPACT_MIN = 1024

/**
 * The request log: every request, oldest first. The newest requests within `maxBytes` (their size
 * on the wire) keep their decoded `request`; older entries are replaced by copies without it
 * (`request: undefined`; an entry a caller already holds is not changed). Past `maxEntries` the
 * oldest entries are dropped altogether and counted.
 */
export class RequestLog {
  readonly maxEntries: number
  readonly maxBytes: number
  private log: RequestLogEntry[] = []
  private sizes: number[] = []
  /** Index of the oldest kept entry in `log` (dropped entries before it await compaction). */
  private head = 0
  /** Index of the oldest entry that still has its decoded request (>= head). */
  private withRequest = 0
  /** Wire size of the entries from `withRequest` on. */
  private bytes = 0
  /** Entries dropped to keep within `maxEntries` since the last `clear`. */
  dropped = 0

  constructor(maxEntries = Infinity, maxBytes = REQUEST_LOG_MAX_BYTES) {
    this.maxEntries = bound('requestLogMaxEntries', maxEntries)
    this.maxBytes = bound('requestLogMaxBytes', maxBytes)
  }

  /** Adds a request that took `sizeBytes` on the wire, then applies the bounds. */
  push(entry: RequestLogEntry, sizeBytes: number): void {
    if (this.maxEntries === 0) {
      this.dropped++
      return
    }
    this.log.push(entry)
    this.sizes.push(sizeBytes)
    this.bytes += sizeBytes
    // The newest entry keeps its request even if it alone is larger than maxBytes: a test can still read it.
    while (this.bytes > this.maxBytes && this.withRequest < this.log.length - 1) {
      this.bytes -= this.sizes[this.withRequest]!
      this.log[this.withRequest] = { ...this.log[this.withRequest]!, request: undefined }
      this.withRequest++
    }
    while (this.log.length - this.head > this.maxEntries) {
      if (this.withRequest === this.head) {
        this.bytes -= this.sizes[this.head]!
        this.withRequest++
      }
      this.log[this.head] = undefined as unknown as RequestLogEntry
      this.head++
      this.dropped++
    }
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.log.length) {
      this.log = this.log.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.withRequest -= this.head
      this.head = 0
    }
  }

  /** The kept entries, oldest first (a new array). */
  entries(): RequestLogEntry[] {
    return this.log.slice(this.head)
  }

  clear(): void {
    this.log = []
    this.sizes = []
    this.head = 0
    this.withRequest = 0
    this.bytes = 0
    this.dropped = 0
  }
}

function bound(name: string, value: unknown): number {
  if (value === Infinity) return value
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new FakeClusterError(`${name} must be an integer >= 0 or Infinity, got ${String(value)}`)
  }
  return value
}
