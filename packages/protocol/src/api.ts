import type { Reader } from './primitives/reader.js'
import type { Writer } from './primitives/writer.js'

/** Server roles that accept an API (from the `listeners` of its definition). */
export type ApiListener = 'broker' | 'controller' | 'zkBroker'

/**
 * One Kafka API: its key, version range and the codecs of its request and response for every
 * version. Clients encode requests and decode responses; a fake broker does the reverse with
 * the same object.
 */
export interface ApiDefinition<Request, Response> {
  readonly apiKey: number
  readonly name: string
  /** Lowest version that exists. */
  readonly minVersion: number
  /** Highest stable version (never one marked `latestVersionUnstable`). */
  readonly maxVersion: number
  /** Highest version with a codec, including an unstable one; equal to `maxVersion` when none. */
  readonly maxVersionWithUnstable: number
  /** First flexible (KIP-482) version, or `null` if never flexible. */
  readonly flexibleFromVersion: number | null
  readonly listeners: readonly ApiListener[]
  requestHeaderVersion(version: number): number
  responseHeaderVersion(version: number): number
  createRequest(init?: Partial<Request>): Request
  encodeRequest(writer: Writer, version: number, request: Request): void
  decodeRequest(reader: Reader, version: number): Request
  createResponse(init?: Partial<Response>): Response
  encodeResponse(writer: Writer, version: number, response: Response): void
  decodeResponse(reader: Reader, version: number): Response
}

/** Request type of an `ApiDefinition`. */
export type RequestOf<Api> = Api extends ApiDefinition<infer Request, unknown> ? Request : never
/** Response type of an `ApiDefinition`. */
export type ResponseOf<Api> = Api extends ApiDefinition<unknown, infer Response> ? Response : never
