import { Kafka as KafkatsKafka, type KafkaOptions, type SaslOptions, type SocketFactory } from 'kafkats'
import { KafkaJSNonRetriableError, kafkaJSErrors } from './errors.js'
import type { InstrumentationEmitter } from './instrumentation.js'
import { type Logger, toKafkatsLogger } from './logger.js'
import type { ISocketFactory, KafkaConfig, Mechanism, SASLOptions } from './types.js'

/** What every KafkaJS client (producer, consumer, admin) needs from the `Kafka` that made it. */
export interface ClientFactory {
  readonly config: KafkaConfig
  readonly logger: Logger
  /**
   * A new kafkats client with its own connections, as KafkaJS gives each client its own cluster.
   * `network`: the emitter whose REQUEST, REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE events report
   * this client's requests, from the first one.
   */
  connect(options: { metadataMaxAge?: number; allowAutoTopicCreation?: boolean; component: string; network?: InstrumentationEmitter }): Promise<KafkatsKafka>
  /** Offsets a transaction of this Kafka object's producers committed, told to its consumers of the same group. */
  readonly committedOffsets: CommittedOffsets
}

export interface CommittedOffset {
  topic: string
  partition: number
  offset: bigint
}

/**
 * KafkaJS keeps one committed-offsets map per `Kafka` object, shared by its producers and
 * consumers: once a transaction that sent a group's offsets commits, that group's consumer no
 * longer counts them in `uncommittedOffsets()`. Consume-transform-produce code relies on it.
 */
export class CommittedOffsets {
  private readonly listeners = new Map<string, Set<(offsets: readonly CommittedOffset[]) => void>>()

  /** `listener` hears the offsets committed for `groupId` until the returned function is called. */
  subscribe(groupId: string, listener: (offsets: readonly CommittedOffset[]) => void): () => void {
    let set = this.listeners.get(groupId)
    if (set === undefined) this.listeners.set(groupId, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0 && this.listeners.get(groupId) === set) this.listeners.delete(groupId)
    }
  }

  markCommitted(groupId: string, offsets: readonly CommittedOffset[]): void {
    for (const listener of this.listeners.get(groupId) ?? []) listener(offsets)
  }
}

/** KafkaJS's default client id. */
export const DEFAULT_CLIENT_ID = 'kafkajs'

export function createClientFactory(config: KafkaConfig, logger: Logger): ClientFactory {
  // Settings are checked now, as KafkaJS does in its constructor; brokers given as a function
  // are resolved at each connect (KafkaJS calls it for every bootstrap).
  const sasl = config.sasl === undefined ? undefined : toSaslOptions(config.sasl, logger)
  if (typeof config.brokers !== 'function' && (!Array.isArray(config.brokers) || config.brokers.length === 0)) {
    throw new KafkaJSNonRetriableError('Failed to connect: expected brokers array and got nothing')
  }
  return {
    config,
    logger,
    committedOffsets: new CommittedOffsets(),
    connect: (options) =>
      kafkaJSErrors(async () => {
        const brokers = typeof config.brokers === 'function' ? await config.brokers() : config.brokers
        if (!Array.isArray(brokers) || brokers.length === 0) {
          throw new KafkaJSNonRetriableError('Failed to connect: "config.brokers" returned void or empty array')
        }
        const kafkatsOptions: KafkaOptions = {
          bootstrapBrokers: brokers.map((broker) => broker.trim()),
          clientId: config.clientId ?? DEFAULT_CLIENT_ID,
          logger: toKafkatsLogger(logger.namespace(options.component)),
          allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
          // A KafkaJS socket factory opens the TLS socket itself (it is given `ssl`): kafkats then runs no TLS of its own over it.
          ...(config.socketFactory !== undefined ? { socketFactory: fromKafkaJSSocketFactory(config.socketFactory, config.ssl) } : config.ssl !== undefined ? { tls: config.ssl } : {}),
          ...(sasl !== undefined ? { sasl } : {}),
          ...(config.connectionTimeout !== undefined ? { connectTimeoutMs: config.connectionTimeout } : {}),
          ...(config.requestTimeout !== undefined ? { requestTimeoutMs: config.requestTimeout } : {}),
          ...(options.metadataMaxAge !== undefined ? { metadataMaxAgeMs: options.metadataMaxAge } : {}),
        }
        const client = new KafkatsKafka(kafkatsOptions)
        options.network?.attachConnections(client)
        try {
          // KafkaJS's connect() fails when no broker answers; so does this one.
          await client.connect({ timeoutMs: Math.max(config.connectionTimeout ?? 0, 10_000) })
        } catch (error) {
          options.network?.attachConnections(null)
          await client.close()
          throw error
        }
        return client
      }),
  }
}

/**
 * KafkaJS's `socketFactory({ host, port, ssl, onConnect })` returns a socket that is connecting
 * (TLS included when `ssl` is set, as KafkaJS's default factory does); kafkats waits for its
 * `connect` (`secureConnect` for a TLS socket) event, so `onConnect` has nothing left to do. A
 * value that is not a function goes to kafkats as it is, which refuses it with a ConfigError.
 */
function fromKafkaJSSocketFactory(factory: ISocketFactory, ssl: KafkaConfig['ssl']): SocketFactory {
  if (typeof factory !== 'function') return factory as unknown as SocketFactory
  const tlsOptions = ssl === undefined || ssl === false ? undefined : ssl === true ? {} : ssl
  return ({ host, port }) => factory({ host, port, ssl: tlsOptions as never, onConnect: () => {} })
}

function isMechanism(sasl: SASLOptions | Mechanism): sasl is Mechanism {
  return typeof (sasl as Mechanism).authenticationProvider === 'function'
}

/** KafkaJS's `sasl` option as kafkats's: PLAIN, SCRAM, OAUTHBEARER, or a custom mechanism. */
function toSaslOptions(sasl: SASLOptions | Mechanism, logger: Logger): SaslOptions {
  if (isMechanism(sasl)) {
    return {
      mechanism: 'custom',
      implementation: {
        name: sasl.mechanism.toUpperCase(),
        async authenticate(exchange, broker) {
          const separator = broker.lastIndexOf(':')
          const authenticator = sasl.authenticationProvider({
            host: broker.slice(0, separator),
            port: Number(broker.slice(separator + 1)),
            logger: logger.namespace(`SASL${sasl.mechanism.toUpperCase()}Authenticator`),
            saslAuthenticate: async ({ request, response }) => {
              const answer = await exchange(await request.encode())
              if (response === undefined) return undefined
              const decoded = await response.decode(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength))
              return response.parse(decoded)
            },
          })
          await authenticator.authenticate()
        },
      },
    }
  }
  const mechanism = String((sasl as { mechanism?: unknown }).mechanism ?? '').toLowerCase()
  switch (mechanism) {
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const { username, password } = sasl as { username: string; password: string }
      const name = mechanism === 'plain' ? 'PLAIN' : mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512'
      return name === 'PLAIN' ? { mechanism: 'PLAIN', username, password } : { mechanism: name, username, password }
    }
    case 'oauthbearer': {
      const provider = (sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider
      if (typeof provider !== 'function') throw new KafkaJSNonRetriableError('SASL OAUTHBEARER: oauthBearerProvider must be a function returning { value }')
      return {
        mechanism: 'OAUTHBEARER',
        token: async () => {
          const token = (await (provider as () => Promise<{ value: string }>)()) ?? { value: '' }
          return { value: token.value }
        },
      }
    }
    case 'aws':
      throw new KafkaJSNonRetriableError(
        'SASL mechanism AWS (the pre-IAM AWS-MSK mechanism) is not supported by @kafkats/kafkajs; use OAUTHBEARER with an MSK IAM token provider, or pass a custom { mechanism, authenticationProvider }',
      )
    default:
      throw new KafkaJSNonRetriableError(`SASL ${mechanism} mechanism is not supported`)
  }
}
