// Shared helpers of the admin integration tests (real cluster).
import { BrokerConnection, ConnectionPool, type SaslOptions } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { FindCoordinatorApi, InitProducerIdApi, KafkaProtocolError, ProduceApi, encodeRecordBatch } from '@kafkats/protocol'
import { clusterInfo } from '@kafkats/testkit'
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

/** Polls `check` until it stops throwing (assertions included) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() >= deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  }
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

/** Produces `count` records to one partition with a raw Produce request (acks=all) to its leader; returns the base offset. */
export async function produce(client: TestClient, topic: string, partition: number, count: number, options: ProduceOptions = {}): Promise<bigint> {
  const [description] = await client.admin.describeTopics([topic])
  const info = description!.partitions[partition]!
  const leader = (await client.metadata.refresh()).brokers.get(info.leader)!
  const address = options.via === undefined ? leader.address : cluster.bootstrap.saslPlaintext[cluster.nodes.findIndex((node) => node.id === info.leader)]!
  const connection = await (options.via ?? client).pool.get(address, 'produce')
  const now = Date.now()
  const records = await encodeRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: new TextEncoder().encode(`key-${i}`),
      value: new TextEncoder().encode(`value-${i}`),
      timestamp: options.timestamps?.[i] ?? BigInt(now + i),
    })),
    {
      ...(options.producerId !== undefined ? { producerId: options.producerId } : {}),
      ...(options.producerEpoch !== undefined ? { producerEpoch: options.producerEpoch } : {}),
      ...(options.baseSequence !== undefined ? { baseSequence: options.baseSequence } : {}),
    },
  )
  const response = await connection.request(
    ProduceApi,
    ProduceApi.createRequest({
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, topicId: description!.topicId, partitionData: [{ index: partition, records }] }],
    }),
  )
  const answer = response.responses[0]!.partitionResponses[0]!
  if (answer.errorCode !== 0) throw KafkaProtocolError.fromCode(answer.errorCode, { apiName: 'Produce', topic, partition, errorMessage: answer.errorMessage })
  return answer.baseOffset
}

/** An idempotent producer id (InitProducerId without a transactional id). */
export async function initProducerId(client: TestClient): Promise<{ producerId: bigint; producerEpoch: number }> {
  const broker = [...(await client.metadata.refresh()).brokers.values()][0]!
  const connection = await client.pool.get(broker.address, 'produce')
  // On a fresh cluster the producer-id machinery may still be loading (COORDINATOR_LOAD_IN_PROGRESS): retry retriable errors.
  for (let attempt = 0; ; attempt++) {
    const response = await connection.request(InitProducerIdApi, InitProducerIdApi.createRequest({ transactionalId: null, transactionTimeoutMs: 60_000 }))
    if (response.errorCode === 0) return { producerId: response.producerId, producerEpoch: response.producerEpoch }
    const error = KafkaProtocolError.fromCode(response.errorCode, { apiName: 'InitProducerId' })
    if (!error.retriable || attempt >= 50) throw error
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** A one-off connection to broker 1's SASL_PLAINTEXT listener. */
export function saslConnect(sasl: SaslOptions): Promise<BrokerConnection> {
  return BrokerConnection.connect({ host: '127.0.0.1', port: cluster.nodes[0]!.ports.saslPlaintext, sasl, connectTimeoutMs: 5_000 })
}

/** A connection to the coordinator of `group` (for raw group requests). */
export async function groupCoordinator(client: TestClient, group: string): Promise<BrokerConnection> {
  const broker = [...(await client.metadata.refresh()).brokers.values()][0]!
  const any = await client.pool.get(broker.address, 'group')
  const response = await any.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ keyType: 0, coordinatorKeys: [group] }))
  const coordinator = response.coordinators[0]!
  if (coordinator.errorCode !== 0) throw KafkaProtocolError.fromCode(coordinator.errorCode, { apiName: 'FindCoordinator', groupId: group })
  return client.pool.get(`${coordinator.host}:${coordinator.port}`, 'group')
}
