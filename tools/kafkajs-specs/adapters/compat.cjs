// Builds @kafkats/kafkajs clients from what the specs hand KafkaJS's internal factories.
//
// The specs create a KafkaJS-internal Cluster (`createCluster(opts, brokers)` from testHelpers) and
// pass it to `createProducer({ cluster, logger, ... })`, `createConsumer(...)`, `createAdmin(...)`.
// In the kafkats target, helpers/kafkats.cjs makes that "cluster" a plain description of the
// connection (brokers, TLS, SASL, timeouts, the cluster-level options), and these factories turn
// it into what a KafkaJS user writes: `new Kafka({ brokers, ... }).producer({ ... })`. Options are
// split between `new Kafka()` and `producer()`/`consumer()`/`admin()` exactly as KafkaJS's own
// Client splits them between its Cluster and the internal factories.
const { plainTextBrokers } = require('../helpers/common.cjs')

const CLUSTER_DESCRIPTION = Symbol.for('kafkajs-specs.clusterDescription')
const LOGGER_SETTINGS = Symbol.for('kafkajs-specs.loggerSettings')

let loaded
/** @returns {typeof import('@kafkats/kafkajs')} */
const compat = () => {
  if (loaded === undefined) {
    try {
      loaded = require('@kafkats/kafkajs')
    } catch (error) {
      throw new Error(`@kafkats/kafkajs could not be loaded (build it: npx turbo run build --filter=@kafkats/kafkajs): ${error.message}`)
    }
  }
  return loaded
}

// Some specs pass `cluster: {}` to check option validation that happens before any connection.
const describeCluster = (cluster) => cluster?.[CLUSTER_DESCRIPTION] ?? { brokers: plainTextBrokers() }

/** `new Kafka(...)` for this cluster description and logger. */
const kafkaFor = (cluster, logger) => {
  const { brokers, ssl, sasl, clientId, connectionTimeout, authenticationTimeout, reauthenticationThreshold, requestTimeout, enforceRequestTimeout, retry } =
    describeCluster(cluster)
  const loggerSettings = logger?.[LOGGER_SETTINGS] ?? { level: compat().logLevel.NOTHING, logCreator: undefined }
  return new (compat().Kafka)({
    brokers,
    ssl,
    sasl,
    clientId,
    connectionTimeout,
    authenticationTimeout,
    reauthenticationThreshold,
    requestTimeout,
    enforceRequestTimeout,
    retry,
    logLevel: loggerSettings.level,
    logCreator: loggerSettings.logCreator,
  })
}

/** Drops undefined values so that the compat package applies its own defaults. */
const defined = (options) => Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))

module.exports = { CLUSTER_DESCRIPTION, LOGGER_SETTINGS, compat, describeCluster, kafkaFor, defined }
