// Minified browser bundle sizes of @kafkats/protocol (from dist/: run `npm run build` first).
// npm run sizes -w @kafkats/compat-bundles
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle } from './build.js'

export async function measureSizes(): Promise<Record<string, { entryBytes: number; totalBytes: number }>> {
  const sizes: Record<string, { entryBytes: number; totalBytes: number }> = {}
  for (const entry of ['crc32c-only.ts', 'record-batch-only.ts']) {
    const outdir = mkdtempSync(join(tmpdir(), 'kafkats-size-'))
    // splitting: the embedded zstd WebAssembly is a chunk loaded only when zstd is
    const result = await bundle(entry, { platform: 'browser', format: 'esm', minify: true, splitting: true, outdir })
    sizes[entry.replace(/\.ts$/, '')] = { entryBytes: result.entryBytes, totalBytes: result.totalBytes }
  }
  return sizes
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await measureSizes()
  for (const [name, size] of Object.entries(sizes)) {
    console.log(`${name}: ${(size.entryBytes / 1024).toFixed(1)} KiB minified (all chunks incl. the lazily loaded zstd WebAssembly: ${(size.totalBytes / 1024).toFixed(1)} KiB)`)
  }
}
