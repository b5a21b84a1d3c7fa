import { describe, expect, it } from 'vitest'
import { roundOrder } from './round-order.js'

/** How often each client ran at each position, and right after each other client, over `rounds`. */
function tally(n: number, rounds: number): { positions: Map<string, number>; successions: Map<string, number> } {
  const clients = Array.from({ length: n }, (_, i) => `c${i}`)
  const positions = new Map<string, number>()
  const successions = new Map<string, number>()
  for (let round = 1; round <= rounds; round++) {
    const order = roundOrder(clients, round)
    expect([...order].sort()).toEqual(clients)
    order.forEach((client, position) => positions.set(`${client}@${position}`, (positions.get(`${client}@${position}`) ?? 0) + 1))
    for (let i = 1; i < n; i++) successions.set(`${order[i - 1]}>${order[i]}`, (successions.get(`${order[i - 1]}>${order[i]}`) ?? 0) + 1)
  }
  return { positions, successions }
}

describe('roundOrder', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('with %i clients, every client runs at every position and right after every other client equally often', (n) => {
    const rows = n % 2 === 0 ? n : 2 * n
    const times = rows / n
    const { positions, successions } = tally(n, rows)
    expect(positions.size).toBe(n * n)
    for (const count of positions.values()) expect(count).toBe(times)
    expect(successions.size).toBe(n * (n - 1))
    for (const count of successions.values()) expect(count).toBe(times)
  })

  it('repeats its rows after a full set', () => {
    const clients = ['kafkats', 'kafkats-batch', 'kafkajs', 'compat']
    for (let round = 1; round <= 4; round++) expect(roundOrder(clients, round + 4)).toEqual(roundOrder(clients, round))
  })

  it('unlike a rotation, does not keep a client right after the same one', () => {
    const clients = ['kafkats', 'kafkats-batch', 'kafkajs', 'compat']
    const before = new Set<string>()
    for (let round = 1; round <= 4; round++) {
      const order = roundOrder(clients, round)
      const at = order.indexOf('compat')
      if (at > 0) before.add(order[at - 1]!)
    }
    expect([...before].sort()).toEqual(['kafkajs', 'kafkats', 'kafkats-batch'])
  })
})
