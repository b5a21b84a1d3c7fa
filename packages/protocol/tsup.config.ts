import { writeFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'
import type { Options } from 'tsup'
import { packageBuild } from '../../tsup.shared.js'
import { ZSTD_WASM_DEFLATED_BASE64 } from './src/compression/zstd-wasm-binary.js'

const base = packageBuild('neutral')
const shared = Array.isArray(base) ? base[0] : base

const config: Options = {
  ...shared,
  // hysnappy is ESM-only: bundled in, `require('@kafkats/protocol')` (Jest, CommonJS apps) works
  // without Node's require(esm). It is 12 KB with its WebAssembly inlined (MIT, see THIRD_PARTY_NOTICES.md).
  noExternal: ['hysnappy'],
  // zstd.wasm beside the bundles, for `loadZstd({ wasm: new URL('@kafkats/protocol/zstd.wasm', ...) })`
  // in browsers that would rather fetch the file than carry the embedded copy.
  async onSuccess() {
    writeFileSync('dist/zstd.wasm', inflateRawSync(Buffer.from(ZSTD_WASM_DEFLATED_BASE64, 'base64')))
  },
}

export default config
