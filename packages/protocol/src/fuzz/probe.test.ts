import { it } from 'vitest'
import { apis } from '../generated/index.js'
import { Reader } from '../primitives/reader.js'
import { KafkaError } from '../errors/kafka-error.js'
import { DecodeError } from '../errors/decode-error.js'

it('probe', () => {
  let s = 1
  const rnd = () => { s = (s + 0x6d2b79f5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return (t ^ (t >>> 14)) >>> 0 }
  Error.stackTraceLimit = 0
  const scratch = new Uint8Array(512)
  const words = new Uint32Array(scratch.buffer)
  let t0 = performance.now()
  let sink = 0
  for (let i = 0; i < 1_000_000; i++) {
    const len = rnd() % 301
    for (let j = 0; j < (len + 3) >> 2; j++) words[j] = rnd()
    sink += scratch.subarray(0, len).length
  }
  console.log('gen us', (performance.now() - t0) / 1000)
  t0 = performance.now()
  for (let i = 0; i < 1_000_000; i++) { try { throw new DecodeError(`x ${i} y`, i) } catch (e) { sink += KafkaError.isInstance(e) ? 1 : 0 } }
  console.log('throw DecodeError us', (performance.now() - t0) / 1000)
  t0 = performance.now()
  for (let i = 0; i < 1_000_000; i++) { sink += new Reader(scratch, 0, 100).remaining }
  console.log('new Reader us', (performance.now() - t0) / 1000)
  t0 = performance.now()
  let n = 0
  for (const api of apis) {
    for (let i = 0; i < 5000; i++) {
      const len = rnd() % 301
      for (let j = 0; j < (len + 3) >> 2; j++) words[j] = rnd()
      const b = scratch.subarray(0, len)
      const v = api.minVersion + (rnd() % (api.maxVersionWithUnstable - api.minVersion + 1))
      try { api.decodeResponse(new Reader(b), v) } catch (e) { if (!KafkaError.isInstance(e)) throw e }
      try { api.decodeRequest(new Reader(b), v) } catch (e) { if (!KafkaError.isInstance(e)) throw e }
      n += 2
    }
  }
  const t = performance.now() - t0
  console.log(`${n} inputs in ${t.toFixed(0)} ms = ${(t * 1000 / n).toFixed(2)} us/input`, sink)
})
