import { type Logger, backoffMs } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import {
  ConsumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatResponse,
  ErrorCode,
  KafkaError,
  KafkaProtocolError,
  ZERO_UUID,
  randomUuid,
} from '@kafkats/protocol'
import type { TopicPartition } from './assignors/types.js'
import { CommitFailedError } from './commit-failed-error.js'
import { COORDINATOR_ERRORS, COORDINATOR_RETRY_ERRORS, type GroupCoordinator } from './coordinator.js'
import type { Membership, MembershipHost } from './membership.js'
import type { CommitIdentity } from './offsets.js'
import { RETRY_BACKOFF_MAX_MS, Signal, byTopic, describePartitions, sleep, topicPartitionKey, within } from './util.js'
import { groupJoinChannel } from '../diagnostics.js'

export interface ConsumerMembershipOptions {
  groupId: string
  topics: readonly string[]
  groupInstanceId: string | null
  rack: string | null
  /** Server-side assignor (`uniform`, `range`), or null for the broker's default. */
  serverAssignor: string | null
  rebalanceTimeoutMs: number
  retryBackoffMs: number
  metadata: ClusterMetadata
  coordinator: GroupCoordinator
  host: MembershipHost
  logger: Logger
}

/** Member epochs with a meaning of their own (ConsumerGroupHeartbeat). */
const LEAVE_EPOCH = -1
const STATIC_LEAVE_EPOCH = -2

/**
 * The KIP-848 consumer group protocol: one ConsumerGroupHeartbeat loop, the assignment computed by
 * the coordinator. The member generates its own id (KIP-1082), joins with epoch 0, and at every
 * new target assignment reconciles: revokes what is no longer assigned (letting the application
 * finish and commit), takes what is new, then acknowledges at once with the partitions it owns.
 * FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID → the partitions are lost; rejoin with epoch 0.
 * Leaving: epoch -1, or -2 for a static member (its partitions wait for it for the session timeout).
 */
export class ConsumerMembership implements Membership {
  readonly protocol = 'consumer'
  memberId: string = randomUuid()
  private memberEpoch = 0
  private intervalMs = 0
  /** The latest assignment from the coordinator (topic ids resolved), or null when none is pending. */
  private target: TopicPartition[] | null = null
  /** Topic ids of the target the metadata could not name yet. */
  private unresolved: Array<{ topicId: string; partitions: number[] }> = []
  private reconciling: Promise<void> | null = null
  private closing = false
  private closed = false
  private readonly wakeHeartbeat = new Signal()
  private readonly answered = new Signal()
  private wakeTimer: AbortController = new AbortController()
  private loop: Promise<void> | null = null
  private readonly logger: Logger

  constructor(private readonly options: ConsumerMembershipOptions) {
    this.logger = options.logger
  }

  get generationId(): number {
    return this.memberEpoch
  }

  start(): void {
    if (this.loop !== null) return
    this.loop = this.run()
  }

  async commitIdentity(): Promise<CommitIdentity> {
    if (this.memberEpoch <= 0) throw new CommitFailedError('cannot commit: the consumer is not a member of the group (rejoining)', [])
    return { generationIdOrMemberEpoch: this.memberEpoch, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId }
  }

  /** Resolves after the next heartbeat answer (a newer member epoch, perhaps). */
  async settled(): Promise<void> {
    const answered = this.answered.wait()
    this.heartbeatNow()
    await within(answered, Math.max(this.intervalMs, 1000))
  }

  commitFenced(errorCode: number): void {
    if (errorCode === ErrorCode.FENCED_MEMBER_EPOCH || errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.fenced(errorCode)
    else this.heartbeatNow()
  }

  beginClose(): void {
    this.closing = true
  }

  async leave(): Promise<void> {
    this.closing = true
    this.closed = true
    this.heartbeatNow()
    await this.loop
    await this.reconciling
    if (this.memberEpoch <= 0) return
    const epoch = this.options.groupInstanceId === null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH
    try {
      const response = await this.send(epoch)
      if (response.errorCode !== 0) {
        this.logger.warn({ error: KafkaProtocolError.fromCode(response.errorCode).errorName }, 'leaving the group failed')
      } else {
        this.logger.info({ memberId: this.memberId, epoch }, 'left the group')
      }
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'leaving the group failed')
    }
    this.memberEpoch = LEAVE_EPOCH
  }

  private heartbeatNow(): void {
    this.wakeTimer.abort()
  }

  private async run(): Promise<void> {
    await this.options.metadata.addTopics(this.options.topics).catch((error: unknown) => {
      this.logger.warn({ error: String(error) }, 'subscribed topics not all known yet')
    })
    let attempt = 0
    let delay = 0
    while (!this.closed) {
      await sleep(delay, this.wakeTimer.signal)
      if (this.wakeTimer.signal.aborted) this.wakeTimer = new AbortController()
      if (this.closed) return
      let response: ConsumerGroupHeartbeatResponse
      try {
        response = await this.send(this.memberEpoch)
      } catch (error) {
        if (!this.options.coordinator.retriable(error)) {
          this.fail(error)
          return
        }
        this.logger.debug({ attempt, error: String(error) }, 'heartbeat failed; retrying')
        delay = backoffMs(attempt++, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS)
        continue
      }
      const code = response.errorCode
      if (code === 0) {
        attempt = 0
        this.handle(response)
        delay = this.intervalMs
        this.answered.notify()
        continue
      }
      this.answered.notify()
      const error = KafkaProtocolError.fromCode(code, { apiName: 'ConsumerGroupHeartbeat', groupId: this.options.groupId, errorMessage: response.errorMessage })
      if (code === ErrorCode.FENCED_MEMBER_EPOCH || code === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.fenced(code)
        delay = 0
      } else if (COORDINATOR_RETRY_ERRORS.has(code) || code === ErrorCode.UNRELEASED_INSTANCE_ID) {
        this.logger.debug({ attempt, error: error.message }, 'heartbeat failed; retrying')
        if (COORDINATOR_ERRORS.has(code)) this.options.coordinator.markUnknown(error.errorName)
        delay = backoffMs(attempt++, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS)
      } else {
        this.fail(error)
        return
      }
    }
  }

  private async send(memberEpoch: number): Promise<ConsumerGroupHeartbeatResponse> {
    const { coordinator, metadata } = this.options
    const connection = await coordinator.connection()
    const owned = memberEpoch === 0 ? [] : this.options.host.owned()
    const topicPartitions = [...byTopic(owned)].map(([topic, partitions]) => ({ topicId: metadata.topic(topic)?.topicId ?? ZERO_UUID, partitions }))
    return connection.request(
      ConsumerGroupHeartbeatApi,
      ConsumerGroupHeartbeatApi.createRequest({
        groupId: this.options.groupId,
        memberId: this.memberId,
        memberEpoch,
        instanceId: this.options.groupInstanceId,
        rackId: this.options.rack,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        subscribedTopicNames: [...this.options.topics],
        serverAssignor: this.options.serverAssignor,
        topicPartitions,
      }),
    )
  }

  private handle(response: ConsumerGroupHeartbeatResponse): void {
    if (response.memberId !== null && response.memberId !== '') this.memberId = response.memberId
    if (this.memberEpoch <= 0 && response.memberEpoch > 0 && groupJoinChannel.hasSubscribers) {
      groupJoinChannel.publish({
        groupId: this.options.groupId,
        memberId: this.memberId,
        generationId: response.memberEpoch,
        protocol: 'consumer',
        leader: false,
        protocolName: this.options.serverAssignor,
        memberCount: 0,
        durationMs: 0,
      })
    }
    if (response.memberEpoch !== this.memberEpoch) this.logger.debug({ memberEpoch: response.memberEpoch }, 'member epoch')
    this.memberEpoch = response.memberEpoch
    if (response.heartbeatIntervalMs > 0) this.intervalMs = response.heartbeatIntervalMs
    if (response.assignment !== null) {
      this.unresolved = response.assignment.topicPartitions.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
      this.target = null
    }
    if (this.unresolved.length > 0) this.resolveTarget()
    else if (this.target !== null) this.reconcile()
  }

  /** Names the target's topic ids from metadata (refreshing it for ids it does not know yet). */
  private resolveTarget(): void {
    const byId = new Map([...this.options.metadata.snapshot.topics.values()].map((topic) => [topic.topicId, topic.name]))
    const missing = this.unresolved.filter((tp) => !byId.has(tp.topicId))
    if (missing.length > 0) {
      this.options.metadata.requestRefresh('KIP-848 assignment names unknown topic ids')
      this.logger.debug({ topicIds: missing.map((tp) => tp.topicId) }, 'assignment has unknown topic ids; waiting for metadata')
      return
    }
    this.target = this.unresolved.flatMap((tp) => tp.partitions.map((partition) => ({ topic: byId.get(tp.topicId)!, partition })))
    this.unresolved = []
    this.reconcile()
  }

  /** Brings the owned partitions to the target: revoke first, then assign, then acknowledge. */
  private reconcile(): void {
    if (this.reconciling !== null || this.closing) return
    this.reconciling = (async () => {
      try {
        while (this.target !== null && !this.closing) {
          const target = this.target
          const { host } = this.options
          const wanted = new Set(target.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
          const owned = host.owned()
          const ownedKeys = new Set(owned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
          const revoked = owned.filter((tp) => !wanted.has(topicPartitionKey(tp.topic, tp.partition)))
          const added = target.filter((tp) => !ownedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
          if (revoked.length === 0 && added.length === 0) {
            if (this.target === target) this.target = null
            break
          }
          this.logger.info({ memberEpoch: this.memberEpoch, revoked: describePartitions(revoked), added: describePartitions(added) }, 'reconciling the assignment')
          if (revoked.length > 0) {
            await host.revoke(revoked)
            this.heartbeatNow() // acknowledge the revocation so the partitions can move on
          }
          if (added.length > 0 && !this.closing) await host.assign(added)
          this.heartbeatNow()
          if (this.target === target) this.target = null
        }
      } catch (error) {
        this.logger.error({ error: String(error) }, 'reconciling the assignment failed')
      }
    })().finally(() => {
      // Cleared asynchronously: the body may finish before this assignment (nothing to do).
      this.reconciling = null
    })
  }

  private fenced(code: number): void {
    const name = KafkaProtocolError.fromCode(code).errorName
    this.logger.warn({ error: name, memberEpoch: this.memberEpoch }, 'fenced from the group; partitions are lost; rejoining')
    this.memberEpoch = 0
    this.target = null
    this.unresolved = []
    const owned = this.options.host.owned()
    if (owned.length > 0) void this.options.host.lose(owned, name)
    this.heartbeatNow()
  }

  private fail(error: unknown): void {
    this.logger.error({ error: String(error) }, 'group membership failed')
    this.closing = true
    this.closed = true
    const owned = this.options.host.owned()
    if (owned.length > 0) void this.options.host.lose(owned, KafkaError.isInstance(error) ? error.errorName : 'fatal error')
    this.options.host.fatal(error)
  }
}
