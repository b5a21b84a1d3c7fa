/**
 * How the produce and consume benches start their Node children (produce-child.ts,
 * consume-child.ts, empty-child.ts), in one of two runtimes:
 *
 * - `built` (the default): what a user runs. The repository's packages are built first
 *   (`turbo run build`, tsup: dist/*.js, ESM), the child scripts are compiled by esbuild into
 *   apps/bench/.cache/children/*.mjs with every package left as an import, and the child runs
 *   under plain `node`, so `@kafkats/*` resolve through their exports maps to dist/ (no
 *   `@kafkats/source` condition) and no TypeScript loader is in the process.
 * - `sources` (`--from-sources`): the children run the TypeScript sources through tsx with the
 *   `@kafkats/source` condition (the parent's own loader flags), as a developer edits them; no
 *   build. tsx's loader (a second V8 isolate on a loader thread) is then part of every child's RSS.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { type ChildOutcome, flag, spawnMeasured } from './live-support.js'

export type ChildRuntime = 'built' | 'sources'
export type ChildEntry = 'produce-child' | 'consume-child' | 'empty-child'

const srcDir = dirname(fileURLToPath(import.meta.url))
const benchDir = join(srcDir, '..')
const repoDir = join(benchDir, '..', '..')
const outDir = join(benchDir, '.cache', 'children')

/** The packages the children import, built (with what they depend on) before a `built` run. */
const CHILD_PACKAGES = ['@kafkats/producer-sink', '@kafkats/consumer', '@kafkats/kafkajs']

export interface NodeChildren {
  runtime: ChildRuntime
  /** For the results' Libraries line: how kafkats and @kafkats/kafkajs were loaded. */
  description: string
  run<T>(entry: ChildEntry, scenario: object, nodeArgs?: string[]): Promise<ChildOutcome<T>>
}

/** The runtime the command line asks for: `--from-sources` or (default) the built packages. */
export function childRuntimeFromArgs(): ChildRuntime {
  return flag('from-sources') ? 'sources' : 'built'
}

/** Builds what the children need (for `built`) and returns how to start them. */
export function prepareNodeChildren(runtime: ChildRuntime): NodeChildren {
  if (runtime === 'sources') {
    return {
      runtime,
      description: 'this repo, run from their TypeScript sources through tsx (`--from-sources`)',
      run: (entry, scenario, nodeArgs = []) => spawnMeasured(process.execPath, [...nodeArgs, ...process.execArgv, join(srcDir, `${entry}.ts`), `--scenario=${JSON.stringify(scenario)}`], `${entry} ${JSON.stringify(scenario)}`),
    }
  }
  process.stdout.write(`building ${CHILD_PACKAGES.join(', ')} and their dependencies (turbo, cached when unchanged) ...\n`)
  execFileSync('npx', ['turbo', 'run', 'build', ...CHILD_PACKAGES.map((name) => `--filter=${name}`), '--output-logs=errors-only'], { cwd: repoDir, stdio: ['ignore', 'ignore', 'inherit'] })
  mkdirSync(outDir, { recursive: true })
  // bundle: true inlines the bench's own modules (child-support.ts, produce-settings.ts);
  // packages: 'external' keeps every package an import, resolved by Node at run time.
  buildSync({
    entryPoints: ['produce-child', 'consume-child', 'empty-child'].map((entry) => join(srcDir, `${entry}.ts`)),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'warning',
  })
  return {
    runtime,
    description: 'this repo, built with tsup (dist/*.js, ESM) and run by plain `node`, no TypeScript loader',
    run: (entry, scenario, nodeArgs = []) => spawnMeasured(process.execPath, [...nodeArgs, join(outDir, `${entry}.mjs`), `--scenario=${JSON.stringify(scenario)}`], `${entry} ${JSON.stringify(scenario)}`),
  }
}

/** What empty-child.ts prints. */
export interface EmptyChildResult {
  rssMiB: number
  peakRssMiB: number
}

/** The median (lower middle) of the empty child's runs at one value size, or undefined when none ran. */
export function emptyChildMedian(runs: Array<{ size: number; result: EmptyChildResult }>, size: number): EmptyChildResult | undefined {
  const sorted = runs.filter((run) => run.size === size).map((run) => run.result).sort((a, b) => a.peakRssMiB - b.peakRssMiB)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

/** The results' sentence on what a Node child holds, so the RSS columns read for what they are. */
export function nodeChildRssNote(children: NodeChildren | undefined): string {
  if (children === undefined) return ''
  const runtime =
    children.runtime === 'built'
      ? 'plain `node` running a script compiled by esbuild, kafkats and @kafkats/kafkajs from their tsup build (dist, ESM)'
      : 'Node with tsx (whose loader thread is a second V8 isolate in the process), kafkats and @kafkats/kafkajs from their TypeScript sources'
  return ` Each Node child is ${runtime}, and loads only the client it runs (the others are never imported); the row "(empty Node child)" is the same runtime and harness with no client loaded, the floor under every Node client's RSS.`
}
