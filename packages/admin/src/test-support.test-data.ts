// Helpers of the admin integration tests only (real cluster); the ones every package's tests
// share are in @kafkats/testkit.
import { BrokerConnection, ConnectionPool, type SaslOptions } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo, produceRecords } from '@kafkats/testkit'
import { Admin, type AdminOptions } from './admin.js'

export const cluster = clusterInfo()

export interface TestClient {
  admin: Admin
  pool: ConnectionPool
  metadata: ClusterMetadata
  close(): void
}

/** An Admin over its own pool and metadata (PLAINTEXT = super user ANONYMOUS, unless `sasl`). */
export function testClient(options: { sasl?: SaslOptions; bootstrap?: string[]; admin?: Partial<AdminOptions> } = {}): TestClient {
  const pool = new ConnectionPool({ clientId: 'admin-test', requestTimeoutMs: 20_000, ...(options.sasl !== undefined ? { sasl: options.sasl } : {}) })
  const metadata = new ClusterMetadata({
    bootstrapBrokers: options.bootstrap ?? (options.sasl !== undefined ? cluster.bootstrap.saslPlaintext : cluster.bootstrap.plaintext),
    pool,
    refreshMinIntervalMs: 50,
  })
  const admin = new Admin({ metadata, pool, ...options.admin })
  return {
    admin,
    pool,
    metadata,
    close: () => {
      metadata.close()
      pool.close()
    },
  }
}

let counter = 0
/** A name no other test (or earlier run) uses. */
export function unique(prefix: string): string {
  return `admin-${prefix}-${Date.now()}-${counter++}`
}

export interface ProduceOptions {
  /** Idempotent produce: producer id, epoch and the first sequence. */
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  timestamps?: readonly bigint[]
  /** Send the Produce request with this client's pool (e.g. a SASL user), looking the partition up with `client`. */
  via?: TestClient
}

/** Produces `count` records (`key-<i>`/`value-<i>`) to one partition with a raw Produce request (acks=all) to its leader; returns the base offset. */
export function produce(client: TestClient, topic: string, partition: number, count: number, options: ProduceOptions = {}): Promise<bigint> {
  const now = Date.now()
  const records = Array.from({ length: count }, (_, i) => ({
    key: new TextEncoder().encode(`key-${i}`),
    value: new TextEncoder().encode(`value-${i}`),
    timestamp: options.timestamps?.[i] ?? BigInt(now + i),
  }))
  return produceRecords(client.metadata, (options.via ?? client).pool, topic, partition, records, {
    ...(options.producerId !== undefined ? { producerId: options.producerId } : {}),
    ...(options.producerEpoch !== undefined ? { producerEpoch: options.producerEpoch } : {}),
    ...(options.baseSequence !== undefined ? { baseSequence: options.baseSequence } : {}),
    // Through `via`'s pool the leader is reached on its SASL listener.
    ...(options.via !== undefined ? { leaderAddress: (leader: { nodeId: number }) => cluster.bootstrap.saslPlaintext[cluster.nodes.findIndex((node) => node.id === leader.nodeId)]! } : {}),
  })
}

/** A one-off connection to broker 1's SASL_PLAINTEXT listener. */
export function saslConnect(sasl: SaslOptions): Promise<BrokerConnection> {
  return BrokerConnection.connect({ host: '127.0.0.1', port: cluster.nodes[0]!.ports.saslPlaintext, sasl, connectTimeoutMs: 5_000 })
}
