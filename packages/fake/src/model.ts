// The cluster's state as the controller and the brokers would see it: brokers (alive or not),
// topics with their partitions, replicas, leaders and leader epochs. Replication is modelled,
// not performed: every replica reads the one in-memory log, and a follower's log end is the
// leader's minus its configured lag (rounded down to a whole batch).
import { randomUuid } from '@kafkats/protocol'
import { PartitionLog } from './partition-log.js'

export interface BrokerState {
  id: number
  rack: string | null
  host: string
  port: number
  alive: boolean
}

export interface PartitionState {
  topic: TopicState
  index: number
  replicas: number[]
  leader: number
  leaderEpoch: number
  log: PartitionLog
  /** Records a follower is behind the leader (setFollowerLag), by broker id. */
  followerLag: Map<number, number>
  /** Fetch waiters to wake on append. */
  waiters: Set<() => void>
}

export interface TopicState {
  name: string
  id: string
  partitions: PartitionState[]
  configs: Map<string, string>
}

export class ClusterModel {
  readonly clusterId: string
  readonly brokers: BrokerState[] = []
  readonly topics = new Map<string, TopicState>()
  readonly topicsById = new Map<string, TopicState>()
  /** Bumped on every change a Metadata answer would show. */
  metadataVersion = 0

  constructor(clusterId: string) {
    this.clusterId = clusterId
  }

  broker(id: number): BrokerState | undefined {
    return this.brokers.find((b) => b.id === id)
  }

  aliveBrokers(): BrokerState[] {
    return this.brokers.filter((b) => b.alive)
  }

  /** The lowest alive broker id acts as the KRaft controller in Metadata answers. */
  controllerId(): number {
    return this.aliveBrokers()[0]?.id ?? -1
  }

  /**
   * Kafka's rack-unaware default assignment, deterministic: partition p's replicas are the
   * `replicationFactor` brokers starting at position p (so leaders and racks are spread).
   */
  assignReplicas(partition: number, replicationFactor: number): number[] {
    const ids = this.brokers.map((b) => b.id)
    const replicas: number[] = []
    for (let i = 0; i < replicationFactor; i++) replicas.push(ids[(partition + i) % ids.length]!)
    return replicas
  }

  createTopic(name: string, partitions: number, replicationFactor: number, configs: Map<string, string>, assignments?: number[][]): TopicState {
    const topic: TopicState = { name, id: randomUuid(), partitions: [], configs }
    for (let p = 0; p < partitions; p++) this.addPartition(topic, assignments?.[p] ?? this.assignReplicas(p, replicationFactor))
    this.topics.set(name, topic)
    this.topicsById.set(topic.id, topic)
    this.metadataVersion++
    return topic
  }

  addPartition(topic: TopicState, replicas: number[]): PartitionState {
    const leader = replicas.find((id) => this.broker(id)?.alive === true) ?? -1
    const log = new PartitionLog()
    log.assignEpoch(0)
    const partition: PartitionState = {
      topic,
      index: topic.partitions.length,
      replicas,
      leader,
      leaderEpoch: 0,
      log,
      followerLag: new Map(),
      waiters: new Set(),
    }
    topic.partitions.push(partition)
    this.metadataVersion++
    return partition
  }

  deleteTopic(topic: TopicState): void {
    this.topics.delete(topic.name)
    this.topicsById.delete(topic.id)
    for (const partition of topic.partitions) wake(partition)
    this.metadataVersion++
  }

  /** Elects `leader` (or the first alive replica) with a new leader epoch, as the controller would. */
  electLeader(partition: PartitionState, leader?: number): void {
    const next = leader ?? partition.replicas.find((id) => this.broker(id)?.alive === true) ?? -1
    partition.leader = next
    partition.leaderEpoch++
    partition.log.assignEpoch(partition.leaderEpoch)
    wake(partition)
    this.metadataVersion++
  }

  /**
   * Gives the partition a new replica list at once (the replicas share one log: a new one is caught
   * up). The leader stays if it is among them (a reorder changes only the preferred replica);
   * otherwise the first alive new replica leads, with a new leader epoch.
   */
  reassign(partition: PartitionState, replicas: readonly number[]): void {
    partition.replicas = [...replicas]
    for (const id of partition.followerLag.keys()) if (!replicas.includes(id)) partition.followerLag.delete(id)
    if (!replicas.includes(partition.leader)) return this.electLeader(partition, replicas.find((id) => this.broker(id)?.alive === true) ?? -1)
    wake(partition)
    this.metadataVersion++
  }

  /** In-sync replicas: alive replicas that are not lagging. */
  isr(partition: PartitionState): number[] {
    return partition.replicas.filter((id) => this.broker(id)?.alive === true && (id === partition.leader || (partition.followerLag.get(id) ?? 0) === 0))
  }

  /** Log end offset of `brokerId`'s replica: the leader's, or less by the follower's lag (whole batches). */
  replicaEndOffset(partition: PartitionState, brokerId: number): number {
    const log = partition.log
    if (brokerId === partition.leader) return log.endOffset
    const lag = partition.followerLag.get(brokerId) ?? 0
    if (lag === 0) return log.endOffset
    return log.batchAlignedEnd(Math.max(log.logStartOffset, log.endOffset - lag))
  }

  /** High watermark as `brokerId` knows it: the leader's log end, or a follower's own log end. */
  highWatermark(partition: PartitionState, brokerId: number): number {
    // Followers in the ISR are caught up; a lagging follower leaves the ISR, so the leader's
    // high watermark stays at its log end (acks=all answers at once, as after ISR shrink).
    return this.replicaEndOffset(partition, brokerId)
  }

  /** Last stable offset: the high watermark, or the first offset of the oldest open transaction before it. */
  lastStableOffset(partition: PartitionState, brokerId: number): number {
    return Math.min(this.highWatermark(partition, brokerId), partition.log.firstUnstableOffset())
  }
}

export function wake(partition: PartitionState): void {
  if (partition.waiters.size === 0) return
  const waiters = [...partition.waiters]
  partition.waiters.clear()
  for (const waiter of waiters) waiter()
}
