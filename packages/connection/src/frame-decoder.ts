import { ResponseTooLargeError } from './response-too-large-error.js'

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

  /** Feeds one chunk; calls `onFrame` for every complete frame, in order. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
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
        const frame = chunk.subarray(offset, offset + size)
        offset += size
        onFrame(frame)
      } else {
        this.pending = Buffer.allocUnsafe(size)
        this.pendingHave = 0
      }
    }
  }
}
