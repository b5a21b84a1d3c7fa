import { type BrokerConnection, type ConnectionPool, ConnectionError, type Logger, backoffMs } from '@kafkats/connection'
import {
  ErrorCode,
  KafkaError,
  KafkaProtocolError,
  MetadataApi,
  type MetadataResponsePartition,
  ZERO_UUID,
} from '@kafkats/protocol'
import { type ClusterMetadata, isCoordinatorLookupError } from '@kafkats/metadata'
import { CoordinatorType } from './enums.js'
import { type ErrorPlace, protocolError } from './errors.js'

/** A per-item outcome: a value, or the broker's error for that item. */
export type Result<V> = { value: V; error?: undefined } | { error: KafkaProtocolError; value?: undefined }

/** Tasks that go to one broker in one request. */
export interface Shard<T> {
  nodeId: number
  address: string
  tasks: T[]
  /** For leader-routed tasks: the partition's leader epoch from metadata, parallel to `tasks`. */
  leaderEpochs: number[]
}

export interface Routing<T> {
  shards: Array<Shard<T>>
  /** Tasks that could not be routed (unknown topic, no leader, no coordinator), with the reason. */
  failed: Array<[T, KafkaError]>
}

export interface BatchSpec<T, V> {
  apiName: string
  tasks: readonly T[]
  route(tasks: readonly T[]): Promise<Routing<T>>
  /** Sends one shard; returns an outcome for every task it could answer (missing ones become errors). */
  send(connection: BrokerConnection, shard: Shard<T>): Promise<Array<[T, Result<V>]>>
  /** Whether a task's error is worth another attempt. Default: `defaultRetriable`. */
  retriable?(error: KafkaError, attempt: number): boolean
  /** Called before retrying, with every task to retry and its error (forget a coordinator, …). */
  onRetry?(retries: ReadonlyArray<[T, KafkaError]>): void
}

export interface TopicView {
  name: string
  topicId: string
  isInternal: boolean
  /** Set when the topic cannot be used (unknown, not authorized, no leaders yet). */
  error?: KafkaProtocolError
  partitions: ReadonlyMap<number, MetadataResponsePartition>
  authorizedOperations: number
}

export interface BrokerView {
  nodeId: number
  host: string
  port: number
  address: string
  rack: string | null
}

export interface MetadataView {
  clusterId: string | null
  controllerId: number
  brokers: ReadonlyMap<number, BrokerView>
  topics: ReadonlyMap<string, TopicView>
}

export interface ContextOptions {
  metadata: ClusterMetadata
  pool: ConnectionPool
  logger: Logger
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  timeoutMs: number
  principal: string | undefined
}

/** Unknown topics are retried only this often: long enough to ride out metadata propagation after a create, short for a typo. */
const UNKNOWN_TOPIC_RETRIES = 2

/** The client's own `retriable` flag, except that an unknown topic is retried only briefly. */
export function defaultRetriable(error: KafkaError, attempt: number): boolean {
  if (!error.retriable) return false
  if (KafkaProtocolError.isInstance(error) && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return attempt < UNKNOWN_TOPIC_RETRIES
  return true
}

/** Retries only connection-level failures and the listed codes. */
export function retryOn(...codes: number[]): (error: KafkaError, attempt: number) => boolean {
  const set = new Set(codes)
  return (error, attempt) => {
    if (KafkaProtocolError.isInstance(error)) return set.has(error.errorCode) && defaultRetriable(error, attempt)
    return error.retriable
  }
}

const COORDINATOR_GONE = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])

/** Routing, retries and the coordinator cache shared by every admin operation. */
export class AdminContext {
  readonly metadata: ClusterMetadata
  readonly pool: ConnectionPool
  readonly logger: Logger
  readonly retries: number
  readonly timeoutMs: number
  readonly principal: string | undefined
  private readonly backoffMs: number
  private readonly backoffMaxMs: number
  private nextBroker = 0

  constructor(options: ContextOptions) {
    this.metadata = options.metadata
    this.pool = options.pool
    this.logger = options.logger
    this.retries = options.retries
    this.timeoutMs = options.timeoutMs
    this.principal = options.principal
    this.backoffMs = options.retryBackoffMs
    this.backoffMaxMs = options.retryBackoffMaxMs
  }

  /** The error for a code in a response, with hints (see `protocolError`). */
  error(code: number, place: ErrorPlace): KafkaProtocolError {
    return protocolError(code, place, this.principal)
  }

  /** Throws the error for `code` unless it is 0. */
  check(code: number, place: ErrorPlace): void {
    if (code !== 0) throw this.error(code, place)
  }

  /** Any known broker (round-robin): KRaft brokers forward controller requests themselves. */
  async anyBroker(): Promise<string> {
    const brokers = await this.brokers()
    const broker = brokers[this.nextBroker++ % brokers.length]!
    return broker.address
  }

  /** Every known broker, refreshing metadata first if none is known yet. */
  async brokers(): Promise<Array<{ nodeId: number; address: string }>> {
    let brokers = [...this.metadata.snapshot.brokers.values()]
    if (brokers.length === 0) brokers = [...(await this.metadata.refresh()).brokers.values()]
    if (brokers.length === 0) throw new ConnectionError('no broker is known yet', 'cluster')
    return brokers.sort((a, b) => a.nodeId - b.nodeId)
  }

  /** The address of broker `nodeId`, refreshing metadata once if it is not known. */
  async brokerAddress(nodeId: number, apiName: string): Promise<string> {
    const known = this.metadata.broker(nodeId) ?? (await this.metadata.refresh()).brokers.get(nodeId)
    if (known === undefined) {
      throw this.error(ErrorCode.BROKER_NOT_AVAILABLE, {
        apiName,
        errorMessage: `Broker ${nodeId} is not in the cluster metadata: check the broker id (admin.describeCluster lists the brokers).`,
      })
    }
    return known.address
  }

  connection(address: string): Promise<BrokerConnection> {
    return this.pool.get(address, 'admin')
  }

  /** Sends one request to the broker `target` picks, retrying retriable failures with back-off. */
  async call<R>(
    apiName: string,
    target: () => Promise<string>,
    run: (connection: BrokerConnection) => Promise<R>,
    retriable: (error: KafkaError, attempt: number) => boolean = defaultRetriable,
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        const connection = await this.connection(await target())
        return await run(connection)
      } catch (error) {
        if (!KafkaError.isInstance(error) || !retriable(error, attempt) || attempt >= this.retries) throw error
        this.noteRetry(apiName, error, attempt)
        await this.backoff(attempt)
      }
    }
  }

  /**
   * Runs tasks that may go to different brokers: route, send each shard, keep every answer, and
   * retry only the tasks whose error is retriable (re-routing them) up to `retries` times. A
   * task's last Kafka error is its result; a connection failure that outlives the retries rejects.
   */
  async batched<T, V>(spec: BatchSpec<T, V>): Promise<Map<T, Result<V>>> {
    const results = new Map<T, Result<V>>()
    const retriable = spec.retriable ?? defaultRetriable
    let transportError: KafkaError | undefined
    let pending: readonly T[] = spec.tasks
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: Array<[T, KafkaError]> = []
      const settle = (task: T, error: KafkaError): void => {
        if (attempt < this.retries && retriable(error, attempt)) retry.push([task, error])
        else if (KafkaProtocolError.isInstance(error)) results.set(task, { error })
        else transportError ??= error
      }
      const routing = await spec.route(pending)
      for (const [task, error] of routing.failed) settle(task, error)
      const outcomes = await Promise.allSettled(
        routing.shards.map(async (shard) => {
          let answers: Array<[T, Result<V>]>
          try {
            answers = await spec.send(await this.connection(shard.address), shard)
          } catch (error) {
            if (!KafkaError.isInstance(error) || !error.retriable) throw error
            for (const task of shard.tasks) settle(task, error)
            return
          }
          const answered = new Set<T>()
          for (const [task, result] of answers) {
            answered.add(task)
            if (result.error !== undefined) settle(task, result.error)
            else results.set(task, result)
          }
          for (const task of shard.tasks) {
            if (!answered.has(task)) {
              settle(task, this.error(ErrorCode.UNKNOWN_SERVER_ERROR, { apiName: spec.apiName, errorMessage: 'The response left this item out.' }))
            }
          }
        }),
      )
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      if (retry.length === 0) break
      spec.onRetry?.(retry)
      this.noteRetry(spec.apiName, retry[0]![1], attempt, retry.length)
      await this.backoff(attempt)
      pending = retry.map(([task]) => task)
    }
    if (transportError !== undefined) throw transportError
    return results
  }

  /** A Metadata request for `topics` (null: every topic) to any broker, with retries. */
  async topicMetadata(topics: readonly string[] | null, options: { authorizedOperations?: boolean } = {}): Promise<MetadataView> {
    const response = await this.call('Metadata', () => this.anyBroker(), (connection) =>
      connection.request(
        MetadataApi,
        MetadataApi.createRequest({
          topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: options.authorizedOperations ?? false,
        }),
      ),
    )
    this.check(response.errorCode, { apiName: 'Metadata' })
    const brokers = new Map<number, BrokerView>()
    for (const broker of response.brokers) {
      brokers.set(broker.nodeId, { ...broker, address: `${broker.host}:${broker.port}` })
    }
    const views = new Map<string, TopicView>()
    for (const topic of response.topics) {
      if (topic.name === null) continue
      const partitions = new Map(topic.partitions.map((partition) => [partition.partitionIndex, partition]))
      const view: TopicView = {
        name: topic.name,
        topicId: topic.topicId,
        isInternal: topic.isInternal,
        partitions,
        authorizedOperations: topic.topicAuthorizedOperations,
      }
      if (topic.errorCode !== 0) view.error = this.error(topic.errorCode, { apiName: 'Metadata', topic: topic.name })
      views.set(topic.name, view)
    }
    return { clusterId: response.clusterId, controllerId: response.controllerId, brokers, topics: views }
  }

  /**
   * The partitions of each topic, from a fresh Metadata request. Rejects with the topic's error
   * (UNKNOWN_TOPIC_OR_PARTITION with a hint, TOPIC_AUTHORIZATION_FAILED, …) once retries are spent.
   */
  async partitionsOf(apiName: string, topics: readonly string[]): Promise<Map<string, number[]>> {
    for (let attempt = 0; ; attempt++) {
      const view = await this.topicMetadata(topics)
      let failure: KafkaProtocolError | undefined
      const partitions = new Map<string, number[]>()
      for (const topic of topics) {
        const info = view.topics.get(topic)
        const code = info === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : info.error?.errorCode ?? (info.partitions.size === 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0)
        if (code !== 0) {
          failure ??= this.error(code, { apiName, topic })
          continue
        }
        partitions.set(topic, [...info!.partitions.keys()].sort((a, b) => a - b))
      }
      if (failure === undefined) return partitions
      if (attempt >= this.retries || !defaultRetriable(failure, attempt)) throw failure
      this.noteRetry(apiName, failure, attempt)
      await this.backoff(attempt)
    }
  }

  /** Routes partition tasks to each partition's leader, from a fresh Metadata request. */
  leaderRouter<T>(apiName: string, topicOf: (task: T) => string, partitionOf: (task: T) => number): (tasks: readonly T[]) => Promise<Routing<T>> {
    return async (tasks) => {
      const view = await this.topicMetadata([...new Set(tasks.map(topicOf))])
      const shards = new Map<number, Shard<T>>()
      const failed: Array<[T, KafkaError]> = []
      for (const task of tasks) {
        const topic = topicOf(task)
        const partition = partitionOf(task)
        const info = view.topics.get(topic)
        if (info?.error !== undefined) {
          failed.push([task, this.error(info.error.errorCode, { apiName, topic })])
          continue
        }
        const state = info?.partitions.get(partition)
        if (state === undefined) {
          failed.push([task, this.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { apiName, topic, partition })])
          continue
        }
        const leader = view.brokers.get(state.leaderId)
        if (state.leaderId < 0 || leader === undefined) {
          failed.push([task, this.error(ErrorCode.LEADER_NOT_AVAILABLE, { apiName, topic, partition })])
          continue
        }
        let shard = shards.get(leader.nodeId)
        if (shard === undefined) {
          shard = { nodeId: leader.nodeId, address: leader.address, tasks: [], leaderEpochs: [] }
          shards.set(leader.nodeId, shard)
        }
        shard.tasks.push(task)
        shard.leaderEpochs.push(state.leaderEpoch)
      }
      return { shards: [...shards.values()], failed }
    }
  }

  /** Routes tasks to the coordinator of their key (FindCoordinator, cached). */
  coordinatorRouter<T>(type: CoordinatorType, keyOf: (task: T) => string): (tasks: readonly T[]) => Promise<Routing<T>> {
    return async (tasks) => {
      const coordinators = await this.coordinators(type, [...new Set(tasks.map(keyOf))])
      const shards = new Map<number, Shard<T>>()
      const failed: Array<[T, KafkaError]> = []
      for (const task of tasks) {
        const found = coordinators.get(keyOf(task))!
        if (found.error !== undefined) {
          failed.push([task, found.error])
          continue
        }
        let shard = shards.get(found.value.nodeId)
        if (shard === undefined) {
          shard = { nodeId: found.value.nodeId, address: found.value.address, tasks: [], leaderEpochs: [] }
          shards.set(found.value.nodeId, shard)
        }
        shard.tasks.push(task)
      }
      return { shards: [...shards.values()], failed }
    }
  }

  /** `onRetry` for coordinator-routed tasks: forget coordinators that moved or could not be reached. */
  forgetCoordinators<T>(type: CoordinatorType, keyOf: (task: T) => string): (retries: ReadonlyArray<[T, KafkaError]>) => void {
    return (retries) => {
      for (const [task, error] of retries) {
        if (!KafkaProtocolError.isInstance(error) || COORDINATOR_GONE.has(error.errorCode)) this.metadata.coordinators.forget(type, keyOf(task))
      }
    }
  }

  /** Coordinators of `keys`, from the client's one coordinator cache (`metadata.coordinators`; FindCoordinator v4+ batches keys). */
  async coordinators(type: CoordinatorType, keys: readonly string[]): Promise<Map<string, Result<{ nodeId: number; address: string }>>> {
    const cache = this.metadata.coordinators
    const answers = keys.every((key) => cache.get(type, key) !== undefined)
      ? await cache.find(type, keys, () => Promise.reject(new Error('unreachable: every key is cached')))
      : await this.call('FindCoordinator', () => this.anyBroker(), (connection) => cache.find(type, keys, () => Promise.resolve(connection)))
    const found = new Map<string, Result<{ nodeId: number; address: string }>>()
    for (const key of keys) {
      const answer = answers.get(key)
      if (answer === undefined) {
        found.set(key, { error: this.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, { apiName: 'FindCoordinator', groupId: key }) })
      } else if (isCoordinatorLookupError(answer)) {
        const place: ErrorPlace =
          type === CoordinatorType.group
            ? { apiName: 'FindCoordinator', groupId: key, errorMessage: answer.errorMessage }
            : { apiName: 'FindCoordinator', resource: key, errorMessage: answer.errorMessage }
        found.set(key, { error: this.error(answer.errorCode, place) })
      } else {
        found.set(key, { value: answer })
      }
    }
    return found
  }

  async backoff(attempt: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, this.backoffMs, this.backoffMaxMs)))
  }


  private noteRetry(apiName: string, error: KafkaError, attempt: number, items?: number): void {
    this.logger.debug({ api: apiName, error: error.message, attempt: attempt + 1, ...(items === undefined ? {} : { items }) }, 'admin request failed; retrying')
    if (!KafkaProtocolError.isInstance(error) || error.errorCode === ErrorCode.NOT_CONTROLLER) {
      this.metadata.requestRefresh(`admin ${apiName}: ${error.errorName}`)
    }
  }
}
