import type { FetchedBatch, FetchedRecord } from '@kafkats/fetch-planner'
import { decodeUtf8 } from '@kafkats/protocol'

/** A record as a consumer hands it out (`key`, `value` and header values are views into the fetched bytes). */
export type ConsumerRecord = FetchedRecord

/** The records of one partition from one fetch, with the partition's watermarks and the offset to commit (`nextOffset`). */
export type ConsumerBatch = FetchedBatch

/** The key as UTF-8 text (null stays null). */
export function keyString(record: Pick<ConsumerRecord, 'key'>): string | null {
  return record.key === null ? null : decodeUtf8(record.key)
}

/** The value as UTF-8 text (null, a tombstone, stays null). */
export function valueString(record: Pick<ConsumerRecord, 'value'>): string | null {
  return record.value === null ? null : decodeUtf8(record.value)
}

/** The last header named `key` (as Java's `Headers.lastHeader`), as bytes; undefined when absent. */
export function headerValue(record: Pick<ConsumerRecord, 'headers'>, key: string): Uint8Array | null | undefined {
  for (let i = record.headers.length - 1; i >= 0; i--) {
    const header = record.headers[i]!
    if (header.key === key) return header.value
  }
  return undefined
}

/** The last header named `key` as UTF-8 text; undefined when absent. */
export function headerString(record: Pick<ConsumerRecord, 'headers'>, key: string): string | null | undefined {
  const value = headerValue(record, key)
  return value === undefined || value === null ? value : decodeUtf8(value)
}

/** Records behind the high watermark after this batch (0 when caught up). */
export function batchLag(batch: Pick<ConsumerBatch, 'highWatermark' | 'nextOffset'>): bigint {
  const lag = batch.highWatermark - batch.nextOffset
  return lag > 0n ? lag : 0n
}
