// Kafka versions and the broker jars fetched from Maven Central (kafka-dist/pom.xml).
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** tools/testkit */
export const TESTKIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const DIST_DIR = join(TESTKIT_DIR, 'kafka-dist')
export const CONF_DIR = join(DIST_DIR, 'conf')

export const DEFAULT_KAFKA_VERSION = '4.3.1'
/** Newest 3.9.x on Maven Central (3.9.3 does not exist). */
export const KAFKA_39_VERSION = '3.9.2'

export interface KafkaDist {
  /** Exact Kafka version, e.g. '4.3.1' or '3.9.2'. */
  version: string
  /** '4' (log4j2 backend, KIP-848 on by default) or '3.9' (reload4j backend, KIP-848 preview). */
  line: '4' | '3.9'
  /** Maven profile in kafka-dist/pom.xml. */
  profile: 'kafka4' | 'kafka3'
  /** kafka-dist/libs-<version>: every jar of the broker classpath. */
  libsDir: string
}

/**
 * Resolves the Kafka version: explicit argument, else env KAFKA_VERSION, else 4.3.1.
 * Accepts '4.3.1', '4.3', '4' (all = 4.3.1), '3.9' or '3.9.2' (= 3.9.2), and any exact
 * 4.x.y or 3.9.x (fetched with the matching profile; untested beyond 4.3.1 and 3.9.2).
 */
export function resolveKafkaVersion(requested?: string): string {
  const raw = (requested ?? process.env['KAFKA_VERSION'] ?? '').trim()
  if (raw === '' || raw === '4' || raw === '4.3') return DEFAULT_KAFKA_VERSION
  if (raw === '3.9' || raw === '3') return KAFKA_39_VERSION
  if (/^4\.\d+\.\d+$/.test(raw) || /^3\.9\.\d+$/.test(raw)) return raw
  throw new Error(`unsupported KAFKA_VERSION '${raw}': use 4.3.1 (default) or 3.9`)
}

export function kafkaDist(requested?: string): KafkaDist {
  const version = resolveKafkaVersion(requested)
  const line = version.startsWith('3.') ? '3.9' : '4'
  return {
    version,
    line,
    profile: line === '4' ? 'kafka4' : 'kafka3',
    libsDir: join(DIST_DIR, `libs-${version}`),
  }
}

const MARKER = '.complete'

/** True when the libs dir carries the marker written after a complete, verified fetch. */
export function libsComplete(dist: KafkaDist): boolean {
  const marker = join(dist.libsDir, MARKER)
  if (!existsSync(marker)) return false
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { version?: string }
    return m.version === dist.version
  } catch {
    return false
  }
}

function verifyLibs(dir: string, dist: KafkaDist): string[] {
  const jars = readdirSync(dir).filter((f) => f.endsWith('.jar'))
  const need = [
    `kafka_2.13-${dist.version}.jar`,
    `kafka-clients-${dist.version}.jar`,
    `kafka-server-${dist.version}.jar`,
    'slf4j-api-1.7.36.jar',
  ]
  for (const n of need) {
    if (!jars.includes(n)) throw new Error(`fetched libs are incomplete: ${n} missing in ${dir}`)
  }
  const binding = dist.line === '4' ? /^log4j-slf4j-impl-/ : /^slf4j-reload4j-/
  if (!jars.some((j) => binding.test(j))) throw new Error(`no SLF4J binding (${binding}) in ${dir}`)
  const slf4j2 = jars.find((j) => /^slf4j-api-2\./.test(j))
  if (slf4j2) throw new Error(`${slf4j2} in ${dir}: slf4j 2.x would ignore the 1.x binding`)
  return jars
}

/**
 * Makes sure kafka-dist/libs-<version>/ holds the broker jars. When the marker file says the
 * dir is complete this returns at once without starting Maven; otherwise it runs
 * `mvn dependency:copy-dependencies` into libs-<version>.partial/, verifies the result, renames
 * it into place and writes the marker. Maven's own cache (~/.m2) makes a refetch cheap.
 */
export async function ensureKafkaLibs(
  dist: KafkaDist,
  log: (msg: string) => void = () => {},
): Promise<{ fetched: boolean; ms: number }> {
  if (libsComplete(dist)) return { fetched: false, ms: 0 }
  const t0 = Date.now()
  const partial = `${dist.libsDir}.partial`
  rmSync(partial, { recursive: true, force: true })
  log(`fetching Kafka ${dist.version} jars from Maven Central (mvn, profile ${dist.profile})...`)
  const args = [
    '-B',
    '-q',
    '-f',
    join(DIST_DIR, 'pom.xml'),
    '-P',
    dist.profile,
    `-Dkafka.version=${dist.version}`,
    `-Dlibs.dir=${partial}`,
    'dependency:copy-dependencies',
  ]
  const mvn = process.env['MVN'] ?? 'mvn'
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', (err) =>
      reject(new Error(`cannot run '${mvn}' (Maven is needed to fetch the Kafka jars once): ${err.message}`)),
    )
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise()
      else reject(new Error(`mvn ${args.join(' ')} failed (${signal ?? code}):\n${output.slice(-4000)}`))
    })
  })
  const jars = verifyLibs(partial, dist)
  rmSync(dist.libsDir, { recursive: true, force: true })
  renameSync(partial, dist.libsDir)
  const ms = Date.now() - t0
  writeFileSync(
    join(dist.libsDir, MARKER),
    JSON.stringify({ version: dist.version, jars: jars.length, fetchMs: ms, fetchedAt: new Date().toISOString() }) + '\n',
  )
  log(`fetched ${jars.length} jars in ${(ms / 1000).toFixed(1)} s -> ${dist.libsDir}`)
  return { fetched: true, ms }
}
