// Minified browser bundle sizes of @kafkats/protocol (from dist/: run `npm run build` first).
// npm run sizes -w @kafkats/compat-bundles
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle } from './build.js'

export interface BundleSizes {
  /** One file, no code splitting: everything the import can reach, the zstd WebAssembly included if reachable. */
  singleFileBytes: number
  /** With code splitting: the entry chunk (the embedded zstd WebAssembly becomes a chunk loaded only when zstd is). */
  splitEntryBytes: number
}

export async function measureSizes(): Promise<Record<string, BundleSizes>> {
  const sizes: Record<string, BundleSizes> = {}
  for (const entry of ['crc32c-only.ts', 'record-batch-only.ts']) {
    const single = await bundle(entry, { platform: 'browser', format: 'esm', minify: true, outdir: mkdtempSync(join(tmpdir(), 'kafkats-size-')) })
    const split = await bundle(entry, { platform: 'browser', format: 'esm', minify: true, splitting: true, outdir: mkdtempSync(join(tmpdir(), 'kafkats-size-')) })
    sizes[entry.replace(/\.ts$/, '')] = { singleFileBytes: single.totalBytes, splitEntryBytes: split.entryBytes }
  }
  return sizes
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`
  for (const [name, size] of Object.entries(await measureSizes())) {
    console.log(`${name}: ${kib(size.singleFileBytes)} minified as one file; entry chunk with code splitting ${kib(size.splitEntryBytes)}`)
  }
}
