// `require('../assignerProtocol')`: KafkaJS exports it publicly as `AssignerProtocol`.
const { compat } = require('./compat.cjs')

module.exports = compat().AssignerProtocol
