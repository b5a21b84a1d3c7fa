import { ConfigError, checkOptionNames, describeValue } from '@kafkats/protocol'
import { toLogger } from './logger.js'
import type { ConnectionPoolOptions } from './pool.js'

const INT32_MAX = 2 ** 31 - 1

// Every option of ConnectionPoolOptions, checked against the interface by `satisfies`, so a new
// option cannot be forgotten here (and then refused as unknown).
const optionNames = {
  clientId: true,
  tls: true,
  sasl: true,
  connectTimeoutMs: true,
  requestTimeoutMs: true,
  idleTimeoutMs: true,
  responseMaxBytes: true,
  logger: true,
  owner: true,
  reconnectBackoffMs: true,
  reconnectBackoffMaxMs: true,
  mapAddress: true,
  socketFactory: true,
} as const satisfies Record<keyof ConnectionPoolOptions, true>

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'custom']

/**
 * Checks every option of `new ConnectionPool()` once, at construction: a wrong one is a
 * ConfigError naming the option, the value and what is expected, instead of a failure at the
 * first connect (or a silently ignored typo). Returns the options with the logger made whole
 * (`console` wrapped, as `toLogger` does).
 */
export function resolveConnectionPoolOptions(options: ConnectionPoolOptions): ConnectionPoolOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', `expected an options object, got ${String(options)}`)
  checkOptionNames(options, optionNames)
  const integer = (name: keyof ConnectionPoolOptions, min: number): void => {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > INT32_MAX)) {
      throw new ConfigError(name, `expected an integer from ${min} to ${INT32_MAX}, got ${describeValue(value)}`)
    }
  }
  integer('connectTimeoutMs', 1)
  integer('requestTimeoutMs', 1)
  // 0 turns the idle timeout off.
  integer('idleTimeoutMs', 0)
  integer('responseMaxBytes', 1)
  integer('reconnectBackoffMs', 0)
  integer('reconnectBackoffMaxMs', 0)
  if (options.clientId !== undefined && typeof options.clientId !== 'string') throw new ConfigError('clientId', `expected a string, got ${describeValue(options.clientId)}`)
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && (typeof options.tls !== 'object' || options.tls === null)) {
    throw new ConfigError('tls', `expected true, false or Node TLS options ({ ca, cert, key, ... }), got ${describeValue(options.tls)}`)
  }
  if (options.owner !== undefined && (typeof options.owner !== 'object' || options.owner === null)) throw new ConfigError('owner', `expected an object, got ${describeValue(options.owner)}`)
  if (options.mapAddress !== undefined && typeof options.mapAddress !== 'function') {
    throw new ConfigError('mapAddress', `expected a function (address) => address, got ${describeValue(options.mapAddress)}`)
  }
  if (options.socketFactory !== undefined && typeof options.socketFactory !== 'function') {
    throw new ConfigError('socketFactory', `expected a function ({ host, port }) => Duplex stream or undefined, got ${describeValue(options.socketFactory)}`)
  }
  if (options.sasl !== undefined) checkSasl(options.sasl)
  return options.logger === undefined ? options : { ...options, logger: toLogger(options.logger) }
}

function checkSasl(sasl: unknown): void {
  if (typeof sasl !== 'object' || sasl === null) throw new ConfigError('sasl', `expected { mechanism, ... }, got ${describeValue(sasl)}`)
  const { mechanism } = sasl as { mechanism: unknown }
  if (typeof mechanism !== 'string' || !SASL_MECHANISMS.includes(mechanism)) {
    throw new ConfigError('sasl.mechanism', `expected one of ${SASL_MECHANISMS.join(', ')}, got ${describeValue(mechanism)}`)
  }
  const fields = sasl as Record<string, unknown>
  if (mechanism === 'OAUTHBEARER') {
    if (typeof fields.token !== 'function') throw new ConfigError('sasl.token', `expected a function returning { value } (a token provider), got ${describeValue(fields.token)}`)
  } else if (mechanism === 'custom') {
    const implementation = fields.implementation as { name?: unknown; authenticate?: unknown } | null | undefined
    if (typeof implementation !== 'object' || implementation === null || typeof implementation.name !== 'string' || typeof implementation.authenticate !== 'function') {
      throw new ConfigError('sasl.implementation', `expected a SaslMechanism { name, authenticate(exchange, broker) }, got ${describeValue(implementation)}`)
    }
  } else {
    for (const name of ['username', 'password'] as const) {
      if (typeof fields[name] !== 'string') throw new ConfigError(`sasl.${name}`, `${mechanism} needs a string ${name}, got ${describeValue(fields[name])}`)
    }
  }
}
