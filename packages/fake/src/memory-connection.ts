import { Duplex } from 'node:stream'

/**
 * One end of a connection held in memory: what one end writes, the other reads, as over a socket
 * but without the kernel. For clients in the same process as the brokers (`cluster.socketFactory`):
 * on loopback TCP every produced and fetched byte is copied into the kernel and out again on the
 * same thread that runs client and brokers (apps/bench/results/fake.md).
 *
 * Like a socket it copies what is written (the writer may reuse its memory once its write is
 * called back) and hands it to the reader on a later turn of the event loop, all chunks of one
 * corked write as one chunk, in order. Closing or destroying one end closes the other.
 */
class MemoryEnd extends Duplex {
  peer: MemoryEnd | null = null

  constructor() {
    // allowHalfOpen false: an end that reads the peer's end closes itself, as a net.Socket does by default.
    super({ allowHalfOpen: false })
  }

  override _read(): void {
    // Bytes arrive when the peer writes them (`deliver`); nothing to fetch.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.deliver([chunk])
    callback()
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.deliver(chunks.map((entry) => entry.chunk))
    callback()
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.peer
    setImmediate(() => {
      if (peer !== null && !peer.destroyed) peer.push(null)
    })
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer
    this.peer = null
    if (peer !== null && !peer.destroyed) setImmediate(() => peer.destroy())
    callback(error)
  }

  private deliver(chunks: readonly Buffer[]): void {
    const peer = this.peer
    if (peer === null) return
    const copy = Buffer.concat(chunks)
    setImmediate(() => {
      if (!peer.destroyed) peer.push(copy)
    })
  }
}

/** Two connected ends: the client's and the broker's. */
export function memoryConnection(): { client: Duplex; broker: Duplex } {
  const client = new MemoryEnd()
  const broker = new MemoryEnd()
  client.peer = broker
  broker.peer = client
  return { client, broker }
}
