import { type CompressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES, compressionCodecFromId, decompressWith, loadCompressionCodec } from '../compression/codecs.js'
import { CompressionError } from '../compression/compression-error.js'
import { DecodeError } from '../errors/decode-error.js'
import { InvalidArgumentError } from '../errors/invalid-argument-error.js'
import { crc32c } from '../hashing/crc32c.js'
import { readUtf8 } from '../primitives/utf8.js'
import { CorruptRecordError, type RecordBatchContext } from './corrupt-record-error.js'
import { cursor, readVarint, readZigzagAt } from './cursor.js'
import { decodeLegacyMessage } from './legacy.js'
import type { ControlRecord, ControlRecordType, PartitionRecord, Record, RecordBatch, RecordHeader, TimestampType } from './types.js'

export interface DecodeRecordBatchesOptions extends RecordBatchContext {
  /** Verify each batch's CRC-32C (CRC-32 for legacy messages). Default true. */
  verifyCrc?: boolean
  /** Bound on the decompressed size of one batch (default `DEFAULT_MAX_DECOMPRESSED_BYTES`, 128 MiB). */
  decompressedMaxBytes?: number
}

/** A partial batch at the end of a fetched blob (normal: brokers cut responses at a size limit). */
export interface TruncatedBatch {
  /** Byte position of the partial batch in the input. */
  position: number
  /** Its base offset, when its first 8 bytes arrived. */
  baseOffset: bigint | null
  /** Its full size (12 + batchLength), when the length field arrived. */
  size: number | null
  /** Bytes of it that arrived. */
  available: number
}

/** Options of `decodePartitionRecordBatchesSync`: the topic and partition are stamped on every record. */
export interface DecodePartitionRecordBatchesOptions extends DecodeRecordBatchesOptions {
  topic: string
  partition: number
}

/**
 * Makes the records of `decodePartitionRecordBatchesSync` in a caller's own shape instead of
 * `PartitionRecord`: a layer that hands out records of another shape (`@kafkats/kafkajs`'s KafkaJS
 * messages) makes one object per record in the decoder instead of a `PartitionRecord` it would
 * copy and drop (issue #15). `make` is called once per record, in offset order, with the fields
 * `PartitionRecord` has; `offsetOf` gives a made record's offset back (consumers filter records
 * below the offset they asked for).
 */
export interface RecordShape<R> {
  make(topic: string, partition: number, offset: bigint, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[], leaderEpoch: number): R
  /**
   * Optional: `make` with the offset as a number. When present, the decoder calls it instead of
   * `make` for the records of every magic v2 batch whose offsets are all below 2^53 (every offset
   * a real log reaches), and never makes an offset bigint for them: a layer that hands out offsets
   * as something else (`@kafkats/kafkajs`'s decimal strings) would otherwise convert a bigint made
   * only to be dropped, at every record. `make` still gets the records of any other batch.
   */
  makeWithNumberOffset?(topic: string, partition: number, offset: number, timestamp: bigint, key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeader[], leaderEpoch: number): R
  offsetOf(record: R): bigint
}

/** Options of `decodePartitionRecordBatchesSync` with records in the caller's shape. */
export interface DecodeShapedRecordBatchesOptions<R> extends DecodePartitionRecordBatchesOptions {
  /** Makes each record (see `RecordShape`); control batches then carry no records (their record is in `control`). */
  shape: RecordShape<R>
}

export interface DecodedRecordBatches<R = Record> {
  batches: RecordBatch<R>[]
  /** The partial trailing batch that was ignored, or null when the input ended on a batch boundary. */
  truncated: TruncatedBatch | null
}

/** Bytes up to and including the magic byte, enough to tell the format and size of a batch. */
const HEADER_SIZE_UP_TO_MAGIC = 17
const RECORD_BATCH_OVERHEAD = 61
/** Smallest batchLength (size − 12) per magic: v0 message 14, v1 message 22, v2 batch 49. */
const MINIMUM_BATCH_LENGTH = [14, 22, 49]
/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
const MINIMUM_RECORD_SIZE = 7
/** `BigInt(i)` for small deltas, so a record's offset and timestamp cost one bigint addition, not a conversion too. */
const SMALL_BIGINTS: readonly bigint[] = /* @__PURE__ */ Array.from({ length: 4096 }, (_, i) => BigInt(i))

function toBigInt(value: number): bigint {
  return value >= 0 && value < 4096 ? (SMALL_BIGINTS[value] as bigint) : BigInt(value)
}

/**
 * The headers of every record that has none: one shared, frozen empty array instead of an empty
 * array per record (an empty array is still an object on the heap, ~16 bytes per record consumed).
 * Frozen so that code treating it as its own (`record.headers.push(...)`) fails loudly instead of
 * adding a header to every record at once. Nothing in kafkats writes to a consumed record's headers.
 */
const NO_HEADERS: RecordHeader[] = /* @__PURE__ */ Object.freeze([] as RecordHeader[]) as RecordHeader[]

/**
 * Batches whose base offset is at most this have every offset below 2^53 (a record's offset delta
 * is an int32), so `RecordShape.makeWithNumberOffset` gets exact numbers.
 */
const NUMBER_OFFSETS_MAX_BASE = /* @__PURE__ */ BigInt(Number.MAX_SAFE_INTEGER - 0x7fffffff)

/** What `subarray` constructs views with: `new View(buffer, byteOffset, length)`. */
type ViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Uint8Array

/**
 * The constructor `data.subarray()` would make its views with, found once per batch: the
 * constructor's `Symbol.species` (the standard's TypedArraySpeciesCreate), which is Node's internal
 * `FastBuffer` for a `Buffer`, `Uint8Array` for a plain `Uint8Array` and for runtimes or polyfills
 * (the `buffer` package) whose species is unset. Calling it directly makes the same view as
 * `subarray` (same class, same memory, no copy) without `subarray`'s per-call species lookup and
 * argument normalisation: on Node 20, Buffer's `subarray` costs ~2.5x a direct `new FastBuffer`
 * (measured: ~80 vs ~30 ns per view), two views per record.
 */
function viewConstructorOf(data: Uint8Array): ViewConstructor {
  const constructor: unknown = data.constructor
  if (constructor === Uint8Array || typeof constructor !== 'function') return Uint8Array
  const species = (constructor as { [Symbol.species]?: unknown })[Symbol.species]
  return typeof species === 'function' ? (species as ViewConstructor) : Uint8Array
}

/**
 * Decodes a fetched `records` blob into batches: verifies checksums, decompresses (loading zstd
 * first when needed), decodes control batches and legacy v0/v1 message sets, and ignores a
 * partial trailing batch (reported in `truncated`). Malformed input fails with DecodeError,
 * CorruptRecordError or CompressionError.
 */
export async function decodeRecordBatches(bytes: Uint8Array, options: DecodeRecordBatchesOptions = {}): Promise<DecodedRecordBatches> {
  try {
    return decodeRecordBatchesSync(bytes, options)
  } catch (error) {
    if (!(CompressionError.isInstance(error) && error.reason === 'not-loaded')) throw error
    await loadCompressionCodec(error.codec as CompressionCodec)
    return decodeRecordBatches(bytes, options)
  }
}

/** Synchronous `decodeRecordBatches`; throws CompressionError (`not-loaded`) on a zstd batch before `loadCompressionCodec('zstd')`. */
export function decodeRecordBatchesSync(bytes: Uint8Array, options: DecodeRecordBatchesOptions = {}): DecodedRecordBatches {
  checkArguments(bytes, options, false)
  return decodeBatches(bytes, options, null) as DecodedRecordBatches
}

/**
 * `decodeRecordBatches` for a consumer: every record is a `PartitionRecord` (the topic and
 * partition of `options`, the leader epoch of its batch) made by the decoder itself, so a consumer
 * hands out the decoder's objects instead of copying each record into its own shape (one object
 * per record instead of two; issue #14). Batches, control records, errors and `truncated` are
 * those of `decodeRecordBatches`.
 */
export async function decodePartitionRecordBatches(bytes: Uint8Array, options: DecodePartitionRecordBatchesOptions): Promise<DecodedRecordBatches<PartitionRecord>>
export async function decodePartitionRecordBatches<R>(bytes: Uint8Array, options: DecodeShapedRecordBatchesOptions<R>): Promise<DecodedRecordBatches<R>>
export async function decodePartitionRecordBatches<R>(bytes: Uint8Array, options: DecodePartitionRecordBatchesOptions | DecodeShapedRecordBatchesOptions<R>): Promise<DecodedRecordBatches<PartitionRecord | R>> {
  try {
    return decodePartitionRecordBatchesSync(bytes, options as DecodeShapedRecordBatchesOptions<R>)
  } catch (error) {
    if (!(CompressionError.isInstance(error) && error.reason === 'not-loaded')) throw error
    await loadCompressionCodec(error.codec as CompressionCodec)
    return decodePartitionRecordBatches(bytes, options as DecodeShapedRecordBatchesOptions<R>)
  }
}

/** Synchronous `decodePartitionRecordBatches`; throws CompressionError (`not-loaded`) on a zstd batch before `loadCompressionCodec('zstd')`. */
export function decodePartitionRecordBatchesSync(bytes: Uint8Array, options: DecodePartitionRecordBatchesOptions): DecodedRecordBatches<PartitionRecord>
export function decodePartitionRecordBatchesSync<R>(bytes: Uint8Array, options: DecodeShapedRecordBatchesOptions<R>): DecodedRecordBatches<R>
export function decodePartitionRecordBatchesSync<R>(bytes: Uint8Array, options: DecodePartitionRecordBatchesOptions | DecodeShapedRecordBatchesOptions<R>): DecodedRecordBatches<PartitionRecord | R> {
  checkArguments(bytes, options, true)
  return decodeBatches(bytes, options, options) as DecodedRecordBatches<PartitionRecord | R>
}

/**
 * The checks a JavaScript caller's arguments get before any byte is read: without them a string
 * fails inside DataView with a plain TypeError, and `decodePartitionRecordBatchesSync(bytes)`
 * without its options would stamp every record with `topic: undefined`. Once per call (one
 * partition's bytes), not per record. `stamped`: the options must name the topic and partition.
 */
function checkArguments(bytes: unknown, options: unknown, stamped: boolean): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', bytes, 'a Uint8Array (a Buffer) of record batches')
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, stamped ? '{ topic, partition } (the records are stamped with them)' : 'an options object or nothing')
  }
  const { topic, partition, verifyCrc, decompressedMaxBytes, shape } = options as { [key: string]: unknown }
  if (topic !== undefined || stamped) {
    if (typeof topic !== 'string') throw new InvalidArgumentError('options.topic', topic, 'a topic name (a string)')
  }
  if (partition !== undefined || stamped) {
    if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new InvalidArgumentError('options.partition', partition, 'a partition number (an integer)')
  }
  if (
    shape !== undefined &&
    !(
      typeof shape === 'object' &&
      shape !== null &&
      typeof (shape as RecordShape<unknown>).make === 'function' &&
      typeof (shape as RecordShape<unknown>).offsetOf === 'function' &&
      ['undefined', 'function'].includes(typeof (shape as RecordShape<unknown>).makeWithNumberOffset)
    )
  ) {
    throw new InvalidArgumentError('options.shape', shape, 'a RecordShape ({ make, offsetOf, and optionally makeWithNumberOffset }) or undefined')
  }
  if (verifyCrc !== undefined && typeof verifyCrc !== 'boolean') throw new InvalidArgumentError('options.verifyCrc', verifyCrc, 'true, false or undefined')
  if (decompressedMaxBytes !== undefined && !(typeof decompressedMaxBytes === 'number' && Number.isInteger(decompressedMaxBytes) && decompressedMaxBytes >= 0)) {
    throw new InvalidArgumentError('options.decompressedMaxBytes', decompressedMaxBytes, 'a byte count (an integer >= 0) or undefined')
  }
}

/** The records a batch holds inside this module: one shape or another per call (`stamp` null or not, its `shape`). */
type AnyRecord = unknown

/** Where stamped records come from (`decodePartitionRecordBatchesSync`), or null for plain `Record`s. */
interface Stamp {
  topic: string
  partition: number
  /** The caller's record shape, or undefined for `PartitionRecord`. */
  shape?: RecordShape<unknown> | undefined
}

function decodeBatches(bytes: Uint8Array, options: DecodeRecordBatchesOptions, stamp: Stamp | null): DecodedRecordBatches<AnyRecord> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const batches: RecordBatch<AnyRecord>[] = []
  let truncated: TruncatedBatch | null = null
  let position = 0
  while (position < bytes.length) {
    const available = bytes.length - position
    if (available < HEADER_SIZE_UP_TO_MAGIC) {
      truncated = {
        position,
        baseOffset: available >= 8 ? view.getBigInt64(position) : null,
        size: available >= 12 ? view.getInt32(position + 8) + 12 : null,
        available,
      }
      break
    }
    const batchLength = view.getInt32(position + 8)
    const magic = view.getInt8(position + 16)
    if (magic < 0 || magic > 2) throw new DecodeError(`unknown record batch magic ${magic}`, position + 16)
    const minimum = MINIMUM_BATCH_LENGTH[magic] as number
    if (batchLength < minimum) {
      throw new DecodeError(`batch length ${batchLength} is below the ${minimum}-byte minimum of magic ${magic}`, position + 8)
    }
    if (batchLength > available - 12) {
      truncated = { position, baseOffset: view.getBigInt64(position), size: batchLength + 12, available }
      break
    }
    const end = position + 12 + batchLength
    batches.push(magic === 2 ? decodeBatchV2(bytes, view, position, end, options, stamp) : legacyBatch(decodeLegacyMessage(bytes, view, position, end, magic, options), stamp))
    position = end
  }
  return { batches, truncated }
}

/** A legacy message's records stamped when asked (a copy: magic v0/v1 is rare and not a hot path). */
function legacyBatch(batch: RecordBatch, stamp: Stamp | null): RecordBatch<AnyRecord> {
  if (stamp === null) return batch
  const { topic, partition, shape } = stamp
  const leaderEpoch = batch.partitionLeaderEpoch
  const records =
    shape === undefined
      ? batch.records.map(({ offset, timestamp, key, value, headers }): PartitionRecord => ({ topic, partition, offset, timestamp, key, value, headers, leaderEpoch }))
      : batch.records.map(({ offset, timestamp, key, value, headers }) => shape.make(topic, partition, offset, timestamp, key, value, headers, leaderEpoch))
  return { ...batch, records }
}

function decodeBatchV2(bytes: Uint8Array, view: DataView, p: number, end: number, options: DecodeRecordBatchesOptions, stamp: Stamp | null): RecordBatch<AnyRecord> {
  const baseOffset = view.getBigInt64(p)
  const crc = view.getUint32(p + 17)
  if (options.verifyCrc !== false) {
    const computed = crc32c(bytes, p + 21, end)
    if (computed !== crc) {
      throw new CorruptRecordError({ context: options, baseOffset, storedCrc: crc, computedCrc: computed, position: p, algorithm: 'CRC-32C' })
    }
  }
  const attributes = view.getInt16(p + 21)
  const compression = compressionCodecFromId(attributes & 7)
  const timestampType: TimestampType = (attributes & 0x08) !== 0 ? 'LogAppendTime' : 'CreateTime'
  const isControl = (attributes & 0x20) !== 0
  const lastOffsetDelta = view.getInt32(p + 23)
  const baseTimestamp = view.getBigInt64(p + 27)
  const maxTimestamp = view.getBigInt64(p + 35)
  const recordCount = view.getInt32(p + 57)
  let data = bytes
  let start = p + RECORD_BATCH_OVERHEAD
  let stop = end
  if (compression !== 'none') {
    data = decompressWith(compression, bytes.subarray(start, end), options.decompressedMaxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES, true)
    start = 0
    stop = data.length
  }
  if (recordCount < 0 || recordCount > (stop - start) / MINIMUM_RECORD_SIZE) {
    throw new DecodeError(`record count ${recordCount} cannot fit in ${stop - start} bytes of records`, p + 57)
  }
  const partitionLeaderEpoch = view.getInt32(p + 12)
  // A control batch's record is read as a plain Record (its key and value make `control`); with a
  // caller's shape the batch then carries no records: nothing hands a control record out.
  const shaped = stamp !== null && stamp.shape !== undefined
  let records = decodeRecords(data, start, stop, recordCount, baseOffset, baseTimestamp, timestampType === 'LogAppendTime' ? maxTimestamp : null, isControl && shaped ? null : stamp, partitionLeaderEpoch)
  const control = isControl && records.length > 0 ? decodeControlRecord(records[0] as Record) : null
  if (isControl && shaped) records = []
  return {
    baseOffset,
    batchLength: end - p - 12,
    partitionLeaderEpoch,
    magic: 2,
    crc,
    attributes,
    compression,
    timestampType,
    isTransactional: (attributes & 0x10) !== 0,
    isControl,
    hasDeleteHorizon: (attributes & 0x40) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: view.getBigInt64(p + 43),
    producerEpoch: view.getInt16(p + 51),
    baseSequence: view.getInt32(p + 53),
    records,
    control,
  }
}

/**
 * Records of a v2 batch from `data[start, stop)`; the region must hold exactly `count` records.
 *
 * The hot loop of consuming: it keeps the read position in a local variable, decodes one- and
 * two-byte varints (nearly all of them) itself and longer ones with `readZigzagAt` (the shared
 * readers in cursor.ts take the rest), makes key/value views with `viewConstructorOf`, and gives records
 * without headers the shared `NO_HEADERS`. The per-record allocations left are the record object,
 * its key and value views and its offset bigint. With a `stamp` the record object is a
 * `PartitionRecord` (the consumer's shape), without one a `Record`: two object literals, each site
 * with a single shape, chosen by a branch that goes the same way for a whole call.
 */
function decodeRecords(
  data: Uint8Array,
  start: number,
  stop: number,
  count: number,
  baseOffset: bigint,
  baseTimestamp: bigint,
  logAppendTime: bigint | null,
  stamp: Stamp | null,
  leaderEpoch: number,
): AnyRecord[] {
  const records: AnyRecord[] = new Array<AnyRecord>(count)
  const topic = stamp === null ? '' : stamp.topic
  const partition = stamp === null ? -1 : stamp.partition
  const shape = stamp === null || stamp.shape === undefined ? null : stamp.shape
  // Offsets as numbers for a shape that takes them (see RecordShape.makeWithNumberOffset): no bigint per record.
  const numberShape = shape !== null && shape.makeWithNumberOffset !== undefined && baseOffset >= 0n && baseOffset <= NUMBER_OFFSETS_MAX_BASE ? shape : null
  const baseOffsetNumber = numberShape === null ? 0 : Number(baseOffset)
  const View = viewConstructorOf(data)
  const buffer = data.buffer
  const base = data.byteOffset
  let p = start
  // consecutive records usually share a timestamp delta: reuse the bigint
  let lastDelta = 0
  let lastTimestamp = baseTimestamp
  // consecutive records usually have consecutive offset deltas: the next offset is the last + 1n,
  // one bigint per record instead of two past delta 4,095 (`BigInt(delta)`, then the addition)
  let lastOffsetDelta = -2
  let lastOffset = baseOffset
  // The record's five varints are decoded here, one- and two-byte values (nearly all of them) by
  // hand, longer ones by readZigzagAt. Not through readZigzagAt for all: V8 inlines calls only up
  // to a budget of bytecode per function, and a RecordShape's make (inlined first, being the last
  // call in the loop) used it up, leaving three of the five readZigzagAt calls as real calls
  // (apps/bench/results/kafkajs-compat.md, reading of 2026-12-05 ~11:40).
  let b0 = 0
  let b1 = 0
  for (let i = 0; i < count; i++) {
    // length (zigzag varint): two bytes for records of 64 to 8,191 bytes
    let length: number
    b0 = p < stop ? (data[p] as number) : 0x80
    b1 = p + 1 < stop ? (data[p + 1] as number) : 0x80
    if (b0 < 0x80) {
      length = (b0 >>> 1) ^ -(b0 & 1)
      p += 1
    } else if (b1 < 0x80) {
      b0 = (b0 & 0x7f) | (b1 << 7)
      length = (b0 >>> 1) ^ -(b0 & 1)
      p += 2
    } else {
      length = readZigzagAt(data, p, stop, false)
      p = cursor.position
    }
    const bodyStart = p
    if (length < 0 || length > stop - bodyStart) throw new DecodeError(`record length ${length} exceeds the ${stop - bodyStart} bytes left`, bodyStart)
    const recordEnd = bodyStart + length
    if (length === 0) throw new DecodeError('empty record', bodyStart)
    const attributes = data[p++] as number
    // timestampDelta (zigzag varlong): one byte within ±63 ms of the batch's first record, two within ±8 s
    let timestampDelta: number
    b0 = p < recordEnd ? (data[p] as number) : 0x80
    b1 = p + 1 < recordEnd ? (data[p + 1] as number) : 0x80
    if (b0 < 0x80) {
      timestampDelta = (b0 >>> 1) ^ -(b0 & 1)
      p += 1
    } else if (b1 < 0x80) {
      b0 = (b0 & 0x7f) | (b1 << 7)
      timestampDelta = (b0 >>> 1) ^ -(b0 & 1)
      p += 2
    } else {
      timestampDelta = readZigzagAt(data, p, recordEnd, true)
      p = cursor.position
    }
    // offsetDelta (zigzag varint): one byte for the first 64 records of a batch, two up to 8,191
    let offsetDelta: number
    b0 = p < recordEnd ? (data[p] as number) : 0x80
    b1 = p + 1 < recordEnd ? (data[p + 1] as number) : 0x80
    if (b0 < 0x80) {
      offsetDelta = (b0 >>> 1) ^ -(b0 & 1)
      p += 1
    } else if (b1 < 0x80) {
      b0 = (b0 & 0x7f) | (b1 << 7)
      offsetDelta = (b0 >>> 1) ^ -(b0 & 1)
      p += 2
    } else {
      offsetDelta = readZigzagAt(data, p, recordEnd, false)
      p = cursor.position
    }
    // key and value (nullable bytes: a zigzag varint length, -1 for null)
    let key: Uint8Array | null = null
    let keyLength: number
    b0 = p < recordEnd ? (data[p] as number) : 0x80
    b1 = p + 1 < recordEnd ? (data[p + 1] as number) : 0x80
    if (b0 < 0x80) {
      keyLength = (b0 >>> 1) ^ -(b0 & 1)
      p += 1
    } else if (b1 < 0x80) {
      b0 = (b0 & 0x7f) | (b1 << 7)
      keyLength = (b0 >>> 1) ^ -(b0 & 1)
      p += 2
    } else {
      keyLength = readZigzagAt(data, p, recordEnd, false)
      p = cursor.position
    }
    if (keyLength >= 0) {
      if (keyLength > recordEnd - p) throw new DecodeError(`length ${keyLength} exceeds the ${recordEnd - p} bytes left in the record`, p)
      key = new View(buffer, base + p, keyLength)
      p += keyLength
    } else if (keyLength !== -1) {
      throw new DecodeError(`invalid length ${keyLength}`, p)
    }
    let value: Uint8Array | null = null
    let valueLength: number
    b0 = p < recordEnd ? (data[p] as number) : 0x80
    b1 = p + 1 < recordEnd ? (data[p + 1] as number) : 0x80
    if (b0 < 0x80) {
      valueLength = (b0 >>> 1) ^ -(b0 & 1)
      p += 1
    } else if (b1 < 0x80) {
      b0 = (b0 & 0x7f) | (b1 << 7)
      valueLength = (b0 >>> 1) ^ -(b0 & 1)
      p += 2
    } else {
      valueLength = readZigzagAt(data, p, recordEnd, false)
      p = cursor.position
    }
    if (valueLength >= 0) {
      if (valueLength > recordEnd - p) throw new DecodeError(`length ${valueLength} exceeds the ${recordEnd - p} bytes left in the record`, p)
      value = new View(buffer, base + p, valueLength)
      p += valueLength
    } else if (valueLength !== -1) {
      throw new DecodeError(`invalid length ${valueLength}`, p)
    }
    let headers = NO_HEADERS
    const h0 = p < recordEnd ? (data[p] as number) : 0x80
    if (h0 !== 0) {
      cursor.position = p
      const headerCount = readVarint(data, recordEnd)
      if (headerCount < 0 || headerCount * 2 > recordEnd - cursor.position) {
        throw new DecodeError(`invalid header count ${headerCount}`, cursor.position)
      }
      headers = []
      for (let h = 0; h < headerCount; h++) {
        const headerKeyLength = readVarint(data, recordEnd)
        const keyStart = cursor.position
        if (headerKeyLength < 0 || headerKeyLength > recordEnd - keyStart) throw new DecodeError(`invalid header key length ${headerKeyLength}`, keyStart)
        cursor.position = keyStart + headerKeyLength
        const headerKey = readUtf8(data, keyStart, keyStart + headerKeyLength)
        headers.push({ key: headerKey, value: readNullableBytes(data, recordEnd, View) })
      }
      p = cursor.position
    } else {
      p += 1
    }
    if (p !== recordEnd) {
      throw new DecodeError(`record declares ${length} bytes but its fields take ${p - bodyStart}`, bodyStart)
    }
    let timestamp: bigint
    if (logAppendTime !== null) {
      timestamp = logAppendTime
    } else if (timestampDelta === lastDelta) {
      timestamp = lastTimestamp
    } else {
      timestamp = baseTimestamp + toBigInt(timestampDelta)
      lastDelta = timestampDelta
      lastTimestamp = timestamp
    }
    if (numberShape !== null) {
      records[i] = numberShape.makeWithNumberOffset!(topic, partition, baseOffsetNumber + offsetDelta, timestamp, key, value, headers, leaderEpoch)
      continue
    }
    const offset = offsetDelta === lastOffsetDelta + 1 ? lastOffset + 1n : baseOffset + toBigInt(offsetDelta)
    lastOffsetDelta = offsetDelta
    lastOffset = offset
    records[i] =
      stamp === null
        ? { offset, timestamp, key, value, headers, attributes }
        : shape === null
          ? { topic, partition, offset, timestamp, key, value, headers, leaderEpoch }
          : shape.make(topic, partition, offset, timestamp, key, value, headers, leaderEpoch)
  }
  if (p !== stop) {
    throw new DecodeError(`${stop - p} bytes remain after the batch's ${count} records`, p)
  }
  return records
}

/** Nullable bytes (header values) at the shared cursor, as a view made with `View` (see `viewConstructorOf`). */
function readNullableBytes(data: Uint8Array, end: number, View: ViewConstructor): Uint8Array | null {
  const length = readVarint(data, end)
  const start = cursor.position
  if (length < 0) {
    if (length === -1) return null
    throw new DecodeError(`invalid length ${length}`, start)
  }
  if (length > end - start) throw new DecodeError(`length ${length} exceeds the ${end - start} bytes left in the record`, start)
  cursor.position = start + length
  return new View(data.buffer, data.byteOffset + start, length)
}

const CONTROL_TYPES: readonly ControlRecordType[] = ['ABORT', 'COMMIT', 'LEADER_CHANGE', 'SNAPSHOT_HEADER', 'SNAPSHOT_FOOTER', 'KRAFT_VERSION', 'KRAFT_VOTERS']

function decodeControlRecord(record: Record | PartitionRecord): ControlRecord {
  const key = record.key
  if (key === null || key.length < 4) throw new DecodeError(`control record key of ${key?.length ?? 'null'} bytes; needs 4`, 0)
  const keyView = new DataView(key.buffer, key.byteOffset, key.byteLength)
  const version = keyView.getInt16(0)
  const typeId = keyView.getInt16(2)
  const type = CONTROL_TYPES[typeId] ?? 'UNKNOWN'
  let coordinatorEpoch: number | null = null
  const value = record.value
  if ((type === 'ABORT' || type === 'COMMIT') && value !== null && value.length >= 6) {
    coordinatorEpoch = new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(2)
  }
  return { version, type, typeId, coordinatorEpoch }
}
