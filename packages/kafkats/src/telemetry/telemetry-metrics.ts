import type { AttributeValue, OtlpMetric } from './otlp.js'

/*
 * The metrics a kafkats client can push (KIP-714), named the way the Java client names them:
 * `org.apache.kafka.` + the client type + the metric group without its `-metrics` suffix + the
 * metric name, dashes turned into dots (producer-metrics / record-send-total becomes
 * org.apache.kafka.producer.record.send.total). A broker-side subscription selects them by
 * prefix, so the same subscription serves Java and kafkats clients.
 */

/** One sampled value: a monotonic count (a Sum) or a level (a Gauge). */
export interface MetricSample {
  name: string
  description: string
  unit: string
  kind: 'counter' | 'gauge'
  attributes: Readonly<Record<string, AttributeValue>>
  value: number
}

/**
 * Which metric names the subscription asks for. KIP-714: an empty list asks for nothing, a list
 * holding the empty string asks for everything, anything else is a list of name prefixes. `*`
 * also means everything (it is what an operator writes in the `metrics` config of a client
 * metrics resource).
 */
export function metricSelector(requestedMetrics: readonly string[]): (name: string) => boolean {
  if (requestedMetrics.length === 0) return () => false
  if (requestedMetrics.some((prefix) => prefix === '' || prefix === '*')) return () => true
  return (name) => requestedMetrics.some((prefix) => name.startsWith(prefix))
}

/** The key a counter's previous value is kept under, for delta temporality. */
export function sampleKey(sample: Pick<MetricSample, 'name' | 'attributes'>): string {
  const attributes = Object.entries(sample.attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',')
  return `${sample.name}{${attributes}}`
}

export interface ToOtlpOptions {
  deltaTemporality: boolean
  nowUnixNano: bigint
  /** When the counters started counting (cumulative start time). */
  startUnixNano: bigint
  /** When the last successful push was made (delta start time). */
  lastPushUnixNano: bigint
  /** Counter values at the last successful push, by `sampleKey` (delta temporality). */
  previous: ReadonlyMap<string, number>
}

/**
 * Samples to OTLP metrics: one metric per name, one data point per attribute set. Counters are
 * Sums, cumulative since `startUnixNano` or, with delta temporality, the change since the last
 * push; gauges are Gauges.
 */
export function toOtlpMetrics(samples: readonly MetricSample[], options: ToOtlpOptions): OtlpMetric[] {
  const byName = new Map<string, OtlpMetric>()
  for (const sample of samples) {
    let metric = byName.get(sample.name)
    if (metric === undefined) {
      metric =
        sample.kind === 'counter'
          ? {
              kind: 'sum',
              name: sample.name,
              description: sample.description,
              unit: sample.unit,
              monotonic: true,
              temporality: options.deltaTemporality ? 1 : 2,
              points: [],
            }
          : { kind: 'gauge', name: sample.name, description: sample.description, unit: sample.unit, points: [] }
      byName.set(sample.name, metric)
    }
    if (sample.kind === 'counter') {
      const value = options.deltaTemporality ? sample.value - (options.previous.get(sampleKey(sample)) ?? 0) : sample.value
      metric.points.push({
        attributes: sample.attributes,
        startTimeUnixNano: options.deltaTemporality ? options.lastPushUnixNano : options.startUnixNano,
        timeUnixNano: options.nowUnixNano,
        value,
        isInteger: Number.isInteger(value),
      })
    } else {
      metric.points.push({ attributes: sample.attributes, startTimeUnixNano: 0n, timeUnixNano: options.nowUnixNano, value: sample.value, isInteger: false })
    }
  }
  return [...byName.values()]
}
