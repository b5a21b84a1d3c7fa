// Turns Jest's --json output into the vitest JSON-reporter shape the CI summary reads
// (the two are close: vitest's reporter follows Jest's). A missing or unreadable Jest report
// becomes a failed report, so that a crashed run can never count as a pass.
// Usage: node scripts/jest-to-vitest-report.mjs <jest.json> <out.json> <suite name>
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const [input, output, name = 'jest'] = process.argv.slice(2)
let jest
try {
  jest = existsSync(input) ? JSON.parse(readFileSync(input, 'utf8')) : null
} catch {
  jest = null
}
const statusOf = (status) => (status === 'passed' ? 'passed' : status === 'pending' || status === 'skipped' || status === 'todo' ? 'pending' : 'failed')
const testResults = (jest?.testResults ?? []).map((file) => ({
  name: file.name,
  status: file.status === 'passed' ? 'passed' : 'failed',
  message: file.message ?? '',
  assertionResults: (file.assertionResults ?? []).map((test) => ({
    ancestorTitles: test.ancestorTitles ?? [],
    title: test.title,
    fullName: test.fullName ?? [...(test.ancestorTitles ?? []), test.title].join(' '),
    status: statusOf(test.status),
    duration: test.duration ?? 0,
    failureMessages: test.failureMessages ?? [],
  })),
}))
const tests = testResults.flatMap((file) => file.assertionResults)
const crashed = jest === null || (jest.numRuntimeErrorTestSuites ?? 0) > 0 || tests.length === 0
if (jest === null) {
  testResults.push({
    name,
    status: 'failed',
    message: `no Jest report at ${input}`,
    assertionResults: [{ ancestorTitles: [], title: `${name} ran`, fullName: `${name} ran`, status: 'failed', duration: 0, failureMessages: ['Jest did not write a report'] }],
  })
}
const all = testResults.flatMap((file) => file.assertionResults)
const count = (status) => all.filter((test) => test.status === status).length
const report = {
  numTotalTestSuites: testResults.length,
  numPassedTestSuites: testResults.filter((file) => file.status === 'passed').length,
  numFailedTestSuites: testResults.filter((file) => file.status === 'failed').length,
  numPendingTestSuites: 0,
  numTotalTests: all.length,
  numPassedTests: count('passed'),
  numFailedTests: count('failed'),
  numPendingTests: count('pending'),
  numTodoTests: 0,
  startTime: jest?.startTime ?? Date.now(),
  success: !crashed && count('failed') === 0 && jest?.success === true,
  testResults,
}
writeFileSync(output, JSON.stringify(report, null, 2))
console.log(`${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} pending`)
process.exit(report.success ? 0 : 1)
