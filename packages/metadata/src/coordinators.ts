import type { BrokerConnection } from '@kafkats/connection'
import { FindCoordinatorApi } from '@kafkats/protocol'

/** FindCoordinator's key type: 0 a group (consumer groups, share groups), 1 a transactional id. */
export type CoordinatorKeyType = 0 | 1

export interface CoordinatorNode {
  nodeId: number
  /** `host:port` */
  address: string
}

/** A key FindCoordinator could not place, with the broker's error. */
export interface CoordinatorLookupError {
  errorCode: number
  errorMessage: string | null
}

export type CoordinatorLookup = CoordinatorNode | CoordinatorLookupError

/**
 * The one coordinator cache of a client: which broker coordinates each group and transactional
 * id. `ClusterMetadata.coordinators` holds it, so the admin client and the group consumers of one
 * `Kafka` share what they learned. Callers pick the broker to ask and own their retries; the
 * cache does the FindCoordinator exchange (v4+ batches keys into one request) and forgets a
 * coordinator when told it moved.
 */
export class CoordinatorCache {
  private readonly known = new Map<string, CoordinatorNode>()

  /** The cached coordinator of `key`, if any. */
  get(keyType: CoordinatorKeyType, key: string): CoordinatorNode | undefined {
    return this.known.get(cacheKey(keyType, key))
  }

  /** Forgets `key`'s coordinator (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, unreachable). */
  forget(keyType: CoordinatorKeyType, key: string): void {
    this.known.delete(cacheKey(keyType, key))
  }

  /**
   * The coordinators of `keys`: cached ones at once, the others with FindCoordinator over
   * `connection` (obtained only when a key is missing). A key the broker did not place comes back
   * as its error; a key the answer did not mention is missing from the map.
   */
  async find(keyType: CoordinatorKeyType, keys: readonly string[], connection: () => Promise<BrokerConnection>): Promise<Map<string, CoordinatorLookup>> {
    const found = new Map<string, CoordinatorLookup>()
    const missing: string[] = []
    for (const key of keys) {
      const cached = this.known.get(cacheKey(keyType, key))
      if (cached !== undefined) found.set(key, cached)
      else missing.push(key)
    }
    if (missing.length === 0) return found
    const record = (key: string, errorCode: number, errorMessage: string | null, nodeId: number, host: string, port: number): void => {
      if (errorCode !== 0) {
        found.set(key, { errorCode, errorMessage })
        return
      }
      const node = { nodeId, address: `${host}:${port}` }
      this.known.set(cacheKey(keyType, key), node)
      found.set(key, node)
    }
    const broker = await connection()
    const version = broker.versionFor(FindCoordinatorApi)
    if (version >= 4) {
      const response = await broker.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ keyType, coordinatorKeys: missing }), { version })
      for (const c of response.coordinators) record(c.key, c.errorCode, c.errorMessage, c.nodeId, c.host, c.port)
    } else {
      await Promise.all(
        missing.map(async (key) => {
          const response = await broker.request(FindCoordinatorApi, FindCoordinatorApi.createRequest({ key, keyType }), { version })
          record(key, response.errorCode, response.errorMessage, response.nodeId, response.host, response.port)
        }),
      )
    }
    return found
  }
}

export function isCoordinatorLookupError(lookup: CoordinatorLookup): lookup is CoordinatorLookupError {
  return 'errorCode' in lookup
}

function cacheKey(keyType: CoordinatorKeyType, key: string): string {
  return `${keyType}\u0000${key}`
}
