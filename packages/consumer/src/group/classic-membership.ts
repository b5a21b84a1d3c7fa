import { type Logger, backoffMs } from '@kafkats/connection'
import type { ClusterMetadata } from '@kafkats/metadata'
import {
  ErrorCode,
  HeartbeatApi,
  JoinGroupApi,
  type JoinGroupResponse,
  KafkaError,
  KafkaProtocolError,
  LeaveGroupApi,
  SyncGroupApi,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '@kafkats/protocol'
import type { Assignor, AssignorMember, AssignorPartition, TopicPartition } from './assignors/types.js'
import { CommitFailedError } from './commit-failed-error.js'
import { COORDINATOR_ERRORS, COORDINATOR_RETRY_ERRORS, type GroupCoordinator } from './coordinator.js'
import type { Membership, MembershipHost } from './membership.js'
import type { CommitIdentity } from './offsets.js'
import { RETRY_BACKOFF_MAX_MS, Signal, byTopic, describePartitions, sleep, topicPartitionKey, within } from './util.js'
import { groupJoinChannel, groupSyncChannel } from '../diagnostics.js'

export interface ClassicMembershipOptions {
  groupId: string
  topics: readonly string[]
  groupInstanceId: string | null
  rack: string | null
  assignors: readonly Assignor[]
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  heartbeatIntervalMs: number
  retryBackoffMs: number
  metadata: ClusterMetadata
  coordinator: GroupCoordinator
  host: MembershipHost
  logger: Logger
}

/** A rebalance step that must start over with a new JoinGroup (not an error to report). */
class RejoinNeeded extends Error {}

/** Error codes of JoinGroup/SyncGroup/Heartbeat that no retry can fix. */
const FATAL_GROUP_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  ErrorCode.INVALID_SESSION_TIMEOUT,
  ErrorCode.INVALID_GROUP_ID,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.INVALID_REQUEST,
])

/**
 * The classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup), as Java's
 * `ConsumerCoordinator`:
 *
 * - a join loop that runs whenever a rejoin is needed: prepare (commit; eager protocols revoke
 *   everything), JoinGroup (MEMBER_ID_REQUIRED → again with the given id; static members send
 *   their instance id, KIP-345), the leader runs the assignor over the members' subscriptions,
 *   SyncGroup, then the assignment is applied: with a cooperative protocol (KIP-429) only the
 *   partitions that move are revoked, followed by another rebalance;
 * - a heartbeat loop on its own timer, paused only while a JoinGroup/SyncGroup is in flight (the
 *   coordinator keeps the member alive during those). REBALANCE_IN_PROGRESS → rejoin;
 *   UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION → the partitions are lost, then rejoin;
 *   FENCED_INSTANCE_ID → fatal;
 * - coordinator errors (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS,
 *   a dropped connection) → find the coordinator again and retry with back-off.
 */
export class ClassicMembership implements Membership {
  readonly protocol = 'classic'
  memberId = ''
  generationId = -1
  private protocolName: string | null = null
  private isLeader = false
  private readonly rebalanceProtocol: 'eager' | 'cooperative'
  private rejoinNeeded = true
  private rejoinReason = 'initial join'
  /** True while a JoinGroup or SyncGroup is in flight: commits wait, heartbeats pause. */
  private joining = false
  private closing = false
  private closed = false
  private readonly wake = new Signal()
  private readonly joinDone = new Signal()
  private readonly stop = new AbortController()
  private joinLoop: Promise<void> | null = null
  private heartbeatLoop: Promise<void> | null = null
  private removeMetadataListener: (() => void) | null = null
  /**
   * The leader's view of the subscribed topics when it computed the assignment: partitions per
   * topic, 0 for a topic its metadata did not have (Java's assignment snapshot). A later metadata
   * view that differs means the assignment is stale and the leader rejoins.
   */
  private assignmentSnapshot: Map<string, number> | null = null
  private readonly logger: Logger

  constructor(private readonly options: ClassicMembershipOptions) {
    this.logger = options.logger
    // Java: the rebalance protocol is the newest one every configured assignor supports.
    this.rebalanceProtocol = options.assignors.every((assignor) => assignor.rebalanceProtocol === 'cooperative') ? 'cooperative' : 'eager'
  }

  start(): void {
    if (this.joinLoop !== null) return
    this.joinLoop = this.runJoinLoop()
    this.heartbeatLoop = this.runHeartbeatLoop()
    // A subscribed topic gaining partitions needs a new assignment (Java: the leader's metadata snapshot check).
    this.removeMetadataListener = this.options.metadata.on('partitionsAdded', (event) => {
      if (this.isLeader && this.options.topics.includes(event.topic)) this.requestRejoin(`partitions added to ${event.topic}`)
    })
  }

  requestRejoin(reason: string): void {
    if (this.closing) return
    if (!this.rejoinNeeded) this.logger.info({ reason }, 'rejoining the group')
    this.rejoinNeeded = true
    this.rejoinReason = reason
    this.wake.notify()
  }

  async commitIdentity(): Promise<CommitIdentity> {
    while (this.joining) await this.joinDone.wait()
    if (this.generationId < 0 || this.memberId === '') {
      throw new CommitFailedError('cannot commit: the consumer is not a member of the group (rejoining)', [])
    }
    return { generationIdOrMemberEpoch: this.generationId, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId }
  }

  async settled(): Promise<void> {
    while (this.joining) await this.joinDone.wait()
  }

  commitFenced(errorCode: number): void {
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
    if (errorCode !== ErrorCode.REBALANCE_IN_PROGRESS) this.generationId = -1
    this.requestRejoin(`commit failed: ${KafkaProtocolError.fromCode(errorCode).errorName}`)
  }

  beginClose(): void {
    this.closing = true
    this.wake.notify()
  }

  async leave(): Promise<void> {
    this.closing = true
    this.closed = true
    this.stop.abort()
    this.wake.notify()
    this.removeMetadataListener?.()
    // A JoinGroup in flight holds the group connection; wait for the loop to notice the close.
    await within(this.joinLoop ?? Promise.resolve(), this.options.rebalanceTimeoutMs)
    await this.heartbeatLoop
    if (this.options.groupInstanceId !== null) {
      // KIP-345: a static member does not leave; the coordinator keeps its partitions for the
      // session timeout so that a restart gets them back without a rebalance (as Java).
      this.logger.info({ groupInstanceId: this.options.groupInstanceId }, 'static member closing without LeaveGroup')
      return
    }
    if (this.memberId === '') return
    try {
      const connection = await this.options.coordinator.connection()
      const version = connection.versionFor(LeaveGroupApi)
      const response = await connection.request(
        LeaveGroupApi,
        LeaveGroupApi.createRequest(
          version >= 3
            ? { groupId: this.options.groupId, members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }] }
            : { groupId: this.options.groupId, memberId: this.memberId },
        ),
      )
      const errorCode = response.errorCode !== 0 ? response.errorCode : (response.members[0]?.errorCode ?? 0)
      if (errorCode !== 0) this.logger.warn({ error: KafkaProtocolError.fromCode(errorCode).errorName }, 'LeaveGroup failed')
      else this.logger.info({ memberId: this.memberId }, 'left the group')
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'LeaveGroup failed')
    }
    this.memberId = ''
    this.generationId = -1
  }

  // ------------------------------------------------------------------------------------------
  // join

  private async runJoinLoop(): Promise<void> {
    let attempt = 0
    while (!this.closing) {
      if (!this.rejoinNeeded) {
        await this.wake.wait()
        continue
      }
      try {
        await this.rejoin()
        attempt = 0
      } catch (error) {
        this.rejoinNeeded = true
        if (this.closing) break
        if (error instanceof RejoinNeeded) {
          this.logger.debug({ reason: error.message }, 'rejoin needed')
          continue
        }
        if (!(KafkaError.isInstance(error) && error.retriable)) {
          this.logger.error({ error: String(error) }, 'group membership failed')
          this.options.host.fatal(error)
          return
        }
        this.logger.warn({ attempt, error: String(error) }, 'joining the group failed; retrying')
        await sleep(backoffMs(attempt++, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS), this.stop.signal)
      }
    }
  }

  private async rejoin(): Promise<void> {
    if (this.closing) return
    const { host } = this.options
    const owned = host.owned()
    // Java's onJoinPrepare: a reset generation means the group has moved on: the partitions are lost.
    if (this.generationId < 0 && owned.length > 0) await host.lose(owned, 'the member generation was reset')
    await host.prepareJoin(this.rebalanceProtocol === 'eager')
    if (this.closing) return
    this.rejoinNeeded = false
    const reason = this.rejoinReason
    this.joining = true
    let assignment: TopicPartition[]
    try {
      const join = await this.joinGroup(reason)
      assignment = await this.syncGroup(join)
    } finally {
      this.joining = false
      this.joinDone.notify()
    }
    this.logger.info(
      { generationId: this.generationId, memberId: this.memberId, protocol: this.protocolName, assignment: describePartitions(assignment) },
      'joined the group',
    )
    await this.applyAssignment(assignment)
  }

  /** The JoinGroup metadata offered with `assignor`: the same subscription, with that assignor's user data. */
  private subscriptionMetadata(assignor: Assignor): Uint8Array {
    const owned = this.rebalanceProtocol === 'cooperative' ? this.options.host.owned() : []
    return encodeConsumerProtocolSubscription(
      {
        topics: [...this.options.topics],
        userData: assignor.subscriptionUserData?.(this.options.topics) ?? null,
        ownedPartitions: [...byTopic(owned)].map(([topic, partitions]) => ({ topic, partitions })),
        generationId: this.generationId,
        rackId: this.options.rack,
      },
      3,
    )
  }

  private async joinGroup(reason: string): Promise<JoinGroupResponse> {
    const { groupId, groupInstanceId, coordinator } = this.options
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new RejoinNeeded('closing')
      let response: JoinGroupResponse
      const startedAt = performance.now()
      try {
        const connection = await coordinator.connection()
        response = await connection.request(
          JoinGroupApi,
          JoinGroupApi.createRequest({
            groupId,
            sessionTimeoutMs: this.options.sessionTimeoutMs,
            rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
            memberId: this.memberId,
            groupInstanceId,
            protocolType: 'consumer',
            protocols: this.options.assignors.map((assignor) => ({ name: assignor.name, metadata: this.subscriptionMetadata(assignor) })),
            reason,
          }),
          // The coordinator holds a JoinGroup until every member rejoined, up to the rebalance timeout.
          { serverTimeoutMs: this.options.rebalanceTimeoutMs + 5_000 },
        )
      } catch (error) {
        if (!coordinator.retriable(error)) throw error
        await sleep(backoffMs(attempt, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS), this.stop.signal)
        continue
      }
      const code = response.errorCode
      if (code === 0) {
        this.memberId = response.memberId
        this.generationId = response.generationId
        this.protocolName = response.protocolName
        if (groupJoinChannel.hasSubscribers) {
          groupJoinChannel.publish({
            groupId,
            memberId: response.memberId,
            generationId: response.generationId,
            protocol: 'classic',
            leader: response.leader === response.memberId,
            protocolName: response.protocolName,
            memberCount: response.members.length,
            durationMs: performance.now() - startedAt,
          })
        }
        return response
      }
      const error = KafkaProtocolError.fromCode(code, { apiName: 'JoinGroup', groupId })
      if (code === ErrorCode.MEMBER_ID_REQUIRED) {
        // KIP-394: the coordinator hands out the member id; join again with it at once.
        this.memberId = response.memberId
        continue
      }
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        this.generationId = -1
        continue
      }
      if (COORDINATOR_RETRY_ERRORS.has(code) || code === ErrorCode.REBALANCE_IN_PROGRESS) {
        if (COORDINATOR_ERRORS.has(code)) coordinator.markUnknown(error.errorName)
        await sleep(backoffMs(attempt, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS), this.stop.signal)
        continue
      }
      throw error
    }
  }

  private async syncGroup(join: JoinGroupResponse): Promise<TopicPartition[]> {
    const { groupId, groupInstanceId, coordinator } = this.options
    const isLeader = join.leader === join.memberId
    this.isLeader = isLeader
    if (!isLeader) this.assignmentSnapshot = null
    // KIP-814: a static leader rejoining a stable group is told to skip the assignment.
    const assignments = isLeader && !join.skipAssignment ? await this.assign(join) : []
    const startedAt = performance.now()
    let response
    try {
      const connection = await coordinator.connection()
      response = await connection.request(
        SyncGroupApi,
        SyncGroupApi.createRequest({
          groupId,
          generationId: join.generationId,
          memberId: join.memberId,
          groupInstanceId,
          protocolType: 'consumer',
          protocolName: join.protocolName,
          assignments,
        }),
        { serverTimeoutMs: this.options.rebalanceTimeoutMs },
      )
    } catch (error) {
      if (!coordinator.retriable(error)) throw error
      throw new RejoinNeeded(`SyncGroup failed: ${String(error)}`)
    }
    const code = response.errorCode
    if (code !== 0) {
      const error = KafkaProtocolError.fromCode(code, { apiName: 'SyncGroup', groupId })
      if (FATAL_GROUP_ERRORS.has(code)) throw error
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        this.generationId = -1
      } else if (code === ErrorCode.ILLEGAL_GENERATION) {
        this.generationId = -1
      } else if (COORDINATOR_ERRORS.has(code)) {
        coordinator.markUnknown(error.errorName)
      }
      throw new RejoinNeeded(error.message)
    }
    const assigned =
      response.assignment.length === 0
        ? []
        : decodeConsumerProtocolAssignment(response.assignment).assignedPartitions.flatMap((entry) => entry.partitions.map((partition) => ({ topic: entry.topic, partition })))
    if (groupSyncChannel.hasSubscribers) {
      groupSyncChannel.publish({
        groupId,
        memberId: join.memberId,
        generationId: join.generationId,
        protocol: 'classic',
        leader: isLeader,
        assignedPartitions: assigned.map((tp) => ({ ...tp })),
        durationMs: performance.now() - startedAt,
      })
    }
    return assigned
  }

  /** The leader's part: run the selected assignor over every member's subscription. */
  private async assign(join: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Uint8Array }>> {
    const assignor = this.options.assignors.find((candidate) => candidate.name === join.protocolName)
    if (assignor === undefined) {
      throw new KafkaError(`the coordinator selected assignor ${String(join.protocolName)}, which this consumer does not have`, {
        errorName: 'INCONSISTENT_GROUP_PROTOCOL',
      })
    }
    const members: AssignorMember[] = join.members.map((member) => {
      const subscription = decodeConsumerProtocolSubscription(member.metadata)
      return {
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        topics: subscription.topics,
        ownedPartitions: subscription.ownedPartitions.flatMap((entry) => entry.partitions.map((partition) => ({ topic: entry.topic, partition }))),
        generationId: subscription.generationId,
        rackId: subscription.rackId,
        userData: subscription.userData,
      }
    })
    const topics = new Map<string, AssignorPartition[]>()
    const { metadata } = this.options
    const wanted = [...new Set(members.flatMap((member) => member.topics))].sort()
    for (const topic of wanted) {
      try {
        await metadata.addTopics([topic])
      } catch (error) {
        this.logger.warn({ topic, error: String(error) }, 'subscribed topic not found; not assigning it')
        continue
      }
      const info = metadata.topic(topic)
      if (info === undefined) continue
      topics.set(
        topic,
        info.partitions
          .filter((p) => p !== undefined)
          .map((p) => ({
            partition: p.partition,
            racks: [...new Set(p.replicas.map((id) => metadata.broker(id)?.rack).filter((rack): rack is string => rack !== null && rack !== undefined))],
          })),
      )
    }
    this.assignmentSnapshot = new Map(wanted.map((topic) => [topic, topics.get(topic)?.length ?? 0]))
    const result = await assignor.assign({ members, topics })
    // Sanity: no partition to two members (a broken custom assignor must not cause double processing).
    const seen = new Set<string>()
    for (const list of result.values()) {
      for (const tp of list) {
        const key = topicPartitionKey(tp.topic, tp.partition)
        if (seen.has(key)) throw new KafkaError(`assignor ${assignor.name} gave ${tp.topic}-${tp.partition} to two members`, { errorName: 'INVALID_ASSIGNMENT' })
        seen.add(key)
      }
    }
    this.logger.info(
      { generationId: join.generationId, assignor: assignor.name, members: members.length, assignment: Object.fromEntries([...result].map(([id, list]) => [id, describePartitions(list)])) },
      'computed the group assignment',
    )
    return members.map((member) => ({
      memberId: member.memberId,
      assignment: encodeConsumerProtocolAssignment({
        // In the assignor's order: members may report it (KafkaJS lists assigned topics as its leader encoded them).
        assignedPartitions: [...byTopic(result.get(member.memberId) ?? [], 'as-given')].map(([topic, partitions]) => ({ topic, partitions })),
        userData: null,
      }),
    }))
  }

  /** KIP-429 on the member side: revoke what left the assignment (then rejoin), add what is new. */
  private async applyAssignment(assignment: TopicPartition[]): Promise<void> {
    const { host } = this.options
    const assigned = new Set(assignment.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const owned = host.owned()
    const ownedKeys = new Set(owned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const revoked = owned.filter((tp) => !assigned.has(topicPartitionKey(tp.topic, tp.partition)))
    const added = assignment.filter((tp) => !ownedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
    if (revoked.length > 0) {
      await host.revoke(revoked)
      // The partitions can go to their new owners only in the next generation.
      if (this.rebalanceProtocol === 'cooperative') this.requestRejoin(`revoked ${describePartitions(revoked)}`)
    }
    if (added.length > 0) await host.assign(added)
  }

  /**
   * The leader's metadata check (Java: `ConsumerCoordinator.rejoinNeededOrPending`): a subscribed
   * topic the assignment did not see (a broker that had not learned of a new topic yet answered the
   * leader's Metadata request) or whose partition count grew makes the assignment stale. While a
   * subscribed topic is missing the leader asks for metadata again on each heartbeat, so a topic
   * that appears is assigned within a heartbeat interval instead of at the next metadata max age.
   */
  private async checkAssignmentSnapshot(): Promise<void> {
    const snapshot = this.assignmentSnapshot
    if (!this.isLeader || snapshot === null) return
    const { metadata } = this.options
    const missing = [...snapshot].filter(([, count]) => count === 0).map(([topic]) => topic)
    if (missing.length > 0) await metadata.addTopics(missing).catch(() => undefined)
    if (this.assignmentSnapshot !== snapshot || this.closing) return
    for (const [topic, count] of snapshot) {
      const now = metadata.topic(topic)?.partitions.length ?? 0
      // A topic that vanished from the metadata is left alone: a broker that lags behind answers
      // UNKNOWN_TOPIC_OR_PARTITION for a moment, and a rebalance for that would be spurious.
      if (now > 0 && now !== count) {
        this.assignmentSnapshot = null
        this.requestRejoin(`the assignment saw ${count} partitions of ${topic}, the metadata now has ${now}`)
        return
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // heartbeat

  private async runHeartbeatLoop(): Promise<void> {
    const { coordinator, groupId, groupInstanceId } = this.options
    while (!this.closed) {
      await sleep(this.options.heartbeatIntervalMs, this.stop.signal)
      if (this.closed) return
      if (this.joining || this.generationId < 0 || this.memberId === '') continue
      const generationId = this.generationId
      const memberId = this.memberId
      let code: number
      try {
        const connection = await coordinator.connection()
        const response = await connection.request(HeartbeatApi, HeartbeatApi.createRequest({ groupId, generationId, memberId, groupInstanceId }))
        code = response.errorCode
      } catch (error) {
        if (!coordinator.retriable(error)) this.logger.warn({ error: String(error) }, 'heartbeat failed')
        continue
      }
      // An answer about a generation we already left behind says nothing about the current one.
      if (this.joining || generationId !== this.generationId || memberId !== this.memberId || this.closed) continue
      if (code === 0) {
        await this.checkAssignmentSnapshot()
        continue
      }
      const error = KafkaProtocolError.fromCode(code, { apiName: 'Heartbeat', groupId })
      if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
        this.requestRejoin('the group is rebalancing')
      } else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
        this.logger.warn({ error: error.errorName, generationId }, 'heartbeat: no longer a member of this generation; partitions are lost')
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
        this.generationId = -1
        this.requestRejoin(error.errorName)
      } else if (COORDINATOR_RETRY_ERRORS.has(code)) {
        if (COORDINATOR_ERRORS.has(code)) coordinator.markUnknown(error.errorName)
      } else if (FATAL_GROUP_ERRORS.has(code)) {
        this.logger.error({ error: error.message }, 'heartbeat: fatal group error')
        this.closing = true
        this.generationId = -1
        const owned = this.options.host.owned()
        if (owned.length > 0) await this.options.host.lose(owned, error.errorName)
        this.options.host.fatal(error)
        return
      } else {
        this.logger.warn({ error: error.message }, 'heartbeat failed')
      }
    }
  }
}
