// The packages are loaded with require() from their published entry points (dist/index.cjs):
// this is what failed before ("Must use import to load ES Module: hysnappy").
const protocol = require('@kafkats/protocol')
const kafkats = require('kafkats')

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

function recordLike(count) {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(JSON.stringify({ order: i, status: i % 3 === 0 ? 'shipped' : 'pending', amount: i * 7.5 })),
    headers: [{ key: 'n', value: Buffer.from(String(i)) }],
  }))
}

describe('require() of the published CommonJS entry points under Jest', () => {
  test('loads kafkats and @kafkats/protocol from dist/index.cjs', () => {
    expect(require.resolve('kafkats')).toMatch(/kafkats[\\/]dist[\\/]index\.cjs$/)
    expect(require.resolve('@kafkats/protocol')).toMatch(/protocol[\\/]dist[\\/]index\.cjs$/)
    expect(typeof kafkats.Kafka).toBe('function')
    expect(typeof protocol.encodeRecordBatch).toBe('function')
  })

  test.each(CODECS)('round-trips data and a record batch with %s', async (codec) => {
    const data = Buffer.from('hello kafka '.repeat(20_000))
    const compressed = await protocol.compress(codec, data)
    if (codec !== 'none') expect(compressed.length).toBeLessThan(data.length / 10)
    expect(Buffer.from(await protocol.decompress(codec, compressed)).equals(data)).toBe(true)

    const records = recordLike(500)
    const batch = await protocol.encodeRecordBatch(records, { compression: codec })
    const { batches } = await protocol.decodeRecordBatches(batch)
    expect(batches).toHaveLength(1)
    expect(batches[0].records.map((record) => Buffer.from(record.value).toString())).toEqual(records.map((record) => record.value.toString()))
  })

  test('zstd works on both implementations and each decodes the other', async () => {
    const data = Buffer.from(JSON.stringify(recordLike(2000).map((record) => record.value.toString())))
    const native = protocol.zstdImplementation()
    const first = await protocol.compress('zstd', data)
    protocol.setZstdImplementation('wasm')
    try {
      await protocol.loadCompressionCodec('zstd')
      expect(protocol.zstdImplementation()).toBe('wasm')
      expect(Buffer.from(protocol.decompressSync('zstd', first)).equals(data)).toBe(true)
      const second = protocol.compressSync('zstd', data)
      protocol.setZstdImplementation('auto')
      expect(Buffer.from(protocol.decompressSync('zstd', second)).equals(data)).toBe(true)
      expect(protocol.zstdImplementation()).toBe(native)
    } finally {
      protocol.setZstdImplementation('auto')
    }
  })

  test('a broken zstd WebAssembly source fails at once with a typed error', async () => {
    protocol.setZstdImplementation('wasm')
    try {
      // the embedded module may already be loaded by the test above: that load wins and this resolves
      if (protocol.zstdImplementation() === null) {
        const error = await protocol.loadZstd({ wasm: Buffer.from('not wasm') }).catch((caught) => caught)
        expect(kafkats.CompressionError.isInstance(error)).toBe(true)
        expect(error.reason).toBe('unsupported')
      }
    } finally {
      protocol.setZstdImplementation('auto')
    }
  })
})
