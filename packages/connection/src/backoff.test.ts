import { describe, expect, it } from 'vitest'
import { backoffMs } from './backoff.js'

describe('backoffMs', () => {
  it('doubles from the base per attempt, within ±20% jitter', () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      for (let i = 0; i < 200; i++) {
        const ms = backoffMs(attempt, 100, 10_000)
        expect(ms).toBeGreaterThanOrEqual(Math.floor(100 * 2 ** attempt * 0.8))
        expect(ms).toBeLessThanOrEqual(Math.ceil(100 * 2 ** attempt * 1.2))
      }
    }
  })

  it('stops growing at the cap, even for huge attempt counts', () => {
    for (const attempt of [5, 10, 1000]) expect(backoffMs(attempt, 100, 1000)).toBeLessThanOrEqual(1200)
    expect(backoffMs(0, 0, 1000)).toBe(0)
  })
})
