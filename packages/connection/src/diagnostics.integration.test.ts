import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { MetadataApi } from '@kafkats/protocol'
import { clusterInfo, startFaultProxy } from '@kafkats/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthenticationError } from './authentication-error.js'
import { ConnectionError } from './connection-error.js'
import {
  type ConnectionAuthenticateMessage,
  type ConnectionChannelMessages,
  type ConnectionCloseMessage,
  type ConnectionConnectMessage,
  type ConnectionErrorMessage,
  type RequestEndMessage,
  type RequestStartMessage,
} from './diagnostics.js'
import { ConnectionPool, parseAddress } from './pool.js'
import { RequestTimeoutError } from './request-timeout-error.js'

const cluster = clusterInfo()
const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Collects the messages of one channel that belong to `clientId` (other tests' clients are ignored). */
function record<N extends keyof ConnectionChannelMessages>(name: N, clientId: string): Array<ConnectionChannelMessages[N]> {
  const seen: Array<ConnectionChannelMessages[N]> = []
  const listener = (message: unknown): void => {
    const typed = message as ConnectionChannelMessages[N]
    if (typed.clientId === clientId) seen.push(typed)
  }
  subscribe(name, listener)
  cleanups.push(() => void unsubscribe(name, listener))
  return seen
}

function newPool(clientId: string, extra: ConstructorParameters<typeof ConnectionPool>[0] = {}): ConnectionPool {
  const pool = new ConnectionPool({ clientId, reconnectBackoffMs: 10, ...extra })
  cleanups.push(() => pool.close())
  return pool
}

describe('diagnostics channels against the real cluster', () => {
  it('publishes connect, request start/end with the broker, sizes and duration, and close', async () => {
    const clientId = 'diag-request'
    const connects: ConnectionConnectMessage[] = record('kafkats:connection:connect', clientId)
    const starts: RequestStartMessage[] = record('kafkats:request:start', clientId)
    const ends: RequestEndMessage[] = record('kafkats:request:end', clientId)
    const closes: ConnectionCloseMessage[] = record('kafkats:connection:close', clientId)
    const address = cluster.bootstrap.plaintext[1]!
    const { host, port } = parseAddress(address)
    const owner = { client: 'diag-request' }
    const pool = newPool(clientId, { owner })
    const connection = await pool.get(address, 'metadata')
    // ApiVersions went out before the pool knew which broker this is.
    expect(connects).toEqual([{ broker: { nodeId: -1, host, port }, clientId, owner, tls: false, durationMs: expect.any(Number) }])
    expect(ends.map((end) => end.apiName)).toEqual(['ApiVersions'])
    expect(ends[0]!.broker.nodeId).toBe(-1)
    const response = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    const nodeId = response.brokers.find((broker) => `${broker.host}:${broker.port}` === address)!.nodeId
    pool.nameBroker(address, nodeId)
    await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))

    expect(starts.map((start) => start.apiName)).toEqual(['ApiVersions', 'Metadata', 'Metadata'])
    expect(ends.map((end) => end.apiName)).toEqual(['ApiVersions', 'Metadata', 'Metadata'])
    const [, unnamed, named] = ends
    expect(unnamed!.broker).toEqual({ nodeId: -1, host, port })
    expect(named!.broker).toEqual({ nodeId, host, port })
    expect(named).toMatchObject({ clientId, apiKey: MetadataApi.apiKey, apiName: 'Metadata', expectResponse: true, error: null })
    expect(named!.apiVersion).toBe(connection.versionFor(MetadataApi))
    expect(named!.correlationId).toBe(starts[2]!.correlationId)
    expect(named!.correlationId).toBe(unnamed!.correlationId + 1)
    // A Metadata request with no topics is a header plus a few bytes; the answer lists 3 brokers.
    expect(named!.requestBytes).toBeGreaterThan(10)
    expect(named!.requestBytes).toBeLessThan(200)
    expect(named!.responseBytes).toBeGreaterThan(named!.requestBytes)
    expect(named!.durationMs).toBeGreaterThan(0)
    expect(named!.durationMs).toBeLessThan(30_000)
    expect(starts[2]).toEqual({
      broker: { nodeId, host, port },
      clientId,
      apiKey: named!.apiKey,
      apiName: 'Metadata',
      apiVersion: named!.apiVersion,
      correlationId: named!.correlationId,
      requestBytes: named!.requestBytes,
      expectResponse: true,
      owner,
      // Nothing else was waiting for the socket.
      queuedRequests: 0,
    })
    // The very object the pool was given: a subscriber compares identities.
    expect(ends.every((end) => end.owner === owner)).toBe(true)

    connection.close()
    expect(closes).toEqual([{ broker: { nodeId, host, port }, clientId, owner, inFlightRequests: 0, error: null }])
  })

  it('tells two pools with the same clientId apart by owner, forks included', async () => {
    const clientId = 'diag-shared-client-id'
    const ends = record('kafkats:request:end', clientId)
    const first = { client: 'first' }
    const second = { client: 'second' }
    const address = cluster.bootstrap.plaintext[0]!
    const firstPool = newPool(clientId, { owner: first })
    const secondPool = newPool(clientId, { owner: second })
    const fork = firstPool.fork()
    cleanups.push(() => fork.close())
    await (await firstPool.get(address, 'metadata')).request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    await (await secondPool.get(address, 'metadata')).request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    await (await fork.get(address, 'group')).request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    const byOwner = (owner: object): string[] => ends.filter((end) => end.owner === owner).map((end) => end.apiName)
    // Each connection: ApiVersions, then the Metadata request; the fork's connection is the first pool's.
    expect(byOwner(first)).toEqual(['ApiVersions', 'Metadata', 'ApiVersions', 'Metadata'])
    expect(byOwner(second)).toEqual(['ApiVersions', 'Metadata'])
    expect(ends).toHaveLength(6)
    // A pool made without an owner says so.
    const anonymous = newPool(clientId)
    await anonymous.get(address, 'metadata')
    expect(ends.slice(6).map((end) => end.owner)).toEqual([null])
  })

  it('ends requests that fail with their error: closed under them, and timed out', async () => {
    const clientId = 'diag-errors'
    const ends = record('kafkats:request:end', clientId)
    const closes = record('kafkats:connection:close', clientId)
    const proxy = await startFaultProxy({ target: cluster.bootstrap.plaintext[0]! })
    cleanups.push(() => proxy.close())
    const pool = newPool(clientId, { requestTimeoutMs: 500 })
    const connection = await pool.get(proxy.address, 'metadata')

    const closedUnder = connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    connection.close()
    await expect(closedUnder).rejects.toBeInstanceOf(ConnectionError)
    const closed = ends.at(-1)!
    expect(closed).toMatchObject({ apiName: 'Metadata', responseBytes: 0 })
    expect(closed.error).toBeInstanceOf(ConnectionError)
    expect(closes.at(-1)).toMatchObject({ inFlightRequests: 1, error: null })

    const again = await pool.get(proxy.address, 'metadata')
    proxy.blackhole('responses')
    await expect(again.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).rejects.toBeInstanceOf(RequestTimeoutError)
    const timedOut = ends.at(-1)!
    expect(timedOut.apiName).toBe('Metadata')
    expect(timedOut.error).toBeInstanceOf(RequestTimeoutError)
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(450)
    // The timeout closes the connection: its close names the error and the request it failed.
    expect(closes.at(-1)!.error).toBe(timedOut.error)
    expect(closes.at(-1)!.inFlightRequests).toBe(1)
  })

  it('publishes connection errors for an address nobody listens on', async () => {
    const clientId = 'diag-refused'
    const errors: ConnectionErrorMessage[] = record('kafkats:connection:error', clientId)
    const pool = newPool(clientId)
    await expect(pool.get('127.0.0.1:1', 'metadata')).rejects.toBeInstanceOf(ConnectionError)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.broker).toEqual({ nodeId: -1, host: '127.0.0.1', port: 1 })
    expect(errors[0]!.error).toBeInstanceOf(ConnectionError)
  })

  it('publishes SASL authentication, successful and refused', async () => {
    const clientId = 'diag-sasl'
    const authentications: ConnectionAuthenticateMessage[] = record('kafkats:connection:authenticate', clientId)
    const errors = record('kafkats:connection:error', clientId)
    const user = cluster.saslUsers.scram512[0]!
    const address = cluster.bootstrap.saslPlaintext[2]!
    const good = newPool(clientId, { sasl: { mechanism: 'SCRAM-SHA-512', username: user.username, password: user.password } })
    await good.get(address, 'metadata')
    expect(authentications).toHaveLength(1)
    expect(authentications[0]).toMatchObject({ mechanism: 'SCRAM-SHA-512', error: null, broker: parseAddress(address) })
    // The test cluster sets connections.max.reauth.ms on this listener: the session has a lifetime.
    expect(authentications[0]!.sessionLifetimeMs).toBeGreaterThan(0)
    expect(authentications[0]!.sessionLifetimeMs).toBeLessThanOrEqual(cluster.reauthMs.saslPlaintext!)

    const bad = newPool(clientId, { sasl: { mechanism: 'SCRAM-SHA-512', username: user.username, password: `${user.password}-wrong` } })
    await expect(bad.get(address, 'metadata')).rejects.toBeInstanceOf(AuthenticationError)
    expect(authentications).toHaveLength(2)
    expect(authentications[1]!.error).toBeInstanceOf(AuthenticationError)
    expect(authentications[1]!.sessionLifetimeMs).toBe(0)
    expect(errors.at(-1)!.error).toBe(authentications[1]!.error)
  })

})
