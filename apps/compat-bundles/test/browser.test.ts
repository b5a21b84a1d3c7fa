import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import puppeteer, { type Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoundTripReport } from '../fixtures/roundtrip.js'
import { bundle } from '../src/build.js'

/** Debian's chromium package (.ci/suites/browser.sh installs it); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }

const PAGE = '<!doctype html><meta charset="utf-8"><script type="module" src="/page-entry.js"></script>'
const WORKER_PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  const worker = new Worker('/worker-entry.js', { type: 'module' })
  window.roundTrip = new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data)
    worker.onerror = (event) => reject(new Error(event.message))
  })
</script>`

describe('every codec in headless Chromium, from an esbuild browser bundle', () => {
  let server: Server
  let browser: Browser
  let base: string

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kafkats-browser-'))
    await bundle('page-entry.ts', { platform: 'browser', format: 'esm', outdir: root })
    await bundle('worker-entry.ts', { platform: 'browser', format: 'esm', outdir: root })
    // the published zstd.wasm, served for the worker's `wasm` option
    copyFileSync(createRequire(import.meta.url).resolve('@kafkats/protocol/zstd.wasm'), join(root, 'zstd.wasm'))
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname
      if (path === '/' || path === '/worker.html') {
        response.writeHead(200, { 'content-type': 'text/html' })
        response.end(path === '/' ? PAGE : WORKER_PAGE)
        return
      }
      try {
        const body = readFileSync(join(root, normalize(path).replace(/^(\.\.[/\\])+/, '')))
        response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' })
        response.end(body)
      } catch {
        response.writeHead(404)
        response.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  async function roundTripAt(path: string): Promise<{ report: RoundTripReport; pageErrors: string[] }> {
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(`${base}${path}`, { waitUntil: 'load' })
    await page.waitForFunction(() => (window as { roundTrip?: unknown }).roundTrip !== undefined, { timeout: 30_000 })
    const report = (await page.evaluate(() => (window as unknown as { roundTrip: Promise<unknown> }).roundTrip)) as RoundTripReport
    await page.close()
    return { report, pageErrors }
  }

  function expectReport(report: RoundTripReport): void {
    expect(report.errors).toEqual([])
    expect(report.codecs.map((entry) => entry.codec)).toEqual(['zstd', 'none', 'gzip', 'snappy', 'lz4', 'zstd'])
    for (const entry of report.codecs) {
      expect(entry.rawOk, `${entry.codec} raw round trip`).toBe(true)
      expect(entry.batchOk, `${entry.codec} record batch round trip`).toBe(true)
    }
    // no node:zlib in a browser: zstd is the WebAssembly build both times
    expect(report.codecs.filter((entry) => entry.codec === 'zstd').map((entry) => entry.implementation)).toEqual(['wasm', 'wasm'])
    expect(report.brokenWasm.typedError, report.brokenWasm.reason).toBe(true)
    expect(report.brokenWasm.reason).toMatch(/^unsupported: .*HTTP 404/)
    expect(report.brokenWasm.settledMs).toBeLessThan(5000)
  }

  it('in a page (zstd WebAssembly embedded in the bundle)', async () => {
    const { report, pageErrors } = await roundTripAt('/')
    expectReport(report)
    expect(report.wasmLoadedFrom).toBe('embedded')
    expect(pageErrors).toEqual([])
  })

  it('in a module worker (zstd.wasm fetched from the server via the wasm option)', async () => {
    const { report, pageErrors } = await roundTripAt('/worker.html')
    expectReport(report)
    expect(report.wasmLoadedFrom).toBe(`${base}/zstd.wasm`)
    expect(pageErrors).toEqual([])
  })
})
