// Builds and drives the Java side (java/Conformance.java) against the kafka-clients jar of the
// testkit's Kafka distribution (fetched from Maven Central by tools/testkit when missing).
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureKafkaLibs, kafkaDist } from '@kafkats/testkit'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SOURCE = join(ROOT, 'java', 'Conformance.java')
const BUILD = join(ROOT, '.build')
/** The serializers under test are those of this kafka-clients release (the definitions' release). */
export const KAFKA_VERSION = '4.3.1'

/** Fetches the jars if needed and compiles Conformance.java when the class is older than its source. */
export async function prepareJava(log: (line: string) => void = () => {}): Promise<string> {
  const dist = kafkaDist(KAFKA_VERSION)
  await ensureKafkaLibs(dist, log)
  const classpath = [BUILD, join(dist.libsDir, '*')].join(delimiter)
  const compiled = join(BUILD, 'Conformance.class')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(BUILD, { recursive: true })
    log('compiling java/Conformance.java...')
    const result = spawnSync('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', join(dist.libsDir, '*'), '-d', BUILD, SOURCE], {
      encoding: 'utf8',
    })
    if (result.error !== undefined) throw new Error(`cannot run javac (a JDK 17+ is needed): ${result.error.message}`)
    if (result.status !== 0) throw new Error(`javac failed:\n${result.stdout}${result.stderr}`)
  }
  return classpath
}

/** One result line of the Java side, per item. */
export interface JavaResult {
  bytes?: string
  error: string | null
  oursEqual?: boolean
  oursError?: string
  oursJson?: unknown
  javaJson?: unknown
  oursDecoded?: JavaBatch[]
}

export interface JavaBatch {
  baseOffset: number
  lastOffset: number
  magic: number
  compression: string
  timestampType: string
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  partitionLeaderEpoch: number
  transactional: boolean
  control: boolean
  records: {
    offset: number
    timestamp: number
    key: string | null
    value: string | null
    headers: { key: string; value: string | null }[]
    controlType?: string
    coordinatorEpoch?: number
  }[]
}

/** The running Java process: one request line in, one result line out, strictly in turn. */
export class JavaSide {
  private readonly child: ChildProcessWithoutNullStreams
  private buffered = ''
  /** Callers awaiting a line, in the order their requests were written (Java answers in order). */
  private readonly waiting: ((line: string) => void)[] = []
  private failure: Error | null = null
  private stderr = ''

  constructor(classpath: string) {
    this.child = spawn('java', ['-Xss8m', '-XX:+UseSerialGC', '-cp', classpath, 'Conformance'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (chunk: string) => {
      this.buffered += chunk
      let newline = this.buffered.indexOf('\n')
      while (newline >= 0 && this.waiting.length > 0) {
        const line = this.buffered.slice(0, newline)
        this.buffered = this.buffered.slice(newline + 1)
        const waiting = this.waiting.shift() as (line: string) => void
        waiting(line)
        newline = this.buffered.indexOf('\n')
      }
    })
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)))
    const fail = (error: Error): void => {
      this.failure = error
      for (const waiting of this.waiting.splice(0)) waiting('')
    }
    this.child.on('exit', (code, signal) => fail(new Error(`the Java side exited (${signal ?? code}): ${this.stderr}`)))
    this.child.on('error', (error) => fail(new Error(`cannot start java: ${error.message}`)))
  }

  /** Sends `items` (already JSON text) and resolves with one result per item. Calls may overlap (pipelining). */
  async call(itemsJson: string[]): Promise<JavaResult[]> {
    if (this.failure !== null) throw this.failure
    const line = await new Promise<string>((resolveLine) => {
      this.waiting.push(resolveLine)
      this.child.stdin.write('{"items":[' + itemsJson.join(',') + ']}\n')
    })
    if (this.failure !== null) throw this.failure
    const results = (JSON.parse(line) as { results: JavaResult[] }).results
    if (results.length !== itemsJson.length) throw new Error(`the Java side answered ${results.length} of ${itemsJson.length} items`)
    return results
  }

  /** Ends the input and resolves with the JVM's CPU time in ms (as it reports on exit), or null. */
  async close(): Promise<number | null> {
    if (this.failure !== null) return null
    const exited = new Promise<void>((resolveExit) => this.child.once('exit', () => resolveExit()))
    this.child.stdin.end()
    await exited
    const match = /java-cpu-ms (\d+)/.exec(this.stderr)
    return match === null ? null : Number(match[1])
  }
}

/** Reads a definition from the kafka-clients jar (common/message/<name>.json). */
export function readDefinitionFromJar(classpath: string, names: readonly string[]): Map<string, string> {
  // `unzip` may be absent; the JDK's `jar` is there whenever javac is.
  const libs = classpath.split(delimiter)[1]?.replace(/\*$/, '') ?? ''
  const jar = join(libs, `kafka-clients-${KAFKA_VERSION}.jar`)
  const out = join(BUILD, 'messages')
  if (!existsSync(join(out, 'common', 'message', 'FetchRequest.json'))) {
    mkdirSync(out, { recursive: true })
    const result = spawnSync('jar', ['xf', jar, 'common/message/'], { cwd: out, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`cannot extract the definitions from ${jar}: ${result.stderr}`)
  }
  const texts = new Map<string, string>()
  for (const name of names) texts.set(name, readFileSync(join(out, 'common', 'message', `${name}.json`), 'utf8'))
  return texts
}
