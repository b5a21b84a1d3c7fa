// The worker side of worker-offload.bench.ts (started by it, never on its own): CRC checks and
// decompression of fetched batches, full decoding, or compression of produced batches.
import { parentPort } from 'node:worker_threads'
import { type CompressionCodec, compressSync, crc32c, decodeRecordBatchesSync, decompressSync, loadCompressionCodec } from '@kafkats/protocol'

/** Fixed fields of a v2 record batch before its records (Kafka's RECORD_BATCH_OVERHEAD). */
const BATCH_OVERHEAD = 61
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
type WorkerRequest =
  | { kind: 'verify'; id: number; bytes: ArrayBuffer }
  | { kind: 'full'; id: number; bytes: ArrayBuffer }
  | { kind: 'compress'; id: number; bytes: ArrayBuffer; codec: CompressionCodec }
  | { kind: 'load'; id: number; codec: CompressionCodec }
const CODEC_IDS: Record<CompressionCodec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }

/** CRC check and decompression of every batch; returns the same batches uncompressed (CRC not recomputed: the receiver skips it). */
function verifyAndInflate(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Uint8Array[] = []
  let total = 0
  for (let p = 0; p < bytes.length; ) {
    const end = p + 12 + view.getInt32(p + 8)
    if ((crc32c(bytes, p + 21, end) >>> 0) !== view.getUint32(p + 17)) throw new Error(`CRC mismatch at ${p}`)
    const attributes = view.getInt16(p + 21)
    const codec = CODECS[attributes & 7]!
    const records = codec === 'none' ? bytes.subarray(p + BATCH_OVERHEAD, end) : decompressSync(codec, bytes.subarray(p + BATCH_OVERHEAD, end))
    const out = new Uint8Array(BATCH_OVERHEAD + records.length)
    out.set(bytes.subarray(p, p + BATCH_OVERHEAD))
    out.set(records, BATCH_OVERHEAD)
    const outView = new DataView(out.buffer)
    outView.setInt32(8, out.length - 12)
    outView.setInt16(21, attributes & ~7)
    parts.push(out)
    total += out.length
    p = end
  }
  const joined = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    joined.set(part, at)
    at += part.length
  }
  return joined
}

/** Compresses the records of an uncompressed batch and rewrites length, attributes and CRC. */
function compressBatch(bytes: Uint8Array, codec: CompressionCodec): Uint8Array {
  const compressed = compressSync(codec, bytes.subarray(BATCH_OVERHEAD))
  const out = new Uint8Array(BATCH_OVERHEAD + compressed.length)
  out.set(bytes.subarray(0, BATCH_OVERHEAD))
  out.set(compressed, BATCH_OVERHEAD)
  const view = new DataView(out.buffer)
  view.setInt32(8, out.length - 12)
  view.setInt16(21, (view.getInt16(21) & ~7) | CODEC_IDS[codec])
  view.setUint32(17, crc32c(out, 21, out.length) >>> 0)
  return out
}

const port = parentPort!
port.on('message', (request: WorkerRequest) => {
  void (async () => {
    if (request.kind === 'load') {
      await loadCompressionCodec(request.codec)
      port.postMessage({ id: request.id })
    } else if (request.kind === 'verify') {
      const out = verifyAndInflate(new Uint8Array(request.bytes))
      port.postMessage({ id: request.id, bytes: out.buffer }, [out.buffer as ArrayBuffer])
    } else if (request.kind === 'full') {
      const decoded = decodeRecordBatchesSync(new Uint8Array(request.bytes))
      port.postMessage({ id: request.id, batches: decoded.batches })
    } else {
      const out = compressBatch(new Uint8Array(request.bytes), request.codec)
      port.postMessage({ id: request.id, bytes: out.buffer }, [out.buffer as ArrayBuffer])
    }
  })()
})
