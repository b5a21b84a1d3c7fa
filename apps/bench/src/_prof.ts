import { encodeRecordBatchSync, decodeRecordBatchesSync } from '@kafkats/protocol'
let seed = 0x2545f491
const random = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32 }
const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
const records = []
for (let i = 0; i < 1000; i++) { let text = `{"id":${i}`; while (text.length < 1024) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`; records.push({ key: new TextEncoder().encode(`user-${String(i % 5000).padStart(8, '0')}`), value: new TextEncoder().encode(text.slice(0, 1024)), timestamp: 1700000000000 + i }) }
const bytes = encodeRecordBatchSync(records)
function run(name: string, fn: () => void) {
  for (let i = 0; i < 20; i++) fn()
  const t = performance.now(); let n = 0
  while (performance.now() - t < 1500) { fn(); n++ }
  console.log(name, (n * 1037000 / ((performance.now() - t) / 1000) / 1e6).toFixed(0))
}
run('decode nocrc', () => decodeRecordBatchesSync(bytes, { verifyCrc: false }))
run('decode', () => decodeRecordBatchesSync(bytes))
run('encode', () => encodeRecordBatchSync(records))
