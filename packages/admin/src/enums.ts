/**
 * Readable names for the numeric enums of the admin APIs, and their wire codes. Each name is the
 * Java enum constant in lower case with `-` for `_` (`TRANSACTIONAL_ID` → `'transactional-id'`).
 */

function codec<Name extends string>(table: Readonly<Record<Name, number>>): {
  code(name: Name): number
  name(code: number): Name | 'unknown'
  names: readonly Name[]
} {
  const byCode = new Map<number, Name>()
  for (const [name, code] of Object.entries(table) as Array<[Name, number]>) byCode.set(code, name)
  return {
    code: (name) => table[name],
    name: (code) => byCode.get(code) ?? 'unknown',
    names: Object.keys(table) as Name[],
  }
}

/** A config resource (Kafka's `ConfigResource.Type`). `'broker'` with name `''` is the cluster-wide default. */
export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger' | 'client-metrics' | 'group'
export const configResourceTypes = codec<ConfigResourceType>({
  topic: 2,
  broker: 4,
  'broker-logger': 8,
  'client-metrics': 16,
  group: 32,
})

/** Where a config value comes from (Kafka's `ConfigEntry.ConfigSource`). */
export type ConfigSource =
  | 'topic'
  | 'dynamic-broker'
  | 'dynamic-default-broker'
  | 'static-broker'
  | 'default'
  | 'dynamic-broker-logger'
  | 'client-metrics'
  | 'group'
export const configSources = codec<ConfigSource>({
  topic: 1,
  'dynamic-broker': 2,
  'dynamic-default-broker': 3,
  'static-broker': 4,
  default: 5,
  'dynamic-broker-logger': 6,
  'client-metrics': 7,
  group: 8,
})

/** The declared type of a config (Kafka's `ConfigEntry.ConfigType`). */
export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password'
export const configTypes = codec<ConfigType>({
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
})

/** An incremental config change (Kafka's `AlterConfigOp.OpType`); `append`/`subtract` work on list configs. */
export type AlterConfigOperation = 'set' | 'delete' | 'append' | 'subtract'
export const alterConfigOperations = codec<AlterConfigOperation>({ set: 0, delete: 1, append: 2, subtract: 3 })

/** Kafka's `ResourceType` for ACLs. `'any'` only in filters. */
export type AclResourceType = 'any' | 'topic' | 'group' | 'cluster' | 'transactional-id' | 'delegation-token' | 'user'
export const aclResourceTypes = codec<AclResourceType>({
  any: 1,
  topic: 2,
  group: 3,
  cluster: 4,
  'transactional-id': 5,
  'delegation-token': 6,
  user: 7,
})

/**
 * Kafka's `PatternType`: `'literal'` names one resource (`'*'` is every resource), `'prefixed'`
 * every resource starting with the name. Filters may also use `'any'` (either, name as written) and
 * `'match'` (every binding that applies to the named resource, wildcard and prefixes included).
 */
export type AclPatternType = 'any' | 'match' | 'literal' | 'prefixed'
export const aclPatternTypes = codec<AclPatternType>({ any: 1, match: 2, literal: 3, prefixed: 4 })

/** Kafka's `AclOperation`. `'any'` only in filters; `'all'` grants every operation. */
export type AclOperation =
  | 'any'
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'cluster-action'
  | 'describe-configs'
  | 'alter-configs'
  | 'idempotent-write'
  | 'create-tokens'
  | 'describe-tokens'
  | 'two-phase-commit'
export const aclOperations = codec<AclOperation>({
  any: 1,
  all: 2,
  read: 3,
  write: 4,
  create: 5,
  delete: 6,
  alter: 7,
  describe: 8,
  'cluster-action': 9,
  'describe-configs': 10,
  'alter-configs': 11,
  'idempotent-write': 12,
  'create-tokens': 13,
  'describe-tokens': 14,
  'two-phase-commit': 15,
})

/** Kafka's `AclPermissionType`. `'any'` only in filters. */
export type AclPermission = 'any' | 'deny' | 'allow'
export const aclPermissions = codec<AclPermission>({ any: 1, deny: 2, allow: 3 })

/** SCRAM mechanisms (Kafka's `ScramMechanism`). */
export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
export const scramMechanisms = codec<ScramMechanismName>({ 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 })

/** `read_committed` reads up to the last stable offset (no open transactions). Java: isolation.level */
export type IsolationLevel = 'read_uncommitted' | 'read_committed'
export const isolationLevels = codec<IsolationLevel>({ read_uncommitted: 0, read_committed: 1 })

/** ElectLeaders: the preferred (first) replica, or any replica even outside the ISR (may lose data). */
export type ElectionType = 'preferred' | 'unclean'
export const electionTypes = codec<ElectionType>({ preferred: 0, unclean: 1 })

/** FindCoordinator key types. */
export const CoordinatorType = { group: 0, transaction: 1 } as const
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType]

/** The "not requested" value of an authorized-operations bit field. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648

/** Decodes a KIP-430 authorized-operations bit field (bit n = AclOperation code n); undefined when not requested. */
export function decodeAuthorizedOperations(bits: number): AclOperation[] | undefined {
  if (bits === AUTHORIZED_OPERATIONS_OMITTED) return undefined
  const operations: AclOperation[] = []
  for (const name of aclOperations.names) {
    const code = aclOperations.code(name)
    if (name !== 'any' && name !== 'all' && (bits & (1 << code)) !== 0) operations.push(name)
  }
  return operations
}
