import { encodeRecordBatchSync, decodeRecordBatchesSync } from '@kafkats/protocol'
let seed = 0x2545f491
const random = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32 }
const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
const records2: any[] = []
for (let i = 0; i < 1000; i++) { let text = `{"id":${i}`; while (text.length < 100) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`; records2.push({ key: new TextEncoder().encode(`user-${String(i % 5000).padStart(8, '0')}`), value: new TextEncoder().encode(text.slice(0, 100)), timestamp: 1700000000000 + i }) }
const bytes2 = encodeRecordBatchSync(records2)
function run(name: string, fn: () => void) {
  for (let i = 0; i < 200; i++) fn()
  const t = performance.now(); let n = 0
  while (performance.now() - t < 1500) { fn(); n++ }
  console.log(name, (n * 1000 / ((performance.now() - t) / 1000) / 1e6).toFixed(2), 'M records/s')
}
const mode = process.argv[2]
if (mode === 'zstd') { const { loadCompressionCodec } = await import('@kafkats/protocol'); await loadCompressionCodec('zstd') }
if (mode === 'platformatic') { await import('@platformatic/kafka') }
if (mode === 'kafkajs') { const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url); r('kafkajs/src/protocol/recordBatch/record/v0'); r('kafkajs/src/protocol/recordBatch/v0'); r('kafkajs/src/protocol/recordBatch/v0/decoder'); r('kafkajs/src/protocol/decoder'); r('kafkajs/src/protocol/message/compression') }
if (mode === 'encode-first') run('encode', () => encodeRecordBatchSync(records2))
async function measure(fn: () => unknown): Promise<number> {
  const run = async (ms: number): Promise<number> => {
    let count = 0
    const start = performance.now()
    let elapsed = 0
    do {
      const result = fn()
      if (result instanceof Promise) await result
      count++
      elapsed = performance.now() - start
    } while (elapsed < ms)
    return count / (elapsed / 1000)
  }
  await run(400)
  const rates: number[] = []
  for (let i = 0; i < 7; i++) rates.push(await run(250))
  rates.sort((a, b) => a - b)
  return rates[3]! * 1000 / 1e6
}
if (mode === 'measure-encode-first') console.log('measure encode', (await measure(() => encodeRecordBatchSync(records2))).toFixed(2))
if (mode?.startsWith('measure')) console.log('measure decode', (await measure(() => decodeRecordBatchesSync(bytes2, { verifyCrc: true }))).toFixed(2))
run('decode', () => decodeRecordBatchesSync(bytes2))
run('decode', () => decodeRecordBatchesSync(bytes2))
