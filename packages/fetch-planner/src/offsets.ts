// Offset resolution: the planner's maintenance pass over cursors that are not fetching. It loads
// unknown topics, asks each partition's leader for offsets (ListOffsets: earliest, latest, a
// timestamp, the reset policy) and validates offsets that carry a leader epoch (KIP-320,
// OffsetForLeaderEpoch). Outcomes go back to the planner as cursor transitions.
import type { BrokerConnection, ConnectionPurpose, Logger } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import { ErrorCode, KafkaError, KafkaProtocolError, ListOffsetsApi, OffsetForLeaderEpochApi } from '@kafkats/protocol'
import type { Cursor } from './cursor.js'
import type { OffsetResetEvent } from './events.js'
import { topicPartitionKey } from '@kafkats/metadata'
import { OffsetOutOfRangeError } from './offset-out-of-range-error.js'
import type { ResolvedFetchPlannerOptions } from './options.js'
import { decideValidation } from './rules.js'
import { SLOW_RETRY_MS } from './source.js'

/** Back-off before asking again about a topic metadata does not know. */
const TOPIC_RETRY_MS = 1000
/** How long a partition may be missing from the cluster's metadata before it fails (see failIfMissing). */
const MISSING_PARTITION_MS = 5000

const LIST_OFFSETS_EARLIEST = -2n
const LIST_OFFSETS_LATEST = -1n

/** ListOffsets partition errors worth retrying after a metadata refresh. */
const LIST_OFFSETS_RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.REQUEST_TIMED_OUT,
])

interface PartitionOffset {
  errorCode: number
  offset: bigint
  leaderEpoch: number
}

/** What offset resolution needs from the planner: the cursors and their transitions. */
export interface OffsetResolverHost {
  readonly closed: boolean
  readonly options: ResolvedFetchPlannerOptions
  readonly metadata: ClusterMetadata
  readonly logger: Logger
  cursors(): Iterable<Cursor>
  isAssigned(cursor: Cursor): boolean
  connect(brokerId: number, purpose: ConnectionPurpose): Promise<BrokerConnection>
  place(cursor: Cursor, now?: number): void
  startFetchingAt(cursor: Cursor, offset: bigint, epoch: number): void
  truncate(cursor: Cursor, endOffset: bigint, endOffsetEpoch: number, detectedBy: 'validation' | 'diverging-epoch'): void
  fail(cursor: Cursor, error: KafkaError): void
  offsetReset(event: OffsetResetEvent): void
  reportError(error: KafkaError): void
}

export class OffsetResolver {
  private readonly host: OffsetResolverHost
  private maintenanceTimer: ReturnType<typeof setTimeout> | undefined
  private maintenanceAt = Infinity
  private readonly topicsLoading = new Set<string>()
  private readonly topicRetryAt = new Map<string, number>()
  /** When each partition was first seen missing from the metadata (see failIfMissing). */
  private readonly missingSince = new Map<string, number>()

  constructor(host: OffsetResolverHost) {
    this.host = host
  }

  stop(): void {
    clearTimeout(this.maintenanceTimer)
  }

  /** Runs a maintenance pass now (soon: on a timer of 0). */
  kick(): void {
    this.scheduleMaintenance(0)
  }

  scheduleMaintenance(delayMs: number): void {
    if (this.host.closed) return
    const at = Date.now() + Math.max(0, delayMs)
    if (this.maintenanceTimer !== undefined && this.maintenanceAt <= at) return
    clearTimeout(this.maintenanceTimer)
    this.maintenanceAt = at
    this.maintenanceTimer = setTimeout(() => {
      this.maintenanceTimer = undefined
      this.maintenanceAt = Infinity
      this.maintain()
    }, Math.max(0, delayMs))
    this.maintenanceTimer.unref?.()
  }

  private maintain(): void {
    if (this.host.closed) return
    const now = Date.now()
    let next = Infinity
    const resolveByLeader = new Map<number, Cursor[]>()
    const validateByLeader = new Map<number, Cursor[]>()
    for (const cursor of this.host.cursors()) {
      if (cursor.state === 'failed') continue
      const info = this.host.metadata.partition(cursor.topic, cursor.partition)
      if (info === undefined) {
        if (this.failIfMissing(cursor, now)) continue
        this.loadTopic(cursor.topic)
        next = Math.min(next, Math.max(now + this.host.options.retryBackoffMs, this.topicRetryAt.get(cursor.topic) ?? 0))
        continue
      }
      this.missingSince.delete(cursor.key)
      if (cursor.state === 'fetching') {
        if (cursor.source < 0) this.host.place(cursor, now)
        if (cursor.source < 0) next = Math.min(next, now + this.host.options.retryBackoffMs)
        continue
      }
      if (cursor.busy) continue
      if (cursor.retryAt > now) {
        next = Math.min(next, cursor.retryAt)
        continue
      }
      if (cursor.resolve?.kind === 'policy') {
        const policy = this.host.options.autoOffsetReset
        if (policy === 'none') {
          this.host.fail(cursor, new OffsetOutOfRangeError(cursor.topic, cursor.partition, cursor.resetFrom))
          continue
        }
        cursor.resolve = { kind: policy, delta: 0n, policy: true }
      }
      const leader = info.leader
      if (leader < 0 || this.host.metadata.broker(leader) === undefined) {
        this.host.metadata.requestRefresh(`no leader for ${cursor.topic}-${cursor.partition}`)
        next = Math.min(next, now + this.host.options.retryBackoffMs)
        continue
      }
      const groups = cursor.state === 'resolving' ? resolveByLeader : validateByLeader
      const list = groups.get(leader) ?? []
      list.push(cursor)
      groups.set(leader, list)
    }
    for (const [leader, cursors] of resolveByLeader) void this.resolveOffsets(leader, cursors)
    for (const [leader, cursors] of validateByLeader) void this.validateOffsets(leader, cursors)
    if (next < Infinity) this.scheduleMaintenance(next - now)
  }

  /**
   * A partition the cluster says does not exist (its topic is unknown to the brokers, or has fewer
   * partitions) fails with an error event naming it once it has stayed missing for
   * MISSING_PARTITION_MS across metadata refreshes, instead of waiting silently for ever. A topic
   * being created, or partitions being added, usually show up well within that bound.
   */
  private failIfMissing(cursor: Cursor, now: number): boolean {
    const metadata = this.host.metadata
    const topic = metadata.topic(cursor.topic)
    const confirmed = topic === undefined ? this.topicRetryAt.has(cursor.topic) : cursor.partition >= topic.partitions.length
    if (!confirmed) {
      this.missingSince.delete(cursor.key)
      return false
    }
    const since = this.missingSince.get(cursor.key)
    if (since === undefined) this.missingSince.set(cursor.key, now)
    if (since === undefined || now - since < MISSING_PARTITION_MS) {
      if (topic !== undefined) metadata.requestRefresh(`${cursor.topic}-${cursor.partition} is not in the metadata`)
      return false
    }
    this.missingSince.delete(cursor.key)
    const errorMessage =
      topic === undefined
        ? `Topic "${cursor.topic}" does not exist: create it or check the name, then seek() to read partition ${cursor.partition}.`
        : `Topic "${cursor.topic}" has ${topic.partitions.length} partitions (0 to ${topic.partitions.length - 1}), so partition ${cursor.partition} does not exist: add partitions or fix the assignment, then seek().`
    this.host.fail(cursor, KafkaProtocolError.fromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic: cursor.topic, partition: cursor.partition, errorMessage }))
    return true
  }

  /** Loads a topic the metadata does not know yet (with a back-off after a failure). */
  loadTopic(topic: string): void {
    if (this.topicsLoading.has(topic) || (this.topicRetryAt.get(topic) ?? 0) > Date.now()) return
    this.topicsLoading.add(topic)
    this.host.metadata
      .addTopics([topic])
      .catch((error: unknown) => {
        this.topicRetryAt.set(topic, Date.now() + TOPIC_RETRY_MS)
        this.host.logger.warn({ topic, error: String(error) }, 'cannot load topic metadata; retrying')
      })
      .finally(() => {
        this.topicsLoading.delete(topic)
        this.kick()
      })
  }

  /** ListOffsets to the leader for cursors that need an offset (earliest, latest, timestamp, reset policy). */
  private async resolveOffsets(leader: number, cursors: Cursor[]): Promise<void> {
    const generations = cursors.map((cursor) => cursor.generation)
    for (const cursor of cursors) cursor.busy = true
    try {
      const connection = await this.host.connect(leader, 'metadata')
      const first = await this.listOffsets(connection, cursors.map((cursor) => ({ cursor, timestamp: primaryTimestamp(cursor) })))
      // A delta is clamped to the log: latest - n needs the log start, earliest + n the log end.
      const bounds = cursors
        .filter((cursor) => (cursor.resolve?.kind === 'earliest' || cursor.resolve?.kind === 'latest') && cursor.resolve.delta !== 0n)
        .map((cursor) => ({ cursor, timestamp: cursor.resolve?.kind === 'latest' ? LIST_OFFSETS_EARLIEST : LIST_OFFSETS_LATEST }))
      const second = bounds.length > 0 ? await this.listOffsets(connection, bounds) : new Map<string, PartitionOffset>()
      const now = Date.now()
      let refresh = false
      cursors.forEach((cursor, i) => {
        cursor.busy = false
        const target = cursor.resolve
        if (!this.host.isAssigned(cursor) || cursor.generation !== generations[i] || cursor.state !== 'resolving') return
        if (target === null || target.kind === 'policy') return
        const answer = first.get(cursor.key)
        if (answer === undefined || answer.errorCode !== ErrorCode.NONE) {
          const code = answer?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          if (LIST_OFFSETS_RETRIABLE.has(code)) {
            cursor.retryAt = now + this.host.options.retryBackoffMs
            refresh = true
          } else {
            this.host.fail(cursor, KafkaProtocolError.fromCode(code, { apiName: 'ListOffsets', topic: cursor.topic, partition: cursor.partition }))
          }
          return
        }
        let offset = answer.offset
        let epoch = answer.leaderEpoch
        if (target.kind === 'timestamp') {
          if (offset < 0n) {
            // No record at or after the timestamp: start at the log end (as Java's reset by timestamp).
            cursor.resolve = { kind: 'latest', delta: 0n, policy: false }
            cursor.retryAt = 0
            return
          }
        } else if (target.delta !== 0n) {
          const bound = second.get(cursor.key)
          if (bound === undefined || bound.errorCode !== ErrorCode.NONE) {
            cursor.retryAt = now + this.host.options.retryBackoffMs
            refresh = true
            return
          }
          const shifted = offset + target.delta
          offset = target.kind === 'latest' ? (shifted < bound.offset ? bound.offset : shifted) : shifted > bound.offset ? bound.offset : shifted
          epoch = -1
        }
        const wasPolicy = target.kind !== 'timestamp' && target.policy
        const previousOffset = cursor.resetFrom
        const reason = cursor.resetReason
        this.host.startFetchingAt(cursor, offset, epoch)
        if (wasPolicy && (target.kind === 'earliest' || target.kind === 'latest')) {
          this.host.logger.info({ topic: cursor.topic, partition: cursor.partition, previousOffset, offset, policy: target.kind, reason }, 'offset reset')
          this.host.offsetReset({ topic: cursor.topic, partition: cursor.partition, previousOffset, offset, policy: target.kind, reason: reason ?? 'reset policy' })
        }
      })
      if (refresh) this.host.metadata.requestRefresh('ListOffsets answered a retriable error')
    } catch (error) {
      this.requestFailed('ListOffsets', leader, cursors, generations, error)
    } finally {
      for (const cursor of cursors) cursor.busy = false
      this.kick()
    }
  }

  private async listOffsets(connection: BrokerConnection, items: Array<{ cursor: Cursor; timestamp: bigint }>): Promise<Map<string, PartitionOffset>> {
    const topics = new Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }>>()
    for (const { cursor, timestamp } of items) {
      const list = topics.get(cursor.topic) ?? []
      list.push({ partitionIndex: cursor.partition, currentLeaderEpoch: (this.host.metadata.partition(cursor.topic, cursor.partition)?.leaderEpoch ?? -1), timestamp })
      topics.set(cursor.topic, list)
    }
    const response = await connection.request(
      ListOffsetsApi,
      ListOffsetsApi.createRequest({
        replicaId: -1,
        isolationLevel: this.host.options.isolationLevel === 'read_committed' ? 1 : 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        timeoutMs: 30_000,
      }),
    )
    const answers = new Map<string, PartitionOffset>()
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        answers.set(topicPartitionKey(topic.name, partition.partitionIndex), { errorCode: partition.errorCode, offset: partition.offset, leaderEpoch: partition.leaderEpoch })
      }
    }
    return answers
  }

  /** OffsetForLeaderEpoch to the leader (KIP-320) for cursors whose position must be checked. */
  private async validateOffsets(leader: number, cursors: Cursor[]): Promise<void> {
    const generations = cursors.map((cursor) => cursor.generation)
    for (const cursor of cursors) cursor.busy = true
    try {
      const connection = await this.host.connect(leader, 'metadata')
      const topics = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }>>()
      const asked = new Map<string, number>()
      for (const cursor of cursors) {
        const currentLeaderEpoch = (this.host.metadata.partition(cursor.topic, cursor.partition)?.leaderEpoch ?? -1)
        // Without an epoch for the offset, the current epoch's end offset (the leader's log end) still bounds it.
        const leaderEpoch = cursor.offsetEpoch >= 0 ? cursor.offsetEpoch : currentLeaderEpoch
        asked.set(cursor.key, leaderEpoch)
        if (leaderEpoch < 0) continue
        const list = topics.get(cursor.topic) ?? []
        list.push({ partition: cursor.partition, currentLeaderEpoch, leaderEpoch })
        topics.set(cursor.topic, list)
      }
      const answers = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: bigint }>()
      if (topics.size > 0) {
        const response = await connection.request(
          OffsetForLeaderEpochApi,
          OffsetForLeaderEpochApi.createRequest({ replicaId: -1, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }),
        )
        for (const topic of response.topics) {
          for (const partition of topic.partitions) {
            answers.set(topicPartitionKey(topic.topic, partition.partition), { errorCode: partition.errorCode, leaderEpoch: partition.leaderEpoch, endOffset: partition.endOffset })
          }
        }
      }
      const now = Date.now()
      let refresh = false
      cursors.forEach((cursor, i) => {
        cursor.busy = false
        if (!this.host.isAssigned(cursor) || cursor.generation !== generations[i] || cursor.state !== 'validating') return
        const answer = answers.get(cursor.key) ?? (asked.get(cursor.key)! < 0 ? { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1n } : undefined)
        if (answer === undefined) {
          cursor.retryAt = now + this.host.options.retryBackoffMs
          return
        }
        const decision = decideValidation(cursor.fetchOffset, cursor.offsetEpoch, answer)
        switch (decision.action) {
          case 'valid':
            this.host.logger.debug({ topic: cursor.topic, partition: cursor.partition, offset: cursor.fetchOffset, leaderEpoch: cursor.offsetEpoch, leader }, 'offset validated with the leader')
            cursor.offsetEpoch = decision.offsetEpoch
            if (cursor.position === cursor.fetchOffset) cursor.positionEpoch = decision.offsetEpoch
            cursor.state = 'fetching'
            // Back to a lagging follower (it answered OFFSET_OUT_OF_RANGE): give it a moment.
            cursor.retryAt = cursor.preferredReplica >= 0 ? now + this.host.options.retryBackoffMs : 0
            this.host.place(cursor, now)
            break
          case 'truncated':
            this.host.truncate(cursor, decision.endOffset, decision.endOffsetEpoch, 'validation')
            break
          case 'fetch-from-leader':
            this.host.logger.debug({ topic: cursor.topic, partition: cursor.partition, reason: decision.reason }, 'offset not confirmed by the leader; fetching from the leader')
            cursor.preferredReplica = -1
            cursor.state = 'fetching'
            cursor.retryAt = 0
            this.host.place(cursor, now)
            break
          case 'retry':
            cursor.retryAt = now + this.host.options.retryBackoffMs
            if (decision.refreshMetadata) refresh = true
            break
          case 'fail':
            this.host.fail(cursor, KafkaProtocolError.fromCode(decision.errorCode, { apiName: 'OffsetForLeaderEpoch', topic: cursor.topic, partition: cursor.partition }))
            break
        }
      })
      if (refresh) this.host.metadata.requestRefresh('OffsetForLeaderEpoch answered a retriable error')
    } catch (error) {
      this.requestFailed('OffsetForLeaderEpoch', leader, cursors, generations, error)
    } finally {
      for (const cursor of cursors) cursor.busy = false
      this.kick()
    }
  }

  private requestFailed(api: string, leader: number, cursors: Cursor[], generations: number[], error: unknown): void {
    if (this.host.closed) return
    const retriable = !KafkaError.isInstance(error) || error.retriable
    const retryAt = Date.now() + (retriable ? this.host.options.retryBackoffMs : SLOW_RETRY_MS)
    cursors.forEach((cursor, i) => {
      if (cursor.generation === generations[i]) cursor.retryAt = retryAt
    })
    this.host.logger.debug({ api, broker: leader, error: String(error) }, 'request to the leader failed; retrying')
    this.host.metadata.requestRefresh(`${api} to broker ${leader} failed`)
    if (!retriable && KafkaError.isInstance(error)) this.host.reportError(error)
  }
}

function primaryTimestamp(cursor: Cursor): bigint {
  const target = cursor.resolve
  if (target === null || target.kind === 'policy') return LIST_OFFSETS_LATEST
  if (target.kind === 'timestamp') return target.timestamp
  return target.kind === 'earliest' ? LIST_OFFSETS_EARLIEST : LIST_OFFSETS_LATEST
}
