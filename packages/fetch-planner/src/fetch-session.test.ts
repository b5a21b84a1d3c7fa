import { describe, expect, it } from 'vitest'
import { FINAL_EPOCH, FetchSession, INITIAL_EPOCH, type SessionPartition } from './fetch-session.js'

function partition(p: number, fetchOffset: bigint, topic = 'orders'): SessionPartition {
  return { topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: p, fetchOffset, currentLeaderEpoch: 3, lastFetchedEpoch: -1, partitionMaxBytes: 1024 }
}

describe('FetchSession (KIP-227)', () => {
  it('opens with a full request, then sends only changed partitions and forgets removed ones', () => {
    const session = new FetchSession()
    const first = session.build([partition(0, 0n), partition(1, 0n)], 18, true)
    expect(first).toMatchObject({ sessionId: 0, sessionEpoch: INITIAL_EPOCH, full: true })
    expect(first.send).toHaveLength(2)
    session.succeeded(first, 77)
    expect(session.id).toBe(77)
    expect(session.epoch).toBe(1)

    // Partition 0 advanced, partition 1 did not: only 0 is sent; the broker keeps fetching 1.
    const second = session.build([partition(0, 10n), partition(1, 0n)], 18, true)
    expect(second).toMatchObject({ sessionId: 77, sessionEpoch: 1, full: false, forget: [] })
    expect(second.send.map((p) => p.partition)).toEqual([0])
    expect([...second.partitions.keys()]).toHaveLength(2)
    session.succeeded(second, 77)

    // Partition 1 moved to another broker: forgotten.
    const third = session.build([partition(0, 10n)], 18, true)
    expect(third.send).toEqual([])
    expect(third.forget.map((p) => p.partition)).toEqual([1])
    expect(third.sessionEpoch).toBe(2)
    session.succeeded(third, 77)
    expect(session.size).toBe(1)
  })

  it('a session error or failed request resets to a full request', () => {
    const session = new FetchSession()
    session.succeeded(session.build([partition(0, 0n)], 18, true), 5)
    session.reset()
    expect(session.build([partition(0, 3n)], 18, true)).toMatchObject({ sessionId: 0, sessionEpoch: INITIAL_EPOCH, full: true })
  })

  it('a broker that declines a session (id 0) gets full requests', () => {
    const session = new FetchSession()
    session.succeeded(session.build([partition(0, 0n)], 18, true), 0)
    expect(session.build([partition(0, 0n)], 18, true)).toMatchObject({ sessionId: 0, sessionEpoch: INITIAL_EPOCH, full: true })
  })

  it('a change of version or of topic-id use starts a new session; versions before 7 have none', () => {
    const session = new FetchSession()
    session.succeeded(session.build([partition(0, 0n)], 18, true), 9)
    expect(session.build([partition(0, 0n)], 12, false).full).toBe(true)
    expect(new FetchSession().build([partition(0, 0n)], 6, false)).toMatchObject({ sessionId: 0, sessionEpoch: FINAL_EPOCH, full: true })
  })

  it('a changed leader epoch or max bytes is sent again', () => {
    const session = new FetchSession()
    session.succeeded(session.build([partition(0, 0n)], 18, true), 9)
    expect(session.build([{ ...partition(0, 0n), currentLeaderEpoch: 4 }], 18, true).send).toHaveLength(1)
  })

  it('epochs wrap from INT32_MAX to 1', () => {
    const session = new FetchSession()
    session.succeeded(session.build([partition(0, 0n)], 18, true), 9)
    session.epoch = 0x7fffffff
    session.succeeded(session.build([partition(0, 0n)], 18, true), 9)
    expect(session.epoch).toBe(1)
  })
})
