// A Kafka-frame-aware TCP proxy for fault tests: put one in front of a broker, point the client
// at proxy.address, then drop, cut, delay, blackhole or inject.
//
// Framing: every Kafka request and response is an int32 big-endian size followed by that many
// bytes. With `framing: true` (default) the proxy reassembles whole frames in both directions and
// applies faults per frame; requests carry (apiKey int16, apiVersion int16, correlationId int32)
// right after the size, responses start with the correlationId. Use framing for PLAINTEXT and
// SASL_PLAINTEXT; TLS traffic is opaque, so use `framing: false` there (faults then act on the
// TCP chunks as they arrive, and dropAfterRequests is unavailable).
//
// One-shot faults (dropAfterBytes, dropAfterRequests, dropMidFrame, injectResponse with
// replaceNext) fire once, on whichever connection gets there first, then disarm.
// Modes (delayResponses, blackhole) last until reset().
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface FaultProxyOptions {
  /** Where to forward to: 'host:port' or { host, port }. */
  target: string | { host: string; port: number }
  /** Default '127.0.0.1'. */
  listenHost?: string
  /** Default 0 (a random free port). */
  listenPort?: number
  /** Parse Kafka size-prefixed frames (default true). Set false for TLS listeners. */
  framing?: boolean
}

export interface FaultProxyStats {
  /** Client connections accepted so far. */
  accepted: number
  /** Client connections open now. */
  active: number
  /** Request frames (or chunks without framing) received from clients. */
  requests: number
  /** Response frames (or chunks without framing) received from the broker. */
  responses: number
  /** Bytes forwarded to the broker / to clients (injected bytes included). */
  bytesToBroker: number
  bytesToClient: number
  /** Connections destroyed by a fault (dropConnections, dropAfter*, dropMidFrame). */
  dropped: number
}

type Direction = 'toClient' | 'toBroker'

/** Frames above this size switch a connection to pass-through (e.g. a garbage size prefix). */
const MAX_FRAME = 100 * 1024 * 1024

/** Splits a byte stream into size-prefixed frames (prefix included). */
class FrameParser {
  private buf: Buffer = Buffer.alloc(0)
  private raw = false

  constructor(private readonly framing: boolean) {}

  push(chunk: Buffer): Buffer[] {
    if (!this.framing || this.raw) return [chunk]
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const frames: Buffer[] = []
    for (;;) {
      if (this.buf.length < 4) break
      const size = this.buf.readInt32BE(0)
      if (size < 0 || size > MAX_FRAME) {
        // not Kafka framing (fuzzing, garbage): pass everything through from here on
        this.raw = true
        frames.push(this.buf)
        this.buf = Buffer.alloc(0)
        break
      }
      if (this.buf.length < 4 + size) break
      frames.push(this.buf.subarray(0, 4 + size))
      this.buf = this.buf.subarray(4 + size)
    }
    return frames
  }
}

class Connection {
  readonly requestParser: FrameParser
  readonly responseParser: FrameParser
  /** Orders writes to the client (delays are applied per frame, order kept). */
  private chain: Promise<void> = Promise.resolve()
  private queued = 0
  dead = false
  /** correlationId whose response must be swallowed, then the connection dropped. */
  dropOnCorrelation: number | undefined
  readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    framing: boolean,
  ) {
    this.requestParser = new FrameParser(framing)
    this.responseParser = new FrameParser(framing)
  }

  /** Runs `fn` after `delayMs`, but never before the previously queued client writes. */
  enqueue(delayMs: number, fn: () => void): void {
    if (this.queued === 0 && delayMs <= 0) {
      fn()
      return
    }
    const due = Date.now() + delayMs
    this.queued++
    this.chain = this.chain.then(
      () =>
        new Promise<void>((resolveDone) => {
          const run = () => {
            this.queued--
            if (!this.dead) fn()
            resolveDone()
          }
          const wait = due - Date.now()
          if (wait <= 0) {
            run()
            return
          }
          const t = setTimeout(() => {
            this.timers.delete(t)
            run()
          }, wait)
          this.timers.add(t)
        }),
    )
  }

  destroy(): void {
    if (this.dead) return
    this.dead = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.client.destroy()
    this.upstream.destroy()
  }
}

export class FaultProxy {
  readonly host: string
  readonly port: number
  private readonly conns = new Set<Connection>()
  private readonly framing: boolean
  private readonly stats_: FaultProxyStats = {
    accepted: 0,
    active: 0,
    requests: 0,
    responses: 0,
    bytesToBroker: 0,
    bytesToClient: 0,
    dropped: 0,
  }

  // faults
  private delayMs = 0
  private blackholeMode: 'off' | 'both' | 'responses' = 'off'
  private dropBytes: { direction: Direction; remaining: number } | undefined
  private dropRequests: { remaining: number; apiKey: number | undefined; lose: 'request' | 'response' } | undefined
  private midFrame: { bytes: number | undefined } | undefined
  private replaceNext: Buffer | undefined

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    framing: boolean,
  ) {
    const addr = server.address()
    if (addr === null || typeof addr === 'string') throw new Error('proxy is not listening on TCP')
    this.host = addr.address
    this.port = addr.port
    this.framing = framing
    server.on('connection', (s) => this.accept(s))
  }

  /** Starts a proxy listening on 127.0.0.1:<random port>. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const target = parseTarget(options.target)
    const server = createServer({ noDelay: true })
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject)
      server.listen(options.listenPort ?? 0, options.listenHost ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolveListen()
      })
    })
    return new FaultProxy(server, target, options.framing ?? true)
  }

  /** 'host:port' to give to the client. */
  get address(): string {
    return `${this.host}:${this.port}`
  }

  get stats(): Readonly<FaultProxyStats> {
    return { ...this.stats_, active: this.conns.size }
  }

  // ------------------------------------------------------------------------------------------
  // controls

  /** Destroys every open connection now (both sides). New connections are still accepted. */
  dropConnections(): void {
    for (const c of [...this.conns]) this.drop(c)
  }

  /**
   * One-shot: after `n` more bytes have been forwarded in `direction` (counted over all
   * connections from now), forward exactly up to the n-th byte, then destroy that connection.
   */
  dropAfterBytes(n: number, direction: Direction = 'toClient'): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('n must be an integer >= 0')
    this.dropBytes = { direction, remaining: n }
  }

  /**
   * One-shot: count request frames from now (only those with `apiKey`, if given). On the n-th:
   * - lose 'response' (default): forward the request to the broker, swallow its response and
   *   destroy the connection when that response arrives: the broker acted, the client never hears.
   * - lose 'request': destroy the connection instead of forwarding it: the broker never sees it.
   */
  dropAfterRequests(n: number, options: { apiKey?: number; lose?: 'request' | 'response' } = {}): void {
    if (!this.framing) throw new Error('dropAfterRequests needs framing: true')
    if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be an integer >= 1')
    this.dropRequests = { remaining: n, apiKey: options.apiKey, lose: options.lose ?? 'response' }
  }

  /**
   * One-shot: the next response frame is forwarded only in part (default: the 4-byte size prefix
   * plus half of the body; or the first `bytes` bytes), then the connection is destroyed.
   */
  dropMidFrame(options: { bytes?: number } = {}): void {
    this.midFrame = { bytes: options.bytes }
  }

  /** Mode: every response frame is delivered `ms` later than it arrived (order kept). 0 = off. */
  delayResponses(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('ms must be >= 0')
    this.delayMs = ms
  }

  /**
   * Mode: accept bytes and forward nothing back. 'both' (default): requests are dropped too, the
   * broker sees nothing; 'responses': requests reach the broker, responses are dropped.
   */
  blackhole(mode: 'both' | 'responses' = 'both'): void {
    this.blackholeMode = mode
  }

  /**
   * Sends arbitrary bytes to clients (e.g. garbage, or an oversized size prefix such as
   * [0x7f, 0xff, 0xff, 0xff]). Default: now, to every open connection, at a frame boundary.
   * `replaceNext: true`: one-shot, the next response frame from the broker is swallowed and these
   * bytes are sent in its place.
   */
  injectResponse(bytes: Uint8Array, options: { replaceNext?: boolean } = {}): void {
    const buf = Buffer.from(bytes)
    if (options.replaceNext) {
      this.replaceNext = buf
      return
    }
    for (const c of this.conns) c.enqueue(0, () => this.writeToClient(c, buf))
  }

  /** Clears every fault and mode. Open connections stay open; queued frames are still delivered. */
  reset(): void {
    this.delayMs = 0
    this.blackholeMode = 'off'
    this.dropBytes = undefined
    this.dropRequests = undefined
    this.midFrame = undefined
    this.replaceNext = undefined
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const c of [...this.conns]) c.destroy()
    this.conns.clear()
    await new Promise<void>((r) => this.server.close(() => r()))
  }

  // ------------------------------------------------------------------------------------------
  // plumbing

  private accept(client: Socket): void {
    this.stats_.accepted++
    client.setNoDelay(true)
    const upstream = connect({ host: this.target.host, port: this.target.port, noDelay: true })
    const c = new Connection(client, upstream, this.framing)
    this.conns.add(c)
    const forget = () => {
      this.conns.delete(c)
      c.destroy()
    }
    client.on('data', (chunk: Buffer) => {
      if (c.dead) return
      for (const frame of c.requestParser.push(chunk)) this.onRequest(c, frame)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (c.dead) return
      for (const frame of c.responseParser.push(chunk)) this.onResponse(c, frame)
    })
    client.on('end', () => upstream.end())
    // the broker closed: deliver what is queued, then close the client side
    upstream.on('end', () => c.enqueue(0, () => client.end()))
    client.on('close', forget)
    upstream.on('close', () => c.enqueue(0, forget))
    client.on('error', forget)
    upstream.on('error', forget)
  }

  private drop(c: Connection): void {
    if (c.dead) return
    this.stats_.dropped++
    this.conns.delete(c)
    c.destroy()
  }

  private onRequest(c: Connection, frame: Buffer): void {
    this.stats_.requests++
    if (this.blackholeMode === 'both') return
    const dr = this.dropRequests
    if (dr !== undefined && frame.length >= 12) {
      const apiKey = frame.readInt16BE(4)
      if (dr.apiKey === undefined || dr.apiKey === apiKey) {
        dr.remaining--
        if (dr.remaining === 0) {
          this.dropRequests = undefined
          if (dr.lose === 'request') {
            this.drop(c)
            return
          }
          c.dropOnCorrelation = frame.readInt32BE(8)
        }
      }
    }
    this.writeToBroker(c, frame)
  }

  private onResponse(c: Connection, frame: Buffer): void {
    this.stats_.responses++
    if (this.blackholeMode !== 'off') return
    if (c.dropOnCorrelation !== undefined && frame.length >= 8 && frame.readInt32BE(4) === c.dropOnCorrelation) {
      c.enqueue(this.delayMs, () => this.drop(c))
      return
    }
    let out = frame
    if (this.replaceNext !== undefined) {
      out = this.replaceNext
      this.replaceNext = undefined
    }
    const mid = this.midFrame
    if (mid !== undefined) {
      this.midFrame = undefined
      const cut = Math.min(mid.bytes ?? (this.framing ? 4 + Math.floor((out.length - 4) / 2) : Math.floor(out.length / 2)), out.length)
      const part = out.subarray(0, cut)
      c.enqueue(this.delayMs, () => this.writeToClient(c, part, true))
      return
    }
    c.enqueue(this.delayMs, () => this.writeToClient(c, out))
  }

  private writeToBroker(c: Connection, data: Buffer): void {
    const d = this.dropBytes
    if (d !== undefined && d.direction === 'toBroker' && d.remaining <= data.length) {
      this.dropBytes = undefined
      const part = data.subarray(0, d.remaining)
      this.stats_.bytesToBroker += part.length
      this.stats_.dropped++
      this.conns.delete(c)
      c.dead = true
      c.client.destroy()
      c.upstream.write(part, () => c.upstream.destroy())
      return
    }
    if (d !== undefined && d.direction === 'toBroker') d.remaining -= data.length
    this.stats_.bytesToBroker += data.length
    c.upstream.write(data)
  }

  private writeToClient(c: Connection, data: Buffer, thenDrop = false): void {
    if (c.dead) return
    let out = data
    const d = this.dropBytes
    if (d !== undefined && d.direction === 'toClient') {
      if (d.remaining <= data.length) {
        this.dropBytes = undefined
        out = data.subarray(0, d.remaining)
        thenDrop = true
      } else {
        d.remaining -= data.length
      }
    }
    this.stats_.bytesToClient += out.length
    if (!thenDrop) {
      c.client.write(out)
      return
    }
    this.stats_.dropped++
    this.conns.delete(c)
    c.dead = true
    for (const t of c.timers) clearTimeout(t)
    c.upstream.destroy()
    if (out.length === 0) c.client.destroy()
    else c.client.write(out, () => c.client.destroy())
  }
}

function parseTarget(t: FaultProxyOptions['target']): { host: string; port: number } {
  if (typeof t !== 'string') return t
  const i = t.lastIndexOf(':')
  const port = Number(t.slice(i + 1))
  if (i <= 0 || !Number.isInteger(port)) throw new Error(`bad target '${t}', expected host:port`)
  return { host: t.slice(0, i).replace(/^\[|\]$/g, ''), port }
}

/** Starts a FaultProxy in front of `options.target`. */
export function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  return FaultProxy.start(options)
}
