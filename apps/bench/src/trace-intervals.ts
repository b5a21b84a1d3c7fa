/**
 * Interval arithmetic shared by the request traces (fetch-trace.ts, produce-trace.ts): how much of
 * a window had requests in flight, and quantiles of what they carried.
 */

/** The `q` quantile (0..1) of `values` by rank; 0 for no values. */
export const quantile = (values: number[], q: number): number => {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** Over [from, to): the share covered by at least one interval, the time-weighted mean number of intervals and the most at once. */
export function coverage(intervals: Array<[number, number]>, from: number, to: number): { busy: number; meanLevel: number; maxLevel: number } {
  const edges: Array<[number, number]> = []
  for (const [start, end] of intervals) {
    const a = Math.max(start, from)
    const b = Math.min(end, to)
    if (b > a) edges.push([a, 1], [b, -1])
  }
  // At equal times, ends before starts: a response and the next request at the same ms is not two in flight.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1])
  let level = 0
  let last = from
  let busy = 0
  let weighted = 0
  let maxLevel = 0
  for (const [t, delta] of edges) {
    if (level > 0) busy += t - last
    weighted += level * (t - last)
    last = t
    level += delta
    maxLevel = Math.max(maxLevel, level)
  }
  const span = to - from
  return { busy: span > 0 ? busy / span : 0, meanLevel: span > 0 ? weighted / span : 0, maxLevel }
}
