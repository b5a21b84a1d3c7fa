// Helpers for this package's tests (not exported from index.ts): create topics and read a
// partition back with raw Fetch requests to its leader, an independent path from the producer.
import type { ConnectionPool } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { CreateTopicsApi, FetchApi, decodeRecordBatches, decodeUtf8 } from '@kafkats/protocol'

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

export interface ReadRecord {
  offset: bigint
  key: string | null
  value: string | null
  headers: Array<{ key: string; value: string | null }>
}

/** Every record of a partition, from offset 0 to the high watermark, read from its leader. */
export async function readPartition(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partition: number): Promise<ReadRecord[]> {
  const records: ReadRecord[] = []
  let fetchOffset = 0n
  for (let attempt = 0; attempt < 10_000; attempt++) {
    await metadata.refresh()
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
      const { batches } = await decodeRecordBatches(data.records, { topic, partition })
      for (const batch of batches) {
        if (batch.isControl) continue
        for (const record of batch.records) {
          if (record.offset < fetchOffset) continue
          records.push({
            offset: record.offset,
            key: record.key === null ? null : decodeUtf8(record.key),
            value: record.value === null ? null : decodeUtf8(record.value),
            headers: record.headers.map((header) => ({ key: header.key, value: header.value === null ? null : decodeUtf8(header.value) })),
          })
        }
        fetchOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
      }
    }
    if (fetchOffset >= data.highWatermark) return records
  }
  throw new Error('readPartition did not reach the high watermark')
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
export async function readTransactionalPartition(metadata: ClusterMetadata, pool: ConnectionPool, topic: string, partition: number): Promise<TransactionalLog> {
  const result: TransactionalLog = { committed: [], aborted: [], open: [], plain: [], commitMarkers: 0, abortMarkers: 0 }
  const openByProducer = new Map<bigint, string[]>()
  let fetchOffset = 0n
  for (let attempt = 0; attempt < 10_000; attempt++) {
    await metadata.refresh()
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
      const { batches } = await decodeRecordBatches(data.records, { topic, partition })
      for (const batch of batches) {
        const nextOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
        if (nextOffset <= fetchOffset) continue
        if (batch.isControl) {
          const values = openByProducer.get(batch.producerId) ?? []
          openByProducer.delete(batch.producerId)
          if (batch.control?.type === 'COMMIT') {
            result.commitMarkers++
            result.committed.push(...values)
          } else if (batch.control?.type === 'ABORT') {
            result.abortMarkers++
            result.aborted.push(...values)
          }
        } else {
          const values = batch.records.filter((record) => record.offset >= fetchOffset).map((record) => (record.value === null ? '' : decodeUtf8(record.value)))
          if (batch.isTransactional) {
            let list = openByProducer.get(batch.producerId)
            if (list === undefined) openByProducer.set(batch.producerId, (list = []))
            list.push(...values)
          } else {
            result.plain.push(...values)
          }
        }
        fetchOffset = nextOffset
      }
    }
    if (fetchOffset >= data.highWatermark) {
      for (const values of openByProducer.values()) result.open.push(...values)
      return result
    }
  }
  throw new Error('readTransactionalPartition did not reach the high watermark')
}
