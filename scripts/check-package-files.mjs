#!/usr/bin/env node
// What each published package puts in its tarball, checked from `npm pack --dry-run --json`
// (the exact list npm would publish). Run after `npm run build`:
//
//   node scripts/check-package-files.mjs [packages/<name> ...] [--json <report.json>]
//
// With no package given, checks every non-private workspace under packages/. Prints one line per
// package and rule, exits 1 on any failure. --json writes the result in vitest's JSON-reporter
// shape (one test file per package, one assertion per rule) for .ci/suites/package-hygiene.sh.
//
// Rules, per package:
//   license         LICENSE ships, is byte-identical to the root LICENSE, package.json says Apache-2.0
//   metadata        repository (git url + this directory), homepage and bugs are set
//   readme          README.md ships
//   no-tests        no test files, test data, test helpers, fuzz harnesses
//   no-c-sources    no C/C++ sources or headers (lz4-block.c is built into lz4-wasm-binary.ts)
//   source-maps     a .map either embeds its sources (sourcesContent) and those files do not
//                   ship too, or it points at sources that do ship: never the same source twice,
//                   never a map to nowhere
//   exports         every file named by `exports`/`main`/`module`/`types` ships (the
//                   `@kafkats/source` condition is the monorepo's own and is not published)
//   size            unpacked size under 4 MB (npm's unpackedSize)

import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, posix, relative, resolve } from 'node:path'

const MAX_UNPACKED_BYTES = 4_000_000
const SOURCE_CONDITION = '@kafkats/source'
const TEST_FILE = /(^|\/)(__tests__|test|tests|fuzz|generated-tests)\/|\.test\.[cm]?[jt]sx?$|\.test-data\.[cm]?[jt]s$|(^|\/)test-support\.[cm]?[jt]s$|\.spec\.[cm]?[jt]sx?$/
const C_SOURCE = /\.(c|h|cc|cpp|hpp)$/

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const jsonIndex = args.indexOf('--json')
const jsonOut = jsonIndex >= 0 ? args.splice(jsonIndex, 2)[1] : undefined
const dirs = args.length > 0 ? args.map((a) => resolve(a)) : publishedPackages()

const rootLicense = readFileSync(join(root, 'LICENSE'))
const results = dirs.map(checkPackage)

let failed = 0
for (const r of results) {
  for (const a of r.assertions) {
    if (a.status !== 'passed') failed++
    console.log(`${a.status === 'passed' ? 'ok  ' : 'FAIL'} ${r.name} ${a.rule}${a.message ? `: ${a.message}` : ''}`)
  }
  console.log(`     ${r.name}: ${r.files} files, ${(r.packedBytes / 1024).toFixed(0)} KB packed, ${(r.unpackedBytes / 1e6).toFixed(2)} MB unpacked`)
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(vitestShape(results), null, 2))
console.log(failed === 0 ? `package files ok (${results.length} packages)` : `package files: ${failed} rule(s) failed`)
process.exit(failed === 0 ? 0 : 1)

function publishedPackages() {
  const base = join(root, 'packages')
  return readdirSync(base)
    .map((d) => join(base, d))
    .filter((d) => existsSync(join(d, 'package.json')) && !JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).private)
}

function checkPackage(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const rel = relative(root, dir).split('\\').join('/')
  const started = Date.now()
  // --ignore-scripts: the list as the files are now (the build already ran), no prepack side effects.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const pack = JSON.parse(out)[0]
  const files = new Set(pack.files.map((f) => f.path))
  const assertions = []
  const rule = (name, problems) =>
    assertions.push({ rule: name, status: problems.length === 0 ? 'passed' : 'failed', message: problems.join('; ') })

  const license = []
  if (!files.has('LICENSE')) license.push('LICENSE is not in the tarball')
  else if (!readFileSync(join(dir, 'LICENSE')).equals(rootLicense)) license.push(`${rel}/LICENSE differs from the root LICENSE`)
  if (pkg.license !== 'Apache-2.0') license.push(`package.json license is ${JSON.stringify(pkg.license)}, expected "Apache-2.0"`)
  rule('license', license)

  const metadata = []
  if (typeof pkg.repository?.url !== 'string' || !pkg.repository.url.startsWith('git+https://')) metadata.push('repository.url must be a git+https:// url')
  if (pkg.repository?.directory !== rel) metadata.push(`repository.directory must be "${rel}"`)
  if (typeof pkg.homepage !== 'string' || !pkg.homepage.startsWith('https://')) metadata.push('homepage is missing')
  if (typeof pkg.bugs?.url !== 'string') metadata.push('bugs.url is missing')
  rule('metadata', metadata)

  rule('readme', files.has('README.md') ? [] : ['README.md is not in the tarball'])
  rule('no-tests', [...files].filter((f) => TEST_FILE.test(f)).map((f) => `ships ${f}`))
  rule('no-c-sources', [...files].filter((f) => C_SOURCE.test(f)).map((f) => `ships ${f}`))

  const maps = []
  for (const f of [...files].filter((p) => p.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(dir, f), 'utf8'))
    const sources = (map.sources ?? []).map((s) => posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', s)))
    const embedded = Array.isArray(map.sourcesContent) && map.sourcesContent.some((c) => c != null)
    const shipped = sources.filter((s) => files.has(s))
    if (embedded && shipped.length > 0) maps.push(`${f} embeds sources that also ship (${shipped.slice(0, 3).join(', ')}…)`)
    if (!embedded && shipped.length < sources.length) maps.push(`${f} points at ${sources.length - shipped.length} source(s) not in the tarball`)
  }
  rule('source-maps', maps)

  const exportsProblems = []
  for (const target of exportTargets(pkg)) {
    const path = posix.normalize(target)
    if (!files.has(path)) exportsProblems.push(`${target} is named in package.json but not in the tarball`)
  }
  rule('exports', exportsProblems)

  rule('size', pack.unpackedSize < MAX_UNPACKED_BYTES ? [] : [`unpacks to ${(pack.unpackedSize / 1e6).toFixed(2)} MB, limit ${MAX_UNPACKED_BYTES / 1e6} MB`])

  return {
    name: pkg.name,
    dir: rel,
    files: files.size,
    packedBytes: pack.size,
    unpackedBytes: pack.unpackedSize,
    durationMs: Date.now() - started,
    assertions,
  }
}

function exportTargets(pkg) {
  const targets = []
  const walk = (value, key) => {
    if (key === SOURCE_CONDITION) return
    if (typeof value === 'string') {
      if (!value.includes('*')) targets.push(value)
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k)
    }
  }
  walk(pkg.exports)
  for (const field of ['main', 'module', 'types']) if (typeof pkg[field] === 'string') targets.push(pkg[field])
  return targets.filter((t) => t !== './package.json')
}

function vitestShape(results) {
  const all = results.flatMap((r) => r.assertions)
  const failedCount = all.filter((a) => a.status !== 'passed').length
  return {
    numTotalTests: all.length,
    numPassedTests: all.length - failedCount,
    numFailedTests: failedCount,
    numPendingTests: 0,
    success: failedCount === 0,
    testResults: results.map((r) => ({
      name: `${r.dir}/package.json (npm pack)`,
      status: r.assertions.every((a) => a.status === 'passed') ? 'passed' : 'failed',
      message: '',
      startTime: 0,
      endTime: r.durationMs,
      assertionResults: r.assertions.map((a) => ({
        ancestorTitles: [r.name],
        title: a.rule,
        fullName: `${r.name} tarball ${a.rule}`,
        status: a.status,
        failureMessages: a.message ? [a.message] : [],
      })),
    })),
  }
}
