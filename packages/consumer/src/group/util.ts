import type { TopicPartition } from './assignors/types.js'

export { topicPartitionKey } from '@kafkats/metadata'

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve()
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Waits for `promise` at most `ms` (the timer is cleared either way, so it never keeps the process alive). */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const timer = new AbortController()
  try {
    await Promise.race([promise, sleep(ms, timer.signal)])
  } finally {
    timer.abort()
  }
}

/** A promise with its resolve function, re-armed by whoever waits on it. */
export class Signal {
  private waiters: Array<() => void> = []

  /** Resolves on the next `notify()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter()
  }
}

/** The group consumer's back-off cap (Java's retry.backoff.max.ms default). */
export const RETRY_BACKOFF_MAX_MS = 1000

/** Groups partitions by topic, sorted for requests, or in the order given (`as-given`: an assignor's placement order). */
export function byTopic(partitions: Iterable<TopicPartition>, order: 'sorted' | 'as-given' = 'sorted'): Map<string, number[]> {
  const map = new Map<string, number[]>()
  for (const tp of partitions) {
    const list = map.get(tp.topic)
    if (list === undefined) map.set(tp.topic, [tp.partition])
    else list.push(tp.partition)
  }
  if (order === 'as-given') return map
  for (const list of map.values()) list.sort((a, b) => a - b)
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** `orders-0, orders-3, payments-1` for logs. */
export function describePartitions(partitions: readonly TopicPartition[]): string {
  return [...byTopic(partitions)].map(([topic, list]) => `${topic}[${list.join(',')}]`).join(' ')
}

/** An AbortError carrying `signal.reason`, as Node's own APIs throw. */
export function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason
  const error = new Error('The operation was aborted')
  error.name = 'AbortError'
  return error
}
