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

// One `Kafka` per spec cluster object (and logger settings): KafkaJS's producer and consumer built
// on one cluster share its committed-offsets map (a transaction's sendOffsets, once committed,
// leaves the consumer's uncommittedOffsets()); @kafkats/kafkajs shares it per `Kafka` object.
const kafkaByCluster = new WeakMap()

/** `new Kafka(...)` for this cluster description and logger (the same one for the same cluster object and logger settings). */
const kafkaFor = (cluster, logger) => {
  const loggerSettings = logger?.[LOGGER_SETTINGS] ?? { level: compat().logLevel.NOTHING, logCreator: undefined }
  if (cluster === null || typeof cluster !== 'object') return newKafka(cluster, loggerSettings)
  let byLogger = kafkaByCluster.get(cluster)
  if (byLogger === undefined) kafkaByCluster.set(cluster, (byLogger = new Map()))
  let byLevel = byLogger.get(loggerSettings.logCreator)
  if (byLevel === undefined) byLogger.set(loggerSettings.logCreator, (byLevel = new Map()))
  let kafka = byLevel.get(loggerSettings.level)
  if (kafka === undefined) byLevel.set(loggerSettings.level, (kafka = newKafka(cluster, loggerSettings)))
  return kafka
}

const newKafka = (cluster, loggerSettings) => {
  const { brokers, ssl, sasl, clientId, connectionTimeout, authenticationTimeout, reauthenticationThreshold, requestTimeout, enforceRequestTimeout, retry } =
    describeCluster(cluster)
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
