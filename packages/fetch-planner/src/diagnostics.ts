import { channel } from 'node:diagnostics_channel'

/*
 * node:diagnostics_channel events of @kafkats/fetch-planner. Each channel is created once, here;
 * the fetch loop checks `hasSubscribers` before collecting anything for a message.
 */

/** One partition's part of a Fetch response. */
export interface FetchResponsePartition {
  topic: string
  partition: number
  /** The offset the partition was fetched at. */
  fetchOffset: bigint
  /** 0 for none; else an error code of the partition's answer (Kafka's error table). */
  errorCode: number
  highWatermark: bigint
  /** Record-batch bytes the broker returned for the partition. */
  bytes: number
  /** Records in the batches handed on to the application's buffer, from the batch headers: control batches excluded; records below the fetch offset and aborted transactions are filtered when polled. */
  records: number
  /** The replica the broker asked the client to fetch the partition from (KIP-392); -1 for none. */
  preferredReadReplica: number
}

/** A partition that moves to another broker after this response (KIP-392: to its preferred replica). */
export interface PreferredReplicaMove {
  topic: string
  partition: number
  fromNodeId: number
  toNodeId: number
}

/** `kafkats:fetch:response`: one Fetch response was handled. */
export interface FetchResponseMessage {
  /** The broker that answered. */
  nodeId: number
  /** Top-level error code (0: none; e.g. FETCH_SESSION_ID_NOT_FOUND). */
  errorCode: number
  /** The incremental fetch session (KIP-227) the response belongs to; 0 for none. */
  sessionId: number
  /** Partitions the response answered. */
  partitionCount: number
  /** Record-batch bytes over all partitions. */
  bytes: number
  /** Records handed on over all partitions. */
  records: number
  /** The partitions one by one, as the response answered them (an incremental fetch omits unchanged ones). */
  partitions: FetchResponsePartition[]
  /** Partitions the broker redirected to a preferred read replica (KIP-392). */
  preferredReplicaMoves: PreferredReplicaMove[]
  /** The broker asked for a pause (KIP-219); the next Fetch to it waits this long. */
  throttleTimeMs: number
}

/** The names of the channels @kafkats/fetch-planner publishes on. */
export const fetchChannelNames = {
  response: 'kafkats:fetch:response',
} as const

/** Each channel's message type, by channel name. */
export interface FetchChannelMessages {
  'kafkats:fetch:response': FetchResponseMessage
}

// A module-level reference keeps the channel alive (node holds unreferenced channels weakly).
export const fetchResponseChannel = channel(fetchChannelNames.response)
