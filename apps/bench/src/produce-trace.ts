/**
 * A trace of Produce requests per broker during a produce run (`--trace-produce`), and its
 * summary: how many Produce requests each broker got over the timed window, how big they were
 * (bytes, records, record batches), how many were in flight at once and their round trips. Both
 * clients report the same two things, so their rows compare directly:
 * - every Produce request: broker, written → answered, request bytes. kafkats: the connection's
 *   `kafkats:request:start|end` diagnostics channels; franz-go: a kgo `OnBrokerE2E` hook.
 * - every record batch sent the first time: broker, records, bytes. kafkats: the producer's
 *   `kafkats:produce:batch-sent` channel; franz-go: a kgo `OnProduceBatchWritten` hook (called
 *   when the batch is acknowledged).
 * Neither client ties a batch to its request in these events, so records and batches per request
 * are the broker's totals divided by its request count (means); request bytes have percentiles.
 * Subscribing changes neither client's behaviour. No Kafka client is imported here.
 */
import { coverage, quantile } from './trace-intervals.js'

/** One Produce request, times in ms on the child's own clock. */
export interface ProduceTraceRequest {
  nodeId: number
  /** When the request was written (kafkats: about to be written; franz-go: the write began). */
  startMs: number
  /** When the response was in. */
  endMs: number
  /** The whole request frame. */
  requestBytes: number
}

/** One record batch of one partition, counted once (not its retries). */
export interface ProduceTraceBatch {
  nodeId: number
  /** kafkats: when it was put in a request; franz-go: when it was acknowledged. */
  atMs: number
  records: number
  bytes: number
}

/** What a traced child returns with its result. */
export interface ProduceTrace {
  windowStartMs: number
  windowEndMs: number
  requests: ProduceTraceRequest[]
  batches: ProduceTraceBatch[]
}

export interface BrokerProduceSummary {
  nodeId: number
  /** Requests written in the timed window. */
  requests: number
  /** Request bytes (KiB): mean, median, 10th and 90th percentile. */
  meanRequestKiB: number
  medianRequestKiB: number
  p10RequestKiB: number
  p90RequestKiB: number
  /** Records and batches in the window ÷ requests in the window. */
  recordsPerRequest: number
  batchesPerRequest: number
  /** Records per batch: median. */
  medianRecordsPerBatch: number
  /** Time-weighted mean of requests in flight to this broker over the window, and the most at once. */
  meanInFlight: number
  maxInFlight: number
  /** Share of the window with no Produce request in flight to this broker. */
  idleShare: number
  /** Written → answered, ms. */
  medianRoundTripMs: number
  p90RoundTripMs: number
}

export interface ProduceTraceSummary {
  windowMs: number
  brokers: BrokerProduceSummary[]
}

export function summarizeProduceTrace(trace: ProduceTrace): ProduceTraceSummary {
  const from = trace.windowStartMs
  const to = trace.windowEndMs
  const nodes = [...new Set(trace.requests.map((r) => r.nodeId))].sort((a, b) => a - b)
  const brokers: BrokerProduceSummary[] = []
  for (const nodeId of nodes) {
    const all = trace.requests.filter((r) => r.nodeId === nodeId)
    const inWindow = all.filter((r) => r.startMs >= from && r.startMs < to)
    const batches = trace.batches.filter((b) => b.nodeId === nodeId && b.atMs >= from && b.atMs < to)
    const kib = inWindow.map((r) => r.requestBytes / 1024)
    const roundTrips = inWindow.map((r) => r.endMs - r.startMs)
    const level = coverage(
      all.map((r) => [r.startMs, r.endMs]),
      from,
      to,
    )
    const requests = inWindow.length
    brokers.push({
      nodeId,
      requests,
      meanRequestKiB: requests === 0 ? 0 : kib.reduce((a, b) => a + b, 0) / requests,
      medianRequestKiB: quantile(kib, 0.5),
      p10RequestKiB: quantile(kib, 0.1),
      p90RequestKiB: quantile(kib, 0.9),
      recordsPerRequest: requests === 0 ? 0 : batches.reduce((a, b) => a + b.records, 0) / requests,
      batchesPerRequest: requests === 0 ? 0 : batches.length / requests,
      medianRecordsPerBatch: quantile(
        batches.map((b) => b.records),
        0.5,
      ),
      meanInFlight: level.meanLevel,
      maxInFlight: level.maxLevel,
      idleShare: 1 - level.busy,
      medianRoundTripMs: quantile(roundTrips, 0.5),
      p90RoundTripMs: quantile(roundTrips, 0.9),
    })
  }
  return { windowMs: to - from, brokers }
}

/** One line per broker, for the bench's log. */
export function formatProduceTrace(summary: ProduceTraceSummary): string {
  const total = summary.brokers.reduce((a, b) => a + b.requests, 0)
  const lines = [`  Produce trace over ${summary.windowMs.toFixed(0)} ms: ${total} Produce requests`]
  for (const b of summary.brokers) {
    lines.push(
      `  broker ${b.nodeId}: ${b.requests} requests, ${b.recordsPerRequest.toFixed(0)} records and ${b.batchesPerRequest.toFixed(2)} batches per request (median ${b.medianRecordsPerBatch} records per batch), request KiB mean ${b.meanRequestKiB.toFixed(0)} (p10 ${b.p10RequestKiB.toFixed(0)}, median ${b.medianRequestKiB.toFixed(0)}, p90 ${b.p90RequestKiB.toFixed(0)}), in flight mean ${b.meanInFlight.toFixed(2)} (max ${b.maxInFlight}, none ${(b.idleShare * 100).toFixed(0)}% of the window), round trip median ${b.medianRoundTripMs.toFixed(1)} ms (p90 ${b.p90RoundTripMs.toFixed(1)})`,
    )
  }
  return lines.join('\n')
}
