// The helpers KafkaJS's specs import from `testHelpers`, rebuilt on the testkit cluster. These are
// the ones that do not depend on which client is under test; helpers/kafkajs.cjs and
// helpers/kafkats.cjs add createCluster, newLogger, createTopic and addPartitions.
//
// Broker addresses: the specs' Docker-era ports (9092/9093/9094 per node) become the testkit
// cluster's listeners, read from KAFKAJS_SPECS_CLUSTER (JSON that src/run.ts writes from
// @kafkats/testkit's clusterInfo()), or from KAFKA_BROKERS for plaintext only.
const fs = require('node:fs')
const crypto = require('node:crypto')

const clusterJson = process.env.KAFKAJS_SPECS_CLUSTER
/** @type {{ plaintext: string[], ssl: string[], saslSsl: string[], caPath: string | null, plain: {username: string, password: string}, scram256: {username: string, password: string}, scram512: {username: string, password: string} }} */
const cluster = clusterJson
  ? JSON.parse(clusterJson)
  : { plaintext: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','), ssl: [], saslSsl: [], caPath: null, plain: null, scram256: null, scram512: null }

const plainTextBrokers = () => [...cluster.plaintext]
const sslBrokers = () => [...cluster.ssl]
// the specs' SASL listener is SASL over TLS
const saslBrokers = () => [...cluster.saslSsl]

const secureRandom = (length = 10) => `${crypto.randomBytes(length).toString('hex')}-${process.pid}-${crypto.randomUUID()}`

const sleep = (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs))

/** Polls `fn` every `delay` ms until it returns something truthy; the test's own timeout bounds it. */
const waitFor = async (fn, { delay = 50 } = {}) => {
  let waitedMs = 0
  for (;;) {
    await sleep(delay)
    waitedMs += delay
    const result = await fn(waitedMs)
    if (result) return result
  }
}

const waitForMessages = (buffer, { number = 1, delay = 50 } = {}) => waitFor(() => (buffer.length >= number ? buffer : false), { delay })

const waitForNextEvent = (consumer, eventName, { maxWait = 10_000 } = {}) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Timeout waiting for '${eventName}'`)), maxWait)
    consumer.on(eventName, (event) => {
      clearTimeout(timer)
      resolve(event)
    })
    consumer.on(consumer.events.CRASH, (event) => {
      clearTimeout(timer)
      reject(event.payload.error)
    })
  })

const waitForConsumerToJoinGroup = (consumer, { maxWait = 10_000, label = '' } = {}) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      consumer.disconnect().then(() => reject(new Error(`Timeout ${label}`.trim())))
    }, maxWait)
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      clearTimeout(timer)
      resolve(event)
    })
    consumer.on(consumer.events.CRASH, (event) => {
      clearTimeout(timer)
      consumer.disconnect().then(() => reject(event.payload.error))
    })
  })

/** Partitions by the digits in the key, mod 3: the specs know where each of their keys lands. */
const createModPartitioner =
  () =>
  ({ partitionMetadata, message }) => {
    const digits = Number.parseInt(String(message.key).replace(/\D/g, ''), 10)
    return ((digits || 0) % 3) % partitionMetadata.length
  }

const generateMessages = ({ prefix, number = 100 } = {}) =>
  Array.from({ length: number }, (_, index) => {
    const random = secureRandom()
    const tag = prefix ? `-${prefix}` : ''
    return { key: `key${tag}-${index}-${random}`, value: `value${tag}-${index}-${random}` }
  })

// The testkit cluster runs Kafka 4.3.1 (or 3.9.2): every "at least" version gate is open.
const testIfKafkaAtLeast = () => {
  const gated = (description, callback) => test(description, callback)
  gated.only = (description, callback) => test.only(description, callback)
  return gated
}

const flakyTest = (description, callback) => test(`[flaky] ${description}`, callback)
flakyTest.skip = (description, callback) => test.skip(`[flaky] ${description}`, callback)
flakyTest.only = (description, callback) => test.only(`[flaky] ${description}`, callback)

const caPem = () => (cluster.caPath ? [fs.readFileSync(cluster.caPath, 'utf8')] : [])

/** The specs' SASL setups, with the testkit's users (their test/testtest users do not exist here). */
const saslSetups = [
  { name: 'PLAIN', mechanism: 'plain', user: cluster.plain, expectedErr: /SASL PLAIN authentication failed/ },
  { name: 'SCRAM 256', mechanism: 'scram-sha-256', user: cluster.scram256, expectedErr: /SASL SCRAM SHA256 authentication failed/ },
  { name: 'SCRAM 512', mechanism: 'scram-sha-512', user: cluster.scram512, expectedErr: /SASL SCRAM SHA512 authentication failed/ },
]

/**
 * createTopic() and addPartitions() for a target's admin client (`withAdmin(brokers, use)`).
 *
 * KRaft brokers learn of a new topic asynchronously: right after CreateTopics one broker may still
 * answer UNKNOWN_TOPIC_OR_PARTITION, which KafkaJS's createTopics({ waitForLeaders }) and the next
 * subscribe() do not retry. The helper therefore waits until every broker serves the topic's
 * metadata (one admin per broker: a KafkaJS-style client asks its seed broker for metadata).
 */
const topicHelpers = (withAdmin) => {
  const untilEveryBrokerHas = (topic, partitions) =>
    Promise.all(
      plainTextBrokers().map((broker) =>
        withAdmin([broker], (admin) =>
          waitFor(async () => {
            try {
              const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
              return topics[0].partitions.length === partitions && topics[0].partitions.every((partition) => partition.leader >= 0)
            } catch {
              return false
            }
          }),
        ),
      ),
    )

  const createTopic = async ({ topic, partitions = 1, replicas = 1, config = [] }) => {
    await withAdmin(plainTextBrokers(), async (admin) => {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: partitions, replicationFactor: replicas, configEntries: config }],
        })
      } catch (error) {
        // the propagation race above; the wait below covers it
        if (error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error
      }
    })
    await untilEveryBrokerHas(topic, partitions)
  }

  // KafkaJS's helper ran a script in its Docker broker; the admin API does the same (CreatePartitions).
  const addPartitions = async ({ topic, partitions }) => {
    await withAdmin(plainTextBrokers(), (admin) => admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] }))
    await untilEveryBrokerHas(topic, partitions)
  }

  return { createTopic, addPartitions }
}

module.exports = {
  cluster,
  topicHelpers,
  plainTextBrokers,
  sslBrokers,
  saslBrokers,
  secureRandom,
  waitFor,
  waitForMessages,
  waitForNextEvent,
  waitForConsumerToJoinGroup,
  createModPartitioner,
  generateMessages,
  testIfKafkaAtLeast_0_11: testIfKafkaAtLeast(),
  testIfKafkaAtLeast_1_1_0: testIfKafkaAtLeast(),
  flakyTest,
  caPem,
  saslSetups,
}
