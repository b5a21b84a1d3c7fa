/**
 * The non-Node peers of the produce and consume benches (produce.bench.ts, consume.bench.ts):
 * franz-go (apps/bench/go/perf, built with `go build`) and Kafka's Java client (apps/bench/java/PerfBench.java,
 * compiled with `javac` against the testkit's cached jars, the cluster's own version). Both are
 * built once per bench run into apps/bench/.cache/perf (ignored by git). A peer that cannot be built
 * is reported with why, never silently left out.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clusterInfo } from '@kafkats/testkit'
import { makePayloads } from './live-support.js'

/** franz-go as pinned in apps/bench/go/go.mod. */
export const FRANZ_GO_VERSION = 'v1.22.3'
/** The Java peer's heap: the same as the cluster's brokers and the repository's other Java tools. */
const JAVA_HEAP = '-Xmx512m'

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const cacheDir = join(benchDir, '.cache', 'perf')
const confDir = join(benchDir, '..', '..', 'tools', 'testkit', 'kafka-dist', 'conf')
const javaBin = (tool: string): string => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', tool) : tool)

/** A built peer: the command line of a run (arguments after the mode), or why it cannot run. */
export interface Peer {
  version: string
  unavailable?: string
  command?: (args: string[]) => { command: string; args: string[] }
}

function errorText(error: unknown): string {
  const e = error as { message?: string; stderr?: Buffer | string }
  return `${e.message ?? String(error)}${e.stderr !== undefined && e.stderr.length > 0 ? `\n${String(e.stderr).slice(-1500)}` : ''}`
}

/** `go build` of apps/bench/go/perf (franz-go pinned in go.mod/go.sum; the first build downloads it through the Go module proxy). */
export function buildFranzGo(): Peer {
  const binary = join(cacheDir, 'franz-go-perfbench')
  try {
    mkdirSync(cacheDir, { recursive: true })
    execFileSync('go', ['build', '-mod=readonly', '-o', binary, './perf'], { cwd: join(benchDir, 'go'), stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    return { unavailable: `go build ./perf in apps/bench/go failed: ${errorText(error)}`, version: FRANZ_GO_VERSION }
  }
  return { version: FRANZ_GO_VERSION, command: (args) => ({ command: binary, args }) }
}

/** `javac` of apps/bench/java/PerfBench.java against the testkit's cached Kafka jars. */
export function buildJava(): Peer {
  const cluster = clusterInfo()
  const clientsJar = existsSync(cluster.libsDir) ? readdirSync(cluster.libsDir).find((name) => /^kafka-clients-[\d.]+\.jar$/.test(name)) : undefined
  const version = clientsJar?.replace(/^kafka-clients-|\.jar$/g, '') ?? 'unknown'
  const classes = join(cacheDir, 'java')
  try {
    if (clientsJar === undefined) throw new Error(`no kafka-clients jar in ${cluster.libsDir} (start the cluster once: npm run kafka:up)`)
    mkdirSync(classes, { recursive: true })
    execFileSync(javaBin('javac'), ['-nowarn', '-d', classes, '-cp', `${cluster.libsDir}/*`, join(benchDir, 'java', 'PerfBench.java')], { stdio: ['ignore', 'pipe', 'pipe'] })
    if (!existsSync(join(classes, 'PerfBench.class'))) throw new Error('javac produced no PerfBench.class')
  } catch (error) {
    return { unavailable: `javac of apps/bench/java/PerfBench.java failed: ${errorText(error)}`, version }
  }
  // Kafka 3.x logs through log4j 1, 4.x through log4j2: the distribution's tools configuration keeps the client quiet.
  const logging = cluster.kafkaVersion.startsWith('3.') ? `-Dlog4j.configuration=file:${join(confDir, 'tools-log4j.properties')}` : `-Dlog4j2.configurationFile=${join(confDir, 'log4j2-tools.properties')}`
  const base = [JAVA_HEAP, logging, '-cp', `${classes}:${cluster.libsDir}/*`, 'PerfBench']
  return { version, command: (args) => ({ command: javaBin('java'), args: [...base, ...args] }) }
}

/** The same keys and values as `makePayloads`, one per line (ASCII JSON without newlines), for the Java and Go peers. */
export function writePayloadFiles(size: number): { keys: string; values: string } {
  const { keys, values } = makePayloads(size)
  const dir = join(cacheDir, `payload-${size}`)
  mkdirSync(dir, { recursive: true })
  const files = { keys: join(dir, 'keys.txt'), values: join(dir, 'values.txt') }
  for (const buffer of [...keys, ...values]) if (buffer.includes(0x0a)) throw new Error('a payload contains a newline')
  writeFileSync(files.keys, `${keys.map((key) => key.toString('latin1')).join('\n')}\n`)
  writeFileSync(files.values, `${values.map((value) => value.toString('latin1')).join('\n')}\n`)
  return files
}

/** `java -version` (printed to stderr) and `go version`, for the results' environment lines. */
export function toolVersions(): string {
  const { stderr } = spawnSync(javaBin('java'), ['-version'], { encoding: 'utf8' })
  let go = 'go not found'
  try {
    go = execFileSync('go', ['version'], { encoding: 'utf8' }).trim()
  } catch {
    // reported as not found
  }
  return `${stderr?.split('\n')[0]?.trim() || 'java not found'}; ${go}`
}

/** Prints a message that a reader of the log cannot miss (a peer that did not run, a failed run). */
export function loud(message: string): void {
  process.stderr.write(`\n!!!!!!!!!!\n!!! ${message.split('\n').join('\n!!! ')}\n!!!!!!!!!!\n\n`)
}
