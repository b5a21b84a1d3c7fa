import { KafkaJSNonRetriableError } from './errors.js'
import type { InstrumentationEvent } from './types.js'

type Listener = (event: InstrumentationEvent<unknown>) => void

/**
 * KafkaJS's `client.on(client.events.X, listener)`: events carry an id, their type, a timestamp
 * and a payload. An unknown event name is refused as KafkaJS does, so a typo is not silent.
 */
export class InstrumentationEmitter {
  private readonly listeners = new Map<string, Set<Listener>>()
  private nextId = 0
  private readonly names: ReadonlySet<string>

  constructor(
    events: Readonly<Record<string, string>>,
    private readonly owner: string,
  ) {
    this.names = new Set(Object.values(events))
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
    return () => {
      own.delete(listener)
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
}
