import { pbkdf2Sync, randomBytes } from 'node:crypto'
import {
  AlterClientQuotasApi,
  AlterUserScramCredentialsApi,
  type AlterUserScramCredentialsRequestScramCredentialDeletion,
  type AlterUserScramCredentialsRequestScramCredentialUpsertion,
  DescribeClientQuotasApi,
  DescribeUserScramCredentialsApi,
  type KafkaProtocolError,
} from '@kafkats/protocol'
import type { AdminContext } from './context.js'
import { type ScramMechanismName, scramMechanisms } from './enums.js'
import { invalid, requireArray, requireBoolean, requireInt, requireName, requireOneOf, requireOptions, requireUnique } from './errors.js'
import type {
  ClientQuotaAlteration,
  ClientQuotaEntity,
  ClientQuotaEntry,
  ClientQuotaFilter,
  ClientQuotaResult,
  ScramCredentialDeletion,
  ScramCredentialUpsertion,
  UserResult,
  UserScramCredentials,
} from './types.js'

/** Kafka's limits for SCRAM iterations (`ScramMechanism.minIterations` / `maxIterations`). */
const MIN_ITERATIONS = 4096
const MAX_ITERATIONS = 16384
const SALT_BYTES = 32

const DIGESTS: Record<ScramMechanismName, { digest: string; bytes: number }> = {
  'SCRAM-SHA-256': { digest: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { digest: 'sha512', bytes: 64 },
}

/**
 * RFC 5802 `SaltedPassword := Hi(Normalize(password), salt, i)`: Hi is PBKDF2 with HMAC of the
 * mechanism's hash and an output as long as the hash. Kafka normalizes by UTF-8 encoding only.
 */
export function scramSaltedPassword(mechanism: ScramMechanismName, password: string, salt: Uint8Array, iterations: number): Uint8Array {
  const { digest, bytes } = DIGESTS[mechanism]
  return new Uint8Array(pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, bytes, digest))
}

export async function describeUserScramCredentials(ctx: AdminContext, users?: readonly string[]): Promise<UserScramCredentials[]> {
  const names = users === undefined ? null : requireArray(users, 'users').map((user, i) => requireName(user, `users[${i}]`, 'a user name'))
  if (names !== null) requireUnique(names, 'users')
  const response = await ctx.call('DescribeUserScramCredentials', () => ctx.anyBroker(), (connection) =>
    connection.request(DescribeUserScramCredentialsApi, DescribeUserScramCredentialsApi.createRequest({ users: names === null ? null : names.map((name) => ({ name })) })),
  )
  ctx.check(response.errorCode, { apiName: 'DescribeUserScramCredentials', errorMessage: response.errorMessage })
  return response.results.map((result) => ({
    user: result.user,
    credentials: result.credentialInfos.map((info) => ({ mechanism: scramMechanisms.name(info.mechanism), iterations: info.iterations })),
    ...(result.errorCode !== 0
      ? { error: ctx.error(result.errorCode, { apiName: 'DescribeUserScramCredentials', resource: result.user, errorMessage: result.errorMessage }) }
      : {}),
  }))
}

async function alterScram(
  ctx: AdminContext,
  upsertions: AlterUserScramCredentialsRequestScramCredentialUpsertion[],
  deletions: AlterUserScramCredentialsRequestScramCredentialDeletion[],
): Promise<UserResult[]> {
  const pairs = [...upsertions, ...deletions].map((change) => `${change.name}/${change.mechanism}`)
  requireUnique(pairs, 'credentials (user and mechanism)')
  // A broker rejects a user named twice in one request (DUPLICATE_RESOURCE), so a user's second
  // mechanism goes in a second request: round n carries the n-th change of each user.
  const rounds: Array<{ upsertions: typeof upsertions; deletions: typeof deletions }> = []
  const seen = new Map<string, number>()
  const roundFor = (user: string): { upsertions: typeof upsertions; deletions: typeof deletions } => {
    const index = seen.get(user) ?? 0
    seen.set(user, index + 1)
    return (rounds[index] ??= { upsertions: [], deletions: [] })
  }
  for (const upsertion of upsertions) roundFor(upsertion.name).upsertions.push(upsertion)
  for (const deletion of deletions) roundFor(deletion.name).deletions.push(deletion)
  const errors = new Map<string, KafkaProtocolError>()
  for (const round of rounds) {
    const response = await ctx.call('AlterUserScramCredentials', () => ctx.anyBroker(), (connection) =>
      connection.request(AlterUserScramCredentialsApi, AlterUserScramCredentialsApi.createRequest(round)),
    )
    for (const user of new Set([...round.upsertions, ...round.deletions].map((change) => change.name))) {
      const result = response.results.find((r) => r.user === user)
      if (errors.has(user)) continue
      if (result === undefined) errors.set(user, ctx.error(-1, { apiName: 'AlterUserScramCredentials', errorMessage: 'The response left this user out.' }))
      else if (result.errorCode !== 0) errors.set(user, ctx.error(result.errorCode, { apiName: 'AlterUserScramCredentials', resource: user, errorMessage: result.errorMessage }))
    }
  }
  return [...seen.keys()].map((user) => {
    const error = errors.get(user)
    return error === undefined ? { user } : { user, error }
  })
}

export async function upsertUserScramCredentials(ctx: AdminContext, credentials: readonly ScramCredentialUpsertion[]): Promise<UserResult[]> {
  const upsertions = requireArray(credentials, 'credentials').map((credential, i) => {
    const argument = `credentials[${i}]`
    if (typeof credential !== 'object' || credential === null) throw invalid(argument, credential, '{ user, mechanism, password, iterations?, salt? }')
    const name = requireName(credential.user, `${argument}.user`, 'a user name')
    const mechanism = requireOneOf(credential.mechanism, `${argument}.mechanism`, scramMechanisms.names)
    const iterations = requireInt(credential.iterations ?? MIN_ITERATIONS, `${argument}.iterations`, MIN_ITERATIONS, MAX_ITERATIONS)
    if (typeof credential.password !== 'string' || credential.password === '') throw invalid(`${argument}.password`, credential.password, 'a non-empty string')
    const salt = credential.salt ?? new Uint8Array(randomBytes(SALT_BYTES))
    if (!(salt instanceof Uint8Array) || salt.length === 0) throw invalid(`${argument}.salt`, salt, 'a non-empty Uint8Array (or omit it for a random salt)')
    return {
      name,
      mechanism: scramMechanisms.code(mechanism),
      iterations,
      salt,
      saltedPassword: scramSaltedPassword(mechanism, credential.password, salt, iterations),
    }
  })
  return alterScram(ctx, upsertions, [])
}

export async function deleteUserScramCredentials(ctx: AdminContext, credentials: readonly ScramCredentialDeletion[]): Promise<UserResult[]> {
  const deletions = requireArray(credentials, 'credentials').map((credential, i) => ({
    name: requireName(typeof credential === 'object' && credential !== null ? credential.user : credential, `credentials[${i}].user`, 'a user name'),
    mechanism: scramMechanisms.code(requireOneOf(credential.mechanism, `credentials[${i}].mechanism`, scramMechanisms.names)),
  }))
  return alterScram(ctx, [], deletions)
}

/** DescribeClientQuotas match types. */
const MATCH_EXACT = 0
const MATCH_DEFAULT = 1
const MATCH_SPECIFIED = 2

function toEntity(entity: ClientQuotaEntity, argument: string): Array<{ entityType: string; entityName: string | null }> {
  if (typeof entity !== 'object' || entity === null) throw invalid(argument, entity, "{ user?, 'client-id'?, ip? }")
  const parts = Object.entries(entity)
    .filter(([, name]) => name !== undefined)
    .map(([entityType, name]) => {
      if (name !== null && (typeof name !== 'string' || name === '')) throw invalid(`${argument}.${entityType}`, name, 'a non-empty name, or null for the default entity')
      return { entityType, entityName: name ?? null }
    })
  if (parts.length === 0) throw invalid(argument, entity, "at least one entity type (user, 'client-id', ip)")
  return parts.sort((a, b) => (a.entityType < b.entityType ? -1 : 1))
}

function entityKey(parts: ReadonlyArray<{ entityType: string; entityName: string | null }>): string {
  return JSON.stringify([...parts].sort((a, b) => (a.entityType < b.entityType ? -1 : 1)).map((p) => [p.entityType, p.entityName]))
}

export async function describeClientQuotas(ctx: AdminContext, filter: ClientQuotaFilter): Promise<ClientQuotaEntry[]> {
  if (typeof filter !== 'object' || filter === null) throw invalid('filter', filter, '{ components: [{ entityType, name? }], strict? }')
  const strict = requireBoolean(filter.strict, 'filter.strict') ?? false
  const components = requireArray(filter.components, 'filter.components', true).map((component, i) => {
    if (typeof component !== 'object' || component === null) throw invalid(`filter.components[${i}]`, component, '{ entityType, name? }')
    const entityType = requireName(component.entityType, `filter.components[${i}].entityType`, 'an entity type')
    if (component.name === undefined) return { entityType, matchType: MATCH_SPECIFIED, match: null }
    if (component.name === null) return { entityType, matchType: MATCH_DEFAULT, match: null }
    return { entityType, matchType: MATCH_EXACT, match: requireName(component.name, `filter.components[${i}].name`, 'an entity name') }
  })
  const response = await ctx.call('DescribeClientQuotas', () => ctx.anyBroker(), (connection) =>
    connection.request(DescribeClientQuotasApi, DescribeClientQuotasApi.createRequest({ components, strict })),
  )
  ctx.check(response.errorCode, { apiName: 'DescribeClientQuotas', errorMessage: response.errorMessage })
  return (response.entries ?? []).map((entry) => {
    const entity: ClientQuotaEntity = {}
    for (const part of entry.entity) entity[part.entityType] = part.entityName
    const values: Record<string, number> = {}
    for (const value of entry.values) values[value.key] = value.value
    return { entity, values }
  })
}

export async function alterClientQuotas(ctx: AdminContext, alterations: readonly ClientQuotaAlteration[], options?: { validateOnly?: boolean }): Promise<ClientQuotaResult[]> {
  const validateOnly = requireBoolean(requireOptions(options).validateOnly, 'options.validateOnly') ?? false
  const entries = requireArray(alterations, 'alterations').map((alteration, i) => {
    if (typeof alteration !== 'object' || alteration === null) throw invalid(`alterations[${i}]`, alteration, '{ entity, values }')
    const entity = toEntity(alteration.entity, `alterations[${i}].entity`)
    if (typeof alteration.values !== 'object' || alteration.values === null) throw invalid(`alterations[${i}].values`, alteration.values, '{ [quota]: number | null }')
    const ops = Object.entries(alteration.values).map(([key, value]) => {
      requireName(key, `alterations[${i}].values`, 'a quota name')
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        throw invalid(`alterations[${i}].values.${key}`, value, 'a non-negative number, or null to remove the quota')
      }
      return { key, value: value ?? 0, remove: value === null }
    })
    if (ops.length === 0) throw invalid(`alterations[${i}].values`, alteration.values, 'at least one quota')
    return { entity, ops }
  })
  const seen = new Set<string>()
  entries.forEach((entry, i) => {
    const key = entityKey(entry.entity)
    if (seen.has(key)) throw invalid(`alterations[${i}].entity`, alterations[i]!.entity, 'an entity not altered earlier in the same call')
    seen.add(key)
  })
  const response = await ctx.call('AlterClientQuotas', () => ctx.anyBroker(), (connection) =>
    connection.request(AlterClientQuotasApi, AlterClientQuotasApi.createRequest({ entries, validateOnly })),
  )
  return alterations.map((alteration, i) => {
    const key = entityKey(entries[i]!.entity)
    const result = response.entries.find((entry) => entityKey(entry.entity) === key)
    if (result === undefined) return { entity: alteration.entity, error: ctx.error(-1, { apiName: 'AlterClientQuotas', errorMessage: 'The response left this entity out.' }) }
    return result.errorCode === 0
      ? { entity: alteration.entity }
      : { entity: alteration.entity, error: ctx.error(result.errorCode, { apiName: 'AlterClientQuotas', errorMessage: result.errorMessage }) }
  })
}
