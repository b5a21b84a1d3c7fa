// KafkaJS specs that cannot apply to @kafkats/kafkajs: they exercise a KafkaJS-private module or
// object (its internal Cluster, Broker, eosManager, Runner, ...) that KafkaJS's public API, and so
// the compat package, does not expose. One reason per file, test or describe block. Tests that
// use only the public API (`new Kafka().producer()/consumer()/admin()`, the exported error classes,
// CompressionTypes, AssignerProtocol, Partitioners) are applicable and are not listed here.
import type { NotApplicable } from './compat-report.js'

const CONSUMER = 'src/consumer/__tests__'
const PRIVATE_CLUSTER = "drives KafkaJS's private Cluster object (connects, disconnects or queries it directly), which the public API does not expose"
const REFRESH_SPY = "asserts that KafkaJS's private Cluster.refreshMetadataIfNecessary was called (a spy on a private object)"
const COORDINATOR = "replaces or calls methods of KafkaJS's private group-coordinator Broker object (joinGroup, offsetCommit, offsetFetch) to inject errors or read raw protocol responses"
const BROKER_SPY = "injects errors by spying on KafkaJS's private Broker.produce (cluster.findBroker), which the public API does not expose"

export const NOT_APPLICABLE: readonly NotApplicable[] = [
  // whole files: unit tests of private modules
  { file: `${CONSUMER}/batch.spec.js`, reason: "unit tests of KafkaJS's private Batch class (consumer/batch.js)" },
  { file: `${CONSUMER}/consumerGroup.spec.js`, reason: "unit tests of KafkaJS's private ConsumerGroup class" },
  { file: `${CONSUMER}/filterAbortedMessages.spec.js`, reason: "unit tests of KafkaJS's private filterAbortedMessages function" },
  { file: `${CONSUMER}/runner.spec.js`, reason: "unit tests of KafkaJS's private Runner class, with a mocked ConsumerGroup" },
  { file: 'src/producer/createTopicData.spec.js', reason: "unit test of KafkaJS's private createTopicData function" },
  { file: 'src/producer/groupMessagesPerPartition.spec.js', reason: "unit tests of KafkaJS's private groupMessagesPerPartition function" },
  { file: 'src/producer/sendMessages.spec.js', reason: "unit tests of KafkaJS's private sendMessages function against a mocked Cluster and Broker" },
  { file: 'src/producer/eosManager/index.spec.js', reason: "unit tests of KafkaJS's private transaction state machine (eosManager) against a mocked Cluster and Broker" },
  { file: 'src/producer/partitioners/legacy/murmur2.spec.js', reason: "tests the legacy partitioner's private murmur2 variant (not exported; LegacyPartitioner itself is tested by legacy/index.spec.js)" },
  { file: 'src/producer/partitioners/legacy/randomBytes.spec.js', reason: "tests the legacy partitioner's private randomBytes helper" },

  // single tests in otherwise applicable files
  { file: `${CONSUMER}/commitOffsets.spec.js`, fullName: 'Consumer when commitOffsets updates the partition committed offset to the given offset', reason: "reads offsets from KafkaJS's private Cluster.committedOffsets()" },
  { file: `${CONSUMER}/connection.spec.js`, fullName: 'Consumer reconnects the cluster if disconnected', reason: PRIVATE_CLUSTER },
  { file: `${CONSUMER}/consumeMessages.spec.js`, fullName: 'Consumer consume messages', reason: REFRESH_SPY },
  { file: `${CONSUMER}/consumeMessages.spec.js`, fullName: 'Consumer commits the last offsets processed before stopping', reason: REFRESH_SPY },
  { file: `${CONSUMER}/consumeMessages.spec.js`, fullName: 'Consumer consume messages with 0.11 format', reason: REFRESH_SPY },
  { file: `${CONSUMER}/errorRecovery.spec.js`, fullName: 'Consumer recovers from offset out of range', reason: COORDINATOR },
  { file: `${CONSUMER}/errorRecovery.spec.js`, fullName: 'Consumer recovers from crashes due to retriable errors', reason: COORDINATOR },
  { file: `${CONSUMER}/errorRecovery.spec.js`, fullName: 'Consumer does not recover from crashes due to not retriable errors', reason: COORDINATOR },
  { file: `${CONSUMER}/errorRecovery.spec.js`, fullName: 'Consumer recovers from crashes due to retriable errors exhausting the number of retries', reason: COORDINATOR },
  { file: `${CONSUMER}/errorRecovery.spec.js`, fullName: 'Consumer allows the user to bail out of restarting on retriable errors', reason: COORDINATOR },
  ...[
    'sequential produce() calls > where produce() throws a retriable error, all messages are written to the partition once, in order',
    'sequential produce() calls > where produce() throws a retriable error after the message is written to the log, all messages are written to the partition once, in order',
    'concurrent produce() calls > where produce() throws a retriable error on the first call, all messages are written to the partition once',
    'concurrent produce() calls > where produce() throws a retriable error on 2nd call, all messages are written to the partition once',
    'concurrent produce() calls > where produce() throws a retriable error after the message is written to the log, all messages are written to the partition once',
    // this file takes describe() from require('jest-circus'); Jest reports its tests without the describe title
  ].map((name) => ({ file: 'src/producer/__tests__/idempotentProduceMessages.spec.js', fullName: name, reason: BROKER_SPY })),
  { file: 'src/producer/index.spec.js', fullName: 'Producer throws an error if the producer is disconnecting', reason: `${PRIVATE_CLUSTER} (slows down Cluster.disconnect)` },
  { file: 'src/producer/index.spec.js', fullName: 'Producer reconnects the cluster if disconnected', reason: PRIVATE_CLUSTER },
  { file: 'src/producer/index.spec.js', fullName: 'Producer when idempotent=true sets the default retry value to MAX_SAFE_INTEGER', reason: "asserts arguments of KafkaJS's private retrier factory (jest.mock('../retry'))" },
  { file: 'src/producer/index.spec.js', fullName: 'Producer when idempotent=true only calls initProducerId if unitialized', reason: "spies on KafkaJS's private eosManager.initProducerId (jest.mock('./eosManager'))" },
  { file: 'src/producer/index.spec.js', fullName: 'Producer transactions supports sending offsets', reason: "spies on KafkaJS's private eosManager.sendOffsets and Cluster.markOffsetAsCommitted" },

]
