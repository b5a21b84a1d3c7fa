// Merges the vitest JSON reports of the suites run against the fake cluster
// (KAFKATS_TEST_BACKEND=fake) into one report for .ci/run. A test on the list below exercises
// something the fake cluster deliberately does not have (a TLS or SASL listener, an authorizer, a
// disk): it is left out of the merged report and printed with its reason, whatever it did here; it
// runs, and counts, against the real cluster in the main pass. Every other test counts as it
// ended: a failure of the fake (a defect, not a missing feature) fails the run. An excluded test
// that passed stays in the report as passed and is printed, so the list only shrinks.
//
// The suite does not even run them (they would only spend time failing, e.g. DescribeLogDirs
// waits out its retries): `--vitest-args <package>` prints the vitest arguments that leave them out.
//
//   tsx src/fake-backend-report.ts <dir with <package>.json files> <output file>
//   tsx src/fake-backend-report.ts --vitest-args <package>   (one argument per line)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Tests that cannot apply to the fake cluster, by file suffix and a fullName prefix, with why. */
export const FAKE_BACKEND_NOT_APPLICABLE: ReadonlyArray<{ file: string; test: string; reason: string }> = [
  { file: 'connection/src/connection.integration.test.ts', test: 'BrokerConnection against the real cluster SASL', reason: 'no SASL listener (SaslHandshake/SaslAuthenticate not implemented)' },
  { file: 'connection/src/connection.integration.test.ts', test: 'BrokerConnection against the real cluster TLS', reason: 'no TLS listener' },
  { file: 'connection/src/diagnostics.integration.test.ts', test: 'diagnostics channels against the real cluster publishes SASL authentication', reason: 'no SASL listener: the authenticate events need SaslHandshake/SaslAuthenticate' },
  { file: 'connection/src/reauthentication.integration.test.ts', test: '', reason: 'KIP-368 re-authentication needs a SASL listener' },
  { file: 'metadata/src/cluster-metadata.integration.test.ts', test: 'ClusterMetadata against the real cluster reports a topic the principal may not describe', reason: 'no ACLs/authorizer (CreateAcls not implemented) and no SASL principal' },
  { file: 'admin/src/security.integration.test.ts', test: 'ACLs', reason: 'ACLs and an authorizer are not implemented' },
  { file: 'admin/src/security.integration.test.ts', test: 'SCRAM credentials creates a user that can then authenticate', reason: 'SCRAM users and SASL are not implemented' },
  { file: 'admin/src/security.integration.test.ts', test: 'client quotas', reason: 'client quotas are not implemented' },
  { file: 'admin/src/cluster.integration.test.ts', test: 'cluster describes the cluster: id, controller, brokers with racks, authorized operations', reason: 'no authorizer: no cluster authorized operations' },
  { file: 'admin/src/cluster.integration.test.ts', test: 'cluster describes log dirs', reason: 'DescribeLogDirs not implemented (no disk)' },
  { file: 'admin/src/topics.integration.test.ts', test: 'topics creates topics, describes them with leaders, epochs and racks, and lists them', reason: 'expects the internal __consumer_offsets topic; the fake keeps offsets without internal topics' },
  { file: 'admin/src/topics.integration.test.ts', test: 'configs describes topic and broker configs with sources, synonyms and read-only flags', reason: 'broker configs are a small fixed set (no synonyms chain, no read-only/static distinction)' },
  { file: 'kafkats/src/boundary.integration.test.ts', test: 'What happens when… (README table) a plaintext client on a TLS port', reason: 'no TLS listener' },
  { file: 'kafkats/src/telemetry/client-telemetry.integration.test.ts', test: '', reason: 'KIP-714 client telemetry (GetTelemetrySubscriptions, PushTelemetry, client-metrics configs) and a telemetry receiver are not implemented' },
]

interface Assertion {
  fullName: string
  status: string
  failureMessages?: string[]
  [key: string]: unknown
}

interface FileResult {
  name: string
  status: string
  assertionResults: Assertion[]
  [key: string]: unknown
}

interface Report {
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  success: boolean
  testResults: FileResult[]
}

function notApplicable(file: string, test: string): string | undefined {
  return FAKE_BACKEND_NOT_APPLICABLE.find((e) => file.endsWith(e.file) && test.startsWith(e.test))?.reason
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * vitest arguments for one package's run: `--exclude` for whole files that do not apply, and a
 * test name pattern (vitest matches it against the names joined by spaces, as in the report's
 * fullName) that skips the tests whose names start with a not-applicable prefix.
 */
function vitestArgs(pkg: string): string[] {
  const entries = FAKE_BACKEND_NOT_APPLICABLE.filter((e) => e.file.startsWith(`${pkg}/`))
  const args = entries.filter((e) => e.test === '').map((e) => `--exclude=**/${e.file.slice(pkg.length + 1)}`)
  const prefixes = entries.filter((e) => e.test !== '').map((e) => escapeRegExp(e.test))
  if (prefixes.length > 0) args.push(`--testNamePattern=^(?!(?:${prefixes.join('|')}))`)
  return args
}

function main(): void {
  if (process.argv[2] === '--vitest-args') {
    for (const arg of vitestArgs(process.argv[3] ?? '')) process.stdout.write(`${arg}\n`)
    return
  }
  const [dir, output] = process.argv.slice(2)
  if (dir === undefined || output === undefined) throw new Error('usage: fake-backend-report <report dir> <output file>')
  const merged: Report = { numTotalTests: 0, numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, success: true, testResults: [] }
  const notes: string[] = []
  const leftOut: string[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const report = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Report
    for (const file of report.testResults) {
      const shortName = file.name.split('/packages/')[1] ?? file.name
      // A file that failed to load (no assertions) is a failure, unless the whole file is not applicable.
      const loadFailed = file.assertionResults.length === 0 && file.status !== 'passed'
      if (loadFailed && notApplicable(file.name, '') !== undefined) {
        leftOut.push(`${shortName} (did not load): ${notApplicable(file.name, '')!}`)
        continue
      }
      // A hook (beforeAll/afterAll) that threw fails the file without a failed test: keep that failure.
      const failedOutside = !loadFailed && file.status !== 'passed' && file.assertionResults.every((a) => a.status !== 'failed')
      const kept: Assertion[] = []
      for (const assertion of file.assertionResults) {
        const reason = notApplicable(file.name, assertion.fullName)
        if (reason !== undefined && assertion.status !== 'passed') {
          leftOut.push(`${shortName} > ${assertion.fullName} (${assertion.status} here): ${reason}`)
          continue
        }
        if (reason !== undefined) notes.push(`not applicable but passed (remove it from FAKE_BACKEND_NOT_APPLICABLE): ${assertion.fullName}`)
        kept.push(assertion)
        merged.numTotalTests++
        if (assertion.status === 'passed') merged.numPassedTests++
        else if (assertion.status === 'failed') merged.numFailedTests++
        else merged.numPendingTests++
        if (assertion.status === 'failed') notes.push(`FAILED on the fake cluster: ${shortName} > ${assertion.fullName}`)
        else if (assertion.status !== 'passed') notes.push(`did not run on the fake cluster (${assertion.status}): ${shortName} > ${assertion.fullName}`)
      }
      if (kept.length === 0 && !loadFailed) continue
      file.assertionResults = kept
      file.status = loadFailed || failedOutside || kept.some((a) => a.status === 'failed') ? 'failed' : 'passed'
      if (loadFailed || failedOutside) {
        merged.numFailedTests++
        notes.push(`FAILED ${loadFailed ? 'to load' : 'outside any test'} on the fake cluster: ${shortName}`)
      }
      merged.testResults.push(file)
    }
  }
  merged.success = merged.numFailedTests === 0 && merged.numPendingTests === 0 && merged.numTotalTests > 0
  writeFileSync(output, JSON.stringify(merged))
  for (const entry of FAKE_BACKEND_NOT_APPLICABLE) {
    process.stdout.write(`not applicable to the fake cluster, not run here (runs against the real cluster): ${entry.file}${entry.test === '' ? ' (whole file)' : ` > ${entry.test}…`}: ${entry.reason}\n`)
  }
  for (const line of leftOut) process.stdout.write(`left out of the report: ${line}\n`)
  for (const note of notes) process.stdout.write(`${note}\n`)
  process.stdout.write(
    `fake backend: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, ${merged.numPendingTests} did not run, ${leftOut.length} not applicable and left out\n`,
  )
  if (!merged.success) process.exitCode = 1
}

main()
