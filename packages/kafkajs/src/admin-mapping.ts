// KafkaJS's numeric ACL and config enums (Kafka's wire codes) and kafkats's names for the same codes.
import type { AclDescription, AclFilter as KafkatsAclFilter, ConfigResourceType, ConfigSource as KafkatsConfigSource } from 'kafkats'
import { KafkaJSNonRetriableError } from './errors.js'
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ConfigSource, ResourcePatternTypes } from './types.js'

type AclResourceName = NonNullable<KafkatsAclFilter['resourceType']>
type AclOperationName = NonNullable<KafkatsAclFilter['operation']>
type AclPermissionName = NonNullable<KafkatsAclFilter['permission']>
type AclPatternName = NonNullable<KafkatsAclFilter['patternType']>

function table<Code extends number, Name extends string>(pairs: ReadonlyArray<readonly [Code, Name]>, what: string) {
  const byCode = new Map<number, Name>(pairs)
  const byName = new Map<string, Code>(pairs.map(([code, name]) => [name, code]))
  return {
    name(code: Code): Name {
      const name = byCode.get(code)
      if (name === undefined) throw new KafkaJSNonRetriableError(`Invalid ${what} ${String(code)}`)
      return name
    },
    code(name: string): Code {
      return byName.get(name) ?? (0 as Code)
    },
  }
}

export const resourceTypes = table<AclResourceTypes, AclResourceName>(
  [
    [AclResourceTypes.ANY, 'any'],
    [AclResourceTypes.TOPIC, 'topic'],
    [AclResourceTypes.GROUP, 'group'],
    [AclResourceTypes.CLUSTER, 'cluster'],
    [AclResourceTypes.TRANSACTIONAL_ID, 'transactional-id'],
    [AclResourceTypes.DELEGATION_TOKEN, 'delegation-token'],
  ],
  'ACL resource type',
)

export const operations = table<AclOperationTypes, AclOperationName>(
  [
    [AclOperationTypes.ANY, 'any'],
    [AclOperationTypes.ALL, 'all'],
    [AclOperationTypes.READ, 'read'],
    [AclOperationTypes.WRITE, 'write'],
    [AclOperationTypes.CREATE, 'create'],
    [AclOperationTypes.DELETE, 'delete'],
    [AclOperationTypes.ALTER, 'alter'],
    [AclOperationTypes.DESCRIBE, 'describe'],
    [AclOperationTypes.CLUSTER_ACTION, 'cluster-action'],
    [AclOperationTypes.DESCRIBE_CONFIGS, 'describe-configs'],
    [AclOperationTypes.ALTER_CONFIGS, 'alter-configs'],
    [AclOperationTypes.IDEMPOTENT_WRITE, 'idempotent-write'],
  ],
  'ACL operation',
)

export const permissions = table<AclPermissionTypes, AclPermissionName>(
  [
    [AclPermissionTypes.ANY, 'any'],
    [AclPermissionTypes.DENY, 'deny'],
    [AclPermissionTypes.ALLOW, 'allow'],
  ],
  'ACL permission type',
)

export const patternTypes = table<ResourcePatternTypes, AclPatternName>(
  [
    [ResourcePatternTypes.ANY, 'any'],
    [ResourcePatternTypes.MATCH, 'match'],
    [ResourcePatternTypes.LITERAL, 'literal'],
    [ResourcePatternTypes.PREFIXED, 'prefixed'],
  ],
  'resource pattern type',
)

export const configResourceTypes = table<ConfigResourceTypes, ConfigResourceType>(
  [
    [ConfigResourceTypes.TOPIC, 'topic'],
    [ConfigResourceTypes.BROKER, 'broker'],
    [ConfigResourceTypes.BROKER_LOGGER, 'broker-logger'],
  ],
  'config resource type',
)

export const configSources = table<ConfigSource, KafkatsConfigSource>(
  [
    [ConfigSource.TOPIC_CONFIG, 'topic'],
    [ConfigSource.DYNAMIC_BROKER_CONFIG, 'dynamic-broker'],
    [ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, 'dynamic-default-broker'],
    [ConfigSource.STATIC_BROKER_CONFIG, 'static-broker'],
    [ConfigSource.DEFAULT_CONFIG, 'default'],
    [ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, 'dynamic-broker-logger'],
  ],
  'config source',
)

export function aclCodes(acl: AclDescription): {
  resourceType: AclResourceTypes
  resourcePatternType: ResourcePatternTypes
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
} {
  return {
    resourceType: resourceTypes.code(acl.resourceType),
    resourcePatternType: patternTypes.code(acl.patternType),
    operation: operations.code(acl.operation),
    permissionType: permissions.code(acl.permission),
  }
}
