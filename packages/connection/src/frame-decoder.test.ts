import { describe, expect, it } from 'vitest'
import { FrameDecoder } from './frame-decoder.js'
import { ResponseTooLargeError } from './response-too-large-error.js'

function frame(payload: number[]): number[] {
  const size = payload.length
  return [(size >>> 24) & 0xff, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff, ...payload]
}

describe('FrameDecoder', () => {
  const stream = [...frame([1, 2, 3]), ...frame([]), ...frame([4, 5, 6, 7, 8]), ...frame([9])]
  const expected = [[1, 2, 3], [], [4, 5, 6, 7, 8], [9]]

  it('splits coalesced frames and returns views of the chunk (no copy)', () => {
    const chunk = new Uint8Array(stream)
    const frames: Uint8Array[] = []
    new FrameDecoder(1024).push(chunk, (f) => frames.push(f))
    expect(frames.map((f) => [...f])).toEqual(expected)
    expect(frames[0]!.buffer).toBe(chunk.buffer)
  })

  it('reassembles frames cut at every possible position', () => {
    for (let cut1 = 0; cut1 <= stream.length; cut1++) {
      for (let cut2 = cut1; cut2 <= stream.length; cut2++) {
        const decoder = new FrameDecoder(1024)
        const frames: number[][] = []
        for (const part of [stream.slice(0, cut1), stream.slice(cut1, cut2), stream.slice(cut2)]) {
          decoder.push(new Uint8Array(part), (f) => frames.push([...f]))
        }
        expect(frames).toEqual(expected)
        expect(decoder.hasPartialFrame).toBe(false)
      }
    }
  })

  it('hands out a frame assembled from several socket chunks as a Buffer, as frames inside one chunk are', () => {
    const bytes = Buffer.from(frame([...Array(300).keys()].map((i) => i & 0xff)))
    const frames: Uint8Array[] = []
    const decoder = new FrameDecoder(1024)
    for (const cut of [[0, 2], [2, 100], [100, bytes.length]]) decoder.push(bytes.subarray(cut[0], cut[1]), (f) => frames.push(f))
    expect(frames).toHaveLength(1)
    expect(Buffer.isBuffer(frames[0])).toBe(true)
    expect([...frames[0]!]).toEqual([...bytes.subarray(4)])
    // A view made with the frame's species, as the record decoder does, is a Buffer as well.
    const Species = (frames[0]!.constructor as unknown as { [Symbol.species]: new (b: ArrayBufferLike, o: number, l: number) => Uint8Array })[Symbol.species]
    expect(Buffer.isBuffer(new Species(frames[0]!.buffer, frames[0]!.byteOffset + 1, 2))).toBe(true)
  })

  it('rejects a frame above the maximum before allocating it, and a negative size', () => {
    const decoder = new FrameDecoder(100)
    expect(() => decoder.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]), () => {})).toThrow(ResponseTooLargeError)
    expect(() => new FrameDecoder(100).push(new Uint8Array([0xff, 0xff, 0xff, 0xfe]), () => {})).toThrow(/invalid frame size -2/)
    expect(() => new FrameDecoder(100).push(new Uint8Array(frame(new Array(100).fill(0))), () => {})).not.toThrow()
  })

  describe('read (the socket reads into the memory readBuffer names)', () => {
    /** Feeds `bytes` as a socket with `onread` would: each read fills at most `readSize` bytes of `readBuffer()`. */
    function readAll(decoder: FrameDecoder, bytes: Uint8Array, readSize: number, onFrame: (frame: Uint8Array) => void): Uint8Array[] {
      const targets: Uint8Array[] = []
      for (let at = 0; at < bytes.length; ) {
        const target = decoder.readBuffer()
        targets.push(target)
        const n = Math.min(readSize, target.length, bytes.length - at)
        target.set(bytes.subarray(at, at + n))
        at += n
        decoder.read(n, target, onFrame)
      }
      return targets
    }

    it('reassembles every frame at every read size, copying frames out of the reused scratch buffer', () => {
      for (let readSize = 1; readSize <= stream.length; readSize++) {
        const decoder = new FrameDecoder(1024)
        const frames: Uint8Array[] = []
        readAll(decoder, new Uint8Array(stream), readSize, (f) => frames.push(f))
        expect(frames.map((f) => [...f]), `reads of ${readSize}`).toEqual(expected)
        expect(decoder.hasPartialFrame).toBe(false)
        // the next read overwrites the scratch buffer: no frame may be a view of it
        const scratch = decoder.readBuffer()
        scratch.fill(0xee)
        expect(frames.map((f) => [...f])).toEqual(expected)
        for (const f of frames) expect(f.buffer).not.toBe(scratch.buffer)
      }
    })

    it('has the kernel write the rest of a large frame into the frame itself: after its first bytes, every read targets the frame', () => {
      const payload = Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)
      const bytes = new Uint8Array([...frame(payload), ...frame([1, 2])])
      const decoder = new FrameDecoder(1 << 20)
      const frames: Uint8Array[] = []
      const targets = readAll(decoder, bytes, 16384, (f) => frames.push(f))
      expect(frames.map((f) => f.length)).toEqual([200_000, 2])
      expect([...frames[0]!]).toEqual(payload)
      expect(Buffer.isBuffer(frames[0])).toBe(true)
      // read 1 into scratch (size + first bytes, copied once), reads 2..n straight into frames[0], then scratch again
      const scratch = targets[0]!
      const direct = targets.filter((t) => t.buffer === frames[0]!.buffer)
      expect(direct.length).toBe(Math.ceil((200_004 - 16384) / 16384))
      expect(targets.filter((t) => t.buffer === scratch.buffer).length).toBe(targets.length - direct.length)
    })

    it('shares one scratch buffer between decoders (connections): interleaved reads keep every frame intact', () => {
      const a = new FrameDecoder(1 << 20)
      const b = new FrameDecoder(1 << 20)
      const big = Array.from({ length: 100_000 }, (_, i) => (i * 13) & 0xff)
      const streamA = new Uint8Array([...frame(big), ...frame([1, 2, 3])])
      const streamB = new Uint8Array(stream)
      const framesA: number[][] = []
      const framesB: number[][] = []
      let atA = 0
      let atB = 0
      // one read of at most 7,000 bytes from each in turn, as the event loop would deliver them
      while (atA < streamA.length || atB < streamB.length) {
        for (const [decoder, bytes, frames, at] of [
          [a, streamA, framesA, atA],
          [b, streamB, framesB, atB],
        ] as const) {
          if (at >= bytes.length) continue
          const target = decoder.readBuffer()
          const n = Math.min(7_000, target.length, bytes.length - at)
          target.set(bytes.subarray(at, at + n))
          decoder.read(n, target, (f) => frames.push([...f]))
          if (decoder === a) atA += n
          else atB += n
        }
      }
      expect(framesA).toEqual([big, [1, 2, 3]])
      expect(framesB).toEqual(expected)
      expect(new FrameDecoder(1).readBuffer().buffer).toBe(new FrameDecoder(2).readBuffer().buffer)
    })

    it('checks the size before allocating, as push does', () => {
      const decoder = new FrameDecoder(100)
      const target = decoder.readBuffer()
      target.set([0x7f, 0xff, 0xff, 0xff])
      expect(() => decoder.read(4, target, () => {})).toThrow(ResponseTooLargeError)
    })
  })
})
