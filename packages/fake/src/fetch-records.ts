// The `records` of a Fetch answer, written from the log's stored batches without copying them.
//
// A stored batch is the producer's bytes (a view of its Produce request) and the offset and leader
// epoch the log gave it (partition-log.ts). The answer needs the log's values in the first 16 bytes
// of each batch (baseOffset, batchLength, partitionLeaderEpoch; outside the CRC), so each batch is
// written as those 16 bytes from the writer's own buffer followed by the rest of the producer's
// bytes, which the writer keeps by reference when large (`referenceMinBytes`) and the socket
// writes as they are. The generated Fetch encoder writes a `records` field as one byte array: the
// handler gives it a placeholder array registered here, and `ResponseWriter` writes the batches
// behind it when the encoder reaches it.
import { Writer } from '@kafkats/protocol'
import { LOG_HEADER_SIZE, type StoredBatch } from './partition-log.js'

interface FetchedRecords {
  batches: readonly StoredBatch[]
  bytes: number
}

const FETCHED = new WeakMap<Uint8Array, FetchedRecords>()

/** The `records` field of a Fetch answer holding `batches` (`bytes` long): a placeholder only `ResponseWriter` writes. */
export function fetchedRecords(batches: readonly StoredBatch[], bytes: number): Uint8Array {
  const placeholder = new Uint8Array(0)
  FETCHED.set(placeholder, { batches, bytes })
  return placeholder
}

/** A Writer that writes `fetchedRecords` placeholders as their batches, with the log's offsets and epochs. */
export class ResponseWriter extends Writer {
  override bytes(value: Uint8Array | null): void {
    const fetched = value === null ? undefined : FETCHED.get(value)
    if (fetched === undefined) return super.bytes(value)
    this.int32(fetched.bytes)
    this.batches(fetched.batches)
  }

  override compactBytes(value: Uint8Array | null): void {
    const fetched = value === null ? undefined : FETCHED.get(value)
    if (fetched === undefined) return super.compactBytes(value)
    this.uvarint(fetched.bytes + 1)
    this.batches(fetched.batches)
  }

  private batches(batches: readonly StoredBatch[]): void {
    for (const batch of batches) {
      const bytes = batch.bytes
      this.int64(BigInt(batch.baseOffset))
      // batchLength as the producer sent it (the size of what follows it)
      this.raw(bytes.subarray(8, 12))
      this.int32(batch.leaderEpoch)
      this.raw(bytes.subarray(LOG_HEADER_SIZE))
    }
  }
}
