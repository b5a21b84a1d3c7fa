export {
  clusterInfo,
  clusterStatus,
  killNode,
  nodePorts,
  portOffset,
  portOpen,
  portOutcome,
  type PortOutcome,
  startCluster,
  startNode,
  stopCluster,
  stopNode,
  DEFAULT_KAFKA_VERSION,
  KAFKA_39_VERSION,
  NODE_IDS,
  resolveKafkaVersion,
} from './cluster.js'
export type {
  ClusterInfo,
  ClusterOptions,
  ClusterStatus,
  NodeInfo,
  NodePorts,
  NodeStatus,
  SaslUser,
  StopOptions,
} from './cluster.js'
export { startFaultProxy, FaultProxy } from './fault-proxy.js'
export type { FaultProxyOptions, FaultProxyStats } from './fault-proxy.js'
export { FakeBroker } from './fake-broker.js'
export { fakeBackendSelected } from './fake-backend.js'
export type { FakeAction, FakeHandler, FakeRequestContext, ReceivedRequest } from './fake-broker.js'
export { ensureKafkaLibs, kafkaDist } from './dist.js'
export type { KafkaDist } from './dist.js'
export { javaConsume, javaProduce } from './java-client.js'
export type { JavaAck, JavaCompression, JavaConsumedRecord, JavaProduceBatch, JavaRecord } from './java-client.js'
export {
  createTopic,
  eventually,
  groupCoordinator,
  initProducerId,
  produceRecords,
  produceValues,
  readPartition,
  readTransactionalPartition,
  recordingLogger,
  sleep,
  text,
  values,
  waitFor,
  waitForFullIsr,
} from './test-helpers.js'
export type {
  LogLine,
  ProduceRecordsOptions,
  RawConnection,
  RawMetadata,
  RawPool,
  ReadRecord,
  RecordingLoggerShape,
  ReplicaAssignment,
  TransactionalLog,
} from './test-helpers.js'
