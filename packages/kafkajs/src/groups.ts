import type { GroupDescription as KafkatsGroupDescription, Kafka as KafkatsKafka } from 'kafkats'
import { AssignerProtocol } from './assigners.js'
import type { ConsumerGroupState, GroupDescription } from './types.js'

const STATES: ReadonlySet<string> = new Set(['Unknown', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty'])

function toBuffer(bytes: Uint8Array | null | undefined): Buffer {
  if (bytes === null || bytes === undefined) return Buffer.alloc(0)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A kafkats group description in KafkaJS's shape (member metadata and assignment as protocol bytes). */
export function toGroupDescription(group: KafkatsGroupDescription): GroupDescription & { errorCode: number } {
  return {
    errorCode: 0,
    groupId: group.groupId,
    protocol: group.protocol,
    protocolType: group.protocolType,
    state: (STATES.has(group.state) ? group.state : 'Unknown') as ConsumerGroupState,
    members: group.members.map((member) => {
      const assignment: Record<string, number[]> = {}
      for (const [topic, partitions] of Object.entries(member.assignment)) assignment[topic] = [...partitions]
      return {
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        memberMetadata:
          member.memberMetadata !== undefined
            ? toBuffer(member.memberMetadata)
            : AssignerProtocol.MemberMetadata.encode({ version: 0, topics: member.subscription?.topics ?? [], userData: toBuffer(member.subscription?.userData) }),
        memberAssignment:
          member.memberAssignment !== undefined
            ? toBuffer(member.memberAssignment)
            : AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: toBuffer(member.assignmentUserData) }),
      }
    }),
  }
}

export async function describeOneGroup(client: KafkatsKafka, groupId: string): Promise<GroupDescription> {
  const [group] = await client.admin().describeGroups([groupId])
  if (group === undefined) return { groupId, members: [], protocol: '', protocolType: '', state: 'Dead' }
  if (group.error !== undefined) throw group.error
  return toGroupDescription(group)
}
