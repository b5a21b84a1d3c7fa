import { COMPRESSION_CODEC_IDS, type CompressionCodec, compressSync, isCompressionCodecLoaded, loadCompressionCodec } from '../compression/codecs.js'
import { EncodeError } from '../errors/encode-error.js'
import { describeValue } from '../errors/invalid-argument-error.js'
import { crc32c } from '../hashing/crc32c.js'
import { utf8Length, writeUtf8 } from '../primitives/utf8.js'
import type { ControlRecordType, RecordHeader, TimestampType } from './types.js'

/** Size of the batch header, baseOffset to recordCount. */
export const RECORD_BATCH_OVERHEAD = 61
/** Byte position of the attributes field: the CRC covers [21, end). */
const CRC_START = 21
const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n

/** A record to write. `timestamp` defaults to the time of the `encodeRecordBatch` call. */
export interface RecordInput {
  /** A string is written as its UTF-8 bytes (lone surrogates as U+FFFD, as `TextEncoder` writes them). */
  key?: Uint8Array | string | null
  /** `null` writes a tombstone; a string is written as its UTF-8 bytes. */
  value: Uint8Array | string | null
  headers?: readonly RecordHeader[]
  /** Milliseconds since the epoch. */
  timestamp?: bigint | number
}

/** Producer-side batch fields; every field has the default a plain (non-idempotent) producer writes. */
export interface EncodeRecordBatchOptions {
  compression?: CompressionCodec
  /** `compression.<codec>.level` (gzip, zstd). */
  compressionLevel?: number
  /** Producers write 0 (the default); the broker assigns offsets. */
  baseOffset?: bigint
  /** Producers write -1 (the default); brokers set it. */
  partitionLeaderEpoch?: number
  /** Idempotent producers: their producer id (default -1). */
  producerId?: bigint
  /** Idempotent producers: their epoch (default -1). */
  producerEpoch?: number
  /** Idempotent producers: the sequence of the first record (default -1). */
  baseSequence?: number
  isTransactional?: boolean
  /** `LogAppendTime` is what a broker writes (fake brokers, tests); producers write `CreateTime` (default). */
  timestampType?: Exclude<TimestampType, 'NoTimestampType'>
  /** Overrides the computed max timestamp (a broker's append time for LogAppendTime batches). */
  maxTimestamp?: bigint
  /** Time used for records without a timestamp (default `Date.now()`). */
  now?: number
  /**
   * Where an uncompressed batch is written: called once with the batch's exact length and must
   * return a Uint8Array of that length. Every byte of it is written, so its old contents do not
   * matter: a producer can hand back memory of a batch the broker already acknowledged instead of
   * a fresh, zero-filled buffer (fresh memory of ~1 MiB per batch cost more than copying the values
   * into it). Not called for compressed batches (the codec's output is its own buffer). Default: a
   * new Uint8Array.
   */
  allocate?: (byteLength: number) => Uint8Array
}

/**
 * Encodes records as one magic v2 record batch, ready for a Produce request's `records`. Loads
 * the compression codec first when it needs an asynchronous load (zstd).
 */
export async function encodeRecordBatch(records: readonly RecordInput[], options: EncodeRecordBatchOptions = {}): Promise<Uint8Array> {
  const codec = options.compression ?? 'none'
  if (!isCompressionCodecLoaded(codec)) await loadCompressionCodec(codec)
  return encodeRecordBatchSync(records, options)
}

/**
 * Synchronous `encodeRecordBatch`: works for every codec except zstd before
 * `loadCompressionCodec('zstd')` (a `CompressionError` with reason `not-loaded`).
 *
 * The records are sized first, then written once into an exactly sized buffer: no growing, no
 * per-record allocation, no copy of the records region unless compression replaces it.
 */
export function encodeRecordBatchSync(records: readonly RecordInput[], options: EncodeRecordBatchOptions = {}): Uint8Array {
  const codec = options.compression ?? 'none'
  const count = records.length
  if (count === 0) throw new EncodeError('a record batch needs at least one record')
  const now = options.now ?? Date.now()

  // pass 1: timestamps and sizes (kept in a reused scratch array, not per-record objects)
  if (typeof now !== 'number' || !Number.isSafeInteger(now)) throw new EncodeError(`options.now must be milliseconds since the epoch (a safe integer), got ${describeValue(now)}`)
  const first = records[0] as RecordInput
  if (typeof first !== 'object' || first === null) throw badRecord(first, 'records[0]')
  const baseTimestamp = timestampOf(first.timestamp, now)
  let maxTimestamp = baseTimestamp
  let scratch = sizeScratch
  let slot = 0
  let recordsSize = 0
  for (let i = 0; i < count; i++) {
    const record = records[i] as RecordInput
    // typeof and instanceof only (cheap): a wrong value from plain JavaScript gets an EncodeError naming it, not a TypeError or garbage bytes.
    if (typeof record !== 'object' || record === null) throw badRecord(record, `records[${i}]`)
    const timestamp = record.timestamp === undefined ? now : timestampOf(record.timestamp, now)
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    const headers = record.headers
    if (headers !== undefined && !Array.isArray(headers)) throw badRecord(record, `records[${i}]`)
    const headerCount = headers === undefined ? 0 : headers.length
    if (scratch.length < slot + 3 + headerCount) scratch = growScratch(slot + 3 + headerCount)
    const key = record.key ?? null
    const value = record.value
    if (!isField(value) || !isField(key)) throw badRecord(record, `records[${i}]`)
    const keyLength = fieldLength(key)
    const valueLength = fieldLength(value)
    let size = 1 + varlongSize(timestamp - baseTimestamp) + varintSize(i)
    size += keyLength < 0 ? 1 : varintSize(keyLength) + keyLength
    size += valueLength < 0 ? 1 : varintSize(valueLength) + valueLength
    size += varintSize(headerCount)
    const recordSlot = slot
    scratch[slot + 1] = keyLength
    scratch[slot + 2] = valueLength
    slot += 3
    for (let h = 0; h < headerCount; h++) {
      const header = (headers as readonly RecordHeader[])[h] as RecordHeader
      if (!isHeader(header)) throw badRecord(record, `records[${i}]`)
      const headerKeyLength = utf8Length(header.key)
      scratch[slot++] = headerKeyLength
      size += varintSize(headerKeyLength) + headerKeyLength
      size += header.value === null ? 1 : varintSize(header.value.length) + header.value.length
    }
    scratch[recordSlot] = size
    recordsSize += varintSize(size) + size
  }
  if (options.maxTimestamp !== undefined) maxTimestamp = Number(options.maxTimestamp)

  // pass 2: write, after room for the header (a compressed batch's records are compressed from there by the seal)
  const recordsBuffer = codec === 'none' ? allocateBatch(options.allocate, RECORD_BATCH_OVERHEAD + recordsSize) : new Uint8Array(RECORD_BATCH_OVERHEAD + recordsSize)
  let position = RECORD_BATCH_OVERHEAD
  slot = 0
  for (let i = 0; i < count; i++) {
    const record = records[i] as RecordInput
    const timestamp = record.timestamp === undefined ? now : timestampOf(record.timestamp, now)
    position = putUvarint(recordsBuffer, position, zigzag32(scratch[slot] as number))
    recordsBuffer[position++] = 0 // attributes
    position = putVarlong(recordsBuffer, position, timestamp - baseTimestamp)
    position = putUvarint(recordsBuffer, position, zigzag32(i))
    position = putField(recordsBuffer, position, record.key ?? null, scratch[slot + 1] as number)
    position = putField(recordsBuffer, position, record.value, scratch[slot + 2] as number)
    slot += 3
    const headers = record.headers
    const headerCount = headers === undefined ? 0 : headers.length
    position = putUvarint(recordsBuffer, position, zigzag32(headerCount))
    for (let h = 0; h < headerCount; h++) {
      const header = (headers as readonly RecordHeader[])[h] as RecordHeader
      const keyLength = scratch[slot++] as number
      position = putUvarint(recordsBuffer, position, zigzag32(keyLength))
      position += writeUtf8(recordsBuffer, position, header.key)
      position = putBytes(recordsBuffer, position, header.value)
    }
  }

  return sealRecordBatch(recordsBuffer, count, baseTimestamp, maxTimestamp, options)
}

/**
 * The end of every record batch written here (`encodeRecordBatchSync`, `RecordBatchBuilder.finish`):
 * `batch` holds the records from RECORD_BATCH_OVERHEAD on; compresses them into a new array if the
 * options ask for a codec, then writes the header and its CRC. Returns the batch's bytes (`batch`
 * itself when uncompressed).
 */
function sealRecordBatch(batch: Uint8Array, count: number, baseTimestamp: number, maxTimestamp: number, options: FinishRecordBatchOptions): Uint8Array {
  const codec = options.compression ?? 'none'
  let attributes = COMPRESSION_CODEC_IDS[codec]
  if (attributes === undefined) throw new EncodeError(`unknown compression codec ${String(codec)}`)
  let out = batch
  if (codec !== 'none') {
    const payload = compressSync(codec, batch.subarray(RECORD_BATCH_OVERHEAD), options.compressionLevel === undefined ? {} : { level: options.compressionLevel })
    out = new Uint8Array(RECORD_BATCH_OVERHEAD + payload.length)
    out.set(payload, RECORD_BATCH_OVERHEAD)
  }
  const timestampType = options.timestampType
  if (timestampType === 'LogAppendTime') attributes |= 0x08
  else if (timestampType !== undefined && timestampType !== 'CreateTime') throw new EncodeError(`timestampType must be 'CreateTime' or 'LogAppendTime', got ${describeValue(timestampType)}`)
  const isTransactional = options.isTransactional
  if (isTransactional === true) attributes |= 0x10
  else if (isTransactional !== undefined && isTransactional !== false) throw new EncodeError(`isTransactional must be a boolean, got ${describeValue(isTransactional)}`)
  writeHeader(
    out,
    options.baseOffset ?? 0n,
    options.partitionLeaderEpoch ?? -1,
    attributes,
    count,
    baseTimestamp,
    maxTimestamp,
    options.producerId ?? -1n,
    options.producerEpoch ?? -1,
    options.baseSequence ?? -1,
  )
  return out
}

/** A transaction marker (or other control record) to write as a control batch. */
export interface ControlBatchInput {
  type: Exclude<ControlRecordType, 'UNKNOWN'> | number
  producerId: bigint
  producerEpoch: number
  /** The transaction coordinator's epoch (EndTxnMarker value); written for ABORT and COMMIT. */
  coordinatorEpoch?: number
  baseOffset?: bigint
  partitionLeaderEpoch?: number
  timestamp?: bigint | number
  /** Control batches of transaction markers are transactional (default true). */
  isTransactional?: boolean
}

const CONTROL_TYPE_IDS: { readonly [type in Exclude<ControlRecordType, 'UNKNOWN'>]: number } = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
}

/**
 * Encodes a control batch with one control record (what a broker writes when a transaction
 * ends): key = int16 version 0 + int16 type; for ABORT/COMMIT, value = int16 version 0 +
 * int32 coordinator epoch. For tests and the fake broker.
 */
export function encodeControlBatch(input: ControlBatchInput): Uint8Array {
  const typeId = typeof input.type === 'number' ? input.type : CONTROL_TYPE_IDS[input.type]
  if (!Number.isInteger(typeId) || typeId < -32768 || typeId > 32767) throw new EncodeError(`invalid control record type ${String(input.type)}`)
  const key = new Uint8Array(4)
  const keyView = new DataView(key.buffer)
  keyView.setInt16(0, 0)
  keyView.setInt16(2, typeId)
  let value: Uint8Array | null = null
  if (typeId === 0 || typeId === 1) {
    value = new Uint8Array(6)
    const valueView = new DataView(value.buffer)
    valueView.setInt16(0, 0)
    valueView.setInt32(2, input.coordinatorEpoch ?? 0)
  }
  const batch = encodeRecordBatchSync([{ key, value, ...(input.timestamp === undefined ? {} : { timestamp: input.timestamp }) }], {
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    isTransactional: input.isTransactional ?? true,
  })
  // set the control bit and re-checksum
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength)
  view.setInt16(21, view.getInt16(21) | 0x20)
  view.setUint32(17, crc32c(batch, CRC_START))
  return batch
}

/**
 * The batch header and its CRC. Positional arguments, not a header object: with many partitions of
 * small batches this runs tens of thousands of times a second.
 */
function writeHeader(
  out: Uint8Array,
  baseOffset: bigint,
  partitionLeaderEpoch: number,
  attributes: number,
  recordCount: number,
  baseTimestamp: number,
  maxTimestamp: number,
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
): void {
  checkInt64('baseOffset', baseOffset)
  checkInt64('producerId', producerId)
  checkInt('partitionLeaderEpoch', partitionLeaderEpoch, 32)
  checkInt('producerEpoch', producerEpoch, 16)
  checkInt('baseSequence', baseSequence, 32)
  // Plain byte stores, not a DataView and two BigInts (same reason).
  putInt64(out, 0, baseOffset)
  putInt32(out, 8, out.length - 12)
  putInt32(out, 12, partitionLeaderEpoch)
  out[16] = 2
  putInt16(out, 21, attributes)
  putInt32(out, 23, recordCount - 1) // lastOffsetDelta
  putSafeInt64(out, 27, baseTimestamp)
  putSafeInt64(out, 35, maxTimestamp)
  putInt64(out, 43, producerId)
  putInt16(out, 51, producerEpoch)
  putInt32(out, 53, baseSequence)
  putInt32(out, 57, recordCount)
  putInt32(out, 17, crc32c(out, CRC_START))
}

function putInt16(out: Uint8Array, position: number, value: number): void {
  out[position] = value >>> 8
  out[position + 1] = value
}

/** Big-endian; any int32 or uint32 (the CRC). */
function putInt32(out: Uint8Array, position: number, value: number): void {
  out[position] = value >>> 24
  out[position + 1] = value >>> 16
  out[position + 2] = value >>> 8
  out[position + 3] = value
}

/** Eight bytes to write a checked int64 bigint through, without a DataView (or BigInt arithmetic) per batch. */
const int64Scratch = /* @__PURE__ */ new DataView(new ArrayBuffer(8))

function putInt64(out: Uint8Array, position: number, value: bigint): void {
  const scratch = int64Scratch
  scratch.setBigInt64(0, value)
  for (let i = 0; i < 8; i++) out[position + i] = scratch.getUint8(i)
}

/** A safe integer (timestamps are checked to be) as a big-endian int64, two's complement. */
function putSafeInt64(out: Uint8Array, position: number, value: number): void {
  const high = Math.floor(value / 4294967296)
  putInt32(out, position, high)
  putInt32(out, position + 4, value - high * 4294967296)
}

function checkInt64(name: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw new EncodeError(`${name} ${String(value)} is not an int64`)
}

function checkInt(name: string, value: number, bits: 16 | 32): void {
  const limit = 2 ** (bits - 1)
  if (!Number.isInteger(value) || value < -limit || value >= limit) throw new EncodeError(`${name} ${value} is not an int${bits}`)
}

function timestampOf(value: bigint | number | undefined, now: number): number {
  if (value === undefined) return now
  const number = typeof value === 'bigint' ? Number(value) : value
  // typeof: a string such as '5' would pass the safe-integer test after Number() and be written silently.
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new EncodeError(`record.timestamp must be an integer number (or bigint) of milliseconds within ±2^53, got ${describeValue(value)}`)
  }
  return number
}

function isHeader(header: unknown): header is RecordHeader {
  if (typeof header !== 'object' || header === null) return false
  const { key, value } = header as { key: unknown; value: unknown }
  return typeof key === 'string' && (value === null || value instanceof Uint8Array)
}

/**
 * The EncodeError for a record the encoder cannot take, naming the first wrong field (`where`: how
 * the caller passed it, `record` or `records[3]`). Off the hot path: only called once a cheap check failed.
 */
function badRecord(record: unknown, where: string): EncodeError {
  const expected = 'a Uint8Array or null'
  const field = 'a Uint8Array, a string or null'
  if (typeof record !== 'object' || record === null) return new EncodeError(`${where} must be a record object { value, key?, headers?, timestamp? }, got ${describeValue(record)}`)
  const { key, value, headers } = record as { key?: unknown; value?: unknown; headers?: unknown }
  if (!isField(value)) return new EncodeError(`${where}.value must be ${field}, got ${describeValue(value)}`)
  if (key !== undefined && !isField(key)) return new EncodeError(`${where}.key must be ${field} (or undefined), got ${describeValue(key)}`)
  if (headers !== undefined && !Array.isArray(headers)) return new EncodeError(`${where}.headers must be an array of { key: string, value: Uint8Array | null }, got ${describeValue(headers)}`)
  const list = (headers ?? []) as unknown[]
  for (let h = 0; h < list.length; h++) {
    const header = list[h]
    if (typeof header !== 'object' || header === null) return new EncodeError(`${where}.headers[${h}] must be { key: string, value: Uint8Array | null }, got ${describeValue(header)}`)
    const { key: headerKey, value: headerValue } = header as { key: unknown; value: unknown }
    if (typeof headerKey !== 'string') return new EncodeError(`${where}.headers[${h}].key must be a string, got ${describeValue(headerKey)}`)
    if (headerValue !== null && !(headerValue instanceof Uint8Array)) return new EncodeError(`${where}.headers[${h}].value must be ${expected}, got ${describeValue(headerValue)}`)
  }
  return new EncodeError(`${where} cannot be encoded`)
}

// --- scratch and varint helpers -------------------------------------------------------------

let sizeScratch: Int32Array = /* @__PURE__ */ new Int32Array(1024)

function growScratch(needed: number): Int32Array {
  let length = sizeScratch.length * 2
  while (length < needed) length *= 2
  const grown = new Int32Array(length)
  grown.set(sizeScratch)
  sizeScratch = grown
  return grown
}

function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0
}

function uvarintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5
}

function varintSize(value: number): number {
  return uvarintSize(zigzag32(value))
}

function varlongSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1
  let size = 1
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128)
    size++
  }
  return size
}

function allocateBatch(allocate: ((byteLength: number) => Uint8Array) | undefined, byteLength: number): Uint8Array {
  if (allocate === undefined) return new Uint8Array(byteLength)
  // A JavaScript caller can pass anything: name the option rather than fail with a TypeError deep in the writer.
  if (typeof allocate !== 'function') throw new EncodeError(`options.allocate must be a function (byteLength) => Uint8Array, got ${kindOf(allocate)}`)
  const out: unknown = allocate(byteLength)
  if (!(out instanceof Uint8Array)) throw new EncodeError(`options.allocate(${byteLength}) must return a Uint8Array, returned ${kindOf(out)}`)
  if (out.length !== byteLength) throw new EncodeError(`options.allocate(${byteLength}) must return exactly ${byteLength} bytes, returned ${out.length}`)
  return out
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object'
  return typeof value
}

function putUvarint(out: Uint8Array, position: number, value: number): number {
  while (value > 0x7f) {
    out[position++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  out[position++] = value
  return position
}

function putVarlong(out: Uint8Array, position: number, value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1
  if (zigzag <= 0xffffffff) return putUvarint(out, position, zigzag >>> 0)
  while (zigzag > 0x7f) {
    out[position++] = (zigzag % 128) | 0x80
    zigzag = Math.floor(zigzag / 128)
  }
  out[position++] = zigzag
  return position
}

/** A record's key or value as RecordInput takes it: bytes, a string (written as UTF-8) or null. */
function isField(field: unknown): field is Uint8Array | string | null {
  return field === null || typeof field === 'string' || field instanceof Uint8Array
}

/** Bytes a key or value takes on the wire (a string's UTF-8 length); -1 for null. */
function fieldLength(field: Uint8Array | string | null): number {
  return field === null ? -1 : typeof field === 'string' ? utf8Length(field) : field.length
}

/**
 * Writes a key or value of `length` bytes (its `fieldLength`). A string is written straight into
 * the batch: no array of its own first, no copy of one.
 */
function putField(out: Uint8Array, position: number, field: Uint8Array | string | null, length: number): number {
  if (typeof field !== 'string') return putBytes(out, position, field)
  position = putUvarint(out, position, zigzag32(length))
  return position + writeUtf8(out, position, field)
}

function putBytes(out: Uint8Array, position: number, value: Uint8Array | null): number {
  if (value === null) {
    out[position++] = 1 // zigzag(-1)
    return position
  }
  const length = value.length
  position = putUvarint(out, position, zigzag32(length))
  if (length < 64) {
    for (let i = 0; i < length; i++) out[position + i] = value[i] as number
  } else {
    out.set(value, position)
  }
  return position + length
}

/** Memory for a `RecordBatchBuilder`. */
export interface RecordBatchBuilderOptions {
  /**
   * Memory for the batch, called with the capacity wanted (a power of two from 256, or `blockMaxBytes`);
   * must return a Uint8Array of exactly that length, contents undefined. Default: a new Uint8Array.
   */
  allocate?: (byteLength: number) => Uint8Array
  /** Takes back memory the builder outgrew (it was never handed out). Default: left to the collector. */
  release?: (bytes: Uint8Array) => void
  /**
   * Where doubling stops (a producer's batch memory block): a capacity that would reach past half
   * of it becomes `blockMaxBytes` at once. A record that does not fit even then gets exactly what it needs.
   */
  blockMaxBytes?: number
}

/** What `RecordBatchBuilder.finish` writes into the header (the rest is known from the records). */
export type FinishRecordBatchOptions = Omit<EncodeRecordBatchOptions, 'allocate' | 'now' | 'maxTimestamp'>

/** Smallest capacity a builder allocates: below it the first doubling steps cost more than they save. */
const MIN_BUILDER_BYTES = 256

/**
 * Writes a record batch one record at a time, as a producer's accumulator receives them (the Java
 * client's MemoryRecordsBuilder): each record is encoded when appended, while it is still in
 * cache, and the caller need not keep it. The memory starts small and doubles, so many partitions
 * of few records each hold little. The header (offsets, producer id, epoch, sequence, CRC) is
 * written by `finish`, which also compresses the records section; the bytes are those
 * `encodeRecordBatchSync` writes for the same records and options.
 */
export class RecordBatchBuilder {
  private readonly allocate: ((byteLength: number) => Uint8Array) | undefined
  private readonly release: ((bytes: Uint8Array) => void) | undefined
  private readonly blockMaxBytes: number
  private buffer: Uint8Array | null = null
  private position = RECORD_BATCH_OVERHEAD
  private count = 0
  private baseTimestamp = 0
  private maxTimestamp = 0
  private finished = false
  private readonly expectedBytes: number

  /**
   * `expectedBytes`: how large the batch will likely grow (a producer passes what the partition's
   * last batch reached): the first allocation takes that size class at once instead of doubling
   * up to it, each doubling a fresh allocation and a copy (at 1 KiB records into 1 MiB batches,
   * ~4% of the producer's CPU).
   */
  constructor(options: RecordBatchBuilderOptions = {}, expectedBytes = 0) {
    // A producer makes one builder per batch: typeof tests only.
    if (typeof options !== 'object' || options === null) throw new EncodeError(`RecordBatchBuilder options must be an object { allocate?, release?, blockMaxBytes? }, got ${describeValue(options)}`)
    const { allocate, release, blockMaxBytes = 0 } = options
    if (allocate !== undefined && typeof allocate !== 'function') throw new EncodeError(`options.allocate must be a function (byteLength) => Uint8Array, got ${describeValue(allocate)}`)
    if (release !== undefined && typeof release !== 'function') throw new EncodeError(`options.release must be a function (bytes) => void, got ${describeValue(release)}`)
    if (typeof blockMaxBytes !== 'number' || !Number.isSafeInteger(blockMaxBytes) || blockMaxBytes < 0) {
      throw new EncodeError(`options.blockMaxBytes must be an integer >= 0 (bytes; 0: no limit), got ${describeValue(blockMaxBytes)}`)
    }
    if (typeof expectedBytes !== 'number' || !Number.isSafeInteger(expectedBytes) || expectedBytes < 0) {
      throw new EncodeError(`expectedBytes must be an integer >= 0 (bytes), got ${describeValue(expectedBytes)}`)
    }
    this.allocate = allocate
    this.release = release
    this.blockMaxBytes = blockMaxBytes
    this.expectedBytes = expectedBytes
  }

  get recordCount(): number {
    return this.count
  }

  /** Bytes of the uncompressed batch so far, header included. */
  get byteLength(): number {
    return this.position
  }

  /**
   * Encodes `record` as the batch's next one and returns its timestamp (milliseconds). A record
   * that cannot be encoded throws an `EncodeError` and leaves the batch as it was.
   */
  append(record: RecordInput, now?: number): number {
    if (this.finished) throw new EncodeError('the record batch is finished: no record can be appended')
    // typeof and instanceof only (cheap): a wrong value from plain JavaScript gets an EncodeError naming it, not a TypeError or garbage bytes.
    if (typeof record !== 'object' || record === null) throw badRecord(record, 'record')
    let timestamp: number
    if (record.timestamp !== undefined) timestamp = timestampOf(record.timestamp, 0)
    else if (now === undefined) timestamp = Date.now()
    else if (typeof now === 'number' && Number.isSafeInteger(now)) timestamp = now
    else throw new EncodeError(`now must be milliseconds since the epoch (a safe integer), got ${describeValue(now)}`)
    const index = this.count
    const baseTimestamp = index === 0 ? timestamp : this.baseTimestamp
    const key = record.key ?? null
    const value = record.value
    const headers = record.headers
    if (!isField(value) || !isField(key) || (headers !== undefined && !Array.isArray(headers))) {
      throw badRecord(record, 'record')
    }
    const headerCount = headers === undefined ? 0 : headers.length
    let scratch = sizeScratch
    if (scratch.length < headerCount) scratch = growScratch(headerCount)
    const keyLength = fieldLength(key)
    const valueLength = fieldLength(value)
    let size = 1 + varlongSize(timestamp - baseTimestamp) + varintSize(index)
    size += keyLength < 0 ? 1 : varintSize(keyLength) + keyLength
    size += valueLength < 0 ? 1 : varintSize(valueLength) + valueLength
    size += varintSize(headerCount)
    for (let h = 0; h < headerCount; h++) {
      const header = (headers as readonly RecordHeader[])[h] as RecordHeader
      if (!isHeader(header)) throw badRecord(record, 'record')
      const headerKeyLength = utf8Length(header.key)
      scratch[h] = headerKeyLength
      size += varintSize(headerKeyLength) + headerKeyLength
      size += header.value === null ? 1 : varintSize(header.value.length) + header.value.length
    }
    let position = this.position
    const end = position + varintSize(size) + size
    let out = this.buffer
    if (out === null || end > out.length) out = this.grow(end)
    position = putUvarint(out, position, zigzag32(size))
    out[position++] = 0 // attributes
    position = putVarlong(out, position, timestamp - baseTimestamp)
    position = putUvarint(out, position, zigzag32(index))
    position = putField(out, position, key, keyLength)
    position = putField(out, position, value, valueLength)
    position = putUvarint(out, position, zigzag32(headerCount))
    for (let h = 0; h < headerCount; h++) {
      const header = (headers as readonly RecordHeader[])[h] as RecordHeader
      position = putUvarint(out, position, zigzag32(scratch[h] as number))
      position += writeUtf8(out, position, header.key)
      position = putBytes(out, position, header.value)
    }
    this.position = position
    if (index === 0) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    } else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    this.count = index + 1
    return timestamp
  }

  /** Memory for at least `needed` bytes, the batch so far copied in. */
  private grow(needed: number): Uint8Array {
    const old = this.buffer
    let capacity = old === null ? MIN_BUILDER_BYTES : old.length * 2
    while (capacity < needed || (old === null && capacity < this.expectedBytes)) capacity *= 2
    const blockMaxBytes = this.blockMaxBytes
    if (blockMaxBytes > 0 && capacity * 2 > blockMaxBytes) capacity = Math.max(blockMaxBytes, needed)
    const out = allocateBatch(this.allocate, capacity)
    if (old !== null) {
      out.set(old.subarray(RECORD_BATCH_OVERHEAD, this.position), RECORD_BATCH_OVERHEAD)
      this.release?.(old)
    }
    this.buffer = out
    return out
  }

  /**
   * Writes the header and returns the batch; with compression, the records section is compressed
   * into a new array and the builder's memory goes back through `release`. Nothing can be appended
   * afterwards. Throws (and can be called again) if a header field is out of range or the codec fails.
   */
  finish(options: FinishRecordBatchOptions = {}): Uint8Array {
    if (this.finished) throw new EncodeError('the record batch is already finished')
    if (typeof options !== 'object' || options === null) throw new EncodeError(`finish options must be an object, got ${describeValue(options)}`)
    const count = this.count
    if (count === 0) throw new EncodeError('a record batch needs at least one record')
    const buffer = this.buffer as Uint8Array
    const out = sealRecordBatch(buffer.subarray(0, this.position), count, this.baseTimestamp, this.maxTimestamp, options)
    this.finished = true
    this.buffer = null
    // Compressed: the batch is a new array, the records' memory is free again.
    if (out.buffer !== buffer.buffer) this.release?.(buffer)
    return out
  }
}
