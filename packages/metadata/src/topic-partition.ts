/** A partition of a topic (Java: TopicPartition). */
export interface TopicPartition {
  topic: string
  partition: number
}

/** The map key of a topic-partition, used by every package that keys state by partition. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}
