import { encodeUtf8 } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { batchLag, headerString, headerValue, keyString, valueString } from './consumer-record.js'

describe('record helpers', () => {
  const record = {
    key: encodeUtf8('k'),
    value: null,
    headers: [
      { key: 'a', value: encodeUtf8('1') },
      { key: 'a', value: encodeUtf8('2') },
      { key: 'n', value: null },
    ],
  }

  it('decodes keys, values and the last header of a name', () => {
    expect(keyString(record)).toBe('k')
    expect(valueString(record)).toBeNull()
    expect(headerString(record, 'a')).toBe('2')
    expect(headerValue(record, 'n')).toBeNull()
    expect(headerValue(record, 'missing')).toBeUndefined()
  })

  it('computes the lag after a batch', () => {
    expect(batchLag({ highWatermark: 10n, nextOffset: 7n })).toBe(3n)
    expect(batchLag({ highWatermark: 10n, nextOffset: 10n })).toBe(0n)
  })
})
