// The umbrella is the only import a user needs: every class, helper and type used with the client
// comes from 'kafkats'. (Types are checked by the compiler: this file does not build without them.)
import { describe, expect, it } from 'vitest'
import * as kafkats from './index.js'
import type { AdminOptions, ConsumerRecord, FetchOptions, GroupConsumerConfig, ProducerEvents, RebalanceListeners, TopicDescription, TopicPartition } from './index.js'

describe('the record batch CRC-32C implementation', () => {
  it('is logged once at debug when the client is created and is a field of kafka.metrics() (no connection needed)', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = []
    const noop = (): void => {}
    // pino-shaped (with child): used as it is, fields first
    const logger = {
      debug: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }),
      info: noop,
      warn: noop,
      error: noop,
      child: () => logger,
    }
    const kafka = new kafkats.Kafka({ bootstrapBrokers: ['127.0.0.1:1'], logger })
    const crcLines = lines.filter((line) => 'crc32c' in line.fields)
    expect(crcLines).toHaveLength(1)
    expect(crcLines[0]!.fields.crc32c).toBe(kafkats.crc32cImplementation())
    expect(['native', 'js']).toContain(kafkats.crc32cImplementation())
    expect(kafka.metrics().crc32cImplementation).toBe(kafkats.crc32cImplementation())
    await kafka.close()
  })
})

describe('the kafkats umbrella exports', () => {
  it('exports the classes, errors and record helpers a user reaches for', () => {
    const values = [
      'Kafka',
      'CommitFailedError',
      'ConfigError',
      'InvalidArgumentError',
      'ClosedError',
      'ProducerClosedError',
      'DeliveryTimeoutError',
      'DataLossError',
      'KafkaProtocolError',
      'ConnectionError',
      'valueString',
      'keyString',
      'headerString',
      'headerValue',
      'Admin',
      'crc32cImplementation',
    ] as const
    for (const name of values) expect(typeof kafkats[name], name).toBe('function')
    expect(typeof kafkats.Offset.earliest).toBe('function')
    expect(kafkats.cooperativeStickyAssignor.name).toBe('cooperative-sticky')
  })

  it('exports the types of listeners, options and admin results', () => {
    const revoked: TopicPartition[] = []
    const listeners: RebalanceListeners = { revoked: (partitions) => void revoked.push(...partitions) }
    const fetch: FetchOptions = { fetchMaxWaitMs: 100, partitionMaxBytes: 1 }
    const group: GroupConsumerConfig = { groupId: 'g', topics: ['t'], listeners, ...fetch }
    const event: ProducerEvents['possibleDataLoss'] = { topic: 't', partition: 0, errorName: 'UNKNOWN_PRODUCER_ID' }
    const described: Pick<TopicDescription, 'topic'> = { topic: 't' }
    const record: Pick<ConsumerRecord, 'offset'> = { offset: 0n }
    const admin: Partial<AdminOptions> = { operationTimeoutMs: 1000 }
    expect([group.groupId, event.topic, described.topic, record.offset, admin.operationTimeoutMs]).toEqual(['g', 't', 't', 0n, 1000])
  })

  it('Kafka.clientId is the client id requests carry (default kafkats), read by telemetry', async () => {
    const named = new kafkats.Kafka({ bootstrapBrokers: ['127.0.0.1:9'], clientId: 'billing' })
    const unnamed = new kafkats.Kafka({ bootstrapBrokers: ['127.0.0.1:9'] })
    expect([named.clientId, unnamed.clientId]).toEqual(['billing', 'kafkats'])
    await Promise.all([named.close(), unnamed.close()])
  })
})
