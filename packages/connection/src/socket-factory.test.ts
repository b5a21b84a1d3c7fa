// The `socketFactory` option against the in-process fake broker (testkit): which stream a
// connection uses, and the typed error for each way a factory can go wrong. TLS over a factory's
// stream is tested against the real cluster (connection.integration.test.ts).
import * as net from 'node:net'
import { Duplex, PassThrough } from 'node:stream'
import { MetadataApi } from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionError } from './connection-error.js'
import { BrokerConnection } from './connection.js'
import { ConnectionPool } from './pool.js'
import type { SocketFactory, SocketTarget } from './socket-factory.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function broker(): Promise<FakeBroker> {
  const started = await FakeBroker.start()
  started.on(MetadataApi, () => MetadataApi.createResponse({ clusterId: 'socket-factory-test' }))
  cleanups.push(() => started.close())
  return started
}

async function connect(host: string, port: number, socketFactory: SocketFactory): Promise<BrokerConnection> {
  const connection = await BrokerConnection.connect({ host, port, socketFactory, connectTimeoutMs: 2_000 })
  cleanups.push(() => connection.close())
  return connection
}

async function connectError(host: string, port: number, socketFactory: SocketFactory): Promise<ConnectionError> {
  const error = await connect(host, port, socketFactory).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!ConnectionError.isInstance(error)) throw new Error(`expected a ConnectionError, got ${String(error)}`)
  return error
}

/** A stream.Duplex (not a net.Socket) that carries bytes to and from a TCP socket to `port`. */
function bridge(port: number): Duplex {
  const socket = net.connect({ host: '127.0.0.1', port })
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback)
    },
    destroy(error, callback) {
      socket.destroy()
      callback(error)
    },
  })
  socket.on('data', (data: Buffer) => stream.push(data))
  socket.on('close', () => stream.destroy())
  return stream
}

describe('socketFactory', () => {
  it('opens every connection through the factory, which is asked for the host and port', async () => {
    const real = await broker()
    const asked: SocketTarget[] = []
    // The address names no broker: only the factory knows where it is.
    const connection = await connect('broker-1.invalid', 9092, (target) => {
      asked.push(target)
      return net.connect({ host: real.host, port: real.port })
    })
    const metadata = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    expect(metadata.clusterId).toBe('socket-factory-test')
    expect(asked).toEqual([{ host: 'broker-1.invalid', port: 9092 }])
  })

  it('takes any Duplex stream that carries the bytes, open once returned', async () => {
    const real = await broker()
    const connection = await connect('broker-1.invalid', 9092, () => bridge(real.port))
    expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).clusterId).toBe('socket-factory-test')
    expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).clusterId).toBe('socket-factory-test')
  })

  it('connects over TCP when the factory returns undefined', async () => {
    const real = await broker()
    let calls = 0
    const connection = await connect(real.host, real.port, () => {
      calls++
      return undefined
    })
    expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).clusterId).toBe('socket-factory-test')
    expect(calls).toBe(1)
  })

  it('closes the connection when the stream closes', async () => {
    const real = await broker()
    let stream: Duplex | undefined
    const connection = await connect('broker-1.invalid', 9092, () => (stream = bridge(real.port)))
    const closed = new Promise<Error | null>((resolve) => connection.onClose(resolve))
    stream!.destroy()
    const error = await closed
    expect(ConnectionError.isInstance(error)).toBe(true)
    expect(connection.isOpen).toBe(false)
  })

  it.each<[string, SocketFactory, RegExp, boolean]>([
    [
      'throws',
      () => {
        throw new Error('no route to the tunnel')
      },
      /the socket factory failed: no route to the tunnel/,
      true,
    ],
    ['returns something that is not a stream', (() => ({ write: () => true })) as unknown as SocketFactory, /returned an object \(Object\); expected a Duplex stream/, false],
    ['returns a string', (() => '127.0.0.1:9092') as unknown as SocketFactory, /returned string 127\.0\.0\.1:9092; expected a Duplex stream/, false],
    [
      'returns a closed stream',
      () => {
        const stream = new PassThrough()
        stream.destroy()
        return stream
      },
      /returned a closed stream/,
      true,
    ],
  ])('fails with a ConnectionError when the factory %s', async (_case, factory, message, retriable) => {
    const error = await connectError('broker-1.invalid', 9092, factory)
    expect(error.message).toMatch(message)
    expect(error.retriable).toBe(retriable)
    expect(error.broker).toBe('broker-1.invalid:9092')
  })

  it('fails with a ConnectionError when the stream delivers text instead of bytes', async () => {
    const real = await broker()
    const error = await connectError('broker-1.invalid', 9092, () => {
      const socket = net.connect({ host: real.host, port: real.port })
      socket.setEncoding('latin1')
      return socket
    })
    expect(error.message).toMatch(/delivered a string, not bytes/)
    expect(error.retriable).toBe(false)
  })

  it('is a pool option: every connection of the pool goes through it', async () => {
    const real = await broker()
    const asked: string[] = []
    const pool = new ConnectionPool({
      socketFactory: ({ host, port }) => {
        asked.push(`${host}:${port}`)
        return net.connect({ host: real.host, port: real.port })
      },
    })
    cleanups.push(() => pool.close())
    const fetch = await pool.get('broker-1.invalid:9092', 'fetch')
    await pool.get('broker-2.invalid:9092', 'admin')
    expect((await fetch.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).clusterId).toBe('socket-factory-test')
    expect(asked).toEqual(['broker-1.invalid:9092', 'broker-2.invalid:9092'])
  })
})
