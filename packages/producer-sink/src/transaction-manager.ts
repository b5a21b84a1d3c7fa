import { type BrokerConnection, type ConnectionPool, type Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  EndTxnApi,
  ErrorCode,
  FindCoordinatorApi,
  InitProducerIdApi,
  KafkaError,
  KafkaProtocolError,
  TxnOffsetCommitApi,
  errorByCode,
} from '@kafkats/protocol'
import { ProducerFencedError } from './producer-fenced-error.js'
import { TransactionAbortableError } from './transaction-abortable-error.js'
import { TransactionAbortedError } from './transaction-aborted-error.js'
import { TransactionFatalError } from './transaction-fatal-error.js'
import { TransactionStateError } from './transaction-state-error.js'
import { type TransactionApi, type TransactionErrorKind, type TransactionState, classifyTransactionError, isTransitionValid } from './transaction-state.js'

/**
 * What `sendOffsets` needs from the group consumer (KIP-447): the broker rejects the offsets when
 * the member was fenced (a newer generation, or another member took the partitions), so a zombie
 * consumer cannot commit. Java: ConsumerGroupMetadata. The kafkats GroupConsumer's
 * `groupMetadata()` returns it.
 */
export interface ConsumerGroupMetadata {
  groupId: string
  /** Classic: the generation id; KIP-848: the member epoch. -1 skips the check. */
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/** An offset to commit with the transaction: the next offset to read (last processed + 1). */
export interface TransactionOffset {
  topic: string
  partition: number
  offset: bigint
  leaderEpoch?: number
  metadata?: string | null
}

/** What the transaction manager needs from the producer. */
export interface TransactionHost {
  readonly metadata: ClusterMetadata
  readonly pool: ConnectionPool
  readonly logger: Logger
  readonly retryBackoffMs: number
  /** How long a transactional call keeps retrying before it fails (Java: max.block.ms). */
  readonly maxBlockMs: number
  readonly producerId: bigint
  readonly producerEpoch: number
  /** A new producer id/epoch; every partition's sequence starts at 0 (nothing may be in flight). */
  setProducerIdentity(producerId: bigint, producerEpoch: number, reason: string): void
  /** Resolves once every accepted record is settled. */
  flush(): Promise<void>
  /** Fails every record not yet sent with `error`; resolves once nothing is in flight or retrying. */
  drainForAbort(error: Error): Promise<void>
  /** Partitions were added to the transaction: their batches may be sent now. */
  wakeAll(): void
}

/** The Produce version before KIP-890 part 2: a classic-transaction producer must not send v12+. */
export const LAST_PRODUCE_VERSION_BEFORE_TV2 = 11
/** Last EndTxn and TxnOffsetCommit versions of the classic protocol (v5 means transaction.version 2). */
const LAST_END_TXN_VERSION_BEFORE_TV2 = 4
const LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2 = 4
/** AddPartitionsToTxn v4+ is broker-to-broker only. */
const LAST_CLIENT_ADD_PARTITIONS_VERSION = 3
/** Java retries CONCURRENT_TRANSACTIONS quickly: the previous transaction is usually just completing. */
const CONCURRENT_TRANSACTIONS_BACKOFF_MS = 20

const KEY_TYPE_GROUP = 0
const KEY_TYPE_TRANSACTION = 1

class RetryableTxnError extends Error {
  constructor(
    readonly kind: 'retry' | 'coordinator',
    readonly code: number,
  ) {
    super(errorByCode(code).name)
  }
}

/**
 * The client side of Kafka transactions (KIP-98), following Java's TransactionManager: the state
 * machine (transaction-state.ts), the coordinator requests (InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn) and which errors abort, retry or stop the producer.
 * Two protocol generations, chosen per transaction from the coordinator's finalized
 * `transaction.version` feature: 1 (classic; Kafka 3.x) adds every partition with
 * AddPartitionsToTxn before producing to it; 2 (KIP-890 part 2; Kafka 4.x) lets the partition
 * leader add it, skips AddOffsetsToTxn, and bumps the epoch on every EndTxn.
 */
export class TransactionManager {
  readonly transactionalId: string
  private readonly transactionTimeoutMs: number
  private readonly host: TransactionHost
  private stateValue: TransactionState = 'UNINITIALIZED'
  private lastError: KafkaError | null = null
  private transactionVersion = 1
  /** Classic flow: partitions the coordinator has added to this transaction. */
  private readonly added = new Set<string>()
  /** Classic flow: partitions waiting for AddPartitionsToTxn. */
  private readonly pending = new Map<string, { topic: string; partition: number }>()
  private adding: Promise<void> | null = null
  /** Anything sent in this transaction (records or offsets): EndTxn is needed. */
  private started = false
  /** The broker lost this producer's sequence state: bump the epoch after the abort (KIP-360). */
  private epochBumpRequired = false
  private readonly coordinators = new Map<string, { address: string; nodeId: number }>()
  private nextBroker = 0
  private readonly listeners: Array<(state: TransactionState, previous: TransactionState) => void> = []

  constructor(host: TransactionHost, transactionalId: string, transactionTimeoutMs: number) {
    this.host = host
    this.transactionalId = transactionalId
    this.transactionTimeoutMs = transactionTimeoutMs
  }

  get state(): TransactionState {
    return this.stateValue
  }

  /** 2 when the current transaction uses KIP-890 part 2, else 1 (known after `initTransactions`). */
  get version(): number {
    return this.transactionVersion
  }

  /** The error that moved the producer to ABORTABLE_ERROR or FATAL_ERROR. */
  get error(): KafkaError | null {
    return this.lastError
  }

  onStateChange(listener: (state: TransactionState, previous: TransactionState) => void): void {
    this.listeners.push(listener)
  }

  private transition(to: TransactionState, error?: KafkaError): void {
    const from = this.stateValue
    if (!isTransitionValid(from, to)) throw new TransactionStateError(`move to ${to}`, from, 'invalid transition')
    if (from === 'FATAL_ERROR' && to === 'FATAL_ERROR') return
    this.stateValue = to
    if (error !== undefined) this.lastError = error
    else if (to === 'READY' || to === 'IN_TRANSACTION') this.lastError = null
    this.host.logger.debug({ transactionalId: this.transactionalId, from, to, error: error?.message }, 'transaction state')
    for (const listener of this.listeners) listener(to, from)
  }

  /** Throws the fatal error, or a state error unless the state is one of `allowed`. */
  private require(operation: string, allowed: readonly TransactionState[], hint: string): void {
    if (this.stateValue === 'FATAL_ERROR') throw this.lastError!
    if (!allowed.includes(this.stateValue)) {
      if (this.stateValue === 'ABORTABLE_ERROR') throw this.lastError!
      throw new TransactionStateError(operation, this.stateValue, hint)
    }
  }

  // ---- called by the producer on its send path ----

  /** Throws unless records may be appended now (IN_TRANSACTION). */
  checkSend(): void {
    this.require('send', ['IN_TRANSACTION'], 'call beginTransaction() first')
  }

  /**
   * Whether batches of the partition may be sent. Classic flow: the first time, queues the
   * partition for AddPartitionsToTxn and answers false until the coordinator added it.
   */
  partitionReady(topic: string, partition: number): boolean {
    // Other states: new batches wait, and an abort or a fatal error fails them.
    if (this.stateValue !== 'IN_TRANSACTION' && this.stateValue !== 'COMMITTING_TRANSACTION') return false
    this.started = true
    if (this.transactionVersion >= 2) return true
    const key = `${topic}\u0000${partition}`
    if (this.added.has(key)) return true
    if (!this.pending.has(key)) {
      this.pending.set(key, { topic, partition })
      if (this.adding === null) this.adding = this.addPendingPartitions()
    }
    return false
  }

  /** A record of the transaction failed: the transaction cannot commit. */
  recordFailed(error: unknown, code: number | null, bump: boolean): void {
    if (this.stateValue === 'FATAL_ERROR' || this.stateValue === 'UNINITIALIZED') return
    const kind: TransactionErrorKind = code === null ? (bump ? 'abortable-bump' : 'abortable') : classifyTransactionError('Produce', code)
    if (TransactionAbortedError.isInstance(error)) return
    this.fail(kind, code ?? ErrorCode.UNKNOWN_SERVER_ERROR, 'Produce', error, bump)
  }

  // ---- the public operations ----

  /**
   * InitProducerId with the transactionalId: fences every older instance (their epoch is now
   * stale), waits for the coordinator to abort or finish their open transaction, and obtains this
   * instance's producer id and epoch.
   */
  async initTransactions(): Promise<void> {
    this.require('initTransactions', ['UNINITIALIZED'], 'initTransactions may be called once')
    this.transition('INITIALIZING')
    await this.initProducerId(false, 'initTransactions')
    this.transition('READY')
  }

  beginTransaction(): void {
    this.require('beginTransaction', ['READY'], this.stateValue === 'UNINITIALIZED' ? 'call initTransactions() first' : 'a transaction is already open')
    this.added.clear()
    this.pending.clear()
    this.started = false
    this.transition('IN_TRANSACTION')
  }

  /**
   * Adds consumed offsets to the transaction (KIP-447): they are committed to the group if and only
   * if the transaction commits, and only while the consumer in `group` still owns the partitions.
   */
  async sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.require('sendOffsets', ['IN_TRANSACTION'], 'call beginTransaction() first')
    if (offsets.length === 0) return
    this.started = true
    try {
      if (this.transactionVersion < 2) {
        await this.coordinatorCall('AddOffsetsToTxn', KEY_TYPE_TRANSACTION, this.transactionalId, async (connection) => {
          const response = await connection.request(
            AddOffsetsToTxnApi,
            AddOffsetsToTxnApi.createRequest({
              transactionalId: this.transactionalId,
              producerId: this.host.producerId,
              producerEpoch: this.host.producerEpoch,
              groupId: group.groupId,
            }),
          )
          return response.errorCode
        })
      }
      const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>>()
      for (const offset of offsets) {
        let list = byTopic.get(offset.topic)
        if (list === undefined) byTopic.set(offset.topic, (list = []))
        list.push({ partitionIndex: offset.partition, committedOffset: offset.offset, committedLeaderEpoch: offset.leaderEpoch ?? -1, committedMetadata: offset.metadata ?? '' })
      }
      await this.coordinatorCall('TxnOffsetCommit', KEY_TYPE_GROUP, group.groupId, async (connection) => {
        const cap = this.transactionVersion >= 2 ? TxnOffsetCommitApi.maxVersion : LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2
        const version = Math.min(connection.versionFor(TxnOffsetCommitApi), cap)
        const response = await connection.request(
          TxnOffsetCommitApi,
          TxnOffsetCommitApi.createRequest({
            transactionalId: this.transactionalId,
            groupId: group.groupId,
            producerId: this.host.producerId,
            producerEpoch: this.host.producerEpoch,
            generationId: group.generationId,
            memberId: group.memberId,
            groupInstanceId: group.groupInstanceId,
            topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          }),
          { version },
        )
        // The first error decides (Java handles them one by one the same way: any abortable one aborts).
        let worst = 0
        for (const topic of response.topics) for (const partition of topic.partitions) if (partition.errorCode !== 0 && worst === 0) worst = partition.errorCode
        return worst
      })
    } catch (error) {
      throw this.afterCallError(error)
    }
  }

  /** Flushes every record of the transaction, then EndTxn(commit). */
  async commitTransaction(): Promise<void> {
    if (this.stateValue !== 'COMMITTING_TRANSACTION') {
      this.require('commitTransaction', ['IN_TRANSACTION'], 'call beginTransaction() first')
      // Records settle first: a failed one moves the state to ABORTABLE_ERROR.
      await this.host.flush()
      await this.adding
      this.require('commitTransaction', ['IN_TRANSACTION'], 'call beginTransaction() first')
      this.transition('COMMITTING_TRANSACTION')
    }
    await this.endTransaction(true)
  }

  /**
   * Fails the records not sent yet with TransactionAbortedError, waits for those in flight, then
   * EndTxn(abort) (followed by an epoch bump when the broker lost the sequence state).
   */
  async abortTransaction(): Promise<void> {
    if (this.stateValue !== 'ABORTING_TRANSACTION') {
      this.require('abortTransaction', ['IN_TRANSACTION', 'ABORTABLE_ERROR'], 'no transaction is open')
      this.transition('ABORTING_TRANSACTION')
    }
    await this.host.drainForAbort(new TransactionAbortedError(this.lastError ?? undefined))
    await this.adding
    await this.endTransaction(false)
  }

  private async endTransaction(committed: boolean): Promise<void> {
    const operation = committed ? 'commitTransaction' : 'abortTransaction'
    const skipEndTxn = !this.started || (!committed && this.lastError?.errorName === 'INVALID_PRODUCER_ID_MAPPING')
    if (!skipEndTxn) {
      try {
        await this.coordinatorCall('EndTxn', KEY_TYPE_TRANSACTION, this.transactionalId, async (connection) => {
          const cap = this.transactionVersion >= 2 ? EndTxnApi.maxVersion : LAST_END_TXN_VERSION_BEFORE_TV2
          const version = Math.min(connection.versionFor(EndTxnApi), cap)
          const response = await connection.request(
            EndTxnApi,
            EndTxnApi.createRequest({
              transactionalId: this.transactionalId,
              producerId: this.host.producerId,
              producerEpoch: this.host.producerEpoch,
              committed,
            }),
            { version },
          )
          if (response.errorCode === 0 && version >= 5 && response.producerId >= 0n) {
            // KIP-890 part 2: every EndTxn bumps the epoch (a new id when the epoch overflows).
            this.host.setProducerIdentity(response.producerId, response.producerEpoch, committed ? 'EndTxn(commit)' : 'EndTxn(abort)')
          }
          return response.errorCode
        })
      } catch (error) {
        throw this.afterCallError(error, operation)
      }
    }
    if (this.epochBumpRequired && this.transactionVersion < 2) {
      this.transition('INITIALIZING')
      try {
        await this.initProducerId(true, 'epoch bump after abort')
      } catch (error) {
        throw this.afterCallError(error, operation)
      }
    }
    this.epochBumpRequired = false
    this.transition('READY')
  }

  /**
   * An error from a coordinator call. Abortable and fatal ones already moved the state (in `fail`);
   * a timeout or lost connection leaves it, so commit/abort can be called again and resume.
   */
  private afterCallError(error: unknown, _operation?: string): unknown {
    return error
  }

  private fail(kind: TransactionErrorKind, code: number, api: TransactionApi, cause: unknown, bump = false): KafkaError {
    const name = errorByCode(code).name
    if (kind === 'fenced') {
      const error = new ProducerFencedError(this.transactionalId, api, cause)
      this.transition('FATAL_ERROR', error)
      return error
    }
    if (kind === 'abortable' || kind === 'abortable-bump') {
      if (kind === 'abortable-bump' || bump) this.epochBumpRequired = true
      const error = new TransactionAbortableError(`${api} failed with ${name} in transaction of ${this.transactionalId}`, name, cause)
      if (this.stateValue === 'IN_TRANSACTION' || this.stateValue === 'COMMITTING_TRANSACTION' || this.stateValue === 'INITIALIZING') {
        this.transition('ABORTABLE_ERROR', error)
      }
      return this.stateValue === 'ABORTABLE_ERROR' ? this.lastError! : error
    }
    const error = new TransactionFatalError(`${api} failed with ${name} for transactionalId ${this.transactionalId}: the producer cannot continue`, name, cause)
    this.transition('FATAL_ERROR', error)
    return error
  }

  // ---- coordinator requests ----

  private async initProducerId(bump: boolean, reason: string): Promise<void> {
    await this.coordinatorCall('InitProducerId', KEY_TYPE_TRANSACTION, this.transactionalId, async (connection) => {
      const version = connection.versionFor(InitProducerIdApi)
      // KIP-360 (v3+): passing the current id and epoch bumps the epoch instead of fencing ourselves.
      const keep = bump && version >= 3 && this.host.producerId >= 0n
      const response = await connection.request(
        InitProducerIdApi,
        InitProducerIdApi.createRequest({
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.transactionTimeoutMs,
          producerId: keep ? this.host.producerId : -1n,
          producerEpoch: keep ? this.host.producerEpoch : -1,
        }),
        { version },
      )
      if (response.errorCode === 0) {
        this.transactionVersion = connection.finalizedFeatureLevel('transaction.version') >= 2 && connection.versionFor(EndTxnApi) >= 5 ? 2 : 1
        this.host.setProducerIdentity(response.producerId, response.producerEpoch, reason)
        this.host.logger.info(
          { transactionalId: this.transactionalId, producerId: String(response.producerId), producerEpoch: response.producerEpoch, transactionVersion: this.transactionVersion, reason },
          'transactional producer id assigned',
        )
      }
      return response.errorCode
    })
  }

  /** Classic flow: AddPartitionsToTxn for every pending partition (repeated until none is pending). */
  private async addPendingPartitions(): Promise<void> {
    try {
      while (this.pending.size > 0 && (this.stateValue === 'IN_TRANSACTION' || this.stateValue === 'COMMITTING_TRANSACTION')) {
        const batch = [...this.pending.entries()]
        const byTopic = new Map<string, number[]>()
        for (const [, { topic, partition }] of batch) {
          let list = byTopic.get(topic)
          if (list === undefined) byTopic.set(topic, (list = []))
          list.push(partition)
        }
        await this.coordinatorCall('AddPartitionsToTxn', KEY_TYPE_TRANSACTION, this.transactionalId, async (connection) => {
          const version = Math.min(connection.versionFor(AddPartitionsToTxnApi), LAST_CLIENT_ADD_PARTITIONS_VERSION)
          const response = await connection.request(
            AddPartitionsToTxnApi,
            AddPartitionsToTxnApi.createRequest({
              v3AndBelowTransactionalId: this.transactionalId,
              v3AndBelowProducerId: this.host.producerId,
              v3AndBelowProducerEpoch: this.host.producerEpoch,
              v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
            }),
            { version },
          )
          // OPERATION_NOT_ATTEMPTED marks partitions skipped because another one failed: the other error decides.
          let decisive = 0
          for (const topic of response.resultsByTopicV3AndBelow) {
            for (const result of topic.resultsByPartition) {
              const code = result.partitionErrorCode
              if (code === 0) {
                const key = `${topic.name}\u0000${result.partitionIndex}`
                this.added.add(key)
                this.pending.delete(key)
              } else if (code !== ErrorCode.OPERATION_NOT_ATTEMPTED || decisive === 0) {
                if (decisive === 0 || decisive === ErrorCode.OPERATION_NOT_ATTEMPTED) decisive = code
              }
            }
          }
          return decisive
        })
        this.host.wakeAll()
      }
    } catch (error) {
      // Abortable and fatal errors moved the state (records waiting for these partitions fail with
      // it). A timeout is abortable here: nothing else would retry the add.
      if (this.stateValue === 'IN_TRANSACTION' || this.stateValue === 'COMMITTING_TRANSACTION') {
        this.transition('ABORTABLE_ERROR', new TransactionAbortableError(`AddPartitionsToTxn did not succeed: ${String(error)}`, 'REQUEST_TIMED_OUT', error))
      }
      this.host.wakeAll()
    } finally {
      this.adding = null
    }
  }

  /**
   * Sends a coordinator request until it succeeds or fails for good: retriable codes and lost
   * connections retry with back-off (looking the coordinator up again when it moved) for up to
   * maxBlockMs; other codes become the typed error of their class.
   */
  private async coordinatorCall(api: TransactionApi, keyType: number, key: string, attempt: (connection: BrokerConnection) => Promise<number>): Promise<void> {
    const deadline = Date.now() + this.host.maxBlockMs
    for (let round = 0; ; round++) {
      let code: number
      try {
        const connection = await this.coordinatorConnection(keyType, key)
        code = await attempt(connection)
        if (code === 0) return
        const kind = classifyTransactionError(api, code)
        if (kind === 'retry' || kind === 'coordinator') throw new RetryableTxnError(kind, code)
        throw this.fail(kind, code, api, KafkaProtocolError.fromCode(code, { apiName: api }))
      } catch (error) {
        const retriable = error instanceof RetryableTxnError || (KafkaError.isInstance(error) && error.retriable && !KafkaProtocolError.isInstance(error))
        if (!retriable) throw error
        if (!(error instanceof RetryableTxnError) || error.kind === 'coordinator') this.coordinators.delete(`${keyType}:${key}`)
        if (Date.now() >= deadline) {
          throw new KafkaError(`${api} for transactionalId ${this.transactionalId} did not succeed within maxBlockMs ${this.host.maxBlockMs}: ${String(error)}`, {
            errorName: 'REQUEST_TIMED_OUT',
            retriable: true,
            cause: error,
          })
        }
        const concurrent = error instanceof RetryableTxnError && error.code === ErrorCode.CONCURRENT_TRANSACTIONS
        const delay = concurrent && round < 5 ? CONCURRENT_TRANSACTIONS_BACKOFF_MS : Math.min(1000, this.host.retryBackoffMs * 2 ** Math.min(round, 4))
        this.host.logger.debug({ api, error: String(error), round }, 'transactional request failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  private async coordinatorConnection(keyType: number, key: string): Promise<BrokerConnection> {
    const cacheKey = `${keyType}:${key}`
    let node = this.coordinators.get(cacheKey)
    if (node === undefined) {
      const { metadata, pool } = this.host
      let brokers = [...metadata.snapshot.brokers.values()]
      if (brokers.length === 0) brokers = [...(await metadata.refresh()).brokers.values()]
      const broker = brokers[this.nextBroker++ % brokers.length]
      if (broker === undefined) throw new KafkaError('no broker known', { errorName: 'BROKER_NOT_AVAILABLE', retriable: true })
      const connection = await pool.get(broker.address, 'metadata')
      const version = connection.versionFor(FindCoordinatorApi)
      const response = await connection.request(
        FindCoordinatorApi,
        FindCoordinatorApi.createRequest(version >= 4 ? { keyType, coordinatorKeys: [key] } : { keyType, key }),
      )
      const answer = version >= 4 ? response.coordinators.find((coordinator) => coordinator.key === key) : response
      if (answer === undefined) throw new KafkaError('FindCoordinator answered without the key', { errorName: 'INVALID_RESPONSE', retriable: true })
      if (answer.errorCode !== 0) {
        const kind = classifyTransactionError('InitProducerId', answer.errorCode)
        if (kind === 'retry' || kind === 'coordinator') throw new RetryableTxnError(kind, answer.errorCode)
        throw this.fail(kind, answer.errorCode, 'InitProducerId', KafkaProtocolError.fromCode(answer.errorCode, { apiName: 'FindCoordinator' }))
      }
      node = { nodeId: answer.nodeId, address: `${answer.host}:${answer.port}` }
      this.coordinators.set(cacheKey, node)
    }
    return this.host.pool.get(node.address, 'group')
  }
}
