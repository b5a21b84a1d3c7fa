// `require('../protocol/message/compression')`: the specs read `Types` (public as
// `CompressionTypes`) and `Codecs` (public as `CompressionCodecs`).
const { compat } = require('./compat.cjs')

module.exports = {
  get Types() {
    return compat().CompressionTypes
  },
  get Codecs() {
    return compat().CompressionCodecs
  },
}
