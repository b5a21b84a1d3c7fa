/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record batches
 * (magic v2). Table-driven "slicing-by-8": eight 256-entry tables let the main loop fold eight
 * input bytes per iteration with eight independent table lookups.
 */

const POLYNOMIAL = 0x82f63b78

/** `TABLES[k * 256 + b]`: CRC of byte `b` followed by `k` zero bytes. */
const TABLES = buildTables(POLYNOMIAL, 8)

/** Builds the slicing tables of a reflected CRC-32 polynomial. */
export function buildTables(polynomial: number, slices: number): Int32Array {
  const tables = new Int32Array(slices * 256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1
    tables[byte] = crc
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = tables[byte] as number
    for (let slice = 1; slice < slices; slice++) {
      crc = (tables[crc & 0xff] as number) ^ (crc >>> 8)
      tables[slice * 256 + byte] = crc
    }
  }
  return tables
}

/**
 * CRC-32C of `data[start, end)`, as an unsigned 32-bit number. Pass a previous result as
 * `initial` to continue a checksum over several pieces.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return crc32Sliced(TABLES, data, start, end, initial)
}

/** Slicing-by-8 update shared by CRC-32C and the zlib CRC-32 (legacy message sets). */
export function crc32Sliced(t: Int32Array, data: Uint8Array, start: number, end: number, initial: number): number {
  let crc = ~initial
  let i = start
  // bring `i` to a multiple of 8 from the end so the main loop has no remainder check inside
  const fast = end - ((end - i) & 7)
  while (i < fast) {
    const a = crc ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))
    crc =
      (t[1792 + (a & 0xff)] as number) ^
      (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^
      (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (data[i + 4] as number)] as number) ^
      (t[512 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number)
    i += 8
  }
  while (i < end) crc = (t[(crc ^ (data[i++] as number)) & 0xff] as number) ^ (crc >>> 8)
  return ~crc >>> 0
}
