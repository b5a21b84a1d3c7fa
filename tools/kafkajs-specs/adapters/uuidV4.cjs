// `require('uuid/v4')` (uuid 3's API, which one spec uses for group ids): a random v4 UUID.
const { randomUUID } = require('node:crypto')

module.exports = () => randomUUID()
