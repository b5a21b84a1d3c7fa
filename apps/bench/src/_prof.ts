import { compressSync, decompressSync, loadCompressionCodec } from '@kafkats/protocol'
let seed = 0x2545f491
const random = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32 }
const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
let all = ''
for (let i = 0; i < 1000; i++) { let text = `{"id":${i}`; while (text.length < 1024) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`; all += text.slice(0, 1024) }
const data = new TextEncoder().encode(all)
await loadCompressionCodec('zstd')
function run(name: string, fn: () => void) {
  for (let i = 0; i < 5; i++) fn()
  const t = performance.now(); let n = 0
  while (performance.now() - t < 700) { fn(); n++ }
  console.log(name, (n * data.length / ((performance.now() - t) / 1000) / 1e6).toFixed(0))
}
for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  const c = compressSync(codec, data)
  console.log(codec, 'ratio', (data.length / c.length).toFixed(2))
  run(codec + ' compress', () => compressSync(codec, data))
  run(codec + ' decompress', () => decompressSync(codec, c))
}
