import { CreateAclsApi, DeleteAclsApi, DescribeAclsApi } from '@kafkats/protocol'
import type { AdminContext } from './context.js'
import { aclOperations, aclPatternTypes, aclPermissions, aclResourceTypes } from './enums.js'
import { invalid, requireArray, requireName, requireOneOf } from './errors.js'
import type { AclBinding, AclDescription, AclFilter, CreateAclResult, DeleteAclsResult } from './types.js'

const PRINCIPAL = /^[^:]+:.+$/

function requirePrincipal(value: unknown, argument: string): string {
  const principal = requireName(value, argument, 'a principal')
  if (!PRINCIPAL.test(principal)) throw invalid(argument, principal, 'a principal "Type:name", e.g. "User:alice"')
  return principal
}

function toCreation(acl: AclBinding, argument: string) {
  if (typeof acl !== 'object' || acl === null) throw invalid(argument, acl, '{ resourceType, resourceName, principal, operation, permission }')
  const resourceType = requireOneOf(acl.resourceType, `${argument}.resourceType`, aclResourceTypes.names.filter((name) => name !== 'any'))
  const patternType = requireOneOf(acl.patternType ?? 'literal', `${argument}.patternType`, ['literal', 'prefixed'] as const)
  const operation = requireOneOf(acl.operation, `${argument}.operation`, aclOperations.names.filter((name) => name !== 'any'))
  const permission = requireOneOf(acl.permission, `${argument}.permission`, ['allow', 'deny'] as const)
  const resourceName = requireName(acl.resourceName, `${argument}.resourceName`, 'a resource name')
  if (resourceType === 'cluster' && resourceName !== 'kafka-cluster') throw invalid(`${argument}.resourceName`, resourceName, '"kafka-cluster" (the name of the cluster resource)')
  return {
    resourceType: aclResourceTypes.code(resourceType),
    resourceName,
    resourcePatternType: aclPatternTypes.code(patternType),
    principal: requirePrincipal(acl.principal, `${argument}.principal`),
    host: acl.host === undefined ? '*' : requireName(acl.host, `${argument}.host`, 'a host'),
    operation: aclOperations.code(operation),
    permissionType: aclPermissions.code(permission),
  }
}

/** A filter field: absent or null matches anything, otherwise a non-empty string. */
function optionalName(value: unknown, argument: string, what: string): string | null {
  return value === undefined || value === null ? null : requireName(value, argument, what)
}

function toFilter(filter: AclFilter, argument: string) {
  if (typeof filter !== 'object' || filter === null) throw invalid(argument, filter, 'an ACL filter object ({} matches every ACL)')
  return {
    resourceTypeFilter: aclResourceTypes.code(requireOneOf(filter.resourceType ?? 'any', `${argument}.resourceType`, aclResourceTypes.names)),
    resourceNameFilter: optionalName(filter.resourceName, `${argument}.resourceName`, 'a resource name'),
    patternTypeFilter: aclPatternTypes.code(requireOneOf(filter.patternType ?? 'any', `${argument}.patternType`, aclPatternTypes.names)),
    principalFilter: filter.principal === undefined || filter.principal === null ? null : requirePrincipal(filter.principal, `${argument}.principal`),
    hostFilter: optionalName(filter.host, `${argument}.host`, 'a host'),
    operation: aclOperations.code(requireOneOf(filter.operation ?? 'any', `${argument}.operation`, aclOperations.names)),
    permissionType: aclPermissions.code(requireOneOf(filter.permission ?? 'any', `${argument}.permission`, aclPermissions.names)),
  }
}

function describeAcl(acl: {
  resourceType: number
  resourceName: string
  patternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}): AclDescription {
  return {
    resourceType: aclResourceTypes.name(acl.resourceType),
    resourceName: acl.resourceName,
    patternType: aclPatternTypes.name(acl.patternType),
    principal: acl.principal,
    host: acl.host,
    operation: aclOperations.name(acl.operation),
    permission: aclPermissions.name(acl.permissionType),
  }
}

export async function createAcls(ctx: AdminContext, acls: readonly AclBinding[]): Promise<CreateAclResult[]> {
  const creations = requireArray(acls, 'acls').map((acl, i) => toCreation(acl, `acls[${i}]`))
  const response = await ctx.call('CreateAcls', () => ctx.anyBroker(), (connection) =>
    connection.request(CreateAclsApi, CreateAclsApi.createRequest({ creations })),
  )
  return acls.map((acl, i) => {
    const result = response.results[i]
    const code = result?.errorCode ?? 0
    return code === 0 && result !== undefined
      ? { acl }
      : { acl, error: ctx.error(result === undefined ? -1 : code, { apiName: 'CreateAcls', errorMessage: result?.errorMessage ?? 'The response left this ACL out.' }) }
  })
}

export async function describeAcls(ctx: AdminContext, filter: AclFilter | undefined): Promise<AclDescription[]> {
  const request = DescribeAclsApi.createRequest(toFilter(filter === undefined ? {} : filter, 'filter'))
  const response = await ctx.call('DescribeAcls', () => ctx.anyBroker(), (connection) => connection.request(DescribeAclsApi, request))
  ctx.check(response.errorCode, { apiName: 'DescribeAcls', errorMessage: response.errorMessage })
  return response.resources.flatMap((resource) =>
    resource.acls.map((acl) =>
      describeAcl({ resourceType: resource.resourceType, resourceName: resource.resourceName, patternType: resource.patternType, ...acl }),
    ),
  )
}

export async function deleteAcls(ctx: AdminContext, filters: readonly AclFilter[]): Promise<DeleteAclsResult[]> {
  const request = DeleteAclsApi.createRequest({ filters: requireArray(filters, 'filters').map((filter, i) => toFilter(filter, `filters[${i}]`)) })
  const response = await ctx.call('DeleteAcls', () => ctx.anyBroker(), (connection) => connection.request(DeleteAclsApi, request))
  return filters.map((filter, i) => {
    const result = response.filterResults[i]
    if (result === undefined) return { filter, deleted: [], error: ctx.error(-1, { apiName: 'DeleteAcls', errorMessage: 'The response left this filter out.' }) }
    const deleted = result.matchingAcls.map((acl) => ({
      ...describeAcl(acl),
      ...(acl.errorCode !== 0 ? { error: ctx.error(acl.errorCode, { apiName: 'DeleteAcls', errorMessage: acl.errorMessage }) } : {}),
    }))
    return result.errorCode !== 0
      ? { filter, deleted, error: ctx.error(result.errorCode, { apiName: 'DeleteAcls', errorMessage: result.errorMessage }) }
      : { filter, deleted }
  })
}
