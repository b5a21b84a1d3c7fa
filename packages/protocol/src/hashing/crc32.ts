import { buildTables, crc32Bytewise16 } from './crc32c.js'

/** zlib / IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320): the checksum of legacy (magic v0/v1) messages. */
const TABLES = /* @__PURE__ */ buildTables(0xedb88320, 16)

/** CRC-32 (zlib) of `data[start, end)`, unsigned. Pass a previous result as `initial` to continue. */
export function crc32(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return ~crc32Bytewise16(TABLES, data, start, end, ~initial) >>> 0
}
