import { type BrokerConnection, UnsupportedVersionError } from '@kafkats/connection'
import {
  ConsumerGroupDescribeApi,
  type ConsumerGroupDescribeResponseAssignment,
  type ConsumerGroupDescribeResponseDescribedGroup,
  DeleteGroupsApi,
  DescribeGroupsApi,
  type DescribeGroupsResponseDescribedGroup,
  type DescribeGroupsResponseDescribedGroupMember,
  ErrorCode,
  type KafkaProtocolError,
  LeaveGroupApi,
  ListGroupsApi,
  OffsetCommitApi,
  OffsetDeleteApi,
  OffsetFetchApi,
  type OffsetFetchResponsePartition,
  ZERO_UUID,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
} from '@kafkats/protocol'
import type { AdminContext, Result } from './context.js'
import { CoordinatorType, type IsolationLevel, decodeAuthorizedOperations, isolationLevels } from './enums.js'
import {
  invalid,
  requireArray,
  requireBoolean,
  requireInt,
  requireName,
  requireOffset,
  requireOneOf,
  requireOptions,
  requirePartition,
  requireString,
  requireTopicName,
  requireUnique,
} from './errors.js'
import { listOffsets, put } from './offsets.js'
import type {
  AlterOffsetsRequest,
  BrokerFailure,
  CommittedOffset,
  DescribeGroupsOptions,
  FetchOffsetsOptions,
  GroupDescription,
  GroupLag,
  GroupListing,
  GroupMemberDescription,
  GroupOffsets,
  GroupResult,
  ItemError,
  ListGroupsOptions,
  ListGroupsResult,
  ListOffsetsRequest,
  MemberToRemove,
  PartitionLag,
  PartitionMap,
  RemoveMemberResult,
  TopicPartitions,
} from './types.js'

interface GroupTask {
  groupId: string
}

/** Errors that mean "ask the coordinator again": it moved, is loading, or was not reachable. */
const COORDINATOR_ERRORS = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS])

/** The leave reason Java's admin sends (KIP-800). */
const LEAVE_REASON = 'member was removed by an admin'

function groupIds(ids: readonly string[], argument = 'groupIds'): GroupTask[] {
  const names = requireArray(ids, argument).map((id, i) => requireName(id, `${argument}[${i}]`, 'a group id'))
  requireUnique(names, argument)
  return names.map((groupId) => ({ groupId }))
}

/** Runs `send` for one group on its coordinator, retrying coordinator moves; rejects with the group's error. */
async function onCoordinator<V>(
  ctx: AdminContext,
  apiName: string,
  groupId: string,
  send: (connection: BrokerConnection) => Promise<Result<V>>,
): Promise<V> {
  const task = { groupId }
  const results = await ctx.batched<GroupTask, V>({
    apiName,
    tasks: [task],
    route: ctx.coordinatorRouter(CoordinatorType.group, (t) => t.groupId),
    onRetry: ctx.forgetCoordinators(CoordinatorType.group, (t) => t.groupId),
    send: async (connection) => [[task, await send(connection)]],
  })
  const result = results.get(task)!
  if (result.error !== undefined) throw result.error
  return result.value
}

function topicPartitions(list: ReadonlyArray<{ topic: string; partitions: number[] }>): TopicPartitions {
  const out: TopicPartitions = {}
  for (const { topic, partitions } of list) out[topic] = [...(out[topic] ?? []), ...partitions].sort((a, b) => a - b)
  return out
}

export async function listGroups(ctx: AdminContext, optionsArgument?: ListGroupsOptions): Promise<ListGroupsResult> {
  const options = requireOptions(optionsArgument)
  const states =
    options.states === undefined ? [] : requireArray(options.states, 'options.states', true).map((s, i) => requireName(s, `options.states[${i}]`, 'a group state'))
  const types = options.types === undefined ? [] : requireArray(options.types, 'options.types', true).map((t, i) => requireName(t, `options.types[${i}]`, 'a group type'))
  const brokers = await ctx.brokers()
  // Each broker lists only the groups it coordinates: ask them all.
  const answers = await Promise.allSettled(
    brokers.map((broker) =>
      ctx.call(
        'ListGroups',
        async () => broker.address,
        async (connection) => {
          const version = connection.versionFor(ListGroupsApi)
          if (states.length > 0 && version < 4) throw new UnsupportedVersionError(`filtering groups by state needs ListGroups v4; broker ${connection.address} supports v${version}`, 'ListGroups')
          if (types.length > 0 && version < 5) throw new UnsupportedVersionError(`filtering groups by type needs ListGroups v5; broker ${connection.address} supports v${version}`, 'ListGroups')
          const response = await connection.request(ListGroupsApi, ListGroupsApi.createRequest({ statesFilter: states, typesFilter: types }), { version })
          ctx.check(response.errorCode, { apiName: 'ListGroups' })
          return response.groups.map(
            (group): GroupListing => ({
              groupId: group.groupId,
              protocolType: group.protocolType,
              state: group.groupState,
              type: group.groupType === '' ? 'classic' : group.groupType,
              coordinator: broker.nodeId,
            }),
          )
        },
      ),
    ),
  )
  const groups: GroupListing[] = []
  const errors: BrokerFailure[] = []
  answers.forEach((answer, i) => {
    if (answer.status === 'fulfilled') groups.push(...answer.value)
    else errors.push({ broker: brokers[i]!.nodeId, error: answer.reason instanceof Error ? answer.reason : new Error(String(answer.reason)) })
  })
  groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  return { groups, errors }
}

function classicMember(member: DescribeGroupsResponseDescribedGroupMember, protocolType: string): GroupMemberDescription {
  const out: GroupMemberDescription = {
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    assignment: {},
  }
  let decoded = protocolType === 'consumer'
  if (decoded) {
    try {
      if (member.memberMetadata.length > 0) {
        const subscription = decodeConsumerProtocolSubscription(member.memberMetadata)
        out.subscription = {
          topics: subscription.topics,
          userData: subscription.userData,
          ownedPartitions: topicPartitions(subscription.ownedPartitions),
          generationId: subscription.generationId,
          rackId: subscription.rackId,
        }
      }
      if (member.memberAssignment.length > 0) {
        const assignment = decodeConsumerProtocolAssignment(member.memberAssignment)
        out.assignment = topicPartitions(assignment.assignedPartitions)
        out.assignmentUserData = assignment.userData
      }
    } catch {
      // A client that calls its protocol 'consumer' but writes something else: keep the bytes.
      decoded = false
    }
  }
  if (!decoded) {
    out.memberMetadata = member.memberMetadata
    out.memberAssignment = member.memberAssignment
  }
  return out
}

function describedClassic(group: DescribeGroupsResponseDescribedGroup, coordinator: number): GroupDescription {
  const authorizedOperations = decodeAuthorizedOperations(group.authorizedOperations)
  return {
    groupId: group.groupId,
    type: 'classic',
    state: group.groupState,
    protocolType: group.protocolType,
    protocol: group.protocolData,
    members: group.members.map((member) => classicMember(member, group.protocolType)),
    coordinator,
    ...(authorizedOperations !== undefined ? { authorizedOperations } : {}),
  }
}

function consumerAssignment(assignment: ConsumerGroupDescribeResponseAssignment): TopicPartitions {
  return topicPartitions(assignment.topicPartitions.map((tp) => ({ topic: tp.topicName !== '' ? tp.topicName : tp.topicId, partitions: tp.partitions })))
}

function describedConsumer(group: ConsumerGroupDescribeResponseDescribedGroup, coordinator: number): GroupDescription {
  const authorizedOperations = decodeAuthorizedOperations(group.authorizedOperations)
  return {
    groupId: group.groupId,
    type: 'consumer',
    state: group.groupState,
    protocolType: 'consumer',
    protocol: group.assignorName,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    coordinator,
    members: group.members.map(
      (member): GroupMemberDescription => ({
        memberId: member.memberId,
        groupInstanceId: member.instanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: consumerAssignment(member.assignment),
        targetAssignment: consumerAssignment(member.targetAssignment),
        memberEpoch: member.memberEpoch,
        rackId: member.rackId,
        subscribedTopicNames: member.subscribedTopicNames,
        subscribedTopicRegex: member.subscribedTopicRegex === '' ? null : member.subscribedTopicRegex,
        memberType: member.memberType === 0 ? 'classic' : member.memberType === 1 ? 'consumer' : 'unknown',
      }),
    ),
    ...(authorizedOperations !== undefined ? { authorizedOperations } : {}),
  }
}

export async function describeGroups(ctx: AdminContext, ids: readonly string[], options?: DescribeGroupsOptions): Promise<GroupDescription[]> {
  const includeAuthorizedOperations = requireBoolean(requireOptions(options).includeAuthorizedOperations, 'options.includeAuthorizedOperations') ?? false
  const tasks = groupIds(ids)
  const results = await ctx.batched<GroupTask, GroupDescription>({
    apiName: 'DescribeGroups',
    tasks,
    route: ctx.coordinatorRouter(CoordinatorType.group, (task) => task.groupId),
    onRetry: ctx.forgetCoordinators(CoordinatorType.group, (task) => task.groupId),
    send: async (connection, shard) => {
      const out: Array<[GroupTask, Result<GroupDescription>]> = []
      const response = await connection.request(
        DescribeGroupsApi,
        DescribeGroupsApi.createRequest({ groups: shard.tasks.map((task) => task.groupId), includeAuthorizedOperations }),
      )
      // A KIP-848 consumer group is "not a classic group" to DescribeGroups: ask ConsumerGroupDescribe.
      // Kafka 4.x answers GROUP_ID_NOT_FOUND for it; 3.x answers state Dead without an error, as for
      // a group that does not exist at all.
      const notClassic = new Map<GroupTask, KafkaProtocolError>()
      for (const task of shard.tasks) {
        const group = response.groups.find((g) => g.groupId === task.groupId)
        if (group === undefined) continue
        const place = { apiName: 'DescribeGroups', groupId: task.groupId, errorMessage: group.errorMessage }
        if (group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) notClassic.set(task, ctx.error(group.errorCode, place))
        else if (group.errorCode !== 0) out.push([task, { error: ctx.error(group.errorCode, place) }])
        else if (group.groupState === 'Dead') notClassic.set(task, ctx.error(ErrorCode.GROUP_ID_NOT_FOUND, { ...place, errorMessage: `Group ${task.groupId} not found.` }))
        else out.push([task, { value: describedClassic(group, shard.nodeId) }])
      }
      if (notClassic.size > 0) {
        if (connection.brokerVersions(ConsumerGroupDescribeApi.apiKey) === undefined) {
          for (const [task, error] of notClassic) out.push([task, { error }])
          return out
        }
        const consumer = await connection.request(
          ConsumerGroupDescribeApi,
          ConsumerGroupDescribeApi.createRequest({ groupIds: [...notClassic.keys()].map((task) => task.groupId), includeAuthorizedOperations }),
        )
        for (const [task, classicError] of notClassic) {
          const group = consumer.groups.find((g) => g.groupId === task.groupId)
          if (group === undefined || group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) out.push([task, { error: classicError }])
          else if (group.errorCode !== 0) {
            out.push([task, { error: ctx.error(group.errorCode, { apiName: 'ConsumerGroupDescribe', groupId: task.groupId, errorMessage: group.errorMessage }) }])
          } else out.push([task, { value: describedConsumer(group, shard.nodeId) }])
        }
      }
      return out
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined
      ? result.value
      : { groupId: task.groupId, type: 'classic', state: 'Dead', protocolType: '', protocol: '', members: [], coordinator: -1, error: result.error }
  })
}

export async function deleteGroups(ctx: AdminContext, ids: readonly string[]): Promise<GroupResult[]> {
  const tasks = groupIds(ids)
  const results = await ctx.batched<GroupTask, GroupResult>({
    apiName: 'DeleteGroups',
    tasks,
    route: ctx.coordinatorRouter(CoordinatorType.group, (task) => task.groupId),
    onRetry: ctx.forgetCoordinators(CoordinatorType.group, (task) => task.groupId),
    send: async (connection, shard) => {
      const response = await connection.request(DeleteGroupsApi, DeleteGroupsApi.createRequest({ groupsNames: shard.tasks.map((task) => task.groupId) }))
      return shard.tasks.flatMap((task): Array<[GroupTask, Result<GroupResult>]> => {
        const answer = response.results.find((r) => r.groupId === task.groupId)
        if (answer === undefined) return []
        return [[task, answer.errorCode !== 0 ? { error: ctx.error(answer.errorCode, { apiName: 'DeleteGroups', groupId: task.groupId }) } : { value: { groupId: task.groupId } }]]
      })
    },
  })
  return tasks.map((task) => {
    const result = results.get(task)!
    return result.error === undefined ? result.value : { groupId: task.groupId, error: result.error }
  })
}

export async function removeMembers(ctx: AdminContext, groupId: string, members?: readonly MemberToRemove[]): Promise<RemoveMemberResult[]> {
  requireName(groupId, 'groupId', 'a group id')
  let targets: readonly MemberToRemove[]
  if (members === undefined || (Array.isArray(members) && members.length === 0)) {
    const [group] = await describeGroups(ctx, [groupId])
    if (group!.error !== undefined) throw group!.error
    targets = group!.members.map((member) => ({ memberId: member.memberId, ...(member.groupInstanceId !== null ? { groupInstanceId: member.groupInstanceId } : {}) }))
    if (targets.length === 0) return []
  } else {
    targets = requireArray(members, 'members').map((member, i) => {
      if (typeof member !== 'object' || member === null || (member.groupInstanceId === undefined && member.memberId === undefined)) {
        throw invalid(`members[${i}]`, member, '{ groupInstanceId } (a static member) or { memberId }')
      }
      if (member.groupInstanceId !== undefined) requireName(member.groupInstanceId, `members[${i}].groupInstanceId`, 'a group instance id')
      if (member.memberId !== undefined) requireName(member.memberId, `members[${i}].memberId`, 'a member id')
      if (member.reason !== undefined && typeof member.reason !== 'string') throw invalid(`members[${i}].reason`, member.reason, 'a string (or undefined)')
      return member
    })
  }
  return onCoordinator(ctx, 'LeaveGroup', groupId, async (connection) => {
    const version = connection.versionFor(LeaveGroupApi)
    if (version < 3) throw new UnsupportedVersionError(`removing members needs LeaveGroup v3 (KIP-345); broker ${connection.address} supports v${version}`, 'LeaveGroup')
    const response = await connection.request(
      LeaveGroupApi,
      LeaveGroupApi.createRequest({
        groupId,
        members: targets.map((member) => ({ memberId: member.memberId ?? '', groupInstanceId: member.groupInstanceId ?? null, reason: member.reason ?? LEAVE_REASON })),
      }),
      { version },
    )
    if (response.errorCode !== 0) return { error: ctx.error(response.errorCode, { apiName: 'LeaveGroup', groupId }) }
    return {
      value: response.members.map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        ...(member.errorCode !== 0 ? { error: ctx.error(member.errorCode, { apiName: 'LeaveGroup', groupId }) } : {}),
      })),
    }
  })
}

/** `string[]` (every partition of those topics) or `{ [topic]: partitions }`. */
export type TopicSelection = readonly string[] | Readonly<Record<string, readonly number[]>>

function parseSelection(topics: TopicSelection, argument: string): Map<string, number[] | null> {
  const wanted = new Map<string, number[] | null>()
  if (Array.isArray(topics)) {
    for (const [i, topic] of (topics as readonly string[]).entries()) wanted.set(requireTopicName(topic, `${argument}[${i}]`), null)
  } else if (typeof topics === 'object' && topics !== null) {
    for (const [topic, partitions] of Object.entries(topics as Readonly<Record<string, readonly number[]>>)) {
      requireTopicName(topic, argument)
      wanted.set(
        topic,
        requireArray(partitions, `${argument}.${topic}`).map((p, i) => requirePartition(p, `${argument}.${topic}[${i}]`)),
      )
    }
  } else throw invalid(argument, topics, 'topic names or { [topic]: partition numbers }')
  return wanted
}

/** Topic ids → names, from the cluster metadata (for responses of versions that only carry ids). */
async function topicNamesById(ctx: AdminContext): Promise<Map<string, string>> {
  const view = await ctx.topicMetadata(null)
  return new Map([...view.topics.values()].map((topic) => [topic.topicId, topic.name]))
}

export async function fetchOffsets(ctx: AdminContext, groupId: string, topics?: TopicSelection | null, optionsArgument?: FetchOffsetsOptions): Promise<GroupOffsets> {
  const options = requireOptions(optionsArgument)
  const requireStable = requireBoolean(options.requireStable, 'options.requireStable') ?? false
  requireName(groupId, 'groupId', 'a group id')
  const wanted = topics === undefined || topics === null ? null : parseSelection(topics, 'topics')
  // Ask for exact partitions only when every topic lists them; otherwise ask for all and filter.
  const exact = wanted !== null && wanted.size > 0 && [...wanted.values()].every((partitions) => partitions !== null)
  return onCoordinator(ctx, 'OffsetFetch', groupId, async (connection) => {
    const version = connection.versionFor(OffsetFetchApi)
    const out: GroupOffsets = {}
    let ids = new Map<string, string>()
    let requested = exact ? [...wanted!] : []
    if (exact && version >= 10) {
      const view = await ctx.topicMetadata(requested.map(([topic]) => topic))
      ids = new Map([...view.topics.values()].filter((t) => t.error === undefined).map((t) => [t.name, t.topicId]))
      for (const [topic, partitions] of requested) {
        if (ids.has(topic)) continue
        for (const partition of partitions!) put(out, topic, partition, { offset: -1n, leaderEpoch: -1, metadata: null, error: ctx.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { apiName: 'OffsetFetch', topic, groupId }) })
      }
      requested = requested.filter(([topic]) => ids.has(topic))
      if (requested.length === 0) return { value: out }
    }
    const request =
      version >= 8
        ? OffsetFetchApi.createRequest({
            groups: [
              {
                groupId,
                memberId: null,
                memberEpoch: -1,
                topics: exact ? requested.map(([name, partitions]) => ({ name, topicId: ids.get(name) ?? ZERO_UUID, partitionIndexes: partitions! })) : null,
              },
            ],
            requireStable,
          })
        : OffsetFetchApi.createRequest({
            groupId,
            topics: exact ? requested.map(([name, partitions]) => ({ name, partitionIndexes: partitions! })) : null,
            requireStable,
          })
    const response = await connection.request(OffsetFetchApi, request, { version })
    let errorCode: number
    let answered: Array<{ name: string; topicId: string; partitions: OffsetFetchResponsePartition[] }>
    if (version >= 8) {
      const group = response.groups.find((g) => g.groupId === groupId)
      errorCode = group?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
      answered = (group?.topics ?? []).map((topic) => ({ name: topic.name, topicId: topic.topicId, partitions: topic.partitions }))
    } else {
      errorCode = response.errorCode
      answered = response.topics.map((topic) => ({ name: topic.name, topicId: ZERO_UUID, partitions: topic.partitions }))
    }
    if (errorCode !== 0) return { error: ctx.error(errorCode, { apiName: 'OffsetFetch', groupId }) }
    let names: Map<string, string> | undefined = new Map([...ids].map(([name, id]) => [id, name]))
    if (answered.some((topic) => topic.name === '' && !names!.has(topic.topicId))) names = await topicNamesById(ctx)
    for (const topic of answered) {
      const name = topic.name !== '' ? topic.name : names.get(topic.topicId)
      if (name === undefined) continue // a topic deleted since the commit
      const only = wanted?.get(name)
      if (wanted !== null && only === undefined) continue
      for (const partition of topic.partitions) {
        if (only !== null && only !== undefined && !only.includes(partition.partitionIndex)) continue
        if (partition.errorCode !== 0) {
          put(out, name, partition.partitionIndex, {
            offset: -1n,
            leaderEpoch: -1,
            metadata: null,
            error: ctx.error(partition.errorCode, { apiName: 'OffsetFetch', topic: name, partition: partition.partitionIndex, groupId }),
          })
        } else if (partition.committedOffset >= 0n) {
          put(out, name, partition.partitionIndex, { offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch, metadata: partition.metadata })
        }
      }
    }
    return { value: out }
  })
}

interface CommitEntry {
  topic: string
  partition: number
  offset: bigint
  leaderEpoch: number
  metadata: string | null
}

export async function alterOffsets(ctx: AdminContext, groupId: string, offsets: AlterOffsetsRequest): Promise<PartitionMap<ItemError>> {
  requireName(groupId, 'groupId', 'a group id')
  if (typeof offsets !== 'object' || offsets === null || Array.isArray(offsets)) throw invalid('offsets', offsets, '{ [topic]: { [partition]: offset } }')
  const entries: CommitEntry[] = []
  for (const [topic, partitions] of Object.entries(offsets)) {
    requireTopicName(topic, 'offsets')
    if (typeof partitions !== 'object' || partitions === null || Array.isArray(partitions)) throw invalid(`offsets.${topic}`, partitions, '{ [partition]: offset }')
    for (const [partition, value] of Object.entries(partitions)) {
      const argument = `offsets.${topic}.${partition}`
      const position = typeof value === 'object' && value !== null ? value : { offset: value }
      entries.push({
        topic,
        partition: requirePartition(partition, `offsets.${topic}`),
        offset: requireOffset(position.offset, `${argument}.offset`, 0n),
        leaderEpoch: 'leaderEpoch' in position && position.leaderEpoch !== undefined ? requireInt(position.leaderEpoch, `${argument}.leaderEpoch`, -1) : -1,
        metadata: 'metadata' in position && position.metadata !== undefined && position.metadata !== null ? requireString(position.metadata, `${argument}.metadata`) : null,
      })
    }
  }
  if (entries.length === 0) throw invalid('offsets', offsets, 'at least one partition')
  return onCoordinator(ctx, 'OffsetCommit', groupId, async (connection) => {
    const version = connection.versionFor(OffsetCommitApi)
    const out: PartitionMap<ItemError> = {}
    const topics = [...new Set(entries.map((entry) => entry.topic))]
    let ids = new Map<string, string>()
    let sendable = entries
    if (version >= 10) {
      const view = await ctx.topicMetadata(topics)
      ids = new Map([...view.topics.values()].filter((t) => t.error === undefined).map((t) => [t.name, t.topicId]))
      for (const entry of entries) {
        if (!ids.has(entry.topic)) put(out, entry.topic, entry.partition, { error: ctx.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { apiName: 'OffsetCommit', topic: entry.topic, groupId }) })
      }
      sendable = entries.filter((entry) => ids.has(entry.topic))
      if (sendable.length === 0) return { value: out }
    }
    const byTopic = new Map<string, CommitEntry[]>()
    for (const entry of sendable) byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry])
    const response = await connection.request(
      OffsetCommitApi,
      OffsetCommitApi.createRequest({
        groupId,
        // An admin commit: no generation, no member. The coordinator accepts it only while the group is empty.
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          topicId: ids.get(name) ?? ZERO_UUID,
          partitions: list.map((entry) => ({
            partitionIndex: entry.partition,
            committedOffset: entry.offset,
            committedLeaderEpoch: entry.leaderEpoch,
            committedMetadata: entry.metadata,
          })),
        })),
      }),
      { version },
    )
    const names = new Map([...ids].map(([name, id]) => [id, name]))
    for (const topic of response.topics) {
      const name = topic.name !== '' ? topic.name : names.get(topic.topicId)
      if (name === undefined) continue
      for (const partition of topic.partitions) {
        if (COORDINATOR_ERRORS.has(partition.errorCode)) return { error: ctx.error(partition.errorCode, { apiName: 'OffsetCommit', groupId }) }
        put(
          out,
          name,
          partition.partitionIndex,
          partition.errorCode !== 0 ? { error: ctx.error(partition.errorCode, { apiName: 'OffsetCommit', topic: name, partition: partition.partitionIndex, groupId }) } : {},
        )
      }
    }
    return { value: out }
  })
}

export async function deleteOffsets(ctx: AdminContext, groupId: string, partitions: Readonly<Record<string, readonly number[]>>): Promise<PartitionMap<ItemError>> {
  requireName(groupId, 'groupId', 'a group id')
  if (Array.isArray(partitions)) throw invalid('partitions', partitions, '{ [topic]: partition numbers }, e.g. { orders: [0, 1] }')
  const wanted = parseSelection(partitions, 'partitions')
  if (wanted.size === 0) throw invalid('partitions', partitions, 'at least one topic')
  return onCoordinator(ctx, 'OffsetDelete', groupId, async (connection) => {
    const response = await connection.request(
      OffsetDeleteApi,
      OffsetDeleteApi.createRequest({
        groupId,
        topics: [...wanted].map(([name, list]) => ({ name, partitions: list!.map((partitionIndex) => ({ partitionIndex })) })),
      }),
    )
    if (response.errorCode !== 0) return { error: ctx.error(response.errorCode, { apiName: 'OffsetDelete', groupId }) }
    const out: PartitionMap<ItemError> = {}
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        put(
          out,
          topic.name,
          partition.partitionIndex,
          partition.errorCode !== 0 ? { error: ctx.error(partition.errorCode, { apiName: 'OffsetDelete', topic: topic.name, partition: partition.partitionIndex, groupId }) } : {},
        )
      }
    }
    return { value: out }
  })
}

export async function groupLag(ctx: AdminContext, groupId: string, optionsArgument?: { isolationLevel?: IsolationLevel }): Promise<GroupLag> {
  const options = requireOptions(optionsArgument)
  requireOneOf(options.isolationLevel ?? 'read_uncommitted', 'options.isolationLevel', isolationLevels.names)
  const committed = await fetchOffsets(ctx, groupId)
  const request: Record<string, Record<number, 'latest'>> = {}
  for (const [topic, partitions] of Object.entries(committed)) {
    for (const [partition, offset] of Object.entries(partitions)) if (offset.error === undefined) (request[topic] ??= {})[Number(partition)] = 'latest'
  }
  const ends = Object.keys(request).length > 0 ? await listOffsets(ctx, request as ListOffsetsRequest, options) : {}
  const rows: PartitionLag[] = []
  let totalLag = 0n
  for (const [topic, partitions] of Object.entries(committed)) {
    for (const [key, offset] of Object.entries(partitions) as Array<[string, CommittedOffset]>) {
      const partition = Number(key)
      const end = ends[topic]?.[partition]
      const error = offset.error ?? end?.error
      const endOffset = end === undefined || end.error !== undefined ? -1n : end.offset
      const lag = endOffset >= 0n && endOffset > offset.offset ? endOffset - offset.offset : 0n
      totalLag += lag
      rows.push({ topic, partition, committedOffset: offset.offset, committedLeaderEpoch: offset.leaderEpoch, endOffset, lag, ...(error !== undefined ? { error } : {}) })
    }
  }
  rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
  return { groupId, partitions: rows, totalLag }
}
