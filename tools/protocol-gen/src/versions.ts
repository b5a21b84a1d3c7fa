/** Highest version an open-ended range ("N+") reaches; versions are int16 on the wire. */
export const MAX_VERSION = 0x7fff

/** An inclusive version range; `lo > hi` is the empty range. */
export interface Range {
  readonly lo: number
  readonly hi: number
}

export const EMPTY: Range = { lo: 1, hi: 0 }

/** Parses "N+", "A-B", "N" or "none". */
export function parseVersions(text: string): Range {
  const value = text.trim()
  if (value === 'none') return EMPTY
  let match = /^(\d+)\+$/.exec(value)
  if (match) return range(Number(match[1]), MAX_VERSION)
  match = /^(\d+)-(\d+)$/.exec(value)
  if (match) {
    const lo = Number(match[1])
    const hi = Number(match[2])
    if (lo > hi) throw new Error(`invalid version range "${text}": ${lo} > ${hi}`)
    return range(lo, hi)
  }
  match = /^(\d+)$/.exec(value)
  if (match) return range(Number(match[1]), Number(match[1]))
  throw new Error(`invalid version range "${text}"`)
}

function range(lo: number, hi: number): Range {
  if (lo > MAX_VERSION || hi > MAX_VERSION) throw new Error(`version ${Math.max(lo, hi)} does not fit int16`)
  return { lo, hi }
}

export function isEmpty(r: Range): boolean {
  return r.lo > r.hi
}

export function intersect(a: Range, b: Range): Range {
  const lo = Math.max(a.lo, b.lo)
  const hi = Math.min(a.hi, b.hi)
  return lo > hi ? EMPTY : { lo, hi }
}

/** Smallest range containing both. */
export function hull(a: Range, b: Range): Range {
  if (isEmpty(a)) return b
  if (isEmpty(b)) return a
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) }
}

export function contains(r: Range, version: number): boolean {
  return version >= r.lo && version <= r.hi
}

/** True when `inner` is entirely inside `outer` (the empty range is inside everything). */
export function covers(outer: Range, inner: Range): boolean {
  return isEmpty(inner) || (inner.lo >= outer.lo && inner.hi <= outer.hi)
}

export function formatRange(r: Range): string {
  if (isEmpty(r)) return 'none'
  if (r.hi === MAX_VERSION) return `${r.lo}+`
  if (r.lo === r.hi) return `${r.lo}`
  return `${r.lo}-${r.hi}`
}

/**
 * A TypeScript condition on `variable` that is true exactly for the versions of `r`, knowing the
 * version is already within `context`. Returns 'true' or 'false' when the answer does not depend
 * on the version, so callers can drop the test.
 */
export function condition(context: Range, r: Range, variable = 'version'): string {
  if (isEmpty(context)) return 'false'
  const both = intersect(context, r)
  if (isEmpty(both)) return 'false'
  const low = both.lo > context.lo
  const high = both.hi < context.hi
  if (low && high) return both.lo === both.hi ? `${variable} === ${both.lo}` : `${variable} >= ${both.lo} && ${variable} <= ${both.hi}`
  if (low) return `${variable} >= ${both.lo}`
  if (high) return `${variable} <= ${both.hi}`
  return 'true'
}
