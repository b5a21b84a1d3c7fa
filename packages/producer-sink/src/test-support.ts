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
