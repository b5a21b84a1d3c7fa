/** xxHash32 (the checksum of the LZ4 frame format), over `data[start, end)` with `seed`. */
export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const P1 = 0x9e3779b1
  const P2 = 0x85ebca77
  const P3 = 0xc2b2ae3d
  const P4 = 0x27d4eb2f
  const P5 = 0x165667b1
  let i = start
  let h: number
  const length = end - start
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0
    let v2 = (seed + P2) | 0
    let v3 = seed | 0
    let v4 = (seed - P1) | 0
    const limit = end - 16
    while (i <= limit) {
      v1 = Math.imul(rotl(v1 + Math.imul(read32(data, i), P2), 13), P1)
      v2 = Math.imul(rotl(v2 + Math.imul(read32(data, i + 4), P2), 13), P1)
      v3 = Math.imul(rotl(v3 + Math.imul(read32(data, i + 8), P2), 13), P1)
      v4 = Math.imul(rotl(v4 + Math.imul(read32(data, i + 12), P2), 13), P1)
      i += 16
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + P5) | 0
  }
  h = (h + length) | 0
  while (i + 4 <= end) {
    h = Math.imul(rotl(h + Math.imul(read32(data, i), P3), 17), P4)
    i += 4
  }
  while (i < end) {
    h = Math.imul(rotl(h + Math.imul(data[i] as number, P5), 11), P1)
    i++
  }
  h = Math.imul(h ^ (h >>> 15), P2)
  h = Math.imul(h ^ (h >>> 13), P3)
  return (h ^ (h >>> 16)) >>> 0
}

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits))
}

function read32(data: Uint8Array, i: number): number {
  return (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)
}
