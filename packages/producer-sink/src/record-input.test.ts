import { describe, expect, it } from 'vitest'
import { toRecordInput } from './record-input.js'

const encoder = new TextEncoder()

describe('toRecordInput: strings as UTF-8', () => {
  it('gives the same bytes as TextEncoder for ASCII, multi-byte, surrogate pairs, lone surrogates and long strings', () => {
    const strings = ['', 'key-1', 'é', 'ü€', '😀 pair', 'lone \ud800 high', 'lone \udc00 low', 'x'.repeat(47), 'ß'.repeat(49), 'y'.repeat(682), 'z'.repeat(683), 'é'.repeat(5000)]
    for (const text of strings) {
      const input = toRecordInput({ topic: 't', key: text, value: text, headers: { h: text } })
      expect(input.key, JSON.stringify(text)).toEqual(encoder.encode(text))
      expect(input.value).toEqual(encoder.encode(text))
      expect(input.headers?.[0]?.value).toEqual(encoder.encode(text))
    }
  })

  it('keeps every encoded key intact while later keys fill shared slabs (no overwrite across slab boundaries)', () => {
    // 40,000 keys of up to ~2 KiB worst case: many slab changes, some at the exact boundary.
    const inputs = Array.from({ length: 40_000 }, (_, i) => {
      const key = i % 97 === 0 ? `€${'k'.repeat(i % 600)}-${i}` : `key-${i}`
      return { key, input: toRecordInput({ topic: 't', key, value: null }) }
    })
    for (const { key, input } of inputs) expect(input.key).toEqual(encoder.encode(key))
  })
})

describe('toRecordInput: timestamps', () => {
  it('gives a record without a timestamp the time passed in (sendBatch: one clock read per call), else the clock; keeps a given one', () => {
    expect(toRecordInput({ topic: 't', value: null }, 1234).timestamp).toBe(1234)
    const before = Date.now()
    const stamped = toRecordInput({ topic: 't', value: null }).timestamp as number
    expect(stamped).toBeGreaterThanOrEqual(before)
    expect(stamped).toBeLessThanOrEqual(Date.now())
    expect(toRecordInput({ topic: 't', value: null, timestamp: 99 }, 1234).timestamp).toBe(99)
  })
})
