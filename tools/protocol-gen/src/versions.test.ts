import { describe, expect, it } from 'vitest'
import { EMPTY, MAX_VERSION, condition, covers, formatRange, hull, intersect, isEmpty, parseVersions } from './versions.js'

describe('parseVersions', () => {
  it('parses the four forms', () => {
    expect(parseVersions('3+')).toEqual({ lo: 3, hi: MAX_VERSION })
    expect(parseVersions('0-12')).toEqual({ lo: 0, hi: 12 })
    expect(parseVersions('7')).toEqual({ lo: 7, hi: 7 })
    expect(isEmpty(parseVersions('none'))).toBe(true)
  })

  it('rejects malformed ranges', () => {
    for (const text of ['', '3-', '+3', '5-2', 'a', '1,2', '-1', '40000+']) expect(() => parseVersions(text)).toThrow()
  })

  it('formats back', () => {
    for (const text of ['3+', '0-12', '7', 'none']) expect(formatRange(parseVersions(text))).toBe(text)
  })
})

describe('range operations', () => {
  it('intersects, hulls and covers', () => {
    expect(intersect(parseVersions('4-18'), parseVersions('0-12'))).toEqual({ lo: 4, hi: 12 })
    expect(isEmpty(intersect(parseVersions('0-3'), parseVersions('4+')))).toBe(true)
    expect(hull(parseVersions('1-2'), parseVersions('5-6'))).toEqual({ lo: 1, hi: 6 })
    expect(hull(EMPTY, parseVersions('5-6'))).toEqual({ lo: 5, hi: 6 })
    expect(covers(parseVersions('0+'), parseVersions('3-4'))).toBe(true)
    expect(covers(parseVersions('3+'), parseVersions('0+'))).toBe(false)
    expect(covers(parseVersions('3+'), EMPTY)).toBe(true)
  })
})

describe('condition', () => {
  const context = parseVersions('4-18')
  it('drops tests that the context already decides', () => {
    expect(condition(context, parseVersions('0+'))).toBe('true')
    expect(condition(context, parseVersions('4+'))).toBe('true')
    expect(condition(context, parseVersions('0-3'))).toBe('false')
    expect(condition(context, parseVersions('19+'))).toBe('false')
    expect(condition(context, parseVersions('none'))).toBe('false')
    expect(condition(EMPTY, parseVersions('0+'))).toBe('false')
  })

  it('writes the remaining bounds', () => {
    expect(condition(context, parseVersions('12+'))).toBe('version >= 12')
    expect(condition(context, parseVersions('0-12'))).toBe('version <= 12')
    expect(condition(context, parseVersions('7-12'))).toBe('version >= 7 && version <= 12')
    expect(condition(context, parseVersions('9'))).toBe('version === 9')
    expect(condition(context, parseVersions('9'), 'v')).toBe('v === 9')
  })
})
