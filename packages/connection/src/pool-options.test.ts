import { ConfigError } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { ConnectionPool, type ConnectionPoolOptions } from './pool.js'

/** The ConfigError `new ConnectionPool(options)` throws (options typed loosely, as plain JavaScript passes them). */
function configError(options: unknown): ConfigError {
  try {
    new ConnectionPool(options as ConnectionPoolOptions).close()
  } catch (error) {
    if (ConfigError.isInstance(error)) return error
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('new ConnectionPool() options', () => {
  it.each([
    [{ connectTimeoutMs: -1 }, 'connectTimeoutMs', '-1'],
    [{ connectTimeoutMs: 'x' }, 'connectTimeoutMs', '"x"'],
    [{ requestTimeoutMs: 1.5 }, 'requestTimeoutMs', '1.5'],
    [{ idleTimeoutMs: -5 }, 'idleTimeoutMs', '-5'],
    [{ responseMaxBytes: 0 }, 'responseMaxBytes', '0'],
    [{ reconnectBackoffMs: Number.NaN }, 'reconnectBackoffMs', 'NaN'],
    [{ reconnectBackoffMaxMs: '1000' }, 'reconnectBackoffMaxMs', '"1000"'],
    [{ clientId: 42 }, 'clientId', '42'],
    [{ tls: 'yes' }, 'tls', '"yes"'],
    [{ mapAddress: 'proxy:1' }, 'mapAddress', '"proxy:1"'],
    [{ socketFactory: { connect: true } }, 'socketFactory', 'object'],
    [{ owner: 7 }, 'owner', '7'],
    [{ logger: {} }, 'logger', 'no debug, info, warn, error'],
    [{ sasl: 'PLAIN' }, 'sasl', '"PLAIN"'],
    [{ sasl: { mechanism: 'BOGUS' } }, 'sasl.mechanism', '"BOGUS"'],
    [{ sasl: { mechanism: 'PLAIN', username: 'alice' } }, 'sasl.password', 'undefined'],
    [{ sasl: { mechanism: 'SCRAM-SHA-512', username: 1, password: 'p' } }, 'sasl.username', '1'],
    [{ sasl: { mechanism: 'OAUTHBEARER', token: 'abc' } }, 'sasl.token', '"abc"'],
    [{ sasl: { mechanism: 'custom', implementation: {} } }, 'sasl.implementation', 'object'],
  ])('refuses %j with a ConfigError naming %s and the value', (options, option, shown) => {
    const error = configError(options)
    expect(error.option).toBe(option)
    expect(error.message).toContain(shown)
    expect(error.message).toMatch(/expected|needs|no /)
  })

  it('refuses an unknown option and names the one that was probably meant', () => {
    const error = configError({ connectTimeoutMS: 1000 })
    expect(error.option).toBe('connectTimeoutMS')
    expect(error.message).toContain('did you mean connectTimeoutMs?')
    expect(configError({ nonsense: true }).message).toContain('known options: clientId, tls, sasl')
  })

  it('accepts every option with a good value, and console as the logger', () => {
    const pool = new ConnectionPool({
      clientId: 'ok',
      tls: false,
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'secret' },
      connectTimeoutMs: 1,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 0,
      responseMaxBytes: 1024,
      logger: console,
      owner: {},
      reconnectBackoffMs: 0,
      reconnectBackoffMaxMs: 1000,
      mapAddress: (address: string) => address,
      socketFactory: () => undefined,
      // undefined sets nothing, as a spread of optional values produces it
      ...{ rack: undefined },
    } as unknown as ConnectionPoolOptions)
    pool.fork().close()
    pool.close()
  })
})
