// Turns Jest's JSON report of the KafkaJS specs into (a) packages/kafkajs/COMPAT.md and (b) the
// vitest-shaped report CI's summary reads. Pure functions; src/run.ts does the I/O.
//
// The list of tests is the baseline (kafkajs-baseline.json: every test of every spec file, from a
// run against the real KafkaJS 2.2.4), not the run's own report: a spec file that crashes, or a
// test that never ran, is then still counted (as failed), never silently dropped.

/**
 * One test of the baseline. `kafkajs` is how it did against the real KafkaJS 2.2.4 on this
 * cluster; 'skipped' = the spec itself skips it (`it.skip`).
 */
export interface BaselineTest {
  file: string
  fullName: string
  kafkajs: 'passed' | 'failed' | 'skipped'
}

const SKIPPED_BY_SPEC = 'skipped by the KafkaJS spec itself (`it.skip`)'

export interface NotApplicable {
  /** A spec file (relative to the specs' root, e.g. 'src/producer/eosManager/index.spec.js'). */
  file: string
  /** The test's full name (describe titles and title joined by spaces); absent = the whole file. */
  fullName?: string
  /** Its full name starts with this (a whole describe block). */
  prefix?: string
  reason: string
}

export interface KnownFailure {
  file: string
  fullName: string
  reason: string
}

/**
 * A test whose spec races its own check (retried-tests.json): Jest runs its file with one retry
 * (setup.cjs), and a pass on the retry counts. Any other test that needed the retry is a failure.
 */
export interface RetriedTest {
  file: string
  fullName: string
  reason: string
}

/** The parts of Jest's `--json` report this reads. */
export interface JestReport {
  success: boolean
  startTime: number
  testResults: Array<{
    name: string
    message?: string
    assertionResults: Array<{
      ancestorTitles: string[]
      title: string
      fullName?: string
      status: string
      duration?: number | null
      failureMessages?: string[]
      /** How many times Jest ran it (more than 1 after a retry). */
      invocations?: number
      /** The failures of the runs before the last. */
      retryReasons?: string[]
    }>
  }>
}

export type Outcome =
  | { status: 'passed' }
  | { status: 'failed'; why: string; known: boolean }
  | { status: 'not applicable'; why: string }

export interface TestOutcome extends BaselineTest {
  outcome: Outcome
  durationMs: number
  failureMessages: string[]
  /** Runs before the last (0 unless its file is retried); a pass after one is allowed for RetriedTests only. */
  retries: number
}

export const notApplicableReason = (rules: readonly NotApplicable[], file: string, fullName: string): string | undefined =>
  rules.find(
    (rule) =>
      rule.file === file &&
      (rule.fullName === undefined && rule.prefix === undefined
        ? true
        : rule.fullName === fullName || (rule.prefix !== undefined && fullName.startsWith(rule.prefix))),
  )?.reason

/** The first informative line of a Jest failure message (no ANSI colours, stack or `●` title). */
export const firstLine = (message: string): string => {
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '')
  const line = plain
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '' && !text.startsWith('at ') && !text.startsWith('●'))
  return (line ?? 'failed without a message').slice(0, 200)
}

export function classify(
  baseline: readonly BaselineTest[],
  report: JestReport | undefined,
  specsDir: string,
  notApplicable: readonly NotApplicable[],
  knownFailures: readonly KnownFailure[],
  retried: readonly RetriedTest[] = [],
): TestOutcome[] {
  const ran = new Map<string, { status: string; durationMs: number; failureMessages: string[]; retries: number; retryReasons: string[] }>()
  const fileErrors = new Map<string, string>()
  for (const file of report?.testResults ?? []) {
    const relative = relativeTo(specsDir, file.name)
    if (file.assertionResults.length === 0 && file.message) fileErrors.set(relative, firstLine(file.message))
    for (const test of file.assertionResults) {
      const fullName = test.fullName ?? [...test.ancestorTitles, test.title].join(' ')
      ran.set(`${relative}\u0000${fullName}`, {
        status: test.status,
        durationMs: test.duration ?? 0,
        failureMessages: test.failureMessages ?? [],
        retries: Math.max(0, (test.invocations ?? 1) - 1),
        retryReasons: test.retryReasons ?? [],
      })
    }
  }
  return baseline.map((test) => {
    const reason = test.kafkajs === 'skipped' ? SKIPPED_BY_SPEC : notApplicableReason(notApplicable, test.file, test.fullName)
    const result = ran.get(`${test.file}\u0000${test.fullName}`)
    const base = { ...test, durationMs: result?.durationMs ?? 0, failureMessages: result?.failureMessages ?? [], retries: result?.retries ?? 0 }
    if (reason !== undefined) return { ...base, outcome: { status: 'not applicable', why: reason } }
    const known = knownFailures.find((entry) => entry.file === test.file && entry.fullName === test.fullName)
    if (result?.status === 'passed' && result.retries > 0 && !retried.some((entry) => entry.file === test.file && entry.fullName === test.fullName)) {
      // Its file is retried for another test's sake; this one is not listed, so a pass on the retry is still a failure.
      const first = firstLine(result.retryReasons.join('\n'))
      return { ...base, outcome: { status: 'failed', why: `passed only on a retry (not listed in retried-tests.json); first run: ${first}`, known: known !== undefined } }
    }
    if (result?.status === 'passed') return { ...base, outcome: { status: 'passed' } }
    const why =
      known?.reason ??
      (result === undefined
        ? `did not run${fileErrors.has(test.file) ? `: ${fileErrors.get(test.file)}` : ''}`
        : result.status === 'failed'
          ? firstLine(result.failureMessages.join('\n'))
          : `did not run (${result.status})`)
    return { ...base, outcome: { status: 'failed', why, known: known !== undefined } }
  })
}

export const relativeTo = (root: string, file: string): string => (file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file)

export interface Totals {
  passed: number
  failed: number
  notApplicable: number
}

export const totalsOf = (outcomes: readonly TestOutcome[]): Totals => ({
  passed: outcomes.filter((test) => test.outcome.status === 'passed').length,
  failed: outcomes.filter((test) => test.outcome.status === 'failed').length,
  notApplicable: outcomes.filter((test) => test.outcome.status === 'not applicable').length,
})

/** Passed share of the applicable tests, in whole percent (rounded down: 89.9% is not 90%). */
export const passPercent = ({ passed, failed }: Totals): number => (passed + failed === 0 ? 0 : Math.floor((passed * 100) / (passed + failed)))

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function renderCompat(outcomes: readonly TestOutcome[], meta: { kafkaVersion: string; date: string; retried?: readonly RetriedTest[] }): string {
  const totals = totalsOf(outcomes)
  const lines = [
    `Applicable KafkaJS tests passing: ${passPercent(totals)}%`,
    '',
    '# KafkaJS 2.2.4 specs against @kafkats/kafkajs',
    '',
    `Generated by \`tools/kafkajs-specs\` (\`npm run specs -w @kafkats/kafkajs-specs -- --compat\`) from Jest's JSON report; do not edit by hand.`,
    `KafkaJS 2.2.4's own consumer and producer specs (\`../shared/peer-tests/kafkajs\`, unchanged) ran with Jest 30 against`,
    `\`@kafkats/kafkajs\` on the testkit cluster (Kafka ${meta.kafkaVersion}, 3 brokers), ${meta.date}.`,
    '',
    `**${totals.passed} passed, ${totals.failed} failed, ${totals.notApplicable} not applicable** of ${outcomes.length} tests` +
      ` (${passPercent(totals)}% of the ${totals.passed + totals.failed} applicable tests pass).`,
    '',
    'A test is *not applicable* when it exercises a KafkaJS-private module or object that the public API',
    '(and so @kafkats/kafkajs) does not expose; each such group says why. "KafkaJS" is how the real KafkaJS 2.2.4',
    'did on the same cluster through the same harness (`KAFKAJS_SPECS_TARGET=kafkajs`).',
    'A few specs race their own check; they get one retry, and a pass on it reads "passed on a retry"',
    '([Retried tests](#retried-tests)). Any other test that needed a retry counts as failed.',
    '',
    '| spec file | passed | failed | not applicable |',
    '| --- | ---: | ---: | ---: |',
  ]
  const files = [...new Set(outcomes.map((test) => test.file))].sort()
  for (const file of files) {
    const t = totalsOf(outcomes.filter((test) => test.file === file))
    lines.push(`| [${file}](#${anchor(file)}) | ${t.passed} | ${t.failed} | ${t.notApplicable} |`)
  }
  lines.push(`| **total** | **${totals.passed}** | **${totals.failed}** | **${totals.notApplicable}** |`, '')
  for (const file of files) {
    const tests = outcomes.filter((test) => test.file === file)
    const t = totalsOf(tests)
    lines.push(`## ${file}`, '', `${t.passed} passed, ${t.failed} failed, ${t.notApplicable} not applicable.`, '')
    const notApplicableGroups = new Map<string, string[]>()
    for (const test of tests) {
      if (test.outcome.status === 'not applicable') notApplicableGroups.set(test.outcome.why, [...(notApplicableGroups.get(test.outcome.why) ?? []), test.fullName])
    }
    const rows = tests.filter((test) => test.outcome.status !== 'not applicable')
    if (rows.length > 0) {
      lines.push('| test | result | KafkaJS | why it fails |', '| --- | --- | --- | --- |')
      for (const test of rows) {
        const why = test.outcome.status === 'failed' ? `${test.outcome.known ? '(known) ' : ''}${test.outcome.why}` : ''
        const result = test.outcome.status === 'passed' && test.retries > 0 ? 'passed on a retry' : test.outcome.status
        lines.push(`| ${cell(test.fullName)} | ${result} | ${test.kafkajs} | ${cell(why)} |`)
      }
      lines.push('')
    }
    for (const [why, names] of notApplicableGroups) {
      lines.push(`Not applicable (${names.length}): ${why}`, '')
      for (const name of names) lines.push(`- ${name}`)
      lines.push('')
    }
  }
  const retried = meta.retried ?? []
  if (retried.length > 0) {
    lines.push('## Retried tests', '', 'Listed in `tools/kafkajs-specs/retried-tests.json`; their spec files run with one Jest retry.', '')
    lines.push('| test | retries in this run | why it is retried |', '| --- | ---: | --- |')
    for (const entry of retried) {
      const ran = outcomes.find((test) => test.file === entry.file && test.fullName === entry.fullName)
      lines.push(`| ${cell(`${entry.file} > ${entry.fullName}`)} | ${ran?.retries ?? 0} | ${cell(entry.reason)} |`)
    }
    lines.push('')
  }
  return `${lines.join('\n').trimEnd()}\n`
}

const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')

/** The vitest JSON-reporter shape scripts/test-summary.mjs reads: applicable tests only. */
export function vitestReport(outcomes: readonly TestOutcome[], report: JestReport | undefined, specsDir: string) {
  const applicable = outcomes.filter((test) => test.outcome.status !== 'not applicable' && !(test.outcome.status === 'failed' && test.outcome.known))
  const files = [...new Set(applicable.map((test) => test.file))].sort()
  const testResults = files.map((file) => {
    const tests = applicable.filter((test) => test.file === file)
    return {
      name: `${specsDir}/${file}`,
      status: tests.every((test) => test.outcome.status === 'passed') ? 'passed' : 'failed',
      message: '',
      assertionResults: tests.map((test) => ({
        ancestorTitles: [file],
        title: test.fullName,
        fullName: `${file} ${test.fullName}`,
        status: test.outcome.status === 'passed' ? 'passed' : 'failed',
        duration: test.durationMs,
        failureMessages: test.outcome.status === 'failed' ? [test.outcome.why, ...test.failureMessages] : [],
      })),
    }
  })
  const passed = applicable.filter((test) => test.outcome.status === 'passed').length
  const failed = applicable.length - passed
  return {
    numTotalTestSuites: testResults.length,
    numPassedTestSuites: testResults.filter((file) => file.status === 'passed').length,
    numFailedTestSuites: testResults.filter((file) => file.status === 'failed').length,
    numPendingTestSuites: 0,
    numTotalTests: applicable.length,
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: 0,
    numTodoTests: 0,
    startTime: report?.startTime ?? Date.now(),
    success: report !== undefined && failed === 0 && applicable.length > 0,
    testResults,
  }
}
