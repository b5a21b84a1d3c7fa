import type { ProducerRecord, RecordMetadata } from '@kafkats/producer-sink'
import type { MetricSample } from './telemetry-metrics.js'

/** What the metrics read from a consumer: both consumer kinds have these. */
export interface MeasuredConsumer {
  brokerCounters(): ReadonlyMap<number, { requests: number; bytes: number; records: number }>
  assignment?(): readonly unknown[]
}

/** What the metrics wrap on a producer (`sendBatch` goes through `send`). */
export interface MeasuredProducer {
  send(record: ProducerRecord): Promise<RecordMetadata>
  trySend(record: ProducerRecord): Promise<RecordMetadata>
}

/**
 * The metrics one `Kafka` instance pushes with KIP-714, sampled from the producers and consumers
 * it created. Producer records are counted as their sends settle (a wrapper on each producer's
 * `send` and `trySend`), consumer fetches come from the fetch planner's per-broker
 * counters. A closed client stays in the sums, so every counter only grows.
 */
export class ClientMetrics {
  private readonly consumers = new Set<MeasuredConsumer>()
  private readonly sentRecordsByTopic = new Map<string, number>()
  private sentRecords = 0
  private failedRecords = 0
  private producers = 0

  addConsumer(consumer: MeasuredConsumer): void {
    this.consumers.add(consumer)
  }

  /**
   * Counts what `producer` sends while `counting()` says a subscription wants metrics. Without a
   * subscription (the usual case: most clusters have no telemetry receiver) a send costs one more
   * call and no promise. The returned promise settles exactly as the producer's own.
   */
  addProducer<P extends MeasuredProducer>(producer: P, counting: () => boolean): P {
    this.producers++
    for (const method of ['send', 'trySend'] as const) {
      const original = producer[method].bind(producer)
      producer[method] = (record: ProducerRecord): Promise<RecordMetadata> => {
        if (!counting()) return original(record)
        return original(record).then(
          (metadata) => {
            this.recordSent(record.topic)
            return metadata
          },
          (error: unknown) => {
            this.failedRecords++
            throw error
          },
        )
      }
    }
    return producer
  }

  private recordSent(topic: string): void {
    this.sentRecords++
    this.sentRecordsByTopic.set(topic, (this.sentRecordsByTopic.get(topic) ?? 0) + 1)
  }

  /** The current values, in Java's names (see telemetry-metrics.ts). Producer metrics only once a producer exists, consumer metrics likewise. */
  sample(): MetricSample[] {
    const samples: MetricSample[] = []
    if (this.producers > 0) {
      samples.push(
        counter('org.apache.kafka.producer.record.send.total', 'Records the brokers acknowledged.', '{record}', this.sentRecords),
        counter('org.apache.kafka.producer.record.error.total', 'Records whose send failed.', '{record}', this.failedRecords),
      )
      for (const [topic, records] of this.sentRecordsByTopic) {
        samples.push(counter('org.apache.kafka.producer.topic.record.send.total', 'Records the brokers acknowledged, per topic.', '{record}', records, { topic }))
      }
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
