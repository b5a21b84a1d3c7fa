// `FakeCluster.start({ dataDir })`: the cluster's data on disk, so a cluster stopped and started
// again with the same directory has the same topics, records, committed offsets, producer ids and
// transactional ids. Each partition's batches go to `<topic id>-<partition>.log` exactly as they
// are held (magic v2 batches one after another, offsets written in: the layout of a Kafka log
// segment); everything else to `cluster.json`. Written when the cluster closes.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GroupCoordinator } from './groups.js'
import type { ProducerIdManager } from './handlers.js'
import { PartitionLog, type PartitionLogSnapshot, withLogOffsets } from './partition-log.js'
import type { ClusterModel } from './model.js'
import type { TransactionCoordinator, TransactionSnapshot } from './transactions.js'

const FORMAT_VERSION = 1
const STATE_FILE = 'cluster.json'

interface ClusterSnapshot {
  formatVersion: number
  clusterId: string
  nextProducerId: string
  idempotentProducers: Array<{ producerId: string; epoch: number }>
  topics: Array<{
    name: string
    id: string
    configs: Array<[string, string]>
    partitions: Array<{ replicas: number[]; leader: number; leaderEpoch: number; log: PartitionLogSnapshot }>
  }>
  groups: Array<{ groupId: string; offsets: Array<{ key: string; offset: string; leaderEpoch: number; metadata: string | null }> }>
  transactions: TransactionSnapshot[]
}

export interface StoredParts {
  model: ClusterModel
  groups: GroupCoordinator
  producerIds: ProducerIdManager
  transactions: TransactionCoordinator
}

/** The cluster id stored in `dataDir`, or null when it holds no cluster yet. */
export function storedClusterId(dataDir: string): string | null {
  const file = join(dataDir, STATE_FILE)
  if (!existsSync(file)) return null
  return (JSON.parse(readFileSync(file, 'utf8')) as ClusterSnapshot).clusterId
}

/** Writes the cluster to `dataDir` (the state file last, through a rename, so a crash mid-way leaves the previous state readable). */
export function saveCluster(dataDir: string, parts: StoredParts): void {
  mkdirSync(dataDir, { recursive: true })
  const { model, groups, producerIds, transactions } = parts
  const snapshot: ClusterSnapshot = {
    formatVersion: FORMAT_VERSION,
    clusterId: model.clusterId,
    nextProducerId: producerIds.nextId.toString(),
    idempotentProducers: [...producerIds.epochs].map(([id, epoch]) => ({ producerId: id.toString(), epoch })),
    topics: [...model.topics.values()].map((topic) => ({
      name: topic.name,
      id: topic.id,
      configs: [...topic.configs],
      partitions: topic.partitions.map((p) => ({ replicas: p.replicas, leader: p.leader, leaderEpoch: p.leaderEpoch, log: p.log.snapshot() })),
    })),
    groups: [...groups.groups.values()]
      .filter((g) => g.offsets.size > 0)
      .map((g) => ({ groupId: g.groupId, offsets: [...g.offsets].map(([key, o]) => ({ key, offset: o.offset.toString(), leaderEpoch: o.leaderEpoch, metadata: o.metadata })) })),
    transactions: transactions.snapshot(),
  }
  const segments = new Set<string>()
  for (const topic of model.topics.values()) {
    for (const p of topic.partitions) {
      const name = segmentName(topic.id, p.index)
      segments.add(name)
      writeFileSync(join(dataDir, `${name}.tmp`), Buffer.concat(p.log.batches.map(withLogOffsets)))
      renameSync(join(dataDir, `${name}.tmp`), join(dataDir, name))
    }
  }
  writeFileSync(join(dataDir, `${STATE_FILE}.tmp`), JSON.stringify(snapshot))
  renameSync(join(dataDir, `${STATE_FILE}.tmp`), join(dataDir, STATE_FILE))
  // Segments of deleted topics.
  for (const name of readdirSync(dataDir)) if (name.endsWith('.log') && !segments.has(name)) rmSync(join(dataDir, name), { force: true })
}

/** Loads what `saveCluster` wrote into a fresh cluster (same broker count). Returns false when `dataDir` holds no cluster. */
export function loadCluster(dataDir: string, parts: StoredParts): boolean {
  const file = join(dataDir, STATE_FILE)
  if (!existsSync(file)) return false
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as ClusterSnapshot
  if (snapshot.formatVersion !== FORMAT_VERSION) throw new Error(`${file} has format version ${snapshot.formatVersion}; this @kafkats/fake reads ${FORMAT_VERSION}`)
  const { model, groups, producerIds, transactions } = parts
  producerIds.nextId = BigInt(snapshot.nextProducerId)
  for (const p of snapshot.idempotentProducers) producerIds.epochs.set(BigInt(p.producerId), p.epoch)
  const brokerIds = new Set(model.brokers.map((b) => b.id))
  for (const t of snapshot.topics) {
    for (const p of t.partitions) {
      const missing = p.replicas.find((id) => !brokerIds.has(id))
      if (missing !== undefined) throw new Error(`${file}: topic ${t.name} has a replica on broker ${missing}, but the cluster starts with brokers ${[...brokerIds].join(', ')}`)
    }
    const topic = model.createTopic(t.name, 0, 0, new Map(t.configs))
    model.topicsById.delete(topic.id)
    topic.id = t.id
    model.topicsById.set(topic.id, topic)
    for (const p of t.partitions) {
      const partition = model.addPartition(topic, p.replicas)
      const segment = join(dataDir, segmentName(t.id, partition.index))
      partition.log = PartitionLog.restore(p.log, existsSync(segment) ? readFileSync(segment) : new Uint8Array(0))
      partition.leader = p.leader
      partition.leaderEpoch = p.leaderEpoch
    }
  }
  for (const g of snapshot.groups) {
    const group = groups.group(g.groupId, true)!
    for (const o of g.offsets) group.offsets.set(o.key, { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata })
  }
  transactions.restore(snapshot.transactions)
  return true
}

function segmentName(topicId: string, partition: number): string {
  return `${topicId}-${partition}.log`
}

