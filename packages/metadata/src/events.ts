import type { BrokerInfo } from './cluster-metadata.js'

export interface LeaderChangedEvent {
  topic: string
  partition: number
  previousLeader: number
  leader: number
  previousLeaderEpoch: number
  leaderEpoch: number
}

export interface ReplicasChangedEvent {
  topic: string
  partition: number
  previousReplicas: readonly number[]
  replicas: readonly number[]
}

export interface PartitionsAddedEvent {
  topic: string
  previousCount: number
  count: number
}

/** Events `ClusterMetadata` emits after a refresh changed something. */
export interface MetadataEventMap {
  leaderChanged: LeaderChangedEvent
  replicasChanged: ReplicasChangedEvent
  partitionsAdded: PartitionsAddedEvent
  brokerAdded: BrokerInfo
  brokerRemoved: BrokerInfo
  topicRemoved: { topic: string }
}

type Listener<T> = (event: T) => void

/** A small typed event emitter (listeners run synchronously, in registration order). */
export class MetadataEvents {
  private listeners = new Map<keyof MetadataEventMap, Array<Listener<never>>>()

  on<K extends keyof MetadataEventMap>(name: K, listener: Listener<MetadataEventMap[K]>): () => void {
    const list = this.listeners.get(name) ?? []
    list.push(listener as Listener<never>)
    this.listeners.set(name, list)
    return () => this.off(name, listener)
  }

  off<K extends keyof MetadataEventMap>(name: K, listener: Listener<MetadataEventMap[K]>): void {
    const list = this.listeners.get(name)
    if (list === undefined) return
    const index = list.indexOf(listener as Listener<never>)
    if (index >= 0) list.splice(index, 1)
  }

  protected emit<K extends keyof MetadataEventMap>(name: K, event: MetadataEventMap[K]): void {
    const list = this.listeners.get(name)
    if (list === undefined) return
    for (const listener of [...list]) (listener as Listener<MetadataEventMap[K]>)(event)
  }

  protected removeAllListeners(): void {
    this.listeners.clear()
  }
}
