// `require('./index')` beside the legacy partitioner specs: public as `Partitioners.LegacyPartitioner`.
const { compat } = require('./compat.cjs')

module.exports = (...args) => compat().Partitioners.LegacyPartitioner(...args)
