import { describe, expect, it } from 'vitest'
import { ClosedError } from './closed-error.js'
import { ConfigError } from './config-error.js'
import { InvalidArgumentError, describeValue } from './invalid-argument-error.js'
import { InvalidStateError } from './invalid-state-error.js'
import { KafkaError } from './kafka-error.js'

describe('typed client-side errors', () => {
  it('InvalidArgumentError names the field, the value and what is expected', () => {
    const error = new InvalidArgumentError('messages[3].value', 42, 'a string, a Uint8Array or null')
    expect(error.message).toBe('invalid messages[3].value: expected a string, a Uint8Array or null, got 42 (number)')
    expect(error).toMatchObject({ field: 'messages[3].value', received: '42 (number)', expected: 'a string, a Uint8Array or null' })
    expect(error.errorName).toBe('INVALID_ARGUMENT')
    expect(error.retriable).toBe(false)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect(KafkaError.isInstance(error)).toBe(true)
    expect(ClosedError.isInstance(error)).toBe(false)
  })

  it('ClosedError, InvalidStateError and ConfigError carry their own brand', () => {
    const closed = new ClosedError('producer')
    expect(closed.message).toBe('the producer is closed')
    expect(closed.errorName).toBe('CLOSED')
    expect(ClosedError.isInstance(closed)).toBe(true)
    expect(InvalidArgumentError.isInstance(closed)).toBe(false)
    const state = new InvalidStateError('one loop at a time')
    expect(InvalidStateError.isInstance(state)).toBe(true)
    expect(state.errorName).toBe('INVALID_STATE')
    expect(ConfigError.isInstance(new ConfigError('logger', 'x'))).toBe(true)
  })

  it('the brand survives a second copy of the package (Symbol.for)', () => {
    const foreign = Object.assign(new Error('copy'), { [Symbol.for('kafkats.error.InvalidArgumentError')]: true })
    expect(InvalidArgumentError.isInstance(foreign)).toBe(true)
    expect(InvalidArgumentError.isInstance(new Error('plain'))).toBe(false)
  })

  it('describeValue never throws and keeps messages short', () => {
    const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error('boom') } })
    expect(describeValue(hostile)).toBe('an unprintable value')
    expect(describeValue('x'.repeat(1000)).length).toBeLessThan(60)
    expect(describeValue(new Uint8Array(5))).toBe('a Uint8Array of 5 bytes')
    expect(describeValue(Buffer.alloc(2))).toBe('a Buffer of 2 bytes')
    expect(describeValue(null)).toBe('null')
    expect(describeValue(undefined)).toBe('undefined')
    expect(describeValue(7n)).toBe('7n (bigint)')
    expect(describeValue([1, 2])).toBe('an array of 2')
    expect(describeValue({ a: 1 })).toBe('an object')
    expect(describeValue(new Map())).toBe('a Map')
    expect(describeValue(new Date(Number.NaN))).toBe('a Date (invalid)')
    expect(describeValue(Symbol('s'))).toBe('a symbol')
  })
})
