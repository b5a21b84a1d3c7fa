export { crc32c, crc32cImplementation, forcePortableCrc32c } from './crc32c.js'
export { crc32 } from './crc32.js'
export { murmur2, murmur2Utf8, toPositive, murmur2Partition } from './murmur2.js'
