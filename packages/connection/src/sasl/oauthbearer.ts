import { decodeUtf8, encodeUtf8 } from '@kafkats/protocol'
import { AuthenticationError } from '../authentication-error.js'
import type { SaslMechanism } from './mechanism.js'

export interface OAuthBearerToken {
  /** The compact-serialised token (usually a JWT). */
  value: string
  /** SASL extensions (KIP-342), sent as `key=value` pairs. */
  extensions?: Record<string, string>
}

/** Called on every (re-)authentication, so a fresh token is used each time. */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken> | OAuthBearerToken

/** SASL/OAUTHBEARER (RFC 7628) with a user-supplied token, as Kafka's KIP-255 client does. */
export function oauthBearerMechanism(provider: OAuthBearerTokenProvider): SaslMechanism {
  return {
    name: 'OAUTHBEARER',
    async authenticate(exchange, broker) {
      const token = await provider()
      let message = `n,,\u0001auth=Bearer ${token.value}\u0001`
      for (const [key, value] of Object.entries(token.extensions ?? {})) message += `${key}=${value}\u0001`
      message += '\u0001'
      const challenge = await exchange(encodeUtf8(message))
      if (challenge.length > 0) {
        // RFC 7628 §3.2.3: the server sent an error challenge; answer with a lone separator and
        // the broker then fails the exchange (which rejects above with its error message).
        await exchange(new Uint8Array([1]))
        throw new AuthenticationError(`OAUTHBEARER: token rejected: ${decodeUtf8(challenge)}`, broker)
      }
    },
  }
}
