import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { CompressionError } from './compression-error.js'
import { decompressSync } from './codecs.js'
import { forcePureJsGzip } from './gzip.js'

// The pure-JS gzip path (used where node:zlib is missing) must reject what zlib rejects.
describe('pure-JS gunzip', () => {
  afterEach(() => forcePureJsGzip(false))
  const valid = new Uint8Array(gzipSync(Buffer.from('hello kafka '.repeat(50))))

  it('decodes a valid stream', () => {
    forcePureJsGzip(true)
    expect(Buffer.from(decompressSync('gzip', valid)).toString()).toBe('hello kafka '.repeat(50))
  })

  it.each([
    ['empty', ''],
    ['header only', '1f8b08'],
    ['empty deflate, no trailer', '1f8b08000000000000030300'],
    ['bad CRC', '1f8b08000000000000030300ffffffff00000000'],
  ])('rejects %s', (_name, hex) => {
    forcePureJsGzip(true)
    expect(() => decompressSync('gzip', Buffer.from(hex, 'hex'))).toThrow(CompressionError)
  })

  it('rejects a cut trailer, a wrong size and appended bytes', () => {
    forcePureJsGzip(true)
    const wrongSize = valid.slice()
    wrongSize[wrongSize.length - 1]! ^= 1
    for (const bad of [valid.subarray(0, valid.length - 8), wrongSize, Uint8Array.from([...valid, 1, 2, 3])]) {
      expect(() => decompressSync('gzip', bad)).toThrow(CompressionError)
    }
  })
})
