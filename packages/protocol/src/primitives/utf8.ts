const textEncoder = /* @__PURE__ */ new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of a Kafka string (Java keeps it); the default would strip it
const textDecoder = /* @__PURE__ */ new TextDecoder('utf-8', { ignoreBOM: true })

/** Strings up to this many UTF-16 units are coded by hand: cheaper than a TextEncoder call. */
const SHORT_STRING = 48

/** Number of bytes `value` takes in UTF-8 (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(value: string): number {
  const length = value.length
  let bytes = length
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) {
      bytes += 1
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = value.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        // a surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes
        bytes += 2
        i++
      } else {
        bytes += 2
      }
    } else {
      bytes += 2
    }
  }
  return bytes
}

/**
 * Writes `value` as UTF-8 into `target` at `offset`; `target` must have room for
 * `utf8Length(value)` bytes. Returns the number of bytes written.
 */
export function writeUtf8(target: Uint8Array, offset: number, value: string): number {
  const length = value.length
  if (length > SHORT_STRING) {
    return textEncoder.encodeInto(value, target.subarray(offset)).written
  }
  let position = offset
  for (let i = 0; i < length; i++) {
    let code = value.charCodeAt(i)
    if (code < 0x80) {
      target[position++] = code
      continue
    }
    if (code < 0x800) {
      target[position++] = 0xc0 | (code >> 6)
      target[position++] = 0x80 | (code & 0x3f)
      continue
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00)
        i++
        target[position++] = 0xf0 | (code >> 18)
        target[position++] = 0x80 | ((code >> 12) & 0x3f)
        target[position++] = 0x80 | ((code >> 6) & 0x3f)
        target[position++] = 0x80 | (code & 0x3f)
        continue
      }
      code = 0xfffd
    }
    target[position++] = 0xe0 | (code >> 12)
    target[position++] = 0x80 | ((code >> 6) & 0x3f)
    target[position++] = 0x80 | (code & 0x3f)
  }
  return position - offset
}

/** Decodes UTF-8 bytes `[start, end)` of `source`; invalid sequences become U+FFFD. */
export function readUtf8(source: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    let result = ''
    for (let i = start; i < end; i++) {
      const byte = source[i] as number
      if (byte >= 0x80) return textDecoder.decode(source.subarray(start, end))
      result += String.fromCharCode(byte)
    }
    return result
  }
  return textDecoder.decode(source.subarray(start, end))
}

/** Encodes a whole string to a new UTF-8 array (for keys and values given as strings). */
export function encodeUtf8(value: string): Uint8Array {
  return textEncoder.encode(value)
}

/** Decodes a whole UTF-8 array. */
export function decodeUtf8(bytes: Uint8Array): string {
  return readUtf8(bytes, 0, bytes.length)
}
