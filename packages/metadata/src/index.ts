export {
  ClusterMetadata,
  clusterMetadataDefaults,
  type BrokerInfo,
  type ClusterMetadataOptions,
  type ClusterSnapshot,
  type PartitionInfo,
  type TopicInfo,
} from './cluster-metadata.js'
export {
  MetadataEvents,
  type LeaderChangedEvent,
  type MetadataEventMap,
  type PartitionsAddedEvent,
  type ReplicasChangedEvent,
} from './events.js'
export {
  CoordinatorCache,
  isCoordinatorLookupError,
  type CoordinatorKeyType,
  type CoordinatorLookup,
  type CoordinatorLookupError,
  type CoordinatorNode,
} from './coordinators.js'
export { topicPartitionKey, type TopicPartition } from './topic-partition.js'
