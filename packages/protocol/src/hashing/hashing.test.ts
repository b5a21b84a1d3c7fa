import { InvalidArgumentError } from '../errors/invalid-argument-error.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc32, crc32Implementation, forcePortableCrc32 } from './crc32.js'
import { crc32c, crc32cImplementation, forcePortableCrc32c } from './crc32c.js'
import { murmur2, murmur2Partition, murmur2Utf8, toPositive } from './murmur2.js'

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Bit-by-bit reference CRC (no tables), to check the sliced implementation on random input. */
function referenceCrc(polynomial: number, data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1
  }
  return ~crc >>> 0
}

/**
 * `@node-rs/crc32` is an optional dependency with prebuilds for linux-x64 (glibc and musl), macOS,
 * Windows and the common ARM targets: wherever `npm ci` ran on such a platform it is installed, and
 * a silent fallback to the tables would leave the native path untested.
 */
const NATIVE_CRC32C_EXPECTED = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`)

it(`crc32c: the native implementation loads on ${process.platform}-${process.arch} (Node ${process.versions.node})`, () => {
  expect(crc32cImplementation()).toBe(NATIVE_CRC32C_EXPECTED ? 'native' : 'js')
})

it('crc32c: forcePortableCrc32c switches to the tables and back to detection', () => {
  forcePortableCrc32c(true)
  expect(crc32cImplementation()).toBe('js')
  forcePortableCrc32c(false)
  expect(crc32cImplementation()).toBe(NATIVE_CRC32C_EXPECTED ? 'native' : 'js')
})

describe.each(NATIVE_CRC32C_EXPECTED ? (['native', 'js'] as const) : (['js'] as const))('crc32c, %s', (implementation) => {
  beforeAll(() => {
    forcePortableCrc32c(implementation === 'js')
    expect(crc32cImplementation()).toBe(implementation)
  })
  afterAll(() => {
    forcePortableCrc32c(false)
  })

  it('matches the standard check value', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  // RFC 3720 (iSCSI), appendix B.4: the CRC as a 32-bit number (the RFC lists its bytes little-endian)
  it('matches the RFC 3720 B.4 vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
    const iscsiRead = Uint8Array.from([
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ])
    expect(crc32c(iscsiRead)).toBe(0xd9963a56)
  })

  it('agrees with a bit-by-bit reference on every length and alignment', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) & 0xff)
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end += 17) {
        expect(crc32c(data, start, end)).toBe(referenceCrc(0x82f63b78, data.subarray(start, end)))
      }
    }
  })

  it('continues over pieces', () => {
    const data = ascii('123456789')
    expect(crc32c(data, 4, 9, crc32c(data, 0, 4))).toBe(0xe3069283)
  })

  it('agrees with the reference on long inputs (the native path) at any offset, and continues over long pieces', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 5) & 0xff)
    for (const [start, end] of [[0, 5000], [1, 4999], [3, 131], [7, 1031], [0, 127], [0, 128]] as const) {
      expect(crc32c(data, start, end)).toBe(referenceCrc(0x82f63b78, data.subarray(start, end)))
    }
    // a view into a larger buffer, as decoded responses are
    const view = new Uint8Array(data.buffer, 9, 2000)
    expect(crc32c(view)).toBe(referenceCrc(0x82f63b78, view))
    expect(crc32c(data, 2500, 5000, crc32c(data, 0, 2500))).toBe(referenceCrc(0x82f63b78, data))
  })
})

/** zlib.crc32 is in Node 20.15+ and 22.2+: every Node CI runs (20.19+) has it. */
const runtimeHasZlibCrc32 = typeof (process.getBuiltinModule?.('node:zlib') as { crc32?: unknown } | undefined)?.crc32 === 'function'
const CRC32_IMPLEMENTATIONS = runtimeHasZlibCrc32 ? (['node:zlib', 'portable'] as const) : (['portable'] as const)

it(`crc32: zlib.crc32 is used exactly where the runtime has it (Node ${process.versions.node})`, () => {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  // the versions CI runs (20.19+, 22, 24) have it; a silent fallback there would leave it untested
  if (major >= 23 || (major === 22 && minor >= 2) || (major === 20 && minor >= 15)) expect(runtimeHasZlibCrc32).toBe(true)
  expect(crc32Implementation()).toBe(runtimeHasZlibCrc32 ? 'node:zlib' : 'portable')
})

describe.each(CRC32_IMPLEMENTATIONS)('crc32 (zlib polynomial), %s', (implementation) => {
  beforeAll(() => {
    forcePortableCrc32(implementation === 'portable')
    expect(crc32Implementation()).toBe(implementation)
  })
  afterAll(() => {
    forcePortableCrc32(false)
  })

  it('matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
    // long enough for zlib.crc32 where present: 1,000 x "123456789"
    expect(crc32(ascii('123456789'.repeat(1000)))).toBe(referenceCrc(0xedb88320, ascii('123456789'.repeat(1000))))
  })
  it('agrees with a bit-by-bit reference, short inputs and long ones, at any offset', () => {
    const data = Uint8Array.from({ length: 1200 }, (_, i) => (i * 31 + 5) & 0xff)
    for (let end = 0; end <= 100; end++) expect(crc32(data, 0, end)).toBe(referenceCrc(0xedb88320, data.subarray(0, end)))
    for (const [start, end] of [[0, 255], [0, 256], [1, 257], [7, 1200], [300, 301], [3, 1199]] as const) {
      expect(crc32(data, start, end), `[${start}, ${end})`).toBe(referenceCrc(0xedb88320, data.subarray(start, end)))
    }
  })
  it('continues over pieces, across the short/long boundary', () => {
    const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7 + 1) & 0xff)
    const whole = referenceCrc(0xedb88320, data)
    expect(crc32(data, 10, 2000, crc32(data, 0, 10))).toBe(whole)
    expect(crc32(data, 1500, 2000, crc32(data, 0, 1500))).toBe(whole)
    expect(crc32(data, 1999, 2000, crc32(data, 300, 1999, crc32(data, 0, 300)))).toBe(whole)
  })
})

describe('murmur2 (Java client compatible)', () => {
  // Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2:
  // the Java client's own expected Utils.murmur2 results.
  const javaUtilsTest: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]
  // librdkafka, src/rdmurmur2.c, unittest_murmur2: `java_murmur2_results`, Java outputs as int32 bit patterns.
  const librdkafka: Array<[string, number]> = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    ['1234', 0x9fc97b14],
    ['234', 0xe7c009ca],
    ['34', 0x873930da],
    ['4', 0x5a4b5ca1],
    ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
    ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377],
    ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e],
    ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f],
    ['', 0x106e08d9],
  ]

  it.each(javaUtilsTest)('Kafka UtilsTest: murmur2(%j) = %i', (key, expected) => {
    expect(murmur2(ascii(key))).toBe(expected)
  })

  it.each(librdkafka)('librdkafka: murmur2(%j) = 0x%s', (key, expected) => {
    expect(murmur2(ascii(key))).toBe(expected | 0)
  })

  it('picks the partition as toPositive(hash) % numPartitions', () => {
    // -973932308 & 0x7fffffff = 1173551340; 1173551340 % 6 = 0, % 7 = 3
    expect(toPositive(-973932308)).toBe(1173551340)
    expect(murmur2Partition(ascii('21'), 6)).toBe(0)
    expect(murmur2Partition(ascii('21'), 7)).toBe(3)
    // 0xd067cf64 & 0x7fffffff = 0x5067cf64 = 1348980580; % 10 = 0, % 3 = 1
    expect(murmur2Partition(ascii('kafka'), 10)).toBe(0)
    expect(murmur2Partition(ascii('kafka'), 3)).toBe(1)
    // toPositive is not Math.abs: -1 -> 0x7fffffff
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(() => murmur2Partition(ascii('k'), 0)).toThrow()
  })

  it('hashes a range of an array, and a string key as its UTF-8 bytes (what Java\'s StringSerializer sends)', () => {
    for (const [key, expected] of [...javaUtilsTest, ...librdkafka]) {
      expect(murmur2Utf8(key)).toBe(expected | 0)
      expect(murmur2Partition(key, 7)).toBe(toPositive(expected) % 7)
      const padded = ascii(`xy${key}z`)
      expect(murmur2(padded, 2, 2 + key.length)).toBe(expected | 0)
    }
    // Beyond ASCII, beyond the hand-written short-string path (> 48 units), and past the first scratch size.
    const utf8 = new TextEncoder()
    for (const key of ['ключ-1', 'κλειδί', '鍵🔑', 'a\ud800b', 'é'.repeat(49), '🔑'.repeat(300), 'x'.repeat(1000)]) {
      expect(murmur2Utf8(key)).toBe(murmur2(utf8.encode(key)))
      expect(murmur2Partition(key, 12)).toBe(murmur2Partition(utf8.encode(key), 12))
    }
  })

  it.each<[string, () => number, RegExp]>([
    ['a number as the data', () => murmur2(42 as never), /invalid data: expected a Uint8Array, got 42 \(number\)/],
    ['a range past the end', () => murmur2(ascii('abc'), 1, 4), /invalid start, end: expected integers with 0 <= start <= end <= 3/],
    ['a reversed range', () => murmur2(ascii('abc'), 2, 1), /start <= end/],
    ['a fractional start', () => murmur2(ascii('abc'), 0.5), /integers/],
    ['a number as the string key', () => murmur2Utf8(7 as never), /invalid key: expected a string, got 7 \(number\)/],
    ['an object as the partition key', () => murmur2Partition({} as never, 3), /invalid key: expected a Uint8Array or a string/],
    ['a missing partition key', () => murmur2Partition(undefined as never, 3), /invalid key: .*undefined/],
  ])('refuses %s with an InvalidArgumentError naming it', (_, call, message) => {
    expect(call).toThrow(InvalidArgumentError)
    expect(call).toThrow(message)
  })
})
