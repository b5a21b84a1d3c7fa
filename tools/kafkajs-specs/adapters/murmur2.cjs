// `require('./murmur2')` beside the default partitioner's spec: Kafka's (Java's) murmur2 of a
// key's bytes, signed 32-bit. @kafkats/kafkajs's DefaultPartitioner places keys with
// @kafkats/protocol's murmur2; like KafkaJS, a key that is not bytes is hashed as its string's UTF-8.
const { murmur2 } = require('@kafkats/protocol')

module.exports = (key) => murmur2(Buffer.isBuffer(key) ? key : Buffer.from(String(key)))
