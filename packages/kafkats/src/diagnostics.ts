import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { type ConnectionChannelMessages, connectionChannelNames } from '@kafkats/connection'
import { type ConsumerChannelMessages, consumerChannelNames } from '@kafkats/consumer'
import { type FetchChannelMessages, fetchChannelNames } from '@kafkats/fetch-planner'
import { type ProducerChannelMessages, producerChannelNames } from '@kafkats/producer-sink'

/**
 * Every `node:diagnostics_channel` channel kafkats publishes on, by a short name. The packages
 * own their channels (`@kafkats/connection`: requests and connections, `@kafkats/producer-sink`:
 * produce, `@kafkats/fetch-planner`: fetch, `@kafkats/consumer`: group); this is the one list.
 */
export const diagnosticsChannelNames = {
  ...connectionChannelNames,
  produceBatchSent: producerChannelNames.batchSent,
  produceBatchAcked: producerChannelNames.batchAcked,
  produceBatchFailed: producerChannelNames.batchFailed,
  produceProducerId: producerChannelNames.producerId,
  fetchResponse: fetchChannelNames.response,
  ...consumerChannelNames,
} as const

/** Each channel's message type, by channel name (`kafkats:<area>:<event>`). */
export interface DiagnosticsChannelMessages extends ConnectionChannelMessages, ProducerChannelMessages, FetchChannelMessages, ConsumerChannelMessages {}

export type DiagnosticsChannelName = keyof DiagnosticsChannelMessages

/**
 * `diagnostics_channel.subscribe` with the message typed by the channel's name. Returns the
 * function that unsubscribes. Listeners run synchronously inside the client: keep them short
 * and never throw (node reports a listener's exception as an uncaught exception).
 */
export function subscribeDiagnostics<N extends DiagnosticsChannelName>(name: N, listener: (message: DiagnosticsChannelMessages[N]) => void): () => void {
  const untyped = (message: unknown): void => listener(message as DiagnosticsChannelMessages[N])
  subscribe(name, untyped)
  return () => {
    unsubscribe(name, untyped)
  }
}
