import { DEFAULT_MAX_DECOMPRESSED_BYTES, compressionCodecFromId, decompressWith } from '../compression/codecs.js'
import { CompressionError } from '../compression/compression-error.js'
import { DecodeError } from '../errors/decode-error.js'
import { crc32 } from '../hashing/crc32.js'
import { CorruptRecordError, type RecordBatchContext } from './corrupt-record-error.js'
import type { Record, RecordBatch, TimestampType } from './types.js'

/**
 * Legacy message sets (magic v0 and v1), which old data may still come back as. Each entry:
 *
 *   offset int64 | messageSize int32 | crc uint32 (CRC-32, zlib polynomial, over magic..end)
 *   | magic int8 | attributes int8 (bits 0-2 codec, bit 3 timestamp type in v1)
 *   | timestamp int64 (v1 only) | key (int32 length, -1 = null) | value (int32 length, -1 = null)
 *
 * A compressed message (a "wrapper") carries a whole inner message set, compressed, as its
 * value. Magic v1 inner offsets are relative (0..n-1) and the wrapper's offset is that of the
 * last inner message; magic v0 inner offsets are absolute. Each top-level message becomes one
 * RecordBatch here (as the Java client presents them).
 */

interface Options extends RecordBatchContext {
  verifyCrc?: boolean
  decompressedMaxBytes?: number
}

interface Message {
  offset: bigint
  crc: number
  magic: number
  attributes: number
  timestamp: bigint
  key: Uint8Array | null
  value: Uint8Array | null
}

/** Decodes the top-level message at `bytes[p, end)` (end already checked against the input). */
export function decodeLegacyMessage(bytes: Uint8Array, view: DataView, p: number, end: number, magic: number, options: Options): RecordBatch {
  const message = readMessage(bytes, view, p, end, options)
  const compression = compressionCodecFromId(message.attributes & 7)
  const timestampType: TimestampType = magic === 0 ? 'NoTimestampType' : (message.attributes & 0x08) !== 0 ? 'LogAppendTime' : 'CreateTime'
  let records: Record[]
  if (compression === 'none') {
    records = [{ offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers: [], attributes: message.attributes }]
  } else {
    if (compression === 'zstd') throw new CompressionError('zstd', 'unsupported', `zstd is not allowed in magic v${magic} messages`)
    if (message.value === null) throw new DecodeError('compressed message without a value', p)
    const inner = decompressWith(compression, message.value, options.decompressedMaxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES, magic !== 0)
    records = decodeInnerMessages(inner, message, timestampType, options)
  }
  if (records.length === 0) throw new DecodeError('compressed message holds no messages', p)
  const first = records[0] as Record
  const last = records[records.length - 1] as Record
  let maxTimestamp = message.timestamp
  if (compression === 'none' || timestampType === 'CreateTime') {
    for (const record of records) if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp
  }
  return {
    baseOffset: first.offset,
    batchLength: end - p - 12,
    partitionLeaderEpoch: -1,
    magic,
    crc: message.crc,
    attributes: message.attributes,
    compression,
    timestampType,
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: Number(last.offset - first.offset),
    baseTimestamp: first.timestamp,
    maxTimestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records,
    control: null,
  }
}

function decodeInnerMessages(data: Uint8Array, wrapper: Message, timestampType: TimestampType, options: Options): Record[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const messages: Message[] = []
  let p = 0
  while (p < data.length) {
    if (data.length - p < 12) throw new DecodeError('truncated inner message header', p)
    const size = view.getInt32(p + 8)
    if (size < 14 || size > data.length - p - 12) throw new DecodeError(`invalid inner message size ${size}`, p + 8)
    const message = readMessage(data, view, p, p + 12 + size, options)
    if ((message.attributes & 7) !== 0) throw new DecodeError('nested compressed message', p)
    messages.push(message)
    p += 12 + size
  }
  if (messages.length === 0) return []
  // magic v1: inner offsets are relative, the wrapper holds the absolute offset of the last one
  const lastInner = (messages[messages.length - 1] as Message).offset
  const shift = wrapper.magic >= 1 ? wrapper.offset - lastInner : 0n
  return messages.map((message) => ({
    offset: message.offset + shift,
    timestamp: timestampType === 'LogAppendTime' ? wrapper.timestamp : message.timestamp,
    key: message.key,
    value: message.value,
    headers: [],
    attributes: message.attributes,
  }))
}

function readMessage(bytes: Uint8Array, view: DataView, p: number, end: number, options: Options): Message {
  const offset = view.getBigInt64(p)
  const crc = view.getUint32(p + 12)
  const magic = view.getInt8(p + 16)
  if (magic !== 0 && magic !== 1) throw new DecodeError(`unknown message magic ${magic}`, p + 16)
  if (end - p < (magic === 0 ? 26 : 34)) throw new DecodeError(`message of ${end - p} bytes is shorter than its header`, p)
  if (options.verifyCrc !== false) {
    const computed = crc32(bytes, p + 16, end)
    if (computed !== crc) {
      throw new CorruptRecordError({ context: options, baseOffset: offset, storedCrc: crc, computedCrc: computed, position: p, algorithm: 'CRC-32' })
    }
  }
  const attributes = bytes[p + 17] as number
  let q = p + 18
  let timestamp = -1n
  if (magic === 1) {
    timestamp = view.getBigInt64(q)
    q += 8
  }
  const keyLength = view.getInt32(q)
  q += 4
  let key: Uint8Array | null = null
  if (keyLength !== -1) {
    if (keyLength < 0 || keyLength > end - q - 4) throw new DecodeError(`invalid message key length ${keyLength}`, q - 4)
    key = bytes.subarray(q, q + keyLength)
    q += keyLength
  }
  if (end - q < 4) throw new DecodeError('truncated message value length', q)
  const valueLength = view.getInt32(q)
  q += 4
  let value: Uint8Array | null = null
  if (valueLength !== -1) {
    if (valueLength < 0 || valueLength > end - q) throw new DecodeError(`invalid message value length ${valueLength}`, q - 4)
    value = bytes.subarray(q, q + valueLength)
    q += valueLength
  }
  if (q !== end) throw new DecodeError(`message declares ${end - p - 12} bytes but its fields take ${q - p - 12}`, p + 8)
  return { offset, crc, magic, attributes, timestamp, key, value }
}
