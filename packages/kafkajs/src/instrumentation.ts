import { RequestTimeoutError, type Kafka as KafkatsKafka, type RequestEndMessage, type RequestStartMessage, subscribeDiagnostics } from 'kafkats'
import { KafkaJSNonRetriableError } from './errors.js'
import type { InstrumentationEvent } from './types.js'

type Listener = (event: InstrumentationEvent<unknown>) => void

/** The network events a KafkaJS producer and consumer both have (`<client>.network.request`, ...). */
interface NetworkEventNames {
  REQUEST: string
  REQUEST_TIMEOUT: string
  REQUEST_QUEUE_SIZE: string
}

function networkEventNames(events: Readonly<Record<string, string>>): NetworkEventNames | null {
  const { REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE } = events
  if (REQUEST === undefined || REQUEST_TIMEOUT === undefined || REQUEST_QUEUE_SIZE === undefined) return null
  return { REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE }
}

/**
 * KafkaJS's `client.on(client.events.X, listener)`: events carry an id, their type, a timestamp
 * and a payload. An unknown event name is refused as KafkaJS does, so a typo is not silent.
 *
 * The network events (REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE) come from kafkats's
 * `node:diagnostics_channel` request messages. Those channels are process-wide, so only messages
 * whose `owner` is the kafkats client attached with `attachConnections` are this client's. The
 * channels are subscribed only while such a listener exists and a client is attached: with
 * nobody subscribed, kafkats builds no message at all.
 */
export class InstrumentationEmitter {
  private readonly listeners = new Map<string, Set<Listener>>()
  private nextId = 0
  private readonly names: ReadonlySet<string>
  private readonly network: NetworkEventNames | null
  private connections: KafkatsKafka | null = null
  private unsubscribe: (() => void) | null = null

  constructor(
    events: Readonly<Record<string, string>>,
    private readonly owner: string,
  ) {
    this.names = new Set(Object.values(events))
    this.network = networkEventNames(events)
  }

  on(name: string, listener: Listener): () => void {
    if (!this.names.has(name)) {
      const keys = [...this.names].map((value) => `${this.owner}.events.${value.split('.').pop()!.toUpperCase()}`)
      throw new KafkaJSNonRetriableError(`Event name should be one of ${keys.join(', ')}`)
    }
    let set = this.listeners.get(name)
    if (set === undefined) this.listeners.set(name, (set = new Set()))
    const own = set
    own.add(listener)
    this.updateNetworkSubscription()
    return () => {
      own.delete(listener)
      this.updateNetworkSubscription()
    }
  }

  emit<T>(name: string, payload: T): void {
    const set = this.listeners.get(name)
    if (set === undefined || set.size === 0) return
    // KafkaJS's runtime ids are numbers (its types/index.d.ts says string): the runtime is what code sees.
    const event = { id: this.nextId++ as unknown as string, type: name, timestamp: Date.now(), payload } satisfies InstrumentationEvent<T>
    for (const listener of set) {
      try {
        listener(event)
      } catch {
        // A listener that throws must not break the client that emitted the event.
      }
    }
  }

  /** Whether anyone listens: payloads that cost something are built only then. */
  has(name: string): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0
  }

  /**
   * The kafkats client whose requests become this emitter's network events. Called before the
   * client connects, so the first ApiVersions request is reported as in KafkaJS; null detaches.
   */
  attachConnections(client: KafkatsKafka | null): void {
    this.connections = client
    this.updateNetworkSubscription()
  }

  private updateNetworkSubscription(): void {
    const network = this.network
    const wanted =
      network !== null && this.connections !== null && (this.has(network.REQUEST) || this.has(network.REQUEST_TIMEOUT) || this.has(network.REQUEST_QUEUE_SIZE))
    if (wanted && this.unsubscribe === null) {
      const stopStart = subscribeDiagnostics('kafkats:request:start', (message) => this.onRequestStart(message))
      const stopEnd = subscribeDiagnostics('kafkats:request:end', (message) => this.onRequestEnd(message))
      this.unsubscribe = () => {
        stopStart()
        stopEnd()
      }
    } else if (!wanted && this.unsubscribe !== null) {
      this.unsubscribe()
      this.unsubscribe = null
    }
  }

  private onRequestStart(message: RequestStartMessage): void {
    const network = this.network
    if (network === null || message.owner === null || message.owner !== this.connections || !this.has(network.REQUEST_QUEUE_SIZE)) return
    // KafkaJS reports its queue of requests not yet written; kafkats writes each request when it
    // is made, unless the socket is backed up: those waiting requests are the queue.
    this.emit(network.REQUEST_QUEUE_SIZE, { broker: `${message.broker.host}:${message.broker.port}`, clientId: message.clientId, queueSize: message.queuedRequests })
  }

  private onRequestEnd(message: RequestEndMessage): void {
    const network = this.network
    if (network === null || message.owner === null || message.owner !== this.connections) return
    // kafkats measures from the write; nothing waits in a client-side queue before it, so the
    // request was created when it was sent (pendingDuration 0).
    const sentAt = Date.now() - Math.round(message.durationMs)
    const common = {
      broker: `${message.broker.host}:${message.broker.port}`,
      clientId: message.clientId,
      correlationId: message.correlationId,
      createdAt: sentAt,
      sentAt,
      pendingDuration: 0,
      apiName: message.apiName,
      apiKey: message.apiKey,
      apiVersion: message.apiVersion,
    }
    if (message.error === null) {
      // KafkaJS's size is the response's, without its 4-byte length prefix (0: acks=0, no response).
      const size = Math.max(message.responseBytes - 4, 0)
      if (this.has(network.REQUEST)) this.emit(network.REQUEST, { ...common, size, duration: Math.round(message.durationMs) })
    } else if (RequestTimeoutError.isInstance(message.error)) {
      // As in KafkaJS, a request that timed out is reported once, as REQUEST_TIMEOUT (not REQUEST).
      if (this.has(network.REQUEST_TIMEOUT)) this.emit(network.REQUEST_TIMEOUT, common)
    }
  }
}
