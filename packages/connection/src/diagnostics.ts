import { channel } from 'node:diagnostics_channel'

/*
 * node:diagnostics_channel events of @kafkats/connection. Each channel is created once, here;
 * the code that publishes checks `hasSubscribers` first, so with nobody listening no message
 * object is built and no clock is read for it.
 *
 *   import { subscribe } from 'node:diagnostics_channel'
 *   subscribe('kafkats:request:end', (message) => { const end = message as RequestEndMessage; ... })
 */

/** The broker a connection talks to. `nodeId` is -1 until the cluster metadata names the address (bootstrap connections). */
export interface BrokerEndpoint {
  nodeId: number
  /** The address dialled (after any `mapAddress`). */
  host: string
  port: number
}

/** `kafkats:request:start`: a request was encoded and is about to be written to the socket. */
export interface RequestStartMessage {
  broker: BrokerEndpoint
  clientId: string
  /**
   * Who made the connection's pool (kafkats's `Kafka` passes itself): channels are process-wide
   * and several clients may share a clientId, so a subscriber tells its own messages by this.
   * Null when the pool was made without one.
   */
  owner: object | null
  apiKey: number
  /** Kafka's name for the API: `Produce`, `Fetch`, `Metadata`, ... */
  apiName: string
  apiVersion: number
  correlationId: number
  /** The whole request frame, size prefix included. */
  requestBytes: number
  /** False for requests the broker does not answer (Produce with acks=0). */
  expectResponse: boolean
  /**
   * Requests on the same connection still waiting to be written after this one (the socket's
   * buffer is full). kafkats writes a request as soon as it is made; this is its only queue.
   */
  queuedRequests: number
}

/**
 * `kafkats:request:end`: the response arrived and was decoded, or the request failed (the
 * connection closed, it timed out, the response could not be decoded). An error code inside a
 * decoded response is not an `error` here: that is the API's answer, for its caller to judge.
 */
export interface RequestEndMessage extends RequestStartMessage {
  /** The response frame, size prefix included; 0 when none arrived. */
  responseBytes: number
  /** From the write to the decoded response (or the failure). */
  durationMs: number
  error: Error | null
}

/** `kafkats:connection:connect`: TCP (and TLS) connected and ApiVersions negotiated; SASL follows if configured. */
export interface ConnectionConnectMessage {
  broker: BrokerEndpoint
  clientId: string
  /**
   * Who made the connection's pool (kafkats's `Kafka` passes itself): channels are process-wide
   * and several clients may share a clientId, so a subscriber tells its own messages by this.
   * Null when the pool was made without one.
   */
  owner: object | null
  tls: boolean
  /** From dialling to the ApiVersions answer. */
  durationMs: number
}

/** `kafkats:connection:authenticate` and `kafkats:connection:reauthenticate` (KIP-368): a SASL exchange ended. */
export interface ConnectionAuthenticateMessage {
  broker: BrokerEndpoint
  clientId: string
  /**
   * Who made the connection's pool (kafkats's `Kafka` passes itself): channels are process-wide
   * and several clients may share a clientId, so a subscriber tells its own messages by this.
   * Null when the pool was made without one.
   */
  owner: object | null
  mechanism: string
  /** The session lifetime the broker granted; 0 for no expiry (also when `error` is set). */
  sessionLifetimeMs: number
  durationMs: number
  error: Error | null
}

/** `kafkats:connection:close`: the connection closed, by the client (`error` null) or after a failure. */
export interface ConnectionCloseMessage {
  broker: BrokerEndpoint
  clientId: string
  /**
   * Who made the connection's pool (kafkats's `Kafka` passes itself): channels are process-wide
   * and several clients may share a clientId, so a subscriber tells its own messages by this.
   * Null when the pool was made without one.
   */
  owner: object | null
  /** Requests that were in flight and failed with the close. */
  inFlightRequests: number
  error: Error | null
}

/** `kafkats:connection:error`: connecting, negotiating or authenticating failed; no connection was made. */
export interface ConnectionErrorMessage {
  broker: BrokerEndpoint
  clientId: string
  /**
   * Who made the connection's pool (kafkats's `Kafka` passes itself): channels are process-wide
   * and several clients may share a clientId, so a subscriber tells its own messages by this.
   * Null when the pool was made without one.
   */
  owner: object | null
  error: Error
}

/** The names of the channels @kafkats/connection publishes on. */
export const connectionChannelNames = {
  requestStart: 'kafkats:request:start',
  requestEnd: 'kafkats:request:end',
  connect: 'kafkats:connection:connect',
  authenticate: 'kafkats:connection:authenticate',
  reauthenticate: 'kafkats:connection:reauthenticate',
  close: 'kafkats:connection:close',
  error: 'kafkats:connection:error',
} as const

/** Each channel's message type, by channel name. */
export interface ConnectionChannelMessages {
  'kafkats:request:start': RequestStartMessage
  'kafkats:request:end': RequestEndMessage
  'kafkats:connection:connect': ConnectionConnectMessage
  'kafkats:connection:authenticate': ConnectionAuthenticateMessage
  'kafkats:connection:reauthenticate': ConnectionAuthenticateMessage
  'kafkats:connection:close': ConnectionCloseMessage
  'kafkats:connection:error': ConnectionErrorMessage
}

// Module-level references keep the channels alive (node holds unreferenced channels weakly).
export const requestStartChannel = channel(connectionChannelNames.requestStart)
export const requestEndChannel = channel(connectionChannelNames.requestEnd)
export const connectChannel = channel(connectionChannelNames.connect)
export const authenticateChannel = channel(connectionChannelNames.authenticate)
export const reauthenticateChannel = channel(connectionChannelNames.reauthenticate)
export const closeChannel = channel(connectionChannelNames.close)
export const errorChannel = channel(connectionChannelNames.error)
