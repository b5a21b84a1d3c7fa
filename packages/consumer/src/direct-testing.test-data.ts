// Helpers for the direct consumer's tests only (not exported): raw ListOffsets / OffsetCommit /
// OffsetFetch requests (independent of the code under test, shaped like the admin API's answers).
// The ones every package's tests share are in @kafkats/testkit.
import type { BrokerConnection, ConnectionPool } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { ListOffsetsApi, OffsetCommitApi, OffsetFetchApi, ZERO_UUID } from '@kafkats/protocol'
import { groupCoordinator, sleep } from '@kafkats/testkit'
import type { AdminOffset } from './direct-consumer.js'

/** Leaders 1 and 3 only; node 2 (rack-2) follows every partition. */
export const LEADERS_1_AND_3 = [
  [1, 2, 3],
  [3, 2, 1],
  [1, 3, 2],
  [3, 1, 2],
].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds }))

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

/** Raw OffsetCommit (standalone, generation -1) with committed leader epochs. */
export async function commitOffsets(metadata: ClusterMetadata, pool: ConnectionPool, groupId: string, topic: string, offsets: Record<number, { offset: bigint; leaderEpoch: number }>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const connection = await groupCoordinator(metadata, pool, groupId)
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
    const connection = await groupCoordinator(metadata, pool, groupId)
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
