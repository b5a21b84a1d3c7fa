import { describe, expect, it } from 'vitest'
import type { ApiDefinition } from '../api.js'
import { DecodeError } from '../errors/decode-error.js'
import { EncodeError } from '../errors/encode-error.js'
import * as generated from '../generated/index.js'
import { apiByKey, apiKeys, apis } from '../generated/index.js'
import { type Sample, dataSamples, samples } from '../generated/samples.test-data.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'

type AnyApi = ApiDefinition<unknown, unknown>

function apiOf(sample: Sample): AnyApi {
  const api = apiByKey(sample.apiKey)
  if (api === undefined) throw new Error(`no api ${sample.apiKey}`)
  return api
}

function encode(api: AnyApi, direction: Sample['direction'], version: number, message: unknown): Uint8Array {
  // a small initial buffer so that growth is exercised too
  const writer = new Writer(16)
  if (direction === 'request') api.encodeRequest(writer, version, message)
  else api.encodeResponse(writer, version, message)
  return writer.finish().slice()
}

function decode(api: AnyApi, direction: Sample['direction'], version: number, bytes: Uint8Array): { value: unknown; end: number } {
  const reader = new Reader(bytes)
  const value = direction === 'request' ? api.decodeRequest(reader, version) : api.decodeResponse(reader, version)
  return { value, end: reader.offset }
}

/** Decoding every strict prefix of `bytes` must fail with a DecodeError (never a RangeError or a result). */
function expectTruncationsFail(bytes: Uint8Array, decodeBytes: (bytes: Uint8Array) => unknown): void {
  for (let length = 0; length < bytes.length; length++) {
    let error: unknown
    try {
      decodeBytes(bytes.subarray(0, length))
    } catch (caught) {
      error = caught
    }
    if (!(error instanceof DecodeError)) {
      throw new Error(`prefix of ${length}/${bytes.length} bytes: expected a DecodeError, got ${String(error)}`)
    }
  }
}

describe('generated API table', () => {
  it('has the 77 APIs whose requests list broker, sorted by key, each with its definition', () => {
    expect(apiKeys).toHaveLength(77)
    expect(apis).toHaveLength(77)
    const keys = apiKeys.map((info) => info.apiKey)
    expect([...keys].sort((a, b) => a - b)).toEqual(keys)
    for (const info of apiKeys) {
      const api = apiByKey(info.apiKey)
      expect(api?.name).toBe(info.name)
      expect(api?.minVersion).toBe(info.minVersion)
      expect(api?.maxVersion).toBe(info.maxVersion)
      expect(api?.maxVersionWithUnstable).toBe(info.maxVersionWithUnstable)
      expect(api?.flexibleFromVersion).toBe(info.flexibleFromVersion)
      expect(api?.listeners).toEqual(info.listeners)
      expect(info.listeners).toContain('broker')
      expect((generated.ApiKey as Record<string, number>)[info.name]).toBe(info.apiKey)
    }
    expect(apiByKey(7)).toBeUndefined() // ControlledShutdown: retired
    expect(apiByKey(1000)).toBeUndefined()
  })

  it('knows the well-known keys and version ranges', () => {
    expect(generated.ApiKey.Produce).toBe(0)
    expect(generated.ApiKey.Fetch).toBe(1)
    expect(generated.ApiKey.Metadata).toBe(3)
    expect(generated.ApiKey.ApiVersions).toBe(18)
    expect(generated.ProduceApi).toMatchObject({ minVersion: 3, maxVersion: 13, flexibleFromVersion: 9 })
    expect(generated.FetchApi).toMatchObject({ minVersion: 4, maxVersion: 18, flexibleFromVersion: 12 })
    expect(generated.SaslHandshakeApi.flexibleFromVersion).toBeNull()
    // ShareFetch is valid from 1 and flexible from 0: its first flexible version is 1
    expect(generated.ShareFetchApi.flexibleFromVersion).toBe(1)
  })

  it('never targets an unstable top version', () => {
    expect(generated.InitProducerIdApi.maxVersion).toBe(5)
    expect(generated.InitProducerIdApi.maxVersionWithUnstable).toBe(6)
    for (const api of apis) expect(api.maxVersion).toBeLessThanOrEqual(api.maxVersionWithUnstable)
  })

  it('picks header versions from flexibility, with the ApiVersions response exception (KIP-511)', () => {
    expect(generated.MetadataApi.requestHeaderVersion(8)).toBe(1)
    expect(generated.MetadataApi.requestHeaderVersion(9)).toBe(2)
    expect(generated.MetadataApi.responseHeaderVersion(8)).toBe(0)
    expect(generated.MetadataApi.responseHeaderVersion(9)).toBe(1)
    expect(generated.SaslHandshakeApi.requestHeaderVersion(1)).toBe(1)
    expect(generated.SaslHandshakeApi.responseHeaderVersion(1)).toBe(0)
    for (let version = 0; version <= 4; version++) {
      expect(generated.ApiVersionsApi.requestHeaderVersion(version)).toBe(version >= 3 ? 2 : 1)
      expect(generated.ApiVersionsApi.responseHeaderVersion(version)).toBe(0)
    }
  })

  it('has samples at the lowest, first flexible and highest versions of every API, both directions', () => {
    for (const api of apis) {
      const wanted = new Set([api.minVersion, api.maxVersion, api.maxVersionWithUnstable])
      if (api.flexibleFromVersion !== null) wanted.add(api.flexibleFromVersion)
      for (const direction of ['request', 'response'] as const) {
        const versions = new Set(samples.filter((s) => s.apiKey === api.apiKey && s.direction === direction).map((s) => s.version))
        for (const version of wanted) expect(versions.has(version), `${api.name} ${direction} v${version}`).toBe(true)
      }
    }
  })
})

describe.each(samples)('$api $direction v$version ($variant)', (sample) => {
  const api = apiOf(sample)

  it('round-trips: decode(encode(x)) equals x, consumes every byte, and re-encodes identically', () => {
    const bytes = encode(api, sample.direction, sample.version, sample.message)
    const { value, end } = decode(api, sample.direction, sample.version, bytes)
    expect(value).toStrictEqual(sample.message)
    expect(end).toBe(bytes.length)
    expect(encode(api, sample.direction, sample.version, value)).toEqual(bytes)
  })

  it('fails with a DecodeError on every truncation', () => {
    const bytes = encode(api, sample.direction, sample.version, sample.message)
    expectTruncationsFail(bytes, (prefix) => decode(api, sample.direction, sample.version, prefix))
  })

  const downgrade = sample.downgrade
  if (downgrade !== undefined) {
    it(`written at v${downgrade.version}: ${downgrade.error === undefined ? 'absent fields read back as defaults' : `EncodeError for ${downgrade.error}`}`, () => {
      if (downgrade.error !== undefined) {
        let error: unknown
        try {
          encode(api, sample.direction, downgrade.version, sample.message)
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(EncodeError)
        expect((error as Error).message).toContain(`version ${downgrade.version}`)
        expect((error as Error).message).toContain(downgrade.error)
        return
      }
      const bytes = encode(api, sample.direction, downgrade.version, sample.message)
      const { value, end } = decode(api, sample.direction, downgrade.version, bytes)
      expect(end).toBe(bytes.length)
      expect(value).toStrictEqual(downgrade.expected)
    })
  }
})

describe('unknown versions', () => {
  it.each(apis.map((api) => [api.name, api] as const))('%s refuses versions outside its range', (_, api) => {
    for (const version of [api.minVersion - 1, api.maxVersionWithUnstable + 1, 1.5]) {
      expect(() => api.encodeRequest(new Writer(), version, api.createRequest())).toThrow(EncodeError)
      expect(() => api.encodeResponse(new Writer(), version, api.createResponse())).toThrow(EncodeError)
      expect(() => api.decodeRequest(new Reader(new Uint8Array(64)), version)).toThrow(DecodeError)
      expect(() => api.decodeResponse(new Reader(new Uint8Array(64)), version)).toThrow(DecodeError)
    }
  })
})

const dataCodecs: Record<string, { encode: (w: Writer, v: number, m: never) => void; decode: (r: Reader, v: number) => unknown }> = {
  RequestHeader: { encode: generated.encodeRequestHeader, decode: generated.decodeRequestHeader },
  ResponseHeader: { encode: generated.encodeResponseHeader, decode: generated.decodeResponseHeader },
  ConsumerProtocolSubscription: {
    encode: generated.encodeConsumerProtocolSubscriptionData,
    decode: generated.decodeConsumerProtocolSubscriptionData,
  },
  ConsumerProtocolAssignment: {
    encode: generated.encodeConsumerProtocolAssignmentData,
    decode: generated.decodeConsumerProtocolAssignmentData,
  },
}

describe.each(dataSamples)('$name v$version ($variant)', (sample) => {
  const codec = dataCodecs[sample.name]
  if (codec === undefined) throw new Error(`no codec for ${sample.name}`)

  it('round-trips and fails with a DecodeError on every truncation', () => {
    const writer = new Writer(16)
    codec.encode(writer, sample.version, sample.message as never)
    const bytes = writer.finish().slice()
    const reader = new Reader(bytes)
    expect(codec.decode(reader, sample.version)).toStrictEqual(sample.message)
    expect(reader.offset).toBe(bytes.length)
    expectTruncationsFail(bytes, (prefix) => codec.decode(new Reader(prefix), sample.version))
  })
})
