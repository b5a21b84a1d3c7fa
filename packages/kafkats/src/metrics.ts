import type { BrokerRequestMetrics } from '@kafkats/connection'
import { LATENCY_BUCKET_BOUNDS_MS } from '@kafkats/connection'
import type { BrokerCounters, PartitionFetchMetrics } from '@kafkats/fetch-planner'
import type { ProducerMetrics } from '@kafkats/producer-sink'

/** One consumer's partitions and fetches (`kafka.metrics().consumers`). */
export interface ConsumerMetrics {
  /** The group of a group consumer; null for a direct consumer. */
  groupId: string | null
  /** Each assigned partition: position, high watermark, lag, fetch source. */
  partitions: PartitionFetchMetrics[]
  /** Fetch requests, record bytes and records per broker that served them, since the consumer was created. */
  fetchesByBroker: Array<{ nodeId: number } & BrokerCounters>
}

/** `kafka.metrics()`: a plain-object snapshot of the client, cheap to take on every scrape. */
export interface KafkaMetrics {
  /** When the snapshot was taken (milliseconds since the epoch). */
  timestampMs: number
  /** Which CRC-32C checks record batches: `native` (the optional @node-rs/crc32) or `js` (the portable tables). */
  crc32cImplementation: 'native' | 'js'
  /** Requests per broker over every connection of the client (group consumers' own connections included). */
  brokers: BrokerRequestMetrics[]
  /** Requests written and not yet answered, over all brokers. */
  inFlightRequests: number
  /** The producers the client created that are not closed. */
  producers: ProducerMetrics[]
  /** The consumers the client created that are not closed. */
  consumers: ConsumerMetrics[]
}

/**
 * The snapshot in Prometheus' text exposition format (version 0.0.4), for a `/metrics` endpoint.
 * Latencies are in seconds and counters end in `_total`, as Prometheus names them.
 */
export function toPrometheusText(metrics: KafkaMetrics, options: { prefix?: string } = {}): string {
  const prefix = options.prefix ?? 'kafkats'
  const out: string[] = []
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: string[]): void => {
    if (samples.length === 0) return
    out.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`, ...samples)
  }
  const sample = (name: string, labels: Record<string, string | number>, value: number | bigint): string => {
    const rendered = Object.entries(labels)
      .map(([key, label]) => `${key}="${escapeLabel(String(label))}"`)
      .join(',')
    return `${prefix}_${name}${rendered === '' ? '' : `{${rendered}}`} ${formatValue(value)}`
  }

  const perApi = metrics.brokers.flatMap((broker) => broker.byApi.map((api) => ({ broker, api, labels: { node_id: broker.nodeId, address: broker.address, api: api.apiName } })))
  family('requests_total', 'counter', 'Requests that ended (answered or failed), per broker and API.', perApi.map(({ api, labels }) => sample('requests_total', labels, api.requests)))
  family('request_errors_total', 'counter', 'Requests that failed without a response, per broker and API.', perApi.map(({ api, labels }) => sample('request_errors_total', labels, api.errors)))
  family('request_bytes_total', 'counter', 'Bytes of requests written, per broker and API.', perApi.map(({ api, labels }) => sample('request_bytes_total', labels, api.requestBytes)))
  family('response_bytes_total', 'counter', 'Bytes of responses read, per broker and API.', perApi.map(({ api, labels }) => sample('response_bytes_total', labels, api.responseBytes)))
  const histogram: string[] = []
  for (const { api, labels } of perApi) {
    let cumulative = 0
    for (const [index, bound] of LATENCY_BUCKET_BOUNDS_MS.entries()) {
      cumulative += api.latencyHistogramCounts[index] ?? 0
      histogram.push(sample('request_latency_seconds_bucket', { ...labels, le: String(bound / 1000) }, cumulative))
    }
    histogram.push(sample('request_latency_seconds_bucket', { ...labels, le: '+Inf' }, api.requests))
    histogram.push(sample('request_latency_seconds_sum', labels, (api.latencyAvgMs * api.requests) / 1000))
    histogram.push(sample('request_latency_seconds_count', labels, api.requests))
  }
  family('request_latency_seconds', 'histogram', 'Request latency from the write to the decoded response, per broker and API.', histogram)
  const brokerLabels = (broker: BrokerRequestMetrics): Record<string, string | number> => ({ node_id: broker.nodeId, address: broker.address })
  family('in_flight_requests', 'gauge', 'Requests written and not yet answered, per broker.', metrics.brokers.map((broker) => sample('in_flight_requests', brokerLabels(broker), broker.inFlightRequests)))
  family('connections', 'gauge', 'Open connections, per broker.', metrics.brokers.map((broker) => sample('connections', brokerLabels(broker), broker.connections)))

  const producerLabels = (producer: ProducerMetrics, index: number): Record<string, string | number> =>
    producer.transactionalId === null ? { producer: index } : { producer: index, transactional_id: producer.transactionalId }
  const producers = metrics.producers.map((producer, index) => ({ producer, labels: producerLabels(producer, index) }))
  family('producer_buffer_used_bytes', 'gauge', 'Bytes of records accepted and not yet settled.', producers.map(({ producer, labels }) => sample('producer_buffer_used_bytes', labels, producer.bufferUsedBytes)))
  family('producer_buffer_max_bytes', 'gauge', 'The bufferMaxBytes limit.', producers.map(({ producer, labels }) => sample('producer_buffer_max_bytes', labels, producer.bufferMaxBytes)))
  family('producer_buffered_records', 'gauge', 'Records accepted and not yet settled.', producers.map(({ producer, labels }) => sample('producer_buffered_records', labels, producer.bufferedRecords)))
  family('producer_in_flight_requests', 'gauge', 'Produce requests written and not yet answered.', producers.map(({ producer, labels }) => sample('producer_in_flight_requests', labels, producer.inFlightRequests)))
  family('producer_records_acknowledged_total', 'counter', 'Records the brokers acknowledged.', producers.map(({ producer, labels }) => sample('producer_records_acknowledged_total', labels, producer.recordsAcknowledged)))
  family('producer_records_failed_total', 'counter', 'Records whose send failed.', producers.map(({ producer, labels }) => sample('producer_records_failed_total', labels, producer.recordsFailed)))
  family('producer_batch_retries_total', 'counter', 'Record batches sent again after a failed attempt.', producers.map(({ producer, labels }) => sample('producer_batch_retries_total', labels, producer.batchRetries)))

  const partitions = metrics.consumers.flatMap((consumer, index) =>
    consumer.partitions.map((partition) => ({
      partition,
      labels: { consumer: index, ...(consumer.groupId === null ? {} : { group: consumer.groupId }), topic: partition.topic, partition: partition.partition },
    })),
  )
  family(
    'consumer_lag_records',
    'gauge',
    'High watermark minus position: records not yet handed to the application.',
    partitions.filter(({ partition }) => partition.lag !== null).map(({ partition, labels }) => sample('consumer_lag_records', labels, partition.lag!)),
  )
  family(
    'consumer_fetch_source_node_id',
    'gauge',
    'The broker a partition is fetched from (a follower when fetching from the preferred replica).',
    partitions.filter(({ partition }) => partition.fetchSourceNodeId >= 0).map(({ partition, labels }) => sample('consumer_fetch_source_node_id', labels, partition.fetchSourceNodeId)),
  )
  return `${out.join('\n')}\n`
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function formatValue(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString()
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}
