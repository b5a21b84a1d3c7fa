import { EncodeError } from '../errors/encode-error.js'

/**
 * Kafka UUIDs (topic ids, directory ids) are 16 bytes on the wire. kafkats shows them the way
 * Kafka's own tools print them: 22 characters of unpadded base64url. The all-zero UUID means unset.
 */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const reverse = /* @__PURE__ */ reverseAlphabet()

function reverseAlphabet(): Int8Array {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  return table
}

/** Base64url text of 16 bytes at `offset` of `bytes`. */
export function uuidFromBytes(bytes: Uint8Array, offset = 0): string {
  let result = ''
  let i = offset
  const end = offset + 15
  for (; i < end; i += 3) {
    const triple = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    result +=
      alphabet[(triple >> 18) & 63]! + alphabet[(triple >> 12) & 63]! + alphabet[(triple >> 6) & 63]! + alphabet[triple & 63]!
  }
  const last = bytes[i] as number
  result += alphabet[last >> 2]! + alphabet[(last & 3) << 4]!
  return result
}

/** Writes the 16 bytes of a base64url UUID into `target` at `offset`. */
export function uuidToBytes(uuid: string, target: Uint8Array = new Uint8Array(16), offset = 0): Uint8Array {
  if (uuid.length !== 22) throw new EncodeError(`invalid UUID "${uuid}": expected 22 base64url characters`)
  let out = offset
  let bits = 0
  let value = 0
  for (let i = 0; i < 22; i++) {
    const code = uuid.charCodeAt(i)
    const digit = code < 128 ? (reverse[code] as number) : -1
    if (digit < 0) throw new EncodeError(`invalid UUID "${uuid}": bad character at ${i}`)
    value = (value << 6) | digit
    bits += 6
    if (bits >= 8) {
      bits -= 8
      target[out++] = (value >> bits) & 0xff
    }
  }
  // 22 characters carry 132 bits; the last 4 must be zero or the text is not a 16-byte UUID.
  if ((value & ((1 << bits) - 1)) !== 0) throw new EncodeError(`invalid UUID "${uuid}": trailing bits set`)
  return target
}

/** A random (version 4) UUID in Kafka's text form. */
export function randomUuid(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  return uuidFromBytes(bytes)
}
