import { CompatAdmin, type Admin } from './admin.js'
import { type ClientFactory, createClientFactory } from './client.js'
import { CompatConsumer, type CompatConsumerConfig, type Consumer } from './consumer.js'
import { consoleLogCreator, createLogger, type Logger, logLevel } from './logger.js'
import { CompatProducer, type Producer } from './producer.js'
import type { AdminConfig, KafkaConfig, ProducerConfig } from './types.js'

/**
 * KafkaJS's `Kafka`, on kafkats: `new Kafka({ clientId, brokers })`, then `producer()`,
 * `consumer({ groupId })` and `admin()`. Each client gets its own kafkats connections (as each
 * KafkaJS client gets its own cluster), made in its `connect()` and closed in `disconnect()`.
 */
export class Kafka {
  private readonly factory: ClientFactory
  private readonly rootLogger: Logger

  constructor(config: KafkaConfig) {
    this.rootLogger = createLogger(config?.logLevel ?? logLevel.INFO, config?.logCreator ?? consoleLogCreator)
    this.factory = createClientFactory(config, this.rootLogger)
  }

  producer(config: ProducerConfig = {}): Producer {
    return new CompatProducer(this.factory, config)
  }

  consumer(config: CompatConsumerConfig): Consumer {
    return new CompatConsumer(this.factory, config)
  }

  admin(config: AdminConfig = {}): Admin {
    return new CompatAdmin(this.factory, config)
  }

  logger(): Logger {
    return this.rootLogger
  }
}
