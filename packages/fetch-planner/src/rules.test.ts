import { ErrorCode } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import {
  type AnswerContext,
  MAX_FOLLOWER_OUT_OF_RANGE,
  type PartitionAnswer,
  chooseReplica,
  decideFetchAnswer,
  decideValidation,
  formatMoves,
  onBrokerRemoved,
  onLeaderChange,
  onReplicasChange,
  onSourceFailure,
  pinToLeader,
  rackForRequest,
} from './rules.js'

const known = (...ids: number[]) => (id: number): boolean => ids.includes(id)

function answer(init: Partial<PartitionAnswer> = {}): PartitionAnswer {
  return {
    errorCode: ErrorCode.NONE,
    highWatermark: 100n,
    logStartOffset: 0n,
    preferredReadReplica: -1,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    ...init,
  }
}

/** Leader 1, follower 2; the answer comes from `responder`. */
function context(responder: number, init: Partial<AnswerContext> = {}): AnswerContext {
  return { responder, leader: 1, fetchOffset: 50n, now: 1_000, leaseMs: 300_000, isKnownBroker: known(1, 2, 3), ...init }
}

describe('KIP-392: redirect on preferredReadReplica', () => {
  it('moves the partition to the named replica (offset stays on the cursor) with a lease', () => {
    expect(decideFetchAnswer(answer({ preferredReadReplica: 2 }), context(1))).toEqual({ action: 'redirect', to: 2, leaseExpiresAt: 301_000 })
  })

  it('an unknown replica: refresh metadata and keep fetching from the leader', () => {
    expect(decideFetchAnswer(answer({ preferredReadReplica: 7 }), context(1))).toEqual({ action: 'stay-on-leader', refreshMetadata: true, unknownReplica: 7 })
  })

  it('-1 from the leader means "fetch from me"; -1 from the follower means "keep fetching from me"', () => {
    expect(decideFetchAnswer(answer({ preferredReadReplica: -1 }), context(1))).toEqual({ action: 'deliver' })
    expect(decideFetchAnswer(answer({ preferredReadReplica: -1 }), context(2))).toEqual({ action: 'deliver' })
    // The follower naming itself is the same as -1.
    expect(decideFetchAnswer(answer({ preferredReadReplica: 2 }), context(2))).toEqual({ action: 'deliver' })
  })
})

describe('KIP-392: back to the leader at once', () => {
  for (const name of ['NOT_LEADER_OR_FOLLOWER', 'REPLICA_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH'] as const) {
    it(`on ${name} from the follower`, () => {
      const decision = decideFetchAnswer(answer({ errorCode: ErrorCode[name] }), context(2))
      expect(decision.action).toBe('to-leader')
    })
    it(`but ${name} from the leader is retried on the leader (after a metadata refresh where it helps)`, () => {
      const decision = decideFetchAnswer(answer({ errorCode: ErrorCode[name] }), context(1))
      expect(decision).toMatchObject({ action: 'retry', refreshMetadata: name !== 'UNKNOWN_LEADER_EPOCH' })
    })
  }

  it('on other per-partition errors from the follower (unknown topic, storage error, anything unexpected)', () => {
    for (const code of [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.UNKNOWN_SERVER_ERROR]) {
      expect(decideFetchAnswer(answer({ errorCode: code }), context(2)).action).toBe('to-leader')
    }
  })

  it('on a failed dial or dropped connection to the follower; the leader itself is retried after a refresh', () => {
    expect(onSourceFailure({ preferredReplica: 2 }, 2, 1)).toEqual({ action: 'to-leader' })
    expect(onSourceFailure({ preferredReplica: -1 }, 1, 1)).toEqual({ action: 'retry', refreshMetadata: true })
  })

  it('when the follower leaves the partition replicas', () => {
    expect(onReplicasChange({ preferredReplica: 2 }, [1, 3])).toEqual({ toLeader: true })
    expect(onReplicasChange({ preferredReplica: 2 }, [1, 2, 3])).toEqual({ toLeader: false })
    expect(onReplicasChange({ preferredReplica: -1 }, [1, 3])).toEqual({ toLeader: false })
  })

  it('when the follower leaves the cluster', () => {
    expect(onBrokerRemoved({ preferredReplica: 2 }, 2)).toEqual({ toLeader: true })
    expect(onBrokerRemoved({ preferredReplica: 2 }, 3)).toEqual({ toLeader: false })
  })

  it('on a leader or leader-epoch change, validating the offset when it has an epoch (KIP-320)', () => {
    expect(onLeaderChange({ offsetEpoch: 4 })).toEqual({ toLeader: true, validate: true })
    expect(onLeaderChange({ offsetEpoch: -1 })).toEqual({ toLeader: true, validate: false })
  })
})

describe('KIP-392: after the preferred replica failed', () => {
  it('the partition is pinned to its leader for one lease: its requests carry no rack, so the leader serves instead of redirecting', () => {
    const pinnedUntil = pinToLeader(1_000, 3_000)
    expect(pinnedUntil).toBe(4_000)
    expect(rackForRequest('rack-2', [{ leaderPinnedUntil: 0 }, { leaderPinnedUntil: pinnedUntil }], 3_999)).toBe(null)
  })

  it('once the lease expires the rack is sent again (and the leader may redirect again)', () => {
    expect(rackForRequest('rack-2', [{ leaderPinnedUntil: 4_000 }], 4_000)).toBe('rack-2')
    expect(rackForRequest('rack-2', [{ leaderPinnedUntil: 0 }], 0)).toBe('rack-2')
    expect(rackForRequest(null, [{ leaderPinnedUntil: 0 }], 0)).toBe(null)
  })
})

describe('KIP-392: OFFSET_OUT_OF_RANGE', () => {
  const oor = (init: Partial<PartitionAnswer> = {}): PartitionAnswer => answer({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, ...init })

  it('from the follower, below its log start: back to the leader, no reset', () => {
    expect(decideFetchAnswer(oor({ logStartOffset: 60n, highWatermark: 100n }), context(2, { fetchOffset: 50n }))).toMatchObject({ action: 'to-leader' })
  })

  it('from the follower, above its high watermark: validate with the leader and retry, no reset', () => {
    expect(decideFetchAnswer(oor({ logStartOffset: 0n, highWatermark: 40n }), context(2, { fetchOffset: 50n }))).toMatchObject({ action: 'validate' })
  })

  it('a follower that keeps lagging is given up after a few validations', () => {
    const decision = decideFetchAnswer(oor({ highWatermark: 40n }), context(2, { fetchOffset: 50n, followerOutOfRangeCount: MAX_FOLLOWER_OUT_OF_RANGE }))
    expect(decision.action).toBe('to-leader')
  })

  it('only the leader applies the reset policy', () => {
    expect(decideFetchAnswer(oor({ logStartOffset: 60n }), context(1, { fetchOffset: 50n }))).toMatchObject({ action: 'reset' })
    expect(decideFetchAnswer(oor({ highWatermark: 40n }), context(1, { fetchOffset: 50n }))).toMatchObject({ action: 'reset' })
  })
})

describe('KIP-392: the lease, checked when the next request is built', () => {
  const partition = { leader: 1, replicas: [1, 2, 3] }

  it('uses the preferred replica while the lease runs', () => {
    expect(chooseReplica({ preferredReplica: 2, leaseExpiresAt: 5_000 }, partition, 4_999, known(1, 2, 3))).toEqual({ broker: 2, backToLeader: false })
  })

  it('goes back to the leader once it expired', () => {
    expect(chooseReplica({ preferredReplica: 2, leaseExpiresAt: 5_000 }, partition, 5_000, known(1, 2, 3))).toEqual({ broker: 1, backToLeader: true, reason: 'lease expired' })
  })

  it('goes back to the leader when the replica left the partition or the cluster', () => {
    expect(chooseReplica({ preferredReplica: 2, leaseExpiresAt: 9_000 }, { leader: 1, replicas: [1, 3] }, 0, known(1, 2, 3))).toMatchObject({ broker: 1, backToLeader: true })
    expect(chooseReplica({ preferredReplica: 2, leaseExpiresAt: 9_000 }, partition, 0, known(1, 3))).toMatchObject({ broker: 1, backToLeader: true })
  })

  it('without a preferred replica (or when it became the leader), fetches from the leader', () => {
    expect(chooseReplica({ preferredReplica: -1, leaseExpiresAt: 0 }, partition, 0, known(1, 2, 3))).toEqual({ broker: 1, backToLeader: false })
    expect(chooseReplica({ preferredReplica: 2, leaseExpiresAt: 9_000 }, { leader: 2, replicas: [1, 2, 3] }, 0, known(1, 2, 3))).toEqual({ broker: 2, backToLeader: false })
    expect(chooseReplica({ preferredReplica: -1, leaseExpiresAt: 0 }, { leader: -1, replicas: [1, 2, 3] }, 0, known(1, 2, 3))).toEqual({ broker: -1, backToLeader: false })
  })
})

describe('KIP-320: diverging epochs and OffsetForLeaderEpoch answers', () => {
  it('a divergingEpoch from the leader is a truncation; from a follower it is checked with the leader', () => {
    const diverged = answer({ divergingEpoch: { epoch: 3, endOffset: 42n } })
    expect(decideFetchAnswer(diverged, context(1))).toEqual({ action: 'truncated', endOffset: 42n, endOffsetEpoch: 3 })
    expect(decideFetchAnswer(diverged, context(2)).action).toBe('validate')
  })

  it('an end offset below the position is a truncation', () => {
    expect(decideValidation(50n, 5, { errorCode: 0, leaderEpoch: 5, endOffset: 42n })).toEqual({ action: 'truncated', endOffset: 42n, endOffsetEpoch: 5 })
  })

  it('an end offset at or above the position is valid (keeping the smaller epoch the leader confirmed)', () => {
    expect(decideValidation(50n, 5, { errorCode: 0, leaderEpoch: 5, endOffset: 50n })).toEqual({ action: 'valid', offsetEpoch: 5 })
    expect(decideValidation(50n, 5, { errorCode: 0, leaderEpoch: 4, endOffset: 80n })).toEqual({ action: 'valid', offsetEpoch: 4 })
  })

  it('an epoch the leader no longer has: fetch from the leader and let its answer decide', () => {
    expect(decideValidation(50n, 5, { errorCode: 0, leaderEpoch: -1, endOffset: -1n }).action).toBe('fetch-from-leader')
  })

  it('without an epoch for the offset, an end offset below it is not called data loss', () => {
    expect(decideValidation(50n, -1, { errorCode: 0, leaderEpoch: 7, endOffset: 42n }).action).toBe('fetch-from-leader')
    expect(decideValidation(50n, -1, { errorCode: 0, leaderEpoch: 7, endOffset: 60n })).toEqual({ action: 'valid', offsetEpoch: -1 })
  })

  it('retries on leadership errors, fails on others', () => {
    expect(decideValidation(50n, 5, { errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1n })).toMatchObject({ action: 'retry', refreshMetadata: true })
    expect(decideValidation(50n, 5, { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1n })).toMatchObject({ action: 'retry', refreshMetadata: false })
    expect(decideValidation(50n, 5, { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, leaderEpoch: -1, endOffset: -1n })).toEqual({ action: 'fail', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
  })
})

describe('other answers', () => {
  it('fails the partition on errors retrying cannot fix', () => {
    expect(decideFetchAnswer(answer({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }), context(1))).toEqual({ action: 'fail', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
  })

  it('formats the moves of the info log', () => {
    expect(
      formatMoves([
        { topic: 'orders', partition: 0, to: 2 },
        { topic: 'payments', partition: 1, to: 3 },
        { topic: 'orders', partition: 3, to: 2 },
      ]),
    ).toBe('orders{0=>2, 3=>2}, payments{1=>3}')
  })
})
