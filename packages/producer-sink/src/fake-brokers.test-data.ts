// What the producer tests on fake brokers (testkit `FakeBroker`) answer for the topic `orders`:
// its Metadata and its Produce acknowledgements, written once for every test file here.
import {
  type MetadataResponse,
  type ProduceResponse,
  ProduceApi,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
} from '@kafkats/protocol'

export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'

/** A fake broker's address, as the Metadata answer lists it. */
interface BrokerAddress {
  host: string
  port: number
}

/** One partition of `orders`: its leader (a node id), and its replicas (the leader alone by default). */
export interface OrdersPartition {
  partition: number
  leader: number
  replicas?: number[]
}

/**
 * The Metadata answer for `orders`: `brokers[i]` is node id i + 1 (a stale answer lists fewer
 * brokers than run), partition 0 led by node 1 unless `partitions` says otherwise.
 */
export function ordersMetadata(brokers: readonly BrokerAddress[], partitions: readonly OrdersPartition[] = [{ partition: 0, leader: 1 }]): MetadataResponse {
  return createMetadataResponse({
    clusterId: 'fake',
    controllerId: 1,
    brokers: brokers.map((b, i) => createMetadataResponseBroker({ nodeId: i + 1, host: b.host, port: b.port })),
    topics: [
      createMetadataResponseTopic({
        name: 'orders',
        topicId: TOPIC_ID,
        partitions: partitions.map(({ partition, leader, replicas = [leader] }) =>
          createMetadataResponsePartition({ partitionIndex: partition, leaderId: leader, leaderEpoch: 0, replicaNodes: replicas, isrNodes: replicas }),
        ),
      }),
    ],
  })
}

/** One partition's part of a Produce answer. */
export interface OrdersAck {
  index: number
  errorCode?: number
  /** -1 for an error. */
  baseOffset: bigint
  /** KIP-951: the leader a NOT_LEADER_OR_FOLLOWER answer names. */
  currentLeader?: { leaderId: number; leaderEpoch: number }
}

/** A Produce answer for `orders` (`nodeEndpoints`: the KIP-951 endpoints of leaders it names). */
export function ordersProduceAnswer(acks: readonly OrdersAck[], nodeEndpoints: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = []): ProduceResponse {
  return ProduceApi.createResponse({
    responses: [
      {
        name: 'orders',
        topicId: TOPIC_ID,
        partitionResponses: acks.map(({ index, errorCode = 0, baseOffset, currentLeader = { leaderId: -1, leaderEpoch: -1 } }) => ({
          index,
          errorCode,
          baseOffset,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
          recordErrors: [],
          errorMessage: null,
          currentLeader,
        })),
      },
    ],
    nodeEndpoints,
  })
}
