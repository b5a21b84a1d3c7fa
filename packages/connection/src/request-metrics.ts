/**
 * Request counters of one broker address, kept by the connection pool and updated by its
 * connections at the end of every request: a few additions and one bucket search per request,
 * cheap enough to be always on (`kafka.metrics()` reads them).
 */

/** Upper bounds (inclusive, milliseconds) of the latency histogram buckets; a last bucket counts the rest. */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000]

/** The request rate is measured over the current and the previous window of this length. */
const RATE_WINDOW_MS = 30_000

/** One API's requests to one broker. */
export interface ApiRequestMetrics {
  apiKey: number
  /** Kafka's name for the API: `Produce`, `Fetch`, ... */
  apiName: string
  /** Requests that ended (answered or failed). */
  requests: number
  /** Requests that failed without a response (connection lost, timed out, undecodable). */
  errors: number
  requestBytes: number
  responseBytes: number
  latencyAvgMs: number
  latencyMaxMs: number
  /**
   * Requests per latency bucket: `latencyHistogramCounts[i]` counts latencies up to
   * `LATENCY_BUCKET_BOUNDS_MS[i]` (and above the bound before it); the last entry counts the rest.
   */
  latencyHistogramCounts: number[]
}

/** One broker's requests, over every connection (all purposes) the pool opened to it. */
export interface BrokerRequestMetrics {
  /** -1 while the cluster metadata has not named the address (bootstrap). */
  nodeId: number
  /** `host:port` as the cluster metadata (or the bootstrap list) gives it. */
  address: string
  requests: number
  errors: number
  requestBytes: number
  responseBytes: number
  /** Requests that ended per second, over the last 30 to 60 seconds. */
  requestRatePerSecond: number
  latencyAvgMs: number
  latencyMaxMs: number
  /** Requests written and not yet answered, now. */
  inFlightRequests: number
  /** Open connections to the broker, now. */
  connections: number
  byApi: ApiRequestMetrics[]
}

interface ApiCounters {
  apiName: string
  requests: number
  errors: number
  requestBytes: number
  responseBytes: number
  latencySumMs: number
  latencyMaxMs: number
  histogram: number[]
}

/** The counters behind one `BrokerRequestMetrics` (the live parts, node id and in-flight requests, come from the pool). */
export class RequestCounters {
  /** Indexed by API key (Kafka's keys are small integers). */
  private readonly apis: Array<ApiCounters | undefined> = []
  private windowStartMs = performance.now()
  private windowRequests = 0
  private previousWindowRequests = 0
  private hasPreviousWindow = false

  /** One request ended, `durationMs` after it was written. */
  record(apiKey: number, apiName: string, durationMs: number, requestBytes: number, responseBytes: number, failed: boolean, nowMs: number): void {
    let api = this.apis[apiKey]
    if (api === undefined) {
      api = { apiName, requests: 0, errors: 0, requestBytes: 0, responseBytes: 0, latencySumMs: 0, latencyMaxMs: 0, histogram: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0) }
      this.apis[apiKey] = api
    }
    api.requests++
    if (failed) api.errors++
    api.requestBytes += requestBytes
    api.responseBytes += responseBytes
    api.latencySumMs += durationMs
    if (durationMs > api.latencyMaxMs) api.latencyMaxMs = durationMs
    let bucket = 0
    while (bucket < LATENCY_BUCKET_BOUNDS_MS.length && durationMs > LATENCY_BUCKET_BOUNDS_MS[bucket]!) bucket++
    api.histogram[bucket]!++
    this.roll(nowMs)
    this.windowRequests++
  }

  /** A snapshot; `nodeId`, `address`, `inFlightRequests` and `connections` are the pool's. */
  snapshot(nodeId: number, address: string, inFlightRequests: number, connections: number, nowMs: number): BrokerRequestMetrics {
    this.roll(nowMs)
    const byApi: ApiRequestMetrics[] = []
    let requests = 0
    let errors = 0
    let requestBytes = 0
    let responseBytes = 0
    let latencySumMs = 0
    let latencyMaxMs = 0
    for (const [apiKey, api] of this.apis.entries()) {
      if (api === undefined) continue
      requests += api.requests
      errors += api.errors
      requestBytes += api.requestBytes
      responseBytes += api.responseBytes
      latencySumMs += api.latencySumMs
      latencyMaxMs = Math.max(latencyMaxMs, api.latencyMaxMs)
      byApi.push({
        apiKey,
        apiName: api.apiName,
        requests: api.requests,
        errors: api.errors,
        requestBytes: api.requestBytes,
        responseBytes: api.responseBytes,
        latencyAvgMs: api.requests === 0 ? 0 : api.latencySumMs / api.requests,
        latencyMaxMs: api.latencyMaxMs,
        latencyHistogramCounts: [...api.histogram],
      })
    }
    const elapsedMs = nowMs - this.windowStartMs + (this.hasPreviousWindow ? RATE_WINDOW_MS : 0)
    const windowed = this.windowRequests + this.previousWindowRequests
    return {
      nodeId,
      address,
      requests,
      errors,
      requestBytes,
      responseBytes,
      // Under a second of history gives wild rates: report per elapsed second from 1 s on.
      requestRatePerSecond: windowed / Math.max(1, elapsedMs / 1000),
      latencyAvgMs: requests === 0 ? 0 : latencySumMs / requests,
      latencyMaxMs,
      inFlightRequests,
      connections,
      byApi,
    }
  }

  private roll(nowMs: number): void {
    const elapsed = nowMs - this.windowStartMs
    if (elapsed < RATE_WINDOW_MS) return
    if (elapsed < 2 * RATE_WINDOW_MS) {
      this.previousWindowRequests = this.windowRequests
      this.windowStartMs += RATE_WINDOW_MS
    } else {
      // Idle for more than a whole window: nothing recent to count.
      this.previousWindowRequests = 0
      this.windowStartMs = nowMs
    }
    this.hasPreviousWindow = true
    this.windowRequests = 0
  }
}
