import { murmur2Partition } from '@kafkats/protocol'

/** What a partitioner sees of a record. */
export interface PartitionerRecord {
  topic: string
  key: Uint8Array | null
  value: Uint8Array | null
}

/**
 * Picks the partition of a record that names none. `availablePartitions` are those with a known
 * leader (never empty when called). Return a number in [0, partitionCount).
 */
export type Partitioner = (record: PartitionerRecord, partitionCount: number, availablePartitions: readonly number[]) => number

/** Java's default for keyed records: `toPositive(murmur2(key)) % partitionCount`. */
export function murmur2Partitioner(record: PartitionerRecord, partitionCount: number): number {
  return murmur2Partition(record.key!, partitionCount)
}

/**
 * The default partitioner: keyed records by murmur2 exactly as the Java client (so Java and
 * kafkats producers agree), unkeyed records by the uniform sticky rule of KIP-480/KIP-794: stay
 * on one partition until `batchMaxBytes` bytes went to it, then move to another partition chosen
 * at random among those with a leader. Sticky batches are full batches: fewer, larger requests.
 */
export class DefaultPartitioner {
  private readonly batchMaxBytes: number
  private readonly sticky = new Map<string, { partition: number; bytes: number }>()

  constructor(batchMaxBytes: number) {
    this.batchMaxBytes = batchMaxBytes
  }

  partition(record: PartitionerRecord, partitionCount: number, availablePartitions: readonly number[]): number {
    return this.partitionOf(record.topic, record.key, record.value, partitionCount, availablePartitions)
  }

  /**
   * `partition` with the record's fields as arguments: the producer's per-record path builds no
   * record object for it, and passes a short string key or value as the string (a key is hashed as
   * its UTF-8 bytes, the same partition as for those bytes).
   */
  partitionOf(topic: string, key: Uint8Array | string | null, value: Uint8Array | string | null, partitionCount: number, availablePartitions: readonly number[]): number {
    if (key !== null) return murmur2Partition(key, partitionCount)
    let state = this.sticky.get(topic)
    if (state === undefined || state.bytes >= this.batchMaxBytes || state.partition >= partitionCount) {
      state = { partition: pickOther(availablePartitions, partitionCount, state?.partition), bytes: 0 }
      this.sticky.set(topic, state)
    }
    state.bytes += (value?.length ?? 0) + 20
    return state.partition
  }
}

function pickOther(available: readonly number[], partitionCount: number, current: number | undefined): number {
  const choices = available.length > 0 ? available : Array.from({ length: partitionCount }, (_, i) => i)
  if (choices.length === 1) return choices[0]!
  for (;;) {
    const choice = choices[Math.floor(Math.random() * choices.length)]!
    if (choice !== current) return choice
  }
}
