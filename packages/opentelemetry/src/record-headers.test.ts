import { describe, expect, it } from 'vitest'
import type { ConsumerRecord } from 'kafkats'
import { keyAttribute, recordHeaderGetter, withTraceHeaders } from './record-headers.js'

const fields = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v' }
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('trace context in record headers', () => {
  it('appends the fields to list headers, replacing old ones of the same name, and leaves the caller record alone', () => {
    const record = { topic: 't', value: 'v', headers: [{ key: 'app', value: 'x' }, { key: 'traceparent', value: 'stale' }] }
    const traced = withTraceHeaders(record, fields)
    expect(traced.headers).toEqual([
      { key: 'app', value: 'x' },
      { key: 'traceparent', value: fields.traceparent },
      { key: 'tracestate', value: 'k=v' },
    ])
    expect(record.headers).toHaveLength(2)
    expect(record.headers[1]).toEqual({ key: 'traceparent', value: 'stale' })
  })

  it('turns object headers into a list with the fields last, and adds headers to a record without any', () => {
    expect(withTraceHeaders({ topic: 't', value: null, headers: { app: bytes('x'), tracestate: 'old' } }, fields).headers).toEqual([
      { key: 'app', value: bytes('x') },
      { key: 'traceparent', value: fields.traceparent },
      { key: 'tracestate', value: 'k=v' },
    ])
    expect(withTraceHeaders({ topic: 't', value: 'v' }, { traceparent: fields.traceparent }).headers).toEqual([{ key: 'traceparent', value: fields.traceparent }])
  })

  it('returns the same record when the propagator wrote nothing (no SDK registered)', () => {
    const record = { topic: 't', value: 'v', headers: { app: 'x' } }
    expect(withTraceHeaders(record, {})).toBe(record)
  })

  it('reads the last header of a name as UTF-8 text, and lists the header names', () => {
    const record = { headers: [{ key: 'traceparent', value: bytes('first') }, { key: 'other', value: null }, { key: 'traceparent', value: bytes('second') }] } as ConsumerRecord
    expect(recordHeaderGetter.get(record, 'traceparent')).toBe('second')
    expect(recordHeaderGetter.get(record, 'other')).toBeUndefined()
    expect(recordHeaderGetter.get(record, 'missing')).toBeUndefined()
    expect(recordHeaderGetter.keys(record)).toEqual(['traceparent', 'other', 'traceparent'])
  })

  it('gives a key attribute only for text keys: strings and valid UTF-8 bytes', () => {
    expect(keyAttribute('customer-42')).toBe('customer-42')
    expect(keyAttribute(bytes('clé'))).toBe('clé')
    expect(keyAttribute(new Uint8Array([0xff, 0xfe, 0x00]))).toBeUndefined()
    expect(keyAttribute(null)).toBeUndefined()
    expect(keyAttribute(undefined)).toBeUndefined()
  })
})
