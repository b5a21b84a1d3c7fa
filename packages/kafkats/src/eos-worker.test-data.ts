// One instance of the consume-transform-produce app used by eos-faults.integration.test.ts, run as
// a child process (so the test can SIGKILL it). Reads `in` with read_committed, writes
// `out-<value>` to `out` and, with transactions on, commits the input offsets in the same
// transaction (KIP-447); with transactions off it produces, then commits offsets to the group
// (at-least-once: a crash in between duplicates). Prints one line per event on stdout:
//   READY | PRODUCED <n> | COMMITTED <n> | ABORTED <reason> | FATAL <reason>
import { ConnectionPool } from '@kafkats/connection'
import { GroupConsumer, Offset } from '@kafkats/consumer'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer, ProducerFencedError, TransactionFatalError } from '@kafkats/producer-sink'
import { decodeUtf8 } from '@kafkats/protocol'

interface WorkerConfig {
  brokers: string[]
  /** real address → fault-proxy address */
  addressMap: Record<string, string>
  groupId: string
  inTopic: string
  outTopic: string
  transactionalId: string
  transactional: boolean
  /** SIGKILL this process right after the n-th batch's records were acknowledged, before its commit (mid-transaction). */
  killAfterProducedBatch?: number
}

const config = JSON.parse(process.env.EOS_WORKER_CONFIG ?? '{}') as WorkerConfig
const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

async function main(): Promise<void> {
  const pool = new ConnectionPool({
    clientId: config.transactionalId,
    requestTimeoutMs: 10_000,
    mapAddress: (address) => config.addressMap[address] ?? address,
  })
  const metadata = new ClusterMetadata({ bootstrapBrokers: config.brokers, pool, refreshMinIntervalMs: 100 })
  const consumer = new GroupConsumer({
    metadata,
    pool,
    groupId: config.groupId,
    topics: [config.inTopic],
    isolationLevel: 'read_committed',
    autoCommit: false,
    autoOffsetReset: 'earliest',
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    // One input record batch (~16 KiB, see the test's input producer) per handed-out batch, so one
    // transaction: hundreds of transactions for the faults to land in, not one per partition.
    partitionMaxBytes: 16 * 1024,
  })
  const producer = new Producer({
    metadata,
    pool,
    lingerMs: 2,
    deliveryTimeoutMs: 60_000,
    retryBackoffMs: 50,
    ...(config.transactional ? { transactionalId: config.transactionalId, transactionTimeoutMs: 15_000 } : {}),
  })
  if (config.transactional) await producer.initTransactions()
  say('READY')
  process.on('SIGTERM', () => {
    void consumer.close().finally(() => process.exit(0))
  })
  let producedBatches = 0
  const maybeDie = (): void => {
    producedBatches++
    if (config.killAfterProducedBatch === producedBatches) {
      say('KILLING')
      process.kill(process.pid, 'SIGKILL')
    }
  }
  for await (const batch of consumer.batches()) {
    if (batch.records.length === 0) continue
    const firstOffset = batch.records[0]!.offset
    if (!config.transactional) {
      await Promise.all(batch.records.map((record) => producer.send({ topic: config.outTopic, key: record.key, value: `out-${decodeUtf8(record.value!)}` })))
      say(`PRODUCED ${batch.records.length}`)
      maybeDie()
      await consumer.commit(batch)
      say(`COMMITTED ${batch.records.length}`)
      continue
    }
    const range = `${batch.partition} ${firstOffset} ${batch.nextOffset}`
    // The membership the batch was handed out under: offsets must be committed under it, so a
    // member that lost the partition meanwhile is fenced (KIP-447).
    const group = consumer.groupMetadata()
    try {
      producer.beginTransaction()
      const sends = batch.records.map((record) => producer.send({ topic: config.outTopic, key: record.key, value: `out-${decodeUtf8(record.value!)}` }))
      await Promise.all(sends)
      say(`PRODUCED ${batch.records.length}`)
      maybeDie()
      await producer.sendOffsets([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset, leaderEpoch: batch.leaderEpoch }], group)
      await producer.commitTransaction()
      say(`COMMITTED ${batch.records.length} ${range} g${group.generationId} e${producer.producerIdentity.producerEpoch}`)
    } catch (error) {
      if (ProducerFencedError.isInstance(error) || TransactionFatalError.isInstance(error)) {
        say(`FATAL ${String(error)}`)
        process.exit(3)
      }
      const state = producer.transactionState
      if (state === 'IN_TRANSACTION' || state === 'ABORTABLE_ERROR' || state === 'ABORTING_TRANSACTION') {
        try {
          await producer.abortTransaction()
        } catch (abortError) {
          say(`FATAL abort: ${String(abortError)}`)
          process.exit(3)
        }
      } else if (state !== 'READY') {
        // A commit that timed out: its outcome is unknown here. Restarting (same transactionalId)
        // lets the coordinator finish or abort it and fence this instance.
        say(`FATAL ${state}: ${String(error)}`)
        process.exit(4)
      }
      say(`ABORTED ${range} ${String(error).slice(0, 200)}`)
      // The transaction's output is gone and its offsets were not committed: read the batch again.
      try {
        consumer.seek(batch.topic, batch.partition, Offset.at(firstOffset))
      } catch {
        // No longer ours: the new owner starts from the committed offset.
      }
    }
  }
}

main().catch((error: unknown) => {
  say(`FATAL ${String(error)}`)
  process.exit(2)
})
