import { encodeUtf8 } from '@kafkats/protocol'
import type { SaslMechanism } from './mechanism.js'

/** SASL/PLAIN (RFC 4616): one message, `authzid NUL username NUL password` with an empty authzid. */
export function plainMechanism(username: string, password: string): SaslMechanism {
  return {
    name: 'PLAIN',
    async authenticate(exchange) {
      await exchange(encodeUtf8(`\u0000${username}\u0000${password}`))
    },
  }
}
