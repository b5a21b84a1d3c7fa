// Helpers for this package's tests only (not exported); the ones every package's tests share
// (topics, raw Produce requests, waiting, a recording logger) are in @kafkats/testkit.
import type { FetchPlanner } from './fetch-planner.js'
import type { FetchedRecord } from './types.js'

/** Polls until `count` records arrived (or throws after `timeoutMs`). */
export async function consume(planner: FetchPlanner, count: number, timeoutMs = 30_000): Promise<FetchedRecord[]> {
  const records: FetchedRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (records.length < count) {
    if (Date.now() > deadline) throw new Error(`consumed ${records.length} of ${count} records before the timeout`)
    for (const batch of await planner.poll({ maxWaitMs: 200 })) records.push(...batch.records)
  }
  return records
}
