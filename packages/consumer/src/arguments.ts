import { InvalidArgumentError } from '@kafkats/protocol'
import type { TopicPartition } from './group/assignors/types.js'

/**
 * Argument checks shared by the direct and group consumers' methods (`pause`, `resume`, `seek`,
 * `commit`): each throws an `InvalidArgumentError` naming the field before any state changes.
 */

export function checkTopic(topic: unknown, field: string): string {
  if (typeof topic !== 'string' || topic === '') throw new InvalidArgumentError(field, topic, 'a topic name (a non-empty string)')
  return topic
}

export function checkPartition(partition: unknown, field: string): number {
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new InvalidArgumentError(field, partition, 'a partition number (an integer >= 0)')
  }
  return partition
}

/** `[{ topic, partition }, …]`, as `pause`/`resume` take it. */
export function checkTopicPartitions(partitions: unknown, field = 'partitions'): TopicPartition[] {
  if (!Array.isArray(partitions)) throw new InvalidArgumentError(field, partitions, 'an array of { topic, partition }, e.g. [{ topic: "orders", partition: 0 }]')
  return partitions.map((tp: unknown, i) => {
    if (typeof tp !== 'object' || tp === null) throw new InvalidArgumentError(`${field}[${i}]`, tp, '{ topic, partition }')
    const { topic, partition } = tp as { topic: unknown; partition: unknown }
    return { topic: checkTopic(topic, `${field}[${i}].topic`), partition: checkPartition(partition, `${field}[${i}].partition`) }
  })
}
