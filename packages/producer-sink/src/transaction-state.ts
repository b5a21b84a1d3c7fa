import { ErrorCode } from '@kafkats/protocol'

/**
 * The transactional producer's states, in Java's TransactionManager words (see the README for the
 * diagram). The coordinator keeps its own state per transactionalId; this one is what the client
 * may do next.
 */
export type TransactionState =
  /** Created with a transactionalId; `initTransactions` not called yet. */
  | 'UNINITIALIZED'
  /** InitProducerId in progress (first init, or an epoch bump after an abortable error). */
  | 'INITIALIZING'
  /** Has a producer id and epoch; no transaction open. */
  | 'READY'
  /** `beginTransaction` was called: sends and `sendOffsets` are allowed. */
  | 'IN_TRANSACTION'
  /** Flushing, then EndTxn(commit). */
  | 'COMMITTING_TRANSACTION'
  /** Failing unsent records, waiting for in-flight ones, then EndTxn(abort). */
  | 'ABORTING_TRANSACTION'
  /** The transaction cannot commit; only `abortTransaction` is allowed. */
  | 'ABORTABLE_ERROR'
  /** Fenced or not authorized: every call fails; close the producer. */
  | 'FATAL_ERROR'

/** For each state, the states it may be entered from (Java: State.isTransitionValid). */
const ENTERED_FROM: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  UNINITIALIZED: [],
  // From ABORTING_TRANSACTION: the epoch bump (KIP-360) that follows an abort when sequences are unknown.
  INITIALIZING: ['UNINITIALIZED', 'INITIALIZING', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  // A commit whose flush or EndTxn hit an abortable error, or an epoch bump that did.
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING', 'ABORTING_TRANSACTION'],
  FATAL_ERROR: [
    'UNINITIALIZED',
    'INITIALIZING',
    'READY',
    'IN_TRANSACTION',
    'COMMITTING_TRANSACTION',
    'ABORTING_TRANSACTION',
    'ABORTABLE_ERROR',
    'FATAL_ERROR',
  ],
}

export function isTransitionValid(from: TransactionState, to: TransactionState): boolean {
  return ENTERED_FROM[to].includes(from)
}

/**
 * What an error code from a transactional request means for the producer:
 * - `retry`: send the request again after a back-off (the coordinator is busy or loading, or the
 *   previous transaction is still completing);
 * - `coordinator`: look the coordinator up again, then retry;
 * - `abortable`: this transaction cannot commit; abort it and go on;
 * - `abortable-bump`: abortable, and the broker no longer knows the producer's sequence state, so
 *   the abort is followed by an epoch bump (KIP-360);
 * - `fenced`: another instance owns the transactionalId (fatal);
 * - `fatal`: the producer cannot go on.
 */
export type TransactionErrorKind = 'retry' | 'coordinator' | 'abortable' | 'abortable-bump' | 'fenced' | 'fatal'

/** The transactional APIs the client sends, for `classifyTransactionError`. */
export type TransactionApi = 'InitProducerId' | 'AddPartitionsToTxn' | 'AddOffsetsToTxn' | 'TxnOffsetCommit' | 'EndTxn' | 'Produce'

/**
 * Classifies an error code the way Java's TransactionManager handlers do. Codes not listed are
 * fatal for coordinator requests (Java: "unexpected error") and abortable for Produce.
 */
export function classifyTransactionError(api: TransactionApi, code: number): TransactionErrorKind {
  switch (code) {
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return 'coordinator'
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.NETWORK_EXCEPTION:
      return 'retry'
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      // Metadata not yet propagated to the coordinator (a new topic).
      return api === 'AddPartitionsToTxn' || api === 'TxnOffsetCommit' ? 'retry' : api === 'Produce' ? 'abortable' : 'fatal'
    case ErrorCode.PRODUCER_FENCED:
      return 'fenced'
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      // KIP-588: on Produce the epoch may be stale after the coordinator aborted a timed-out
      // transaction, so it is abortable there; from the coordinator it means fenced.
      return api === 'Produce' ? 'abortable' : 'fenced'
    case ErrorCode.UNKNOWN_PRODUCER_ID:
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER:
      return 'abortable-bump'
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
      // The coordinator lost (expired) the transactionalId's producer id: abort, then a new id.
      return api === 'InitProducerId' ? 'fatal' : 'abortable-bump'
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.TRANSACTION_ABORTABLE:
    case ErrorCode.OPERATION_NOT_ATTEMPTED:
    case ErrorCode.UNKNOWN_MEMBER_ID:
    case ErrorCode.ILLEGAL_GENERATION:
    case ErrorCode.FENCED_INSTANCE_ID:
    case ErrorCode.INVALID_RECORD:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.INVALID_TIMESTAMP:
      return 'abortable'
    case ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
    case ErrorCode.INVALID_TXN_STATE:
    case ErrorCode.INVALID_TRANSACTION_TIMEOUT:
    case ErrorCode.UNSUPPORTED_VERSION:
    case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT:
      return 'fatal'
    default:
      return api === 'Produce' ? 'abortable' : 'fatal'
  }
}
