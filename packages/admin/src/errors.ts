import { ConfigError, ErrorCode, InvalidArgumentError, KafkaProtocolError, errorByCode } from '@kafkats/protocol'

/** Where an error code was found, for the message. */
export interface ErrorPlace {
  apiName: string
  topic?: string
  partition?: number
  groupId?: string
  /** Another named resource (transactional id, config resource, user), for authorization hints. */
  resource?: string
  /** The response's error message, if any. */
  errorMessage?: string | null
}

type AclResourceKind = 'topic' | 'group' | 'cluster' | 'transactionalId'

/** The ACL operation each API needs on each kind of resource (Kafka's authorization docs). */
const REQUIRED_ACLS: Readonly<Record<string, Partial<Record<AclResourceKind, string>>>> = {
  Metadata: { topic: 'DESCRIBE' },
  CreateTopics: { topic: 'CREATE', cluster: 'CREATE' },
  DeleteTopics: { topic: 'DELETE' },
  CreatePartitions: { topic: 'ALTER' },
  DescribeConfigs: { topic: 'DESCRIBE_CONFIGS', cluster: 'DESCRIBE_CONFIGS', group: 'DESCRIBE_CONFIGS' },
  IncrementalAlterConfigs: { topic: 'ALTER_CONFIGS', cluster: 'ALTER_CONFIGS', group: 'ALTER_CONFIGS' },
  ListOffsets: { topic: 'DESCRIBE' },
  DeleteRecords: { topic: 'DELETE' },
  DescribeProducers: { topic: 'READ' },
  FindCoordinator: { group: 'DESCRIBE', transactionalId: 'DESCRIBE' },
  ListGroups: { cluster: 'DESCRIBE', group: 'DESCRIBE' },
  DescribeGroups: { group: 'DESCRIBE' },
  ConsumerGroupDescribe: { group: 'DESCRIBE', topic: 'DESCRIBE' },
  DeleteGroups: { group: 'DELETE' },
  LeaveGroup: { group: 'READ' },
  OffsetFetch: { group: 'DESCRIBE', topic: 'DESCRIBE' },
  OffsetCommit: { group: 'READ', topic: 'READ' },
  OffsetDelete: { group: 'DELETE', topic: 'READ' },
  CreateAcls: { cluster: 'ALTER' },
  DescribeAcls: { cluster: 'DESCRIBE' },
  DeleteAcls: { cluster: 'ALTER' },
  DescribeUserScramCredentials: { cluster: 'DESCRIBE' },
  AlterUserScramCredentials: { cluster: 'ALTER' },
  DescribeClientQuotas: { cluster: 'DESCRIBE_CONFIGS' },
  AlterClientQuotas: { cluster: 'ALTER_CONFIGS' },
  DescribeCluster: { cluster: 'DESCRIBE' },
  DescribeLogDirs: { cluster: 'DESCRIBE' },
  AlterPartitionReassignments: { cluster: 'ALTER' },
  ListPartitionReassignments: { cluster: 'DESCRIBE' },
  ElectLeaders: { cluster: 'ALTER' },
  ListTransactions: { transactionalId: 'DESCRIBE' },
  DescribeTransactions: { transactionalId: 'DESCRIBE', topic: 'DESCRIBE' },
}

const AUTHORIZATION_CODES: ReadonlyMap<number, AclResourceKind> = new Map([
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'topic'],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'group'],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'cluster'],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactionalId'],
])

const GROUP_BUSY: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.STALE_MEMBER_EPOCH,
  ErrorCode.FENCED_MEMBER_EPOCH,
])

const RESOURCE_WORDS: Record<AclResourceKind, string> = {
  topic: 'topic',
  group: 'group',
  cluster: 'the cluster',
  transactionalId: 'transactional id',
}

/**
 * The `KafkaProtocolError` for `code`, with a message that says what to do: for an unknown topic,
 * to create it or check the name; for an authorization failure, which principal needs which ACL.
 */
export function protocolError(code: number, place: ErrorPlace, principal?: string): KafkaProtocolError {
  const base = place.errorMessage !== undefined && place.errorMessage !== null && place.errorMessage !== '' ? place.errorMessage : null
  const hint = hintFor(code, place, principal)
  const errorMessage = hint === null ? base : `${base ?? errorByCode(code).message} ${hint}`
  return KafkaProtocolError.fromCode(code, {
    apiName: place.apiName,
    ...(place.topic !== undefined ? { topic: place.topic } : {}),
    ...(place.partition !== undefined ? { partition: place.partition } : {}),
    ...(place.groupId !== undefined ? { groupId: place.groupId } : {}),
    ...(errorMessage !== null ? { errorMessage } : {}),
  })
}

function hintFor(code: number, place: ErrorPlace, principal: string | undefined): string | null {
  if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && place.topic !== undefined) {
    if (place.apiName === 'DeleteTopics') return `Topic "${place.topic}" does not exist (already deleted?): check the name (admin.listTopics lists the topics).`
    return place.partition === undefined
      ? `Topic "${place.topic}" does not exist: create it (admin.createTopics) or check the name.`
      : `Topic "${place.topic}" or its partition ${place.partition} does not exist: create the topic or add partitions (admin.createTopics / admin.createPartitions), or check the name.`
  }
  if (code === ErrorCode.GROUP_ID_NOT_FOUND && place.groupId !== undefined) {
    return `Check the group id "${place.groupId}" (admin.listGroups shows the groups).`
  }
  if (place.apiName === 'OffsetCommit' && place.groupId !== undefined && GROUP_BUSY.has(code)) {
    return `Offsets of group "${place.groupId}" can only be altered while the group is empty: stop its consumers first.`
  }
  if (code === ErrorCode.NON_EMPTY_GROUP && place.groupId !== undefined) {
    return `Group "${place.groupId}" still has members: stop its consumers or remove them (admin.removeMembers) first.`
  }
  const kind = AUTHORIZATION_CODES.get(code)
  if (kind === undefined) return null
  const operation = REQUIRED_ACLS[place.apiName]?.[kind]
  const who = principal ?? "The client's principal"
  const name =
    kind === 'topic' ? place.topic : kind === 'group' ? place.groupId : kind === 'transactionalId' ? place.resource : undefined
  const resource = kind === 'cluster' ? 'the cluster' : `${RESOURCE_WORDS[kind]}${name === undefined ? '' : ` "${name}"`}`
  return `${who} needs an ALLOW ACL for ${operation ?? 'this operation'} on ${resource} (and no DENY ACL); a super user can add it with admin.createAcls.`
}

/**
 * Rejects a bad argument before any request is sent, as an `InvalidArgumentError` naming the
 * field (a path from the method's argument, `topics[2].partitions`), the value and what is
 * expected. Every admin method is `async`, so these throws reach the caller as rejected promises.
 */
export function invalid(field: string, value: unknown, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(field, value, expected)
}

export function requireName(value: unknown, argument: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(argument, value, `${what} (a non-empty string)`)
  return value
}

export function requireString(value: unknown, argument: string): string {
  if (typeof value !== 'string') throw invalid(argument, value, 'a string')
  return value
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/
const TOPIC_RULE = 'a topic name of 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-" (not "." or "..")'

/** Kafka's topic name rules (`Topic.validate`): 1-249 characters of [a-zA-Z0-9._-], not `.` or `..`. */
export function requireTopicName(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !LEGAL_TOPIC.test(value) || value === '.' || value === '..') throw invalid(argument, value, TOPIC_RULE)
  return value
}

export function requireInt(value: unknown, argument: string, min: number, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(argument, value, `an integer from ${min} to ${max}`)
  }
  return value
}

/** A partition number; object keys arrive as strings ("0"), so digit strings are accepted. */
export function requirePartition(value: unknown, argument: string): number {
  return requireInt(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value, argument, 0)
}

export function requireOffset(value: unknown, argument: string, min = -1n): bigint {
  const offset = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof offset !== 'bigint' || offset < min || offset > 2n ** 63n - 1n) {
    throw invalid(argument, value, `an offset (a bigint from ${min} to 2^63-1, or a safe integer number)`)
  }
  return offset
}

export function requireOneOf<T extends string>(value: unknown, argument: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalid(argument, value, `one of ${allowed.map((name) => `'${name}'`).join(', ')}`)
  }
  return value as T
}

export function requireArray<T>(value: readonly T[] | undefined | null, argument: string, allowEmpty = false): readonly T[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) throw invalid(argument, value, allowEmpty ? 'an array' : 'an array of at least one entry')
  return value
}

export function requireUnique(names: readonly string[], argument: string): void {
  const seen = new Set<string>()
  names.forEach((name, i) => {
    if (seen.has(name)) throw invalid(`${argument}[${i}]`, name, `a name not given earlier in ${argument} (each appears once)`)
    seen.add(name)
  })
}

/** A per-call options object: `undefined` means defaults; anything else must be a plain object. */
export function requireOptions<T extends object>(value: T | undefined | null, argument = 'options'): T {
  if (value === undefined) return {} as T
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(argument, value, 'an options object (or undefined)')
  return value
}

/** An optional flag: `undefined` (the default) or a boolean, never a truthy stand-in like `"yes"`. */
export function requireBoolean(value: unknown, argument: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(argument, value, 'true, false or undefined')
  return value
}

/** For constructor options: the same checks, reported as the `ConfigError` options get. */
export function asConfigError<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) throw new ConfigError(error.field, `expected ${error.expected}, got ${error.received}`)
    throw error
  }
}
