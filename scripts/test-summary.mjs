#!/usr/bin/env node
// Sums the vitest JSON reports in a directory into the one line CI reads:
// `N passed, N failed` (then `, N skipped (allowed)` when the allow-list let any through).
//
// It fails closed: anything that is not evidence of a test that ran and passed counts as failed.
//   - an expected report that is missing or unreadable (a package or suite whose run died)
//   - an empty expected list (the list could not be computed: the check would be off)
//   - a report with `success: false`, failed suites, or `unhandledErrors` (vitest's JSON leaves
//     unhandled errors out; vitest.shared.ts adds them), even when no single test failed
//   - a report or a test file that collected 0 tests
//   - a skipped, pending or todo test (a `beforeAll` that threw, a worker that was killed) unless
//     its full name is on the allow-list (.ci/allowed-skips.json), which is printed
//   - a total far below the committed baseline (.ci/test-count-baseline.json): tests that
//     silently stopped being collected
//   - each `--failed-step=NAME` (a CI step such as build, lint or `npm test` that exited non-zero)
//
// Usage: test-summary.mjs <report-dir> <expected,report,names> [--failed-step=NAME]...
//        [--allowed-skips=FILE] [--baseline=FILE] [--write-baseline]
// `--write-baseline` records the current total in the baseline file (run it after a green
// `.ci/run`: `node scripts/test-summary.mjs .test-results "$(ls .test-results | sed -n 's/\.json$//p' | paste -sd,)" --write-baseline`).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'))
const flag = (name) => flags.filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3))
const dir = positional[0]
const expected = (positional[1] ?? '').split(',').map((name) => name.trim()).filter(Boolean)
const failedSteps = flag('failed-step')
const allowListFile = flag('allowed-skips')[0] ?? join(root, '.ci/allowed-skips.json')
const baselineFile = flag('baseline')[0] ?? join(root, '.ci/test-count-baseline.json')
// A drop of this fraction or more below the baseline total fails the run.
const BASELINE_DROP_LIMIT = 0.1
/** Failed tests named before the closing line; more are counted, not listed. */
const MAX_FAILED_NAMES = 30

const problems = []
const failedNames = []
/** `/any/checkout/packages/x/src/y.test.ts` → `packages/x/src/y.test.ts`. */
const shortPath = (file) => String(file).replace(/^.*?\/((?:packages|apps|tools)\/)/, '$1')
let passed = 0
let failedTests = 0
let allowedSkips = 0
let total = 0
const problem = (message, count = 1) => problems.push({ message, count })

/** @type {Map<string, string>} full test name -> reason */
const allowList = new Map()
try {
  const entries = JSON.parse(readFileSync(allowListFile, 'utf8'))
  if (!Array.isArray(entries)) throw new Error('not an array')
  for (const entry of entries) {
    if (typeof entry?.fullName !== 'string' || typeof entry?.reason !== 'string' || entry.reason === '') {
      throw new Error(`every entry needs a fullName and a reason: ${JSON.stringify(entry)}`)
    }
    allowList.set(entry.fullName, entry.reason)
  }
} catch (error) {
  problem(`skip allow-list ${allowListFile} unreadable: ${error.message}`)
}

if (expected.length === 0) problem('the list of expected test reports is empty: cannot tell which runs finished')
if (!dir || !existsSync(dir)) problem(`report directory ${dir ?? '(none given)'} does not exist`)

const seen = new Set()
const reportFiles = dir && existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')).sort() : []
for (const file of reportFiles) {
  const name = file.replace(/\.json$/, '')
  seen.add(name)
  let report
  try {
    report = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    if (typeof report !== 'object' || report === null || !Array.isArray(report.testResults)) throw new Error('no testResults array')
  } catch (error) {
    problem(`${name}: unreadable test report (${error.message})`)
    continue
  }
  let reportPassed = 0
  let reportFailed = 0
  let reportTests = 0
  for (const suite of report.testResults) {
    const assertions = Array.isArray(suite.assertionResults) ? suite.assertionResults : []
    const file = suite.name ?? '(unnamed file)'
    if (assertions.length === 0) {
      problem(`${name}: ${file} collected 0 tests${suite.message ? ` (${String(suite.message).split('\n')[0]})` : ''}`)
    }
    let suiteFailed = 0
    for (const test of assertions) {
      reportTests += 1
      if (test.status === 'passed') {
        reportPassed += 1
      } else if (test.status === 'failed') {
        reportFailed += 1
        suiteFailed += 1
        const why = Array.isArray(test.failureMessages) && test.failureMessages.length > 0 ? String(test.failureMessages[0]).split('\n')[0].slice(0, 300) : ''
        failedNames.push(`${name}: ${shortPath(file)} > ${test.fullName}${why ? ` — ${why}` : ''}`)
      } else if (allowList.has(test.fullName)) {
        allowedSkips += 1
        console.log(`allowed skip (${name}): ${test.fullName} — ${allowList.get(test.fullName)}`)
      } else {
        problem(`${name}: "${test.fullName}" did not run (status ${test.status}) and is not on the skip allow-list`)
      }
    }
    // A file whose beforeAll/afterAll threw or that failed to load fails without a failed test.
    if (suite.status !== 'passed' && suiteFailed === 0 && assertions.length > 0) {
      problem(`${name}: ${file} failed outside any test${suite.message ? `: ${String(suite.message).split('\n')[0]}` : ''}`)
    }
  }
  passed += reportPassed
  failedTests += reportFailed
  total += reportTests
  if (reportTests === 0) problem(`${name}: the report has 0 tests`)
  if (typeof report.numTotalTests === 'number' && report.numTotalTests !== reportTests) {
    problem(`${name}: numTotalTests ${report.numTotalTests} disagrees with the ${reportTests} tests listed`)
  }
  if (typeof report.numFailedTests === 'number' && report.numFailedTests > reportFailed) {
    problem(`${name}: numFailedTests ${report.numFailedTests} but only ${reportFailed} failed tests listed`, report.numFailedTests - reportFailed)
  }
  const unhandled = Array.isArray(report.unhandledErrors) ? report.unhandledErrors : []
  for (const error of unhandled) problem(`${name}: unhandled error: ${String(error).split('\n')[0]}`)
  if ((report.numFailedTestSuites ?? 0) > 0 && reportFailed === 0) {
    problem(`${name}: ${report.numFailedTestSuites} failed suite(s) without a failed test`)
  }
  if (report.success !== true && reportFailed === 0 && unhandled.length === 0 && (report.numFailedTestSuites ?? 0) === 0) {
    problem(`${name}: the report says success: ${JSON.stringify(report.success)}`)
  }
}
for (const name of expected) {
  if (!seen.has(name)) problem(`${name}: no test report (its run did not finish or never started)`)
}
for (const step of failedSteps) problem(`CI step failed: ${step}`)

if (flags.includes('--write-baseline')) {
  writeFileSync(baselineFile, `${JSON.stringify({ totalTests: total, reports: [...seen].sort(), updatedAt: new Date().toISOString().slice(0, 10) }, null, 2)}\n`)
  console.error(`baseline written: ${total} tests in ${baselineFile}`)
} else {
  try {
    const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'))
    if (!Number.isInteger(baseline.totalTests) || baseline.totalTests <= 0) throw new Error('no positive totalTests')
    if (total <= baseline.totalTests * (1 - BASELINE_DROP_LIMIT)) {
      problem(`only ${total} tests ran, at least 10% fewer than the baseline ${baseline.totalTests} (${baselineFile}; lower it there only when tests were removed on purpose)`)
    } else if (total < baseline.totalTests) {
      console.error(`note: ${total} tests ran, fewer than the baseline ${baseline.totalTests}`)
    }
  } catch (error) {
    problem(`test-count baseline ${baselineFile} unreadable: ${error.message}`)
  }
}

// Failed tests by name, next to the closing line: a CI log is often read from its tail only.
for (const line of failedNames.slice(0, MAX_FAILED_NAMES)) console.error(`FAILED TEST: ${line}`)
if (failedNames.length > MAX_FAILED_NAMES) console.error(`FAILED TEST: … and ${failedNames.length - MAX_FAILED_NAMES} more`)
for (const { message } of problems) console.error(`FAIL: ${message}`)
const failed = failedTests + problems.reduce((sum, { count }) => sum + count, 0)
console.log(`${passed} passed, ${failed} failed${allowedSkips > 0 ? `, ${allowedSkips} skipped (allowed)` : ''}`)
process.exit(failed > 0 ? 1 : 0)
