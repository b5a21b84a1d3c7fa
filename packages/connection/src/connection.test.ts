// Behaviour that needs a broker which misbehaves on purpose (stops reading, never answers) uses
// the in-process fake broker; everything else is tested against the real cluster.
import { ApiVersionsApi, MetadataApi, ProduceApi } from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConnection } from './connection.js'
import { ConnectionPool } from './pool.js'
import { UnsupportedVersionError } from './unsupported-version-error.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function start(): Promise<{ broker: FakeBroker; connection: BrokerConnection }> {
  const broker = await FakeBroker.start()
  cleanups.push(() => broker.close())
  const connection = await BrokerConnection.connect({ host: broker.host, port: broker.port, requestTimeoutMs: 60_000 })
  cleanups.push(() => connection.close())
  return { broker, connection }
}

describe('BrokerConnection', () => {
  it('waits for the socket to drain instead of queueing without bound when the broker stops reading', async () => {
    const { broker, connection } = await start()
    broker.on(MetadataApi, () => MetadataApi.createResponse())
    broker.pauseReading()
    const records = new Uint8Array(1024 * 1024)
    const request = ProduceApi.createRequest({
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'big', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records }] }],
    })
    const sends = Array.from({ length: 64 }, () => connection.request(ProduceApi, request).catch(() => undefined))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // 64 MiB were asked for; only a few frames may sit in the socket, the rest wait their turn.
    expect(connection.waitingForDrain).toBeGreaterThan(40)
    expect(connection.bufferedBytes).toBeLessThan(8 * 1024 * 1024)
    connection.close()
    await Promise.all(sends)
  })

  it('names the API when the broker supports no common version', async () => {
    const broker = await FakeBroker.start()
    cleanups.push(() => broker.close())
    broker.on(ApiVersionsApi, () =>
      ApiVersionsApi.createResponse({ apiKeys: [{ apiKey: ApiVersionsApi.apiKey, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 50, maxVersion: 60 }] }),
    )
    const connection = await BrokerConnection.connect({ host: broker.host, port: broker.port })
    cleanups.push(() => connection.close())
    expect(() => connection.versionFor(MetadataApi)).toThrow(UnsupportedVersionError)
    expect(() => connection.versionFor(MetadataApi)).toThrow(/no common version of Metadata/)
    expect(() => connection.versionFor(ProduceApi)).toThrow(/does not support Produce/)
  })

  it('retries ApiVersions at the version the broker names when it answers UNSUPPORTED_VERSION', async () => {
    const broker = await FakeBroker.start()
    cleanups.push(() => broker.close())
    broker.on(ApiVersionsApi, (_request, context) =>
      context.version > 2
        ? { action: 'raw', bytes: unsupportedVersionAnswer(context.correlationId) }
        : ApiVersionsApi.createResponse({ apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }] }),
    )
    const connection = await BrokerConnection.connect({ host: broker.host, port: broker.port })
    cleanups.push(() => connection.close())
    expect(broker.received.map((request) => request.version)).toEqual([ApiVersionsApi.maxVersion, 2])
    expect(connection.versionFor(MetadataApi)).toBe(12)
  })

  it('keeps one connection per broker and purpose', async () => {
    const broker = await FakeBroker.start()
    cleanups.push(() => broker.close())
    const pool = new ConnectionPool()
    cleanups.push(() => pool.close())
    const fetch = await pool.get(broker.address, 'fetch')
    const group = await pool.get(broker.address, 'group')
    expect(fetch).not.toBe(group)
    expect(await pool.get(broker.address, 'fetch')).toBe(fetch)
    const [a, b] = await Promise.all([pool.get(broker.address, 'admin'), pool.get(broker.address, 'admin')])
    expect(a).toBe(b)
    pool.invalidate(broker.address, 'fetch')
    expect(fetch.isOpen).toBe(false)
    expect(group.isOpen).toBe(true)
  })
})

/** An ApiVersions v0-format answer with UNSUPPORTED_VERSION and the broker's range 0-2 (KIP-511). */
function unsupportedVersionAnswer(correlationId: number): Uint8Array {
  const body = [0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2]
  const size = 4 + body.length
  return new Uint8Array([0, 0, 0, size, correlationId >>> 24, (correlationId >>> 16) & 0xff, (correlationId >>> 8) & 0xff, correlationId & 0xff, ...body])
}
