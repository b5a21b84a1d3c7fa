/** Jitter of every back-off: ±20%, so clients that failed together do not retry together. */
const JITTER = 0.2

/**
 * The one back-off of the client: `baseMs` doubling per attempt (0 for the first retry) up to
 * `maxMs`, with ±20% jitter. Java: retry.backoff.ms / retry.backoff.max.ms and
 * reconnect.backoff.ms / reconnect.backoff.max.ms (KIP-580).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const value = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30))
  return Math.round(value * (1 - JITTER + Math.random() * 2 * JITTER))
}
