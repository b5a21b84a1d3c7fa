// `testHelpers` for KAFKAJS_SPECS_TARGET=kafkats. KafkaJS's helpers build its internal Cluster;
// here createCluster() returns a description of the connection that the adapters
// (adapters/producer.cjs, consumer.cjs, admin.cjs) turn into `new Kafka({ ... })` of
// @kafkats/kafkajs. Specs that drive the Cluster object itself (connect/disconnect it, spy on its
// methods) are "not applicable" (classification.cjs): the compat package has no such object.
const common = require('./common.cjs')
const { CLUSTER_DESCRIPTION, LOGGER_SETTINGS, compat } = require('../adapters/compat.cjs')

/** KafkaJS's log levels (`logLevel` of the public API). */
const LEVEL = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 }

/**
 * A KafkaJS-shaped logger. The specs only pass it on; the adapters read the level and logCreator
 * it was made with and give them to `new Kafka({ logLevel, logCreator })`.
 */
const newLogger = ({ level = LEVEL.NOTHING, logCreator } = {}) => {
  const quiet = () => {}
  const logger = { info: quiet, error: quiet, warn: quiet, debug: quiet, namespace: () => logger, setLogLevel: quiet }
  Object.defineProperty(logger, LOGGER_SETTINGS, { value: { level, logCreator } })
  return logger
}

const connectionOpts = (opts = {}) => ({
  clientId: `test-${common.secureRandom()}`,
  connectionTimeout: 3000,
  requestTimeout: 30_000,
  logger: newLogger(),
  ...opts,
})

const sslConnectionOpts = () => connectionOpts({ ssl: { servername: 'localhost', rejectUnauthorized: false, ca: common.caPem() } })

const saslEntries = common.saslSetups.map(({ name, mechanism, user, expectedErr }) => ({
  name,
  opts: () => ({ ...sslConnectionOpts(), sasl: { mechanism, username: user.username, password: user.password } }),
  wrongOpts: () => ({ ...sslConnectionOpts(), sasl: { mechanism, username: 'wrong', password: 'wrong' } }),
  expectedErr,
}))

/**
 * What KafkaJS's Cluster would have been built with. Its methods are absent, except:
 * - some specs call `jest.spyOn(cluster, 'refreshMetadataIfNecessary')` before exercising only
 *   public behaviour: spyOn needs a function there. No adapter calls it, so the specs that assert
 *   it was called are "not applicable" (src/not-applicable.ts) rather than passing on a stub.
 * - `fetchTopicsOffset(topics)`: the latest offsets, from the public `admin.fetchTopicOffsets()`.
 * - `findGroupCoordinator({ groupId })` with only `offsetFetch`: specs read the group's committed
 *   offsets through it; the public `admin.fetchOffsets()` reads the same offsets from the broker,
 *   answered in the OffsetFetch response shape the specs compare (no error, no throttling: a
 *   failed fetch rejects instead).
 */
const createCluster = (opts = {}, brokers = common.plainTextBrokers()) => ({
  [CLUSTER_DESCRIPTION]: { ...connectionOpts(), ...opts, brokers },
  refreshMetadataIfNecessary: async () => {},
  // Specs read a partition's end offset through it; the public admin.fetchTopicOffsets answers the same (ListOffsets latest).
  fetchTopicsOffset: (topics) =>
    withAdmin(common.plainTextBrokers(), (admin) =>
      Promise.all(
        topics.map(async ({ topic, partitions }) => {
          const offsets = await admin.fetchTopicOffsets(topic)
          return {
            topic,
            partitions: partitions.map(({ partition }) => ({ partition, offset: offsets.find((entry) => entry.partition === partition)?.offset ?? '-1' })),
          }
        }),
      ),
    ),
  findGroupCoordinator: async ({ groupId }) => ({
    offsetFetch: ({ groupId: asked = groupId, topics }) =>
      withAdmin(common.plainTextBrokers(), async (admin) => {
        const committed = await admin.fetchOffsets({ groupId: asked, topics: topics.map(({ topic }) => topic) })
        return {
          throttleTime: 0,
          errorCode: 0,
          responses: topics.map(({ topic, partitions }) => ({
            topic,
            partitions: partitions.map(({ partition }) => {
              const found = committed.find((entry) => entry.topic === topic)?.partitions.find((entry) => entry.partition === partition)
              return { partition, offset: found === undefined ? '-1' : found.offset, metadata: found?.metadata ?? '', errorCode: 0 }
            }),
          })),
        }
      }),
  }),
})

const withAdmin = async (brokers, use) => {
  const { Kafka, logLevel } = compat()
  const admin = new Kafka({ clientId: 'testHelpers', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    return await use(admin)
  } finally {
    await admin.disconnect()
  }
}

const { createTopic, addPartitions } = common.topicHelpers(withAdmin)

module.exports = {
  ...common,
  newLogger,
  connectionOpts,
  sslConnectionOpts,
  saslEntries,
  createCluster,
  createTopic,
  addPartitions,
}
