import { spawnSync } from 'node:child_process'
import { gzipSync as nodeGzipSync, gunzipSync as nodeGunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  COMPRESSION_CODEC_IDS,
  type CompressionCodec,
  CompressionError,
  compress,
  compressSync,
  compressionCodecFromId,
  decompress,
  decompressSync,
  isCompressionCodecLoaded,
  loadCompressionCodec,
  setCompressionCodecImplementation,
} from './index.js'
import { forcePureJsGzip, gzipImplementation } from './gzip.js'
import { lz4CompressFrame, lz4DecompressFrame } from './lz4.js'
import { disableLz4Wasm, lz4Wasm } from './lz4-wasm.js'
import { xxhash32 } from './xxhash32.js'
import { loadZstd, setZstdImplementation, unloadZstdWasm, zstdImplementation } from './zstd.js'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The 127-byte text every CLI fixture below compresses. */
const FIXTURE_TEXT =
  '{"order":42,"status":"shipped","items":[{"sku":"A-1","qty":2},{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],"status2":"shipped"}'

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Record-like text: compressible but not trivially. */
function recordLike(length: number): Uint8Array {
  const words = ['order', 'customer', 'amount', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'rack']
  const random = randomBytes(length, 7)
  let text = ''
  for (let i = 0; text.length < length; i++) text += `"${words[(random[i % length] as number) % words.length]}":${random[(i * 7) % length]},`
  return utf8(text.slice(0, length))
}

const CODECS: Array<Exclude<CompressionCodec, 'none'>> = ['gzip', 'snappy', 'lz4', 'zstd']

function expectCompressionError(run: () => unknown, reason?: string): CompressionError {
  try {
    run()
  } catch (error) {
    expect(CompressionError.isInstance(error), `expected CompressionError, got ${String(error)}`).toBe(true)
    if (reason !== undefined) expect((error as CompressionError).reason).toBe(reason)
    return error as CompressionError
  }
  throw new Error('expected a CompressionError')
}

describe('codec registry', () => {
  it('needs zstd loaded before the synchronous API (WebAssembly build)', async () => {
    // Node's built-in zstd (22.15+) needs no loading; the WebAssembly build, as in browsers, does.
    setZstdImplementation('wasm')
    unloadZstdWasm()
    expect(isCompressionCodecLoaded('zstd')).toBe(false)
    expectCompressionError(() => compressSync('zstd', utf8('x')), 'not-loaded')
    await loadCompressionCodec('zstd')
    expect(isCompressionCodecLoaded('zstd')).toBe(true)
    expect(isCompressionCodecLoaded('gzip')).toBe(true)
    setZstdImplementation('auto')
  })

  it('maps attribute ids to codecs', () => {
    expect(COMPRESSION_CODEC_IDS).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 })
    expect([0, 1, 2, 3, 4].map(compressionCodecFromId)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
    const error = expectCompressionError(() => compressionCodecFromId(5), 'unsupported')
    expect(error.errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE')
  })

  it('passes none through, bounded', () => {
    const data = utf8('abc')
    expect(compressSync('none', data)).toBe(data)
    expect(decompressSync('none', data)).toBe(data)
    expectCompressionError(() => decompressSync('none', data, { outputMaxBytes: 2 }), 'limit')
  })

  it('takes a replacement implementation', () => {
    setCompressionCodecImplementation('snappy', {
      compress: (data) => Uint8Array.from([...data].reverse()),
      decompress: (data) => Uint8Array.from([...data].reverse()),
    })
    expect([...compressSync('snappy', utf8('ab'))]).toEqual([98, 97])
    setCompressionCodecImplementation('snappy', null)
    expect(compressSync('snappy', utf8('ab'))[0]).toBe(0x82)
  })
})

describe.each(CODECS)('%s', (codec) => {
  const inputs: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(7)],
    ['short text', utf8(FIXTURE_TEXT)],
    ['70 KB record-like', recordLike(70_000)],
    ['300 KB record-like', recordLike(300_000)],
    ['100 KB random', randomBytes(100_000)],
    ['200 KB zeros', new Uint8Array(200_000)],
  ]

  it.each(inputs)('round-trips %s', async (_name, data) => {
    const compressed = await compress(codec, data)
    expect(Buffer.from(await decompress(codec, compressed)).equals(Buffer.from(data))).toBe(true)
    expect(Buffer.from(decompressSync(codec, compressSync(codec, data))).equals(Buffer.from(data))).toBe(true)
  })

  it('refuses output beyond the limit (decompression bomb)', async () => {
    const bomb = await compress(codec, new Uint8Array(4 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(300_000)
    expectCompressionError(() => decompressSync(codec, bomb, { outputMaxBytes: 1024 * 1024 }), 'limit')
    expectCompressionError(() => decompressSync(codec, bomb, { outputMaxBytes: 4 * 1024 * 1024 - 1 }), 'limit')
    expect(decompressSync(codec, bomb, { outputMaxBytes: 4 * 1024 * 1024 }).length).toBe(4 * 1024 * 1024)
  })

  it('fails with CompressionError on garbage, truncation and mutation, never anything else', async () => {
    expectCompressionError(() => decompressSync(codec, randomBytes(1000, 3)))
    const data = recordLike(5000)
    const compressed = await compress(codec, data)
    for (const cut of [1, 5, 17, compressed.length >> 1, compressed.length - 1]) {
      // a cut inside a stored payload may still parse; it must never throw anything but CompressionError
      try {
        decompressSync(codec, compressed.subarray(0, cut))
      } catch (error) {
        expect(CompressionError.isInstance(error), String(error)).toBe(true)
      }
    }
    const noise = randomBytes(4000, 11)
    for (let i = 0; i < 400; i++) {
      const mutated = compressed.slice()
      const flips = 1 + ((noise[i] as number) % 4)
      for (let f = 0; f < flips; f++) {
        const at = ((noise[i * 4 + f] as number) * 257 + (noise[i * 7 + f] as number)) % mutated.length
        mutated[at] = noise[i * 3 + f] as number
      }
      try {
        const out = decompressSync(codec, mutated, { outputMaxBytes: 1 << 20 })
        expect(out.length).toBeLessThanOrEqual(1 << 20)
      } catch (error) {
        expect(CompressionError.isInstance(error), `${codec} mutation ${i}: ${String(error)}`).toBe(true)
      }
    }
  })
})

describe('gzip interop', () => {
  // `printf '%s' "$FIXTURE_TEXT" | gzip -c -n` (GNU gzip 1.12)
  const gnuGzip = hex(
    '1f8b0800000000000003ab56ca2f4a492d52b23231d2512a2e492c292d56b2522acec82c28484d51d251ca2c49cd058a44572b15679702651c750d81a28525954a5646b53af8459d74cd61a286b5b130e38d90ccaf05005d7404f97f000000',
  )

  it.each([false, true])('decodes GNU gzip and Node zlib output (pure JS: %s)', (pureJs) => {
    forcePureJsGzip(pureJs)
    try {
      expect(gzipImplementation()).toBe(pureJs ? 'fflate' : 'node:zlib')
      expect(new TextDecoder().decode(decompressSync('gzip', gnuGzip))).toBe(FIXTURE_TEXT)
      const data = recordLike(100_000)
      expect(Buffer.from(decompressSync('gzip', nodeGzipSync(data))).equals(Buffer.from(data))).toBe(true)
      // two members, as concatenated gzip files are
      const twoMembers = Buffer.concat([nodeGzipSync(utf8('ab')), nodeGzipSync(utf8('cd'))])
      expect(new TextDecoder().decode(decompressSync('gzip', twoMembers))).toBe('abcd')
      // and our output is a standard gzip stream
      expect(Buffer.from(nodeGunzipSync(compressSync('gzip', data))).equals(Buffer.from(data))).toBe(true)
      expectCompressionError(() => decompressSync('gzip', nodeGzipSync(new Uint8Array(100_000)), { outputMaxBytes: 99_999 }), 'limit')
    } finally {
      forcePureJsGzip(false)
    }
  })

  it('rejects a bad level', () => {
    expectCompressionError(() => compressSync('gzip', utf8('x'), { level: 10 }), 'unsupported')
    expect(compressSync('gzip', utf8('x'), { level: 1 })[0]).toBe(0x1f)
  })
})

describe('snappy interop (snappy-java xerial framing)', () => {
  // Raw Snappy of "abcdabcdabcdabcd", derived by hand from the Snappy format description:
  //   10           varint preamble: 16 bytes uncompressed
  //   0c 61626364  literal, tag (4-1)<<2 | 0b00, "abcd"
  //   2e 0400      copy with 2-byte offset, tag (12-1)<<2 | 0b10, offset 4 (LE): 12 more bytes
  const raw = hex('10 0c 61626364 2e 0400')
  // snappy-java's SnappyOutputStream layout around it:
  //   82 'S' 'N' 'A' 'P' 'P' 'Y' 00   magic
  //   00000001 00000001               version 1, minimum compatible version 1 (int32 BE)
  //   00000009 <raw>                  block: int32 BE compressed length, raw Snappy block
  const xerial = hex('82 534e415050 59 00 00000001 00000001 00000009 100c616263642e0400')

  it('decodes the hand-written xerial stream and the plain raw block', () => {
    expect(new TextDecoder().decode(decompressSync('snappy', xerial))).toBe('abcdabcdabcdabcd')
    expect(new TextDecoder().decode(decompressSync('snappy', raw))).toBe('abcdabcdabcdabcd')
  })

  it('writes the xerial header and 32 KiB blocks', () => {
    const data = recordLike(70_000)
    const out = compressSync('snappy', data)
    expect([...out.subarray(0, 16)]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
    // three blocks: 32768 + 32768 + 4464 input bytes; each raw block starts with its varint length
    const view = new DataView(out.buffer, out.byteOffset)
    let position = 16
    const sizes: number[] = []
    while (position < out.length) {
      const length = view.getInt32(position)
      let size = 0
      for (let i = 0, byte = 0x80; byte >= 0x80; i++) {
        byte = out[position + 4 + i] as number
        size |= (byte & 0x7f) << (7 * i)
      }
      sizes.push(size)
      position += 4 + length
    }
    expect(sizes).toEqual([32768, 32768, 4464])
  })

  it('checks block lengths and declared sizes before allocating', () => {
    expectCompressionError(() => decompressSync('snappy', hex('82534e41505059000000000100000001 7fffffff 00')), 'corrupt')
    // raw block declaring 1 GiB from 3 bytes
    expectCompressionError(() => decompressSync('snappy', hex('8080808004 00 00')), 'limit')
    expectCompressionError(() => decompressSync('snappy', hex('80808020 00 00'), { outputMaxBytes: 1 << 30 }), 'corrupt')
  })
})

describe.each(['wasm', 'pure JS'])('lz4 interop (LZ4 frame format), %s block codec', (engine) => {
  beforeAll(() => disableLz4Wasm(engine !== 'wasm'))
  afterAll(() => disableLz4Wasm(false))

  // `lz4 -c` (reference LZ4 CLI v1.9.4): FLG 0x64 (independent blocks, content checksum), BD 0x40, HC 0xa7
  const cliDefault = hex(
    '04224d186440a759000000ff2f7b226f72646572223a34322c22737461747573223a2273686970706564222c226974656d73223a5b7b22736b75223a22412d31222c22717479223a327d2c16000b34422d372c0034317d5d5f001332600050706564227d00000000541a33ee',
  )
  // `lz4 -c -BX --content-size`: FLG 0x7c (block checksums, content size 127, content checksum)
  const cliChecksums = hex(
    '04224d187c407f00000000000000e159000000ff2f7b226f72646572223a34322c22737461747573223a2273686970706564222c226974656d73223a5b7b22736b75223a22412d31222c22717479223a327d2c16000b34422d372c0034317d5d5f001332600050706564227d4d099c8100000000541a33ee',
  )
  // `lz4 -c -BD -B4 --no-frame-crc` of FIXTURE_TEXT repeated 560 times (71120 bytes): FLG 0x40,
  // *linked* blocks; the second block's first match (offset 0xfffc) reaches into the first block.
  const cliLinked = hex(
    '04224d184040c05e010000ff2f7b226f72646572223a34322c22737461747573223a2273686970706564222c226974656d73' +
      '223a5b7b22736b75223a22412d31222c22717479223a327d2c16000b34422d372c0034317d5d5f00173260001f7d7f00' +
      'ff'.repeat(256) +
      '69507d7b226f721f0000000ffc' +
      'ff'.repeat(22) +
      'cd50706564227d00000000',
  )

  it('decodes frames written by the reference LZ4 CLI', () => {
    expect(new TextDecoder().decode(decompressSync('lz4', cliDefault))).toBe(FIXTURE_TEXT)
    expect(new TextDecoder().decode(decompressSync('lz4', cliChecksums))).toBe(FIXTURE_TEXT)
    expect(new TextDecoder().decode(decompressSync('lz4', cliLinked))).toBe(FIXTURE_TEXT.repeat(560))
  })

  it('verifies block and content checksums and the declared content size', () => {
    const badBlock = cliChecksums.slice()
    badBlock[20] = (badBlock[20] as number) ^ 1
    expectCompressionError(() => decompressSync('lz4', badBlock), 'corrupt')
    const badContent = cliDefault.slice()
    badContent[badContent.length - 1] = (badContent[badContent.length - 1] as number) ^ 1
    expectCompressionError(() => decompressSync('lz4', badContent), 'corrupt')
    expectCompressionError(() => decompressSync('lz4', cliChecksums, { outputMaxBytes: 126 }), 'limit')
  })

  it("writes Kafka's frame header: FLG 0x60, BD 0x40 (64 KiB), HC 0x82", () => {
    expect([...compressSync('lz4', utf8('x')).subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])
    expect((xxhash32(Uint8Array.of(0x60, 0x40)) >>> 8) & 0xff).toBe(0x82)
  })

  it('checks the header checksum, except for the magic v0 variant', () => {
    // KafkaLZ4BlockOutputStream for magic v0 computed HC over magic+FLG+BD
    const broken = cliDefault.slice()
    broken[6] = (xxhash32(broken, 0, 6) >>> 8) & 0xff
    expectCompressionError(() => decompressSync('lz4', broken), 'corrupt')
    expect(new TextDecoder().decode(lz4DecompressFrame(broken, 1000, { verifyHeaderChecksum: false }))).toBe(FIXTURE_TEXT)
  })
})

describe('lz4 block codecs: WebAssembly and pure JS agree', () => {
  afterAll(() => disableLz4Wasm(false))

  it('has WebAssembly here', () => {
    expect(lz4Wasm()).not.toBeNull()
  })

  it.each<[string, Uint8Array]>([
    ['record-like', recordLike(300_000)],
    ['random', randomBytes(70_000, 5)],
    ['zeros', new Uint8Array(150_000)],
    ['tiny', utf8('abcabcabcabcabcabc')],
  ])('each decodes the other (%s)', (_name, data) => {
    disableLz4Wasm(false)
    const fromWasm = lz4CompressFrame(data)
    disableLz4Wasm(true)
    const fromJs = lz4CompressFrame(data)
    expect(Buffer.from(lz4DecompressFrame(fromWasm, 1 << 30)).equals(Buffer.from(data))).toBe(true)
    disableLz4Wasm(false)
    expect(Buffer.from(lz4DecompressFrame(fromJs, 1 << 30)).equals(Buffer.from(data))).toBe(true)
  })

  it('both survive mutated blocks with typed errors only', () => {
    const frame = lz4CompressFrame(recordLike(100_000))
    const noise = randomBytes(3000, 23)
    for (const engine of [false, true]) {
      disableLz4Wasm(engine)
      for (let i = 0; i < 500; i++) {
        const mutated = frame.slice()
        mutated[7 + (((noise[i * 2] as number) << 8) | (noise[i * 2 + 1] as number)) % (mutated.length - 7)] = noise[i + 1000] as number
        try {
          lz4DecompressFrame(mutated, 1 << 20, { verifyHeaderChecksum: false })
        } catch (error) {
          expect(CompressionError.isInstance(error), String(error)).toBe(true)
        }
      }
    }
  })
})

describe('xxhash32', () => {
  it('matches the reference values', () => {
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05)
    expect(xxhash32(utf8('abc'))).toBe(0x32d153ff)
    expect(xxhash32(utf8('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f)
  })
})

/** Node 22.15+ (and 23.8+) have zstd in node:zlib; the node-matrix CI suite runs these tests there. */
function runtimeHasNodeZstd(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  return major >= 24 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15)
}
const ZSTD_IMPLEMENTATIONS = runtimeHasNodeZstd() ? (['node:zlib', 'wasm'] as const) : (['wasm'] as const)

it(`zstd: node:zlib is used exactly where Node has it (Node ${process.versions.node}: ${ZSTD_IMPLEMENTATIONS.join(' and ')} tested)`, async () => {
  setZstdImplementation('auto')
  await loadZstd()
  expect(zstdImplementation()).toBe(runtimeHasNodeZstd() ? 'node:zlib' : 'wasm')
})

// Every zstd test below runs on each implementation this runtime has: the WebAssembly build
// everywhere, node:zlib on Node 22.15+ (the node-matrix suite), so the two cannot drift apart.
describe.each(ZSTD_IMPLEMENTATIONS)('zstd interop (%s)', (implementation) => {
  beforeAll(async () => {
    setZstdImplementation(implementation === 'wasm' ? 'wasm' : 'auto')
    await loadZstd()
    expect(zstdImplementation()).toBe(implementation)
  })
  afterAll(() => {
    setZstdImplementation('auto')
  })

  // `zstd -c fx.txt` (reference zstd CLI v1.5.4): single segment, content size 127 declared, checksum
  const withSize = hex(
    '28b52ffd247f8d02006244101980b71a031415116184083e199725a13d14f8c64738db903923ef20cf10c5c077f2c212c64d29ce5b407747ae82b46a1ca5b51440cfb56db23a9e216709b1c12e0400631821063200313cc50905c1543716',
  )
  // `cat fx.txt | zstd -c`: streaming from a pipe, no content size in the header (as the Java client's ZstdOutputStream)
  const streaming = hex(
    '28b52ffd04588d02006244101980b71a031415116184083e199725a13d14f8c64738db903923ef20cf10c5c077f2c212c64d29ce5b407747ae82b46a1ca5b51440cfb56db23a9e216709b1c12e0400631821063200313cc50905c1543716',
  )
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

  it('decodes frames with and without a declared content size', () => {
    expect(text(decompressSync('zstd', withSize))).toBe(FIXTURE_TEXT)
    expect(text(decompressSync('zstd', streaming))).toBe(FIXTURE_TEXT)
    expectCompressionError(() => decompressSync('zstd', withSize, { outputMaxBytes: 100 }), 'limit')
    expectCompressionError(() => decompressSync('zstd', streaming, { outputMaxBytes: 100 }), 'limit')
  })

  it('decodes concatenated frames and skips skippable frames', () => {
    const skippable = hex('502a4d18 03000000 aabbcc')
    const joined = Buffer.concat([withSize, skippable, streaming])
    expect(text(decompressSync('zstd', joined))).toBe(FIXTURE_TEXT + FIXTURE_TEXT)
    // a skippable frame first (Node 22's zstdDecompressSync alone returns nothing for this)
    expect(text(decompressSync('zstd', Buffer.concat([skippable, withSize])))).toBe(FIXTURE_TEXT)
    // three of our own frames (Node 22's zstdDecompressSync alone returns only the first)
    const parts = [utf8('hello kafka'), recordLike(1000), new Uint8Array(0), randomBytes(300)]
    const frames = Buffer.concat(parts.map((part) => compressSync('zstd', part)))
    expect(Buffer.from(decompressSync('zstd', frames)).equals(Buffer.concat(parts))).toBe(true)
    expectCompressionError(() => decompressSync('zstd', frames, { outputMaxBytes: 11 + 1000 + 299 }), 'limit')
    expectCompressionError(() => decompressSync('zstd', skippable), 'corrupt') // no frame at all
  })

  it('rejects a frame whose output differs from its declared content size, with CompressionError', () => {
    // single segment, 1-byte content size, one last raw block "A" (block header 0x000009)
    expect(text(decompressSync('zstd', hex('28b52ffd 20 01 090000 41')))).toBe('A')
    expectCompressionError(() => decompressSync('zstd', hex('28b52ffd 20 02 090000 41')), 'corrupt') // declares 2, makes 1
    expectCompressionError(() => decompressSync('zstd', hex('28b52ffd 20 00 090000 41')), 'corrupt') // declares 0, makes 1
    // a last RLE block of 5 "B" (block header 0x00002b) in a frame declaring 1 byte
    expectCompressionError(() => decompressSync('zstd', hex('28b52ffd 20 01 2b0000 42')), 'corrupt')
    expect(text(decompressSync('zstd', hex('28b52ffd 20 05 2b0000 42')))).toBe('BBBBB')
    // the second of two frames is the bad one
    expectCompressionError(() => decompressSync('zstd', Buffer.concat([withSize, hex('28b52ffd 20 02 090000 41')])), 'corrupt')
  })

  it('rejects a wrong checksum, trailing bytes and a declared size no block structure can produce', () => {
    const badChecksum = withSize.slice()
    badChecksum[badChecksum.length - 1] = (badChecksum[badChecksum.length - 1] as number) ^ 1
    expectCompressionError(() => decompressSync('zstd', badChecksum), 'corrupt')
    expectCompressionError(() => decompressSync('zstd', Buffer.concat([withSize, hex('0102')])), 'corrupt')
    // single-segment frame declaring 2^32-1 bytes with one raw block of 1 byte
    expectCompressionError(() => decompressSync('zstd', hex('28b52ffd a0 ffffffff 090000 41'), { outputMaxBytes: 2 ** 33 }), 'corrupt')
  })
})

// The reference tools are the independent check of our encoders: a missing tool fails the test
// (it never passes silently). .ci/run installs them; locally: apt-get install gzip lz4 zstd.
describe('reference command-line tools decode our output', () => {
  const hasTool = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0
  const data = recordLike(200_000)

  it.each<[Exclude<CompressionCodec, 'none' | 'snappy'>, string, string[]]>([
    ['gzip', 'gzip', ['-d', '-c']],
    ['lz4', 'lz4', ['-d', '-c']],
    ['zstd', 'zstd', ['-d', '-c']],
  ])('%s via `%s`', async (codec, tool, args) => {
    expect(hasTool(tool), `the reference \`${tool}\` command-line tool is not installed (apt-get install ${tool})`).toBe(true)
    const result = spawnSync(tool, args, { input: await compress(codec, data), maxBuffer: 1 << 24 })
    expect(result.status).toBe(0)
    expect(Buffer.from(result.stdout).equals(Buffer.from(data))).toBe(true)
  })
})
