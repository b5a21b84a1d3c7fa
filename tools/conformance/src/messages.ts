// Every message type our codecs handle, checked against Kafka's: identical bytes both ways of
// encoding, and each side decoding the other's bytes to the same value.
import { isDeepStrictEqual } from 'node:util'
import {
  type ApiDefinition,
  Reader,
  Writer,
  apis,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  encodeRequestHeader,
  encodeResponseHeader,
} from '@kafkats/protocol'
import type { JavaResult, JavaSide } from './java.js'
import { Random } from './prng.js'
import { type MessageSpec, parseVersions } from './schema.js'
import { type GenerateOptions, MessageGenerator, toJsonText } from './values.js'

/** One message type: a request or response of an API, a header, or a ConsumerProtocol structure. */
export interface Target {
  /** Definition and Java class name: `FetchRequest` → `FetchRequestData`. */
  name: string
  /** Kafka's generated class: `FetchRequestData`; `data` definitions have no suffix (`ConsumerProtocolSubscription`). */
  javaClass: string
  /** Row of the report: the API name, `RequestHeader`, `ConsumerProtocolSubscription`, ... */
  row: string
  direction: 'request' | 'response' | 'data'
  versions: number[]
  /** ConsumerProtocol structures carry an int16 version prefix. */
  prefix: boolean
  encode(version: number, message: unknown): Uint8Array
  decode(bytes: Uint8Array, version: number): unknown
}

function range(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i)
}

function viaWriter(write: (writer: Writer) => void): Uint8Array {
  const writer = new Writer(256)
  write(writer)
  return writer.finish().slice()
}

function viaReader<T>(bytes: Uint8Array, read: (reader: Reader) => T): T {
  const reader = new Reader(bytes)
  const value = read(reader)
  if (reader.remaining !== 0) throw new Error(`${reader.remaining} bytes left after decoding`)
  return value
}

function apiTargets(api: ApiDefinition<unknown, unknown>): Target[] {
  const versions = range(api.minVersion, api.maxVersion)
  return [
    {
      name: `${api.name}Request`,
      javaClass: `${api.name}RequestData`,
      row: api.name,
      direction: 'request',
      versions,
      prefix: false,
      encode: (version, message) => viaWriter((writer) => api.encodeRequest(writer, version, message)),
      decode: (bytes, version) => viaReader(bytes, (reader) => api.decodeRequest(reader, version)),
    },
    {
      name: `${api.name}Response`,
      javaClass: `${api.name}ResponseData`,
      row: api.name,
      direction: 'response',
      versions,
      prefix: false,
      encode: (version, message) => viaWriter((writer) => api.encodeResponse(writer, version, message)),
      decode: (bytes, version) => viaReader(bytes, (reader) => api.decodeResponse(reader, version)),
    },
  ]
}

/** Every target: 2 per API, the two headers, the two ConsumerProtocol structures. */
export function allTargets(): Target[] {
  const targets = apis.flatMap(apiTargets)
  targets.push(
    {
      name: 'RequestHeader',
      javaClass: 'RequestHeaderData',
      row: 'RequestHeader',
      direction: 'data',
      versions: [1, 2],
      prefix: false,
      encode: (version, message) => viaWriter((writer) => encodeRequestHeader(writer, version, message as never)),
      decode: (bytes, version) => viaReader(bytes, (reader) => decodeRequestHeader(reader, version)),
    },
    {
      name: 'ResponseHeader',
      javaClass: 'ResponseHeaderData',
      row: 'ResponseHeader',
      direction: 'data',
      versions: [0, 1],
      prefix: false,
      encode: (version, message) => viaWriter((writer) => encodeResponseHeader(writer, version, message as never)),
      decode: (bytes, version) => viaReader(bytes, (reader) => decodeResponseHeader(reader, version)),
    },
    {
      name: 'ConsumerProtocolSubscription',
      javaClass: 'ConsumerProtocolSubscription',
      row: 'ConsumerProtocolSubscription',
      direction: 'data',
      versions: [0, 1, 2, 3],
      prefix: true,
      encode: (version, message) => encodeConsumerProtocolSubscription(message as never, version),
      decode: (bytes) => decodeConsumerProtocolSubscription(bytes),
    },
    {
      name: 'ConsumerProtocolAssignment',
      javaClass: 'ConsumerProtocolAssignment',
      row: 'ConsumerProtocolAssignment',
      direction: 'data',
      versions: [0, 1, 2, 3],
      prefix: true,
      encode: (version, message) => encodeConsumerProtocolAssignment(message as never, version),
      decode: (bytes) => decodeConsumerProtocolAssignment(bytes),
    },
  )
  return targets
}

/**
 * Our version table must cover exactly the definition's stable versions (all of `validVersions`
 * except a latest version marked unstable): a stale or short table fails the run.
 */
export function checkVersions(target: Target, spec: MessageSpec, requestSpec: MessageSpec): string | null {
  const valid = parseVersions(spec.validVersions)
  const stableMax = requestSpec.latestVersionUnstable === true ? valid.max - 1 : valid.max
  const min = target.versions[0] as number
  const max = target.versions[target.versions.length - 1] as number
  if (min !== valid.min || max !== stableMax) {
    return `${target.name}: we check versions ${min}-${max}, the definition's stable versions are ${valid.min}-${stableMax}`
  }
  return null
}

export interface Failure {
  target: string
  version: number
  index: number
  seed: string
  kind: 'our-encoder-threw' | 'java-rejected' | 'record-batch-differs' | 'bytes-differ' | 'our-decode-of-java-differs' | 'java-decode-of-ours-differs'
  detail: string
}

export interface VersionCount {
  checked: number
  failed: number
  /** Messages both sides refused to write (a value the version cannot carry). */
  bothRejected: number
}

/** Per target name, per version. */
export type Counts = Map<string, Map<number, VersionCount>>

export interface MessageRunOptions {
  seed: string
  perVersion: number
  /** Only this index (replay). */
  index?: number
  generate?: GenerateOptions
  /** Items per Java round trip. */
  batchSize?: number
}

/** Message `index` of `target` at `version` for `seed`: the same inputs give the same message. */
export function messageSeed(seed: string, target: string, version: number, index: number): string {
  return `${seed}/${target}/v${version}/#${index}`
}

/** Values comparable with isDeepStrictEqual: byte arrays (Buffer or Uint8Array views) become hex text. */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
  if (Array.isArray(value)) return value.map(normalize)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) out[key] = normalize(inner)
    return out
  }
  return value
}

/** First differing path between two normalized values, for failure messages. */
export function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return ''
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`)
      if (found !== '') return found
    }
  }
  const show = (v: unknown): string => {
    const text = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))
    return text === undefined ? 'undefined' : text.length > 300 ? `${text.slice(0, 300)}...` : text
  }
  return `${path || '(root)'}: expected ${show(a)}, got ${show(b)}`
}

function firstByteDifference(a: Uint8Array, b: Uint8Array): string {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const around = (x: Uint8Array): string => Buffer.from(x.subarray(Math.max(0, i - 8), i + 16)).toString('hex')
  return `ours ${a.length} bytes, Java ${b.length} bytes; first difference at byte ${i}: ours …${around(a)}…, Java …${around(b)}…`
}

/** Time spent waiting for the Java side (for the run summary). */
export const javaMs = { value: 0 }

interface Pending {
  version: number
  index: number
  expected: unknown
  ours: Uint8Array | null
  /** Our encoder refused the message (with this error). */
  ourError: string | null
}

/**
 * Checks `perVersion` random messages of every version of `target`. Returns the failures; adds to
 * `counts`.
 */
export async function checkTarget(
  java: JavaSide,
  target: Target,
  spec: MessageSpec,
  options: MessageRunOptions,
  counts: Counts,
  failures: Failure[],
): Promise<void> {
  const generator = new MessageGenerator(spec, options.generate)
  const batchSize = options.batchSize ?? 200
  const perTarget = counts.get(target.name) ?? new Map<number, VersionCount>()
  counts.set(target.name, perTarget)
  // Pipelined: the next chunk is generated and encoded here while Java works on the previous one.
  const inFlight: { pending: Pending[]; results: Promise<JavaResult[]>; started: number }[] = []
  const settle = async (): Promise<void> => {
    const chunk = inFlight.shift()
    if (chunk === undefined) return
    const results = await chunk.results
    javaMs.value += performance.now() - chunk.started
    verify(target, chunk.pending, results, perTarget, options.seed, failures)
  }
  for (const version of target.versions) {
    const count = perTarget.get(version) ?? { checked: 0, failed: 0, bothRejected: 0 }
    perTarget.set(version, count)
    const indexes = options.index === undefined ? range(0, options.perVersion - 1) : [options.index]
    for (let start = 0; start < indexes.length; start += batchSize) {
      const pending: Pending[] = []
      const items: string[] = []
      for (const index of indexes.slice(start, start + batchSize)) {
        const random = new Random(messageSeed(options.seed, target.name, version, index))
        // one message in four also sets fields its version lacks (must be dropped or rejected like Kafka does)
        const extras = random.chance(0.25)
        const generated = generator.generate(random, version, extras)
        let ours: Uint8Array | null = null
        let ourError: string | null = null
        try {
          ours = target.encode(version, generated.ts)
        } catch (error) {
          ourError = String(error)
        }
        pending.push({ version, index, expected: normalize(generated.expected), ours, ourError })
        items.push(
          `{"op":"msg","name":${JSON.stringify(target.javaClass)},"v":${version},"prefix":${target.prefix},"json":${toJsonText(generated.json)},` +
            `"ours":${ours === null ? 'null' : `"${Buffer.from(ours).toString('base64')}"`}}`,
        )
      }
      inFlight.push({ pending, results: java.call(items), started: performance.now() })
      if (inFlight.length > 1) await settle()
    }
  }
  while (inFlight.length > 0) await settle()
}

function verify(target: Target, pending: Pending[], results: JavaResult[], perTarget: Map<number, VersionCount>, seed: string, failures: Failure[]): void {
  for (let i = 0; i < pending.length; i++) {
    const item = pending[i] as Pending
    const result = results[i]
    const version = item.version
    const count = perTarget.get(version) as VersionCount
    count.checked++
    const fail = (kind: Failure['kind'], detail: string): void => {
      failures.push({ target: target.name, version, index: item.index, seed, kind, detail })
    }
    const javaRejected = result === undefined || result.error !== null || result.bytes === undefined
    if (item.ours === null || javaRejected) {
      if (item.ours === null && javaRejected) {
        // both refuse the message (a value its version cannot carry): conformant
        count.bothRejected++
        continue
      }
      count.failed++
      if (item.ours === null) fail('our-encoder-threw', `${item.ourError ?? ''} (Kafka wrote the message)`)
      else fail('java-rejected', `${result?.error ?? 'no result'} (we wrote the message)`)
      continue
    }
    if (result === undefined || result.bytes === undefined) continue
    const javaBytes = new Uint8Array(Buffer.from(result.bytes, 'base64'))
    let ok = true
    if (!Buffer.from(item.ours).equals(javaBytes)) {
      ok = false
      fail('bytes-differ', firstByteDifference(item.ours, javaBytes))
    }
    try {
      const decoded = normalize(target.decode(javaBytes, version))
      if (!isDeepStrictEqual(decoded, item.expected)) {
        ok = false
        fail('our-decode-of-java-differs', firstDifference(item.expected, decoded))
      }
    } catch (error) {
      ok = false
      fail('our-decode-of-java-differs', `our decoder threw: ${String(error)}`)
    }
    if (result.oursEqual !== true) {
      ok = false
      fail('java-decode-of-ours-differs', result.oursError ?? firstDifference(result.javaJson, result.oursJson))
    }
    if (!ok) count.failed++
  }
}
