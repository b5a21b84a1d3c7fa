// npm run conformance [-- options]: the whole differential check against kafka-clients.
//
//   --seed S           seed (default: "kafkats"); every message is replayable from it
//   --per-version N    random messages per target × version (default 200)
//   --nightly          2,000 per version and more large arrays
//   --only NAME[@V]    one target (FetchRequest, RequestHeader, ...) and optionally one version
//   --index I          only message I (with --only: replay one failure)
//   --skip-batches     no record batch part
//   --json FILE        write a vitest-JSON-shaped report (for .ci/suites)
//   --markdown FILE    rewrite the generated table of FILE (packages/protocol/CONFORMANCE.md)
import { resolve } from 'node:path'
import { checkBatches, type BatchCounts } from './batches.js'
import { JavaSide, prepareJava, readDefinitionFromJar } from './java.js'
import { type Counts, type Failure, type Target, allTargets, checkTarget, checkVersions, javaMs } from './messages.js'
import { writeMarkdown, writeVitestJson } from './report.js'
import { parseSpec } from './schema.js'
import { DEFAULT_GENERATE_OPTIONS } from './values.js'

interface Options {
  seed: string
  perVersion: number
  nightly: boolean
  only: string | null
  onlyVersion: number | null
  index: number | undefined
  batches: boolean
  json: string | null
  markdown: string | null
}

/** Paths are relative to where `npm run` was typed (npm runs the script in this workspace). */
function fromCaller(path: string): string {
  return resolve(process.env['INIT_CWD'] ?? process.cwd(), path)
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    seed: 'kafkats',
    perVersion: 200,
    nightly: false,
    only: null,
    onlyVersion: null,
    index: undefined,
    batches: true,
    json: null,
    markdown: null,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--seed') options.seed = value()
    else if (arg === '--per-version') options.perVersion = Number(value())
    else if (arg === '--nightly') {
      options.nightly = true
      options.perVersion = 2000
    } else if (arg === '--only') {
      const [name, version] = value().split('@')
      options.only = name ?? null
      options.onlyVersion = version === undefined ? null : Number(version)
    } else if (arg === '--index') options.index = Number(value())
    else if (arg === '--skip-batches') options.batches = false
    else if (arg === '--json') options.json = fromCaller(value())
    else if (arg === '--markdown') options.markdown = fromCaller(value())
    else throw new Error(`unknown option ${arg}`)
  }
  if (!Number.isInteger(options.perVersion) || options.perVersion < 1) throw new Error('--per-version must be a positive integer')
  return options
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const log = (line: string): void => void process.stderr.write(`conformance: ${line}\n`)
  const classpath = await prepareJava(log)
  let targets: Target[] = allTargets()
  if (options.only !== null) {
    targets = targets.filter((t) => t.name === options.only)
    if (targets.length === 0) throw new Error(`no target ${options.only}`)
    if (options.onlyVersion !== null) targets = targets.map((t) => ({ ...t, versions: t.versions.filter((v) => v === options.onlyVersion) }))
  }
  const texts = readDefinitionFromJar(classpath, [...new Set(targets.flatMap((t) => (t.direction === 'response' ? [t.name, `${t.row}Request`] : [t.name])))])
  const java = new JavaSide(classpath)
  const counts: Counts = new Map()
  const failures: Failure[] = []
  const setup: string[] = []
  const generate = options.nightly ? { largeArrayChance: 0.1, largeArrayDepth: 2 } : DEFAULT_GENERATE_OPTIONS
  try {
    for (const target of targets) {
      const spec = parseSpec(texts.get(target.name) as string)
      // a response's stable versions are its request's (only requests mark `latestVersionUnstable`)
      const requestSpec = target.direction === 'response' ? parseSpec(texts.get(`${target.row}Request`) as string) : spec
      const versionProblem = options.onlyVersion === null ? checkVersions(target, spec, requestSpec) : null
      if (versionProblem !== null) setup.push(versionProblem)
      await checkTarget(java, target, spec, { seed: options.seed, perVersion: options.perVersion, index: options.index, generate }, counts, failures)
    }
    let batchCounts: BatchCounts | null = null
    if (options.batches && options.only === null) batchCounts = await checkBatches(java, options.seed, options.nightly ? 40 : 10, failures)
    const elapsedMs = Date.now() - started
    let checked = 0
    for (const perVersion of counts.values()) for (const count of perVersion.values()) checked += count.checked
    log(`${checked} messages checked over ${targets.length} targets` + (batchCounts === null ? '' : `, ${batchCounts.checked} record batches`) + `, ${failures.length} failures, ${(elapsedMs / 1000).toFixed(1)} s (${(javaMs.value / 1000).toFixed(1)} s waiting for Java)`)
    const shown = new Map<string, number>()
    for (const failure of failures) {
      const key = `${failure.target}@${failure.version}/${failure.kind}`
      const n = shown.get(key) ?? 0
      shown.set(key, n + 1)
      if (n < 2) {
        log(`FAIL ${failure.target} v${failure.version} #${failure.index} ${failure.kind}: ${failure.detail.split('\n').slice(0, 4).join(' | ')}`)
        log(`     replay: npm run conformance -- --seed ${failure.seed} --only ${failure.target}@${failure.version} --index ${failure.index}`)
      }
    }
    for (const problem of setup) log(`FAIL ${problem}`)
    if (options.json !== null) writeVitestJson(options.json, counts, batchCounts, failures, setup, started)
    if (options.markdown !== null) writeMarkdown(options.markdown, counts, batchCounts, targets, options)
    return failures.length === 0 && setup.length === 0 ? 0 : 1
  } finally {
    const javaCpuMs = await java.close()
    const usage = process.cpuUsage()
    log(`CPU time: Node ${((usage.user + usage.system) / 1e6).toFixed(1)} s, Java ${javaCpuMs === null ? '?' : (javaCpuMs / 1000).toFixed(1)} s`)
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 2
  },
)
