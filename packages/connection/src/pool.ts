import { backoffMs } from './backoff.js'
import { BrokerConnection, type ConnectionOptions } from './connection.js'
import { ConnectionError } from './connection-error.js'
import { resolveConnectionPoolOptions } from './pool-options.js'
import { type BrokerRequestMetrics, RequestCounters } from './request-metrics.js'

/**
 * What a connection is for. Each purpose gets its own connection to a broker, so a long Fetch
 * never delays a group heartbeat or a Produce behind it (responses are ordered per connection).
 */
export type ConnectionPurpose = 'metadata' | 'produce' | 'fetch' | 'group' | 'admin'

export interface ConnectionPoolOptions extends Omit<ConnectionOptions, 'host' | 'port' | 'signal' | 'nodeId' | 'requestCounters'> {
  /** First wait after a failed connect. Default 50. Java: reconnect.backoff.ms */
  reconnectBackoffMs?: number
  /** Longest wait between connect attempts. Default 1000. Java: reconnect.backoff.max.ms */
  reconnectBackoffMaxMs?: number
  /**
   * Rewrites a broker address before dialling (tests put a fault proxy in front of each broker;
   * deployments behind NAT map advertised names). Default: none.
   */
  mapAddress?: (address: string) => string
}

export const connectionPoolDefaults = {
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
} as const


interface Slot {
  connection: BrokerConnection | null
  connecting: Promise<BrokerConnection> | null
  failures: number
  nextAttemptAt: number
}

/** Open connections of one client, one per broker address and purpose, re-opened on demand with back-off. */
export class ConnectionPool {
  private readonly options: ConnectionPoolOptions
  private readonly slots = new Map<string, Slot>()
  /** Broker node ids by address, as the cluster metadata reported them (see `nameBroker`). */
  // Forks share these with the pool they came from, so its metrics and broker names cover theirs.
  private nodeIds = new Map<string, number>()
  /** Request counters by broker address; they outlive the connections (reconnects keep counting). */
  private counters = new Map<string, RequestCounters>()
  private readonly forks = new Set<ConnectionPool>()
  private parent: ConnectionPool | null = null
  private closed = false

  /** Every option is checked here, once: a wrong or unknown one is a ConfigError naming it. */
  constructor(options: ConnectionPoolOptions = {}) {
    this.options = resolveConnectionPoolOptions(options)
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed
  }

  /** A live connection to `host:port` for `purpose`, connecting (after any back-off) if needed. */
  async get(address: string, purpose: ConnectionPurpose, signal?: AbortSignal): Promise<BrokerConnection> {
    if (this.closed) throw new ConnectionError('the connection pool is closed', address, { retriable: false })
    const key = `${purpose}|${address}`
    let slot = this.slots.get(key)
    if (slot === undefined) {
      slot = { connection: null, connecting: null, failures: 0, nextAttemptAt: 0 }
      this.slots.set(key, slot)
    }
    if (slot.connection !== null && slot.connection.isOpen) return slot.connection
    slot.connection = null
    if (slot.connecting === null) slot.connecting = this.connect(slot, address, signal)
    return slot.connecting
  }

  /**
   * A new, empty pool with the same options (TLS, SASL, timeouts…). For a member of a consumer
   * group: its JoinGroup holds a `group` connection for the whole join phase, so two members on
   * one pool would wait for each other.
   */
  fork(): ConnectionPool {
    const child = new ConnectionPool(this.options)
    child.nodeIds = this.nodeIds
    child.counters = this.counters
    child.parent = this
    this.forks.add(child)
    return child
  }

  /**
   * Records that `address` is broker `nodeId` (the cluster metadata calls this for every broker
   * it learns), so connections to it, open and future, carry the id in diagnostics and metrics.
   */
  nameBroker(address: string, nodeId: number): void {
    if (this.nodeIds.get(address) === nodeId) return
    this.nodeIds.set(address, nodeId)
    for (const pool of [this, ...this.forks]) {
      for (const [key, slot] of pool.slots) {
        if (slot.connection !== null && key.slice(key.indexOf('|') + 1) === address) slot.connection.nodeId = nodeId
      }
    }
  }

  /**
   * Request counts, bytes, latencies and the request rate per broker address since the pool was
   * created, with the requests in flight and the connections open now.
   */
  requestMetrics(): BrokerRequestMetrics[] {
    const nowMs = performance.now()
    const metrics: BrokerRequestMetrics[] = []
    for (const [address, counters] of this.counters) {
      let inFlight = 0
      let connections = 0
      for (const pool of [this, ...this.forks]) {
        for (const [key, slot] of pool.slots) {
          const connection = slot.connection
          if (connection === null || !connection.isOpen || key.slice(key.indexOf('|') + 1) !== address) continue
          connections++
          inFlight += connection.inFlightCount
        }
      }
      metrics.push(counters.snapshot(this.nodeIds.get(address) ?? -1, address, inFlight, connections, nowMs))
    }
    return metrics
  }

  /** Closes the connection for `address`/`purpose` (or every purpose) so the next `get` reconnects. */
  invalidate(address: string, purpose?: ConnectionPurpose): void {
    for (const [key, slot] of this.slots) {
      const [slotPurpose, slotAddress] = key.split('|') as [ConnectionPurpose, string]
      if (slotAddress !== address || (purpose !== undefined && slotPurpose !== purpose)) continue
      slot.connection?.close()
      slot.connection = null
    }
  }

  /** Closes every connection; later `get` calls fail. */
  close(): void {
    this.closed = true
    this.parent?.forks.delete(this)
    for (const slot of this.slots.values()) slot.connection?.close()
    this.slots.clear()
  }

  private async connect(slot: Slot, address: string, signal: AbortSignal | undefined): Promise<BrokerConnection> {
    try {
      const wait = slot.nextAttemptAt - Date.now()
      if (wait > 0) await sleep(wait, signal)
      const { host, port } = parseAddress(this.options.mapAddress?.(address) ?? address)
      const { mapAddress: _mapAddress, reconnectBackoffMs: _base, reconnectBackoffMaxMs: _max, ...connectionOptions } = this.options
      const nodeId = this.nodeIds.get(address) ?? -1
      let requestCounters = this.counters.get(address)
      if (requestCounters === undefined) {
        requestCounters = new RequestCounters()
        this.counters.set(address, requestCounters)
      }
      const connection = await BrokerConnection.connect({ ...connectionOptions, host, port, nodeId, requestCounters, ...(signal ? { signal } : {}) })
      if (this.closed) {
        connection.close()
        throw new ConnectionError('the connection pool is closed', address, { retriable: false })
      }
      slot.failures = 0
      slot.nextAttemptAt = 0
      slot.connection = connection
      return connection
    } catch (error) {
      slot.failures++
      const base = this.options.reconnectBackoffMs ?? connectionPoolDefaults.reconnectBackoffMs
      const max = this.options.reconnectBackoffMaxMs ?? connectionPoolDefaults.reconnectBackoffMaxMs
      slot.nextAttemptAt = Date.now() + backoffMs(slot.failures - 1, base, max)
      throw error
    } finally {
      slot.connecting = null
    }
  }
}

/** Splits `host:port` (IPv6 as `[::1]:9092`). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim())
  if (match === null) throw new ConnectionError(`invalid broker address "${address}": expected host:port`, address, { retriable: false })
  const port = Number(match[2])
  if (port <= 0 || port > 65535) throw new ConnectionError(`invalid port in broker address "${address}"`, address, { retriable: false })
  return { host: match[1]!, port }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new ConnectionError('aborted', 'pool', { retriable: false }))
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new ConnectionError('aborted', 'pool', { retriable: false }))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
