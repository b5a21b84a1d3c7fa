// Runs java/TxnTool.java (Kafka's own Java client, from the testkit's broker classpath) for the
// transaction tests: an independent read_committed reader and a Java transactional producer.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clusterInfo } from '@kafkats/testkit'

const toolPath = fileURLToPath(new URL('../java/TxnTool.java', import.meta.url))
const confDir = fileURLToPath(new URL('../../../tools/testkit/kafka-dist/conf/', import.meta.url))

let compiled: string | null = null

/** Compiles TxnTool once per test process (a source launch would compile on every run). */
function classesDir(libsDir: string, javaHome: string | undefined): string {
  if (compiled !== null) return compiled
  const dir = join(tmpdir(), `kafkats-txntool-${process.pid}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  execFileSync(javaHome ? `${javaHome}/bin/javac` : 'javac', ['-nowarn', '-d', dir, '-cp', `${libsDir}/*`, toolPath], { stdio: 'inherit' })
  if (!existsSync(join(dir, 'TxnTool.class'))) throw new Error('javac produced no TxnTool.class')
  compiled = dir
  return dir
}

export async function runTxnTool(args: string[]): Promise<string> {
  const cluster = clusterInfo()
  const classes = classesDir(cluster.libsDir, process.env.JAVA_HOME)
  const logging = cluster.kafkaVersion.startsWith('3.')
    ? `-Dlog4j.configuration=file:${confDir}tools-log4j.properties`
    : `-Dlog4j2.configurationFile=${confDir}log4j2-tools.properties`
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java'
  return new Promise((resolve, reject) => {
    const child = spawn(java, ['-Xmx512m', logging, '-cp', `${classes}:${cluster.libsDir}/*`, 'TxnTool', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('exit', (code) => {
      const stdout = Buffer.concat(out).toString('utf8')
      if (code === 0) resolve(stdout)
      else reject(new Error(`TxnTool ${args[0]} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`))
    })
  })
}

/** Every value a Java read_committed consumer finds in `topic` (all partitions, from the beginning to the LSO). */
export async function javaReadCommitted(topic: string): Promise<string[]> {
  const cluster = clusterInfo()
  const output = await runTxnTool(['read-committed', cluster.bootstrap.plaintext.join(','), topic])
  const lines = output.split('\n')
  const end = lines.findIndex((line) => line.startsWith('#END '))
  if (end < 0) throw new Error('TxnTool read-committed did not finish')
  const values = lines.slice(0, end)
  if (values.length !== Number(lines[end]!.slice(5))) throw new Error('TxnTool read-committed: count mismatch')
  return values
}
