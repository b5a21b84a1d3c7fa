/**
 * Reuses the memory of acknowledged record batches for the next ones. A full batch is ~1 MiB
 * (batchMaxBytes) and each used to get a fresh, zero-filled allocation: touching that new memory
 * cost more than copying the records into it (300 batches of 1,000 × 1 KiB records: ~490 ms into
 * fresh arrays, ~100 ms into reused ones), and the dead batches stayed resident until the garbage
 * collector noticed them. Batches of at least half a block take a block.
 *
 * Smaller batches (many partitions, few records each) take memory of a power-of-two size class
 * instead: a fresh ArrayBuffer costs ~1 µs to create (its backing store lives outside the heap and
 * is zero-filled) plus the garbage collector's work for it, once per batch; a reused one costs a
 * view. What the classes keep is bounded in bytes, so a quiet producer with many partitions holds
 * little.
 *
 * Memory comes back only from a batch sent exactly once and acknowledged (Sink.completeHead): its
 * one request was answered, so the connection has written every byte of it and nothing reads it
 * again. Anything else (failed batches, retried ones, acks=0) is left to the garbage collector.
 */
export class BatchBufferPool {
  private readonly blockBytes: number
  private readonly maxFreeBlocks: number
  private readonly free: ArrayBuffer[] = []
  private readonly maxFreeSmallBytes: number
  /** Free small buffers by size class: `small[c]` holds ArrayBuffers of 2^c bytes. */
  private readonly small: ArrayBuffer[][] = []
  private freeSmallBytes = 0

  constructor(blockBytes: number, maxFreeBlocks: number, maxFreeSmallBytes = 0) {
    this.blockBytes = blockBytes
    this.maxFreeBlocks = maxFreeBlocks
    this.maxFreeSmallBytes = maxFreeSmallBytes
    for (let c = 0; c <= MAX_CLASS; c++) this.small.push([])
  }

  /** Memory for a batch of `byteLength` bytes (contents undefined: the encoder writes every byte). */
  readonly allocate = (byteLength: number): Uint8Array => {
    if (byteLength > this.blockBytes) return new Uint8Array(byteLength)
    if (byteLength * 2 >= this.blockBytes) return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.blockBytes), 0, byteLength)
    if (this.maxFreeSmallBytes === 0 || byteLength < MIN_SMALL_BYTES) return new Uint8Array(byteLength)
    const c = sizeClass(byteLength)
    const small = this.small
    // A miss in the batch's own class takes a free buffer up to two classes larger before making a
    // new one: batch sizes straddle a class boundary (19 ± 4 records of ~140 B at 1,000
    // partitions), so one class runs dry while the next is full, and a new ArrayBuffer costs
    // 0.5-3 µs plus the collector's work for its external memory (a third of the small batches
    // took one at 1,000 partitions). The larger buffer comes back to its own class on release.
    let reused = small[c]!.pop()
    if (reused === undefined && c < MAX_CLASS) reused = small[c + 1]!.pop() ?? (c + 1 < MAX_CLASS ? small[c + 2]!.pop() : undefined)
    if (reused === undefined) return new Uint8Array(new ArrayBuffer(2 ** c), 0, byteLength)
    this.freeSmallBytes -= reused.byteLength
    return new Uint8Array(reused, 0, byteLength)
  }

  /** `bytes` (from `allocate`) will never be read again. Call at most once per batch. */
  release(bytes: Uint8Array): void {
    const block = bytes.buffer
    if (!(block instanceof ArrayBuffer) || bytes.byteOffset !== 0) return
    const size = block.byteLength
    if (size === this.blockBytes) {
      if (this.free.length < this.maxFreeBlocks) this.free.push(block)
      return
    }
    // Only whole buffers of a size class (a batch's own array of another length stays with the collector).
    if (size < MIN_SMALL_BYTES || size >= this.blockBytes || (size & (size - 1)) !== 0) return
    if (this.freeSmallBytes + size > this.maxFreeSmallBytes) return
    this.small[sizeClass(size)]!.push(block)
    this.freeSmallBytes += size
  }

  /** Blocks kept for reuse (tests). */
  get freeBlocks(): number {
    return this.free.length
  }

  /** Bytes of small buffers kept for reuse (tests). */
  get freeSmallBufferBytes(): number {
    return this.freeSmallBytes
  }
}

/** Below this a batch gets its own array: the classes would waste more than they save. */
const MIN_SMALL_BYTES = 256
/** 2^31 bytes: beyond any block (batchMaxBytes is an int32). */
const MAX_CLASS = 31

/** The smallest c with 2^c >= byteLength. */
function sizeClass(byteLength: number): number {
  return 32 - Math.clz32(byteLength - 1)
}
