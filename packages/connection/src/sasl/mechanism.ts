/**
 * One SASL exchange step: send `bytes` in a SaslAuthenticate request and get the broker's
 * answer. A broker error rejects with an AuthenticationError.
 */
export type SaslExchange = (bytes: Uint8Array) => Promise<Uint8Array>

export interface SaslMechanism {
  /** The mechanism name sent in SaslHandshake. */
  readonly name: string
  /** Runs the whole client side of the mechanism over `exchange`. */
  authenticate(exchange: SaslExchange, broker: string): Promise<void>
}
