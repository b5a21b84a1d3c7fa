import { type ApiDefinition, SaslAuthenticateApi, SaslHandshakeApi } from '@kafkats/protocol'
import { AuthenticationError } from '../authentication-error.js'
import type { SaslMechanism } from './mechanism.js'
import { type OAuthBearerTokenProvider, oauthBearerMechanism } from './oauthbearer.js'
import { plainMechanism } from './plain.js'
import { scramMechanism } from './scram.js'

/** SASL settings. Java: sasl.mechanism + sasl.jaas.config (+ sasl.login.callback.handler.class for OAUTHBEARER). */
export type SaslOptions =
  | { mechanism: 'PLAIN'; username: string; password: string }
  | { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; token: OAuthBearerTokenProvider }
  | { mechanism: 'custom'; implementation: SaslMechanism }

export interface SaslTransport {
  address: string
  request<Request, Response>(api: ApiDefinition<Request, Response>, request: Request): Promise<Response>
  versionFor(api: ApiDefinition<unknown, unknown>): number
}

const UNSUPPORTED_SASL_MECHANISM = 33

export function saslMechanism(options: SaslOptions): SaslMechanism {
  switch (options.mechanism) {
    case 'PLAIN':
      return plainMechanism(options.username, options.password)
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return scramMechanism(options.mechanism, options.username, options.password)
    case 'OAUTHBEARER':
      return oauthBearerMechanism(options.token)
    case 'custom':
      return options.implementation
  }
}

/**
 * SaslHandshake, then the mechanism's SaslAuthenticate round trips (KIP-152). Resolves with
 * the session lifetime the broker granted (0 = no expiry), for KIP-368 re-authentication.
 */
export async function authenticate(options: SaslOptions, transport: SaslTransport): Promise<bigint> {
  const mechanism = saslMechanism(options)
  const handshake = await transport.request(SaslHandshakeApi, SaslHandshakeApi.createRequest({ mechanism: mechanism.name }))
  if (handshake.errorCode === UNSUPPORTED_SASL_MECHANISM) {
    throw new AuthenticationError(
      `the broker does not enable SASL mechanism ${mechanism.name} (enabled: ${handshake.mechanisms.join(', ') || 'none'})`,
      transport.address,
      { errorName: 'UNSUPPORTED_SASL_MECHANISM' },
    )
  }
  if (handshake.errorCode !== 0) {
    throw new AuthenticationError(`SaslHandshake failed with error code ${handshake.errorCode}`, transport.address, {
      errorName: 'ILLEGAL_SASL_STATE',
    })
  }
  transport.versionFor(SaslAuthenticateApi as ApiDefinition<unknown, unknown>)
  let sessionLifetimeMs = 0n
  await mechanism.authenticate(async (bytes) => {
    const response = await transport.request(SaslAuthenticateApi, SaslAuthenticateApi.createRequest({ authBytes: bytes }))
    if (response.errorCode !== 0) {
      throw new AuthenticationError(
        `${mechanism.name} authentication failed: ${response.errorMessage ?? `error code ${response.errorCode}`}`,
        transport.address,
      )
    }
    sessionLifetimeMs = response.sessionLifetimeMs
    return response.authBytes
  }, transport.address)
  return sessionLifetimeMs
}
