export {
  BrokerConnection,
  CLIENT_SOFTWARE_NAME,
  CLIENT_SOFTWARE_VERSION,
  connectionDefaults,
  type ConnectionOptions,
  type RequestOptions,
  type VersionRange,
} from './connection.js'
export { ConnectionPool, connectionPoolDefaults, parseAddress, type ConnectionPoolOptions, type ConnectionPurpose } from './pool.js'
export { FrameDecoder } from './frame-decoder.js'
export type { SocketFactory, SocketTarget } from './socket-factory.js'
export { type Logger, type LoggerLike, silentLogger, toLogger } from './logger.js'
export { ConnectionError } from './connection-error.js'
export { RequestTimeoutError } from './request-timeout-error.js'
export { ResponseTooLargeError } from './response-too-large-error.js'
export { UnsupportedVersionError } from './unsupported-version-error.js'
export { AuthenticationError } from './authentication-error.js'
export { type SaslOptions, saslMechanism } from './sasl/authenticate.js'
export type { SaslMechanism, SaslExchange } from './sasl/mechanism.js'
export type { OAuthBearerToken, OAuthBearerTokenProvider } from './sasl/oauthbearer.js'
export { scramMechanism, type ScramAlgorithm } from './sasl/scram.js'
export { backoffMs } from './backoff.js'
export {
  connectionChannelNames,
  type ConnectionChannelMessages,
  type BrokerEndpoint,
  type RequestStartMessage,
  type RequestEndMessage,
  type ConnectionConnectMessage,
  type ConnectionAuthenticateMessage,
  type ConnectionCloseMessage,
  type ConnectionErrorMessage,
} from './diagnostics.js'
export { LATENCY_BUCKET_BOUNDS_MS, type ApiRequestMetrics, type BrokerRequestMetrics } from './request-metrics.js'
