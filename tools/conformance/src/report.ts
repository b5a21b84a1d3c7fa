// Reports: the vitest-JSON shape .ci/suites expect, and the table of packages/protocol/CONFORMANCE.md.
import { readFileSync, writeFileSync } from 'node:fs'
import type { BatchCounts } from './batches.js'
import type { Counts, Failure, Target } from './messages.js'

interface Assertion {
  fullName: string
  status: 'passed' | 'failed'
  failureMessages: string[]
}

/** One test per target × version and per record-batch family, so a failure names what broke. */
export function writeVitestJson(file: string, counts: Counts, batches: BatchCounts | null, failures: Failure[], setup: string[], startTime: number): void {
  const byKey = new Map<string, string[]>()
  for (const failure of failures) {
    const key = failure.kind === 'record-batch-differs' ? failure.target : `${failure.target} v${failure.version}`
    const list = byKey.get(key) ?? []
    if (list.length < 3) list.push(`#${failure.index} ${failure.kind}: ${failure.detail} (replay: npm run conformance -- --seed ${failure.seed} --only ${failure.target}@${failure.version} --index ${failure.index})`)
    byKey.set(key, list)
  }
  const assertions: Assertion[] = []
  for (const [target, perVersion] of counts) {
    for (const [version, count] of perVersion) {
      const messages = byKey.get(`${target} v${version}`) ?? []
      assertions.push({
        fullName: `conformance ${target} v${version} (${count.checked} messages)`,
        status: count.failed === 0 && messages.length === 0 ? 'passed' : 'failed',
        failureMessages: messages,
      })
    }
  }
  for (const [family, count] of batches?.cases ?? []) {
    const messages = byKey.get(`RecordBatch ${family}`) ?? []
    assertions.push({ fullName: `conformance RecordBatch ${family} (${count.checked} batches)`, status: count.failed === 0 ? 'passed' : 'failed', failureMessages: messages })
  }
  for (const problem of setup) assertions.push({ fullName: `conformance setup: ${problem}`, status: 'failed', failureMessages: [problem] })
  const failed = assertions.filter((a) => a.status === 'failed').length
  const report = {
    numTotalTestSuites: 1,
    numPassedTestSuites: failed === 0 ? 1 : 0,
    numFailedTestSuites: failed === 0 ? 0 : 1,
    numPendingTestSuites: 0,
    numTotalTests: assertions.length,
    numPassedTests: assertions.length - failed,
    numFailedTests: failed,
    numPendingTests: 0,
    numTodoTests: 0,
    startTime,
    success: failed === 0,
    testResults: [
      {
        name: 'tools/conformance (kafka-clients 4.3.1 serializers)',
        status: failed === 0 ? 'passed' : 'failed',
        startTime,
        endTime: Date.now(),
        message: '',
        assertionResults: assertions.map((a) => ({ ancestorTitles: ['conformance'], title: a.fullName, ...a })),
      },
    ],
  }
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
}

const BEGIN = '<!-- conformance-table:begin (written by `npm run conformance -- --markdown packages/protocol/CONFORMANCE.md`) -->'
const END = '<!-- conformance-table:end -->'

function versionsText(versions: number[]): string {
  if (versions.length === 0) return '—'
  return versions.length === 1 ? `${versions[0]}` : `${versions[0]}–${versions[versions.length - 1]}`
}

/** Rewrites the generated table between the markers of `file`. */
export function writeMarkdown(file: string, counts: Counts, batches: BatchCounts | null, targets: Target[], options: { seed: string; perVersion: number }): void {
  const rows = new Map<string, { request: number[]; response: number[]; data: number[]; messages: number; failed: number; rejected: number }>()
  for (const target of targets) {
    const row = rows.get(target.row) ?? { request: [], response: [], data: [], messages: 0, failed: 0, rejected: 0 }
    rows.set(target.row, row)
    const perVersion = counts.get(target.name)
    for (const version of target.versions) {
      const count = perVersion?.get(version)
      if (count === undefined) continue
      row[target.direction].push(version)
      row.messages += count.checked
      row.failed += count.failed
      row.rejected += count.bothRejected
    }
  }
  const lines = [
    BEGIN,
    '',
    `Seed \`${options.seed}\`, ${options.perVersion} random messages per message type × version. Each message is checked four ways: our bytes = Java's bytes, Java's bytes decode (ours) to the generated value, our bytes decode (Java's) to Java's value, and both decoders consume every byte. One message in four also sets fields its version lacks; *refused by both* counts those that both sides refused to write (a non-ignorable field the version cannot carry) — refusing on one side only is a mismatch.`,
    '',
    '| API | request versions | response versions | messages checked | refused by both | mismatches |',
    '| --- | --- | --- | ---: | ---: | ---: |',
  ]
  let total = 0
  for (const [name, row] of rows) {
    total += row.messages
    if (row.data.length > 0) lines.push(`| ${name} | ${versionsText(row.data)} (structure) | — | ${row.messages} | ${row.rejected} | ${row.failed} |`)
    else lines.push(`| ${name} | ${versionsText(row.request)} | ${versionsText(row.response)} | ${row.messages} | ${row.rejected} | ${row.failed} |`)
  }
  lines.push('', `Total: ${total} messages.`)
  if (batches !== null) {
    lines.push(
      '',
      '| record batch family (codec/headers/producer/timestamp type) | batches | identical bytes | mismatches |',
      '| --- | ---: | ---: | ---: |',
    )
    for (const [family, count] of batches.cases) lines.push(`| ${family} | ${count.checked} | ${count.identicalBytes} | ${count.failed} |`)
  }
  lines.push('', END)
  const text = readFileSync(file, 'utf8')
  const begin = text.indexOf(BEGIN)
  const end = text.indexOf(END)
  if (begin < 0 || end < 0) throw new Error(`${file} lacks the conformance-table markers`)
  writeFileSync(file, text.slice(0, begin) + lines.join('\n') + text.slice(end + END.length))
}
