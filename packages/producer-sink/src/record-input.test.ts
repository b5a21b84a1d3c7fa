import { describe, expect, it } from 'vitest'
import { bytesOf, toRecordInput } from './record-input.js'

const encoder = new TextEncoder()

describe('toRecordInput: strings as UTF-8', () => {
  it('gives the same bytes as TextEncoder for ASCII, multi-byte, surrogate pairs, lone surrogates and long strings', () => {
    const strings = ['', 'key-1', 'é', 'ü€', '😀 pair', 'lone \ud800 high', 'lone \udc00 low', 'x'.repeat(47), 'ß'.repeat(49), 'y'.repeat(682), 'z'.repeat(683), 'é'.repeat(5000)]
    for (const text of strings) {
      const input = toRecordInput({ topic: 't', key: text, value: text, headers: { h: text } })
      expect(bytesOf(input.key ?? null), JSON.stringify(text)).toEqual(encoder.encode(text))
      expect(bytesOf(input.value)).toEqual(encoder.encode(text))
      expect(input.headers?.[0]?.value).toEqual(encoder.encode(text))
    }
  })

  it('passes a key or value of up to 48 UTF-16 units on as the string (the encoder writes it into the batch); a longer one as its bytes', () => {
    for (const length of [0, 7, 48]) {
      const text = 'k'.repeat(length)
      const input = toRecordInput({ topic: 't', key: text, value: text })
      expect(input.key).toBe(text)
      expect(input.value).toBe(text)
    }
    const long = toRecordInput({ topic: 't', key: 'k'.repeat(49), value: 'é'.repeat(683) })
    expect(long.key).toEqual(encoder.encode('k'.repeat(49)))
    expect(long.value).toEqual(encoder.encode('é'.repeat(683)))
    // Bytes stay the caller's bytes: no copy.
    const bytes = encoder.encode('raw')
    expect(toRecordInput({ topic: 't', key: bytes, value: bytes }).key).toBe(bytes)
  })

  it('keeps every encoded header value intact while later ones fill shared slabs (no overwrite across slab boundaries)', () => {
    // 40,000 header values of up to ~2 KiB worst case: many slab changes, some at the exact boundary.
    const inputs = Array.from({ length: 40_000 }, (_, i) => {
      const text = i % 97 === 0 ? `€${'k'.repeat(i % 600)}-${i}` : `key-${i}`
      return { text, input: toRecordInput({ topic: 't', value: null, headers: { h: text } }) }
    })
    for (const { text, input } of inputs) expect(input.headers?.[0]?.value).toEqual(encoder.encode(text))
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
