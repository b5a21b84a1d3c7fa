// A minimal Kafka client for the fake cluster's own tests: real TCP (or a stream from the cluster's
// socketFactory), requests encoded and responses decoded with the generated codecs (no kafkats
// client layers, so a test sees exactly what the fake broker answers).
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Reader, Writer, decodeResponseHeader, encodeRequestHeader, type ApiDefinition } from '@kafkats/protocol'

export class RawClient {
  private readonly socket: Duplex
  private correlationId = 0
  private buffer: Buffer = Buffer.alloc(0)
  private readonly waiting = new Map<number, (frame: Buffer) => void>()

  private constructor(socket: Duplex) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
      while (this.buffer.length >= 4) {
        const size = this.buffer.readInt32BE(0)
        if (this.buffer.length < 4 + size) break
        const frame = this.buffer.subarray(4, 4 + size)
        this.buffer = this.buffer.subarray(4 + size)
        const id = frame.readInt32BE(0)
        this.waiting.get(id)?.(frame)
        this.waiting.delete(id)
      }
    })
  }

  static async connect(address: string, clientId = 'raw-test-client'): Promise<RawClient> {
    const [host, port] = address.split(':')
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: host!, port: Number(port) }, () => resolve(s))
      s.once('error', reject)
    })
    const client = new RawClient(socket)
    client.clientId = clientId
    return client
  }

  /** A client over a stream already open (FakeCluster.socketFactory). */
  static over(stream: Duplex, clientId = 'raw-test-client'): RawClient {
    const client = new RawClient(stream)
    client.clientId = clientId
    return client
  }

  clientId = 'raw-test-client'

  /** Sends a request; resolves with the decoded response (or never, if the broker does not answer). */
  /** `afterWrite`: called with the frame's memory once the stream has taken it (a test may then overwrite it). */
  send<Req, Res>(api: ApiDefinition<Req, Res>, version: number, request: Partial<Req>, afterWrite?: (frame: Uint8Array) => void): Promise<Res> {
    const correlationId = ++this.correlationId
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeRequestHeader(writer, api.requestHeaderVersion(version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId: this.clientId })
    api.encodeRequest(writer, version, api.createRequest(request))
    writer.setInt32(size, writer.offset - 4)
    const response = new Promise<Res>((resolve) => {
      this.waiting.set(correlationId, (frame) => {
        const reader = new Reader(frame)
        decodeResponseHeader(reader, api.responseHeaderVersion(version))
        resolve(api.decodeResponse(reader, version))
      })
    })
    const frame = writer.finish().slice()
    this.socket.write(frame, () => afterWrite?.(frame))
    return response
  }

  /** Sends without waiting for an answer (acks=0). */
  fire<Req, Res>(api: ApiDefinition<Req, Res>, version: number, request: Partial<Req>): void {
    void this.send(api, version, request)
  }

  get closed(): boolean {
    return this.socket.destroyed
  }

  close(): void {
    this.socket.destroy()
  }
}
