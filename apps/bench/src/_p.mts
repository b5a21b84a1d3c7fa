import { encodeRecordBatchSync, decodeRecordBatchesSync } from '@kafkats/protocol'
const records: any[] = []
for (let i = 0; i < 1000; i++) records.push({ key: new TextEncoder().encode(`user-${String(i).padStart(8, '0')}`), value: new Uint8Array(100).fill(66), timestamp: 1700000000000 + i })
const bytes = encodeRecordBatchSync(records)
function run(name: string, fn: () => void) {
  for (let i = 0; i < 200; i++) fn()
  const t = performance.now(); let n = 0
  while (performance.now() - t < 2000) { fn(); n++ }
  console.log(name, (n * 1000 / ((performance.now() - t) / 1000) / 1e6).toFixed(2), 'M records/s')
}
run('decode nocrc', () => decodeRecordBatchesSync(bytes, { verifyCrc: false }))
run('decode crc', () => decodeRecordBatchesSync(bytes))
let seed = 0x2545f491
const random = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32 }
const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
const records2: any[] = []
for (let i = 0; i < 1000; i++) { let text = `{"id":${i}`; while (text.length < 100) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`; records2.push({ key: new TextEncoder().encode(`user-${String(i % 5000).padStart(8, '0')}`), value: new TextEncoder().encode(text.slice(0, 100)), timestamp: 1700000000000 + i }) }
const bytes2 = encodeRecordBatchSync(records2)
run('bench data decode crc', () => decodeRecordBatchesSync(bytes2))
run('bench data decode nocrc', () => decodeRecordBatchesSync(bytes2, { verifyCrc: false }))
run('encode', () => encodeRecordBatchSync(records2))
run('bench data decode crc after encode', () => decodeRecordBatchesSync(bytes2))
run('bench data decode crc after encode', () => decodeRecordBatchesSync(bytes2))
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
console.log('measure() decode crc M rec/s', (await measure(() => decodeRecordBatchesSync(bytes2))).toFixed(2))
console.log('measure() decode crc opts M rec/s', (await measure(() => decodeRecordBatchesSync(bytes2, { verifyCrc: true }))).toFixed(2))
