import type { ClusterMetadata } from '@kafkats/metadata'
import { ErrorCode, KafkaProtocolError, OffsetCommitApi, OffsetFetchApi, ZERO_UUID } from '@kafkats/protocol'
import type { TopicPartition } from './assignors/types.js'
import type { GroupCoordinator } from './coordinator.js'
import { byTopic, topicPartitionKey } from './util.js'

/** An offset stored for the group: the next record to read, and the leader epoch of the record before it. */
export interface CommittedOffset {
  offset: bigint
  /** -1 when unknown. */
  leaderEpoch: number
  metadata: string | null
}

/** Who commits: a classic member (generation) or a KIP-848 member (member epoch). */
export interface CommitIdentity {
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
}

export interface OffsetToCommit extends TopicPartition {
  offset: bigint
  leaderEpoch: number
  metadata?: string | null
}

/**
 * OffsetFetch for `partitions` (require_stable, KIP-447). Returns one entry per partition that has a
 * committed offset (partitions without one are absent). Group-level and partition errors are
 * thrown as KafkaProtocolErrors (the caller retries the retriable ones).
 */
export async function fetchCommittedOffsets(
  coordinator: GroupCoordinator,
  metadata: ClusterMetadata,
  request: { groupId: string; partitions: readonly TopicPartition[]; memberId?: string | null; memberEpoch?: number },
): Promise<Map<string, CommittedOffset>> {
  const connection = await coordinator.connection()
  const topics = [...byTopic(request.partitions)]
  const topicIdOf = (name: string): string => metadata.topic(name)?.topicId ?? ZERO_UUID
  // v10 names topics by id only: fall back to v9 when a topic id is unknown.
  let version = connection.versionFor(OffsetFetchApi)
  if (version >= 10 && topics.some(([name]) => topicIdOf(name) === ZERO_UUID)) version = 9
  const nameOf = new Map(topics.map(([name]) => [topicIdOf(name), name]))
  const response = await connection.request(
    OffsetFetchApi,
    version >= 8
      ? OffsetFetchApi.createRequest({
          groups: [
            {
              groupId: request.groupId,
              memberId: request.memberId ?? null,
              memberEpoch: request.memberEpoch ?? -1,
              topics: topics.map(([name, partitionIndexes]) => ({ name, topicId: topicIdOf(name), partitionIndexes })),
            },
          ],
          requireStable: true,
        })
      : OffsetFetchApi.createRequest({
          groupId: request.groupId,
          topics: topics.map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          requireStable: version >= 7,
        }),
    { version },
  )
  const context = { apiName: 'OffsetFetch', groupId: request.groupId }
  const result = new Map<string, CommittedOffset>()
  const take = (topic: string, p: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }): void => {
    if (p.errorCode !== 0) throw KafkaProtocolError.fromCode(p.errorCode, { ...context, topic, partition: p.partitionIndex })
    if (p.committedOffset >= 0n) {
      result.set(topicPartitionKey(topic, p.partitionIndex), { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata })
    }
  }
  if (version >= 8) {
    const group = response.groups.find((g) => g.groupId === request.groupId) ?? response.groups[0]
    if (group === undefined) throw KafkaProtocolError.fromCode(ErrorCode.UNKNOWN_SERVER_ERROR, { ...context, errorMessage: 'no group in the OffsetFetch response' })
    if (group.errorCode !== 0) throw KafkaProtocolError.fromCode(group.errorCode, context)
    for (const topic of group.topics) {
      const name = version >= 10 ? (nameOf.get(topic.topicId) ?? topic.name) : topic.name
      for (const p of topic.partitions) take(name, p)
    }
  } else {
    if (response.errorCode !== 0) throw KafkaProtocolError.fromCode(response.errorCode, context)
    for (const topic of response.topics) for (const p of topic.partitions) take(topic.name, p)
  }
  return result
}

/**
 * One OffsetCommit to the coordinator. Returns the error code of every partition (0 = committed);
 * the caller decides what to retry.
 */
export async function commitOffsets(
  coordinator: GroupCoordinator,
  metadata: ClusterMetadata,
  groupId: string,
  identity: CommitIdentity,
  offsets: readonly OffsetToCommit[],
): Promise<Map<string, number>> {
  const connection = await coordinator.connection()
  const topicIdOf = (name: string): string => metadata.topic(name)?.topicId ?? ZERO_UUID
  const grouped = new Map<string, OffsetToCommit[]>()
  for (const offset of offsets) {
    const list = grouped.get(offset.topic)
    if (list === undefined) grouped.set(offset.topic, [offset])
    else list.push(offset)
  }
  // v10 names topics by id only: fall back to v9 when a topic id is unknown.
  let version = connection.versionFor(OffsetCommitApi)
  if (version >= 10 && [...grouped.keys()].some((topic) => topicIdOf(topic) === ZERO_UUID)) version = 9
  const response = await connection.request(
    OffsetCommitApi,
    OffsetCommitApi.createRequest({
      groupId,
      generationIdOrMemberEpoch: identity.generationIdOrMemberEpoch,
      memberId: identity.memberId,
      groupInstanceId: identity.groupInstanceId,
      retentionTimeMs: -1n,
      topics: [...grouped].map(([name, list]) => ({
        name,
        topicId: topicIdOf(name),
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch,
          committedMetadata: o.metadata ?? null,
        })),
      })),
    }),
    { version },
  )
  const nameOf = new Map([...grouped.keys()].map((name) => [topicIdOf(name), name]))
  const result = new Map<string, number>()
  for (const topic of response.topics) {
    const name = version >= 10 ? (nameOf.get(topic.topicId) ?? topic.name) : topic.name
    for (const p of topic.partitions) result.set(topicPartitionKey(name, p.partitionIndex), p.errorCode)
  }
  for (const o of offsets) if (!result.has(topicPartitionKey(o.topic, o.partition))) result.set(topicPartitionKey(o.topic, o.partition), ErrorCode.UNKNOWN_SERVER_ERROR)
  return result
}
