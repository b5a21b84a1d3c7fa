// Fetch isolation levels as Kafka's Fetch request encodes them.
module.exports = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 }
