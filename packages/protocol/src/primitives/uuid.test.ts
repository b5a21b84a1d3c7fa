import { describe, expect, it } from 'vitest'
import { EncodeError } from '../errors/encode-error.js'
import { ZERO_UUID, randomUuid, uuidFromBytes, uuidToBytes } from './uuid.js'

describe('UUIDs', () => {
  it('round-trips bytes through Kafka base64url text', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17)
    const text = uuidFromBytes(bytes)
    expect(text).toHaveLength(22)
    expect(text).toBe(Buffer.from(bytes).toString('base64url'))
    expect([...uuidToBytes(text)]).toEqual([...bytes])
    expect(uuidFromBytes(new Uint8Array(16))).toBe(ZERO_UUID)
  })

  it('rejects text that is not a 16-byte UUID', () => {
    expect(() => uuidToBytes('AAAAAAAAAAAAAAAAAAAAAB')).toThrow(EncodeError)
    expect(() => uuidToBytes('too-short')).toThrow(EncodeError)
    expect(() => uuidToBytes('AAAAAAAAAAAAAAAAAAAA*A')).toThrow(EncodeError)
  })

  it('makes version 4 random UUIDs', () => {
    const bytes = uuidToBytes(randomUuid())
    expect(bytes[6]! >> 4).toBe(4)
    expect(bytes[8]! >> 6).toBe(2)
    expect(randomUuid()).not.toBe(randomUuid())
  })
})
