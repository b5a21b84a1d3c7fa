import type { Assignor, AssignorInput, GroupAssignment, TopicPartition } from 'kafkats'
import type { Logger } from './logger.js'
import type { AssignerCluster, Assignment, PartitionAssigner } from './types.js'

// ---- AssignerProtocol: the consumer protocol's subscription and assignment bytes ----

export type MemberMetadata = { version: number; topics: string[]; userData: Buffer }
export type MemberAssignment = { version: number; assignment: Assignment; userData: Buffer }

export interface ISerializer<T> {
  encode(value: T): Buffer
  decode(buffer: Buffer): T | null
}

/** Big-endian writer of the consumer protocol's int16/int32/string/bytes fields. */
class ProtocolWriter {
  private readonly parts: Buffer[] = []

  int16(value: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(value)
    this.parts.push(b)
    return this
  }

  int32(value: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(value)
    this.parts.push(b)
    return this
  }

  string(value: string): this {
    const bytes = Buffer.from(value, 'utf8')
    return this.int16(bytes.length).raw(bytes)
  }

  /** Kafka BYTES: int32 length then the bytes; null as length -1. */
  bytes(value: Buffer | null | undefined): this {
    if (value === null || value === undefined) return this.int32(-1)
    return this.int32(value.length).raw(value)
  }

  raw(value: Buffer): this {
    this.parts.push(value)
    return this
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts)
  }
}

class ProtocolReader {
  private offset = 0
  constructor(private readonly buffer: Buffer) {}

  canRead(bytes: number): boolean {
    return this.offset + bytes <= this.buffer.length
  }

  int16(): number {
    const value = this.buffer.readInt16BE(this.offset)
    this.offset += 2
    return value
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.offset)
    this.offset += 4
    return value
  }

  string(): string {
    const length = this.int16()
    const value = this.buffer.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return value
  }

  /** Null (length -1) reads as an empty buffer, as KafkaJS reads it. */
  bytes(): Buffer {
    const length = this.int32()
    if (length < 0) return Buffer.alloc(0)
    const value = Buffer.from(this.buffer.subarray(this.offset, this.offset + length))
    this.offset += length
    return value
  }

  array<T>(item: (reader: this) => T): T[] {
    const count = this.int32()
    const out: T[] = []
    for (let i = 0; i < count; i++) out.push(item(this))
    return out
  }
}

/** ConsumerProtocolSubscription v0 (version, topics, userData), as KafkaJS writes it. */
const MemberMetadataSerializer: ISerializer<MemberMetadata> = {
  encode({ version, topics, userData }) {
    const writer = new ProtocolWriter().int16(version).int32(topics.length)
    for (const topic of topics) writer.string(topic)
    return writer.bytes(userData ?? Buffer.alloc(0)).toBuffer()
  },
  decode(buffer) {
    const reader = new ProtocolReader(buffer)
    return { version: reader.int16(), topics: reader.array((r) => r.string()), userData: reader.bytes() }
  },
}

/** ConsumerProtocolAssignment v0 (version, [topic, [partition]], userData); an empty buffer decodes to null. */
const MemberAssignmentSerializer: ISerializer<MemberAssignment> = {
  encode({ version, assignment, userData }) {
    const topics = Object.keys(assignment)
    const writer = new ProtocolWriter().int16(version).int32(topics.length)
    for (const topic of topics) {
      const partitions = assignment[topic]!
      writer.string(topic).int32(partitions.length)
      for (const partition of partitions) writer.int32(partition)
    }
    return writer.bytes(userData ?? Buffer.alloc(0)).toBuffer()
  },
  decode(buffer) {
    const reader = new ProtocolReader(buffer)
    if (!reader.canRead(2)) return null
    const version = reader.int16()
    const assignment: Assignment = {}
    for (const { topic, partitions } of reader.array((r) => ({ topic: r.string(), partitions: r.array((p) => p.int32()) }))) assignment[topic] = partitions
    return { version, assignment, userData: reader.bytes() }
  },
}

export const AssignerProtocol: { MemberMetadata: ISerializer<MemberMetadata>; MemberAssignment: ISerializer<MemberAssignment> } = {
  MemberMetadata: MemberMetadataSerializer,
  MemberAssignment: MemberAssignmentSerializer,
}

// ---- PartitionAssigners ----

/**
 * KafkaJS's round robin, as KafkaJS 2.2.4 places partitions: the leader deals the partitions of
 * the topics it subscribes to itself (in its subscription order, each topic's partitions in the
 * order the metadata lists them) to all members sorted by member id, whether or not a member
 * subscribes to that topic (members drop such partitions, see RECEIVED_UNSUBSCRIBED_TOPICS).
 * The same placement lets KafkaJS members and migrated ones share a group during a rolling deploy.
 */
const roundRobin: PartitionAssigner = ({ cluster }) => ({
  name: 'RoundRobinAssigner',
  version: 0,
  async assign({ members, topics }) {
    const memberIds = members.map(({ memberId }) => memberId).sort()
    const assignment = new Map<string, Assignment>()
    let i = 0
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const memberId = memberIds[i++ % memberIds.length]!
        let own = assignment.get(memberId)
        if (own === undefined) assignment.set(memberId, (own = {}))
        ;(own[topic] ??= []).push(partitionId)
      }
    }
    return [...assignment].map(([memberId, own]) => ({ memberId, memberAssignment: MemberAssignmentSerializer.encode({ version: 0, assignment: own, userData: Buffer.alloc(0) }) }))
  },
  protocol: ({ topics }) => ({ name: 'RoundRobinAssigner', metadata: MemberMetadataSerializer.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }),
})

export const PartitionAssigners: { roundRobin: PartitionAssigner } = { roundRobin }

export interface AssignorContext {
  groupId: string
  logger: Logger
  /** This consumer's subscribed topics, in subscription order: what KafkaJS's leader assigns. */
  subscribedTopics(): string[]
}

/**
 * KafkaJS assigners as kafkats assignors, run by the leader over kafkats's classic group protocol
 * (client-side assignment): `protocol()`'s user data goes into this member's subscription, and
 * `assign()` (async, as in KafkaJS) gets each member's metadata in KafkaJS's encoding and the
 * leader's subscribed topics; its encoded assignments are decoded for SyncGroup. The assignment's
 * own user data is not passed on (kafkats's subscription carries user data; its assignment does not).
 */
export function toAssignors(factories: readonly PartitionAssigner[], context: AssignorContext): Assignor[] {
  // What `assign` may look up: the partitions of the topics in the current assignment round.
  let current: AssignorInput | null = null
  const cluster: AssignerCluster = {
    findTopicPartitionMetadata: (topic) =>
      (current?.topics.get(topic) ?? []).map(({ partition }) => ({ partitionErrorCode: 0, partitionId: partition, leader: -1, replicas: [], isr: [] })),
  }
  return factories.map((factory) => {
    const assigner = factory({ cluster, groupId: context.groupId, logger: context.logger })
    return {
      name: assigner.name,
      // KafkaJS assigners are eager: every member gives up its partitions on a rebalance.
      rebalanceProtocol: 'eager',
      subscriptionUserData: (topics) => {
        const userData = MemberMetadataSerializer.decode(assigner.protocol({ topics: [...topics] }).metadata)?.userData
        return userData === undefined || userData.length === 0 ? null : userData
      },
      async assign(input: AssignorInput): Promise<GroupAssignment> {
        current = input
        try {
          const members = input.members.map((member) => ({
            memberId: member.memberId,
            memberMetadata: MemberMetadataSerializer.encode({
              version: assigner.version,
              topics: [...member.topics],
              userData: member.userData === null ? Buffer.alloc(0) : Buffer.from(member.userData),
            }),
          }))
          const topics = context.subscribedTopics().filter((topic) => input.topics.has(topic))
          const result = await assigner.assign({ members, topics })
          const assignment: GroupAssignment = new Map(input.members.map((member) => [member.memberId, [] as TopicPartition[]]))
          for (const { memberId, memberAssignment } of result) {
            const own = assignment.get(memberId)
            const decoded = MemberAssignmentSerializer.decode(memberAssignment)
            if (own === undefined || decoded === null) continue
            for (const [topic, partitions] of Object.entries(decoded.assignment)) for (const partition of partitions) own.push({ topic, partition })
          }
          return assignment
        } finally {
          current = null
        }
      },
    }
  })
}
