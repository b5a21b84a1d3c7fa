import { describe, expect, it } from 'vitest'
import { decodeUtf8, encodeUtf8, readUtf8 } from './utf8.js'

describe('UTF-8', () => {
  // Found by the conformance check (tools/conformance): Java keeps a leading U+FEFF in a
  // string; TextDecoder's default (ignoreBOM: false) silently dropped it.
  it('keeps a leading byte order mark, short and long strings alike', () => {
    for (const text of ['\uFEFFa', '\uFEFF', '\uFEFF' + 'x'.repeat(100), '\uFEFF\uFEFFé']) {
      const bytes = encodeUtf8(text)
      expect(bytes.subarray(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]))
      expect(decodeUtf8(bytes)).toBe(text)
      const padded = new Uint8Array([1, ...bytes, 2])
      expect(readUtf8(padded, 1, 1 + bytes.length)).toBe(text)
    }
  })
})
