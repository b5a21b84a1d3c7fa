// An in-process fake Kafka broker, built on the generated codecs (it decodes requests and
// encodes responses: the reverse of a client). It exists only for faults a real broker cannot
// produce on demand — a given error code on the Nth request, a stale metadata answer, a dropped
// response — and never replaces the real cluster in tests.
import { createServer, type Server, type Socket } from 'node:net'
import {
  type ApiDefinition,
  ApiVersionsApi,
  Reader,
  Writer,
  apiByKey,
  apis,
  decodeRequestHeader,
  encodeResponseHeader,
} from '@kafkats/protocol'

export interface FakeRequestContext {
  apiKey: number
  version: number
  correlationId: number
  clientId: string | null
  /** 1 for the first request of this API the broker received, 2 for the second… */
  count: number
}

/** What a handler may answer instead of a response. */
export type FakeAction = { action: 'drop-response' } | { action: 'close-connection' } | { action: 'raw'; bytes: Uint8Array }

export type FakeHandler<Request, Response> = (
  request: Request,
  context: FakeRequestContext,
) => Response | FakeAction | Promise<Response | FakeAction>

export interface ReceivedRequest {
  apiKey: number
  version: number
  request: unknown
}

export class FakeBroker {
  readonly host: string
  readonly port: number
  /** Every request received, in order. */
  readonly received: ReceivedRequest[] = []
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly handlers = new Map<number, FakeHandler<unknown, unknown>>()
  private readonly counts = new Map<number, number>()
  private paused = false

  private constructor(server: Server, host: string, port: number) {
    this.server = server
    this.host = host
    this.port = port
    // ApiVersions answers with every version kafkats knows, like a current broker.
    this.on(ApiVersionsApi, () =>
      ApiVersionsApi.createResponse({
        apiKeys: apis.map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion })),
      }),
    )
  }

  static async start(options: { host?: string; port?: number } = {}): Promise<FakeBroker> {
    const host = options.host ?? '127.0.0.1'
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => resolve())
    })
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const broker = new FakeBroker(server, host, port)
    server.on('connection', (socket) => broker.accept(socket))
    return broker
  }

  /** `host:port` */
  get address(): string {
    return `${this.host}:${this.port}`
  }

  /** Answers requests of `api` with `handler` (replacing any earlier handler). */
  on<Request, Response>(api: ApiDefinition<Request, Response>, handler: FakeHandler<Request, Response>): this {
    this.handlers.set(api.apiKey, handler as FakeHandler<unknown, unknown>)
    return this
  }

  /** Stops reading from clients (their writes back up into the kernel buffers, then stall). */
  pauseReading(): void {
    this.paused = true
    for (const socket of this.sockets) socket.pause()
  }

  resumeReading(): void {
    this.paused = false
    for (const socket of this.sockets) socket.resume()
  }

  /** Closes every client connection (the listener stays). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  async close(): Promise<void> {
    this.dropConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    if (this.paused) socket.pause()
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    let pending: Buffer = Buffer.alloc(0)
    // Requests are answered strictly in order, as a real broker does, even when a handler is async.
    let chain = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0)
        if (pending.length < 4 + size) break
        const frame = pending.subarray(4, 4 + size)
        pending = pending.subarray(4 + size)
        chain = chain.then(() => this.handle(socket, frame)).catch(() => {
          socket.destroy()
        })
      }
    })
  }

  private async handle(socket: Socket, frame: Uint8Array): Promise<void> {
    const reader = new Reader(frame)
    const apiKey = (frame[0]! << 8) | frame[1]!
    const version = (frame[2]! << 8) | frame[3]!
    const api = apiByKey(apiKey)
    if (api === undefined) throw new Error(`fake broker: unknown api key ${apiKey}`)
    const header = decodeRequestHeader(reader, api.requestHeaderVersion(version))
    const request = api.decodeRequest(reader, version)
    this.received.push({ apiKey, version, request })
    const count = (this.counts.get(apiKey) ?? 0) + 1
    this.counts.set(apiKey, count)
    const handler = this.handlers.get(apiKey)
    if (handler === undefined) throw new Error(`fake broker: no handler for ${api.name}`)
    const answer = await handler(request, { apiKey, version, correlationId: header.correlationId, clientId: header.clientId, count })
    if (isAction(answer)) {
      if (answer.action === 'drop-response') return
      if (answer.action === 'close-connection') {
        socket.destroy()
        return
      }
      socket.write(answer.bytes)
      return
    }
    const writer = new Writer()
    const sizePosition = writer.reserveInt32()
    encodeResponseHeader(writer, api.responseHeaderVersion(version), { correlationId: header.correlationId })
    api.encodeResponse(writer, version, answer)
    writer.setInt32(sizePosition, writer.offset - 4)
    socket.write(writer.finish())
  }
}

function isAction(value: unknown): value is FakeAction {
  return typeof value === 'object' && value !== null && 'action' in value && typeof (value as { action: unknown }).action === 'string'
}
