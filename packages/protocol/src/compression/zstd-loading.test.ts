import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CompressionError, compress, decompressSync, loadCompressionCodec } from './index.js'
import { LZ4_WASM_BASE64 } from './lz4-wasm-binary.js'
import { embeddedZstdWasm } from './zstd-wasm.js'
import { loadZstd, setZstdImplementation, unloadZstdWasm, zstdCompress, zstdDecompress, zstdImplementation } from './zstd.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const record = utf8('{"order":42,"status":"shipped","items":[{"sku":"A-1","qty":2}]}'.repeat(3000))
const hasNodeZstd = typeof (process.getBuiltinModule?.('node:zlib') as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'

/** Runs `promise` and fails the test if it neither resolves nor rejects in time (the old loader hung). */
async function settles<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function expectLoadError(options: Parameters<typeof loadZstd>[0], message: RegExp): Promise<void> {
  const error = await settles(loadZstd(options)).then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(CompressionError.isInstance(error), `expected CompressionError, got ${String(error)}`).toBe(true)
  expect((error as CompressionError).reason).toBe('unsupported')
  expect((error as CompressionError).message).toMatch(message)
  expect(zstdImplementation()).toBe(null)
}

describe('zstd WebAssembly loading', () => {
  let wasmBytes: Uint8Array
  let server: Server
  let base: string
  let dir: string

  beforeAll(async () => {
    wasmBytes = await embeddedZstdWasm()
    dir = mkdtempSync(join(tmpdir(), 'kafkats-zstd-'))
    writeFileSync(join(dir, 'zstd.wasm'), wasmBytes)
    server = createServer((request, response) => {
      if (request.url === '/zstd.wasm') {
        response.writeHead(200, { 'content-type': 'application/wasm' })
        response.end(wasmBytes)
      } else if (request.url === '/broken.wasm') {
        response.end(Buffer.from('not a wasm module'))
      } else {
        response.writeHead(404)
        response.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  beforeEach(() => {
    setZstdImplementation('wasm')
    unloadZstdWasm()
  })

  afterEach(() => {
    setZstdImplementation('auto')
    unloadZstdWasm()
  })

  it.each<[string, () => Parameters<typeof loadZstd>[0]]>([
    ['the embedded copy', () => ({})],
    ['bytes', () => ({ wasm: wasmBytes })],
    ['an ArrayBuffer', () => ({ wasm: wasmBytes.slice().buffer })],
    ['a file path', () => ({ wasm: join(dir, 'zstd.wasm') })],
    ['a file: URL', () => ({ wasm: pathToFileURL(join(dir, 'zstd.wasm')) })],
    ['an http: URL', () => ({ wasm: `${base}/zstd.wasm` })],
  ])('loads from %s and round-trips', async (_name, options) => {
    expect(zstdImplementation()).toBe(null)
    await settles(loadZstd(options()))
    expect(zstdImplementation()).toBe('wasm')
    expect(Buffer.from(zstdDecompress(zstdCompress(record), 1 << 24)).equals(Buffer.from(record))).toBe(true)
  })

  it('fails at once with a typed error for a missing file, a 404, garbage or another module, then loads again', async () => {
    await expectLoadError({ wasm: join(dir, 'missing.wasm') }, /cannot read/)
    await expectLoadError({ wasm: `${base}/missing.wasm` }, /HTTP 404/)
    await expectLoadError({ wasm: `${base}/broken.wasm` }, /does not compile/)
    await expectLoadError({ wasm: 'http://127.0.0.1:1/zstd.wasm' }, /cannot fetch/)
    await expectLoadError({ wasm: utf8('garbage') }, /does not compile/)
    await expectLoadError({ wasm: Buffer.from(LZ4_WASM_BASE64, 'base64') }, /not the zstd build/)
    // a failed load is not remembered: the right file loads afterwards
    await settles(loadCompressionCodec('zstd', { wasm: wasmBytes }))
    expect(zstdImplementation()).toBe('wasm')
  })

  it('is the installed @bokuweb/zstd-wasm build (scripts/embed-zstd-wasm.mjs --check)', () => {
    const script = join(import.meta.dirname, '../../scripts/embed-zstd-wasm.mjs')
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0)
  })

  it('matches the published file', () => {
    // dist/zstd.wasm is written from the same embedded copy; the devDependency is its source
    const source = readFileSync(join(import.meta.dirname, '../../../../node_modules/@bokuweb/zstd-wasm/dist/web/zstd.wasm'))
    expect(Buffer.from(wasmBytes).equals(source)).toBe(true)
  })
})

// Where the runtime has no node:zlib zstd (Node < 22.15) 'auto' is the WebAssembly build and these
// compare it with itself; .ci/suites/bundles.sh runs the same comparison under Node 24 as well.
describe('zstd: node:zlib (where present) and WebAssembly interoperate byte for byte', () => {
  afterEach(() => {
    setZstdImplementation('auto')
  })

  it('uses node:zlib by default where the runtime has it, with nothing to load', async () => {
    setZstdImplementation('auto')
    unloadZstdWasm()
    expect(zstdImplementation()).toBe(hasNodeZstd ? 'node:zlib' : null)
    await loadZstd()
    expect(zstdImplementation()).toBe(hasNodeZstd ? 'node:zlib' : 'wasm')
  })

  it('each decodes the other, at every level tried', async () => {
    await loadZstd()
    for (const level of [-5, 1, 3, 9, 19]) {
      setZstdImplementation('auto')
      const byNode = zstdCompress(record, level)
      setZstdImplementation('wasm')
      await loadZstd()
      const byWasm = zstdCompress(record, level)
      expect(Buffer.from(zstdDecompress(byNode, 1 << 24)).equals(Buffer.from(record))).toBe(true)
      setZstdImplementation('auto')
      expect(Buffer.from(zstdDecompress(byWasm, 1 << 24)).equals(Buffer.from(record))).toBe(true)
    }
  })

  it('keeps the limit and typed errors on the node:zlib path', async () => {
    setZstdImplementation('auto')
    const bomb = await compress('zstd', new Uint8Array(4 * 1024 * 1024))
    expect(() => decompressSync('zstd', bomb, { outputMaxBytes: 1024 * 1024 })).toThrow(/exceeds the limit/)
    const compressed = zstdCompress(record)
    const mutated = compressed.slice()
    const at = mutated.length >> 1
    mutated[at] = (mutated[at] as number) ^ 0xff
    try {
      decompressSync('zstd', mutated)
    } catch (error) {
      expect(CompressionError.isInstance(error), String(error)).toBe(true)
    }
  })
})

describe('zstd: node:zlib (where present) and WebAssembly decode mutated frames alike', () => {
  afterEach(() => {
    setZstdImplementation('auto')
  })

  /** The output, or the CompressionError reason; anything else thrown fails the test. */
  function outcome(data: Uint8Array, outputMaxBytes: number): string {
    try {
      return `bytes ${Buffer.from(zstdDecompress(data, outputMaxBytes)).toString('base64')}`
    } catch (error) {
      expect(CompressionError.isInstance(error), `${String(error)} for ${Buffer.from(data).toString('hex')}`).toBe(true)
      return `CompressionError ${(error as CompressionError).reason}`
    }
  }

  it('gives the same bytes or the same CompressionError reason for 3,000 mutations of single and concatenated frames from both compressors', async () => {
    const parts = [utf8('hello kafka'), record.subarray(0, 5000), new Uint8Array(0)]
    // frames from both compressors: node:zlib's carry a checksum, the WebAssembly build's do not
    const originals: Uint8Array[] = []
    for (const which of ['auto', 'wasm'] as const) {
      setZstdImplementation(which)
      await loadZstd()
      originals.push(zstdCompress(record.subarray(0, 2000)), Buffer.concat(parts.map((part) => zstdCompress(part))))
    }
    let x = 99
    const next = (): number => {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return x >>> 0
    }
    const cases: Array<[Uint8Array, number]> = originals.flatMap((original) => [1 << 20, 5011, 5010, 4096].map((max): [Uint8Array, number] => [original, max]))
    for (let i = 0; i < 3000; i++) {
      const mutated = new Uint8Array(originals[i % originals.length] as Uint8Array) // a copy (Buffer#slice is a view)
      for (let flips = 1 + (next() % 3); flips > 0; flips--) mutated[next() % mutated.length] = next() & 0xff
      cases.push([mutated, [1 << 20, 4096, 100][i % 3] as number])
    }
    setZstdImplementation('auto')
    const byDefault = cases.map(([data, max]) => outcome(data, max))
    setZstdImplementation('wasm')
    await loadZstd()
    const byWasm = cases.map(([data, max]) => outcome(data, max))
    const differing = cases.flatMap(([data, max], i) =>
      byDefault[i] === byWasm[i] ? [] : [`${Buffer.from(data).toString('hex')} (limit ${max}): ${byDefault[i]} vs wasm ${byWasm[i]}`],
    )
    expect(differing).toEqual([])
    // the mutations reach both outcomes: some still decode, most are refused
    expect(byWasm.filter((o) => o.startsWith('bytes')).length).toBeGreaterThan(30)
    expect(byWasm.filter((o) => o.startsWith('CompressionError')).length).toBeGreaterThan(300)
  })
})
