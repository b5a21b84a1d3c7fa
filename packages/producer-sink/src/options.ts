import type { Logger } from '@kafkats/connection'
import { type CompressionCodec, ConfigError } from '@kafkats/protocol'
import type { Partitioner } from './partitioner.js'

/** `all` (or -1): every in-sync replica; 1: the leader; 0: no response at all. */
export type Acks = 'all' | -1 | 0 | 1

export interface ProducerOptions {
  /** Idempotent delivery: producer id, epoch and sequence numbers. Default true. Java: enable.idempotence */
  idempotent?: boolean
  /** Default 'all'; idempotence requires 'all'. Java: acks */
  acks?: Acks
  /** Produce requests in flight per broker; 1..5 with idempotence. Default 5. Java: max.in.flight.requests.per.connection */
  inFlightMaxRequestsPerBroker?: number
  /** How long a batch waits for more records before it is sent; it goes earlier with a request that another partition of its leader starts (Java does the same). Default 5. Java: linger.ms */
  lingerMs?: number
  /** Largest batch (bytes of records) per partition. Default 1 MiB. Java: batch.size */
  batchMaxBytes?: number
  /**
   * Largest Produce request: a request to a broker takes batches until the next one would pass
   * this (one batch always goes). At least `batchMaxBytes`. Default 100 MiB, the broker's
   * `socket.request.max.bytes` default (franz-go: BrokerMaxWriteBytes). Java: max.request.size
   * (1 MiB there, where batches are 16 KiB)
   */
  requestMaxBytes?: number
  /** Default 'none'. Java: compression.type */
  compression?: CompressionCodec
  /** Bytes of records accepted but not yet acknowledged before `send` waits. Default 32 MiB. Java: buffer.memory */
  bufferMaxBytes?: number
  /** Records accepted but not yet acknowledged before `send` waits. Default 1 000 000. */
  bufferMaxRecords?: number
  /** Time from `send` until a record must be acknowledged or fail. Default 120 000. Java: delivery.timeout.ms */
  deliveryTimeoutMs?: number
  /**
   * How long the leader waits for the in-sync replicas to acknowledge (Produce TimeoutMs; the
   * connection's `ackTimeoutMs` is added to it for the client-side deadline). Default 30 000.
   * Java: request.timeout.ms (which the Java producer uses for both)
   */
  ackTimeoutMs?: number
  /** Wait before resending a batch after a retriable error. Default 100. Java: retry.backoff.ms */
  retryBackoffMs?: number
  /**
   * How long `send` waits for metadata of a topic the producer does not know yet (a topic being
   * created, or not existing) before failing with UNKNOWN_TOPIC_OR_PARTITION. Capped by
   * deliveryTimeoutMs. Default 60 000. Java: max.block.ms
   */
  metadataWaitMaxMs?: number
  /** Chooses a partition for records that name none. Default: murmur2 for keys (Java-compatible), uniform sticky otherwise. Java: partitioner.class */
  partitioner?: Partitioner
  /**
   * Makes the producer transactional (KIP-98): records are sent inside `beginTransaction` …
   * `commitTransaction`/`abortTransaction`, and a newer producer with the same id fences this one.
   * Must be stable across restarts of the same logical instance. Requires idempotence. Java: transactional.id
   */
  transactionalId?: string
  /** How long the coordinator lets a transaction stay open before aborting it. Default 60 000. Java: transaction.timeout.ms */
  transactionTimeoutMs?: number
  /** Default silent. */
  logger?: Logger
}

export const producerDefaults = {
  idempotent: true,
  acks: 'all',
  inFlightMaxRequestsPerBroker: 5,
  lingerMs: 5,
  batchMaxBytes: 1024 * 1024,
  requestMaxBytes: 100 * 1024 * 1024,
  compression: 'none',
  bufferMaxBytes: 32 * 1024 * 1024,
  bufferMaxRecords: 1_000_000,
  deliveryTimeoutMs: 120_000,
  ackTimeoutMs: 30_000,
  retryBackoffMs: 100,
  metadataWaitMaxMs: 60_000,
  transactionTimeoutMs: 60_000,
} as const satisfies Omit<Required<ProducerOptions>, 'partitioner' | 'logger' | 'transactionalId'>

/**
 * A broker keeps the last 5 batches per producer and partition for duplicate detection, so
 * with idempotence at most 5 batches of a partition may be unacknowledged at once.
 */
export const MAX_IN_FLIGHT_IDEMPOTENT = 5

export interface ResolvedProducerOptions {
  idempotent: boolean
  /** -1, 0 or 1 as on the wire. */
  acks: -1 | 0 | 1
  inFlightMaxRequestsPerBroker: number
  lingerMs: number
  batchMaxBytes: number
  requestMaxBytes: number
  compression: CompressionCodec
  bufferMaxBytes: number
  bufferMaxRecords: number
  deliveryTimeoutMs: number
  ackTimeoutMs: number
  retryBackoffMs: number
  metadataWaitMaxMs: number
  /** null: not transactional. */
  transactionalId: string | null
  transactionTimeoutMs: number
}

/** Validates options once, at construction; every problem is a ConfigError that says what to do. */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', `expected an options object, got ${String(options)}`)
  if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') {
    throw new ConfigError('idempotent', `expected true or false, got ${String(options.idempotent)}`)
  }
  if (options.partitioner !== undefined && typeof options.partitioner !== 'function') {
    throw new ConfigError('partitioner', `expected a function (record, partitionCount, availablePartitions) => partition, got ${typeof options.partitioner}`)
  }
  const idempotent = options.idempotent ?? producerDefaults.idempotent
  const acksOption = options.acks ?? producerDefaults.acks
  const acks = acksOption === 'all' ? -1 : acksOption
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new ConfigError('acks', `expected 'all', -1, 0 or 1, got ${String(acksOption)}`)
  const inFlightMaxRequestsPerBroker = options.inFlightMaxRequestsPerBroker ?? producerDefaults.inFlightMaxRequestsPerBroker
  if (idempotent && acks !== -1) {
    throw new ConfigError(
      'acks',
      `an idempotent producer needs acks 'all' (got ${String(acksOption)}): only then does a retry find the batch in the broker's duplicate window; set acks: 'all' or idempotent: false`,
    )
  }
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${String(value)}`)
    }
    return value
  }
  if (idempotent && (inFlightMaxRequestsPerBroker < 1 || inFlightMaxRequestsPerBroker > MAX_IN_FLIGHT_IDEMPOTENT)) {
    throw new ConfigError(
      'inFlightMaxRequestsPerBroker',
      `an idempotent producer allows 1 to ${MAX_IN_FLIGHT_IDEMPOTENT} requests in flight per broker (got ${inFlightMaxRequestsPerBroker}): a broker remembers only the last ${MAX_IN_FLIGHT_IDEMPOTENT} batches per partition, so a retry of an older one could be written twice; lower it or set idempotent: false`,
    )
  }
  const compression = options.compression ?? producerDefaults.compression
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
    throw new ConfigError('compression', `expected none, gzip, snappy, lz4 or zstd, got ${String(compression)}`)
  }
  const transactionalId = options.transactionalId ?? null
  if (transactionalId !== null) {
    if (typeof transactionalId !== 'string' || transactionalId === '') throw new ConfigError('transactionalId', `expected a non-empty string, got ${JSON.stringify(transactionalId)}`)
    if (!idempotent) {
      throw new ConfigError('idempotent', 'a transactional producer is idempotent (sequence numbers keep a transaction free of duplicates); remove idempotent: false or the transactionalId')
    }
  }
  const batchMaxBytes = integer('batchMaxBytes', options.batchMaxBytes ?? producerDefaults.batchMaxBytes, 1, 2 ** 31 - 1)
  const requestMaxBytes = integer('requestMaxBytes', options.requestMaxBytes ?? producerDefaults.requestMaxBytes, 1, 2 ** 31 - 1)
  if (requestMaxBytes < batchMaxBytes) {
    throw new ConfigError('requestMaxBytes', `a request must fit a full batch: requestMaxBytes (${requestMaxBytes}) is below batchMaxBytes (${batchMaxBytes}); raise it or lower batchMaxBytes`)
  }
  return {
    transactionalId,
    transactionTimeoutMs: integer('transactionTimeoutMs', options.transactionTimeoutMs ?? producerDefaults.transactionTimeoutMs, 1, 2 ** 31 - 1),
    idempotent,
    acks,
    inFlightMaxRequestsPerBroker: integer('inFlightMaxRequestsPerBroker', inFlightMaxRequestsPerBroker, 1, 1000),
    lingerMs: integer('lingerMs', options.lingerMs ?? producerDefaults.lingerMs, 0),
    batchMaxBytes,
    requestMaxBytes,
    compression,
    bufferMaxBytes: integer('bufferMaxBytes', options.bufferMaxBytes ?? producerDefaults.bufferMaxBytes, 1),
    bufferMaxRecords: integer('bufferMaxRecords', options.bufferMaxRecords ?? producerDefaults.bufferMaxRecords, 1),
    deliveryTimeoutMs: integer('deliveryTimeoutMs', options.deliveryTimeoutMs ?? producerDefaults.deliveryTimeoutMs, 1),
    ackTimeoutMs: integer('ackTimeoutMs', options.ackTimeoutMs ?? producerDefaults.ackTimeoutMs, 1, 2 ** 31 - 1),
    retryBackoffMs: integer('retryBackoffMs', options.retryBackoffMs ?? producerDefaults.retryBackoffMs, 0),
    metadataWaitMaxMs: integer('metadataWaitMaxMs', options.metadataWaitMaxMs ?? producerDefaults.metadataWaitMaxMs, 0),
  }
}
