import { MessageChannel, Worker } from 'node:worker_threads'
import { KafkaError } from '../errors/kafka-error.js'

/*
 * A small seeded fuzzing harness for the decoders (used by *.fuzz.test.ts; not part of the
 * package API). For each target it feeds pure random byte strings and mutations of valid
 * encodings, and fails on the first input whose decode
 *
 *   - throws anything that is not a KafkaError (`KafkaError.isInstance`): a RangeError from a
 *     DataView, a TypeError from reading a field of undefined, a RangeError from an allocation...
 *   - allocates more than the target's budget for an input of that size (see `AllocationGuard`)
 *   - never returns: a watchdog thread reports the input and ends the run (see `HangWatchdog`)
 *   - depends on the bytes around its input (decoded again from an exact-size copy, 1 in 32)
 *   - returns something the target's `check` rejects (a decompressed size over the limit)
 *
 * Failures are reported with the seed, the target, the input (hex), a minimized input and a line
 * to reproduce it. Everything is deterministic in KAFKATS_FUZZ_SEED.
 */

// ---- configuration -------------------------------------------------------------------------

const DEFAULT_SEED = 0x6b61666b // 'kafk'
const DEFAULT_ITERATIONS = 100_000

function envInteger(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw.trim())
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`)
  return value
}

/** The run's seed: KAFKATS_FUZZ_SEED (decimal or 0x-hex), or a fixed default. */
export const FUZZ_SEED = envInteger('KAFKATS_FUZZ_SEED', DEFAULT_SEED) >>> 0
/** Inputs per top-level decoder: KAFKATS_FUZZ_ITERATIONS, default 100,000. */
export const FUZZ_ITERATIONS = envInteger('KAFKATS_FUZZ_ITERATIONS', DEFAULT_ITERATIONS)
/** KAFKATS_FUZZ_VERBOSE=1 prints one line per target. */
export const FUZZ_VERBOSE = process.env.KAFKATS_FUZZ_VERBOSE === '1'

// ---- PRNG ------------------------------------------------------------------------------------

/** mulberry32: 32-bit state, fast, good enough to drive a fuzzer. */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n
  }

  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(oneIn: number): boolean {
    return this.int(oneIn) === 0
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)] as T
  }
}

/** FNV-1a of a string: derives each target's own seed from the run seed and its name. */
export function hashName(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

// ---- targets ---------------------------------------------------------------------------------

/**
 * A length, count or size field of a seed, found by decoding it (or walking its structure):
 * where the "huge value" mutations aim. `int16`/`int32` are big-endian, `int32le` little-endian,
 * `uvarint` an unsigned varint, `varint` a zigzag varint (record batches).
 */
export interface Field {
  readonly offset: number
  readonly kind: 'int16' | 'int32' | 'int32le' | 'uvarint' | 'varint'
  /** True for a length or element count: a huge value there must fail (with a typed error). */
  readonly isLength: boolean
}

/** A valid encoding to mutate, the parameter it decodes with (a version, a limit) and its fields. */
export interface Seed {
  readonly bytes: Uint8Array
  readonly param: number
  readonly fields: readonly Field[]
}

export interface Target {
  readonly name: string
  readonly seeds: readonly Seed[]
  /** A parameter (version, output limit...) for a random input; may be invalid now and then. */
  randomParam(rng: Rng): number
  decode(input: Uint8Array, param: number): unknown
  /** Largest allowed single allocation (bytes) while decoding `inputLength` bytes with `param`. */
  allocationLimit(inputLength: number, param: number): number
  /** Extra check of a successful result: a message when it is wrong. */
  check?(result: unknown, input: Uint8Array, param: number): string | undefined
  /** Repairs checksums after a mutation (so mutated inputs get past CRC checks); applied to half of them. */
  fixup?(input: Uint8Array): void
  /** How a failing input is decoded, for the report: `hex` is a JS expression for its bytes. */
  reproduce(hex: string, param: number): string
  /** Average time per input (µs) above which the target fails (generous: a hang or a quadratic path). */
  readonly budgetMicrosPerInput: number
  /** Around a run (and its report): selects an implementation (pure-JS gzip, lz4 without WebAssembly). */
  setUp?(): void
  tearDown?(): void
}

// ---- allocation guard ------------------------------------------------------------------------

/**
 * "No allocation sized by an unchecked length": the decoders return views into their input and
 * build arrays element by element, so the only way a wire length can size memory is an explicit
 * allocation: `new Uint8Array(n)` / `new ArrayBuffer(n)` / `new Array(n)` / `Buffer.alloc(n)`,
 * a typed-array `slice`, or a WebAssembly memory growing (the zstd heap). While a target runs, the
 * global constructors are replaced by Proxies (instances stay genuine: same prototype, same
 * `instanceof`) and those methods by wrappers that record the size of every allocation made
 * during a decode; the harness then requires the largest one to be within the target's limit for
 * that input (e.g. 64 bytes per input byte + 1 MiB, plus the decompression limit for codecs).
 * An unchecked int32 length or count shows up as a request for up to 2-16 GiB, far beyond it.
 *
 * Why not `process.memoryUsage()`: `arrayBuffers` is the live total after the fact, so a huge
 * allocation that fails or becomes garbage before the measurement is missed, GC timing makes
 * it noisy, and RSS does not see large zero-filled allocations (their pages are committed
 * lazily). Recording the requested sizes is exact, per input, and costs nothing when the
 * decoders do not allocate. (Allocations inside Node's own C++ or by a `memory.grow` instruction
 * inside WebAssembly are not visible; zlib is bounded by `maxOutputLength`, and the wasm codecs
 * by the sizes their wrappers check before calling them, which this guard does see.)
 */
export class AllocationGuard {
  /** Recording is on only around a decode. */
  active = false
  largest = 0
  largestWhat = ''
  total = 0
  private restore: (() => void)[] = []

  reset(): void {
    this.largest = 0
    this.largestWhat = ''
    this.total = 0
  }

  note(bytes: number, what: string): void {
    if (!this.active) return
    this.total += bytes
    if (bytes > this.largest) {
      this.largest = bytes
      this.largestWhat = what
    }
  }

  install(): void {
    if (this.restore.length > 0) return
    const g = globalThis as unknown as Record<string, unknown>
    const typed = [
      'Int8Array',
      'Uint8Array',
      'Uint8ClampedArray',
      'Int16Array',
      'Uint16Array',
      'Int32Array',
      'Uint32Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
    ]
    for (const name of typed) {
      const original = g[name] as { new (...args: unknown[]): object; BYTES_PER_ELEMENT: number }
      this.replaceGlobal(name, original, (args) => typedArrayBytes(args, original.BYTES_PER_ELEMENT))
    }
    for (const name of ['ArrayBuffer', 'SharedArrayBuffer']) {
      const original = g[name] as { new (...args: unknown[]): object } | undefined
      if (original !== undefined) this.replaceGlobal(name, original, (args) => toSize(args[0]))
    }
    this.replaceGlobal('Array', Array as unknown as { new (...args: unknown[]): object }, (args) =>
      args.length === 1 && typeof args[0] === 'number' ? args[0] * 8 : args.length * 8,
    )

    const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as { slice: (...args: unknown[]) => ArrayBufferView }
    this.wrapMethod(typedArrayPrototype, 'slice', (result) => (result as ArrayBufferView).byteLength, '%TypedArray%.prototype.slice')
    const arrayBufferPrototype = ArrayBuffer.prototype as unknown as Record<string, unknown>
    this.wrapMethod(arrayBufferPrototype, 'slice', (result) => (result as ArrayBuffer).byteLength, 'ArrayBuffer.prototype.slice')
    for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow']) {
      this.wrapMethod(Buffer as unknown as Record<string, unknown>, name, (result) => (result as Uint8Array).byteLength, `Buffer.${name}`)
    }
    // emscripten's malloc (zstd) grows its heap through WebAssembly.Memory.prototype.grow
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: { prototype: Record<string, unknown> } } }).WebAssembly
    const pages = (count: unknown): number => toSize(count) * 65536
    this.wrapMethod(wasm.Memory.prototype, 'grow', () => 0, 'WebAssembly.Memory.prototype.grow', pages)
  }

  uninstall(): void {
    for (const undo of this.restore.reverse()) undo()
    this.restore = []
  }

  private replaceGlobal(name: string, original: { new (...args: unknown[]): object }, size: (args: unknown[]) => number): void {
    const g = globalThis as unknown as Record<string, unknown>
    const guard = this
    const proxy: object = new Proxy(original, {
      construct(target, args, newTarget) {
        if (guard.active) guard.note(size(args), `new ${name}`)
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget) as object
      },
      apply(target, thisArg, args) {
        // Array(n) without `new`; typed arrays and ArrayBuffer throw here as they would
        if (guard.active) guard.note(size(args), `${name}()`)
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args)
      },
    })
    g[name] = proxy
    this.restore.push(() => {
      g[name] = original
    })
  }

  /** Wraps a method to record `size(result)` (or `sizeBefore(first argument)`, recorded before the call). */
  private wrapMethod(
    owner: Record<string, unknown>,
    name: string,
    size: (result: unknown) => number,
    what: string,
    sizeBefore?: (argument: unknown) => number,
  ): void {
    const original = owner[name] as (...args: unknown[]) => unknown
    const guard = this
    owner[name] = function (this: unknown, ...args: unknown[]): unknown {
      if (guard.active && sizeBefore !== undefined) guard.note(sizeBefore(args[0]), what)
      const result = original.apply(this, args)
      if (guard.active) guard.note(size(result), what)
      return result
    }
    this.restore.push(() => {
      owner[name] = original
    })
  }
}

function toSize(value: unknown): number {
  return typeof value === 'number' && value > 0 ? value : 0
}

/** Bytes a typed-array constructor call allocates: none for a view of an existing buffer. */
function typedArrayBytes(args: unknown[], bytesPerElement: number): number {
  const first = args[0]
  if (typeof first === 'number') return toSize(first) * bytesPerElement
  if (first instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && first instanceof SharedArrayBuffer)) return 0
  if (typeof first === 'object' && first !== null && 'length' in first) return toSize((first as { length: unknown }).length) * bytesPerElement
  return 0
}

// ---- watchdog ---------------------------------------------------------------------------------

/**
 * Hang detection. A synchronous infinite loop blocks the event loop, so no timer (nor vitest's
 * test timeout) ever fires. A worker thread watches instead: before each decode the harness
 * publishes the input (its bytes, parameter and number) in shared memory; when the same input
 * has been decoding for `HANG_MS`, the worker prints the report to stderr and kills the process
 * (the test run then fails with that report; nothing else can stop a synchronous loop cheaply —
 * a vm `timeout` can, but makes every thrown error 2x as expensive).
 */
class HangWatchdog {
  /** [0] active, [1] input number, [2] input length, [3] param, [4] target generation */
  private readonly state = new Int32Array(new SharedArrayBuffer(64))
  private readonly input = new Uint8Array(new SharedArrayBuffer(MAX_INPUT))
  private readonly channel = new MessageChannel()
  private worker: Worker | undefined

  start(context: { target: string; seed: number; reproduce: Record<number, string> }, hangMs: number): void {
    if (this.worker === undefined) {
      this.worker = new Worker(WATCHDOG_SOURCE, {
        eval: true,
        workerData: { state: this.state, input: this.input, port: this.channel.port2, hangMs },
        transferList: [this.channel.port2],
      })
      this.worker.unref()
    }
    this.channel.port1.postMessage(context)
    Atomics.add(this.state, 4, 1)
    Atomics.store(this.state, 0, 1)
  }

  /** Publishes the input about to be decoded. */
  publish(index: number, input: Uint8Array, param: number): void {
    const state = this.state
    state[1] = index
    state[2] = input.length
    state[3] = param
    this.input.set(input)
  }

  stop(): void {
    Atomics.store(this.state, 0, 0)
  }
}

const WATCHDOG_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { writeSync } = require('node:fs')
const { state, input, port, hangMs } = workerData
let context = { target: '?', seed: 0, reproduce: {} }
let last = ''
let since = Date.now()
for (;;) {
  Atomics.wait(state, 15, 0, 250)
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) context = m.message
  const now = \`\${Atomics.load(state, 0)}/\${Atomics.load(state, 4)}/\${Atomics.load(state, 1)}\`
  if (Atomics.load(state, 0) === 0 || now !== last) {
    last = now
    since = Date.now()
    continue
  }
  if (Date.now() - since < hangMs) continue
  const bytes = Buffer.from(input.subarray(0, state[2])).toString('hex')
  writeSync(2, [
    '',
    'fuzz failure in ' + context.target + ': hang',
    '  one input has been decoding for ' + (Date.now() - since) + ' ms; killing the test process',
    '  seed ' + context.seed + ' (KAFKATS_FUZZ_SEED=' + context.seed + '), input #' + state[1] + ', param ' + state[3],
    '  input (' + state[2] + ' bytes): ' + bytes,
    '  reproduce: ' + String(context.reproduce[state[3]]).replace('$HEX', "Buffer.from('" + bytes + "', 'hex')"),
    '',
  ].join('\\n'))
  process.kill(process.pid, 'SIGKILL')
}
`

// ---- inputs -------------------------------------------------------------------------------------

const INTERESTING_BYTES = [0x00, 0x00, 0x00, 0x01, 0x7f, 0x80, 0xff, 0xff, 0xfe, 0x0f, 0x10, 0x40]
const INTERESTING_INT16 = [0x7fff, 0xffff, 0xfffe, 0x8000, 0x0000, 0x0001, 0x00ff, 0x0100]
const INTERESTING_INT32 = [0x7fffffff, 0xffffffff, 0xfffffffe, 0x80000000, 0x00000000, 0x00000001, 0x00010000, 0x7ffffffe, 0x000000ff]
/** Varints of 5 (and 6) bytes: 2^32-1, 2^31-1, 2^31, zero written long, bits beyond 32, too long. */
const LONG_VARINTS: readonly (readonly number[])[] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0x07],
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0xfe, 0xff, 0xff, 0xff, 0x0f],
  [0x80, 0x80, 0x80, 0x80, 0x00],
  [0x81, 0x80, 0x80, 0x80, 0x00],
  [0xff, 0xff, 0xff, 0xff, 0x7f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80],
]

/** Largest mutated input; random inputs are at most `RANDOM_MAX_LENGTH`. */
const MAX_INPUT = 1 << 17
const RANDOM_MAX_LENGTH = 300
/** Input bytes are placed at a random offset of this arena, with junk after them. */
const ARENA_SLACK = 64

/** Builds one input at a time in a reused buffer (no allocation per input). */
class InputBuilder {
  readonly buffer = new Uint8Array(MAX_INPUT + 64)
  length = 0

  constructor(private readonly rng: Rng) {}

  random(): void {
    const rng = this.rng
    const length = rng.chance(8) ? rng.int(17) : rng.int(RANDOM_MAX_LENGTH + 1)
    this.length = length
    const b = this.buffer
    if (rng.chance(2)) {
      for (let i = 0; i < length; i += 4) {
        const word = rng.next()
        b[i] = word
        b[i + 1] = word >>> 8
        b[i + 2] = word >>> 16
        b[i + 3] = word >>> 24
      }
    } else {
      // mostly zeros and boundary bytes: zero counts and short lengths parse further
      for (let i = 0; i < length; i++) {
        const word = rng.next()
        const choice = word & 0xff
        b[i] = choice < 0xa0 ? (INTERESTING_BYTES[choice % INTERESTING_BYTES.length] as number) : word >>> 24
      }
    }
  }

  load(bytes: Uint8Array): void {
    this.buffer.set(bytes)
    this.length = bytes.length
  }

  /** Applies 1-4 generic mutations, after (half of the time) one aimed at a length field. */
  mutate(seed: Seed, seeds: readonly Seed[]): void {
    const rng = this.rng
    this.load(seed.bytes)
    if (seed.fields.length > 0 && rng.chance(2)) {
      this.mutateField(rng.pick(seed.fields))
      if (rng.chance(2)) return
    }
    const count = 1 + (rng.chance(2) ? 0 : rng.chance(2) ? 1 : rng.int(3) + 1)
    for (let i = 0; i < count; i++) this.mutateOnce(seeds)
  }

  /** Sets a length/count field to a huge, negative, off-by-one or long-encoded value. */
  mutateField(field: Field): void {
    const rng = this.rng
    const at = field.offset
    if (at >= this.length) return
    switch (field.kind) {
      case 'int16': {
        const remaining = this.length - at - 2
        this.writeBE(at, 2, rng.chance(4) ? (remaining + rng.range(1, 3)) & 0xffff : rng.pick(INTERESTING_INT16))
        break
      }
      case 'int32':
      case 'int32le': {
        const remaining = this.length - at - 4
        const value = rng.chance(4) ? remaining + rng.range(1, 3) : rng.pick(INTERESTING_INT32)
        if (field.kind === 'int32') this.writeBE(at, 4, value)
        else this.writeLE(at, 4, value)
        break
      }
      case 'uvarint':
      case 'varint': {
        const oldSize = varintSize(this.buffer, at, this.length)
        let encoded: readonly number[]
        if (rng.chance(3)) {
          encoded = rng.pick(LONG_VARINTS)
        } else {
          const remaining = this.length - at - oldSize
          const value = rng.pick([0xffffffff, 0x7fffffff, 0x80000000, remaining + 1, remaining + 2, 0, 1])
          const raw = field.kind === 'varint' ? zigzag(rng.chance(2) ? value | 0 : -(value | 0)) : value >>> 0
          encoded = encodeUvarint(raw, rng.chance(2) ? 5 : 1)
        }
        this.replace(at, oldSize, encoded)
        break
      }
    }
  }

  private mutateOnce(seeds: readonly Seed[]): void {
    const rng = this.rng
    const b = this.buffer
    const n = this.length
    const at = rng.int(n + 1)
    switch (rng.int(13)) {
      case 0: // flip a bit
        if (n > 0) {
          const at = rng.int(n)
          b[at] = (b[at] as number) ^ (1 << rng.int(8))
        }
        break
      case 1: // boundary byte
        if (n > 0) b[rng.int(n)] = rng.pick(INTERESTING_BYTES)
        break
      case 2: // random byte
        if (n > 0) b[rng.int(n)] = rng.next() & 0xff
        break
      case 3: {
        // insert 1-8 bytes
        const size = rng.range(1, 8)
        const bytes: number[] = []
        for (let i = 0; i < size; i++) bytes.push(rng.chance(2) ? rng.pick(INTERESTING_BYTES) : rng.next() & 0xff)
        this.replace(at, 0, bytes)
        break
      }
      case 4: // delete 1-8 bytes
        this.replace(at, Math.min(n - at, rng.range(1, 8)), [])
        break
      case 5: // truncate
        this.length = rng.int(n + 1)
        break
      case 6: // boundary int16
        if (n >= 2) this.writeBE(rng.int(n - 1), 2, rng.pick(INTERESTING_INT16))
        break
      case 7: // boundary int32
        if (n >= 4) this.writeBE(rng.int(n - 3), 4, rng.pick(INTERESTING_INT32))
        break
      case 8: // a byte replaced by a 5-byte varint
        this.replace(at, Math.min(1, n - at), rng.pick(LONG_VARINTS))
        break
      case 9: {
        // copy a chunk over another place (repeated structures)
        if (n === 0) break
        const from = rng.int(n)
        const size = Math.min(rng.range(1, 32), n - from)
        b.copyWithin(rng.int(n - size + 1), from, from + size)
        break
      }
      case 10: {
        // duplicate a chunk (one more array element, a repeated batch)
        if (n === 0) break
        const from = rng.int(n)
        const size = Math.min(rng.range(1, 64), n - from)
        this.replace(at, 0, Array.from(b.subarray(from, from + size)))
        break
      }
      case 11: {
        // splice in a piece of another seed
        const other = rng.pick(seeds).bytes
        if (other.length === 0) break
        const from = rng.int(other.length)
        const size = Math.min(rng.range(1, 64), other.length - from)
        this.replace(at, rng.chance(2) ? 0 : Math.min(size, n - at), Array.from(other.subarray(from, from + size)))
        break
      }
      default: {
        // append random bytes
        const size = rng.range(1, 16)
        const bytes: number[] = []
        for (let i = 0; i < size; i++) bytes.push(rng.next() & 0xff)
        this.replace(n, 0, bytes)
      }
    }
  }

  /** Replaces `remove` bytes at `at` by `insert`. */
  replace(at: number, remove: number, insert: readonly number[]): void {
    const n = this.length
    if (n - remove + insert.length > MAX_INPUT) return
    const b = this.buffer
    b.copyWithin(at + insert.length, at + remove, n)
    for (let i = 0; i < insert.length; i++) b[at + i] = insert[i] as number
    this.length = n - remove + insert.length
  }

  private writeBE(at: number, size: number, value: number): void {
    if (at + size > this.length) return
    for (let i = size - 1; i >= 0; i--) {
      this.buffer[at + i] = value & 0xff
      value = Math.floor(value / 256)
    }
  }

  private writeLE(at: number, size: number, value: number): void {
    if (at + size > this.length) return
    for (let i = 0; i < size; i++) {
      this.buffer[at + i] = value & 0xff
      value = Math.floor(value / 256)
    }
  }
}

/** Bytes of the varint at `at` (at most 5; stops at `end`). */
function varintSize(bytes: Uint8Array, at: number, end: number): number {
  let size = 0
  while (at + size < end && size < 5) {
    if (((bytes[at + size] as number) & 0x80) === 0) return size + 1
    size++
  }
  return Math.max(1, size)
}

function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0
}

/** Unsigned varint of `value` (< 2^32), padded with continuation bytes to at least `minBytes`. */
export function encodeUvarint(value: number, minBytes = 1): number[] {
  const out: number[] = []
  let rest = value >>> 0
  do {
    const more = rest > 0x7f || out.length + 1 < minBytes
    out.push((rest & 0x7f) | (more ? 0x80 : 0))
    rest >>>= 7
  } while (out.length < minBytes || rest > 0)
  return out
}

// ---- running -------------------------------------------------------------------------------

export interface TargetStats {
  readonly name: string
  readonly inputs: number
  /** Inputs that decoded without error. */
  readonly decoded: number
  readonly ms: number
  readonly slowestInputMs: number
  readonly largestAllocation: number
  readonly budgetMs: number
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** What went wrong with one input, or undefined if nothing did. */
type Verdict = { kind: string; detail: string; error?: unknown } | undefined

/** One input of at most a few hundred KiB (decompressed) takes milliseconds; this long means it never returns. */
const HANG_MS = 20_000

const guard = new AllocationGuard()
const watchdog = new HangWatchdog()

/** Fuzzes `target` with `iterations` inputs; throws a descriptive Error on the first failure. */
export function fuzzTarget(target: Target, iterations = FUZZ_ITERATIONS, seed = FUZZ_SEED): TargetStats {
  target.setUp?.()
  try {
    return run(target, iterations, seed)
  } finally {
    target.tearDown?.()
  }
}

function run(target: Target, iterations: number, seed: number): TargetStats {
  const rng = new Rng(seed ^ hashName(target.name))
  const builder = new InputBuilder(rng)
  const arena = new Uint8Array(MAX_INPUT + 2 * ARENA_SLACK)
  let decoded = 0
  let slowestInputMs = 0
  let largestAllocation = 0
  let failure: Failure | undefined

  const reproduce: Record<number, string> = {}
  for (let param = -1; param <= 40; param++) reproduce[param] = target.reproduce('$HEX', param)
  reproduce[0x7fff] = target.reproduce('$HEX', 0x7fff)
  watchdog.start({ target: target.name, seed, reproduce }, HANG_MS)
  const savedStackTraceLimit = Error.stackTraceLimit
  // Building stack traces is most of the cost of a thrown DecodeError; the failures found are
  // decoded again with stack traces on for the report.
  Error.stackTraceLimit = 0
  guard.install()
  const started = performance.now()
  try {
    for (let index = 0; index < iterations; index++) {
      // build the input and its parameter
      let param: number
      const seedInput = target.seeds.length > 0 && !rng.chance(4) ? rng.pick(target.seeds) : undefined
      if (seedInput === undefined) {
        builder.random()
        param = target.randomParam(rng)
      } else {
        builder.mutate(seedInput, target.seeds)
        param = rng.chance(8) ? target.randomParam(rng) : seedInput.param
      }
      // place it at a random offset of the arena, junk after it
      const start = rng.int(ARENA_SLACK)
      const length = builder.length
      arena.set(builder.buffer.subarray(0, length), start)
      arena.fill(rng.next() & 0xff, start + length, start + length + ARENA_SLACK)
      const input = arena.subarray(start, start + length)
      if (target.fixup !== undefined && seedInput !== undefined && rng.chance(2)) target.fixup(input)
      watchdog.publish(index, input, param)

      const t0 = performance.now()
      guard.reset()
      guard.active = true
      const outcome = decodeOnce(target, input, param)
      guard.active = false
      const elapsed = performance.now() - t0
      if (elapsed > slowestInputMs) slowestInputMs = elapsed
      if (guard.largest > largestAllocation) largestAllocation = guard.largest

      let verdict = judge(target, input, param, outcome)
      if (verdict === undefined && rng.chance(32)) verdict = compareWithCopy(target, input, param, outcome)
      if (verdict !== undefined) {
        failure = { index, input: input.slice(), param, verdict, after: arena.slice(start + length, start + length + ARENA_SLACK) }
        break
      }
      if (outcome.ok) decoded++
    }
  } finally {
    watchdog.stop()
    guard.active = false
    guard.uninstall()
    Error.stackTraceLimit = savedStackTraceLimit
  }
  const ms = performance.now() - started
  if (failure !== undefined) throw new Error(report(target, seed, failure))
  const budgetMs = (iterations * target.budgetMicrosPerInput) / 1000
  return { name: target.name, inputs: iterations, decoded, ms, slowestInputMs, largestAllocation, budgetMs }
}

interface Failure {
  index: number
  input: Uint8Array
  param: number
  verdict: NonNullable<Verdict>
  /** The junk bytes that followed the input in the arena. */
  after: Uint8Array
}

function decodeOnce(target: Target, input: Uint8Array, param: number): Outcome {
  try {
    return { ok: true, value: target.decode(input, param) }
  } catch (error) {
    return { ok: false, error }
  }
}

/** Checks one outcome: typed error or accepted value, allocations within the limit. */
function judge(target: Target, input: Uint8Array, param: number, outcome: Outcome): Verdict {
  const limit = target.allocationLimit(input.length, param)
  if (guard.largest > limit) {
    return {
      kind: 'allocation',
      detail: `${guard.largestWhat} of ${guard.largest} bytes for a ${input.length}-byte input (limit ${limit})`,
    }
  }
  if (!outcome.ok) {
    if (KafkaError.isInstance(outcome.error)) return undefined
    return { kind: 'untyped error', detail: describeError(outcome.error), error: outcome.error }
  }
  if (target.check !== undefined) {
    const problem = target.check(outcome.value, input, param)
    if (problem !== undefined) return { kind: 'bad result', detail: problem }
  }
  return undefined
}

/**
 * The same bytes as an exact-size copy (its own ArrayBuffer, offset 0) must decode the same way:
 * a decoder that reads past its input through `.buffer`, or ignores `byteOffset`, shows here.
 */
function compareWithCopy(target: Target, input: Uint8Array, param: number, outcome: Outcome): Verdict {
  const copy = input.slice()
  guard.reset()
  guard.active = true
  const again = decodeOnce(target, copy, param)
  guard.active = false
  const first = signature(outcome)
  const second = signature(again)
  if (first === second) return undefined
  return { kind: 'placement-dependent result', detail: `in a larger buffer: ${clip(first)}\n  as an exact copy: ${clip(second)}` }
}

function signature(outcome: Outcome): string {
  if (!outcome.ok) return `throws ${describeError(outcome.error)}`
  try {
    return `returns ${JSON.stringify(outcome.value, (_key, value: unknown) => {
      if (typeof value === 'bigint') return `${value}n`
      if (ArrayBuffer.isView(value)) return `<${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}>`
      return value
    })}`
  } catch (error) {
    return `unserializable result (${describeError(error)})`
  }
}

function clip(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}…` : text
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`
  return `non-Error thrown: ${String(error)}`
}

// ---- reporting ---------------------------------------------------------------------------------

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function report(target: Target, seed: number, failure: Failure): string {
  const { input, param, verdict } = failure
  const lines = [
    `fuzz failure in ${target.name}: ${verdict.kind}`,
    `  ${verdict.detail}`,
    `  seed ${seed} (KAFKATS_FUZZ_SEED=${seed}), input #${failure.index}, param ${param}`,
    `  input (${input.length} bytes): ${input.length <= 4096 ? hex(input) : `${hex(input.subarray(0, 4096))}…`}`,
  ]
  const minimal = minimize(input, (candidate) => sameFailure(target, candidate, failure))
  lines.push(`  minimized (${minimal.length} bytes): ${hex(minimal)}`)
  lines.push(`  reproduce: ${target.reproduce(`Buffer.from('${hex(minimal)}', 'hex')`, param)}`)
  // decoded again with stack traces on
  const outcome = decodeOnce(target, minimal, param)
  if (!outcome.ok && outcome.error instanceof Error && outcome.error.stack !== undefined) {
    lines.push(`  stack:\n${outcome.error.stack.split('\n').slice(0, 12).join('\n')}`)
  }
  return lines.join('\n')
}

/** Whether `candidate` still fails the way `failure` did (same kind: untyped error, allocation...). */
function sameFailure(target: Target, candidate: Uint8Array, failure: Failure): boolean {
  let input = candidate
  if (failure.verdict.kind === 'placement-dependent result') {
    // in a larger buffer again, with the junk that followed the original input
    const buffer = new Uint8Array(3 + candidate.length + failure.after.length)
    buffer.set(candidate, 3)
    buffer.set(failure.after, 3 + candidate.length)
    input = buffer.subarray(3, 3 + candidate.length)
  }
  guard.install()
  guard.reset()
  guard.active = true
  let outcome: Outcome
  try {
    outcome = decodeOnce(target, input, failure.param)
  } finally {
    guard.active = false
    guard.uninstall()
  }
  if (failure.verdict.kind === 'placement-dependent result') return compareWithCopy(target, input, failure.param, outcome) !== undefined
  return judge(target, input, failure.param, outcome)?.kind === failure.verdict.kind
}

/** Greedy minimization: drop chunks (halving their size), then zero bytes, while the failure persists. */
function minimize(input: Uint8Array, fails: (candidate: Uint8Array) => boolean): Uint8Array {
  let best = input.slice()
  let evaluations = 0
  const limit = 4000
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && evaluations < limit; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length && evaluations < limit; ) {
      const candidate = new Uint8Array(best.length - chunk)
      candidate.set(best.subarray(0, at))
      candidate.set(best.subarray(at + chunk), at)
      evaluations++
      if (fails(candidate)) best = candidate
      else at += chunk
    }
  }
  for (let i = 0; i < best.length && evaluations < limit; i++) {
    if (best[i] === 0) continue
    const candidate = best.slice()
    candidate[i] = 0
    evaluations++
    if (fails(candidate)) best = candidate
  }
  return best
}

/** The slowest targets, those over a quarter of their time budget, and (verbose) one line per target. */
export function summarize(stats: readonly TargetStats[]): string {
  const lines: string[] = []
  let inputs = 0
  let ms = 0
  for (const s of stats) {
    inputs += s.inputs
    ms += s.ms
    if (FUZZ_VERBOSE) lines.push(formatStats(s))
  }
  const slow = stats.filter((s) => s.ms > s.budgetMs / 4)
  if (slow.length > 0) lines.push(`slow decoders (over a quarter of their time budget):`, ...slow.map(formatStats))
  const slowest = [...stats].sort((a, b) => b.ms / b.inputs - a.ms / a.inputs).slice(0, 5)
  lines.push(`slowest: ${slowest.map((s) => `${s.name} ${((s.ms * 1000) / Math.max(1, s.inputs)).toFixed(1)} µs/input`).join(', ')}`)
  lines.push(`fuzzed ${stats.length} decoders, ${inputs} inputs in ${(ms / 1000).toFixed(1)} s (seed ${FUZZ_SEED})`)
  return lines.join('\n')
}

function formatStats(s: TargetStats): string {
  const perInput = ((s.ms * 1000) / Math.max(1, s.inputs)).toFixed(2)
  return (
    `  ${s.name}: ${s.inputs} inputs, ${((100 * s.decoded) / Math.max(1, s.inputs)).toFixed(1)}% decoded, ` +
    `${s.ms.toFixed(0)} ms (${perInput} µs/input, budget ${s.budgetMs.toFixed(0)} ms), slowest input ${s.slowestInputMs.toFixed(1)} ms, ` +
    `largest allocation ${s.largestAllocation} bytes`
  )
}
