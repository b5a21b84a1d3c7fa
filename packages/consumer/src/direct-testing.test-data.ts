// Helpers for the direct consumer's tests (not exported): topics, raw Produce / ListOffsets /
// OffsetCommit / OffsetFetch requests (independent of the code under test, shaped like the admin
// API's answers), a recording logger.
import type { BrokerConnection, ConnectionPool, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import {
  type CompressionCodec,
  CreateTopicsApi,
  ElectLeadersApi,
  ErrorCode,
  FindCoordinatorApi,
  ListOffsetsApi,
  OffsetCommitApi,
  OffsetFetchApi,
  ProduceApi,
  type RecordInput,
  encodeRecordBatch,
  isRetriableErrorCode,
  ZERO_UUID,
} from '@kafkats/protocol'
import type { AdminOffset } from './direct-consumer.js'

export async function createTopic(
  metadata: ClusterMetadata,
  pool: ConnectionPool,
  name: string,
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>,
): Promise<void> {
  const snapshot = await metadata.refresh()
  const broker = snapshot.brokers.get(snapshot.controllerId) ?? [...snapshot.brokers.values()][0]!
  const connection = await pool.get(broker.address, 'admin')
  const response = await connection.request(
    CreateTopicsApi,
    CreateTopicsApi.createRequest({ topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments, configs: [] }], timeoutMs: 30_000 }),
  )
  const result = response.topics[0]
  if (result === undefined || result.errorCode !== 0) throw new Error(`CreateTopics ${name}: ${result?.errorCode} ${result?.errorMessage}`)
  await metadata.waitForTopic(name, 30_000)
}

/** Leaders 1 and 3 only; node 2 (rack-2) follows every partition. */
export const LEADERS_1_AND_3 = [
  [1, 2, 3],
  [3, 2, 1],
  [1, 3, 2],
  [3, 1, 2],
].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds }))

/** One batch to the partition leader, acks=all, retrying leadership errors; returns the base offset. */
export async function produce(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partition: number, records: RecordInput[], compression: CompressionCodec = 'none'): Promise<bigint> {
  const bytes = await encodeRecordBatch(records, { compression })
  for (let attempt = 0; ; attempt++) {
    try {
      const leader = metadata.leaderFor(topic, partition)
      if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
      const connection = await pool.get(leader.address, 'produce')
      const response = await connection.request(
        ProduceApi,
        ProduceApi.createRequest({ acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: bytes }] }] }),
        { version: Math.min(connection.versionFor(ProduceApi), 12) },
      )
      const answer = response.responses[0]?.partitionResponses[0]
      if (answer === undefined) throw new Error('empty Produce response')
      if (answer.errorCode === ErrorCode.NONE) return answer.baseOffset
      if (!isRetriableErrorCode(answer.errorCode) || attempt >= 40) throw new Error(`Produce ${topic}-${partition}: error ${answer.errorCode}`)
    } catch (error) {
      // Only reached before a response: a retry cannot duplicate what the broker never acknowledged...
      // ...except a lost response; tests that count records use values to detect that.
      if (attempt >= 40 || (error instanceof Error && error.message.startsWith('Produce '))) throw error
    }
    await sleep(250)
    await metadata.refresh().catch(() => undefined)
  }
}

export function values(count: number, prefix: string): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: new TextEncoder().encode(`${prefix}-k${i}`), value: new TextEncoder().encode(`${prefix}-${i}`) }))
}

async function leaderConnection(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partition: number): Promise<BrokerConnection> {
  const leader = metadata.leaderFor(topic, partition)
  if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
  return pool.get(leader.address, 'admin')
}

/** Raw ListOffsets to each leader, answered in the admin API's shape: `{ [topic]: { [partition]: { offset, leaderEpoch, timestamp } } }`. */
export async function listOffsets(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partitions: number, timestamp: bigint): Promise<Record<string, Record<number, AdminOffset>>> {
  const result: Record<number, AdminOffset> = {}
  for (let partition = 0; partition < partitions; partition++) {
    const connection = await leaderConnection(metadata, pool, topic, partition)
    const response = await connection.request(
      ListOffsetsApi,
      ListOffsetsApi.createRequest({ replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }] }),
    )
    const answer = response.topics[0]?.partitions[0]
    if (answer === undefined || answer.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${partition}: ${answer?.errorCode}`)
    result[partition] = { offset: answer.offset, leaderEpoch: answer.leaderEpoch, timestamp: answer.timestamp }
  }
  return { [topic]: result }
}

async function coordinator(metadata: ClusterMetadata, pool: ConnectionPool, groupId: string): Promise<BrokerConnection> {
  for (let attempt = 0; ; attempt++) {
    const broker = [...(await metadata.refresh()).brokers.values()][0]!
    const connection = await pool.get(broker.address, 'admin')
    const response = await connection.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ keyType: 0, coordinatorKeys: [groupId] }))
    const found = response.coordinators[0] ?? { errorCode: response.errorCode, host: response.host, port: response.port }
    if (found.errorCode === 0) return pool.get(`${found.host}:${found.port}`, 'admin')
    if (attempt > 40) throw new Error(`FindCoordinator ${groupId}: ${found.errorCode}`)
    await sleep(250)
  }
}

/** Raw OffsetCommit (standalone, generation -1) with committed leader epochs. */
export async function commitOffsets(metadata: ClusterMetadata, pool: ConnectionPool, groupId: string, topic: string, offsets: Record<number, { offset: bigint; leaderEpoch: number }>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const connection = await coordinator(metadata, pool, groupId)
    const response = await connection.request(
      OffsetCommitApi,
      OffsetCommitApi.createRequest({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [
          {
            name: topic,
            topicId: ZERO_UUID,
            partitions: Object.entries(offsets).map(([partition, { offset, leaderEpoch }]) => ({
              partitionIndex: Number(partition),
              committedOffset: offset,
              committedLeaderEpoch: leaderEpoch,
              committedMetadata: 'direct-consumer-test',
            })),
          },
        ],
      }),
      { version: Math.min(connection.versionFor(OffsetCommitApi), 9) },
    )
    const errors = response.topics.flatMap((t) => t.partitions).filter((p) => p.errorCode !== 0)
    if (errors.length === 0) return
    if (attempt > 40) throw new Error(`OffsetCommit: ${errors.map((p) => p.errorCode).join(',')}`)
    await sleep(250)
  }
}

/** Raw OffsetFetch, answered in the admin API's shape: `{ [topic]: { [partition]: { offset, leaderEpoch, metadata } } }`. */
export async function fetchOffsets(metadata: ClusterMetadata, pool: ConnectionPool, groupId: string, topic: string, partitions: number): Promise<Record<string, Record<number, AdminOffset>>> {
  for (let attempt = 0; ; attempt++) {
    const connection = await coordinator(metadata, pool, groupId)
    const response = await connection.request(
      OffsetFetchApi,
      OffsetFetchApi.createRequest({ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }], requireStable: true }),
      { version: Math.min(connection.versionFor(OffsetFetchApi), 7) },
    )
    if (response.errorCode === 0) {
      const result: Record<number, AdminOffset> = {}
      for (const p of response.topics[0]?.partitions ?? []) result[p.partitionIndex] = { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata }
      return { [topic]: result }
    }
    if (attempt > 40) throw new Error(`OffsetFetch: ${response.errorCode}`)
    await sleep(250)
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  fields: Record<string, unknown>
  message: string
  at: number
}

export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const make = (bindings: Record<string, unknown>): Logger => ({
    child: (more) => make({ ...bindings, ...more }),
    debug: (fields, message) => lines.push({ level: 'debug', fields: { ...bindings, ...fields }, message, at: Date.now() }),
    info: (fields, message) => lines.push({ level: 'info', fields: { ...bindings, ...fields }, message, at: Date.now() }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: { ...bindings, ...fields }, message, at: Date.now() }),
    error: (fields, message) => lines.push({ level: 'error', fields: { ...bindings, ...fields }, message, at: Date.now() }),
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

export const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))
