import * as net from 'node:net'
import { Duplex } from 'node:stream'
import * as tls from 'node:tls'
import {
  type ApiDefinition,
  ApiVersionsApi,
  DecodeError,
  KafkaError,
  KafkaProtocolError,
  Reader,
  Writer,
  encodeRequestHeader,
} from '@kafkats/protocol'
import { AuthenticationError } from './authentication-error.js'
import { ConnectionError } from './connection-error.js'
import {
  type BrokerEndpoint,
  type RequestStartMessage,
  authenticateChannel,
  closeChannel,
  connectChannel,
  errorChannel,
  reauthenticateChannel,
  requestEndChannel,
  requestStartChannel,
} from './diagnostics.js'
import { FrameDecoder } from './frame-decoder.js'
import { type Logger, silentLogger } from './logger.js'
import type { RequestCounters } from './request-metrics.js'
import { RequestTimeoutError } from './request-timeout-error.js'
import { authenticate, type SaslOptions } from './sasl/authenticate.js'
import type { SocketFactory } from './socket-factory.js'
import { UnsupportedVersionError } from './unsupported-version-error.js'

/** kafkats' own name and version, sent in ApiVersions v3+ (KIP-511). */
export const CLIENT_SOFTWARE_NAME = 'kafkats'
export const CLIENT_SOFTWARE_VERSION = '0.0.0'

const UNSUPPORTED_VERSION = 35

export interface ConnectionOptions {
  host: string
  port: number
  /** Default 'kafkats'. Java: client.id */
  clientId?: string
  /** TLS: `true` for the system CAs, or Node's `tls.connect` options (ca, cert, key, servername…). Default off. Java: security.protocol=SSL */
  tls?: boolean | tls.ConnectionOptions
  /** SASL mechanism and credentials. Default none. Java: sasl.mechanism + sasl.jaas.config */
  sasl?: SaslOptions
  /** Default 10 000. Java: socket.connection.setup.timeout.ms */
  connectTimeoutMs?: number
  /** Added to a request's own timeout (Fetch max wait, Produce timeout) to get its deadline. Default 30 000. Java: request.timeout.ms */
  requestTimeoutMs?: number
  /** Close the connection after this long with nothing in flight. 0 disables. Default 540 000. Java: connections.max.idle.ms */
  idleTimeoutMs?: number
  /** Largest response frame accepted; a larger one closes the connection before allocation. Default 100 MiB. */
  responseMaxBytes?: number
  /** Default silent. */
  logger?: Logger
  /** Aborts connecting (and the ApiVersions/SASL exchange). */
  signal?: AbortSignal
  /** The broker's node id when known (diagnostics and metrics name brokers by it). Default -1: unknown, as for a bootstrap address. */
  nodeId?: number
  /** Where the connection counts its requests (the pool passes one per broker address). Default none. */
  requestCounters?: RequestCounters
  /** Copied into every diagnostics message of this connection as `owner` (see RequestStartMessage). Default none. */
  owner?: object
  /** Opens the stream to a broker instead of TCP (see `SocketFactory`): in-process brokers, tunnels. Default none: TCP. */
  socketFactory?: SocketFactory
}

export const connectionDefaults = {
  clientId: 'kafkats',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 540_000,
  responseMaxBytes: 100 * 1024 * 1024,
} as const

export interface RequestOptions {
  /** The version to use; default: the highest both sides support. */
  version?: number
  /** The request's own server-side timeout (Fetch MaxWaitMs, Produce TimeoutMs…), added to requestTimeoutMs. */
  serverTimeoutMs?: number
  /** Expected encoded size in bytes, so a large request (Produce) is written without regrowing its buffer. */
  sizeHint?: number
  /**
   * Byte fields of at least this many bytes (a Produce request's record batches) are written to
   * the socket from the caller's arrays, each as a chunk of its own after the request's other
   * bytes (one `writev`), instead of being copied into the request buffer. The caller must leave
   * those arrays unchanged until the request settles. Default: every byte is copied.
   */
  referenceMinBytes?: number
}

/** A broker's supported range for one API, from its ApiVersions response. */
export interface VersionRange {
  minVersion: number
  maxVersion: number
}

interface InFlight {
  correlationId: number
  api: ApiDefinition<unknown, unknown>
  version: number
  headerVersion: number
  resolve: (response: unknown) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout> | undefined
  timeoutMs: number
  /** performance.now() at the write. */
  startedAt: number
  requestBytes: number
  /** The request:start message, built only when someone listens on request:start or request:end. */
  diagnostics: RequestStartMessage | null
}

/**
 * One connection to one broker. Requests are pipelined: each is written at once and its
 * response is matched to it by order and correlation id (Kafka answers in order on a
 * connection). A connection that fails, times out or sees a protocol violation fails every
 * request in flight with a typed error and closes; the pool opens a new one.
 */
export class BrokerConnection {
  readonly host: string
  readonly port: number
  /** `host:port` */
  readonly address: string
  readonly clientId: string
  /** The broker's node id (-1 until the cluster metadata names this address); the pool keeps it current. */
  nodeId: number
  private readonly options: ConnectionOptions
  private readonly counters: RequestCounters | undefined
  private readonly owner: object | null
  private readonly socket: Duplex
  private readonly frames: FrameDecoder
  private readonly logger: Logger
  private readonly requestTimeoutMs: number
  private readonly idleTimeoutMs: number
  private readonly inFlight: InFlight[] = []
  private inFlightHead = 0
  private nextCorrelationId = 0
  private closedError: Error | null = null
  private readonly closeListeners: Array<(error: Error | null) => void> = []
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private versions = new Map<number, VersionRange>()
  private finalized = new Map<string, number>()
  /** Set while re-authenticating (KIP-368): new requests wait for it. */
  private reauthentication: Promise<void> | null = null
  private reauthenticationTimer: ReturnType<typeof setTimeout> | undefined
  private drainWaiters: Array<() => void> = []

  private constructor(options: ConnectionOptions, socket: Duplex, frames: FrameDecoder) {
    this.options = options
    this.host = options.host
    this.port = options.port
    this.address = `${options.host}:${options.port}`
    this.clientId = options.clientId ?? connectionDefaults.clientId
    this.owner = options.owner ?? null
    this.nodeId = options.nodeId ?? -1
    this.counters = options.requestCounters
    this.socket = socket
    this.logger = (options.logger ?? silentLogger).child({ broker: this.address })
    this.requestTimeoutMs = options.requestTimeoutMs ?? connectionDefaults.requestTimeoutMs
    this.idleTimeoutMs = options.idleTimeoutMs ?? connectionDefaults.idleTimeoutMs
    this.frames = frames
    socket.on('error', (error) => this.fail(new ConnectionError(`socket error: ${error.message}`, this.address, { cause: error })))
    socket.on('close', () => this.fail(new ConnectionError('connection closed by the broker', this.address)))
    socket.on('drain', () => {
      const waiters = this.drainWaiters
      this.drainWaiters = []
      for (const wake of waiters) wake()
    })
    this.armIdleTimer()
  }

  /**
   * Opens a connection, negotiates API versions and authenticates. Rejects with
   * `ConnectionError` (retriable), `AuthenticationError` or `UnsupportedVersionError`.
   */
  static async connect(options: ConnectionOptions): Promise<BrokerConnection> {
    const startedAt = performance.now()
    let connection: BrokerConnection | undefined
    try {
      const frames = new FrameDecoder(options.responseMaxBytes ?? connectionDefaults.responseMaxBytes)
      let opened: BrokerConnection | undefined
      let spokeFirst = false
      // Reads land in the memory the frame decoder names (see FrameDecoder); they reach the
      // connection once it exists. A broker never speaks first: bytes before that stop reading and fail the connection.
      const onread: OnRead = {
        buffer: () => frames.readBuffer(),
        callback: (nread, buffer) => {
          if (opened === undefined) {
            spokeFirst = true
            return false
          }
          opened.onRead(nread, buffer)
          return true
        },
      }
      // A socket factory's stream (not TLS over it, which reads with `onread`) delivers chunks:
      // they are the stream's own, so whole frames in them are used as they are (FrameDecoder.push).
      const onChunk = (chunk: unknown): void => {
        if (opened === undefined) {
          spokeFirst = true
          return
        }
        opened.onChunk(chunk)
      }
      const socket = await openSocket(options, onread, onChunk)
      connection = opened = new BrokerConnection(options, socket, frames)
      if (spokeFirst) throw new ConnectionError('the broker sent bytes before any request', connection.address)
      await connection.negotiateVersions()
      if (connectChannel.hasSubscribers) {
        connectChannel.publish({
          broker: connection.endpoint(),
          clientId: connection.clientId,
          owner: connection.owner,
          tls: options.tls !== undefined && options.tls !== false,
          durationMs: performance.now() - startedAt,
        })
      }
      if (options.sasl !== undefined) await connection.authenticate(options.sasl, false)
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error))
      if (errorChannel.hasSubscribers) {
        errorChannel.publish({ broker: { nodeId: options.nodeId ?? -1, host: options.host, port: options.port }, clientId: options.clientId ?? connectionDefaults.clientId, owner: options.owner ?? null, error: failure })
      }
      connection?.close(failure)
      throw error
    }
    return connection
  }

  /** The broker as diagnostics messages name it (a new object each time: subscribers may keep it). */
  private endpoint(): BrokerEndpoint {
    return { nodeId: this.nodeId, host: this.host, port: this.port }
  }

  /** True until the connection closes. */
  get isOpen(): boolean {
    return this.closedError === null && !this.socket.destroyed
  }

  /** Number of requests written whose responses have not arrived. */
  get inFlightCount(): number {
    return this.inFlight.length - this.inFlightHead
  }

  /** Bytes handed to the socket and not yet flushed to the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength
  }

  /** Requests waiting for the socket to drain before they are written. */
  get waitingForDrain(): number {
    return this.drainWaiters.length
  }

  /** The broker's supported range for `apiKey`, or undefined if it does not support the API. */
  brokerVersions(apiKey: number): VersionRange | undefined {
    return this.versions.get(apiKey)
  }

  /** Highest version of `api` that both kafkats and the broker support. */
  /**
   * The cluster-wide finalized level of a feature (KIP-584) as this broker reported it in
   * ApiVersions, e.g. `transaction.version`; 0 when the feature is not finalized or unknown.
   */
  finalizedFeatureLevel(name: string): number {
    return this.finalized.get(name) ?? 0
  }

  versionFor(api: ApiDefinition<unknown, unknown>): number {
    const broker = this.versions.get(api.apiKey)
    if (broker === undefined) {
      throw new UnsupportedVersionError(`broker ${this.address} does not support ${api.name}`, api.name)
    }
    const version = Math.min(api.maxVersion, broker.maxVersion)
    if (version < Math.max(api.minVersion, broker.minVersion)) {
      throw new UnsupportedVersionError(
        `no common version of ${api.name}: kafkats supports ${api.minVersion}-${api.maxVersion}, broker ${this.address} supports ${broker.minVersion}-${broker.maxVersion}`,
        api.name,
      )
    }
    return version
  }

  /** Called once when the connection closes, with the error that closed it (null for `close()`). */
  onClose(listener: (error: Error | null) => void): void {
    if (this.closedError !== null) listener(this.closedError)
    else this.closeListeners.push(listener)
  }

  /** Sends a request and resolves with its decoded response. */
  async request<Request, Response>(
    api: ApiDefinition<Request, Response>,
    request: Request,
    options: RequestOptions = {},
  ): Promise<Response> {
    if (this.reauthentication !== null) await this.reauthentication
    return this.send(api, request, options, true) as Promise<Response>
  }

  /** Sends a request that gets no response (Produce with acks=0); resolves once written. */
  async requestWithoutResponse<Request>(
    api: ApiDefinition<Request, unknown>,
    request: Request,
    options: RequestOptions = {},
  ): Promise<void> {
    if (this.reauthentication !== null) await this.reauthentication
    await this.send(api, request, options, false)
  }

  /** Closes the connection; requests in flight fail with `error` (or a ConnectionError). */
  close(error?: Error): void {
    this.fail(error ?? new ConnectionError('connection closed by the client', this.address), true)
  }

  private async send<Request, Response>(
    api: ApiDefinition<Request, Response>,
    request: Request,
    options: RequestOptions,
    expectResponse: boolean,
  ): Promise<Response | undefined> {
    if (this.closedError !== null) throw this.closedError
    const version = options.version ?? this.versionFor(api as ApiDefinition<unknown, unknown>)
    const correlationId = this.nextCorrelationId
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff
    const writer = new Writer(options.sizeHint ?? 256, options.referenceMinBytes === undefined ? undefined : { referenceMinBytes: options.referenceMinBytes })
    const sizePosition = writer.reserveInt32()
    encodeRequestHeader(writer, api.requestHeaderVersion(version), {
      requestApiKey: api.apiKey,
      requestApiVersion: version,
      correlationId,
      clientId: this.clientId,
    })
    api.encodeRequest(writer, version, request)
    // The frame length counts the bytes kept by reference too: they follow on the wire.
    writer.setInt32(sizePosition, writer.length - 4)
    const frame = writer.finishChunks()
    const frameBytes = writer.length
    const diagnostics =
      requestStartChannel.hasSubscribers || requestEndChannel.hasSubscribers
        ? {
            broker: this.endpoint(),
            clientId: this.clientId,
            owner: this.owner,
            apiKey: api.apiKey,
            apiName: api.name,
            apiVersion: version,
            correlationId,
            requestBytes: frameBytes,
            expectResponse,
            queuedRequests: 0,
          }
        : null

    // Waiting writers keep their order: a later request never overtakes one waiting for drain.
    if (this.socket.writableNeedDrain || this.drainWaiters.length > 0) await new Promise<void>((wake) => this.drainWaiters.push(wake))
    if (this.closedError !== null) throw this.closedError
    this.clearIdleTimer()
    if (diagnostics !== null) diagnostics.queuedRequests = this.drainWaiters.length

    if (!expectResponse) {
      const startedAt = performance.now()
      if (diagnostics !== null && requestStartChannel.hasSubscribers) requestStartChannel.publish(diagnostics)
      try {
        await new Promise<void>((resolve, reject) => {
          this.writeFrame(frame, (error) => (error ? reject(new ConnectionError(`write failed: ${error.message}`, this.address, { cause: error })) : resolve()))
        })
      } catch (error) {
        this.ended(api as ApiDefinition<unknown, unknown>, startedAt, frameBytes, 0, diagnostics, error as Error)
        throw error
      }
      this.ended(api as ApiDefinition<unknown, unknown>, startedAt, frameBytes, 0, diagnostics, null)
      this.armIdleTimer()
      return undefined
    }

    const timeoutMs = this.requestTimeoutMs + (options.serverTimeoutMs ?? 0)
    return new Promise<Response>((resolve, reject) => {
      const entry: InFlight = {
        correlationId,
        api: api as ApiDefinition<unknown, unknown>,
        version,
        headerVersion: api.responseHeaderVersion(version),
        resolve: resolve as (response: unknown) => void,
        reject,
        timer: undefined,
        timeoutMs,
        startedAt: performance.now(),
        requestBytes: frameBytes,
        diagnostics,
      }
      entry.timer = setTimeout(() => this.onTimeout(entry), timeoutMs)
      this.inFlight.push(entry)
      if (diagnostics !== null && requestStartChannel.hasSubscribers) requestStartChannel.publish(diagnostics)
      this.writeFrame(frame)
    })
  }

  /**
   * Writes a request's chunks in order. Several chunks (record batches kept by reference) go out
   * corked, so the socket hands them to the kernel in one `writev` rather than one write each.
   * `done` hears about the last chunk, which is written only after the ones before it.
   */
  private writeFrame(chunks: Uint8Array[], done?: (error?: Error | null) => void): void {
    const socket = this.socket
    if (chunks.length === 1) {
      socket.write(chunks[0]!, done)
      return
    }
    socket.cork()
    const last = chunks.length - 1
    for (let i = 0; i < last; i++) socket.write(chunks[i]!)
    socket.write(chunks[last]!, done)
    socket.uncork()
  }

  private onRead(nread: number, buffer: Uint8Array): void {
    try {
      this.frames.read(nread, buffer, (frame) => this.onFrame(frame))
    } catch (error) {
      this.fail(KafkaError.isInstance(error) ? error : new ConnectionError(String(error), this.address, { cause: error }))
    }
  }

  /** A chunk from a socket factory's stream. */
  private onChunk(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array)) {
      this.fail(new ConnectionError(`the socket factory's stream delivered ${typeof chunk === 'string' ? 'a string' : describeUnexpected(chunk)}, not bytes (Buffer or Uint8Array chunks; no setEncoding)`, this.address, { retriable: false }))
      return
    }
    try {
      // Frames are handed on as views of the chunk: make them Buffers, as socket reads are (see FrameDecoder).
      this.frames.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), (frame) => this.onFrame(frame))
    } catch (error) {
      this.fail(KafkaError.isInstance(error) ? error : new ConnectionError(String(error), this.address, { cause: error }))
    }
  }


  private onFrame(frame: Uint8Array): void {
    const entry = this.inFlight[this.inFlightHead]
    if (entry === undefined) {
      throw new ConnectionError('received a response with no request in flight', this.address, { retriable: true })
    }
    const reader = new Reader(frame)
    const correlationId = reader.int32()
    if (correlationId !== entry.correlationId) {
      throw new ConnectionError(
        `response correlation id ${correlationId} does not match the oldest request in flight (${entry.correlationId}, ${entry.api.name})`,
        this.address,
      )
    }
    this.inFlight[this.inFlightHead] = undefined as unknown as InFlight
    this.inFlightHead++
    if (this.inFlightHead > 1024 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight.splice(0, this.inFlightHead)
      this.inFlightHead = 0
    }
    clearTimeout(entry.timer)
    if (this.inFlightCount === 0) this.armIdleTimer()
    let response: unknown
    try {
      if (entry.headerVersion >= 1) reader.skipTaggedFields()
      response = this.decodeResponse(entry, reader)
    } catch (error) {
      // The frame boundary is intact, so the connection stays usable; only this request fails.
      const failure = KafkaError.isInstance(error)
        ? error
        : new DecodeError(`cannot decode ${entry.api.name} v${entry.version} response: ${String(error)}`, reader.offset, { cause: error })
      this.ended(entry.api, entry.startedAt, entry.requestBytes, frame.length + 4, entry.diagnostics, failure)
      entry.reject(failure)
      return
    }
    this.ended(entry.api, entry.startedAt, entry.requestBytes, frame.length + 4, entry.diagnostics, null)
    entry.resolve(response)
  }

  private decodeResponse(entry: InFlight, reader: Reader): unknown {
    if (entry.api.apiKey === ApiVersionsApi.apiKey && entry.version > 0) {
      // A broker that does not know our ApiVersions version answers in v0 format (KIP-511).
      const errorCode = reader.remaining >= 2 ? (reader.buffer[reader.offset]! << 8) | reader.buffer[reader.offset + 1]! : 0
      if (errorCode === UNSUPPORTED_VERSION) return entry.api.decodeResponse(reader, 0)
    }
    return entry.api.decodeResponse(reader, entry.version)
  }

  /** A request ended: count it, and publish request:end when someone listens. */
  private ended(api: ApiDefinition<unknown, unknown>, startedAt: number, requestBytes: number, responseBytes: number, diagnostics: RequestStartMessage | null, error: Error | null): void {
    const nowMs = performance.now()
    this.counters?.record(api.apiKey, api.name, nowMs - startedAt, requestBytes, responseBytes, error !== null, nowMs)
    if (diagnostics !== null && requestEndChannel.hasSubscribers) requestEndChannel.publish({ ...diagnostics, responseBytes, durationMs: nowMs - startedAt, error })
  }

  private onTimeout(entry: InFlight): void {
    this.logger.warn({ api: entry.api.name, correlationId: entry.correlationId, timeoutMs: entry.timeoutMs }, 'request timed out; closing the connection')
    // Responses are ordered: a missing one blocks every later one, so the connection must go.
    this.fail(new RequestTimeoutError(this.address, entry.api.name, entry.timeoutMs))
  }

  private fail(error: Error, byClient = false): void {
    if (this.closedError !== null) return
    this.closedError = error
    this.clearIdleTimer()
    clearTimeout(this.reauthenticationTimer)
    if (!byClient) this.logger.debug({ error: error.message }, 'connection failed')
    this.socket.destroy()
    const pending = this.inFlight.slice(this.inFlightHead)
    this.inFlight.length = 0
    this.inFlightHead = 0
    let failedRequests = 0
    for (const entry of pending) {
      if (entry === undefined) continue
      failedRequests++
      clearTimeout(entry.timer)
      this.ended(entry.api, entry.startedAt, entry.requestBytes, 0, entry.diagnostics, error)
      entry.reject(error)
    }
    if (closeChannel.hasSubscribers) closeChannel.publish({ broker: this.endpoint(), clientId: this.clientId, owner: this.owner, inFlightRequests: failedRequests, error: byClient ? null : error })
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const wake of waiters) wake()
    for (const listener of this.closeListeners.splice(0)) listener(byClient ? null : error)
  }

  private armIdleTimer(): void {
    if (this.idleTimeoutMs <= 0 || this.closedError !== null) return
    this.clearIdleTimer()
    this.idleTimer = setTimeout(() => {
      if (this.inFlightCount === 0) this.close(new ConnectionError('closed after being idle', this.address))
    }, this.idleTimeoutMs)
    this.idleTimer.unref?.()
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  private async negotiateVersions(): Promise<void> {
    let version = ApiVersionsApi.maxVersion
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await this.send(
        ApiVersionsApi,
        ApiVersionsApi.createRequest({ clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }),
        { version },
        true,
      )
      if (response === undefined) throw new ConnectionError('no ApiVersions response', this.address)
      if (response.errorCode === UNSUPPORTED_VERSION) {
        const own = response.apiKeys.find((key) => key.apiKey === ApiVersionsApi.apiKey)
        const next = own === undefined ? 0 : Math.min(own.maxVersion, ApiVersionsApi.maxVersion)
        if (next >= version) break
        this.logger.debug({ from: version, to: next }, 'broker does not support our ApiVersions version; retrying lower')
        version = next
        continue
      }
      if (response.errorCode !== 0) throw KafkaProtocolError.fromCode(response.errorCode, { apiName: 'ApiVersions' })
      this.versions = new Map(response.apiKeys.map((key) => [key.apiKey, { minVersion: key.minVersion, maxVersion: key.maxVersion }]))
      if (response.finalizedFeaturesEpoch >= 0n) this.finalized = new Map(response.finalizedFeatures.map((feature) => [feature.name, feature.maxVersionLevel]))
      return
    }
    throw new UnsupportedVersionError(`broker ${this.address} accepts no ApiVersions version kafkats can send`, 'ApiVersions')
  }

  private async authenticate(sasl: SaslOptions, again: boolean): Promise<void> {
    const diagnostics = again ? reauthenticateChannel : authenticateChannel
    const startedAt = performance.now()
    let sessionLifetimeMs: bigint
    try {
      sessionLifetimeMs = await authenticate(sasl, {
        address: this.address,
        request: (api, request) => this.send(api, request, {}, true) as Promise<never>,
        versionFor: (api) => this.versionFor(api),
      })
    } catch (error) {
      if (diagnostics.hasSubscribers) {
        diagnostics.publish({
          broker: this.endpoint(),
          clientId: this.clientId,
          owner: this.owner,
          mechanism: saslMechanismName(sasl),
          sessionLifetimeMs: 0,
          durationMs: performance.now() - startedAt,
          error: error instanceof Error ? error : new Error(String(error)),
        })
      }
      throw error
    }
    if (diagnostics.hasSubscribers) {
      diagnostics.publish({
        broker: this.endpoint(),
        clientId: this.clientId,
        owner: this.owner,
        mechanism: saslMechanismName(sasl),
        sessionLifetimeMs: Number(sessionLifetimeMs),
        durationMs: performance.now() - startedAt,
        error: null,
      })
    }
    this.scheduleReauthentication(sasl, sessionLifetimeMs)
  }

  /**
   * KIP-368: the broker closes a connection whose SASL session expires. Re-authenticate at a
   * random point between 85% and 95% of the lifetime (as the Java client does) so that a fleet
   * of clients does not re-authenticate at once.
   */
  private scheduleReauthentication(sasl: SaslOptions, sessionLifetimeMs: bigint): void {
    if (sessionLifetimeMs <= 0n) return
    const delayMs = Number(sessionLifetimeMs) * (0.85 + Math.random() * 0.1)
    this.reauthenticationTimer = setTimeout(() => {
      this.logger.debug({ sessionLifetimeMs: Number(sessionLifetimeMs) }, 're-authenticating before the SASL session expires')
      const run = this.authenticate(sasl, true)
      this.reauthentication = run
      run.then(
        () => {
          this.reauthentication = null
        },
        (error: unknown) => {
          this.reauthentication = null
          this.fail(
            AuthenticationError.isInstance(error) ? error : new AuthenticationError(`re-authentication failed: ${String(error)}`, this.address, { cause: error }),
          )
        },
      )
    }, delayMs)
    this.reauthenticationTimer.unref?.()
  }
}

function saslMechanismName(sasl: SaslOptions): string {
  return sasl.mechanism === 'custom' ? sasl.implementation.name : sasl.mechanism
}

/**
 * Node's `onread` socket option (`net.connect` and `tls.connect`): reads, or for TLS the decrypted
 * bytes, go into the memory `buffer()` returns, then to `callback` (no `data` events).
 */
interface OnRead {
  buffer: () => Uint8Array
  callback: (nread: number, buffer: Uint8Array) => boolean
}

function openSocket(options: ConnectionOptions, onread: OnRead, onChunk: (chunk: unknown) => void): Promise<Duplex> {
  const address = `${options.host}:${options.port}`
  const timeoutMs = options.connectTimeoutMs ?? connectionDefaults.connectTimeoutMs
  let stream: Duplex | undefined
  if (options.socketFactory !== undefined) {
    try {
      stream = fromSocketFactory(options.socketFactory, options.host, options.port)
    } catch (error) {
      return Promise.reject(ConnectionError.isInstance(error) ? error : new ConnectionError(`the socket factory failed: ${error instanceof Error ? error.message : String(error)}`, address, { cause: error }))
    }
  }
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false
    const useTls = options.tls !== undefined && options.tls !== false
    const tlsOptions: tls.ConnectionOptions = {
      servername: net.isIP(options.host) === 0 ? options.host : undefined,
      ...(typeof options.tls === 'object' ? options.tls : {}),
    }
    let socket: Duplex
    let connecting: boolean
    if (stream === undefined) {
      socket = useTls
        ? // Node's tls.connect passes `onread` to the TLSSocket (decrypted bytes go into our memory); @types/node does not declare it
          tls.connect({ host: options.host, port: options.port, ...tlsOptions, ...({ onread } as object) })
        : net.connect({ host: options.host, port: options.port, onread })
      connecting = true
    } else if (useTls) {
      // Over a stream it did not open, a TLSSocket ignores `onread`: decrypted bytes come as data events.
      socket = tls.connect({ socket: stream, ...tlsOptions })
      socket.on('data', onChunk)
      connecting = true
    } else {
      socket = stream
      socket.on('data', onChunk)
      connecting = (stream as { connecting?: unknown }).connecting === true
    }
    // Ours or one the factory opened itself, a TLS socket is ready once its handshake is done.
    const ready = socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect'
    if (socket instanceof net.Socket) socket.setNoDelay(true)
    const finish = (error: Error | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.removeListener('error', onError)
      if (error === null) {
        resolve(socket)
      } else {
        socket.destroy()
        reject(error)
      }
    }
    const onError = (error: NodeJS.ErrnoException): void => {
      if (useTls && isTlsVerificationError(error)) {
        finish(new AuthenticationError(`TLS handshake failed: ${error.message}`, address, { errorName: 'SSL_AUTHENTICATION_FAILED', cause: error }))
      } else {
        finish(new ConnectionError(`cannot connect: ${error.message}`, address, { cause: error }))
      }
    }
    const onAbort = (): void => finish(new ConnectionError('connect aborted', address, { retriable: false }))
    const timer = setTimeout(() => finish(new ConnectionError(`connect timed out after ${timeoutMs} ms`, address)), timeoutMs)
    socket.once('error', onError)
    if (connecting) socket.once(ready, () => finish(null))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted === true) onAbort()
    // A factory's open stream: connected now, unless it already failed or closed.
    else if (!connecting) {
      if (socket.destroyed) finish(new ConnectionError('the socket factory returned a closed stream', address))
      else finish(null)
    }
  })
}

/** Asks the factory for a stream to `host:port`; undefined: connect over TCP. */
function fromSocketFactory(factory: SocketFactory, host: string, port: number): Duplex | undefined {
  const stream: unknown = factory({ host, port })
  if (stream === undefined) return undefined
  if (!(stream instanceof Duplex)) {
    throw new ConnectionError(`the socket factory returned ${describeUnexpected(stream)}; expected a Duplex stream (net.Socket, stream.Duplex) or undefined for TCP`, `${host}:${port}`, {
      retriable: false,
    })
  }
  return stream
}

/** What a factory returned, or a stream delivered, that was not what it should be. */
function describeUnexpected(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no constructor'})`
  if (typeof value === 'function') return 'a function'
  return `${typeof value} ${String(value)}`
}

function isTlsVerificationError(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? ''
  return (
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER'
  )
}
