#!/usr/bin/env node
// Sums the vitest JSON reports in a directory into the one line CI reads:
// `N passed, N failed` (`, N skipped` when any). Missing or unreadable reports count as a failure.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
const expected = (process.argv[3] ?? '').split(',').filter(Boolean)
let passed = 0
let failed = 0
let skipped = 0
const seen = new Set()
for (const file of dir ? readdirSync(dir).filter((name) => name.endsWith('.json')) : []) {
  try {
    const report = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    passed += report.numPassedTests ?? 0
    failed += report.numFailedTests ?? 0
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    // A suite that failed to load has no tests but is a failure.
    for (const suite of report.testResults ?? []) {
      if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1
    }
    seen.add(file.replace(/\.json$/, ''))
  } catch (error) {
    console.error(`unreadable test report ${file}: ${error}`)
    failed += 1
  }
}
for (const name of expected) {
  if (!seen.has(name)) {
    console.error(`no test report from ${name}: its test run did not finish`)
    failed += 1
  }
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)
