import type { RequestLogEntry } from './broker-server.js'
import { FakeClusterError } from './fake-cluster-error.js'

/**
 * Defaults of the request log's bounds. An entry holds the decoded request, and a decoded Produce
 * request holds views of the frame it arrived in, so an unbounded log keeps every byte ever
 * produced alive, deleted topics included: one cluster shared by 100,000-record round trips held
 * ~11 MB more array buffers after each (apps/bench/results/fake-memory.md: 226 MB after 20
 * unbounded, 64-80 MB bounded). The oldest entries go first.
 */
export const REQUEST_LOG_MAX_ENTRIES = 100_000
export const REQUEST_LOG_MAX_BYTES = 64 * 1024 * 1024

/** Below this many dropped entries at the front the array is not compacted (a splice per request would cost O(n)). */
const COMPACT_MIN = 1024

/**
 * The request log: every request, oldest first, up to `maxEntries` entries and `maxBytes` of
 * requests (their size on the wire); past either bound the oldest entries are dropped and counted.
 */
export class RequestLog {
  readonly maxEntries: number
  readonly maxBytes: number
  private log: RequestLogEntry[] = []
  private sizes: number[] = []
  /** Index of the oldest kept entry in `log` (dropped entries before it await compaction). */
  private head = 0
  private bytes = 0
  /** Entries dropped to keep within the bounds since the last `clear`. */
  dropped = 0

  constructor(maxEntries = REQUEST_LOG_MAX_ENTRIES, maxBytes = REQUEST_LOG_MAX_BYTES) {
    this.maxEntries = bound('requestLogMaxEntries', maxEntries)
    this.maxBytes = bound('requestLogMaxBytes', maxBytes)
  }

  /** Adds a request that took `sizeBytes` on the wire, then drops the oldest past the bounds. */
  push(entry: RequestLogEntry, sizeBytes: number): void {
    if (this.maxEntries === 0) {
      this.dropped++
      return
    }
    this.log.push(entry)
    this.sizes.push(sizeBytes)
    this.bytes += sizeBytes
    // The newest entry stays even if it alone is larger than maxBytes: a test can still see it.
    while (this.log.length - this.head > this.maxEntries || (this.bytes > this.maxBytes && this.log.length - this.head > 1)) {
      this.bytes -= this.sizes[this.head]!
      this.log[this.head] = undefined as unknown as RequestLogEntry
      this.head++
      this.dropped++
    }
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.log.length) {
      this.log = this.log.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
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
