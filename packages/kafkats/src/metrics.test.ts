import { describe, expect, it } from 'vitest'
import { type KafkaMetrics, toPrometheusText } from './index.js'

const snapshot: KafkaMetrics = {
  timestampMs: 1_700_000_000_000,
  crc32cImplementation: 'native',
  brokers: [
    {
      nodeId: 2,
      address: '127.0.0.1:29092',
      requests: 3,
      errors: 1,
      requestBytes: 300,
      responseBytes: 90,
      requestRatePerSecond: 0.1,
      latencyAvgMs: 4,
      latencyMaxMs: 7,
      inFlightRequests: 1,
      connections: 2,
      byApi: [
        // 1 request up to 1 ms, 1 up to 5 ms, 1 up to 10 ms: 0.5 + 4.5 + 7 = 12 ms in all.
        { apiKey: 0, apiName: 'Produce', requests: 3, errors: 1, requestBytes: 300, responseBytes: 90, latencyAvgMs: 4, latencyMaxMs: 7, latencyHistogramCounts: [1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      ],
    },
  ],
  inFlightRequests: 1,
  producers: [
    {
      transactionalId: 'tx "one"',
      producerId: 7n,
      producerEpoch: 0,
      bufferUsedBytes: 512,
      bufferMaxBytes: 1024,
      bufferedRecords: 4,
      bufferMaxRecords: 100,
      bufferWaiters: 0,
      inFlightRequests: 1,
      batchesSent: 5,
      batchRetries: 1,
      recordsAcknowledged: 40,
      recordsFailed: 2,
    },
  ],
  consumers: [
    {
      groupId: 'billing',
      partitions: [
        { topic: 'orders', partition: 3, position: 10n, highWatermark: 12_345_678_901_234n, lag: 12_345_678_901_224n, fetchSourceNodeId: 2, leaderNodeId: 1, fromPreferredReplica: true, paused: false, state: 'fetching' },
        { topic: 'orders', partition: 4, position: null, highWatermark: -1n, lag: null, fetchSourceNodeId: -1, leaderNodeId: 3, fromPreferredReplica: false, paused: false, state: 'resolving' },
      ],
      fetchesByBroker: [],
    },
  ],
}

describe('toPrometheusText', () => {
  const text = toPrometheusText(snapshot)
  const lines = text.split('\n')

  it('renders counters per broker and API, with HELP and TYPE once per family', () => {
    expect(lines).toContain('# TYPE kafkats_requests_total counter')
    expect(lines).toContain('kafkats_requests_total{node_id="2",address="127.0.0.1:29092",api="Produce"} 3')
    expect(lines).toContain('kafkats_request_errors_total{node_id="2",address="127.0.0.1:29092",api="Produce"} 1')
    expect(lines).toContain('kafkats_in_flight_requests{node_id="2",address="127.0.0.1:29092"} 1')
    expect(lines.filter((line) => line === '# TYPE kafkats_requests_total counter')).toHaveLength(1)
    expect(text.endsWith('\n')).toBe(true)
  })

  it('renders the latency histogram in seconds with cumulative buckets, +Inf, sum and count', () => {
    const labels = 'node_id="2",address="127.0.0.1:29092",api="Produce"'
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="0.001"} 1`)
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="0.002"} 1`)
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="0.005"} 2`)
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="0.01"} 3`)
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="10"} 3`)
    expect(lines).toContain(`kafkats_request_latency_seconds_bucket{${labels},le="+Inf"} 3`)
    expect(lines).toContain(`kafkats_request_latency_seconds_sum{${labels}} 0.012`)
    expect(lines).toContain(`kafkats_request_latency_seconds_count{${labels}} 3`)
  })

  it('renders producer and consumer gauges, escapes label values, keeps bigints exact and leaves out unknown lag', () => {
    expect(lines).toContain('kafkats_producer_buffer_used_bytes{producer="0",transactional_id="tx \\"one\\""} 512')
    expect(lines).toContain('kafkats_producer_records_failed_total{producer="0",transactional_id="tx \\"one\\""} 2')
    expect(lines).toContain('kafkats_consumer_lag_records{consumer="0",group="billing",topic="orders",partition="3"} 12345678901224')
    expect(lines).toContain('kafkats_consumer_fetch_source_node_id{consumer="0",group="billing",topic="orders",partition="3"} 2')
    expect(text).not.toContain('partition="4"')
  })

  it('takes another prefix', () => {
    expect(toPrometheusText(snapshot, { prefix: 'billing_kafka' })).toContain('billing_kafka_requests_total{')
  })
})
