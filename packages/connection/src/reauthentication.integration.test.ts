import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { MetadataApi } from '@kafkats/protocol'
import { clusterInfo, recordingLogger } from '@kafkats/testkit'
import { expect, it } from 'vitest'
import { BrokerConnection } from './connection.js'
import type { ConnectionAuthenticateMessage } from './diagnostics.js'
import { parseAddress } from './pool.js'

const cluster = clusterInfo()

// The test cluster sets connections.max.reauth.ms on SASL_PLAINTEXT: a connection that does not
// re-authenticate (KIP-368) is closed by the broker once its session expires.
it('re-authenticates before the broker-granted SASL session expires and keeps the connection', async () => {
  const reauthMs = cluster.reauthMs.saslPlaintext ?? 0
  expect(reauthMs).toBeGreaterThan(0)
  const { logger, lines } = recordingLogger()
  const reauthentications: ConnectionAuthenticateMessage[] = []
  const onReauthenticate = (message: unknown): void => void reauthentications.push(message as ConnectionAuthenticateMessage)
  subscribe('kafkats:connection:reauthenticate', onReauthenticate)
  const user = cluster.saslUsers.scram256[0]!
  const connection = await BrokerConnection.connect({
    ...parseAddress(cluster.bootstrap.saslPlaintext[1]!),
    sasl: { mechanism: 'SCRAM-SHA-256', username: user.username, password: user.password },
    logger,
  })
  try {
    const until = Date.now() + reauthMs * 1.3
    let requests = 0
    while (Date.now() < until) {
      const response = await connection.request(MetadataApi, MetadataApi.createRequest({ topics: [] }))
      expect(response.brokers).toHaveLength(3)
      requests++
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(requests).toBeGreaterThan(10)
    expect(lines.map((line) => line.message)).toContain('re-authenticating before the SASL session expires')
    expect(connection.isOpen).toBe(true)
    expect(reauthentications.length).toBeGreaterThanOrEqual(1)
    expect(reauthentications[0]).toMatchObject({ mechanism: 'SCRAM-SHA-256', error: null, broker: { nodeId: -1, ...parseAddress(cluster.bootstrap.saslPlaintext[1]!) } })
    expect(reauthentications[0]!.sessionLifetimeMs).toBeGreaterThan(0)
  } finally {
    unsubscribe('kafkats:connection:reauthenticate', onReauthenticate)
    connection.close()
  }
}, 60_000)
