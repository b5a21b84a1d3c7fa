/**
 * A trace of Fetch requests per broker during a consume run (`--trace-fetch`), and its summary:
 * how many fetches each broker had in flight over the timed window, the gap from a response to the
 * next request to the same broker, and the bytes per response. kafkats' child fills it from the
 * connection's `kafkats:request:start|end` diagnostics channels (no change to the library's
 * behaviour), franz-go's from a kgo `OnBrokerE2E` hook. No Kafka client is imported here.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { coverage, quantile } from './trace-intervals.js'

/** One Fetch request, times in ms on the child's own clock. */
export interface FetchTraceRequest {
  nodeId: number
  /** When the request was written (kafkats: about to be written; franz-go: the write began). */
  startMs: number
  /** When the response was in (kafkats: read and decoded; franz-go: read). */
  endMs: number
  responseBytes: number
}

/** What a traced child returns with its result: the requests and its timed window. */
export interface FetchTrace {
  windowStartMs: number
  windowEndMs: number
  requests: FetchTraceRequest[]
  /**
   * Time the process' threads were runnable but waited for a CPU over the window, summed over
   * threads (Linux /proc/self/task/<tid>/schedstat, second field): on the shared 2-core machine a
   * request can be answered while the client waits to be scheduled.
   */
  runQueueWaitMs?: number
  /** Node only: the event loop's utilisation over the window (performance.eventLoopUtilization). */
  eventLoopUtilization?: number
}

/** Sum over this process' threads of the run-queue wait so far, ms (0 where /proc is not Linux's). */
export function runQueueWaitMs(): number {
  let total = 0
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e6
      } catch {
        // the thread ended
      }
    }
  } catch {
    return 0
  }
  return total
}

export interface BrokerFetchSummary {
  nodeId: number
  /** Requests sent in the timed window. */
  requests: number
  /** Share of the window with at least one Fetch to this broker in flight. */
  busyShare: number
  /** Time-weighted mean of Fetches in flight to this broker, and the most at once. */
  meanInFlight: number
  maxInFlight: number
  /** Response bytes: median and mean (MiB) of the requests in the window. */
  medianResponseMiB: number
  meanResponseMiB: number
  /** Request → response, ms: median. */
  medianRoundTripMs: number
  /** Response → next request to the same broker, ms: median, 90th percentile, and their sum. */
  medianGapMs: number
  p90GapMs: number
  totalGapMs: number
}

export interface FetchTraceSummary {
  windowMs: number
  runQueueWaitMs?: number
  eventLoopUtilization?: number
  /** Share of the window with no Fetch in flight to any broker. */
  idleShare: number
  brokers: BrokerFetchSummary[]
}

export function summarizeFetchTrace(trace: FetchTrace): FetchTraceSummary {
  const from = trace.windowStartMs
  const to = trace.windowEndMs
  const byBroker = new Map<number, FetchTraceRequest[]>()
  for (const request of trace.requests) {
    const list = byBroker.get(request.nodeId) ?? []
    list.push(request)
    byBroker.set(request.nodeId, list)
  }
  const brokers: BrokerFetchSummary[] = []
  for (const [nodeId, all] of [...byBroker].sort((a, b) => a[0] - b[0])) {
    all.sort((a, b) => a.startMs - b.startMs)
    const inWindow = all.filter((r) => r.startMs >= from && r.startMs < to)
    const gaps: number[] = []
    for (let i = 0; i + 1 < all.length; i++) {
      const end = all[i]!.endMs
      const next = all[i + 1]!.startMs
      if (end >= from && end < to) gaps.push(Math.max(0, next - end))
    }
    const { busy, meanLevel, maxLevel } = coverage(
      all.map((r) => [r.startMs, r.endMs]),
      from,
      to,
    )
    const bytes = inWindow.map((r) => r.responseBytes / 1024 / 1024)
    brokers.push({
      nodeId,
      requests: inWindow.length,
      busyShare: busy,
      meanInFlight: meanLevel,
      maxInFlight: maxLevel,
      medianResponseMiB: quantile(bytes, 0.5),
      meanResponseMiB: bytes.length === 0 ? 0 : bytes.reduce((a, b) => a + b, 0) / bytes.length,
      medianRoundTripMs: quantile(
        inWindow.map((r) => r.endMs - r.startMs),
        0.5,
      ),
      medianGapMs: quantile(gaps, 0.5),
      p90GapMs: quantile(gaps, 0.9),
      totalGapMs: gaps.reduce((a, b) => a + b, 0),
    })
  }
  const any = coverage(
    trace.requests.map((r) => [r.startMs, r.endMs]),
    from,
    to,
  )
  return {
    windowMs: to - from,
    idleShare: 1 - any.busy,
    brokers,
    ...(trace.runQueueWaitMs !== undefined ? { runQueueWaitMs: trace.runQueueWaitMs } : {}),
    ...(trace.eventLoopUtilization !== undefined ? { eventLoopUtilization: trace.eventLoopUtilization } : {}),
  }
}

/** One line per broker, for the bench's log. */
export function formatFetchTrace(summary: FetchTraceSummary): string {
  const extra = [
    summary.runQueueWaitMs !== undefined ? `threads waited ${summary.runQueueWaitMs.toFixed(0)} ms for a CPU (run queue)` : '',
    summary.eventLoopUtilization !== undefined ? `event loop utilisation ${(summary.eventLoopUtilization * 100).toFixed(0)}%` : '',
  ].filter((part) => part !== '')
  const lines = [`  Fetch trace over ${summary.windowMs.toFixed(0)} ms: no Fetch in flight to any broker ${(summary.idleShare * 100).toFixed(0)}% of the window${extra.length > 0 ? `; ${extra.join(', ')}` : ''}`]
  for (const b of summary.brokers) {
    lines.push(
      `  broker ${b.nodeId}: ${b.requests} Fetches, in flight ${(b.busyShare * 100).toFixed(0)}% of the window (mean ${b.meanInFlight.toFixed(2)}, max ${b.maxInFlight}), response median ${b.medianResponseMiB.toFixed(2)} MiB (mean ${b.meanResponseMiB.toFixed(2)}), round trip median ${b.medianRoundTripMs.toFixed(1)} ms, gap to the next Fetch median ${b.medianGapMs.toFixed(1)} ms, p90 ${b.p90GapMs.toFixed(1)} ms, total ${b.totalGapMs.toFixed(0)} ms`,
    )
  }
  return lines.join('\n')
}
