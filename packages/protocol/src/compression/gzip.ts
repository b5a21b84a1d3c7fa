import { Gunzip, gzipSync } from 'fflate'
import { crc32 } from '../hashing/crc32.js'
import { CompressionError } from './compression-error.js'

/**
 * gzip: a normal gzip stream (RFC 1952), as java.util.zip.GZIPOutputStream writes it.
 *
 * Two implementations: Node's zlib (native, 2-3x faster) when the runtime has it — found with
 * `process.getBuiltinModule`, synchronously and without a static `node:` import, so bundlers and
 * non-Node runtimes are unaffected — and `fflate` (pure JS) everywhere else.
 */

interface NodeZlib {
  gzipSync(data: Uint8Array, options: { level: number }): Uint8Array
  gunzipSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array
}

let nodeZlib: NodeZlib | null | undefined

/** Node's zlib, or null when the runtime has no `process.getBuiltinModule` (browsers, Node < 20.16). */
function getNodeZlib(): NodeZlib | null {
  if (nodeZlib !== undefined) return nodeZlib
  nodeZlib = null
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const zlib = runtime?.getBuiltinModule?.('node:zlib') as Partial<NodeZlib> | undefined
    if (typeof zlib?.gzipSync === 'function' && typeof zlib.gunzipSync === 'function') nodeZlib = zlib as NodeZlib
  } catch {
    nodeZlib = null
  }
  return nodeZlib
}

/** Which gzip implementation is in use: `node:zlib` or `fflate`. */
export function gzipImplementation(): 'node:zlib' | 'fflate' {
  return getNodeZlib() === null ? 'fflate' : 'node:zlib'
}

/** Forces the pure-JS implementation (tests, benchmarks), or back to auto-detection with `false`. */
export function forcePureJsGzip(force: boolean): void {
  nodeZlib = force ? null : undefined
}

/** Default level 6, like Kafka's `compression.gzip.level` default (Deflater.DEFAULT_COMPRESSION). */
export function gzipCompress(data: Uint8Array, level = 6): Uint8Array {
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new CompressionError('gzip', 'unsupported', `level ${level} is outside 1..9`)
  }
  const zlib = getNodeZlib()
  if (zlib !== null) return zlib.gzipSync(data, { level })
  return gzipSync(data, { level: level as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 })
}

/** Decompresses a gzip stream (several members allowed), producing at most `outputMaxBytes` bytes. */
export function gzipDecompress(data: Uint8Array, outputMaxBytes: number): Uint8Array {
  const zlib = getNodeZlib()
  if (zlib !== null) {
    try {
      return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, outputMaxBytes) })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === 'ERR_BUFFER_TOO_LARGE') throw limit(outputMaxBytes, error)
      throw new CompressionError('gzip', 'corrupt', error instanceof Error ? error.message : String(error), { cause: error })
    }
  }
  return gunzipBounded(data, outputMaxBytes)
}

/** fflate's streaming inflater, stopped as soon as the output passes the limit. */
function gunzipBounded(data: Uint8Array, outputMaxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  let overflow = false
  // Member boundaries (concatenated gzip streams): where each starts in the input and the output.
  const members: Array<{ start: number; outputStart: number }> = [{ start: 0, outputStart: 0 }]
  const inflater = new Gunzip((chunk) => {
    total += chunk.length
    if (total > outputMaxBytes) {
      overflow = true
      throw limit(outputMaxBytes)
    }
    chunks.push(chunk)
  })
  inflater.onmember = (offset) => {
    if (offset > 0) members.push({ start: offset, outputStart: total })
  }
  try {
    inflater.push(data, true)
  } catch (error) {
    if (overflow) throw limit(outputMaxBytes)
    throw new CompressionError('gzip', 'corrupt', error instanceof Error ? error.message : String(error), { cause: error })
  }
  let out: Uint8Array
  if (chunks.length === 1) {
    out = chunks[0] as Uint8Array
  } else {
    out = new Uint8Array(total)
    let position = 0
    for (const chunk of chunks) {
      out.set(chunk, position)
      position += chunk.length
    }
  }
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!
    const next = members[i + 1]
    verifyTrailer(data.subarray(member.start, next?.start ?? data.length), out.subarray(member.outputStart, next?.outputStart ?? out.length))
  }
  return out
}

/**
 * fflate stops at the end of the deflate data without checking what follows, so the gzip
 * trailer of each member (CRC-32 and length of its output, little-endian) is checked here: a
 * truncated stream, a corrupted one or one with bytes appended is an error, as with zlib.
 */
function verifyTrailer(data: Uint8Array, out: Uint8Array): void {
  // 10-byte header + at least 2 bytes of deflate data + 8-byte trailer
  if (data.length < 20) throw new CompressionError('gzip', 'corrupt', `truncated gzip stream (${data.length} bytes)`)
  const end = data.length
  const storedCrc = ((data[end - 8] as number) | ((data[end - 7] as number) << 8) | ((data[end - 6] as number) << 16) | ((data[end - 5] as number) << 24)) >>> 0
  const storedSize = ((data[end - 4] as number) | ((data[end - 3] as number) << 8) | ((data[end - 2] as number) << 16) | ((data[end - 1] as number) << 24)) >>> 0
  if (storedSize !== out.length >>> 0 || storedCrc !== crc32(out) >>> 0) {
    throw new CompressionError('gzip', 'corrupt', 'gzip trailer does not match the data (truncated, corrupted or followed by extra bytes)')
  }
}

function limit(outputMaxBytes: number, cause?: unknown): CompressionError {
  return new CompressionError('gzip', 'limit', `decompressed size exceeds the limit of ${outputMaxBytes} bytes`, { cause })
}
