import { KafkaError, hasMarker } from '@kafkats/protocol'

const marker = 'kafkats.error.FakeClusterError'
const symbol = Symbol.for(marker)

/**
 * A test control of the fake cluster was called with something that cannot work (an unknown
 * broker, topic or partition, a bad option). The message names what was wrong. Never retriable.
 */
export class FakeClusterError extends KafkaError {
  private readonly [symbol] = true

  constructor(message: string) {
    super(message, { errorName: 'FAKE_CLUSTER_USAGE', retriable: false })
    this.name = 'FakeClusterError'
  }

  static override isInstance(error: unknown): error is FakeClusterError {
    return hasMarker(error, marker)
  }
}
