import { inflateSync } from 'fflate'
import { CompressionError } from './compression-error.js'

/**
 * The zstd WebAssembly module (the reference C library as built by @bokuweb/zstd-wasm 0.0.27),
 * instantiated here directly rather than through that package's Emscripten loader: the loader
 * reads the file with `fs` next to its own script (which breaks in every bundle), and when
 * instantiation fails it logs and leaves its promise pending forever. Here every failure is a
 * `CompressionError` rejected at once, and the bytes come from where the caller says.
 *
 * The module's imports and exports carry Emscripten's minified names; they are fixed by the
 * binary embedded in this package (and shipped as `@kafkats/protocol/zstd.wasm`), and are checked
 * on instantiation so that a different build is refused with a clear error instead of misbehaving.
 */

/** Where the zstd WebAssembly comes from. */
export type ZstdWasmSource =
  /** The bytes of `zstd.wasm` (`@kafkats/protocol/zstd.wasm`). */
  | Uint8Array
  | ArrayBuffer
  /** A URL to fetch (http:, https:, data:, blob:) or read (file:), or a file path in Node. */
  | URL
  | string

/** The parts of the WebAssembly API used here (the compiler's libs do not declare it without DOM). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>
}

/** A loaded zstd module: raw calls into the C library on its own memory. */
export interface ZstdWasm {
  /** ZSTD_compress into a fresh array; throws `CompressionError` on a zstd error. */
  compress(data: Uint8Array, level: number): Uint8Array
  /**
   * ZSTD_decompress of whole frames into at most `capacity` bytes. Returns the output, or the
   * negative zstd error code (-70 is "destination too small").
   */
  decompress(data: Uint8Array, capacity: number): Uint8Array | number
}

/** zstd's error codes come back as `-code` (size_t errors seen through a signed i32). */
const ERROR_NAMES: Readonly<Record<number, string>> = {
  20: 'corruption detected',
  22: 'checksum wrong',
  64: 'out of memory',
  70: 'destination buffer too small',
  72: 'source size wrong',
}

/** Instantiates the module from `source` (bytes, URL or path). Rejects with `CompressionError` (`unsupported`). */
export async function instantiateZstdWasm(source: ZstdWasmSource): Promise<ZstdWasm> {
  const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (wasmApi === undefined) throw unavailable('this runtime has no WebAssembly')
  const bytes = await readSource(source)
  let memory: WasmMemory | undefined
  const abort = (what: string) => (): never => {
    throw new CompressionError('zstd', 'corrupt', `the zstd WebAssembly module aborted (${what})`)
  }
  const imports = {
    a: {
      a: abort('exit'),
      b: () => {},
      c: abort('abort'),
      // setitimer: the library never arms a timer in the functions used here
      d: () => 0,
      // emscripten_resize_heap: grow to the requested size, as the Emscripten runtime does
      e: (requestedSize: number): boolean => {
        if (memory === undefined) return false
        const needed = (requestedSize >>> 0) - memory.buffer.byteLength
        if (needed <= 0) return true
        try {
          memory.grow(Math.ceil(needed / 65536))
          return true
        } catch {
          return false
        }
      },
    },
  }
  let exports: Record<string, unknown>
  try {
    exports = (await wasmApi.instantiate(bytes, imports)).instance.exports
  } catch (error) {
    throw unavailable(`the zstd WebAssembly module does not compile or link (${describe(error)})`, error)
  }
  const fn = (name: string): ((...args: number[]) => number) => {
    const value = exports[name]
    if (typeof value !== 'function') throw unavailable(`the WebAssembly module is not the zstd build this package expects (no export "${name}")`)
    return value as (...args: number[]) => number
  }
  const exportedMemory = exports.f as WasmMemory | undefined
  // Tag checks, not instanceof: under Jest (a vm context) the module's ArrayBuffer comes from another realm.
  if (exportedMemory === undefined || tag(exportedMemory.buffer) !== 'ArrayBuffer') {
    throw unavailable('the WebAssembly module is not the zstd build this package expects (no memory export)')
  }
  memory = exportedMemory
  const initialize = fn('g')
  const isError = fn('h')
  const compressBound = fn('i')
  const compress = fn('m')
  const decompress = fn('r')
  const malloc = fn('s')
  const free = fn('t')
  try {
    initialize()
  } catch (error) {
    throw unavailable(`the zstd WebAssembly module failed to initialise (${describe(error)})`, error)
  }
  const heap = (): Uint8Array => new Uint8Array(exportedMemory.buffer)
  const allocate = (size: number): number => {
    const pointer = malloc(Math.max(1, size))
    if (pointer === 0) throw new CompressionError('zstd', 'limit', `the zstd WebAssembly module cannot allocate ${size} bytes`)
    return pointer
  }
  return {
    compress(data, level) {
      const bound = compressBound(data.length)
      const src = allocate(data.length)
      let dst = 0
      try {
        dst = allocate(bound)
        heap().set(data, src)
        const result = compress(dst, bound, src, data.length, level)
        if (isError(result) !== 0) throw new CompressionError('zstd', 'corrupt', `compression failed: ${errorName(result)}`)
        return heap().slice(dst, dst + result)
      } finally {
        free(src)
        if (dst !== 0) free(dst)
      }
    },
    decompress(data, capacity) {
      const src = allocate(data.length)
      let dst = 0
      try {
        dst = allocate(capacity)
        heap().set(data, src)
        const result = decompress(dst, capacity, src, data.length)
        if (isError(result) !== 0) return result | 0
        return heap().slice(dst, dst + result)
      } finally {
        free(src)
        if (dst !== 0) free(dst)
      }
    },
  }
}

/** zstd's name of an error result. */
export function errorName(result: number): string {
  const code = -(result | 0)
  return `${ERROR_NAMES[code] ?? 'error'} (code -${code})`
}

function decodeBase64(text: string): Uint8Array {
  const decode = (globalThis as { atob?: (data: string) => string }).atob
  if (decode === undefined) throw unavailable('this runtime has no atob to decode the embedded WebAssembly')
  const binary = decode(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * The embedded copy, decoded and inflated (it is stored raw-deflated: 107 KB of base64 instead of
 * 336 KB, once in the ESM and once in the CommonJS build). Its module is imported only here, so
 * bundles that never load zstd leave it out.
 */
export async function embeddedZstdWasm(): Promise<Uint8Array> {
  const { ZSTD_WASM_BYTES, ZSTD_WASM_DEFLATED_BASE64 } = await import('./zstd-wasm-binary.js')
  let bytes: Uint8Array
  try {
    bytes = inflateSync(decodeBase64(ZSTD_WASM_DEFLATED_BASE64), { out: new Uint8Array(ZSTD_WASM_BYTES) })
  } catch (error) {
    throw unavailable(`the embedded zstd WebAssembly does not inflate (${describe(error)})`, error)
  }
  if (bytes.length !== ZSTD_WASM_BYTES) throw unavailable(`the embedded zstd WebAssembly inflates to ${bytes.length} bytes, not ${ZSTD_WASM_BYTES}`)
  return bytes
}

interface FetchResponse {
  readonly ok: boolean
  readonly status: number
  arrayBuffer(): Promise<ArrayBuffer>
}
type Fetch = (url: string) => Promise<FetchResponse>
interface NodeFs {
  readFileSync(path: string | URL): Uint8Array
}

async function readSource(source: ZstdWasmSource): Promise<Uint8Array> {
  // Tag checks, not instanceof: bytes and URLs may come from another realm (Jest's vm context, an iframe).
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
  if (tag(source) === 'ArrayBuffer') return new Uint8Array(source as ArrayBuffer)
  if (typeof source !== 'string' && tag(source) !== 'URL') {
    throw unavailable(`wasm must be bytes, a URL or a path, not ${tag(source)}`)
  }
  const text = String(source)
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase()
  const fs = nodeFs()
  // A file: URL, or anything that is not a URL at all, is a file when the runtime has a file system.
  if (fs !== null && (scheme === 'file' || scheme === undefined || scheme.length === 1 /* C:\ */)) {
    try {
      return fs.readFileSync(scheme === 'file' ? new URL(text) : text)
    } catch (error) {
      throw unavailable(`cannot read the zstd WebAssembly file ${text} (${describe(error)})`, error)
    }
  }
  const fetchFn = (globalThis as { fetch?: Fetch }).fetch
  if (fetchFn === undefined) throw unavailable(`cannot fetch ${text}: this runtime has no fetch`)
  let response: FetchResponse
  try {
    response = await fetchFn(text)
  } catch (error) {
    throw unavailable(`cannot fetch the zstd WebAssembly from ${text} (${describe(error)})`, error)
  }
  if (!response.ok) throw unavailable(`cannot fetch the zstd WebAssembly from ${text}: HTTP ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}

function nodeFs(): NodeFs | null {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const fs = runtime?.getBuiltinModule?.('node:fs') as Partial<NodeFs> | undefined
    return typeof fs?.readFileSync === 'function' ? (fs as NodeFs) : null
  } catch {
    return null
  }
}

function tag(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1)
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function unavailable(message: string, cause?: unknown): CompressionError {
  return new CompressionError('zstd', 'unsupported', message, { cause })
}
