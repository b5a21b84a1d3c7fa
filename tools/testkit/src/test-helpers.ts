// The helpers every package's tests share (issue 9: they used to be copied into each package,
// and a fix to one copy missed the others). They talk to the cluster with raw protocol requests
// (an independent path from the code under test): create topics, write and read records, wait.
//
// The testkit sits below the client packages in the package graph (it depends on
// @kafkats/protocol only; every client package has it as a devDependency), so it does not import
// @kafkats/connection or @kafkats/metadata: the caller's ConnectionPool and ClusterMetadata come
// in as parameters, typed by the few members used here.
import {
  type ApiDefinition,
  type CompressionCodec,
  CreateTopicsApi,
  ElectLeadersApi,
  FetchApi,
  FindCoordinatorApi,
  InitProducerIdApi,
  KafkaProtocolError,
  ProduceApi,
  type RecordInput,
  ZERO_UUID,
  decodeRecordBatches,
  decodeUtf8,
  encodeRecordBatch,
} from '@kafkats/protocol'

/** What these helpers use of @kafkats/connection's BrokerConnection. */
export interface RawConnection {
  request<Request, Response>(api: ApiDefinition<Request, Response>, request: Request, options?: { version?: number }): Promise<Response>
  versionFor(api: ApiDefinition<unknown, unknown>): number
}

/** What these helpers use of @kafkats/connection's ConnectionPool. */
export interface RawPool {
  get(address: string, purpose: 'metadata' | 'produce' | 'fetch' | 'group' | 'admin'): Promise<RawConnection>
}

interface RawBroker {
  nodeId: number
  address: string
}

interface RawTopic {
  topicId: string
  partitions: ReadonlyArray<{ partition: number; leader: number; replicas: readonly number[]; isr: readonly number[] }>
}

/** What these helpers use of @kafkats/metadata's ClusterMetadata. */
export interface RawMetadata {
  refresh(): Promise<{ controllerId: number; brokers: ReadonlyMap<number, RawBroker> }>
  readonly snapshot: { brokers: ReadonlyMap<number, RawBroker> }
  topic(name: string): RawTopic | undefined
  leaderFor(topic: string, partition: number): RawBroker | undefined
  waitForTopic(topic: string, timeoutMs?: number): Promise<RawTopic>
}

/** What these helpers use of @kafkats/connection's Logger (the same shape). */
export interface RecordingLoggerShape {
  child(bindings: Record<string, unknown>): RecordingLoggerShape
  debug(fields: Record<string, unknown>, message: string): void
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

export interface ReplicaAssignment {
  partitionIndex: number
  brokerIds: number[]
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `check` every 20 ms until it is true; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Polls `check` until it stops throwing (assertions included) or `timeoutMs` passes; then rethrows its last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() >= deadline) throw error
      await sleep(intervalMs)
    }
  }
}

/**
 * CreateTopics to the controller, then waits until `metadata` knows the topic. With `assignments`
 * the replicas are placed as given (`partitions` and `replicationFactor` are then not sent).
 */
export async function createTopic(
  metadata: RawMetadata,
  pool: RawPool,
  name: string,
  partitions: number,
  replicationFactor: number,
  assignments: readonly ReplicaAssignment[] = [],
): Promise<void> {
  const snapshot = await metadata.refresh()
  const broker = snapshot.brokers.get(snapshot.controllerId) ?? [...snapshot.brokers.values()][0]!
  const connection = await pool.get(broker.address, 'admin')
  const response = await connection.request(
    CreateTopicsApi,
    CreateTopicsApi.createRequest({
      topics: [
        {
          name,
          numPartitions: assignments.length > 0 ? -1 : partitions,
          replicationFactor: assignments.length > 0 ? -1 : replicationFactor,
          assignments: assignments.map((assignment) => ({ partitionIndex: assignment.partitionIndex, brokerIds: [...assignment.brokerIds] })),
          configs: [],
        },
      ],
      timeoutMs: 30_000,
    }),
  )
  const result = response.topics[0]
  if (result === undefined || result.errorCode !== 0) throw new Error(`CreateTopics ${name}: ${result?.errorCode} ${result?.errorMessage}`)
  await metadata.waitForTopic(name, 30_000)
}

/** `count` records with keys `<prefix>-k<i>` and values `<prefix>-<i>`. */
export function values(count: number, prefix: string): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: new TextEncoder().encode(`${prefix}-k${i}`), value: new TextEncoder().encode(`${prefix}-${i}`) }))
}

/** UTF-8 text of a key or value (`null` stays `null`). */
export const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

export interface ProduceRecordsOptions {
  compression?: CompressionCodec
  /** Idempotent batch: producer id, epoch and first sequence. */
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  /** Where to send to the leader (e.g. its SASL listener); default its address in `metadata`. */
  leaderAddress?: (leader: RawBroker) => string
}

const PRODUCE_ATTEMPTS = 40

/**
 * Writes one batch to a partition's leader with acks=all; returns its base offset. Retries
 * leadership and other retriable errors, and failures before any answer (the leader restarting);
 * a non-retriable error code is thrown as its KafkaProtocolError.
 */
export async function produceRecords(
  metadata: RawMetadata,
  pool: RawPool,
  topic: string,
  partition: number,
  records: readonly RecordInput[],
  options: ProduceRecordsOptions = {},
): Promise<bigint> {
  const bytes = await encodeRecordBatch(records, {
    compression: options.compression ?? 'none',
    ...(options.producerId !== undefined ? { producerId: options.producerId } : {}),
    ...(options.producerEpoch !== undefined ? { producerEpoch: options.producerEpoch } : {}),
    ...(options.baseSequence !== undefined ? { baseSequence: options.baseSequence } : {}),
  })
  if (metadata.topic(topic) === undefined) await metadata.waitForTopic(topic, 30_000)
  for (let attempt = 0; ; attempt++) {
    let errorCode: number
    try {
      const leader = metadata.leaderFor(topic, partition)
      if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
      const connection = await pool.get(options.leaderAddress?.(leader) ?? leader.address, 'produce')
      // v12 addresses the topic by name (v13+ by id only).
      const response = await connection.request(
        ProduceApi,
        ProduceApi.createRequest({ acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: bytes }] }] }),
        { version: Math.min(connection.versionFor(ProduceApi), 12) },
      )
      const answer = response.responses[0]?.partitionResponses[0]
      if (answer === undefined) throw new Error('empty Produce response')
      if (answer.errorCode === 0) return answer.baseOffset
      errorCode = answer.errorCode
      const error = KafkaProtocolError.fromCode(errorCode, { apiName: 'Produce', topic, partition, errorMessage: answer.errorMessage })
      if (!error.retriable || attempt >= PRODUCE_ATTEMPTS) throw error
    } catch (error) {
      // Failures before an answer: a retry cannot duplicate what the broker never acknowledged,
      // except a lost answer (tests that count records tell that by the values).
      if (attempt >= PRODUCE_ATTEMPTS || KafkaProtocolError.isInstance(error)) throw error
    }
    await sleep(250)
    await metadata.refresh().catch(() => undefined)
  }
}

/**
 * Writes `count` records with values `<prefix>-<i>` (no key) to the topic's partitions in turn
 * (record i to partition i % partitions), `perRequest` records per partition per Produce.
 */
export async function produceValues(
  metadata: RawMetadata,
  pool: RawPool,
  topic: string,
  count: number,
  options: { prefix?: string; perRequest?: number; start?: number } = {},
): Promise<void> {
  const prefix = options.prefix ?? 'v'
  const perRequest = options.perRequest ?? 2_000
  const start = options.start ?? 0
  const info = await metadata.waitForTopic(topic, 30_000)
  const partitions = info.partitions.length
  const byPartition: string[][] = Array.from({ length: partitions }, () => [])
  for (let i = start; i < start + count; i++) byPartition[i % partitions]!.push(`${prefix}-${i}`)
  const encoder = new TextEncoder()
  for (let round = 0; ; round++) {
    const work: Array<Promise<bigint>> = []
    for (let partition = 0; partition < partitions; partition++) {
      const chunk = byPartition[partition]!.slice(round * perRequest, (round + 1) * perRequest)
      if (chunk.length === 0) continue
      work.push(produceRecords(metadata, pool, topic, partition, chunk.map((value) => ({ key: null, value: encoder.encode(value) }))))
    }
    if (work.length === 0) return
    await Promise.all(work)
  }
}

/**
 * An idempotent producer id (InitProducerId without a transactional id). On a fresh cluster the
 * producer-id machinery may still be loading (COORDINATOR_LOAD_IN_PROGRESS): retriable errors
 * are retried.
 */
export async function initProducerId(metadata: RawMetadata, pool: RawPool): Promise<{ producerId: bigint; producerEpoch: number }> {
  const broker = [...(await metadata.refresh()).brokers.values()][0]!
  const connection = await pool.get(broker.address, 'produce')
  for (let attempt = 0; ; attempt++) {
    const response = await connection.request(InitProducerIdApi, InitProducerIdApi.createRequest({ transactionalId: null, transactionTimeoutMs: 60_000 }))
    if (response.errorCode === 0) return { producerId: response.producerId, producerEpoch: response.producerEpoch }
    const error = KafkaProtocolError.fromCode(response.errorCode, { apiName: 'InitProducerId' })
    if (!error.retriable || attempt >= 50) throw error
    await sleep(200)
  }
}

/** A connection to the coordinator of group `groupId`, retrying while none is available yet. */
export async function groupCoordinator(metadata: RawMetadata, pool: RawPool, groupId: string): Promise<RawConnection> {
  for (let attempt = 0; ; attempt++) {
    const broker = [...(await metadata.refresh()).brokers.values()][0]!
    const connection = await pool.get(broker.address, 'group')
    const response = await connection.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ keyType: 0, coordinatorKeys: [groupId] }))
    const found = response.coordinators[0] ?? { errorCode: response.errorCode, host: response.host, port: response.port }
    if (found.errorCode === 0) return pool.get(`${found.host}:${found.port}`, 'group')
    const error = KafkaProtocolError.fromCode(found.errorCode, { apiName: 'FindCoordinator', groupId })
    if (!error.retriable || attempt > 40) throw error
    await sleep(250)
  }
}

/**
 * Waits until every replica of every partition of `topic` is in sync and the first replica leads
 * (another test may have just restarted a node; a preferred election moves leaders back).
 */
export async function waitForFullIsr(metadata: RawMetadata, pool: RawPool, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await metadata.refresh().catch(() => undefined)
    const info = metadata.topic(topic)
    if (info !== undefined && info.partitions.every((p) => p.isr.length === p.replicas.length && p.leader >= 0)) {
      if (info.partitions.every((p) => p.leader === p.replicas[0])) return
      const broker = [...metadata.snapshot.brokers.values()][0]
      if (broker !== undefined) {
        const connection = await pool.get(broker.address, 'admin')
        await connection
          .request(ElectLeadersApi, ElectLeadersApi.createRequest({ electionType: 0, topicPartitions: [{ topic, partitions: info.partitions.map((p) => p.partition) }], timeoutMs: 10_000 }))
          .catch(() => undefined)
      }
    }
    if (Date.now() > deadline) throw new Error(`${topic}: replicas not all in sync after ${timeoutMs} ms`)
    await sleep(250)
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  fields: Record<string, unknown>
  message: string
  /** `Date.now()` when logged. */
  at: number
}

/** A logger that keeps every line (child bindings merged into the fields). */
export function recordingLogger(): { logger: RecordingLoggerShape; lines: LogLine[] } {
  const lines: LogLine[] = []
  const make = (bindings: Record<string, unknown>): RecordingLoggerShape => {
    const line = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => {
      lines.push({ level, fields: { ...bindings, ...fields }, message, at: Date.now() })
    }
    return { child: (more) => make({ ...bindings, ...more }), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
  }
  return { logger: make({}), lines }
}

export interface ReadRecord {
  offset: bigint
  key: string | null
  value: string | null
  headers: Array<{ key: string; value: string | null }>
}

interface ReadBatch {
  producerId: bigint
  isTransactional: boolean
  isControl: boolean
  /** A control batch's marker type. */
  control: string | undefined
  records: ReadRecord[]
}

/**
 * Every batch of a partition from offset 0 to the high watermark, read_uncommitted, from its
 * leader with raw Fetch requests (no consumer code); records before a batch's first wanted offset
 * are left out.
 */
async function readBatches(metadata: RawMetadata, pool: RawPool, topic: string, partition: number, what: string): Promise<ReadBatch[]> {
  const batches: ReadBatch[] = []
  let fetchOffset = 0n
  for (let attempt = 0; attempt < 10_000; attempt++) {
    await metadata.refresh()
    // A refresh answered by a broker that does not list a just-created topic yet drops it (Kafka
    // 3.9 brokers lag noticeably): wait for one that does.
    if (metadata.leaderFor(topic, partition) === undefined) await metadata.waitForTopic(topic, 30_000)
    const leader = metadata.leaderFor(topic, partition)
    if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
    const info = metadata.topic(topic)!
    const connection = await pool.get(leader.address, 'fetch')
    const response = await connection.request(
      FetchApi,
      FetchApi.createRequest({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 64 * 1024 * 1024,
        isolationLevel: 0,
        topics: [
          {
            topic,
            topicId: info.topicId,
            partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 * 1024 * 1024, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', highWatermark: -1n }],
          },
        ],
      }),
    )
    const data = response.responses[0]?.partitions[0]
    if (data === undefined) throw new Error('empty fetch response')
    if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} error ${data.errorCode}`)
    if (data.records !== null && data.records.length > 0) {
      const decoded = await decodeRecordBatches(data.records, { topic, partition })
      for (const batch of decoded.batches) {
        const nextOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
        if (nextOffset <= fetchOffset) continue
        batches.push({
          producerId: batch.producerId,
          isTransactional: batch.isTransactional,
          isControl: batch.isControl,
          control: batch.control?.type,
          records: batch.isControl
            ? []
            : batch.records
                .filter((record) => record.offset >= fetchOffset)
                .map((record) => ({
                  offset: record.offset,
                  key: record.key === null ? null : decodeUtf8(record.key),
                  value: record.value === null ? null : decodeUtf8(record.value),
                  headers: record.headers.map((header) => ({ key: header.key, value: header.value === null ? null : decodeUtf8(header.value) })),
                })),
        })
        fetchOffset = nextOffset
      }
    }
    if (fetchOffset >= data.highWatermark) return batches
  }
  throw new Error(`${what} did not reach the high watermark`)
}

/** Every record of a partition (control records left out), from offset 0 to the high watermark, read from its leader. */
export async function readPartition(metadata: RawMetadata, pool: RawPool, topic: string, partition: number): Promise<ReadRecord[]> {
  return (await readBatches(metadata, pool, topic, partition, 'readPartition')).flatMap((batch) => batch.records)
}

export interface TransactionalLog {
  /** Values of transactional records followed by a COMMIT marker of their producer. */
  committed: string[]
  /** Values of transactional records followed by an ABORT marker. */
  aborted: string[]
  /** Transactional values with no marker yet (an open transaction). */
  open: string[]
  /** Values of non-transactional records. */
  plain: string[]
  commitMarkers: number
  abortMarkers: number
}

/**
 * Reads a partition with read_uncommitted Fetch requests (raw bytes, no consumer code) and sorts
 * every record by the transaction marker its producer wrote after it: an independent judge of
 * what a read_committed reader must see.
 */
export async function readTransactionalPartition(metadata: RawMetadata, pool: RawPool, topic: string, partition: number): Promise<TransactionalLog> {
  const result: TransactionalLog = { committed: [], aborted: [], open: [], plain: [], commitMarkers: 0, abortMarkers: 0 }
  const openByProducer = new Map<bigint, string[]>()
  for (const batch of await readBatches(metadata, pool, topic, partition, 'readTransactionalPartition')) {
    if (batch.isControl) {
      const pending = openByProducer.get(batch.producerId) ?? []
      openByProducer.delete(batch.producerId)
      if (batch.control === 'COMMIT') {
        result.commitMarkers++
        result.committed.push(...pending)
      } else if (batch.control === 'ABORT') {
        result.abortMarkers++
        result.aborted.push(...pending)
      }
      continue
    }
    const batchValues = batch.records.map((record) => record.value ?? '')
    if (batch.isTransactional) {
      let list = openByProducer.get(batch.producerId)
      if (list === undefined) openByProducer.set(batch.producerId, (list = []))
      list.push(...batchValues)
    } else {
      result.plain.push(...batchValues)
    }
  }
  for (const pending of openByProducer.values()) result.open.push(...pending)
  return result
}
