export { FakeCluster } from './fake-cluster.js'
export type {
  ApiSelector,
  DelayOptions,
  FakeClusterOptions,
  FaultOptions,
  InjectErrorOptions,
  PartitionInfo,
  TopicPartitionRef,
} from './fake-cluster.js'
export type { RequestLogEntry } from './broker-server.js'
export { FakeClusterError } from './fake-cluster-error.js'
