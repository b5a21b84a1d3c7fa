import type { Duplex } from 'node:stream'

/** The broker address a `SocketFactory` is asked to open a stream to. */
export interface SocketTarget {
  host: string
  port: number
}

/**
 * Opens the byte stream to a broker in place of a TCP socket: brokers in the same process
 * (`@kafkats/fake`'s `cluster.socketFactory`), tunnels, proxies. Return `undefined` to connect
 * over TCP as usual (a factory may serve only some addresses).
 *
 * The stream counts as open once returned, unless it is still connecting (a `net.Socket` with
 * `connecting: true`: then on its `connect` event). It must carry bytes (`Buffer` or `Uint8Array`
 * chunks, never strings). With `tls` set, TLS runs over it. Everything after that is the same as
 * over TCP: ApiVersions, SASL, timeouts, and a closed stream closes the connection.
 * Like KafkaJS's `socketFactory` and franz-go's `kgo.Dialer`.
 */
export type SocketFactory = (target: SocketTarget) => Duplex | undefined
