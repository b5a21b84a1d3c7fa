// The group coordinator: classic groups (JoinGroup/SyncGroup/Heartbeat/LeaveGroup with static
// membership) and KIP-848 consumer groups (ConsumerGroupHeartbeat with a server-side uniform
// assignor and revoke-before-assign reconciliation), plus committed offsets. One coordinator
// serves the whole fake cluster; FindCoordinator names the broker that hosts a group.
import { ErrorCode, decodeConsumerProtocolSubscription, randomUuid } from '@kafkats/protocol'
import type { ClusterModel } from './model.js'

export interface CommittedOffset {
  offset: bigint
  leaderEpoch: number
  metadata: string | null
}

interface ClassicMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: Array<{ name: string; metadata: Uint8Array }>
  assignment: Uint8Array
  lastHeartbeatMs: number
  /** Resolves this member's pending JoinGroup. */
  joinWaiter: ((response: JoinResult) => void) | null
  syncWaiter: ((response: SyncResult) => void) | null
}

export interface JoinResult {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  skipAssignment: boolean
  memberId: string
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>
}

export interface SyncResult {
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  assignment: Uint8Array
}

type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable'

interface ConsumerMember {
  memberId: string
  instanceId: string | null
  rackId: string | null
  clientId: string
  memberEpoch: number
  previousEpoch: number
  subscribedTopicNames: string[]
  subscribedTopicRegex: string | null
  rebalanceTimeoutMs: number
  /** What the member was last told it owns (topic id -> partitions). */
  assigned: Map<string, number[]>
  /** What the member reported owning in its last heartbeat. */
  owned: Map<string, number[]>
  lastHeartbeatMs: number
  sentAssignmentKey: string | null
}

export interface GroupState {
  groupId: string
  type: 'classic' | 'consumer'
  offsets: Map<string, CommittedOffset>
  // classic
  state: ClassicState
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leaderId: string | null
  members: Map<string, ClassicMember>
  pendingMemberIds: Set<string>
  rebalanceDeadlineMs: number
  // consumer (KIP-848)
  groupEpoch: number
  consumerMembers: Map<string, ConsumerMember>
  targetAssignment: Map<string, Map<string, number[]>>
}

const EMPTY = new Uint8Array(0)

export interface CoordinatorOptions {
  /** Kafka's group.initial.rebalance.delay.ms (the testkit cluster uses 0; Kafka's default is 3000). */
  initialRebalanceDelayMs: number
  /** group.consumer.heartbeat.interval.ms */
  consumerHeartbeatIntervalMs: number
  /** group.consumer.session.timeout.ms */
  consumerSessionTimeoutMs: number
}

export class GroupCoordinator {
  readonly groups = new Map<string, GroupState>()
  private readonly model: ClusterModel
  private readonly options: CoordinatorOptions
  private readonly timer: NodeJS.Timeout

  constructor(model: ClusterModel, options: CoordinatorOptions) {
    this.model = model
    this.options = options
    // Session and rebalance timeouts are checked on a coarse tick; the timer never keeps the process alive.
    this.timer = setInterval(() => this.tick(Date.now()), 100)
    this.timer.unref()
  }

  close(): void {
    clearInterval(this.timer)
  }

  group(groupId: string, create: boolean): GroupState | undefined {
    let group = this.groups.get(groupId)
    if (group === undefined && create) {
      group = {
        groupId,
        type: 'classic',
        offsets: new Map(),
        state: 'Empty',
        generationId: 0,
        protocolType: null,
        protocolName: null,
        leaderId: null,
        members: new Map(),
        pendingMemberIds: new Set(),
        rebalanceDeadlineMs: 0,
        groupEpoch: 0,
        consumerMembers: new Map(),
        targetAssignment: new Map(),
      }
      this.groups.set(groupId, group)
    }
    return group
  }

  isEmpty(group: GroupState): boolean {
    return group.type === 'classic' ? group.members.size === 0 : group.consumerMembers.size === 0
  }

  /**
   * Whether a member of the group is subscribed to `topic` (OffsetDelete refuses to delete its
   * offsets then). A classic group's subscriptions are read from its members' consumer protocol
   * metadata; when one cannot be read the answer is yes, as Kafka's ClassicGroup answers.
   */
  isSubscribedToTopic(group: GroupState, topic: string): boolean {
    if (group.type === 'consumer') {
      for (const member of group.consumerMembers.values()) if (this.subscribedTopics(member).includes(topic)) return true
      return false
    }
    for (const member of group.members.values()) {
      const protocol = member.protocols.find((p) => p.name === group.protocolName) ?? member.protocols[0]
      if (protocol === undefined) return true
      try {
        if (decodeConsumerProtocolSubscription(protocol.metadata).topics.includes(topic)) return true
      } catch {
        return true
      }
    }
    return false
  }

  groupStateName(group: GroupState): string {
    if (group.type === 'classic') return group.members.size === 0 ? 'Empty' : group.state
    if (group.consumerMembers.size === 0) return 'Empty'
    for (const member of group.consumerMembers.values()) if (member.memberEpoch !== group.groupEpoch) return 'Reconciling'
    return 'Stable'
  }

  // ------------------------------------------------------------------------------------------
  // classic protocol

  join(
    request: {
      groupId: string
      sessionTimeoutMs: number
      rebalanceTimeoutMs: number
      memberId: string
      groupInstanceId: string | null
      protocolType: string
      protocols: Array<{ name: string; metadata: Uint8Array }>
    },
    version: number,
    clientId: string,
  ): JoinResult | Promise<JoinResult> {
    const fail = (errorCode: number, memberId = request.memberId): JoinResult => ({
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId,
      members: [],
    })
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID)
    if (request.sessionTimeoutMs < 1000 || request.sessionTimeoutMs > 300_000) return fail(ErrorCode.INVALID_SESSION_TIMEOUT)
    const group = this.group(request.groupId, true)!
    if (group.type === 'consumer' && group.consumerMembers.size > 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    group.type = 'classic'
    if (group.members.size > 0 && group.protocolType !== request.protocolType) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    if (group.members.size > 0 && !request.protocols.some((p) => [...group.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)))) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    }
    const now = Date.now()
    let memberId = request.memberId
    if (request.groupInstanceId !== null) {
      // Static membership: the instance id owns the member; a new join replaces (fences) the old member id.
      const existing = [...group.members.values()].find((m) => m.groupInstanceId === request.groupInstanceId)
      if (memberId === '') {
        const newId = `${request.groupInstanceId}-${randomUuid()}`
        if (existing !== undefined) {
          group.members.delete(existing.memberId)
          existing.joinWaiter?.(fail(ErrorCode.FENCED_INSTANCE_ID, existing.memberId))
          existing.syncWaiter?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY })
          existing.joinWaiter = null
          existing.syncWaiter = null
          existing.memberId = newId
          existing.lastHeartbeatMs = now
          existing.sessionTimeoutMs = request.sessionTimeoutMs
          existing.rebalanceTimeoutMs = request.rebalanceTimeoutMs
          group.members.set(newId, existing)
          // Kafka's rule for a static member rejoining a Stable group: no rebalance unless its new
          // protocols change the protocol the group would select. Its metadata bytes may differ (a
          // restarted consumer reports generation -1 and no owned partitions), which does not count.
          existing.protocols = request.protocols
          if (group.state === 'Stable' && this.selectProtocol(group) === group.protocolName) {
            const wasLeader = group.leaderId === null || !group.members.has(group.leaderId)
            if (wasLeader) group.leaderId = newId
            const isLeader = group.leaderId === newId
            return {
              errorCode: ErrorCode.NONE,
              generationId: group.generationId,
              protocolType: group.protocolType,
              protocolName: group.protocolName,
              leader: group.leaderId ?? newId,
              // KIP-814: a rejoining static leader gets the members but must not reassign.
              skipAssignment: isLeader && version >= 9,
              memberId: newId,
              members: isLeader && version >= 9 ? this.joinMembers(group) : [],
            }
          }
          memberId = newId
          return this.prepareJoin(group, existing)
        }
        memberId = newId
      } else if (existing === undefined || existing.memberId !== memberId) {
        return fail(existing === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.FENCED_INSTANCE_ID)
      }
    } else if (memberId === '') {
      memberId = `${clientId}-${randomUuid()}`
      if (version >= 4) {
        // KIP-394: the member must rejoin with the id it is given.
        group.pendingMemberIds.add(memberId)
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId)
      }
    } else if (!group.members.has(memberId) && !group.pendingMemberIds.has(memberId)) {
      return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    }
    group.pendingMemberIds.delete(memberId)
    let member = group.members.get(memberId)
    if (member === undefined) {
      member = {
        memberId,
        groupInstanceId: request.groupInstanceId,
        clientId,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols,
        assignment: EMPTY,
        lastHeartbeatMs: now,
        joinWaiter: null,
        syncWaiter: null,
      }
      group.members.set(memberId, member)
    } else {
      if (group.state === 'Stable' && group.leaderId !== memberId && sameMetadata(member.protocols, request.protocols)) {
        // A follower rejoining a stable group with unchanged metadata gets the current generation back.
        member.lastHeartbeatMs = now
        return {
          errorCode: ErrorCode.NONE,
          generationId: group.generationId,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          leader: group.leaderId ?? '',
          skipAssignment: false,
          memberId,
          members: [],
        }
      }
      member.protocols = request.protocols
      member.sessionTimeoutMs = request.sessionTimeoutMs
      member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
      member.lastHeartbeatMs = now
    }
    group.protocolType = request.protocolType
    return this.prepareJoin(group, member)
  }

  private joinMembers(group: GroupState): JoinResult['members'] {
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
    }))
  }

  private prepareJoin(group: GroupState, member: ClassicMember): Promise<JoinResult> {
    const promise = new Promise<JoinResult>((resolve) => {
      member.joinWaiter?.({
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: '',
        skipAssignment: false,
        memberId: member.memberId,
        members: [],
      })
      member.joinWaiter = resolve
    })
    if (group.state !== 'PreparingRebalance') this.startRebalance(group)
    this.maybeCompleteJoin(group)
    return promise
  }

  private startRebalance(group: GroupState): void {
    // Members waiting in SyncGroup learn that a new rebalance started.
    for (const m of group.members.values()) {
      m.syncWaiter?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY })
      m.syncWaiter = null
    }
    const wasEmpty = group.state === 'Empty' || group.generationId === 0
    group.state = 'PreparingRebalance'
    const rebalanceTimeoutMs = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs))
    group.rebalanceDeadlineMs = Date.now() + (wasEmpty ? this.options.initialRebalanceDelayMs : rebalanceTimeoutMs)
    if (wasEmpty && this.options.initialRebalanceDelayMs > 0) group.rebalanceDeadlineMs = Date.now() + this.options.initialRebalanceDelayMs
  }

  private maybeCompleteJoin(group: GroupState, force = false): void {
    if (group.state !== 'PreparingRebalance') return
    const members = [...group.members.values()]
    const allJoined = members.every((m) => m.joinWaiter !== null)
    const delayed = group.generationId === 0 && this.options.initialRebalanceDelayMs > 0 && Date.now() < group.rebalanceDeadlineMs
    if (!force && (!allJoined || delayed)) return
    // Members that did not rejoin in time are removed.
    for (const m of members) if (m.joinWaiter === null) group.members.delete(m.memberId)
    if (group.members.size === 0) {
      group.state = 'Empty'
      group.generationId++
      group.protocolName = null
      group.leaderId = null
      return
    }
    group.generationId++
    group.protocolName = this.selectProtocol(group)
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value ?? null
    group.state = 'CompletingRebalance'
    const all = this.joinMembers(group)
    for (const m of group.members.values()) {
      const waiter = m.joinWaiter
      m.joinWaiter = null
      m.assignment = EMPTY
      m.lastHeartbeatMs = Date.now()
      waiter?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        skipAssignment: false,
        memberId: m.memberId,
        members: m.memberId === group.leaderId ? all : [],
      })
    }
  }

  /** Each member votes for its first protocol that all members support (Kafka's GroupMetadata.selectProtocol). */
  private selectProtocol(group: GroupState): string | null {
    const members = [...group.members.values()]
    const candidates = members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)))
    const votes = new Map<string, number>()
    for (const m of members) {
      const vote = m.protocols.find((p) => candidates.includes(p.name))?.name
      if (vote !== undefined) votes.set(vote, (votes.get(vote) ?? 0) + 1)
    }
    let best: string | null = null
    let bestVotes = -1
    for (const name of candidates) {
      const v = votes.get(name) ?? 0
      if (v > bestVotes) {
        best = name
        bestVotes = v
      }
    }
    return best
  }

  sync(request: {
    groupId: string
    generationId: number
    memberId: string
    groupInstanceId: string | null
    protocolType: string | null
    protocolName: string | null
    assignments: Array<{ memberId: string; assignment: Uint8Array }>
  }): SyncResult | Promise<SyncResult> {
    const fail = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY })
    const group = this.group(request.groupId, false)
    if (group === undefined || group.type !== 'classic') return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    const member = group.members.get(request.memberId)
    if (member === undefined) return fail(request.groupInstanceId !== null && this.instanceKnown(group, request.groupInstanceId) ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID)
    if (request.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION)
    if ((request.protocolType !== null && request.protocolType !== group.protocolType) || (request.protocolName !== null && request.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    }
    member.lastHeartbeatMs = Date.now()
    if (group.state === 'PreparingRebalance') return fail(ErrorCode.REBALANCE_IN_PROGRESS)
    if (group.state === 'Stable') return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment }
    return new Promise<SyncResult>((resolve) => {
      member.syncWaiter = resolve
      if (request.memberId === group.leaderId) {
        for (const a of request.assignments) {
          const m = group.members.get(a.memberId)
          if (m !== undefined) m.assignment = a.assignment
        }
        group.state = 'Stable'
        for (const m of group.members.values()) {
          const waiter = m.syncWaiter
          m.syncWaiter = null
          waiter?.({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment })
        }
      }
    })
  }

  private instanceKnown(group: GroupState, instanceId: string): boolean {
    return [...group.members.values()].some((m) => m.groupInstanceId === instanceId)
  }

  heartbeat(request: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): number {
    const group = this.group(request.groupId, false)
    if (group === undefined || group.type !== 'classic') return ErrorCode.UNKNOWN_MEMBER_ID
    const member = group.members.get(request.memberId)
    if (member === undefined) return request.groupInstanceId !== null && this.instanceKnown(group, request.groupInstanceId) ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID
    member.lastHeartbeatMs = Date.now()
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS
    if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    return ErrorCode.NONE
  }

  leave(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null }>): { errorCode: number; members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> } {
    const group = this.group(groupId, false)
    if (group === undefined || group.type !== 'classic') {
      return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) }
    }
    const results = members.map((identity) => {
      let member = identity.groupInstanceId !== null ? [...group.members.values()].find((m) => m.groupInstanceId === identity.groupInstanceId) : group.members.get(identity.memberId)
      if (member === undefined) return { ...identity, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }
      if (identity.groupInstanceId !== null && identity.memberId !== '' && identity.memberId !== member.memberId) return { ...identity, errorCode: ErrorCode.FENCED_INSTANCE_ID }
      this.removeMember(group, member)
      member = undefined
      return { ...identity, errorCode: ErrorCode.NONE }
    })
    return { errorCode: ErrorCode.NONE, members: results }
  }

  private removeMember(group: GroupState, member: ClassicMember): void {
    group.members.delete(member.memberId)
    member.joinWaiter?.({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId: member.memberId,
      members: [],
    })
    member.syncWaiter?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY })
    if (group.leaderId === member.memberId) group.leaderId = null
    if (group.members.size === 0) {
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group, true)
      group.state = 'Empty'
      return
    }
    if (group.state !== 'PreparingRebalance') this.startRebalance(group)
    this.maybeCompleteJoin(group)
  }

  private tick(now: number): void {
    for (const group of this.groups.values()) {
      if (group.type === 'classic') {
        for (const member of [...group.members.values()]) {
          // A member waiting in JoinGroup is not expected to heartbeat.
          if (member.joinWaiter === null && now - member.lastHeartbeatMs > member.sessionTimeoutMs) this.removeMember(group, member)
        }
        if (group.state === 'PreparingRebalance' && now >= group.rebalanceDeadlineMs) this.maybeCompleteJoin(group, true)
      } else {
        let changed = false
        for (const member of [...group.consumerMembers.values()]) {
          if (now - member.lastHeartbeatMs > this.options.consumerSessionTimeoutMs) {
            group.consumerMembers.delete(member.memberId)
            changed = true
          }
        }
        if (changed) this.bumpConsumerGroup(group)
      }
    }
  }

  describeMembers(group: GroupState): Array<{ memberId: string; groupInstanceId: string | null; clientId: string; metadata: Uint8Array; assignment: Uint8Array }> {
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
      assignment: m.assignment,
    }))
  }

  /** Checks an OffsetCommit's member fields; returns an error code or NONE. */
  validateCommit(group: GroupState | undefined, generationIdOrMemberEpoch: number, memberId: string, groupInstanceId: string | null): number {
    if (group === undefined) return generationIdOrMemberEpoch < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION
    if (group.type === 'consumer') {
      if (generationIdOrMemberEpoch < 0 && memberId === '') return group.consumerMembers.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
      const member = group.consumerMembers.get(memberId)
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
      if (generationIdOrMemberEpoch > member.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH
      if (generationIdOrMemberEpoch < member.memberEpoch && generationIdOrMemberEpoch !== member.previousEpoch) return ErrorCode.STALE_MEMBER_EPOCH
      return ErrorCode.NONE
    }
    if (generationIdOrMemberEpoch < 0 && memberId === '') return group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
    const member = group.members.get(memberId)
    if (member === undefined) return groupInstanceId !== null && this.instanceKnown(group, groupInstanceId) ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID
    if (generationIdOrMemberEpoch !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    // Only CompletingRebalance refuses: during PreparingRebalance a member of the current generation
    // commits what it processed before it rejoins (Kafka's ClassicGroup.validateOffsetCommit), which
    // is how a consumer hands its partitions over without duplicates.
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS
    member.lastHeartbeatMs = Date.now()
    return ErrorCode.NONE
  }

  /**
   * TxnOffsetCommit's member check (KIP-447), as Kafka's validateOffsetCommit with isTransactional:
   * no member id and generation -1 skip it; a rebalance in progress does not refuse the commit.
   */
  validateTxnCommit(group: GroupState | undefined, generationIdOrMemberEpoch: number, memberId: string, groupInstanceId: string | null): number {
    if (generationIdOrMemberEpoch < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.NONE
    if (group === undefined) return ErrorCode.ILLEGAL_GENERATION
    if (group.type === 'consumer') {
      const member = group.consumerMembers.get(memberId)
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
      return generationIdOrMemberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION
    }
    const member = group.members.get(memberId)
    if (member === undefined) return groupInstanceId !== null && this.instanceKnown(group, groupInstanceId) ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID
    if (generationIdOrMemberEpoch !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    return ErrorCode.NONE
  }

  // ------------------------------------------------------------------------------------------
  // KIP-848 consumer groups

  consumerHeartbeat(
    request: {
      groupId: string
      memberId: string
      memberEpoch: number
      instanceId: string | null
      rackId: string | null
      rebalanceTimeoutMs: number
      subscribedTopicNames: string[] | null
      subscribedTopicRegex: string | null
      serverAssignor: string | null
      topicPartitions: Array<{ topicId: string; partitions: number[] }> | null
    },
    clientId: string,
  ): { errorCode: number; errorMessage: string | null; memberId: string | null; memberEpoch: number; assignment: Array<{ topicId: string; partitions: number[] }> | null } {
    const fail = (errorCode: number, errorMessage: string | null = null) => ({ errorCode, errorMessage, memberId: null, memberEpoch: -1, assignment: null })
    if (request.groupId === '') return fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.')
    if (request.serverAssignor !== null && request.serverAssignor !== 'uniform' && request.serverAssignor !== 'range') {
      return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: uniform, range.`)
    }
    const group = this.group(request.groupId, true)!
    if (group.type === 'classic' && group.members.size > 0) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} is not a consumer group.`)
    group.type = 'consumer'
    const now = Date.now()
    let member = group.consumerMembers.get(request.memberId)
    if (request.memberEpoch === -1 || request.memberEpoch === -2) {
      if (member !== undefined) {
        group.consumerMembers.delete(member.memberId)
        this.bumpConsumerGroup(group)
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: request.memberId, memberEpoch: request.memberEpoch, assignment: null }
    }
    if (request.memberEpoch === 0) {
      if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) return fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.')
      if (request.instanceId !== null) {
        const previous = [...group.consumerMembers.values()].find((m) => m.instanceId === request.instanceId)
        if (previous !== undefined) group.consumerMembers.delete(previous.memberId)
      }
      const memberId = request.memberId === '' ? randomUuid() : request.memberId
      member = {
        memberId,
        instanceId: request.instanceId,
        rackId: request.rackId,
        clientId,
        memberEpoch: 0,
        previousEpoch: -1,
        subscribedTopicNames: request.subscribedTopicNames ?? [],
        subscribedTopicRegex: request.subscribedTopicRegex,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        assigned: new Map(),
        owned: new Map(),
        lastHeartbeatMs: now,
        sentAssignmentKey: null,
      }
      group.consumerMembers.set(memberId, member)
      this.bumpConsumerGroup(group)
    } else {
      if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${request.groupId}.`)
      if (request.memberEpoch !== member.memberEpoch && request.memberEpoch !== member.previousEpoch) {
        return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller or larger member epoch (${request.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}).`)
      }
      member.lastHeartbeatMs = now
      let changed = false
      if (request.subscribedTopicNames !== null && !sameStrings(request.subscribedTopicNames, member.subscribedTopicNames)) {
        member.subscribedTopicNames = request.subscribedTopicNames
        changed = true
      }
      if (request.subscribedTopicRegex !== null && request.subscribedTopicRegex !== member.subscribedTopicRegex) {
        member.subscribedTopicRegex = request.subscribedTopicRegex === '' ? null : request.subscribedTopicRegex
        changed = true
      }
      if (changed) this.bumpConsumerGroup(group)
    }
    if (request.topicPartitions !== null) member.owned = new Map(request.topicPartitions.map((t) => [t.topicId, [...t.partitions].sort((a, b) => a - b)]))
    // New topics or partitions change the target assignment too.
    const metadataKey = this.subscriptionMetadataKey(group)
    if (metadataKey !== this.lastMetadataKey.get(group.groupId)) this.bumpConsumerGroup(group)
    this.reconcile(group, member)
    const key = assignmentKey(member.assigned)
    const reported = request.topicPartitions === null ? null : assignmentKey(member.owned)
    const sendAssignment = request.memberEpoch === 0 || key !== member.sentAssignmentKey || (reported !== null && reported !== key)
    member.sentAssignmentKey = key
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      assignment: sendAssignment ? [...member.assigned].map(([topicId, partitions]) => ({ topicId, partitions })) : null,
    }
  }

  get consumerHeartbeatIntervalMs(): number {
    return this.options.consumerHeartbeatIntervalMs
  }

  private readonly lastMetadataKey = new Map<string, string>()

  private subscribedTopics(member: ConsumerMember): string[] {
    const names = new Set(member.subscribedTopicNames)
    if (member.subscribedTopicRegex !== null) {
      let regex: RegExp | null = null
      try {
        regex = new RegExp(`^(?:${member.subscribedTopicRegex})$`)
      } catch {
        regex = null
      }
      if (regex !== null) for (const name of this.model.topics.keys()) if (regex.test(name)) names.add(name)
    }
    return [...names].filter((n) => this.model.topics.has(n)).sort()
  }

  private subscriptionMetadataKey(group: GroupState): string {
    const topics = new Set<string>()
    for (const m of group.consumerMembers.values()) for (const t of this.subscribedTopics(m)) topics.add(t)
    return [...topics].sort().map((t) => `${t}:${this.model.topics.get(t)!.id}:${this.model.topics.get(t)!.partitions.length}`).join(',')
  }

  /** A membership, subscription or metadata change: new group epoch and target assignment (uniform, round-robin over sorted partitions). */
  private bumpConsumerGroup(group: GroupState): void {
    group.groupEpoch++
    this.lastMetadataKey.set(group.groupId, this.subscriptionMetadataKey(group))
    const target = new Map<string, Map<string, number[]>>()
    const members = [...group.consumerMembers.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
    for (const m of members) target.set(m.memberId, new Map())
    const topics = new Set<string>()
    for (const m of members) for (const t of this.subscribedTopics(m)) topics.add(t)
    let cursor = 0
    for (const name of [...topics].sort()) {
      const topic = this.model.topics.get(name)!
      const subscribers = members.filter((m) => this.subscribedTopics(m).includes(name))
      for (const partition of topic.partitions) {
        const owner = subscribers[cursor++ % subscribers.length]!
        const map = target.get(owner.memberId)!
        const list = map.get(topic.id) ?? []
        list.push(partition.index)
        map.set(topic.id, list)
      }
    }
    group.targetAssignment = target
  }

  /** Revoke first, assign what nobody else still holds; the member reaches the group epoch once it holds exactly its target. */
  private reconcile(group: GroupState, member: ConsumerMember): void {
    const target = group.targetAssignment.get(member.memberId) ?? new Map<string, number[]>()
    const heldByOthers = new Set<string>()
    for (const other of group.consumerMembers.values()) {
      if (other === member) continue
      for (const [topicId, partitions] of other.assigned) for (const p of partitions) heldByOthers.add(`${topicId}:${p}`)
      for (const [topicId, partitions] of other.owned) for (const p of partitions) heldByOthers.add(`${topicId}:${p}`)
    }
    const next = new Map<string, number[]>()
    let complete = true
    for (const [topicId, partitions] of target) {
      const list: number[] = []
      for (const p of partitions) {
        if (heldByOthers.has(`${topicId}:${p}`)) complete = false
        else list.push(p)
      }
      if (list.length > 0) next.set(topicId, list)
    }
    member.assigned = next
    const epoch = complete ? group.groupEpoch : member.memberEpoch === 0 ? group.groupEpoch : member.memberEpoch
    if (epoch !== member.memberEpoch) {
      member.previousEpoch = member.memberEpoch
      member.memberEpoch = epoch
    }
  }

  consumerMembers(group: GroupState): ConsumerMember[] {
    return [...group.consumerMembers.values()]
  }
}

function sameMetadata(a: Array<{ name: string; metadata: Uint8Array }>, b: Array<{ name: string; metadata: Uint8Array }>): boolean {
  if (a.length !== b.length) return false
  return a.every((p, i) => p.name === b[i]!.name && Buffer.from(p.metadata).equals(Buffer.from(b[i]!.metadata)))
}

function sameStrings(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const sa = [...a].sort()
  const sb = [...b].sort()
  return sa.every((v, i) => v === sb[i])
}

function assignmentKey(assignment: Map<string, number[]>): string {
  return [...assignment]
    .filter(([, p]) => p.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, p]) => `${t}:${[...p].sort((x, y) => x - y).join('.')}`)
    .join(',')
}
