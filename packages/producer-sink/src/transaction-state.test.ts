import { ErrorCode } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { type TransactionState, classifyTransactionError, isTransitionValid } from './transaction-state.js'

const states: TransactionState[] = [
  'UNINITIALIZED',
  'INITIALIZING',
  'READY',
  'IN_TRANSACTION',
  'COMMITTING_TRANSACTION',
  'ABORTING_TRANSACTION',
  'ABORTABLE_ERROR',
  'FATAL_ERROR',
]

describe('transaction state machine (Java TransactionManager semantics)', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = new Set([
      'UNINITIALIZED>INITIALIZING',
      'INITIALIZING>INITIALIZING',
      'ABORTING_TRANSACTION>INITIALIZING',
      'INITIALIZING>READY',
      'COMMITTING_TRANSACTION>READY',
      'ABORTING_TRANSACTION>READY',
      'READY>IN_TRANSACTION',
      'IN_TRANSACTION>COMMITTING_TRANSACTION',
      'IN_TRANSACTION>ABORTING_TRANSACTION',
      'ABORTABLE_ERROR>ABORTING_TRANSACTION',
      'IN_TRANSACTION>ABORTABLE_ERROR',
      'COMMITTING_TRANSACTION>ABORTABLE_ERROR',
      'ABORTABLE_ERROR>ABORTABLE_ERROR',
      'INITIALIZING>ABORTABLE_ERROR',
      'ABORTING_TRANSACTION>ABORTABLE_ERROR',
      ...states.map((from) => `${from}>FATAL_ERROR`),
    ])
    for (const from of states) for (const to of states) expect(isTransitionValid(from, to), `${from} -> ${to}`).toBe(allowed.has(`${from}>${to}`))
    // Nothing leaves FATAL_ERROR, and a transaction can never be begun twice or committed from an error.
    expect(isTransitionValid('FATAL_ERROR', 'READY')).toBe(false)
    expect(isTransitionValid('ABORTABLE_ERROR', 'COMMITTING_TRANSACTION')).toBe(false)
  })

  it('classifies errors as Java does: retry, coordinator, abortable, abortable with epoch bump, fenced, fatal', () => {
    expect(classifyTransactionError('EndTxn', ErrorCode.NOT_COORDINATOR)).toBe('coordinator')
    expect(classifyTransactionError('AddPartitionsToTxn', ErrorCode.COORDINATOR_NOT_AVAILABLE)).toBe('coordinator')
    expect(classifyTransactionError('InitProducerId', ErrorCode.CONCURRENT_TRANSACTIONS)).toBe('retry')
    expect(classifyTransactionError('InitProducerId', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe('retry')
    expect(classifyTransactionError('AddPartitionsToTxn', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)).toBe('retry')
    expect(classifyTransactionError('AddPartitionsToTxn', ErrorCode.TOPIC_AUTHORIZATION_FAILED)).toBe('abortable')
    expect(classifyTransactionError('TxnOffsetCommit', ErrorCode.ILLEGAL_GENERATION)).toBe('abortable')
    expect(classifyTransactionError('TxnOffsetCommit', ErrorCode.UNKNOWN_MEMBER_ID)).toBe('abortable')
    expect(classifyTransactionError('TxnOffsetCommit', ErrorCode.FENCED_INSTANCE_ID)).toBe('abortable')
    expect(classifyTransactionError('AddOffsetsToTxn', ErrorCode.GROUP_AUTHORIZATION_FAILED)).toBe('abortable')
    expect(classifyTransactionError('EndTxn', ErrorCode.TRANSACTION_ABORTABLE)).toBe('abortable')
    expect(classifyTransactionError('Produce', ErrorCode.INVALID_PRODUCER_EPOCH)).toBe('abortable')
    expect(classifyTransactionError('Produce', ErrorCode.MESSAGE_TOO_LARGE)).toBe('abortable')
    expect(classifyTransactionError('Produce', ErrorCode.UNKNOWN_PRODUCER_ID)).toBe('abortable-bump')
    expect(classifyTransactionError('Produce', ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe('abortable-bump')
    expect(classifyTransactionError('AddPartitionsToTxn', ErrorCode.INVALID_PRODUCER_ID_MAPPING)).toBe('abortable-bump')
    expect(classifyTransactionError('EndTxn', ErrorCode.INVALID_PRODUCER_EPOCH)).toBe('fenced')
    expect(classifyTransactionError('Produce', ErrorCode.PRODUCER_FENCED)).toBe('fenced')
    expect(classifyTransactionError('InitProducerId', ErrorCode.PRODUCER_FENCED)).toBe('fenced')
    expect(classifyTransactionError('InitProducerId', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)).toBe('fatal')
    expect(classifyTransactionError('InitProducerId', ErrorCode.INVALID_TRANSACTION_TIMEOUT)).toBe('fatal')
    expect(classifyTransactionError('EndTxn', ErrorCode.INVALID_TXN_STATE)).toBe('fatal')
    expect(classifyTransactionError('EndTxn', ErrorCode.CLUSTER_AUTHORIZATION_FAILED)).toBe('fatal')
    expect(classifyTransactionError('EndTxn', ErrorCode.UNKNOWN_SERVER_ERROR)).toBe('fatal')
    expect(classifyTransactionError('Produce', ErrorCode.UNKNOWN_SERVER_ERROR)).toBe('abortable')
  })
})
