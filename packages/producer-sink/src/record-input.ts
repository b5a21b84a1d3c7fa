import { InvalidArgumentError, type RecordHeader, type RecordInput, encodeUtf8, writeUtf8 } from '@kafkats/protocol'
import type { ProducerRecord } from './producer.js'

/**
 * Largest timestamp accepted: the batch encoder codes timestamp deltas exactly only within 2^53
 * (int64 on the wire, but a record past year 285 000 is a mistake, and would fail its whole batch).
 */
const MAX_TIMESTAMP = BigInt(Number.MAX_SAFE_INTEGER)
const BYTES = 'a string, a Uint8Array (Buffer) or null'

/**
 * Checks a record once, on the send path, and turns it into what the batch encoder takes. Every
 * value the encoder could choke on is refused here with an `InvalidArgumentError` naming the field,
 * so a bad record fails alone (as a rejected `send`) and never reaches a batch shared with others.
 * Only `typeof` tests and one pass over the headers: no allocation beyond the encoded bytes.
 */
export function toRecordInput(record: ProducerRecord, now?: number): RecordInput {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new InvalidArgumentError('record', record, 'one record { topic, value, key?, headers?, partition?, timestamp? } (several: sendBatch([...]))')
  }
  const topic = record.topic
  if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError('record.topic', topic, 'a non-empty topic name')
  const value = record.value
  let valueBytes: Uint8Array | string | null
  if (typeof value === 'string') valueBytes = stringField(value)
  else if (value === null || value instanceof Uint8Array) valueBytes = value
  else if (value === undefined && 'messages' in record) {
    throw new InvalidArgumentError(
      'record.value',
      value,
      `${BYTES}: send takes one record { topic, value }; for the KafkaJS shape { topic, messages } use sendBatch(messages.map((m) => ({ topic, ...m })))`,
    )
  } else throw new InvalidArgumentError('record.value', value, `${BYTES} (encode objects and numbers yourself, e.g. JSON.stringify)`)
  const key = record.key
  let keyBytes: Uint8Array | string | null
  if (key === undefined || key === null) keyBytes = null
  else if (typeof key === 'string') keyBytes = stringField(key)
  else if (key instanceof Uint8Array) keyBytes = key
  else throw new InvalidArgumentError('record.key', key, `${BYTES} (or undefined)`)
  const partition = record.partition
  if (partition !== undefined && (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff)) {
    throw new InvalidArgumentError('record.partition', partition, 'an integer >= 0 (or undefined to let the partitioner choose)')
  }
  const input: RecordInput = { key: keyBytes, value: valueBytes, timestamp: toTimestamp(record.timestamp, now) }
  if (record.headers !== undefined) input.headers = toHeaders(record.headers)
  return input
}

/**
 * A string key or value up to this many UTF-16 units goes to the batch encoder as the string: it
 * is written as UTF-8 straight into the batch, with no array of its own, no view and no copy. A
 * longer one is written into the shared slab below (or, past 682 units, into an array of its own)
 * and handed over as bytes: the encoder counts a string's UTF-8 bytes in JavaScript, and past 48
 * units that count plus the write cost more than the slab's native `encodeInto` and the copy
 * (apps/bench/results/string-fields.md: per record the string is 1.13-1.36x as fast up to 48
 * ASCII units and 1.25-1.39x up to 32 Cyrillic ones, 0.81x at 64 ASCII units, 0.39x at 682).
 */
const STRING_FIELD_MAX_UNITS = 48

function stringField(value: string): Uint8Array | string {
  return value.length <= STRING_FIELD_MAX_UNITS ? value : stringBytes(value)
}

/** A key or value as bytes, for code that must see bytes (a custom partitioner): a string passed through is encoded now. */
export function bytesOf(field: Uint8Array | string | null): Uint8Array | null {
  return typeof field === 'string' ? encodeUtf8(field) : field
}

/**
 * Header values, and keys and values past STRING_FIELD_MAX_UNITS, that are short strings are
 * encoded into a shared slab, as Node's Buffer pool does: `TextEncoder.encode` gives every string
 * its own ArrayBuffer with a separately allocated backing store, which at 100-byte records was 10%
 * of the producer's CPU plus the GC work of freeing them (the fake round trip's profile). A slab stays alive while any record encoded into it does, so
 * only strings of at most `SLAB_STRING_MAX_UNITS` UTF-16 units use it: one retained record pins at
 * most `SLAB_BYTES`.
 */
const SLAB_BYTES = 16 * 1024
/** UTF-16 units; at most 3 UTF-8 bytes each, so one string takes at most 1/8 of a slab. */
const SLAB_STRING_MAX_UNITS = 682
let slab = new Uint8Array(SLAB_BYTES)
let slabOffset = 0

function stringBytes(value: string): Uint8Array {
  const length = value.length
  if (length > SLAB_STRING_MAX_UNITS) return encodeUtf8(value)
  if (slabOffset + length * 3 > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES)
    slabOffset = 0
  }
  const start = slabOffset
  slabOffset += writeUtf8(slab, start, value)
  return slab.subarray(start, slabOffset)
}

/** `now`: the time to give a record without one (default: the clock now). */
function toTimestamp(timestamp: ProducerRecord['timestamp'], now: number | undefined): number | bigint {
  if (timestamp === undefined) return now ?? Date.now()
  if (typeof timestamp === 'number') {
    if (Number.isSafeInteger(timestamp) && timestamp >= 0) return timestamp
  } else if (typeof timestamp === 'bigint') {
    if (timestamp >= 0n && timestamp <= MAX_TIMESTAMP) return timestamp
  } else if (timestamp instanceof Date) {
    const ms = timestamp.getTime()
    if (Number.isSafeInteger(ms) && ms >= 0) return ms
  }
  throw new InvalidArgumentError('record.timestamp', timestamp, 'milliseconds since the epoch (an integer number or bigint from 0 to 2^53-1) or a valid Date after 1970')
}

function toHeaders(headers: unknown): RecordHeader[] {
  const out: RecordHeader[] = []
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i++) {
      const header: unknown = headers[i]
      if (typeof header !== 'object' || header === null) throw new InvalidArgumentError(`record.headers[${i}]`, header, '{ key, value }')
      const { key, value } = header as { key: unknown; value: unknown }
      if (typeof key !== 'string') throw new InvalidArgumentError(`record.headers[${i}].key`, key, 'a string')
      out.push({ key, value: headerValue(value, `record.headers[${i}].value`) })
    }
    return out
  }
  if (typeof headers !== 'object' || headers === null) {
    throw new InvalidArgumentError('record.headers', headers, 'an array of { key, value } or an object { [key]: value }')
  }
  for (const key of Object.keys(headers)) out.push({ key, value: headerValue((headers as Record<string, unknown>)[key], `record.headers.${key}`) })
  return out
}

function headerValue(value: unknown, field: string): Uint8Array | null {
  if (value === null) return null
  if (typeof value === 'string') return stringBytes(value)
  if (value instanceof Uint8Array) return value
  throw new InvalidArgumentError(field, value, BYTES)
}

/** Kafka's rule for topic names (Topic.validate): 1..249 of [a-zA-Z0-9._-], not "." or "..". */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/

/** Checked once per topic the producer does not know yet, before asking the cluster about it. */
export function checkTopicName(topic: string): void {
  if (!LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new InvalidArgumentError('record.topic', topic, 'a topic name of 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-"')
  }
}
