import { describe, expect, it } from 'vitest'
import { classify, firstLine, passPercent, renderCompat, totalsOf, vitestReport, type BaselineTest, type JestReport } from './compat-report.js'

const root = '/specs'
const baseline: BaselineTest[] = [
  { file: 'src/a.spec.js', fullName: 'A passes', kafkajs: 'passed' },
  { file: 'src/a.spec.js', fullName: 'A fails', kafkajs: 'passed' },
  { file: 'src/a.spec.js', fullName: 'A private', kafkajs: 'passed' },
  { file: 'src/a.spec.js', fullName: 'A skipped by the spec', kafkajs: 'skipped' },
  { file: 'src/b.spec.js', fullName: 'B crashed file', kafkajs: 'passed' },
  { file: 'src/c.spec.js', fullName: 'C known | failure', kafkajs: 'failed' },
  { file: 'src/d.spec.js', fullName: 'D private file', kafkajs: 'passed' },
]
const report: JestReport = {
  success: false,
  startTime: 1,
  testResults: [
    {
      name: '/specs/src/a.spec.js',
      assertionResults: [
        { ancestorTitles: ['A'], title: 'passes', status: 'passed', duration: 5 },
        { ancestorTitles: ['A'], title: 'fails', status: 'failed', failureMessages: ['\u001b[31mError: expected 1\u001b[39m\n    at Object.<anonymous> (a.spec.js:1:1)'] },
        { ancestorTitles: ['A'], title: 'skipped by the spec', status: 'pending' },
      ],
    },
    { name: '/specs/src/b.spec.js', message: '  ● Test suite failed to run\n\n    Cannot find module x', assertionResults: [] },
    { name: '/specs/src/c.spec.js', assertionResults: [{ ancestorTitles: ['C'], title: 'known | failure', status: 'failed', failureMessages: ['boom'] }] },
  ],
}
const notApplicable = [
  { file: 'src/a.spec.js', fullName: 'A private', reason: 'spies on a private object' },
  { file: 'src/d.spec.js', reason: 'unit test of a private module' },
]
const known = [{ file: 'src/c.spec.js', fullName: 'C known | failure', reason: 'a documented difference' }]

describe('classify', () => {
  const outcomes = classify(baseline, report, root, notApplicable, known)
  const byName = new Map(outcomes.map((test) => [test.fullName, test.outcome]))

  it('counts every baseline test once: a test that did not run is a failure, never dropped', () => {
    expect(outcomes).toHaveLength(baseline.length)
    expect(byName.get('B crashed file')).toEqual({ status: 'failed', known: false, why: 'did not run: Cannot find module x' })
    expect(totalsOf(outcomes)).toEqual({ passed: 1, failed: 3, notApplicable: 3 })
  })

  it('explains a failure with the first line of its message and a known failure with its reason', () => {
    expect(byName.get('A fails')).toEqual({ status: 'failed', known: false, why: 'Error: expected 1' })
    expect(byName.get('C known | failure')).toEqual({ status: 'failed', known: true, why: 'a documented difference' })
  })

  it('marks listed tests, listed files and tests the spec skips as not applicable', () => {
    expect(byName.get('A private')).toEqual({ status: 'not applicable', why: 'spies on a private object' })
    expect(byName.get('D private file')).toEqual({ status: 'not applicable', why: 'unit test of a private module' })
    expect(byName.get('A skipped by the spec')?.status).toBe('not applicable')
  })

  it('without a Jest report, every applicable test failed', () => {
    expect(totalsOf(classify(baseline, undefined, root, notApplicable, []))).toEqual({ passed: 0, failed: 4, notApplicable: 3 })
  })
})

describe('classify: retried tests', () => {
  const retriedBaseline: BaselineTest[] = [
    { file: 'src/r.spec.js', fullName: 'R races its check', kafkajs: 'passed' },
    { file: 'src/r.spec.js', fullName: 'R flaky neighbour', kafkajs: 'passed' },
    { file: 'src/r.spec.js', fullName: 'R steady', kafkajs: 'passed' },
  ]
  const retriedReport: JestReport = {
    success: true,
    startTime: 1,
    testResults: [
      {
        name: '/specs/src/r.spec.js',
        assertionResults: [
          { ancestorTitles: ['R'], title: 'races its check', status: 'passed', invocations: 2, retryReasons: ['Error: expected "2", received "-1"'] },
          { ancestorTitles: ['R'], title: 'flaky neighbour', status: 'passed', invocations: 2, retryReasons: ['Error: timed out'] },
          { ancestorTitles: ['R'], title: 'steady', status: 'passed', invocations: 1 },
        ],
      },
    ],
  }
  const listed = [{ file: 'src/r.spec.js', fullName: 'R races its check', reason: 'reads the commit one poll after the throw' }]
  const outcomes = classify(retriedBaseline, retriedReport, root, [], [], listed)
  const byName = new Map(outcomes.map((test) => [test.fullName, test]))

  it('a listed test that passed on its retry passed, and says so', () => {
    expect(byName.get('R races its check')).toMatchObject({ outcome: { status: 'passed' }, retries: 1 })
    expect(byName.get('R steady')).toMatchObject({ outcome: { status: 'passed' }, retries: 0 })
  })

  it('a test that is not listed and needed the retry failed, with the failure of its first run', () => {
    expect(byName.get('R flaky neighbour')?.outcome).toEqual({
      status: 'failed',
      known: false,
      why: 'passed only on a retry (not listed in retried-tests.json); first run: Error: timed out',
    })
  })

  it('COMPAT.md marks the pass on a retry and lists the retried tests with why', () => {
    const text = renderCompat(outcomes, { kafkaVersion: '4.3.1', date: '2026-12-05', retried: listed })
    expect(text).toContain('| R races its check | passed on a retry | passed |  |')
    expect(text).toContain('| src/r.spec.js > R races its check | 1 | reads the commit one poll after the throw |')
  })
})

describe('passPercent', () => {
  it('rounds down, so 89.9% does not read as 90%', () => {
    expect(passPercent({ passed: 899, failed: 101, notApplicable: 0 })).toBe(89)
    expect(passPercent({ passed: 9, failed: 1, notApplicable: 5 })).toBe(90)
    expect(passPercent({ passed: 0, failed: 0, notApplicable: 5 })).toBe(0)
  })
})

describe('renderCompat', () => {
  const text = renderCompat(classify(baseline, report, root, notApplicable, known), { kafkaVersion: '4.3.1', date: '2026-12-03' })

  it('starts with the pass rate line', () => {
    expect(text.split('\n')[0]).toBe('Applicable KafkaJS tests passing: 25%')
  })

  it('has a row per spec file and escapes table cells', () => {
    expect(text).toContain('| [src/a.spec.js](#srcaspecjs) | 1 | 1 | 2 |')
    expect(text).toContain('| C known \\| failure | failed | failed | (known) a documented difference |')
    expect(text).toContain('Not applicable (1): unit test of a private module')
  })
})

describe('vitestReport', () => {
  it('holds the applicable tests only, known failures left out, and fails on any other failure', () => {
    const shaped = vitestReport(classify(baseline, report, root, notApplicable, known), report, root)
    expect(shaped.numTotalTests).toBe(3)
    expect(shaped.numFailedTests).toBe(2)
    expect(shaped.success).toBe(false)
    expect(shaped.testResults.map((file) => file.name)).toEqual(['/specs/src/a.spec.js', '/specs/src/b.spec.js'])
  })

  it('succeeds when every reported applicable test passed', () => {
    const passing: JestReport = { success: true, startTime: 1, testResults: [{ name: '/specs/src/a.spec.js', assertionResults: [{ ancestorTitles: ['A'], title: 'passes', status: 'passed' }] }] }
    const shaped = vitestReport(classify(baseline.slice(0, 1), passing, root, [], []), passing, root)
    expect(shaped).toMatchObject({ success: true, numPassedTests: 1, numFailedTests: 0 })
  })
})

describe('firstLine', () => {
  it('skips blank and stack lines and strips colours', () => {
    expect(firstLine('\n\u001b[2mexpect(x)\u001b[22m\n  at foo')).toBe('expect(x)')
    expect(firstLine('')).toBe('failed without a message')
  })
})
