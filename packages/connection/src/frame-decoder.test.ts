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
})
