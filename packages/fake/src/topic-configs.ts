// Topic-level configs a Kafka 4.3 broker knows, with their defaults and types (DescribeConfigs
// configType: 1 BOOLEAN, 2 STRING, 3 INT, 5 LONG, 6 DOUBLE, 7 LIST). Unknown names are rejected
// with INVALID_CONFIG, as the broker does.
const BOOLEAN = 1
const STRING = 2
const INT = 3
const LONG = 5
const DOUBLE = 6
const LIST = 7

const LONG_MAX = '9223372036854775807'

export const TOPIC_CONFIG_DEFAULTS: ReadonlyMap<string, { value: string; type: number }> = new Map([
  ['cleanup.policy', { value: 'delete', type: LIST }],
  ['compression.type', { value: 'producer', type: STRING }],
  ['compression.gzip.level', { value: '-1', type: INT }],
  ['compression.lz4.level', { value: '9', type: INT }],
  ['compression.zstd.level', { value: '3', type: INT }],
  ['delete.retention.ms', { value: '86400000', type: LONG }],
  ['file.delete.delay.ms', { value: '60000', type: LONG }],
  ['flush.messages', { value: LONG_MAX, type: LONG }],
  ['flush.ms', { value: LONG_MAX, type: LONG }],
  ['follower.replication.throttled.replicas', { value: '', type: LIST }],
  ['index.interval.bytes', { value: '4096', type: INT }],
  ['leader.replication.throttled.replicas', { value: '', type: LIST }],
  ['local.retention.bytes', { value: '-2', type: LONG }],
  ['local.retention.ms', { value: '-2', type: LONG }],
  ['max.compaction.lag.ms', { value: LONG_MAX, type: LONG }],
  ['max.message.bytes', { value: '1048588', type: INT }],
  ['message.timestamp.after.max.ms', { value: '3600000', type: LONG }],
  ['message.timestamp.before.max.ms', { value: LONG_MAX, type: LONG }],
  ['message.timestamp.type', { value: 'CreateTime', type: STRING }],
  ['min.cleanable.dirty.ratio', { value: '0.5', type: DOUBLE }],
  ['min.compaction.lag.ms', { value: '0', type: LONG }],
  ['min.insync.replicas', { value: '1', type: INT }],
  ['preallocate', { value: 'false', type: BOOLEAN }],
  ['remote.log.copy.disable', { value: 'false', type: BOOLEAN }],
  ['remote.log.delete.on.disable', { value: 'false', type: BOOLEAN }],
  ['remote.storage.enable', { value: 'false', type: BOOLEAN }],
  ['retention.bytes', { value: '-1', type: LONG }],
  ['retention.ms', { value: '604800000', type: LONG }],
  ['segment.bytes', { value: '1073741824', type: INT }],
  ['segment.index.bytes', { value: '10485760', type: INT }],
  ['segment.jitter.ms', { value: '0', type: LONG }],
  ['segment.ms', { value: '604800000', type: LONG }],
  ['unclean.leader.election.enable', { value: 'false', type: BOOLEAN }],
])

/** Kafka's check of a topic config value against its type: an error message, or null when valid. */
export function invalidTopicConfigValue(name: string, value: string | null): string | null {
  const info = TOPIC_CONFIG_DEFAULTS.get(name)
  if (info === undefined) return `Unknown topic config name: ${name}`
  if (value === null) return null
  const bad = `Invalid value ${value} for configuration ${name}`
  const trimmed = value.trim()
  if (info.type === BOOLEAN && trimmed !== 'true' && trimmed !== 'false') return `${bad}: Expected value to be either true or false`
  if ((info.type === INT || info.type === LONG) && !/^-?\d+$/.test(trimmed)) return `${bad}: Not a number of type ${info.type === INT ? 'INT' : 'LONG'}`
  if (info.type === DOUBLE && Number.isNaN(Number(trimmed))) return `${bad}: Not a number of type DOUBLE`
  return null
}
