// Helpers for this package's tests (not exported): create topics, write records with raw
// Produce requests (an independent path from any kafkats producer), a recording logger, polling
// helpers.
import type { ConnectionPool, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { type CompressionCodec, CreateTopicsApi, ElectLeadersApi, ErrorCode, ProduceApi, type RecordInput, encodeRecordBatch, isRetriableErrorCode, ZERO_UUID } from '@kafkats/protocol'
import type { FetchPlanner } from './fetch-planner.js'
import type { FetchedRecord } from './types.js'

export async function createTopic(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  name: string,
  partitions: number,
  replicationFactor: number,
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }> = [],
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
          assignments,
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

/** Writes one batch to a partition's leader with acks=all; returns its base offset. Retries leadership errors. */
export async function produce(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  topic: string,
  partition: number,
  records: RecordInput[],
  compression: CompressionCodec = 'none',
): Promise<bigint> {
  const bytes = await encodeRecordBatch(records, { compression })
  for (let attempt = 0; ; attempt++) {
    const leader = metadata.leaderFor(topic, partition)
    if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
    const connection = await pool.get(leader.address, 'produce')
    const version = Math.min(connection.versionFor(ProduceApi), 12)
    const response = await connection.request(
      ProduceApi,
      ProduceApi.createRequest({ acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: bytes }] }] }),
      { version },
    )
    const answer = response.responses[0]?.partitionResponses[0]
    if (answer === undefined) throw new Error('empty Produce response')
    if (answer.errorCode === ErrorCode.NONE) return answer.baseOffset
    if (!isRetriableErrorCode(answer.errorCode) || attempt >= 20) throw new Error(`Produce ${topic}-${partition}: error ${answer.errorCode}`)
    await sleep(200)
    await metadata.refresh()
  }
}

export function values(count: number, prefix: string): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: new TextEncoder().encode(`${prefix}-k${i}`), value: new TextEncoder().encode(`${prefix}-${i}`) }))
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  fields: Record<string, unknown>
  message: string
}

/** A Logger that keeps every line (child bindings merged into the fields). */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const make = (bindings: Record<string, unknown>): Logger => ({
    child: (more) => make({ ...bindings, ...more }),
    debug: (fields, message) => lines.push({ level: 'debug', fields: { ...bindings, ...fields }, message }),
    info: (fields, message) => lines.push({ level: 'info', fields: { ...bindings, ...fields }, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: { ...bindings, ...fields }, message }),
    error: (fields, message) => lines.push({ level: 'error', fields: { ...bindings, ...fields }, message }),
  })
  return { logger: make({}), lines }
}

/** Waits until every replica of every partition of `topic` is in sync and the first replica leads (another test may have just restarted a node). */
export async function waitForFullIsr(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await metadata.refresh().catch(() => undefined)
    const info = metadata.topic(topic)
    if (info !== undefined && info.partitions.every((p) => p.isr.length === p.replicas.length && p.leader >= 0)) {
      // Leaders where the assignment put them (a restarted node may have left them elsewhere): a preferred election.
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Polls until `count` records arrived (or throws after `timeoutMs`). */
export async function consume(planner: FetchPlanner, count: number, timeoutMs = 30_000): Promise<FetchedRecord[]> {
  const records: FetchedRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (records.length < count) {
    if (Date.now() > deadline) throw new Error(`consumed ${records.length} of ${count} records before the timeout`)
    for (const batch of await planner.poll({ maxWaitMs: 200 })) records.push(...batch.records)
  }
  return records
}

export const decodeText = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))
