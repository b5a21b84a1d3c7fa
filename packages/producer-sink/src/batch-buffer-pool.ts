/**
 * Reuses the memory of acknowledged record batches for the next ones. A full batch is ~1 MiB
 * (batchMaxBytes) and each used to get a fresh, zero-filled allocation: touching that new memory
 * cost more than copying the records into it (300 batches of 1,000 × 1 KiB records: ~490 ms into
 * fresh arrays, ~100 ms into reused ones), and the dead batches stayed resident until the garbage
 * collector noticed them. Only batches of at least half a block take one; smaller ones get their
 * own array, so a quiet producer with many partitions does not hold a block per partition.
 *
 * A block comes back only from a batch sent exactly once and acknowledged (Sink.completeHead): its
 * one request was answered, so the connection has written every byte of it and nothing reads it
 * again. Anything else (failed batches, retried ones, acks=0) is left to the garbage collector.
 */
export class BatchBufferPool {
  private readonly blockBytes: number
  private readonly maxFreeBlocks: number
  private readonly free: ArrayBuffer[] = []

  constructor(blockBytes: number, maxFreeBlocks: number) {
    this.blockBytes = blockBytes
    this.maxFreeBlocks = maxFreeBlocks
  }

  /** Memory for a batch of `byteLength` bytes (contents undefined: the encoder writes every byte). */
  readonly allocate = (byteLength: number): Uint8Array => {
    if (byteLength * 2 < this.blockBytes || byteLength > this.blockBytes) return new Uint8Array(byteLength)
    return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.blockBytes), 0, byteLength)
  }

  /** `bytes` (from `allocate`) will never be read again. Call at most once per batch. */
  release(bytes: Uint8Array): void {
    const block = bytes.buffer
    if (!(block instanceof ArrayBuffer) || block.byteLength !== this.blockBytes || bytes.byteOffset !== 0) return
    if (this.free.length < this.maxFreeBlocks) this.free.push(block)
  }

  /** Blocks kept for reuse (tests). */
  get freeBlocks(): number {
    return this.free.length
  }
}
