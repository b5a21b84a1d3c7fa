import { readFileSync } from 'node:fs'
import * as net from 'node:net'
import * as tls from 'node:tls'
import { ApiVersionsApi, MetadataApi, ZERO_UUID } from '@kafkats/protocol'
import { clusterInfo } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { AuthenticationError } from './authentication-error.js'
import { BrokerConnection } from './connection.js'
import { parseAddress } from './pool.js'

const cluster = clusterInfo()
const open: BrokerConnection[] = []
afterAll(() => {
  for (const connection of open) connection.close()
})

async function connect(address: string, extra: Partial<Parameters<typeof BrokerConnection.connect>[0]> = {}): Promise<BrokerConnection> {
  const connection = await BrokerConnection.connect({ ...parseAddress(address), clientId: 'connection-test', ...extra })
  open.push(connection)
  return connection
}

describe('BrokerConnection against the real cluster', () => {
  it('negotiates ApiVersions with each of the 3 nodes', async () => {
    expect(cluster.bootstrap.plaintext).toHaveLength(3)
    for (const address of cluster.bootstrap.plaintext) {
      const connection = await connect(address)
      // Kafka 4.x: Produce starts at v3, Fetch at v4 (KIP-896); 3.9 still has v0.
      const fetch = connection.brokerVersions(1)
      expect(fetch).toBeDefined()
      expect(fetch!.maxVersion).toBeGreaterThanOrEqual(12)
      expect(connection.versionFor(ApiVersionsApi)).toBeGreaterThanOrEqual(3)
      const versions = await connection.request(ApiVersionsApi, ApiVersionsApi.createRequest({ clientSoftwareName: 'kafkats', clientSoftwareVersion: '0.0.0' }))
      expect(versions.errorCode).toBe(0)
      expect(versions.apiKeys.find((key) => key.apiKey === MetadataApi.apiKey)?.maxVersion).toBeGreaterThanOrEqual(12)
    }
  })

  it('lists the 3 brokers with their racks in Metadata', async () => {
    const connection = await connect(cluster.bootstrap.plaintext[0]!)
    const metadata = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
    const brokers = metadata.brokers.map((broker) => ({ nodeId: broker.nodeId, rack: broker.rack })).sort((a, b) => a.nodeId - b.nodeId)
    expect(brokers).toEqual([
      { nodeId: 1, rack: 'rack-1' },
      { nodeId: 2, rack: 'rack-2' },
      { nodeId: 3, rack: 'rack-3' },
    ])
    expect(metadata.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('completes 1,000 pipelined Metadata requests on one connection, in order', async () => {
    const connection = await connect(cluster.bootstrap.plaintext[1]!)
    const order: number[] = []
    const requests = Array.from({ length: 1000 }, (_, index) =>
      connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] })).then((response) => {
        order.push(index)
        return response
      }),
    )
    expect(connection.inFlightCount).toBeGreaterThan(1)
    const responses = await Promise.all(requests)
    expect(responses).toHaveLength(1000)
    expect(responses.every((response) => response.brokers.length === 3)).toBe(true)
    expect(order).toEqual(Array.from({ length: 1000 }, (_, index) => index))
  })

  describe('SASL', () => {
    const users = cluster.saslUsers
    it.each([
      ['PLAIN', users.plain[0]!],
      ['SCRAM-SHA-256', users.scram256[0]!],
      ['SCRAM-SHA-512', users.scram512[0]!],
    ] as const)('authenticates with %s', async (mechanism, user) => {
      const connection = await connect(cluster.bootstrap.saslPlaintext[0]!, {
        sasl: { mechanism, username: user.username, password: user.password },
      })
      const metadata = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
      expect(metadata.brokers).toHaveLength(3)
    })

    it.each([
      ['PLAIN', users.plain[0]!],
      ['SCRAM-SHA-256', users.scram256[0]!],
      ['SCRAM-SHA-512', users.scram512[0]!],
    ] as const)('rejects a wrong %s password with a typed error', async (mechanism, user) => {
      // The user exists for this mechanism (the test above logs in with it): only the password is wrong.
      const error = await connect(cluster.bootstrap.saslPlaintext[0]!, {
        sasl: { mechanism, username: user.username, password: `${user.password}-wrong` },
      }).catch((caught: unknown) => caught)
      expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
      expect((error as AuthenticationError).errorName).toBe('SASL_AUTHENTICATION_FAILED')
      expect((error as AuthenticationError).retriable).toBe(false)
    })

    it('names the enabled mechanisms when ours is not enabled', async () => {
      const error = await connect(cluster.bootstrap.saslPlaintext[0]!, {
        sasl: { mechanism: 'OAUTHBEARER', token: () => ({ value: 'x' }) },
      }).catch((caught: unknown) => caught)
      expect(AuthenticationError.isInstance(error)).toBe(true)
      expect((error as AuthenticationError).errorName).toBe('UNSUPPORTED_SASL_MECHANISM')
      expect((error as Error).message).toMatch(/SCRAM-SHA-512/)
    })
  })

  it('reads responses much larger than one socket read whole (the kernel writes them into their frame)', async () => {
    await readsLargeResponsesWhole(cluster.bootstrap.plaintext[0]!, {})
  })

  it("reads large responses whole from a socket factory's stream (its data events, not onread)", async () => {
    const target = parseAddress(cluster.bootstrap.plaintext[0]!)
    // The address is made up: only the factory knows where the broker is.
    await readsLargeResponsesWhole('broker-1.invalid:9092', { socketFactory: () => net.connect(target) })
  })

  describe('TLS', () => {
    it('reads responses much larger than one socket read whole (TLS decrypts them into their frame)', async () => {
      await readsLargeResponsesWhole(cluster.bootstrap.ssl[0]!, { tls: { ca: readFileSync(cluster.caPath) } })
    })

    it("runs TLS over a socket factory's stream", async () => {
      const target = parseAddress(cluster.bootstrap.ssl[0]!)
      const ca = readFileSync(cluster.caPath)
      await readsLargeResponsesWhole('broker-1.invalid:9093', { tls: { ca, servername: 'localhost' }, socketFactory: () => net.connect(target) })
      // and verifies the certificate over it as over TCP
      const error = await connect('broker-1.invalid:9093', { tls: { ca: [] as Buffer[], servername: 'localhost' }, socketFactory: () => net.connect(target) }).catch((caught: unknown) => caught)
      expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
    })

    it('waits for the handshake of a TLS socket the factory opened itself (as KafkaJS socket factories do)', async () => {
      const target = parseAddress(cluster.bootstrap.ssl[0]!)
      const ca = readFileSync(cluster.caPath)
      let socket: tls.TLSSocket | undefined
      const connection = await connect('broker-1.invalid:9093', { socketFactory: () => (socket = tls.connect({ ...target, ca, servername: 'localhost' })) })
      expect(socket!.authorized).toBe(true)
      expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).brokers).toHaveLength(3)
    })

    it('connects with the test CA', async () => {
      const connection = await connect(cluster.bootstrap.ssl[0]!, { tls: { ca: readFileSync(cluster.caPath) } })
      const metadata = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
      expect(metadata.brokers).toHaveLength(3)
    })

    it('fails with a typed error when the certificate does not chain to the trusted CA', async () => {
      const error = await connect(cluster.bootstrap.ssl[0]!, { tls: { ca: [] as Buffer[] } }).catch((caught: unknown) => caught)
      expect(AuthenticationError.isInstance(error)).toBe(true)
      expect((error as AuthenticationError).errorName).toBe('SSL_AUTHENTICATION_FAILED')
    })

    it('fails with a typed error when the certificate names another host (hostname verification)', async () => {
      // The broker certificate is for DNS:localhost and IP:127.0.0.1, signed by the trusted CA.
      const ca = readFileSync(cluster.caPath)
      const error = await connect(cluster.bootstrap.ssl[0]!, { tls: { ca, servername: 'broker.example.invalid' } }).catch((caught: unknown) => caught)
      expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
      expect((error as AuthenticationError).errorName).toBe('SSL_AUTHENTICATION_FAILED')
      expect(String(error)).toMatch(/broker\.example\.invalid|altnames|Hostname/i)
      // Control: the same CA with a name the certificate has connects.
      const connection = await connect(cluster.bootstrap.ssl[0]!, { tls: { ca, servername: 'localhost' } })
      expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).brokers).toHaveLength(3)
    })

    it('combines TLS and SASL (SASL_SSL)', async () => {
      const user = cluster.saslUsers.scram512[0]!
      const connection = await connect(cluster.bootstrap.saslSsl[0]!, {
        tls: { ca: readFileSync(cluster.caPath) },
        sasl: { mechanism: 'SCRAM-SHA-512', username: user.username, password: user.password },
      })
      expect((await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))).brokers).toHaveLength(3)
    })
  })
})

/**
 * ~5,000 unknown topics: a Metadata answer of several hundred KiB, spread over many reads, two in
 * flight (the second answer's first bytes may arrive in the same read as the first's last).
 */
async function readsLargeResponsesWhole(address: string, extra: Parameters<typeof connect>[1]): Promise<void> {
  const names = Array.from({ length: 5_000 }, (_, i) => `no-such-topic-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`)
  // the names alone are over 4 × the 64 KiB a read brings between frames
  expect(names.join('').length).toBeGreaterThan(4 * 65536)
  const request = MetadataApi.createRequest({ topics: names.map((name) => ({ topicId: ZERO_UUID, name })), allowAutoTopicCreation: false })
  const connection = await connect(address, extra)
  const [first, second] = await Promise.all([connection.request(MetadataApi, request), connection.request(MetadataApi, request)])
  for (const metadata of [first, second]) {
    expect(metadata.topics.map((topic) => topic.name).sort()).toEqual(names) // the broker answers in its own order
    expect(metadata.topics.every((topic) => topic.errorCode === 3)).toBe(true)
  }
}
