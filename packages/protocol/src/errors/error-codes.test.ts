import { describe, expect, expectTypeOf, it } from 'vitest'
import { DecodeError } from './decode-error.js'
import { ErrorCode, errorByCode, errorCodes, isRetriableErrorCode, type ErrorCodeName } from './error-codes.js'
import { KafkaError } from './kafka-error.js'
import { KafkaProtocolError } from './kafka-protocol-error.js'

describe('errorCodes', () => {
  it('has unique codes and unique names, in ascending order of code', () => {
    const codes = errorCodes.map((e) => e.code)
    const names = errorCodes.map((e) => e.name)
    expect(new Set(codes).size).toBe(codes.length)
    expect(new Set(names).size).toBe(names.length)
    expect(codes).toEqual([...codes].sort((a, b) => a - b))
  })

  it('covers every code from -1 to 133 (Apache Kafka 4.3.1) without gaps', () => {
    expect(errorCodes[0]?.code).toBe(-1)
    expect(errorCodes.at(-1)?.code).toBe(133)
    expect(errorCodes.length).toBe(135)
  })

  it('has a message for every code but NONE', () => {
    for (const e of errorCodes) {
      if (e.code === 0) expect(e.message).toBe('')
      else expect(e.message.length, e.name).toBeGreaterThan(0)
      expect(e.name).toMatch(/^[A-Z][A-Z0-9_]*$/)
    }
  })

  it('is frozen', () => {
    expect(Object.isFrozen(errorCodes)).toBe(true)
    expect(Object.isFrozen(errorCodes[0])).toBe(true)
    expect(Object.isFrozen(ErrorCode)).toBe(true)
  })

  // [code, name, retriable] as in Kafka 4.3.1 Errors.java / the protocol documentation.
  const spotChecks: [number, string, boolean][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [1, 'OFFSET_OUT_OF_RANGE', false],
    [2, 'CORRUPT_MESSAGE', true],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [8, 'BROKER_NOT_AVAILABLE', false],
    [10, 'MESSAGE_TOO_LARGE', false],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [22, 'ILLEGAL_GENERATION', false],
    [25, 'UNKNOWN_MEMBER_ID', false],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [29, 'TOPIC_AUTHORIZATION_FAILED', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [41, 'NOT_CONTROLLER', true],
    [47, 'INVALID_PRODUCER_EPOCH', false],
    [51, 'CONCURRENT_TRANSACTIONS', true],
    [56, 'KAFKA_STORAGE_ERROR', true],
    [74, 'FENCED_LEADER_EPOCH', true],
    [84, 'ELECTION_NOT_NEEDED', true],
    [89, 'THROTTLING_QUOTA_EXCEEDED', true],
    [90, 'PRODUCER_FENCED', false],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [110, 'FENCED_MEMBER_EPOCH', false],
    [113, 'STALE_MEMBER_EPOCH', false],
    [120, 'TRANSACTION_ABORTABLE', false],
    [122, 'SHARE_SESSION_NOT_FOUND', true],
    [129, 'REBOOTSTRAP_REQUIRED', false],
    [133, 'SHARE_SESSION_LIMIT_REACHED', true],
  ]
  it.each(spotChecks)('code %i is %s (retriable: %s)', (code, name, retriable) => {
    const info = errorByCode(code)
    expect(info.name).toBe(name)
    expect(info.retriable).toBe(retriable)
    expect(isRetriableErrorCode(code)).toBe(retriable)
    expect((ErrorCode as Record<string, number>)[name]).toBe(code)
  })

  it('keeps the default messages', () => {
    expect(errorByCode(7).message).toBe('The request timed out.')
    expect(errorByCode(36).message).toBe('Topic with this name already exists.')
  })

  it('has exactly the retriable codes of Kafka 4.3.1', () => {
    expect(errorCodes.filter((e) => e.retriable).map((e) => e.code)).toEqual([
      2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103,
      106, 122, 123, 133,
    ])
  })
})

describe('ErrorCode', () => {
  it('maps every name to its code', () => {
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6)
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1)
    expect(Object.keys(ErrorCode)).toHaveLength(errorCodes.length)
    for (const e of errorCodes) expect(ErrorCode[e.name as ErrorCodeName]).toBe(e.code)
  })

  it('has literal types', () => {
    expectTypeOf(ErrorCode.NOT_LEADER_OR_FOLLOWER).toEqualTypeOf<6>()
    expectTypeOf<'NONE'>().toExtend<ErrorCodeName>()
    expectTypeOf<'NOT_A_KAFKA_ERROR'>().not.toExtend<ErrorCodeName>()
  })
})

describe('unknown codes', () => {
  it.each([134, 999, -2, 32767, -32768])('code %i gets a synthetic, non-retriable entry', (code) => {
    const info = errorByCode(code)
    expect(info).toEqual({
      code,
      name: `UNKNOWN_ERROR_CODE_${code}`,
      retriable: false,
      message: expect.stringContaining(String(code)),
    })
    expect(isRetriableErrorCode(code)).toBe(false)
  })
})

describe('KafkaProtocolError', () => {
  it('carries the code, name and retriable flag from the table', () => {
    const error = KafkaProtocolError.fromCode(6, { apiName: 'Produce', topic: 'orders', partition: 3 })
    expect(error).toBeInstanceOf(KafkaProtocolError)
    expect(error).toBeInstanceOf(KafkaError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('KafkaProtocolError')
    expect(error.errorCode).toBe(6)
    expect(error.errorName).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(error.retriable).toBe(true)
    expect(error.context).toEqual({ apiName: 'Produce', topic: 'orders', partition: 3 })
    expect(error.message).toBe(
      'NOT_LEADER_OR_FOLLOWER (6): For requests intended only for the leader, this error indicates that the ' +
        'broker is not the current leader. For requests intended for any replica, this error indicates that ' +
        'the broker is not a replica of the topic partition. [Produce orders-3]',
    )
  })

  it('prefers the broker ErrorMessage over the default message', () => {
    const error = KafkaProtocolError.fromCode(ErrorCode.INVALID_REQUEST, {
      apiName: 'CreateTopics',
      errorMessage: 'Replication factor must be larger than 0',
    })
    expect(error.message).toBe('INVALID_REQUEST (42): Replication factor must be larger than 0 [CreateTopics]')
    expect(error.retriable).toBe(false)
  })

  it('falls back to the default message when the ErrorMessage is null or empty', () => {
    expect(KafkaProtocolError.fromCode(7, { errorMessage: null }).message).toBe(
      'REQUEST_TIMED_OUT (7): The request timed out.',
    )
    expect(KafkaProtocolError.fromCode(7, { errorMessage: '' }).message).toBe(
      'REQUEST_TIMED_OUT (7): The request timed out.',
    )
  })

  it('describes a group, or a partition without topic', () => {
    expect(KafkaProtocolError.fromCode(27, { apiName: 'JoinGroup', groupId: 'g1' }).message).toBe(
      'REBALANCE_IN_PROGRESS (27): The group is rebalancing, so a rejoin is needed. [JoinGroup group=g1]',
    )
    expect(KafkaProtocolError.fromCode(3, { topic: 't' }).message).toMatch(/ \[t\]$/)
    expect(KafkaProtocolError.fromCode(3, { partition: 0 }).message).toMatch(/ \[partition 0\]$/)
  })

  it('names unknown codes and does not retry them', () => {
    const error = KafkaProtocolError.fromCode(999, { apiName: 'Fetch' })
    expect(error.errorCode).toBe(999)
    expect(error.errorName).toBe('UNKNOWN_ERROR_CODE_999')
    expect(error.retriable).toBe(false)
    expect(error.message).toMatch(/^UNKNOWN_ERROR_CODE_999 \(999\): .* \[Fetch\]$/)
  })

  it('keeps a cause and a frozen copy of the context', () => {
    const cause = new Error('inner')
    const context = { topic: 'a' }
    const error = new KafkaProtocolError(3, context, { cause })
    expect(error.cause).toBe(cause)
    context.topic = 'b'
    expect(error.context.topic).toBe('a')
    expect(Object.isFrozen(error.context)).toBe(true)
  })

  it('isInstance works across copies of the package (Symbol.for brand)', () => {
    const fromOtherCopy = {
      [Symbol.for('kafkats.error')]: true,
      [Symbol.for('kafkats.error.KafkaProtocolError')]: true,
      errorCode: 6,
    }
    expect(KafkaProtocolError.isInstance(fromOtherCopy)).toBe(true)
    expect(KafkaError.isInstance(fromOtherCopy)).toBe(true)
    expect(KafkaProtocolError.isInstance(KafkaProtocolError.fromCode(6))).toBe(true)
    expect(KafkaError.isInstance(KafkaProtocolError.fromCode(6))).toBe(true)
  })

  it('isInstance rejects other errors and non-errors', () => {
    expect(KafkaProtocolError.isInstance(new DecodeError('bad', 0))).toBe(false)
    expect(KafkaProtocolError.isInstance(new KafkaError('x'))).toBe(false)
    expect(KafkaProtocolError.isInstance(new Error('x'))).toBe(false)
    expect(KafkaProtocolError.isInstance({ [Symbol.for('kafkats.error')]: true })).toBe(false)
    expect(KafkaProtocolError.isInstance(null)).toBe(false)
    expect(KafkaProtocolError.isInstance('NOT_LEADER_OR_FOLLOWER')).toBe(false)
  })
})
