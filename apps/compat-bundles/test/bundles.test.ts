import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RoundTripReport } from '../fixtures/roundtrip.js'
import { bundle } from '../src/build.js'
import { measureSizes } from '../src/sizes.js'

const brokers = process.env.KAFKA_BROKERS ?? ''
/** Node binaries to run the bundles with: this one, plus any in KAFKATS_EXTRA_NODES (colon-separated). */
const nodes = [process.execPath, ...(process.env.KAFKATS_EXTRA_NODES ?? '').split(':').filter(Boolean)]

function nodeVersion(node: string): string {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
}

function expectReport(report: RoundTripReport, zstdImplementations: string[]): void {
  expect(report.errors).toEqual([])
  for (const entry of report.codecs) {
    expect(entry.rawOk, `${entry.codec} (${entry.implementation}) raw round trip`).toBe(true)
    expect(entry.batchOk, `${entry.codec} (${entry.implementation}) record batch round trip`).toBe(true)
  }
  expect(report.codecs.map((entry) => entry.codec)).toEqual(['zstd', 'none', 'gzip', 'snappy', 'lz4', 'zstd'])
  expect(report.codecs.filter((entry) => entry.codec === 'zstd').map((entry) => entry.implementation)).toEqual(zstdImplementations)
  expect(report.brokenWasm.typedError, report.brokenWasm.reason).toBe(true)
  expect(report.brokenWasm.reason).toMatch(/^unsupported: /)
  expect(report.brokenWasm.settledMs).toBeLessThan(5000)
}

describe('esbuild bundles for Node', () => {
  it.each([
    ['esm', '.mjs'],
    ['cjs', '.cjs'],
  ] as const)('%s bundle: every codec, zstd on both builds, a typed error for a missing WebAssembly file, produce/consume', async (format, extension) => {
    if (brokers === '') throw new Error('KAFKA_BROKERS is not set: the bundles also produce and consume on the cluster')
    // outside the repository: nothing can be resolved from node_modules at run time
    const outdir = mkdtempSync(join(tmpdir(), `kafkats-bundle-${format}-`))
    const result = await bundle('node-entry.ts', { platform: 'node', format, outdir, outExtension: extension })
    expect(result.files).toHaveLength(1)
    for (const node of nodes) {
      const run = spawnSync(node, [join(outdir, `node-entry${extension}`)], {
        cwd: outdir,
        encoding: 'utf8',
        env: { ...process.env, KAFKA_BROKERS: brokers, BUNDLE_FORMAT: format },
        timeout: 120_000,
      })
      const line = run.stdout.trim().split('\n').pop() ?? ''
      expect(run.status, `${nodeVersion(node)}: ${run.stderr}\n${run.stdout}`).toBe(0)
      const { report, cluster } = JSON.parse(line) as { report: RoundTripReport; cluster: { produced: number; consumed: number } }
      const [major, minor] = nodeVersion(node).slice(1).split('.').map(Number) as [number, number]
      const hasNodeZstd = major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15)
      expectReport(report, ['wasm', hasNodeZstd ? 'node:zlib' : 'wasm'])
      expect(report.wasmLoadedFrom).toBe('embedded')
      expect(cluster).toEqual({ produced: 100, consumed: 100, codec: 'zstd' })
    }
  })
})

describe('esbuild bundles for the browser', () => {
  it('bundles the page and worker entries without Node built-ins', async () => {
    for (const entry of ['page-entry.ts', 'worker-entry.ts']) {
      const outdir = mkdtempSync(join(tmpdir(), 'kafkats-bundle-browser-'))
      // esbuild fails on any node: import it cannot resolve for the browser platform
      const result = await bundle(entry, { platform: 'browser', format: 'esm', outdir, minify: true })
      expect(result.totalBytes).toBeGreaterThan(0)
    }
  })

  it('tree-shakes: a crc32c-only bundle stays under 20 KB minified', async () => {
    const sizes = await measureSizes()
    console.log(JSON.stringify(sizes))
    expect(sizes['crc32c-only']?.singleFileBytes).toBeLessThan(20 * 1024)
    // 1.6 KiB: the crc32c function and its table. Error classes whose brand was a computed class
    // field leaked in once (3.5 KiB): anything kept alive by top-level work shows up here first.
    expect(sizes['crc32c-only']?.singleFileBytes).toBeLessThan(4 * 1024)
    // the record batch codecs; the zstd WebAssembly (~105 KiB, deflated base64) is a chunk of its own when splitting
    expect(sizes['record-batch-only']?.splitEntryBytes).toBeLessThan(100 * 1024)
    // 160 KiB as one file: the embedded WebAssembly is deflated (it was 382 KiB with plain base64)
    expect(sizes['record-batch-only']?.singleFileBytes).toBeLessThan(200 * 1024)
  })
})
