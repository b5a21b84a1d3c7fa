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
