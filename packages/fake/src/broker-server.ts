// One fake broker's TCP side: a listener on 127.0.0.1, Kafka framing, request decoding with the
// generated codecs, in-order answers per connection (as a real broker: one request at a time per
// connection), the request log and the fault rules (injected errors, dropped or delayed answers).
import { createServer, type Server } from 'node:net'
import type { Duplex } from 'node:stream'
import { memoryConnection } from './memory-connection.js'
import { ApiVersionsApi, ErrorCode, Reader, apiByKey, decodeRequestHeader, encodeResponseHeader, type ApiDefinition } from '@kafkats/protocol'
import { errorResponse } from './error-response.js'
import { ResponseWriter } from './fetch-records.js'
import { HANDLERS, NO_RESPONSE, type FetchSession, type Services } from './handlers.js'
import type { BrokerState } from './model.js'

/** Byte fields (a Fetch response's record batches) of at least this size are written by reference. */
const REFERENCE_MIN_BYTES = 8 * 1024

/** One request as the fake cluster received it. */
export interface RequestLogEntry {
  /** Broker that received it. */
  broker: number
  /** Kafka's API name, e.g. `Fetch`. */
  api: string
  apiKey: number
  version: number
  clientId: string | null
  correlationId: number
  /**
   * The decoded request (the generated codec's shape); undefined once the log released it
   * (older than the newest `requestLogMaxBytes` of requests).
   */
  request: unknown
  /** Date.now() when it arrived. */
  receivedAtMs: number
}

/** Which requests a fault rule applies to. */
export interface FaultMatch {
  /** Broker id that receives the request (any when absent). */
  broker?: number
  /** Further condition on the request (e.g. its topic). */
  where?: (entry: RequestLogEntry) => boolean
}

export interface FaultRule {
  apiKey: number
  kind: 'error' | 'drop' | 'delay' | 'close'
  errorCode: number
  delayMs: number
  /** How many more requests it applies to (Infinity = until cleared). */
  remaining: number
  match: FaultMatch
}

export interface ServerHooks {
  /** `sizeBytes`: the request's size on the wire. */
  log: (entry: RequestLogEntry, sizeBytes: number) => void
  faults: FaultRule[]
}

export class BrokerServer {
  readonly state: BrokerState
  readonly sessions = new Map<number, FetchSession>()
  private server: Server | null = null
  private readonly sockets = new Set<Duplex>()
  private readonly services: Services
  private readonly hooks: ServerHooks

  constructor(state: BrokerState, services: Services, hooks: ServerHooks) {
    this.state = state
    this.services = services
    this.hooks = hooks
  }

  /** Listens on `port` (0 = ephemeral on first start; the same port again on restart). */
  async listen(port: number): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ port, host: this.state.host, exclusive: true }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    this.state.port = typeof address === 'object' && address !== null ? address.port : port
    this.server = server
  }

  /** Stops listening and cuts every connection (what clients see when a broker process dies). */
  async close(): Promise<void> {
    const server = this.server
    this.server = null
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    this.sessions.clear()
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Closes the client connections but keeps listening. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  /** Listening: a client can connect (not killed, not closed). */
  get isListening(): boolean {
    return this.server !== null
  }

  /** A connection held in memory (FakeCluster.socketFactory): the client's end of it. */
  connectInMemory(): Duplex {
    const { client, broker } = memoryConnection()
    this.accept(broker)
    return client
  }

  private accept(socket: Duplex): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    // Chunks of an incomplete frame are kept apart and joined once the frame is complete (a
    // 1 MiB produce request arrives in many chunks; joining at every chunk would copy it over and over).
    let chunks: Buffer[] = []
    let buffered = 0
    let frameSize = -1
    let chain: Promise<void> = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      buffered += chunk.length
      for (;;) {
        if (frameSize < 0) {
          if (buffered < 4) return
          if (chunks[0]!.length < 4) chunks = [Buffer.concat(chunks, buffered)]
          frameSize = chunks[0]!.readInt32BE(0)
          if (frameSize < 8 || frameSize > 100 * 1024 * 1024) {
            socket.destroy()
            return
          }
        }
        if (buffered < 4 + frameSize) return
        const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered)
        const frame = joined.subarray(4, 4 + frameSize)
        const rest = joined.subarray(4 + frameSize)
        chunks = rest.length > 0 ? [rest] : []
        buffered = rest.length
        frameSize = -1
        chain = chain.then(() => this.handle(socket, frame)).catch((error: unknown) => {
          // A request the fake cannot decode or answer: close the connection, as Kafka does.
          if (process.env['KAFKATS_FAKE_DEBUG']) process.stderr.write(`[fake broker ${this.state.id}] closing a connection: ${String(error)}\n`)
          socket.destroy()
        })
      }
    })
  }

  private async handle(socket: Duplex, frame: Uint8Array): Promise<void> {
    if (socket.destroyed || !this.state.alive) return
    const apiKey = (frame[0]! << 8) | frame[1]!
    const version = (frame[2]! << 8) | frame[3]!
    const api = apiByKey(apiKey)
    if (api === undefined) throw new Error(`unknown api key ${apiKey}`)
    const handler = HANDLERS.get(api)
    const reader = new Reader(frame)
    if (api === ApiVersionsApi && version > api.maxVersion) {
      // KIP-511: an ApiVersions request newer than the broker knows gets a v0 answer with UNSUPPORTED_VERSION.
      const header = decodeRequestHeader(reader, 1)
      const response = ApiVersionsApi.createResponse({
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: [...HANDLERS.keys()].map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
      })
      this.write(socket, api as ApiDefinition<unknown, unknown>, 0, header.correlationId, response)
      return
    }
    if (handler === undefined || version < api.minVersion || version > api.maxVersion) throw new Error(`unsupported ${api.name} v${version}`)
    const header = decodeRequestHeader(reader, api.requestHeaderVersion(version))
    const request = api.decodeRequest(reader, version)
    const entry: RequestLogEntry = {
      broker: this.state.id,
      api: api.name,
      apiKey,
      version,
      clientId: header.clientId,
      correlationId: header.correlationId,
      request,
      receivedAtMs: Date.now(),
    }
    this.hooks.log(entry, frame.length + 4)
    const fault = this.takeFault(entry)
    if (fault?.kind === 'close') {
      socket.destroy()
      return
    }
    if (fault?.kind === 'error') {
      this.write(socket, api as ApiDefinition<unknown, unknown>, version, header.correlationId, errorResponse(api as ApiDefinition<unknown, unknown>, request, version, fault.errorCode))
      return
    }
    const response = await handler(request as never, { broker: this.state, version, clientId: header.clientId ?? '', sessions: this.sessions }, this.services)
    if (response === NO_RESPONSE || fault?.kind === 'drop') return
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (!this.state.alive) return
    this.write(socket, api as ApiDefinition<unknown, unknown>, version, header.correlationId, response)
  }

  private takeFault(entry: RequestLogEntry): FaultRule | undefined {
    const faults = this.hooks.faults
    for (let i = 0; i < faults.length; i++) {
      const rule = faults[i]!
      if (rule.apiKey !== entry.apiKey) continue
      if (rule.match.broker !== undefined && rule.match.broker !== entry.broker) continue
      if (rule.match.where !== undefined && !rule.match.where(entry)) continue
      rule.remaining--
      if (rule.remaining <= 0) faults.splice(i, 1)
      return rule
    }
    return undefined
  }

  private write(socket: Duplex, api: ApiDefinition<unknown, unknown>, version: number, correlationId: number, response: unknown): void {
    if (socket.destroyed) return
    // Fetch responses carry the stored batches: written from their own arrays (one corked writev),
    // not copied into a response buffer that doubles its way up to the response's size. Stored
    // batches are never changed after they are appended, so the references stay valid.
    const writer = new ResponseWriter(256, { referenceMinBytes: REFERENCE_MIN_BYTES })
    const sizePosition = writer.reserveInt32()
    encodeResponseHeader(writer, api.responseHeaderVersion(version), { correlationId })
    api.encodeResponse(writer, version, response)
    writer.setInt32(sizePosition, writer.length - 4)
    const chunks = writer.finishChunks()
    if (chunks.length === 1) {
      socket.write(chunks[0]!)
      return
    }
    socket.cork()
    for (const chunk of chunks) socket.write(chunk)
    socket.uncork()
  }
}
