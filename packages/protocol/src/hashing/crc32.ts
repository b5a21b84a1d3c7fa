import { buildTables, crc32Bytewise16 } from './crc32c.js'

/**
 * zlib / IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320): the checksum of legacy (magic v0/v1)
 * messages, and of gzip members where the pure-JS gzip decoder checks their trailers.
 *
 * Two implementations: `zlib.crc32` (Node 20.15+ and 22.2+), found with
 * `process.getBuiltinModule` so bundlers and other runtimes never see a `node:` import, and the
 * slicing-by-16 tables below everywhere else. The native call costs more than it saves on short
 * inputs, so inputs below `NATIVE_MIN_BYTES` always take the tables. (Record batches, magic v2,
 * use CRC-32C, a different polynomial that zlib does not offer: see crc32c.ts.)
 */
const TABLES = /* @__PURE__ */ buildTables(0xedb88320, 16)

/**
 * Below this the tables are faster than the call into zlib. Measured (Node 20.20 and 22.23,
 * median of 7 interleaved runs): the tables take 0.3-0.4x zlib's time at 32-64 bytes, they are
 * even at 192-256 bytes, and zlib is 1.7-3x faster from 512 bytes on.
 */
const NATIVE_MIN_BYTES = 256

type NativeCrc32 = (data: Uint8Array, value: number) => number

let native: NativeCrc32 | null | undefined

function nativeCrc32(): NativeCrc32 | null {
  if (native !== undefined) return native
  native = null
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const zlib = runtime?.getBuiltinModule?.('node:zlib') as { crc32?: unknown } | undefined
    if (typeof zlib?.crc32 === 'function') native = zlib.crc32 as NativeCrc32
  } catch {
    native = null
  }
  return native
}

/** Which CRC-32 implementation long inputs use: Node's `zlib.crc32`, or the portable tables. */
export function crc32Implementation(): 'node:zlib' | 'portable' {
  return nativeCrc32() === null ? 'portable' : 'node:zlib'
}

/** Tests and benchmarks: the portable tables for every length (`true`), or back to detection (`false`). */
export function forcePortableCrc32(force: boolean): void {
  native = force ? null : undefined
}

/** CRC-32 (zlib) of `data[start, end)`, unsigned. Pass a previous result as `initial` to continue. */
export function crc32(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  if (end - start >= NATIVE_MIN_BYTES) {
    const zlibCrc32 = nativeCrc32()
    if (zlibCrc32 !== null) return zlibCrc32(start === 0 && end === data.length ? data : data.subarray(start, end), initial >>> 0) >>> 0
  }
  return ~crc32Bytewise16(TABLES, data, start, end, ~initial) >>> 0
}
