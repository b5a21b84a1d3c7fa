// Runs KafkaJS 2.2.4's consumer and producer specs with Jest (jest.config.cjs) against the testkit
// cluster and processes Jest's JSON report.
//
//   npm run specs -w @kafkats/kafkajs-specs -- [options] [jest path patterns...]
//     --target=kafkats|kafkajs   what the specs' internal imports map to (default: $KAFKAJS_SPECS_TARGET or kafkats)
//     --compat                   write packages/kafkajs/COMPAT.md (full runs only)
//     --report=FILE              write the vitest-shaped report CI's summary reads
//     --write-baseline           (target kafkajs) record every test and its KafkaJS result in kafkajs-baseline.json
//     --from-json=FILE           do not run Jest; process this earlier Jest report
//     --workers=N                Jest workers (default 2: the specs use their own topics and groups)
//     --skip-known               do not run the tests known-failures.json lists (CI: many of them
//                                wait for their 90 s timeout); they count as failed all the same
//
// Exits non-zero when an applicable test failed that is not in known-failures.json. A listed test
// that passes again is reported (remove it from the list), not failed: some are timing-dependent.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { clusterInfo } from '@kafkats/testkit'
import {
  classify,
  passPercent,
  renderCompat,
  totalsOf,
  vitestReport,
  type BaselineTest,
  type JestReport,
  type KnownFailure,
  type RetriedTest,
} from './compat-report.js'
import { NOT_APPLICABLE } from './not-applicable.js'

const toolDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { specsDir, repoRoot } = require('../paths.cjs') as { specsDir: string; repoRoot: string }
const baselineFile = join(toolDir, 'kafkajs-baseline.json')
const knownFailuresFile = join(toolDir, 'known-failures.json')
const retriedTestsFile = join(toolDir, 'retried-tests.json')
const compatFile = join(repoRoot, 'packages', 'kafkajs', 'COMPAT.md')

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: 'string', default: process.env.KAFKAJS_SPECS_TARGET ?? 'kafkats' },
    compat: { type: 'boolean', default: false },
    report: { type: 'string' },
    'write-baseline': { type: 'boolean', default: false },
    'from-json': { type: 'string' },
    workers: { type: 'string', default: '2' },
    'skip-known': { type: 'boolean', default: false },
  },
})
const target = values.target
if (target !== 'kafkats' && target !== 'kafkajs') throw new Error(`--target must be kafkats or kafkajs, not ${target}`)
if (!existsSync(join(specsDir, 'src'))) {
  console.error(`kafkajs-specs: the KafkaJS specs are not at ${specsDir} (../shared/peer-tests/kafkajs)`)
  process.exit(2)
}

const knownFailures = JSON.parse(readFileSync(knownFailuresFile, 'utf8')) as KnownFailure[]
const retriedTests = JSON.parse(readFileSync(retriedTestsFile, 'utf8')) as RetriedTest[]

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function runJest(rawFile: string): void {
  const info = clusterInfo()
  const [plain, scram256, scram512] = [info.saslUsers.plain[0], info.saslUsers.scram256[0], info.saslUsers.scram512[0]]
  const clusterEnv = JSON.stringify({
    // KAFKA_BROKERS (CI's plaintext bootstrap) wins over the computed one when set
    plaintext: process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : info.bootstrap.plaintext,
    ssl: info.bootstrap.ssl,
    saslSsl: info.bootstrap.saslSsl,
    caPath: info.caPath,
    plain,
    scram256,
    scram512,
  })
  const args = [require.resolve('jest/bin/jest'), '--config', join(toolDir, 'jest.config.cjs'), '--ci', '--json', `--outputFile=${rawFile}`]
  args.push(values.workers === '1' ? '--runInBand' : `--maxWorkers=${values.workers}`)
  if (target === 'kafkats') {
    // Not-applicable files and tests are not run: they would only wait on private KafkaJS objects.
    const wholeFiles = NOT_APPLICABLE.filter((rule) => rule.fullName === undefined && rule.prefix === undefined)
    args.push('--testPathIgnorePatterns', '/node_modules/', ...wholeFiles.map((rule) => `${escapeRegExp(rule.file)}$`))
    const names = NOT_APPLICABLE.filter((rule) => rule.fullName !== undefined || rule.prefix !== undefined).map((rule) =>
      rule.fullName !== undefined ? `${escapeRegExp(rule.fullName)}$` : escapeRegExp(rule.prefix ?? ''),
    )
    if (values['skip-known']) names.push(...knownFailures.map((entry) => `${escapeRegExp(entry.fullName)}$`))
    if (names.length > 0) args.push(`--testNamePattern=^(?!(?:${names.join('|')}))`)
  }
  args.push(...positionals)
  const started = Date.now()
  const result = spawnSync(process.execPath, args, {
    cwd: toolDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, KAFKAJS_SPECS_TARGET: target, KAFKAJS_SPECS_CLUSTER: clusterEnv },
  })
  console.log(`kafkajs-specs: Jest (${target}) exited ${result.status ?? result.signal} after ${Math.round((Date.now() - started) / 1000)} s`)
}

const rawFile = values['from-json'] ?? join(toolDir, 'node_modules', '.cache', 'kafkajs-specs', `jest-${target}.json`)
if (values['from-json'] === undefined) {
  mkdirSync(dirname(rawFile), { recursive: true })
  writeFileSync(rawFile, '')
  runJest(rawFile)
}
let report: JestReport | undefined
try {
  report = JSON.parse(readFileSync(rawFile, 'utf8')) as JestReport
} catch {
  console.error(`kafkajs-specs: no readable Jest report at ${rawFile}`)
}

if (values['write-baseline']) {
  if (target !== 'kafkajs' || report === undefined) throw new Error('--write-baseline needs a full run with --target=kafkajs')
  const tests: BaselineTest[] = report.testResults
    .flatMap((file) =>
      file.assertionResults.map((test) => ({
        file: file.name.slice(specsDir.length + 1),
        fullName: test.fullName ?? [...test.ancestorTitles, test.title].join(' '),
        kafkajs: test.status === 'passed' ? ('passed' as const) : test.status === 'failed' ? ('failed' as const) : ('skipped' as const),
      })),
    )
    .sort((a, b) => a.file.localeCompare(b.file))
  writeFileSync(baselineFile, `${JSON.stringify(tests, null, 2)}\n`)
  console.log(`kafkajs-specs: baseline of ${tests.length} tests written to ${baselineFile}`)
}

const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as BaselineTest[]
// A rule that matches nothing would leave its test counted as applicable: fail instead.
const unmatched = NOT_APPLICABLE.filter(
  (rule) =>
    !baseline.some(
      (test) =>
        test.file === rule.file &&
        (rule.fullName !== undefined ? test.fullName === rule.fullName : rule.prefix === undefined || test.fullName.startsWith(rule.prefix)),
    ),
)
const unlisted = retriedTests.filter((entry) => !baseline.some((test) => test.file === entry.file && test.fullName === entry.fullName))
for (const entry of unlisted) console.error(`kafkajs-specs: retried-tests.json names no baseline test: ${entry.file} > ${entry.fullName}`)
if (unmatched.length > 0 || unlisted.length > 0) {
  for (const rule of unmatched) console.error(`kafkajs-specs: not-applicable rule matches no baseline test: ${rule.file} > ${rule.fullName ?? rule.prefix ?? '(file)'}`)
  process.exit(2)
}
// With path patterns only some files ran: judge only those.
const selected = positionals.length === 0 ? baseline : baseline.filter((test) => positionals.some((pattern) => new RegExp(pattern).test(test.file)))
const outcomes = classify(selected, report, specsDir, target === 'kafkats' ? NOT_APPLICABLE : [], target === 'kafkats' ? knownFailures : [], retriedTests)
const totals = totalsOf(outcomes)

for (const test of outcomes) {
  if (test.outcome.status === 'failed') console.log(`  ${test.outcome.known ? 'known failure' : 'FAILED'}: ${test.file} > ${test.fullName}: ${test.outcome.why}`)
}
const stale = knownFailures.filter((entry) => outcomes.some((test) => test.file === entry.file && test.fullName === entry.fullName && test.outcome.status === 'passed'))
for (const entry of stale) console.log(`  note: known failure now passes (remove it from known-failures.json if it keeps passing): ${entry.file} > ${entry.fullName}`)
const passedOnRetry = outcomes.filter((test) => test.outcome.status === 'passed' && test.retries > 0)
for (const test of passedOnRetry) console.log(`  passed on a retry (retried-tests.json): ${test.file} > ${test.fullName}`)
const unknownFailures = outcomes.filter((test) => test.outcome.status === 'failed' && !test.outcome.known).length
console.log(
  `kafkajs-specs (${target}): ${totals.passed} passed${passedOnRetry.length > 0 ? ` (${passedOnRetry.length} on a retry)` : ''}, ${totals.failed} failed (${totals.failed - unknownFailures} known), ${totals.notApplicable} not applicable; ${passPercent(totals)}% of applicable tests pass`,
)

if (values.compat) {
  if (positionals.length > 0 || target !== 'kafkats') throw new Error('--compat needs a full run with --target=kafkats')
  writeFileSync(compatFile, renderCompat(outcomes, { kafkaVersion: clusterInfo().kafkaVersion, date: new Date().toISOString().slice(0, 10), retried: retriedTests }))
  console.log(`kafkajs-specs: wrote ${compatFile}`)
}
if (values.report !== undefined) {
  mkdirSync(dirname(values.report), { recursive: true })
  writeFileSync(values.report, `${JSON.stringify(vitestReport(outcomes, report, specsDir), null, 2)}\n`)
}
process.exit(report !== undefined && unknownFailures === 0 ? 0 : 1)
