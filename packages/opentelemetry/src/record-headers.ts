import type { TextMapGetter } from '@opentelemetry/api'
import type { ConsumerRecord, ProducerRecord } from 'kafkats'

type HeaderValue = Uint8Array | string | null

const utf8 = new TextDecoder()
// Fatal: a key that is not valid UTF-8 has no unambiguous text form, and the convention says to
// leave `messaging.kafka.message.key` out then rather than report replacement characters.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The record with the propagator's fields added as headers (`traceparent`, `tracestate`, ...).
 * Headers the record already has under those names are replaced, not repeated: a consumer reading
 * the last `traceparent` must find this send's context, and a record re-sent from a consumed one
 * must not carry the old context as well. The caller's record object is not modified.
 */
export function withTraceHeaders(record: ProducerRecord, fields: Readonly<Record<string, string>>): ProducerRecord {
  const names = Object.keys(fields)
  if (names.length === 0) return record
  const headers: Array<{ key: string; value: HeaderValue }> = []
  const existing = record.headers
  if (Array.isArray(existing)) {
    for (const header of existing as ReadonlyArray<{ key: string; value: HeaderValue }>) if (!(header.key in fields)) headers.push(header)
  } else if (existing !== undefined && existing !== null) {
    for (const [key, value] of Object.entries(existing as Readonly<Record<string, HeaderValue>>)) if (!(key in fields)) headers.push({ key, value })
  }
  for (const name of names) headers.push({ key: name, value: fields[name]! })
  return { ...record, headers }
}

/** Reads propagation fields from a consumed record's headers: the last header of a name wins (Java's `Headers.lastHeader`). */
export const recordHeaderGetter: TextMapGetter<ConsumerRecord> = {
  keys(record) {
    return record.headers.map((header) => header.key)
  },
  get(record, key) {
    for (let i = record.headers.length - 1; i >= 0; i--) {
      const header = record.headers[i]!
      if (header.key === key) return header.value === null ? undefined : utf8.decode(header.value)
    }
    return undefined
  },
}

/** `messaging.kafka.message.key`: the key as text when it has one (a string, or bytes that are valid UTF-8); otherwise undefined. */
export function keyAttribute(key: Uint8Array | string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined
  if (typeof key === 'string') return key
  try {
    return strictUtf8.decode(key)
  } catch {
    return undefined
  }
}
