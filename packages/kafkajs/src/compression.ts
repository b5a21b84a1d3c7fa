import type { CompressionCodec } from 'kafkats'
import { KafkaJSNotImplemented } from './errors.js'
import { CompressionTypes } from './types.js'

export { CompressionTypes }

/** What KafkaJS's codec registry holds for one type: a factory of `{ compress, decompress }`. */
export type CompressionCodecFactory = () => unknown

/**
 * KafkaJS ships only GZIP and asks applications to register Snappy, LZ4 and ZSTD here
 * (`CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec`). kafkats has all five
 * codecs built in, so registrations are accepted and kept (code that registers keeps working)
 * but never called.
 */
export const CompressionCodecs: { [type: number]: CompressionCodecFactory } = {
  [CompressionTypes.GZIP]: () => ({ builtIn: 'gzip' }),
  [CompressionTypes.Snappy]: () => ({ builtIn: 'snappy' }),
  [CompressionTypes.LZ4]: () => ({ builtIn: 'lz4' }),
  [CompressionTypes.ZSTD]: () => ({ builtIn: 'zstd' }),
}

const CODECS: Record<number, CompressionCodec> = {
  [CompressionTypes.None]: 'none',
  [CompressionTypes.GZIP]: 'gzip',
  [CompressionTypes.Snappy]: 'snappy',
  [CompressionTypes.LZ4]: 'lz4',
  [CompressionTypes.ZSTD]: 'zstd',
}

/** The kafkats codec for a KafkaJS compression type. */
export function toCompressionCodec(type: CompressionTypes | undefined): CompressionCodec {
  if (type === undefined) return 'none'
  const codec = CODECS[type]
  if (codec === undefined) throw new KafkaJSNotImplemented(`Compression type ${String(type)} not implemented`)
  return codec
}
