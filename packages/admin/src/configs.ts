import { DescribeConfigsApi, ErrorCode, IncrementalAlterConfigsApi, type KafkaError } from '@kafkats/protocol'
import { type AdminContext, type Result, type Routing, type Shard, retryOn } from './context.js'
import { alterConfigOperations, configResourceTypes, configSources, configTypes, type ConfigResourceType } from './enums.js'
import { invalid, requireArray, requireBoolean, requireName, requireOneOf, requireOptions } from './errors.js'
import type {
  AlterConfigsResource,
  ConfigEntry,
  ConfigResource,
  ConfigResourceOutcome,
  ConfigResourceResult,
  DescribeConfigsOptions,
  DescribeConfigsResource,
} from './types.js'

interface ConfigTask {
  type: ConfigResourceType
  name: string
  typeCode: number
  /** The broker a broker/broker-logger resource must go to; null for any broker. */
  broker: number | null
}

function toTask(resource: ConfigResource, argument: string): ConfigTask {
  if (typeof resource !== 'object' || resource === null) throw invalid(argument, resource, '{ type, name }')
  const type = requireOneOf(resource.type, `${argument}.type`, configResourceTypes.names)
  if (typeof resource.name !== 'string') throw invalid(`${argument}.name`, resource.name, 'a string')
  let broker: number | null = null
  if (type === 'broker' || type === 'broker-logger') {
    if (resource.name !== '' && !/^\d+$/.test(resource.name)) {
      throw invalid(`${argument}.name`, resource.name, `a broker id ("1")${type === 'broker' ? ', or "" for the cluster-wide default' : ''}`)
    }
    if (type === 'broker-logger' && resource.name === '') throw invalid(`${argument}.name`, resource.name, 'a broker id ("1"): broker-logger resources have no cluster-wide default')
    broker = resource.name === '' ? null : Number(resource.name)
  } else {
    requireName(resource.name, `${argument}.name`, `a ${type} name`)
  }
  return { type, name: resource.name, typeCode: configResourceTypes.code(type), broker }
}

/** A broker's own configs (and its loggers) are answered by that broker only; the rest by any broker. */
function configRouter<T extends { task: ConfigTask }>(ctx: AdminContext, apiName: string): (tasks: readonly T[]) => Promise<Routing<T>> {
  return async (tasks) => {
    const shards = new Map<number, Shard<T>>()
    const failed: Array<[T, KafkaError]> = []
    const anyAddress = await ctx.anyBroker()
    for (const task of tasks) {
      const nodeId = task.task.broker ?? -1
      let shard = shards.get(nodeId)
      if (shard === undefined) {
        let address = anyAddress
        if (nodeId >= 0) {
          try {
            address = await ctx.brokerAddress(nodeId, apiName)
          } catch (error) {
            failed.push([task, error as KafkaError])
            continue
          }
        }
        shard = { nodeId, address, tasks: [], leaderEpochs: [] }
        shards.set(nodeId, shard)
      }
      shard.tasks.push(task)
    }
    return { shards: [...shards.values()], failed }
  }
}

function place(apiName: string, task: ConfigTask, errorMessage: string | null): Parameters<AdminContext['error']>[1] {
  if (task.type === 'topic') return { apiName, topic: task.name, errorMessage }
  if (task.type === 'group') return { apiName, groupId: task.name, errorMessage }
  return { apiName, resource: `${task.type} "${task.name}"`, errorMessage }
}

export async function describeConfigs(
  ctx: AdminContext,
  resources: readonly DescribeConfigsResource[],
  optionsArgument?: DescribeConfigsOptions,
): Promise<ConfigResourceResult[]> {
  const options = requireOptions(optionsArgument)
  const includeSynonyms = requireBoolean(options.includeSynonyms, 'options.includeSynonyms') ?? true
  const includeDocumentation = requireBoolean(options.includeDocumentation, 'options.includeDocumentation') ?? false
  const tasks = requireArray(resources, 'resources').map((resource, i) => {
    const task = toTask(resource, `resources[${i}]`)
    const keys = resource.keys === undefined ? null : requireArray(resource.keys, `resources[${i}].keys`).map((key, k) => requireName(key, `resources[${i}].keys[${k}]`, 'a config name'))
    return { task, keys }
  })
  const results = await ctx.batched<(typeof tasks)[number], ConfigResourceResult>({
    apiName: 'DescribeConfigs',
    tasks,
    route: configRouter(ctx, 'DescribeConfigs'),
    send: async (connection, shard) => {
      const response = await connection.request(
        DescribeConfigsApi,
        DescribeConfigsApi.createRequest({
          resources: shard.tasks.map(({ task, keys }) => ({ resourceType: task.typeCode, resourceName: task.name, configurationKeys: keys })),
          includeSynonyms,
          includeDocumentation,
        }),
      )
      return shard.tasks.flatMap((key): Array<[(typeof tasks)[number], Result<ConfigResourceResult>]> => {
        const { task, keys } = key
        const answer = response.results.find((r) => r.resourceType === task.typeCode && r.resourceName === task.name)
        if (answer === undefined) return []
        if (answer.errorCode !== 0) return [[key, { error: ctx.error(answer.errorCode, place('DescribeConfigs', task, answer.errorMessage)) }]]
        const configs: Record<string, ConfigEntry> = {}
        for (const entry of answer.configs) {
          if (keys !== null && !keys.includes(entry.name)) continue
          const source = configSources.name(entry.configSource)
          configs[entry.name] = {
            name: entry.name,
            value: entry.value,
            source,
            isSensitive: entry.isSensitive,
            readOnly: entry.readOnly,
            isDefault: source === 'default',
            synonyms: entry.synonyms.map((synonym) => ({ name: synonym.name, value: synonym.value, source: configSources.name(synonym.source) })),
            type: configTypes.name(entry.configType),
            documentation: entry.documentation,
          }
        }
        return [[key, { value: { type: task.type, name: task.name, configs } }]]
      })
    },
  })
  return tasks.map((entry) => {
    const result = results.get(entry)!
    return result.error === undefined ? result.value : { type: entry.task.type, name: entry.task.name, configs: {}, error: result.error }
  })
}

export async function incrementalAlterConfigs(
  ctx: AdminContext,
  resources: readonly AlterConfigsResource[],
  options?: { validateOnly?: boolean },
): Promise<ConfigResourceOutcome[]> {
  const validateOnly = requireBoolean(requireOptions(options).validateOnly, 'options.validateOnly') ?? false
  const tasks = requireArray(resources, 'resources').map((resource, i) => {
    const task = toTask(resource, `resources[${i}]`)
    const configs = requireArray(resource.operations, `resources[${i}].operations`).map((operation, o) => {
      const argument = `resources[${i}].operations[${o}]`
      if (typeof operation !== 'object' || operation === null) throw invalid(argument, operation, "{ key, op: 'set' | 'delete' | 'append' | 'subtract', value? }")
      const key = requireName(operation.key, `${argument}.key`, 'a config name')
      const op = requireOneOf(operation.op, `${argument}.op`, alterConfigOperations.names)
      if (op !== 'delete' && typeof operation.value !== 'string') {
        throw invalid(`${argument}.value`, operation.value, `a string for '${op}' (lists are comma-separated)`)
      }
      return { name: key, configOperation: alterConfigOperations.code(op), value: op === 'delete' ? null : operation.value! }
    })
    return { task, configs }
  })
  const results = await ctx.batched<(typeof tasks)[number], ConfigResourceOutcome>({
    apiName: 'IncrementalAlterConfigs',
    tasks,
    route: configRouter(ctx, 'IncrementalAlterConfigs'),
    retriable: retryOn(ErrorCode.NOT_CONTROLLER),
    send: async (connection, shard) => {
      const response = await connection.request(
        IncrementalAlterConfigsApi,
        IncrementalAlterConfigsApi.createRequest({
          resources: shard.tasks.map(({ task, configs }) => ({ resourceType: task.typeCode, resourceName: task.name, configs })),
          validateOnly,
        }),
      )
      return shard.tasks.flatMap((entry): Array<[(typeof tasks)[number], Result<ConfigResourceOutcome>]> => {
        const { task } = entry
        const answer = response.responses.find((r) => r.resourceType === task.typeCode && r.resourceName === task.name)
        if (answer === undefined) return []
        if (answer.errorCode !== 0) return [[entry, { error: ctx.error(answer.errorCode, place('IncrementalAlterConfigs', task, answer.errorMessage)) }]]
        return [[entry, { value: { type: task.type, name: task.name } }]]
      })
    },
  })
  return tasks.map((entry) => {
    const result = results.get(entry)!
    return result.error === undefined ? result.value : { type: entry.task.type, name: entry.task.name, error: result.error }
  })
}
