// Self-test of test-summary.mjs (issue 18): every way a test run can fail to prove anything must
// turn the closing line red. Run by .ci/suites/test-summary.sh, so it counts in CI's closing line.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const script = join(dirname(fileURLToPath(import.meta.url)), 'test-summary.mjs')
const work = mkdtempSync(join(tmpdir(), 'test-summary-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const test = (fullName, status = 'passed') => ({ fullName, status, ancestorTitles: [], title: fullName, failureMessages: [] })
const file = (name, tests, status = tests.some((t) => t.status === 'failed') ? 'failed' : 'passed', message = '') => ({
  name,
  status,
  message,
  assertionResults: tests,
})
/** A report in vitest's JSON-reporter shape, with counters derived from its files. */
function report(files, overrides = {}) {
  const tests = files.flatMap((f) => f.assertionResults)
  const count = (s) => tests.filter((t) => t.status === s).length
  const numFailedTestSuites = files.filter((f) => f.status === 'failed').length
  return {
    numTotalTestSuites: files.length,
    numFailedTestSuites,
    numTotalTests: tests.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('pending') + count('skipped'),
    numTodoTests: count('todo'),
    success: count('failed') === 0 && numFailedTestSuites === 0 && tests.length > 0,
    testResults: files,
    ...overrides,
  }
}
const good = () => report([file('/a.test.ts', [test('a one'), test('a two'), test('a three')])])

let caseNumber = 0
/**
 * Writes the reports (name -> object or raw string) into a fresh directory and runs the summary.
 * Baseline 4 tests and an allow-list with one entry unless given.
 */
function summarize(reports, { expected = Object.keys(reports).join(','), args = [], baseline = { totalTests: 4 }, allowList } = {}) {
  const dir = join(work, `case-${++caseNumber}`)
  const reportDir = join(dir, 'reports')
  mkdirSync(reportDir, { recursive: true })
  for (const [name, content] of Object.entries(reports)) {
    writeFileSync(join(reportDir, `${name}.json`), typeof content === 'string' ? content : JSON.stringify(content))
  }
  const baselineFile = join(dir, 'baseline.json')
  if (baseline !== null) writeFileSync(baselineFile, JSON.stringify(baseline))
  const allowFile = join(dir, 'allowed-skips.json')
  writeFileSync(allowFile, JSON.stringify(allowList ?? [{ fullName: 'b allowed', reason: 'needs hardware CI lacks' }]))
  const run = spawnSync(process.execPath, [script, reportDir, expected, `--baseline=${baselineFile}`, `--allowed-skips=${allowFile}`, ...args], {
    encoding: 'utf8',
  })
  const { status, stdout, stderr } = run
  const line = stdout.trim().split('\n').at(-1)
  const match = /^(\d+) passed, (\d+) failed/.exec(line)
  return { status, line, stdout, stderr, passed: Number(match?.[1]), failed: Number(match?.[2]) }
}
/** The failure mode must exit non-zero and show at least one failure in the closing line. */
function expectRed(result, reason) {
  expect(result.status, result.line).toBe(1)
  expect(result.failed).toBeGreaterThan(0)
  expect(result.stderr).toMatch(reason)
}

describe('test-summary.mjs', () => {
  it('control: a clean run is green', () => {
    const result = summarize({ a: good(), b: report([file('/b.test.ts', [test('b one')])]) })
    expect(result).toMatchObject({ status: 0, line: '4 passed, 0 failed' })
  })

  it('a failed test is red', () => {
    const result = summarize({ a: report([file('/a.test.ts', [test('a one'), test('a two', 'failed'), test('a three')])]) }, { baseline: { totalTests: 3 } })
    expect(result).toMatchObject({ status: 1, line: '2 passed, 1 failed' })
  })

  it('names each failed test and its first failure line before the closing line', () => {
    const failing = { ...test('a two', 'failed'), failureMessages: ['AssertionError: expected 1 to be 2\n    at stack'] }
    const result = summarize({ a: report([file('/ci/checkout/packages/a/src/a.test.ts', [test('a one'), failing])]) }, { baseline: { totalTests: 2 } })
    expect(result.stderr).toContain('FAILED TEST: a: packages/a/src/a.test.ts > a two — AssertionError: expected 1 to be 2')
    expect(result.stderr).not.toContain('at stack')
  })

  it('success: false with no failed test is red', () => {
    expectRed(summarize({ a: { ...good(), success: false }, b: report([file('/b.test.ts', [test('b one')])]) }), /success: false/)
  })

  it('a failed suite with no failed test is red', () => {
    const files = [file('/a.test.ts', [test('a one'), test('a two'), test('a three')], 'passed')]
    expectRed(summarize({ a: report(files, { numFailedTestSuites: 1 }) }, { baseline: { totalTests: 3 } }), /failed suite/)
  })

  it('a beforeAll that threw (file failed, its tests skipped) is red', () => {
    const files = [file('/a.test.ts', [test('a one', 'skipped'), test('a two', 'skipped')], 'failed', 'Error: cluster unreachable')]
    const result = summarize({ a: report(files), b: good() }, { baseline: { totalTests: 5 } })
    expectRed(result, /failed outside any test: Error: cluster unreachable/)
    expect(result.failed).toBeGreaterThanOrEqual(2)
  })

  it('an unhandled error is red even when every test passed', () => {
    expectRed(summarize({ a: { ...good(), unhandledErrors: ['Error: late boom'] }, b: good() }), /unhandled error: Error: late boom/)
  })

  it('a report with 0 tests is red', () => {
    expectRed(summarize({ a: good(), b: report([]) }, { baseline: { totalTests: 3 } }), /b: the report has 0 tests/)
  })

  it('a test file that collected 0 tests is red', () => {
    const files = [file('/a.test.ts', [test('a one'), test('a two'), test('a three')]), file('/empty.test.ts', [])]
    expectRed(summarize({ a: report(files) }, { baseline: { totalTests: 3 } }), /empty\.test\.ts collected 0 tests/)
  })

  it('a missing report is red', () => {
    expectRed(summarize({ a: good() }, { expected: 'a,b', baseline: { totalTests: 3 } }), /b: no test report/)
  })

  it('an unreadable report is red', () => {
    expectRed(summarize({ a: good(), b: '{"numTotalTests": 1, "testRes' }, { baseline: { totalTests: 3 } }), /b: unreadable test report/)
  })

  it('tests left pending by a crashed worker are red', () => {
    const files = [file('/fuzz.test.ts', [test('fuzz one'), test('fuzz two', 'pending'), test('fuzz three', 'pending')], 'failed', 'Worker exited unexpectedly')]
    const result = summarize({ a: report(files, { success: false }) }, { baseline: { totalTests: 3 } })
    expectRed(result, /"fuzz two" did not run \(status pending\)/)
    expect(result.failed).toBeGreaterThanOrEqual(2)
  })

  it('an empty expected list is red', () => {
    expectRed(summarize({ a: good() }, { expected: '', baseline: { totalTests: 3 } }), /expected test reports is empty/)
  })

  it('a skip not on the allow-list is red; one on it passes and is printed', () => {
    const skippedOther = summarize({ a: good(), b: report([file('/b.test.ts', [test('b other', 'skipped')])]) })
    expectRed(skippedOther, /"b other" did not run \(status skipped\)/)
    const todo = summarize({ a: good(), b: report([file('/b.test.ts', [test('b todo', 'todo')])]) })
    expectRed(todo, /"b todo" did not run \(status todo\)/)
    const allowed = summarize({ a: good(), b: report([file('/b.test.ts', [test('b allowed', 'skipped')])], { success: true }) })
    expect(allowed).toMatchObject({ status: 0, line: '3 passed, 0 failed, 1 skipped (allowed)' })
    expect(allowed.stdout).toMatch(/allowed skip \(b\): b allowed — needs hardware CI lacks/)
  })

  it('a total 10% or more below the baseline is red; a smaller drop is not', () => {
    expectRed(summarize({ a: good() }, { baseline: { totalTests: 10 } }), /at least 10% fewer than the baseline 10/)
    expect(summarize({ a: good() }, { baseline: { totalTests: 3 } }).status).toBe(0)
    const slightlyFewer = summarize({ a: report([file('/a.test.ts', Array.from({ length: 19 }, (_, i) => test(`t${i}`)))]) }, { baseline: { totalTests: 20 } })
    expect(slightlyFewer).toMatchObject({ status: 0, line: '19 passed, 0 failed' })
  })

  it('a missing baseline or allow-list is red', () => {
    expectRed(summarize({ a: good() }, { baseline: null }), /baseline .* unreadable/)
    expectRed(summarize({ a: good() }, { baseline: { totalTests: 3 }, allowList: [{ fullName: 'x' }] }), /allow-list .* unreadable/)
  })

  it('a failed CI step (npm test exit status, build, lint, a suite) is red', () => {
    const result = summarize({ a: good() }, { baseline: { totalTests: 3 }, args: ['--failed-step=npm test exited non-zero'] })
    expectRed(result, /CI step failed: npm test exited non-zero/)
    expect(result.line).toBe('3 passed, 1 failed')
  })

  it('counters that disagree with the listed tests are red', () => {
    expectRed(summarize({ a: { ...good(), numFailedTests: 2 } }, { baseline: { totalTests: 3 } }), /numFailedTests 2/)
  })
})
