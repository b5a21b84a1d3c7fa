import type { Assignor, AssignorInput, GroupAssignment, Kafka as KafkatsKafka, TopicPartition } from 'kafkats'
import { KafkaJSNotImplemented } from './errors.js'
import type { Logger } from './logger.js'
import type { Assignment, PartitionAssigner } from './types.js'

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
 * KafkaJS's round-robin assigner under its own protocol name, `RoundRobinAssigner`, and with its
 * placement (every partition of every topic, in turn, to the members sorted by id), so members of
 * this package and KafkaJS members can share a group during a rolling migration.
 */
const roundRobinAssignor: Assignor = {
  name: 'RoundRobinAssigner',
  rebalanceProtocol: 'eager',
  assign(input: AssignorInput): GroupAssignment {
    const members = input.members.map((m) => m.memberId).sort()
    const result: GroupAssignment = new Map(members.map((id) => [id, [] as TopicPartition[]]))
    let i = 0
    for (const [topic, partitions] of input.topics) {
      for (const { partition } of [...partitions].sort((a, b) => a.partition - b.partition)) {
        result.get(members[i % members.length]!)!.push({ topic, partition })
        i++
      }
    }
    return result
  },
}

/** The factory KafkaJS code passes in `partitionAssigners`; its `Assigner` is for inspection only (see toAssignors). */
const roundRobin: PartitionAssigner = () => ({
  name: roundRobinAssignor.name,
  version: 0,
  assign: () => Promise.reject(new KafkaJSNotImplemented('the round-robin assignment runs inside kafkats')),
  protocol: ({ topics }) => ({ name: roundRobinAssignor.name, metadata: MemberMetadataSerializer.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }),
})

export const PartitionAssigners: { roundRobin: PartitionAssigner } = { roundRobin }

/**
 * KafkaJS assigners as kafkats assignors. Only KafkaJS's own round robin is supported: kafkats
 * runs assignors synchronously inside the group protocol, and a KafkaJS assigner is async.
 */
export function toAssignors(assigners: readonly PartitionAssigner[], groupId: string, logger: Logger, client: KafkatsKafka): Assignor[] {
  void groupId
  void logger
  void client
  return assigners.map((assigner) => {
    if (assigner === roundRobin) return roundRobinAssignor
    throw new KafkaJSNotImplemented(
      'custom partition assigners are not supported by @kafkats/kafkajs (kafkats runs assignors synchronously); use PartitionAssigners.roundRobin or leave partitionAssigners out for cooperative-sticky',
    )
  })
}

