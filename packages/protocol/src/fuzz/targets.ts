import type { ApiDefinition } from '../api.js'
import { type CompressionCodec, compressSync, decompressSync, decompressWith } from '../compression/codecs.js'
import { forcePureJsGzip } from '../compression/gzip.js'
import { disableLz4Wasm } from '../compression/lz4-wasm.js'
import { xxhash32 } from '../compression/xxhash32.js'
import { apis } from '../generated/api-keys.js'
import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolAssignmentData,
  decodeConsumerProtocolSubscription,
  decodeConsumerProtocolSubscriptionData,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
} from '../generated/consumer-protocol.js'
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, type RequestHeader, type ResponseHeader } from '../generated/headers.js'
import { dataSamples, samples } from '../generated/samples.test-data.js'
import { crc32 } from '../hashing/crc32.js'
import { crc32c } from '../hashing/crc32c.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
import { decodePartitionRecordBatchesSync, decodeRecordBatchesSync } from '../records/decode.js'
import { encodeControlBatch, encodeRecordBatchSync } from '../records/encode.js'
import { type Field, Rng, type Seed, type Target } from './harness.js'

/*
 * The top-level decoders under fuzz and their seeds: valid encodings (from the generated samples,
 * the record batch and compression encoders, and hand-built legacy messages and frames), each
 * with the offsets of its length and count fields, found by decoding it with a recording Reader
 * (or by walking the record batch layout).
 */

type AnyApi = ApiDefinition<unknown, unknown>
type Direction = 'request' | 'response'

const MiB = 1024 * 1024
/** The message decoders return views and build arrays element by element: nothing near this. */
const messageAllocationLimit = (inputLength: number): number => 64 * inputLength + MiB

// ---- field discovery ---------------------------------------------------------------------------

/** A Reader that records where every length, count and varint starts. */
class FieldRecorder extends Reader {
  readonly fields: Field[] = []
  private depth = 0

  private around<T>(kind: Field['kind'], isLength: boolean, read: () => T): T {
    if (this.depth === 0) this.fields.push({ offset: this.offset, kind, isLength })
    this.depth++
    try {
      return read()
    } finally {
      this.depth--
    }
  }

  override string(): string | null {
    return this.around('int16', true, () => super.string())
  }

  override compactString(): string | null {
    return this.around('uvarint', true, () => super.compactString())
  }

  override bytes(): Uint8Array | null {
    return this.around('int32', true, () => super.bytes())
  }

  override compactBytes(): Uint8Array | null {
    return this.around('uvarint', true, () => super.compactBytes())
  }

  override arrayLength(): number {
    return this.around('int32', true, () => super.arrayLength())
  }

  override compactArrayLength(): number {
    return this.around('uvarint', true, () => super.compactArrayLength())
  }

  /** Tag counts, tags and tagged-field sizes: a huge tag may legitimately be skipped, so not `isLength`. */
  override uvarint(): number {
    return this.around('uvarint', false, () => super.uvarint())
  }
}

function seedOf(bytes: Uint8Array, param: number, decode: (reader: Reader) => unknown, start = 0): Seed {
  const recorder = new FieldRecorder(bytes, start)
  decode(recorder) // a seed that does not decode is a bug in the seed (or the codec): let it throw
  return { bytes, param, fields: recorder.fields }
}

function copyOf(writer: Writer): Uint8Array {
  return writer.finish().slice()
}

// ---- API requests and responses ---------------------------------------------------------------

function apiTarget(api: AnyApi, direction: Direction): Target {
  const decode =
    direction === 'request'
      ? (input: Uint8Array, version: number): unknown => api.decodeRequest(new Reader(input), version)
      : (input: Uint8Array, version: number): unknown => api.decodeResponse(new Reader(input), version)
  const seeds: Seed[] = []
  for (const sample of samples) {
    if (sample.apiKey !== api.apiKey || sample.direction !== direction) continue
    const writer = new Writer(64)
    if (direction === 'request') api.encodeRequest(writer, sample.version, sample.message)
    else api.encodeResponse(writer, sample.version, sample.message)
    const bytes = copyOf(writer)
    seeds.push(
      seedOf(bytes, sample.version, (reader) =>
        direction === 'request' ? api.decodeRequest(reader, sample.version) : api.decodeResponse(reader, sample.version),
      ),
    )
  }
  if (seeds.length === 0) throw new Error(`no samples for ${api.name} ${direction}`)
  const method = direction === 'request' ? 'decodeRequest' : 'decodeResponse'
  return {
    name: `${api.name}${direction === 'request' ? 'Request' : 'Response'} (api key ${api.apiKey}, v${api.minVersion}-${api.maxVersionWithUnstable})`,
    seeds,
    randomParam: versionPicker(api.minVersion, api.maxVersionWithUnstable),
    decode,
    allocationLimit: messageAllocationLimit,
    reproduce: (hex, version) => `apiByKey(${api.apiKey}).${method}(new Reader(${hex}), ${version})`,
    budgetMicrosPerInput: 250,
  }
}

/** A version in [min, max], and now and then one outside it (which must fail with a DecodeError). */
function versionPicker(min: number, max: number): (rng: Rng) => number {
  return (rng) => (rng.chance(128) ? rng.pick([min - 1, max + 1, -1, 0x7fff]) : rng.range(min, max))
}

// ---- headers and consumer protocol ---------------------------------------------------------------

function headerTargets(): Target[] {
  const request: Seed[] = []
  const response: Seed[] = []
  for (const sample of dataSamples) {
    const writer = new Writer(64)
    if (sample.name === 'RequestHeader') {
      encodeRequestHeader(writer, sample.version, sample.message as RequestHeader)
      request.push(seedOf(copyOf(writer), sample.version, (reader) => decodeRequestHeader(reader, sample.version)))
    } else if (sample.name === 'ResponseHeader') {
      encodeResponseHeader(writer, sample.version, sample.message as ResponseHeader)
      response.push(seedOf(copyOf(writer), sample.version, (reader) => decodeResponseHeader(reader, sample.version)))
    }
  }
  return [
    {
      name: 'RequestHeader (v1-2)',
      seeds: request,
      randomParam: versionPicker(1, 2),
      decode: (input, version) => decodeRequestHeader(new Reader(input), version),
      allocationLimit: messageAllocationLimit,
      reproduce: (hex, version) => `decodeRequestHeader(new Reader(${hex}), ${version})`,
      budgetMicrosPerInput: 250,
    },
    {
      name: 'ResponseHeader (v0-1)',
      seeds: response,
      randomParam: versionPicker(0, 1),
      decode: (input, version) => decodeResponseHeader(new Reader(input), version),
      allocationLimit: messageAllocationLimit,
      reproduce: (hex, version) => `decodeResponseHeader(new Reader(${hex}), ${version})`,
      budgetMicrosPerInput: 250,
    },
  ]
}

function consumerProtocolTargets(): Target[] {
  const subscription: Seed[] = []
  const assignment: Seed[] = []
  for (const sample of dataSamples) {
    const version = sample.version
    if (sample.name === 'ConsumerProtocolSubscription') {
      const bytes = encodeConsumerProtocolSubscription(sample.message as ConsumerProtocolSubscription, version).slice()
      subscription.push(seedOf(bytes, 0, (reader) => decodeConsumerProtocolSubscriptionData(reader, version), 2))
    } else if (sample.name === 'ConsumerProtocolAssignment') {
      const bytes = encodeConsumerProtocolAssignment(sample.message as ConsumerProtocolAssignment, version).slice()
      assignment.push(seedOf(bytes, 0, (reader) => decodeConsumerProtocolAssignmentData(reader, version), 2))
    }
  }
  return [
    {
      name: 'ConsumerProtocolSubscription',
      seeds: subscription,
      randomParam: () => 0,
      decode: (input) => decodeConsumerProtocolSubscription(input),
      allocationLimit: messageAllocationLimit,
      reproduce: (hex) => `decodeConsumerProtocolSubscription(${hex})`,
      budgetMicrosPerInput: 250,
    },
    {
      name: 'ConsumerProtocolAssignment',
      seeds: assignment,
      randomParam: () => 0,
      decode: (input) => decodeConsumerProtocolAssignment(input),
      allocationLimit: messageAllocationLimit,
      reproduce: (hex) => `decodeConsumerProtocolAssignment(${hex})`,
      budgetMicrosPerInput: 250,
    },
  ]
}

// ---- record batches ---------------------------------------------------------------------------

/** Decompression limits the record batch decoder is fuzzed with (param = index); mostly 1 MiB, sometimes tiny. */
const RECORD_LIMITS = [MiB, MiB, MiB, MiB, 4096, 64, 0]

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const NOW = 1_700_000_000_000

/** A magic v0/v1 message (offset, size, CRC-32, magic, attributes, [timestamp], key, value). */
function legacyMessage(m: { offset: bigint; magic: 0 | 1; attributes?: number; timestamp?: bigint; key: Uint8Array | null; value: Uint8Array | null }): Uint8Array {
  const size = 4 + 1 + 1 + (m.magic === 1 ? 8 : 0) + 4 + (m.key?.length ?? 0) + 4 + (m.value?.length ?? 0)
  const out = new Uint8Array(12 + size)
  const view = new DataView(out.buffer)
  view.setBigInt64(0, m.offset)
  view.setInt32(8, size)
  out[16] = m.magic
  out[17] = m.attributes ?? 0
  let q = 18
  if (m.magic === 1) {
    view.setBigInt64(q, m.timestamp ?? BigInt(NOW))
    q += 8
  }
  for (const part of [m.key, m.value]) {
    view.setInt32(q, part === null ? -1 : part.length)
    q += 4
    if (part !== null) {
      out.set(part, q)
      q += part.length
    }
  }
  view.setUint32(12, crc32(out, 16))
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function recordBatchSeeds(): Uint8Array[] {
  const records = [
    { key: utf8('k1'), value: utf8('value one'), headers: [{ key: 'h', value: utf8('v') }, { key: 'n', value: null }], timestamp: NOW },
    { key: null, value: utf8('x'.repeat(40)), timestamp: NOW + 5 },
    { key: utf8('tombstone'), value: null, timestamp: NOW - 3 },
  ]
  const big = [{ value: utf8('kafka '.repeat(200)) }, { value: new Uint8Array(1000) }]
  const out: Uint8Array[] = []
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    out.push(encodeRecordBatchSync(records, { compression, now: NOW, baseOffset: 100n }))
    out.push(encodeRecordBatchSync(big, { compression, now: NOW }))
  }
  out.push(
    encodeRecordBatchSync([{ value: utf8('a') }], {
      now: NOW,
      timestampType: 'LogAppendTime',
      maxTimestamp: BigInt(NOW + 9),
      producerId: 77n,
      producerEpoch: 3,
      baseSequence: 10,
      isTransactional: true,
      partitionLeaderEpoch: 5,
    }),
  )
  out.push(encodeControlBatch({ type: 'COMMIT', producerId: 77n, producerEpoch: 3, coordinatorEpoch: 4 }))
  out.push(encodeControlBatch({ type: 'ABORT', producerId: 78n, producerEpoch: 1 }))
  out.push(encodeControlBatch({ type: 'LEADER_CHANGE', producerId: -1n, producerEpoch: -1, isTransactional: false }))
  // an empty batch (recordCount 0), as compaction leaves behind
  const empty = encodeRecordBatchSync([{ value: utf8('a') }], { now: NOW }).slice(0, 61)
  const emptyView = new DataView(empty.buffer)
  emptyView.setInt32(8, 49)
  emptyView.setInt32(57, 0)
  emptyView.setUint32(17, crc32c(empty, 21))
  out.push(empty)
  // several batches, and a partial one at the end (a fetch cut at its size limit)
  const first = encodeRecordBatchSync(records, { now: NOW, baseOffset: 0n })
  const second = encodeRecordBatchSync(records.slice(0, 1), { now: NOW, baseOffset: 3n, compression: 'gzip' })
  out.push(concat(first, second))
  out.push(concat(first, second.subarray(0, 30)))
  // legacy message sets
  const v0 = legacyMessage({ offset: 7n, magic: 0, key: utf8('k'), value: utf8('value') })
  const v1 = legacyMessage({ offset: 8n, magic: 1, attributes: 0x08, key: null, value: utf8('z') })
  out.push(v0, v1, concat(v0, v1, legacyMessage({ offset: 9n, magic: 1, key: null, value: null })))
  const inner1 = [
    legacyMessage({ offset: 0n, magic: 1, timestamp: 100n, key: null, value: utf8('a') }),
    legacyMessage({ offset: 1n, magic: 1, timestamp: 200n, key: utf8('kk'), value: utf8('b') }),
  ]
  const inner0 = [legacyMessage({ offset: 40n, magic: 0, key: null, value: utf8('a') }), legacyMessage({ offset: 41n, magic: 0, key: null, value: utf8('b') })]
  for (const codec of ['gzip', 'snappy', 'lz4'] as const) {
    const attributes = { gzip: 1, snappy: 2, lz4: 3 }[codec]
    out.push(legacyMessage({ offset: 41n, magic: 1, attributes, timestamp: 200n, key: null, value: compressSync(codec, concat(...inner1)) }))
    let value = compressSync(codec, concat(...inner0))
    if (codec === 'lz4') {
      // Kafka's magic v0 lz4 frames carry a header checksum computed over the magic too (KAFKA-3160)
      value = value.slice()
      value[6] = (xxhash32(value, 0, 6) >>> 8) & 0xff
    }
    out.push(legacyMessage({ offset: 41n, magic: 0, attributes, key: null, value }))
  }
  return out
}

/** Reads a zigzag varint at `at` of `bytes` (for walking records): [value, size]. */
function readZigzag(bytes: Uint8Array, at: number): [number, number] {
  let result = 0
  let size = 0
  for (;;) {
    const byte = bytes[at + size] as number
    result += (byte & 0x7f) * 2 ** (7 * size)
    size++
    if (byte < 0x80 || size >= 10) break
  }
  return [result % 2 === 0 ? result / 2 : -(result + 1) / 2, size]
}

/** Length and count fields of the batches in `bytes` (and of the records of uncompressed v2 batches). */
function recordBatchFields(bytes: Uint8Array): Field[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fields: Field[] = []
  const field = (offset: number, kind: Field['kind'], isLength: boolean): void => {
    fields.push({ offset, kind, isLength })
  }
  for (let p = 0; p + 17 <= bytes.length; ) {
    const end = p + 12 + view.getInt32(p + 8)
    // a huge batchLength is a partial batch (reported, not an error)
    field(p + 8, 'int32', false)
    if (end > bytes.length) break
    const magic = bytes[p + 16] as number
    if (magic === 2) {
      field(p + 57, 'int32', true)
      if ((view.getInt16(p + 21) & 7) === 0) {
        for (let q = p + 61; q < end; ) {
          const varint = (isLength: boolean): number => {
            const [value, size] = readZigzag(bytes, q)
            field(q, 'varint', isLength)
            q += size
            return value
          }
          const length = varint(true)
          const recordEnd = q + length
          q++ // attributes
          varint(false) // timestampDelta (a varlong)
          varint(false) // offsetDelta
          q += Math.max(0, varint(true)) // key
          q += Math.max(0, varint(true)) // value
          const headers = varint(true)
          for (let h = 0; h < headers; h++) {
            q += Math.max(0, varint(true))
            q += Math.max(0, varint(true))
          }
          q = recordEnd
        }
      }
    } else {
      let q = p + 18 + (magic === 1 ? 8 : 0)
      field(q, 'int32', true)
      q += 4 + Math.max(0, view.getInt32(q))
      field(q, 'int32', true)
    }
    p = end
  }
  return fields
}

/** Recomputes the CRC of every complete batch (CRC-32C for v2, CRC-32 for v0/v1) after a mutation. */
function fixRecordCrcs(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let p = 0; p + 17 <= bytes.length; ) {
    const length = view.getInt32(p + 8)
    const end = p + 12 + length
    if (length < 14 || end > bytes.length) return
    const magic = bytes[p + 16]
    if (magic === 2 && length >= 49) view.setUint32(p + 17, crc32c(bytes, p + 21, end))
    else if (magic === 0 || magic === 1) view.setUint32(p + 12, crc32(bytes, p + 16, end))
    p = end
  }
}

function recordTargets(): Target[] {
  const seeds: Seed[] = recordBatchSeeds().map((bytes) => {
    decodeRecordBatchesSync(bytes) // seeds must be valid
    return { bytes, param: 0, fields: recordBatchFields(bytes) }
  })
  const target = (verifyCrc: boolean): Target => ({
    name: `decodeRecordBatchesSync (verifyCrc: ${verifyCrc})`,
    seeds,
    randomParam: (rng) => rng.int(RECORD_LIMITS.length),
    decode: (input, param) => decodeRecordBatchesSync(input, { verifyCrc, decompressedMaxBytes: RECORD_LIMITS[param] as number }),
    allocationLimit: (inputLength, param) => 4 * (RECORD_LIMITS[param] as number) + 64 * inputLength + MiB,
    ...(verifyCrc ? { fixup: fixRecordCrcs } : {}),
    reproduce: (hex, param) => `decodeRecordBatchesSync(${hex}, { verifyCrc: ${verifyCrc}, decompressedMaxBytes: ${RECORD_LIMITS[param]} })`,
    budgetMicrosPerInput: 1000,
  })
  // The consumer's decoder: the same parser making the stamped record shape, with the CRC checked as the consumer does by default.
  const partitionTarget: Target = {
    name: 'decodePartitionRecordBatchesSync (verifyCrc: true)',
    seeds,
    randomParam: (rng) => rng.int(RECORD_LIMITS.length),
    decode: (input, param) => decodePartitionRecordBatchesSync(input, { topic: 'fuzz', partition: 0, decompressedMaxBytes: RECORD_LIMITS[param] as number }),
    allocationLimit: (inputLength, param) => 4 * (RECORD_LIMITS[param] as number) + 64 * inputLength + MiB,
    fixup: fixRecordCrcs,
    reproduce: (hex, param) => `decodePartitionRecordBatchesSync(${hex}, { topic: 'fuzz', partition: 0, decompressedMaxBytes: ${RECORD_LIMITS[param]} })`,
    budgetMicrosPerInput: 1000,
  }
  return [target(true), target(false), partitionTarget]
}

// ---- decompression ------------------------------------------------------------------------------

/** Output limits the codecs are fuzzed with (param = index). */
const OUTPUT_LIMITS = [MiB, MiB, MiB, MiB, 65536, 4096, 100, 1, 0]

function payloads(codec: CompressionCodec): Uint8Array[] {
  const rng = new Rng(12345)
  const random = new Uint8Array(256)
  for (let i = 0; i < random.length; i++) random[i] = rng.next() & 0xff
  return [
    new Uint8Array(0),
    utf8('hello kafka'),
    utf8(Array.from({ length: 120 }, (_, i) => `record ${i % 17} `).join('')),
    random,
    // zeros: several blocks for snappy (32 KiB) and lz4 (64 KiB); gzip inflates them slowly, and
    // needs no more than one deflate block of them
    new Uint8Array(codec === 'gzip' ? 16_384 : 70_000),
  ]
}

/** An LZ4 frame with every optional part: content size, block checksums, content checksum, one stored block. */
function lz4FrameWithEverything(payload: Uint8Array): Uint8Array {
  const header = new Uint8Array(15)
  const view = new DataView(header.buffer)
  view.setUint32(0, 0x184d2204, true)
  header[4] = 0x40 | 0x20 | 0x10 | 0x08 | 0x04
  header[5] = 0x40
  view.setUint32(6, payload.length, true)
  view.setUint32(10, 0, true)
  header[14] = (xxhash32(header, 4, 14) >>> 8) & 0xff
  const block = new Uint8Array(4 + payload.length + 4)
  const blockView = new DataView(block.buffer)
  blockView.setUint32(0, (payload.length | 0x80000000) >>> 0, true)
  block.set(payload, 4)
  blockView.setUint32(4 + payload.length, xxhash32(payload), true)
  const trailer = new Uint8Array(8)
  new DataView(trailer.buffer).setUint32(4, xxhash32(payload), true)
  return concat(header, block, trailer)
}

/** The same zstd frame without a declared content size (as streaming compressors write it). */
function zstdWithoutContentSize(frame: Uint8Array): Uint8Array {
  const descriptor = frame[4] as number
  if ((descriptor & 0x20) === 0) return frame
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number
  const sizeBytes = [1, 2, 4, 8][descriptor >>> 6] as number
  const rest = frame.subarray(5 + dictionaryBytes + sizeBytes)
  // not single-segment, no content size; window descriptor 0x38: 2^17 = 128 KiB
  return concat(frame.subarray(0, 4), new Uint8Array([descriptor & 0x07, 0x38]), frame.subarray(5, 5 + dictionaryBytes), rest)
}

/** Fields of a codec's frames worth setting huge. */
function compressionFields(codec: CompressionCodec, bytes: Uint8Array): Field[] {
  const fields: Field[] = []
  if (codec === 'snappy') {
    if (bytes[0] === 0x82) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      for (let p = 16; p + 4 <= bytes.length; p += 4 + view.getInt32(p)) {
        fields.push({ offset: p, kind: 'int32', isLength: true }, { offset: p + 4, kind: 'uvarint', isLength: true })
      }
    } else {
      fields.push({ offset: 0, kind: 'uvarint', isLength: true })
    }
  } else if (codec === 'lz4') {
    // Kafka's layout (no content size): blocks start at 7
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (bytes[4] === 0x60) {
      for (let p = 7; p + 4 <= bytes.length; ) {
        const word = view.getUint32(p, true)
        fields.push({ offset: p, kind: 'int32le', isLength: true })
        if (word === 0) break
        p += 4 + (word & 0x7fffffff)
      }
    }
  }
  return fields
}

/** Repairs the first LZ4 frame's header checksum after a mutation. */
function fixLz4HeaderChecksum(bytes: Uint8Array): void {
  if (bytes.length < 7 || bytes[0] !== 0x04 || bytes[1] !== 0x22 || bytes[2] !== 0x4d || bytes[3] !== 0x18) return
  const end = 6 + (((bytes[4] as number) & 0x08) !== 0 ? 8 : 0)
  if (end >= bytes.length) return
  bytes[end] = (xxhash32(bytes, 4, end) >>> 8) & 0xff
}

function compressionTargets(): Target[] {
  const targets: Target[] = []
  const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const
  for (const codec of codecs) {
    const all = payloads(codec)
    const frames = all.map((payload) => compressSync(codec, payload))
    const extra: Uint8Array[] = []
    if (codec === 'gzip' || codec === 'zstd' || codec === 'lz4') extra.push(concat(frames[1] as Uint8Array, frames[2] as Uint8Array))
    if (codec === 'snappy') {
      // plain raw Snappy (no xerial framing), which non-Java producers write
      extra.push((frames[2] as Uint8Array).subarray(20).slice())
    }
    if (codec === 'lz4') extra.push(lz4FrameWithEverything(all[2] as Uint8Array))
    if (codec === 'zstd') {
      extra.push(zstdWithoutContentSize(frames[2] as Uint8Array), zstdWithoutContentSize(frames[4] as Uint8Array))
      // a skippable frame first
      extra.push(concat(new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]), frames[1] as Uint8Array))
    }
    const seeds: Seed[] = [...frames, ...extra].map((bytes) => {
      decompressSync(codec, bytes) // seeds must be valid
      return { bytes, param: 0, fields: compressionFields(codec, bytes) }
    })
    const common = {
      randomParam: (rng: Rng) => rng.int(OUTPUT_LIMITS.length),
      allocationLimit: (inputLength: number, param: number) => 4 * (OUTPUT_LIMITS[param] as number) + 64 * inputLength + MiB,
      check: (result: unknown, _input: Uint8Array, param: number) =>
        result instanceof Uint8Array && result.length <= (OUTPUT_LIMITS[param] as number)
          ? undefined
          : `output of ${(result as Uint8Array).length} bytes is over the ${OUTPUT_LIMITS[param]}-byte limit`,
      budgetMicrosPerInput: 1500,
    }
    targets.push({
      ...common,
      name: `decompressSync('${codec}')`,
      seeds,
      decode: (input, param) => decompressSync(codec, input, { outputMaxBytes: OUTPUT_LIMITS[param] as number }),
      ...(codec === 'lz4' ? { fixup: fixLz4HeaderChecksum } : {}),
      reproduce: (hex, param) => `decompressSync('${codec}', ${hex}, { outputMaxBytes: ${OUTPUT_LIMITS[param]} })`,
    })
    if (codec === 'gzip') {
      // what browsers and other non-Node runtimes use
      targets.push({
        ...common,
        name: `decompressSync('gzip') (pure JS, fflate)`,
        seeds,
        decode: (input, param) => decompressSync('gzip', input, { outputMaxBytes: OUTPUT_LIMITS[param] as number }),
        reproduce: (hex, param) => `forcePureJsGzip(true); decompressSync('gzip', ${hex}, { outputMaxBytes: ${OUTPUT_LIMITS[param]} })`,
        setUp: () => forcePureJsGzip(true),
        tearDown: () => forcePureJsGzip(false),
      })
    }
    if (codec === 'lz4') {
      // where WebAssembly is unavailable
      targets.push({
        ...common,
        name: `decompressSync('lz4') (pure-JS block codec)`,
        seeds,
        decode: (input, param) => decompressSync('lz4', input, { outputMaxBytes: OUTPUT_LIMITS[param] as number }),
        fixup: fixLz4HeaderChecksum,
        reproduce: (hex, param) => `disableLz4Wasm(true); decompressSync('lz4', ${hex}, { outputMaxBytes: ${OUTPUT_LIMITS[param]} })`,
        setUp: () => disableLz4Wasm(true),
        tearDown: () => disableLz4Wasm(false),
      })
      // magic v0 message sets: the header checksum is not verified
      targets.push({
        ...common,
        name: `decompressWith('lz4', no header checksum) (magic v0 messages)`,
        seeds,
        decode: (input, param) => decompressWith('lz4', input, OUTPUT_LIMITS[param] as number, false),
        reproduce: (hex, param) => `decompressWith('lz4', ${hex}, ${OUTPUT_LIMITS[param]}, false)`,
      })
    }
  }
  return targets
}

// ---- all ----------------------------------------------------------------------------------------

/** API request and response decoders (154): built lazily, for a test file to take its share. */
export function apiTargets(): Target[] {
  const targets: Target[] = []
  for (const api of apis) targets.push(apiTarget(api, 'request'), apiTarget(api, 'response'))
  return targets
}

/** Headers, consumer protocol, record batches, codecs. Needs zstd loaded (`loadCompressionCodec('zstd')`). */
export function otherTargets(): Target[] {
  return [...headerTargets(), ...consumerProtocolTargets(), ...recordTargets(), ...compressionTargets()]
}
