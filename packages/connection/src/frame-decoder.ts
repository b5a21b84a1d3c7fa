import { ResponseTooLargeError } from './response-too-large-error.js'

/** Size of the scratch buffer sockets read into between frames: what Node's stream reads allocate per read. */
const SCRATCH_BYTES = 64 * 1024

/**
 * The scratch buffer, one for every decoder of the process: a read fills it and its callback
 * copies out what it holds before returning, on the one JavaScript thread, so no two reads ever
 * use it at once, and a thousand idle connections hold 64 KiB between them, not 64 KiB each.
 */
let sharedScratch: Uint8Array | null = null

/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). A frame that arrives whole
 * inside one chunk is returned as a view of that chunk (no copy); a frame spread over several
 * chunks is copied once into a buffer of exactly its size, allocated only after the size has
 * been checked against `maxFrameBytes`.
 *
 * That buffer is a Node `Buffer` from `Buffer.allocUnsafe`, like the socket's chunks: every frame
 * is then a Buffer, so the views the record decoder makes of it (with the frame's own view class)
 * are Buffers too, and a layer that must hand out Buffers (@kafkats/kafkajs) uses them as they are
 * instead of making a second view per key and value. Unsafe (not zero-filled) is safe here: the
 * frame is handed on only after every byte of it was written from the stream.
 *
 * Sockets opened by the connection do not use `push`: they read with Node's `onread` into the
 * memory `readBuffer()` names (`read` then takes the bytes). While a frame is being assembled that
 * memory is the frame's own unfilled rest, so the kernel writes a large response (a Fetch answer
 * of megabytes) straight into its frame buffer: no 64 KiB chunk allocated per read, no copy of
 * the chunk into the frame, no Readable stream `data` event per chunk (measured in
 * apps/bench/results/consume.md). Between frames it is a scratch buffer reused by every read of
 * every connection, so frames found in it are copied out (small frames, and the first bytes of a
 * large one) before the read's callback returns.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number
  /** Bytes of a size prefix split across chunks. */
  private readonly sizeBytes = new Uint8Array(4)
  private sizeBytesHave = 0
  /** The frame being assembled across chunks, or null between frames. */
  private pending: Uint8Array | null = null
  private pendingHave = 0

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes
  }

  /** True while part of a frame is buffered. */
  get hasPartialFrame(): boolean {
    return this.pending !== null || this.sizeBytesHave > 0
  }

  /**
   * The memory the next socket read should fill: the unfilled rest of the frame being assembled
   * (never empty: a frame is handed on as soon as it is full), or the scratch buffer between frames.
   */
  readBuffer(): Uint8Array {
    const pending = this.pending
    if (pending !== null) return pending.subarray(this.pendingHave)
    return (sharedScratch ??= Buffer.allocUnsafe(SCRATCH_BYTES))
  }

  /**
   * Takes `nread` bytes the socket read into `buffer`, the memory the last `readBuffer()` named;
   * calls `onFrame` for every complete frame, in order. Frames are never views of the scratch
   * buffer (the next read overwrites it).
   */
  read(nread: number, buffer: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    const pending = this.pending
    if (pending !== null && buffer.buffer === pending.buffer && buffer.byteOffset === pending.byteOffset + this.pendingHave) {
      // the kernel wrote into the frame itself
      this.pendingHave += nread
      if (this.pendingHave === pending.length) {
        this.pending = null
        this.pendingHave = 0
        onFrame(pending)
      }
      return
    }
    this.take(buffer.subarray(0, nread), onFrame, true)
  }

  /** Feeds one chunk; calls `onFrame` for every complete frame, in order. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    this.take(chunk, onFrame, false)
  }

  /** `push`, and `read` from the scratch buffer (`copy`: whole frames are copied out of the chunk, not views of it). */
  private take(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void, copy: boolean): void {

    let offset = 0
    const length = chunk.length
    while (offset < length) {
      if (this.pending !== null) {
        const take = Math.min(this.pending.length - this.pendingHave, length - offset)
        this.pending.set(chunk.subarray(offset, offset + take), this.pendingHave)
        this.pendingHave += take
        offset += take
        if (this.pendingHave === this.pending.length) {
          const frame = this.pending
          this.pending = null
          this.pendingHave = 0
          onFrame(frame)
        }
        continue
      }
      let size: number
      if (this.sizeBytesHave === 0 && length - offset >= 4) {
        size = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) | 0
        offset += 4
      } else {
        while (this.sizeBytesHave < 4 && offset < length) this.sizeBytes[this.sizeBytesHave++] = chunk[offset++]!
        if (this.sizeBytesHave < 4) return
        const bytes = this.sizeBytes
        size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) | 0
        this.sizeBytesHave = 0
      }
      if (size < 0 || size > this.maxFrameBytes) throw new ResponseTooLargeError(size, this.maxFrameBytes)
      if (length - offset >= size) {
        const frame = copy ? Buffer.from(chunk.subarray(offset, offset + size)) : chunk.subarray(offset, offset + size)
        offset += size
        onFrame(frame)
      } else {
        this.pending = Buffer.allocUnsafe(size)
        this.pendingHave = 0
      }
    }
  }
}
