import { type BrokerConnection, type ConnectionPool, ConnectionError, type Logger, backoffMs } from '@kafkats/connection'
import { type ClusterMetadata, type CoordinatorNode, isCoordinatorLookupError } from '@kafkats/metadata'
import { ClosedError, ErrorCode, KafkaError, KafkaProtocolError } from '@kafkats/protocol'
import { RETRY_BACKOFF_MAX_MS, sleep } from './util.js'

/** Error codes after which the coordinator must be looked up again (Java: markCoordinatorUnknown). */
export const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])

/** Error codes that mean "the coordinator is busy: retry the same request later". */
export const COORDINATOR_RETRY_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
])

export type { CoordinatorNode }

/** FindCoordinator key type of a group. */
const GROUP_KEY_TYPE = 0

/**
 * Finds a group's coordinator (FindCoordinator key type GROUP; the batched `coordinatorKeys` form
 * on v4+) and hands out the `group` connection to it: a connection of its own, so a long Fetch
 * never delays a heartbeat. FindCoordinator itself goes over the `metadata` connections, which
 * never carry a long-poll request.
 */
export class GroupCoordinator {
  private node: CoordinatorNode | null = null
  private finding: Promise<CoordinatorNode> | null = null
  private nextBroker = 0

  constructor(
    private readonly options: {
      metadata: ClusterMetadata
      pool: ConnectionPool
      /** Where the `group` connection to the coordinator comes from (may be a pool of its own). */
      groupPool?: ConnectionPool
      groupId: string
      logger: Logger
      retryBackoffMs: number
      isClosed: () => boolean
    },
  ) {}

  get known(): CoordinatorNode | null {
    return this.node
  }

  /** Forgets the coordinator (NOT_COORDINATOR, a dropped connection…); the next request looks it up again. */
  markUnknown(reason: string): void {
    if (this.node === null) return
    this.options.logger.info({ coordinator: this.node.nodeId, reason }, 'group coordinator unknown; rediscovering')
    this.node = null
    this.options.metadata.coordinators.forget(GROUP_KEY_TYPE, this.options.groupId)
  }

  /** The coordinator's `group` connection, looking the coordinator up (with back-off) when unknown. */
  async connection(): Promise<BrokerConnection> {
    const node = await this.find()
    try {
      return await (this.options.groupPool ?? this.options.pool).get(node.address, 'group')
    } catch (error) {
      this.markUnknown(`cannot connect: ${String(error)}`)
      throw error
    }
  }

  /** Handles an error thrown while talking to the coordinator: returns true when the request may be retried. */
  retriable(error: unknown): boolean {
    if (KafkaError.isInstance(error) && error.retriable) {
      if (!KafkaProtocolError.isInstance(error) || COORDINATOR_ERRORS.has(error.errorCode)) this.markUnknown(String(error))
      return true
    }
    return false
  }

  find(): Promise<CoordinatorNode> {
    if (this.node !== null) return Promise.resolve(this.node)
    if (this.finding === null) {
      this.finding = this.lookup().finally(() => {
        this.finding = null
      })
    }
    return this.finding
  }

  private async lookup(): Promise<CoordinatorNode> {
    const { metadata, pool, groupId, logger } = this.options
    for (let attempt = 0; ; attempt++) {
      if (this.options.isClosed()) throw new ClosedError('group consumer')
      try {
        let brokers = [...metadata.snapshot.brokers.values()]
        if (brokers.length === 0) brokers = [...(await metadata.refresh()).brokers.values()]
        const broker = brokers[this.nextBroker++ % brokers.length]
        if (broker === undefined) throw new ConnectionError('no broker known', 'metadata')
        // The client's one coordinator cache: the admin and other consumers of this client share it.
        const answers = await metadata.coordinators.find(GROUP_KEY_TYPE, [groupId], () => pool.get(broker.address, 'metadata'))
        const answer = answers.get(groupId)
        if (answer === undefined) throw new KafkaError('FindCoordinator answered without the group', { errorName: 'INVALID_RESPONSE', retriable: true })
        if (isCoordinatorLookupError(answer)) throw KafkaProtocolError.fromCode(answer.errorCode, { apiName: 'FindCoordinator', groupId, errorMessage: answer.errorMessage })
        this.node = answer
        logger.debug({ coordinator: answer.nodeId, address: answer.address }, 'group coordinator found')
        return this.node
      } catch (error) {
        if (!(KafkaError.isInstance(error) && error.retriable)) throw error
        logger.debug({ attempt, error: String(error) }, 'FindCoordinator failed; retrying')
        await sleep(backoffMs(attempt, this.options.retryBackoffMs, RETRY_BACKOFF_MAX_MS))
      }
    }
  }
}
