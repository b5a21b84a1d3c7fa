import type { MetricSample } from './telemetry-metrics.js'

/** What the metrics read from a consumer: both consumer kinds have these. */
export interface MeasuredConsumer {
  brokerCounters(): ReadonlyMap<number, { requests: number; bytes: number; records: number }>
  assignment?(): readonly unknown[]
}

/** What the metrics read from a producer: its own progress counters (`producer.metrics()`). */
export interface MeasuredProducer {
  metrics(): { recordsAcknowledged: number; recordsFailed: number }
}

/**
 * The metrics one `Kafka` instance pushes with KIP-714, sampled from the producers and consumers
 * it created: producer records from each producer's own progress counters (every send form —
 * `send`, its callback form, `trySend`, `sendBatch` — lands there, and nothing is wrapped, so a
 * send costs nothing extra), consumer fetches from the fetch planner's per-broker counters. A
 * closed client stays in the sums, so every counter only grows.
 */
export class ClientMetrics {
  private readonly consumers = new Set<MeasuredConsumer>()
  private readonly producers = new Set<MeasuredProducer>()

  addConsumer(consumer: MeasuredConsumer): void {
    this.consumers.add(consumer)
  }

  addProducer(producer: MeasuredProducer): void {
    this.producers.add(producer)
  }

  /** The current values, in Java's names (see telemetry-metrics.ts). Producer metrics only once a producer exists, consumer metrics likewise. */
  sample(): MetricSample[] {
    const samples: MetricSample[] = []
    if (this.producers.size > 0) {
      let acknowledged = 0
      let failed = 0
      for (const producer of this.producers) {
        const progress = producer.metrics()
        acknowledged += progress.recordsAcknowledged
        failed += progress.recordsFailed
      }
      samples.push(
        counter('org.apache.kafka.producer.record.send.total', 'Records the brokers acknowledged.', '{record}', acknowledged),
        counter('org.apache.kafka.producer.record.error.total', 'Records whose send failed.', '{record}', failed),
      )
    }
    if (this.consumers.size > 0) {
      let requests = 0
      let bytes = 0
      let records = 0
      let assigned = 0
      for (const consumer of this.consumers) {
        for (const counters of consumer.brokerCounters().values()) {
          requests += counters.requests
          bytes += counters.bytes
          records += counters.records
        }
        assigned += consumer.assignment?.().length ?? 0
      }
      samples.push(
        counter('org.apache.kafka.consumer.fetch.manager.fetch.total', 'Fetch requests sent.', '{request}', requests),
        counter('org.apache.kafka.consumer.fetch.manager.bytes.consumed.total', 'Record bytes fetched.', 'By', bytes),
        counter('org.apache.kafka.consumer.fetch.manager.records.consumed.total', 'Records handed to the application.', '{record}', records),
        { name: 'org.apache.kafka.consumer.coordinator.assigned.partitions', description: 'Partitions assigned to the consumers now.', unit: '{partition}', kind: 'gauge', attributes: {}, value: assigned },
      )
    }
    return samples
  }
}

function counter(name: string, description: string, unit: string, value: number, attributes: Record<string, string> = {}): MetricSample {
  return { name, description, unit, kind: 'counter', attributes, value }
}
