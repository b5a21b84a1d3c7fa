// Answers for injected errors: the response a broker would send if every item of the request
// failed with `errorCode` (per partition where the API reports per partition, else top level).
import {
  FetchApi,
  ListOffsetsApi,
  MetadataApi,
  OffsetCommitApi,
  OffsetForLeaderEpochApi,
  ProduceApi,
  type ApiDefinition,
  type FetchRequest,
  type ListOffsetsRequest,
  type MetadataRequest,
  type OffsetCommitRequest,
  type OffsetForLeaderEpochRequest,
  type ProduceRequest,
} from '@kafkats/protocol'

/** APIs whose response has a per-partition (or per-topic) error that `errorResponse` fills. */
const PER_ITEM = new Set<number>([ProduceApi.apiKey, FetchApi.apiKey, ListOffsetsApi.apiKey, OffsetCommitApi.apiKey, OffsetForLeaderEpochApi.apiKey, MetadataApi.apiKey])

/** Whether an error can be injected for `api` (per item, or a top-level errorCode field). */
export function supportsInjectedError(api: ApiDefinition<unknown, unknown>): boolean {
  if (PER_ITEM.has(api.apiKey)) return true
  const response = api.createResponse() as Record<string, unknown>
  return 'errorCode' in response
}

export function errorResponse(api: ApiDefinition<unknown, unknown>, request: unknown, version: number, errorCode: number): unknown {
  switch (api.apiKey) {
    case ProduceApi.apiKey: {
      const r = request as ProduceRequest
      return ProduceApi.createResponse({
        responses: r.topicData.map((t) => ({
          name: t.name,
          topicId: t.topicId,
          partitionResponses: t.partitionData.map((p) => ({
            index: p.index,
            errorCode,
            baseOffset: -1n,
            logAppendTimeMs: -1n,
            logStartOffset: -1n,
            recordErrors: [],
            errorMessage: null,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
          })),
        })),
      })
    }
    case FetchApi.apiKey: {
      const r = request as FetchRequest
      return FetchApi.createResponse({
        sessionId: 0,
        responses: r.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partition,
            errorCode,
            highWatermark: -1n,
            lastStableOffset: -1n,
            logStartOffset: -1n,
            divergingEpoch: { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          })),
        })),
      })
    }
    case ListOffsetsApi.apiKey: {
      const r = request as ListOffsetsRequest
      return ListOffsetsApi.createResponse({
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 })),
        })),
      })
    }
    case OffsetCommitApi.apiKey: {
      const r = request as OffsetCommitRequest
      return OffsetCommitApi.createResponse({
        topics: r.topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
      })
    }
    case OffsetForLeaderEpochApi.apiKey: {
      const r = request as OffsetForLeaderEpochRequest
      return OffsetForLeaderEpochApi.createResponse({
        topics: r.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n })) })),
      })
    }
    case MetadataApi.apiKey: {
      const r = request as MetadataRequest
      return MetadataApi.createResponse({
        brokers: [],
        controllerId: -1,
        topics: (r.topics ?? []).map((t) => ({ errorCode, name: t.name, topicId: t.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 })),
      })
    }
    default: {
      void version
      return api.createResponse({ errorCode } as never)
    }
  }
}
