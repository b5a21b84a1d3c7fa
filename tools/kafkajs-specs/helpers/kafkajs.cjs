// `testHelpers` for KAFKAJS_SPECS_TARGET=kafkajs: the real KafkaJS 2.2.4's internal Cluster and
// logger, pointed at the testkit cluster. This target checks the harness: the specs should pass
// here as they do in KafkaJS's own CI.
const common = require('./common.cjs')
const Cluster = require('kafkajs/src/cluster')
const createSocketFactory = require('kafkajs/src/network/socketFactory')
const { createLogger, LEVELS } = require('kafkajs/src/loggers')
const LoggerConsole = require('kafkajs/src/loggers/console')
const { Kafka } = require('kafkajs')

const socketFactory = createSocketFactory()

const newLogger = (opts = {}) => createLogger({ level: LEVELS.NOTHING, logCreator: LoggerConsole, ...opts })

const connectionOpts = (opts = {}) => ({
  socketFactory,
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

const createCluster = (opts = {}, brokers = common.plainTextBrokers()) => new Cluster({ ...connectionOpts(), ...opts, brokers })

const withAdmin = async (brokers, use) => {
  const admin = new Kafka({ clientId: 'testHelpers', brokers, logLevel: LEVELS.NOTHING }).admin()
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
