import { DecodeError, KafkaError, MetadataApi } from '@kafkats/protocol'
import { clusterInfo, type FaultProxy, startFaultProxy } from '@kafkats/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from './connection.js'
import { ConnectionError } from './connection-error.js'
import { ConnectionPool, parseAddress } from './pool.js'
import { RequestTimeoutError } from './request-timeout-error.js'
import { ResponseTooLargeError } from './response-too-large-error.js'

const cluster = clusterInfo()
let proxy: FaultProxy
let pool: ConnectionPool

beforeAll(async () => {
  proxy = await startFaultProxy({ target: cluster.bootstrap.plaintext[0]! })
})
afterEach(() => {
  proxy.reset()
  pool?.close()
})
afterAll(async () => {
  await proxy.close()
})

const metadataRequest = MetadataApi.createRequest({ topics: [] })

function newPool(requestTimeoutMs = 2_000): ConnectionPool {
  pool = new ConnectionPool({ clientId: 'fault-test', requestTimeoutMs, connectTimeoutMs: 2_000, reconnectBackoffMs: 20 })
  return pool
}

/** The request settles (never hangs) within `ms`. */
async function settled<T>(promise: Promise<T>, ms = 10_000): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms)
  })
  try {
    return { value: await Promise.race([promise, hang]) }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('hung')) throw error
    return { error }
  } finally {
    clearTimeout(timer)
  }
}

async function expectRecovers(): Promise<void> {
  const connection = await pool.get(proxy.address, 'metadata')
  const response = await connection.request(MetadataApi, metadataRequest)
  expect(response.brokers).toHaveLength(3)
}

describe('connection faults through a TCP proxy in front of a real broker', () => {
  it('fails in-flight requests with a retriable ConnectionError when the connection drops mid-frame, then reconnects', async () => {
    const connection = await newPool().get(proxy.address, 'metadata')
    proxy.dropMidFrame()
    const outcomes = await Promise.all([1, 2, 3].map(() => settled(connection.request(MetadataApi, metadataRequest))))
    for (const outcome of outcomes) {
      expect(ConnectionError.isInstance(outcome.error)).toBe(true)
      expect((outcome.error as ConnectionError).retriable).toBe(true)
    }
    expect(connection.isOpen).toBe(false)
    await expectRecovers()
  })

  it('times out a response delayed past the request timeout, closes the connection, and reconnects', async () => {
    const connection = await newPool(500).get(proxy.address, 'metadata')
    // The response is held for 60 s; the request settles within `settled`'s 10 s only if the
    // 500 ms request timeout fired (no deadline on the clock of a loaded machine needed).
    proxy.delayResponses(60_000)
    const outcome = await settled(connection.request(MetadataApi, metadataRequest))
    expect(RequestTimeoutError.isInstance(outcome.error), String(outcome.error)).toBe(true)
    expect((outcome.error as RequestTimeoutError).retriable).toBe(true)
    expect(proxy.stats.requests).toBeGreaterThanOrEqual(1)
    expect(connection.isOpen).toBe(false)
    proxy.reset()
    await expectRecovers()
  })

  it('rejects a frame larger than responseMaxBytes before allocating it', async () => {
    const connection = await newPool().get(proxy.address, 'metadata')
    // A size prefix of 2 GiB - 1 and nothing else.
    proxy.injectResponse(new Uint8Array([0x7f, 0xff, 0xff, 0xff]), { replaceNext: true })
    const outcome = await settled(connection.request(MetadataApi, metadataRequest))
    expect(ResponseTooLargeError.isInstance(outcome.error)).toBe(true)
    expect(connection.isOpen).toBe(false)
    await expectRecovers()
  })

  it('closes on a response whose correlation id matches no request', async () => {
    const connection = await newPool().get(proxy.address, 'metadata')
    proxy.injectResponse(new Uint8Array([0, 0, 0, 8, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4]), { replaceNext: true })
    const outcome = await settled(connection.request(MetadataApi, metadataRequest))
    expect(ConnectionError.isInstance(outcome.error)).toBe(true)
    expect(String(outcome.error)).toMatch(/correlation id/)
    await expectRecovers()
  })

  it('fails only the affected request with a DecodeError when a response body is garbage', async () => {
    const connection = await newPool().get(proxy.address, 'metadata')
    // Learn the next correlation id by sending one request first.
    await connection.request(MetadataApi, metadataRequest)
    const garbageBody = [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0, 0x13, 0x37]
    const correlationId = 1 + 1 // ApiVersions used 0, the first Metadata 1
    const frame = [0, 0, 0, 4 + garbageBody.length, 0, 0, 0, correlationId, ...garbageBody]
    proxy.injectResponse(new Uint8Array(frame), { replaceNext: true })
    const outcome = await settled(connection.request(MetadataApi, metadataRequest))
    expect(DecodeError.isInstance(outcome.error)).toBe(true)
    expect(KafkaError.isInstance(outcome.error)).toBe(true)
    // The framing survived, so the connection is still usable.
    expect(connection.isOpen).toBe(true)
    expect((await connection.request(MetadataApi, metadataRequest)).brokers).toHaveLength(3)
  })

  it('gives up connecting when the broker never answers ApiVersions (blackhole), without hanging', async () => {
    proxy.blackhole()
    const outcome = await settled(
      BrokerConnection.connect({ ...parseAddress(proxy.address), requestTimeoutMs: 500, connectTimeoutMs: 500 }),
    )
    expect(RequestTimeoutError.isInstance(outcome.error)).toBe(true)
  })

  it('backs off between attempts to a broker that refuses connections', async () => {
    const closedPort = (await startFaultProxy({ target: '127.0.0.1:9' }))
    const address = closedPort.address
    await closedPort.close()
    const backoffMs = 2_000
    const refusing = new ConnectionPool({ clientId: 'fault-test', connectTimeoutMs: 2_000, reconnectBackoffMs: backoffMs, reconnectBackoffMaxMs: 10_000 })
    pool = refusing
    const first = await settled(refusing.get(address, 'metadata'))
    expect(ConnectionError.isInstance(first.error)).toBe(true)
    expect((first.error as ConnectionError).retriable).toBe(true)
    const started = Date.now()
    const second = await settled(refusing.get(address, 'metadata'))
    expect(ConnectionError.isInstance(second.error)).toBe(true)
    // The second attempt waits the backoff (2 s ± 20%) first. A lower bound only grows on a loaded
    // machine, and an attempt without backoff (a refused connect takes ~1 ms) is far below it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(backoffMs * 0.8 - 5)
  })
})
