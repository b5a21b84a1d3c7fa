import { channel } from 'node:diagnostics_channel'

/*
 * node:diagnostics_channel events of @kafkats/producer-sink. Each channel is created once, here;
 * the producer checks `hasSubscribers` before building a message, so unobserved producers pay
 * one property read per batch.
 */

/** `kafkats:produce:batch-sent`: a record batch of one partition is about to be written in a Produce request. */
export interface ProduceBatchSentMessage {
  topic: string
  partition: number
  /** The partition leader it is sent to. */
  nodeId: number
  records: number
  /** The encoded (possibly compressed) record batch. */
  bytes: number
  /** 1 for the first send, 2 for the first retry, ... */
  attempt: number
  /** -1 when the producer is not idempotent. */
  producerId: bigint
  producerEpoch: number
  /** The first sequence number of the batch (-1 when not idempotent). */
  baseSequence: number
  /** True when the batch was re-stamped with a newer producer epoch than the one it was first encoded with (KIP-360 epoch bump). */
  epochBumped: boolean
  transactionalId: string | null
}

/** `kafkats:produce:batch-acked`: the leader acknowledged a batch (or, acks=0, it was written). */
export interface ProduceBatchAckedMessage extends ProduceBatchSentMessage {
  /** Offset of the batch's first record; -1 with acks=0. */
  baseOffset: bigint
  /** The broker already had it (DUPLICATE_SEQUENCE_NUMBER): an idempotent retry of a written batch. */
  duplicate: boolean
  /** From the batch's first record to this acknowledgement. */
  durationMs: number
}

/** `kafkats:produce:batch-failed`: a batch failed for good; each of its records rejects with `error`. */
export interface ProduceBatchFailedMessage {
  topic: string
  partition: number
  records: number
  /** Sends so far (0: it never left the producer). */
  attempts: number
  error: Error
}

/**
 * `kafkats:produce:producer-id`: the producer obtained its id, or bumped its epoch (KIP-360: after
 * the broker lost the producer's sequence state, or a transaction abort).
 */
export interface ProduceProducerIdMessage {
  producerId: bigint
  producerEpoch: number
  /** -1 for the first id. */
  previousProducerId: bigint
  previousProducerEpoch: number
  /** Same id, next epoch. */
  epochBump: boolean
  reason: string
  transactionalId: string | null
}

/** The names of the channels @kafkats/producer-sink publishes on. */
export const producerChannelNames = {
  batchSent: 'kafkats:produce:batch-sent',
  batchAcked: 'kafkats:produce:batch-acked',
  batchFailed: 'kafkats:produce:batch-failed',
  producerId: 'kafkats:produce:producer-id',
} as const

/** Each channel's message type, by channel name. */
export interface ProducerChannelMessages {
  'kafkats:produce:batch-sent': ProduceBatchSentMessage
  'kafkats:produce:batch-acked': ProduceBatchAckedMessage
  'kafkats:produce:batch-failed': ProduceBatchFailedMessage
  'kafkats:produce:producer-id': ProduceProducerIdMessage
}

// Module-level references keep the channels alive (node holds unreferenced channels weakly).
export const batchSentChannel = channel(producerChannelNames.batchSent)
export const batchAckedChannel = channel(producerChannelNames.batchAcked)
export const batchFailedChannel = channel(producerChannelNames.batchFailed)
export const producerIdChannel = channel(producerChannelNames.producerId)
