// The transaction coordinator (KIP-98, KIP-890) as a Kafka 4.3.1 broker runs it, kept in memory:
// per transactional id the producer id and epoch, the state, the partitions and groups of the open
// transaction and its offsets. Where Kafka writes the transaction log and then sends
// WriteTxnMarkers to every partition leader, the fake writes the COMMIT/ABORT markers into the
// partition logs at once, so a transaction is never seen in PrepareCommit/PrepareAbort and no
// request is answered CONCURRENT_TRANSACTIONS.
import { ErrorCode } from '@kafkats/protocol'
import type { GroupCoordinator } from './groups.js'
import { type ClusterModel, type PartitionState, wake } from './model.js'

/** Kafka's TransactionState names (as DescribeTransactions and ListTransactions report them). */
type TransactionStateName = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead' | 'PrepareEpochFence'

export const TRANSACTION_STATE_NAMES: readonly TransactionStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']

/** Kafka's transaction.max.timeout.ms default. */
const TRANSACTION_MAX_TIMEOUT_MS = 900_000
/** The largest epoch before Kafka moves a transactional id to a new producer id (Short.MAX_VALUE - 1). */
const MAX_EPOCH = 32766
/** The epoch of the (single, never moving) transaction state partition's coordinator, written in markers. */
const COORDINATOR_EPOCH = 0

interface PendingOffset {
  offset: bigint
  leaderEpoch: number
  metadata: string | null
}

interface TransactionMetadata {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  /** The producer id and epoch before the last bump (TV2 EndTxn retries and KIP-360 retries). */
  previousProducerId: bigint
  previousProducerEpoch: number
  timeoutMs: number
  state: TransactionStateName
  /** `topic\0partition` → partition of the open transaction. */
  partitions: Map<string, { topic: string; partition: number }>
  /** Offsets of the open transaction: group id → `topic:partition` → offset (TxnOffsetCommit). */
  offsets: Map<string, Map<string, PendingOffset>>
  /** Groups added with AddOffsetsToTxn (classic) or implicitly (TV2). */
  groups: Set<string>
  startTimeMs: number
  /** transaction.version the open (or last) transaction runs under (2: KIP-890 part 2). */
  version: number
  timer: ReturnType<typeof setTimeout> | null
}

type Result = { errorCode: number; producerId: bigint; producerEpoch: number }

/** One transactional id as `dataDir` stores it. */
export interface TransactionSnapshot {
  transactionalId: string
  producerId: string
  producerEpoch: number
  previousProducerId: string
  previousProducerEpoch: number
  timeoutMs: number
  state: TransactionStateName
  partitions: Array<{ topic: string; partition: number }>
  offsets: Array<{ groupId: string; offsets: Array<{ key: string; offset: string; leaderEpoch: number; metadata: string | null }> }>
  startTimeMs: number
  version: number
}

export class TransactionCoordinator {
  readonly transactions = new Map<string, TransactionMetadata>()
  private readonly model: ClusterModel
  private readonly groups: GroupCoordinator
  private readonly allocateProducerId: () => bigint
  /** The finalized `transaction.version` the cluster advertises (2 on a fresh Kafka 4.x cluster). */
  readonly transactionVersion: number
  /** How long markers take to reach the partitions after the coordinator decided (PrepareCommit/PrepareAbort). */
  private readonly markerDelayMs: number
  /** Transactions whose markers are on their way: the write to run when the delay is over (or at close). */
  private readonly inFlight = new Map<TransactionMetadata, { run: () => void; cancel: () => void }>()

  constructor(model: ClusterModel, groups: GroupCoordinator, allocateProducerId: () => bigint, transactionVersion: number, markerDelayMs = 0) {
    this.model = model
    this.groups = groups
    this.allocateProducerId = allocateProducerId
    this.transactionVersion = transactionVersion
    this.markerDelayMs = markerDelayMs
  }

  /** Stops the timeout timers; markers still on their way are written now (so a dataDir keeps the outcome). */
  close(): void {
    for (const txn of this.transactions.values()) this.stopTimer(txn)
    for (const pending of [...this.inFlight.values()]) {
      pending.cancel()
      pending.run()
    }
  }

  /** The transactional ids' state, for `dataDir` (JSON: bigints as strings). */
  snapshot(): TransactionSnapshot[] {
    return [...this.transactions.values()].map((txn) => ({
      transactionalId: txn.transactionalId,
      producerId: txn.producerId.toString(),
      producerEpoch: txn.producerEpoch,
      previousProducerId: txn.previousProducerId.toString(),
      previousProducerEpoch: txn.previousProducerEpoch,
      timeoutMs: txn.timeoutMs,
      state: txn.state,
      partitions: [...txn.partitions.values()],
      offsets: [...txn.offsets].map(([groupId, offsets]) => ({ groupId, offsets: [...offsets].map(([key, o]) => ({ key, offset: o.offset.toString(), leaderEpoch: o.leaderEpoch, metadata: o.metadata })) })),
      startTimeMs: txn.startTimeMs,
      version: txn.version,
    }))
  }

  /** Restores `snapshot()`; a transaction that was open gets its whole timeout again (its clock restarts with the cluster). */
  restore(snapshots: TransactionSnapshot[]): void {
    for (const s of snapshots) {
      const txn: TransactionMetadata = {
        transactionalId: s.transactionalId,
        producerId: BigInt(s.producerId),
        producerEpoch: s.producerEpoch,
        previousProducerId: BigInt(s.previousProducerId),
        previousProducerEpoch: s.previousProducerEpoch,
        timeoutMs: s.timeoutMs,
        state: s.state,
        partitions: new Map(s.partitions.map((p) => [partitionKey(p.topic, p.partition), p])),
        offsets: new Map(s.offsets.map((g) => [g.groupId, new Map(g.offsets.map((o) => [o.key, { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata }]))])),
        groups: new Set(s.offsets.map((g) => g.groupId)),
        startTimeMs: s.startTimeMs,
        version: s.version,
        timer: null,
      }
      this.transactions.set(s.transactionalId, txn)
      if (txn.state === 'Ongoing') this.startTimer(txn)
    }
  }

  /**
   * InitProducerId with a transactional id: a new id, or the next epoch of the known one, which
   * fences every older instance; an open transaction of the older instance is aborted first (its
   * ABORT markers carry the fencing epoch). With the caller's producer id and epoch (KIP-360) only
   * the current instance may bump its own epoch.
   */
  initProducerId(transactionalId: string, timeoutMs: number, producerId: bigint, producerEpoch: number): Result {
    const fail = (errorCode: number): Result => ({ errorCode, producerId: -1n, producerEpoch: -1 })
    if (timeoutMs <= 0 || timeoutMs > TRANSACTION_MAX_TIMEOUT_MS) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
    const txn = this.transactions.get(transactionalId)
    if (txn === undefined) {
      const created: TransactionMetadata = {
        transactionalId,
        producerId: this.allocateProducerId(),
        producerEpoch: 0,
        previousProducerId: -1n,
        previousProducerEpoch: -1,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        offsets: new Map(),
        groups: new Set(),
        startTimeMs: -1,
        version: this.transactionVersion,
        timer: null,
      }
      this.transactions.set(transactionalId, created)
      return { errorCode: ErrorCode.NONE, producerId: created.producerId, producerEpoch: 0 }
    }
    // The previous transaction's markers are still being written: the producer retries (Kafka answers the same).
    if (isPreparing(txn)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    if (producerId >= 0n) {
      // KIP-360: a retry of a bump that already happened gets the same answer.
      if (producerId === txn.previousProducerId && producerEpoch === txn.previousProducerEpoch && txn.state !== 'Ongoing') {
        return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch }
      }
      if (producerId !== txn.producerId) return fail(ErrorCode.PRODUCER_FENCED)
      if (producerEpoch !== txn.producerEpoch) return fail(ErrorCode.PRODUCER_FENCED)
    }
    txn.timeoutMs = timeoutMs
    if (txn.state === 'Ongoing') {
      // Fence the open transaction: bump the epoch and abort with it (Kafka's PrepareEpochFence);
      // the new instance is told CONCURRENT_TRANSACTIONS and its retry, once the markers are
      // written, gets one epoch more.
      this.complete(txn, false, this.bump(txn))
      return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    }
    this.bump(txn)
    txn.state = 'Empty'
    txn.version = this.transactionVersion
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch }
  }

  /** Checks the caller is the current producer of `transactionalId`: NONE or the error code. */
  private check(txn: TransactionMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (producerEpoch !== txn.producerEpoch) return ErrorCode.PRODUCER_FENCED
    return ErrorCode.NONE
  }

  /** Opens a transaction (NONE), or CONCURRENT_TRANSACTIONS while the previous one's markers are being written. */
  private begin(txn: TransactionMetadata, version: number): number {
    if (txn.state === 'Ongoing') return ErrorCode.NONE
    if (isPreparing(txn)) return ErrorCode.CONCURRENT_TRANSACTIONS
    txn.state = 'Ongoing'
    txn.version = version
    txn.startTimeMs = Date.now()
    txn.partitions.clear()
    txn.offsets.clear()
    txn.groups.clear()
    this.startTimer(txn)
    return ErrorCode.NONE
  }

  private startTimer(txn: TransactionMetadata): void {
    this.stopTimer(txn)
    // Kafka aborts a transaction open longer than its timeout (and bumps the epoch, fencing the producer).
    txn.timer = setTimeout(() => {
      txn.timer = null
      if (txn.state !== 'Ongoing') return
      this.complete(txn, false, this.bump(txn))
    }, txn.timeoutMs)
    txn.timer.unref?.()
  }

  private stopTimer(txn: TransactionMetadata): void {
    if (txn.timer !== null) clearTimeout(txn.timer)
    txn.timer = null
  }

  /** AddPartitionsToTxn (classic, v0–v3; and v4+ from brokers): an error code per partition. */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: Array<{ topic: string; partition: number }>, verifyOnly: boolean): Map<string, number> {
    const txn = this.transactions.get(transactionalId)
    const out = new Map<string, number>()
    const all = (code: number): Map<string, number> => {
      for (const p of partitions) out.set(partitionKey(p.topic, p.partition), code)
      return out
    }
    const error = this.check(txn, producerId, producerEpoch)
    if (error !== ErrorCode.NONE) return all(error)
    const unknown = partitions.filter((p) => this.model.topics.get(p.topic)?.partitions[p.partition] === undefined)
    if (unknown.length > 0) {
      for (const p of partitions) out.set(partitionKey(p.topic, p.partition), unknown.includes(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED)
      return out
    }
    if (verifyOnly) {
      for (const p of partitions) {
        const key = partitionKey(p.topic, p.partition)
        out.set(key, txn!.state === 'Ongoing' && txn!.partitions.has(key) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE)
      }
      return out
    }
    const began = this.begin(txn!, 1)
    if (began !== ErrorCode.NONE) return all(began)
    for (const p of partitions) txn!.partitions.set(partitionKey(p.topic, p.partition), p)
    return all(ErrorCode.NONE)
  }

  /** AddOffsetsToTxn (classic): the group's offsets join the transaction. */
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): number {
    const txn = this.transactions.get(transactionalId)
    const error = this.check(txn, producerId, producerEpoch)
    if (error !== ErrorCode.NONE) return error
    const began = this.begin(txn!, 1)
    if (began !== ErrorCode.NONE) return began
    txn!.groups.add(groupId)
    return ErrorCode.NONE
  }

  /**
   * A transactional batch reached the partition leader. Produce v12+ under transaction.version 2
   * adds the partition to the transaction (KIP-890 part 2); older producers must have added it.
   */
  verifyProduce(transactionalId: string, producerId: bigint, producerEpoch: number, partition: PartitionState, produceVersion: number): number {
    const txn = this.transactions.get(transactionalId)
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (producerEpoch < txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH
    if (producerEpoch > txn.producerEpoch) return ErrorCode.INVALID_TXN_STATE
    const key = partitionKey(partition.topic.name, partition.index)
    if (produceVersion >= 12 && this.transactionVersion >= 2) {
      // Kafka's leader turns the coordinator's CONCURRENT_TRANSACTIONS into NOT_ENOUGH_REPLICAS
      // for Produce, an error every producer retries.
      if (this.begin(txn, 2) !== ErrorCode.NONE) return ErrorCode.NOT_ENOUGH_REPLICAS
      txn.partitions.set(key, { topic: partition.topic.name, partition: partition.index })
      return ErrorCode.NONE
    }
    return txn.state === 'Ongoing' && txn.partitions.has(key) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE
  }

  /**
   * TxnOffsetCommit: the offsets wait in the transaction until EndTxn (OffsetFetch does not see
   * them). v5+ under transaction.version 2 adds the group implicitly; older versions need
   * AddOffsetsToTxn first.
   */
  commitOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, version: number, offsets: Array<{ topic: string; partition: number; offset: PendingOffset }>): number {
    const txn = this.transactions.get(transactionalId)
    const error = this.check(txn, producerId, producerEpoch)
    if (error !== ErrorCode.NONE) return error
    if (version >= 5 && this.transactionVersion >= 2) {
      const began = this.begin(txn!, 2)
      if (began !== ErrorCode.NONE) return began
      txn!.groups.add(groupId)
    } else if (txn!.state !== 'Ongoing' || !txn!.groups.has(groupId)) return ErrorCode.INVALID_TXN_STATE
    let pending = txn!.offsets.get(groupId)
    if (pending === undefined) txn!.offsets.set(groupId, (pending = new Map()))
    for (const o of offsets) pending.set(`${o.topic}:${o.partition}`, o.offset)
    return ErrorCode.NONE
  }

  /** Whether an open transaction holds an offset of `groupId` for `topic:partition` (OffsetFetch requireStable). */
  hasPendingOffset(groupId: string, topicPartition: string): boolean {
    for (const txn of this.transactions.values()) if ((txn.state === 'Ongoing' || isPreparing(txn)) && txn.offsets.get(groupId)?.has(topicPartition) === true) return true
    return false
  }

  /**
   * EndTxn: writes the COMMIT or ABORT marker to every partition of the transaction and, on commit,
   * makes its offsets the groups' committed offsets. Under transaction.version 2 (EndTxn v5+)
   * every EndTxn bumps the epoch and answers the new one; a retry with the previous epoch of an
   * EndTxn that already completed gets the same answer.
   */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, version: number): Result {
    const txn = this.transactions.get(transactionalId)
    const fail = (errorCode: number): Result => ({ errorCode, producerId: -1n, producerEpoch: -1 })
    if (txn === undefined) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
    const tv2 = version >= 5 && this.transactionVersion >= 2
    const completed = commit ? 'CompleteCommit' : 'CompleteAbort'
    const ok = (): Result => ({ errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch })
    const preparing = commit ? 'PrepareCommit' : 'PrepareAbort'
    if (tv2) {
      const isRetry = producerId === txn.previousProducerId && producerEpoch === txn.previousProducerEpoch
      // A retry while the markers are being written: the producer asks again until it completes.
      if (isRetry && isPreparing(txn)) return fail(txn.state === preparing ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE)
      if (isRetry && txn.state !== 'Ongoing') return txn.state === completed ? ok() : fail(ErrorCode.INVALID_TXN_STATE)
      if (producerId !== txn.producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
      if (producerEpoch !== txn.producerEpoch) return fail(ErrorCode.PRODUCER_FENCED)
      // Under TV2 an abort is accepted with nothing open too (it only bumps the epoch).
      if (txn.state !== 'Ongoing' && commit) return fail(ErrorCode.INVALID_TXN_STATE)
      // KIP-890: the markers carry the bumped epoch, fencing any batch of this transaction still in flight.
      this.complete(txn, commit, this.bump(txn))
      return ok()
    }
    if (producerId !== txn.producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
    if (producerEpoch !== txn.producerEpoch) return fail(ErrorCode.PRODUCER_FENCED)
    if (isPreparing(txn)) return fail(txn.state === preparing ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE)
    if (txn.state === 'Ongoing') {
      this.complete(txn, commit, { producerId: txn.producerId, producerEpoch: txn.producerEpoch })
      return ok()
    }
    // A retry of an EndTxn that completed (its answer was lost) succeeds again.
    if (txn.state === completed) return ok()
    return fail(ErrorCode.INVALID_TXN_STATE)
  }

  /**
   * The next epoch (a new producer id once the epoch is exhausted). Returns the identity markers of
   * the open transaction carry: the bumped epoch, or after an overflow the old id with the last epoch.
   */
  private bump(txn: TransactionMetadata): { producerId: bigint; producerEpoch: number } {
    txn.previousProducerId = txn.producerId
    txn.previousProducerEpoch = txn.producerEpoch
    if (txn.producerEpoch >= MAX_EPOCH) {
      const marker = { producerId: txn.producerId, producerEpoch: MAX_EPOCH + 1 }
      txn.producerId = this.allocateProducerId()
      txn.producerEpoch = 0
      return marker
    }
    txn.producerEpoch++
    return { producerId: txn.producerId, producerEpoch: txn.producerEpoch }
  }

  /**
   * The coordinator decides (PrepareCommit/PrepareAbort), then the markers (as `marker`) reach the
   * partitions `markerDelayMs` later, as WriteTxnMarkers would: until then read_committed readers
   * stay at the last stable offset before the transaction, and OffsetFetch with requireStable
   * answers UNSTABLE_OFFSET_COMMIT. Then the offsets are applied (commit) or dropped.
   */
  private complete(txn: TransactionMetadata, commit: boolean, marker: { producerId: bigint; producerEpoch: number }): void {
    this.stopTimer(txn)
    txn.state = commit ? 'PrepareCommit' : 'PrepareAbort'
    const run = (): void => {
      this.inFlight.delete(txn)
      this.writeMarkers(txn, commit, marker)
    }
    // Even with no delay the markers come after the EndTxn answer (setImmediate), as on a broker.
    const handle = this.markerDelayMs > 0 ? setTimeout(run, this.markerDelayMs) : setImmediate(run)
    const cancel = (): void => (this.markerDelayMs > 0 ? clearTimeout(handle as ReturnType<typeof setTimeout>) : clearImmediate(handle as ReturnType<typeof setImmediate>))
    this.inFlight.set(txn, { run, cancel })
  }

  private writeMarkers(txn: TransactionMetadata, commit: boolean, marker: { producerId: bigint; producerEpoch: number }): void {
    for (const { topic, partition } of txn.partitions.values()) {
      const state = this.model.topics.get(topic)?.partitions[partition]
      if (state === undefined) continue
      state.log.appendMarker(marker.producerId, marker.producerEpoch, commit, COORDINATOR_EPOCH, state.leaderEpoch)
      wake(state)
    }
    if (commit) {
      for (const [groupId, offsets] of txn.offsets) {
        const group = this.groups.group(groupId, true)!
        for (const [key, offset] of offsets) group.offsets.set(key, offset)
      }
    }
    txn.partitions.clear()
    txn.offsets.clear()
    txn.groups.clear()
    txn.state = commit ? 'CompleteCommit' : 'CompleteAbort'
  }
}

function isPreparing(txn: TransactionMetadata): boolean {
  return txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort'
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}
