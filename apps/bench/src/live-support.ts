/**
 * Shared by the benchmarks that run against the real test cluster (produce.bench.ts,
 * consume.bench.ts, transactions.bench.ts): payloads, child processes, cluster helpers (topics, high watermarks, broker
 * CPU), environment lines and number formatting.
 */
import { execFile, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { readFileSync, readdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { clusterInfo } from '@kafkats/testkit'

const require = createRequire(import.meta.url)

export const FULL_RECORDS = 1_000_000
/** `BENCH_RECORDS` lowers the record count for a quick run. */
export const RECORDS = process.env.BENCH_RECORDS !== undefined ? Number(process.env.BENCH_RECORDS) : FULL_RECORDS
if (!Number.isSafeInteger(RECORDS) || RECORDS < 1) throw new Error(`BENCH_RECORDS must be a positive integer, got ${process.env.BENCH_RECORDS}`)

export const only = (name: string): string[] | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3).split(',')

/**
 * Rounds of the produce and consume benches: `--rounds=N`, by default one per client and at least
 * 3, so that the rotation puts every client at every position of a round once. A client runs
 * slower late in a round on the real cluster (the round's deleted segments and dirty pages are
 * still being written out), and 3 rounds of 7 clients gave one client positions 1, 7 and 6 and a
 * median from a late one (results/produce.md, 2026-12-05).
 */
export function rounds(clientCount: number): number {
  return Number(only('rounds')?.[0] ?? Math.max(3, clientCount))
}
export const flag = (name: string): boolean => process.argv.includes(`--${name}`)

export function bootstrapBrokers(): string[] {
  return clusterInfo().bootstrap.plaintext
}

export { KEY_COUNT, VALUE_COUNT, makePayloads, type Measured, Stopwatch, scenarioArgument } from './child-support.js'

let clusterNodeMarker: string | undefined

/** The cluster's JVMs below this share of one core are idle (three idle Kafka 4.3.1 JVMs measured 2–10% together). */
export const IDLE_JVM_SHARE = 0.2
export const SETTLE_WINDOW_MS = 250
export const SETTLE_MAX_MS = 15_000

/**
 * Waits until this cluster's Kafka JVMs use less than IDLE_JVM_SHARE of a core over a window (at
 * most SETTLE_MAX_MS); returns the wait in ms. After a heavy run the brokers go on working
 * (replication, deleting the topic, GC) on the cores the next client runs on.
 */
export async function settleBrokers(): Promise<number> {
  const t0 = performance.now()
  let last = brokerCpuSeconds()
  while (performance.now() - t0 < SETTLE_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS))
    const now = brokerCpuSeconds()
    if ((now - last) * 1000 < IDLE_JVM_SHARE * SETTLE_WINDOW_MS) break
    last = now
  }
  return performance.now() - t0
}


/** CPU seconds (user + system) of this test cluster's Kafka JVMs (not other clusters' on the machine), to show what the brokers used during a run. */
export function brokerCpuSeconds(): number {
  clusterNodeMarker ??= `kafkats.testkit.node=${clusterInfo().runDir}/`
  const tick = 100 // USER_HZ on Linux
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (!cmdline.includes(clusterNodeMarker) || !cmdline.includes('kafka.Kafka')) continue
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      total += (Number(fields[11]) + Number(fields[12])) / tick // utime, stime
    } catch {
      // the process went away
    }
  }
  return total
}

/** Kafka JVMs on this machine that are not this test cluster's (e.g. another checkout's test cluster). */
export function otherKafkaJvms(): number {
  clusterNodeMarker ??= `kafkats.testkit.node=${clusterInfo().runDir}/`
  let count = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes('kafka.Kafka') && !cmdline.includes(clusterNodeMarker)) count++
    } catch {
      // the process went away
    }
  }
  return count
}

export interface ChildOutcome<T> {
  result: T
  /** 1-minute load average sampled every second while the child ran: min, mean, max. */
  load: { min: number; mean: number; max: number }
  /** CPU seconds the three Kafka JVMs used while the child ran (whole child life, setup included). */
  brokerCpuSeconds: number
  wallSeconds: number
  /** Most Kafka JVMs of other clusters seen at the start or end of the child. */
  otherKafkaJvms: number
}

/**
 * Runs `file` again in a child process (same loader flags, so TypeScript sources load the same way)
 * with `--scenario=<json>`; the child prints its result as JSON on its last stdout line.
 */
export function forkChild<T>(file: string, scenario: object, nodeArgs: string[] = []): Promise<ChildOutcome<T>> {
  return spawnMeasured<T>(process.execPath, [...nodeArgs, ...process.execArgv, file, `--scenario=${JSON.stringify(scenario)}`], JSON.stringify(scenario))
}

/**
 * Runs any program (a Node child, a JVM, a Go binary) that prints its result as JSON on its last
 * stdout line, and measures around it: load average, the brokers' CPU, other Kafka JVMs.
 */
export function spawnMeasured<T>(command: string, args: string[], label: string, env: Record<string, string> = {}): Promise<ChildOutcome<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const brokerCpuAtStart = brokerCpuSeconds()
    const othersAtStart = otherKafkaJvms()
    const loads: number[] = [loadavg()[0]!]
    const sampler = setInterval(() => loads.push(loadavg()[0]!), 1000)
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', (error) => {
      clearInterval(sampler)
      reject(error)
    })
    child.on('close', (code) => {
      clearInterval(sampler)
      loads.push(loadavg()[0]!)
      const last = output.trim().split('\n').pop() ?? ''
      if (code !== 0) {
        reject(new Error(`child ${label} exited with ${code}: ${output.slice(-2000)}`))
        return
      }
      let result: T
      try {
        result = JSON.parse(last) as T
      } catch {
        reject(new Error(`child ${label} printed no JSON result: ${output.slice(-2000)}`))
        return
      }
      resolve({
        result,
        load: { min: Math.min(...loads), mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) },
        brokerCpuSeconds: brokerCpuSeconds() - brokerCpuAtStart,
        wallSeconds: (performance.now() - started) / 1000,
        otherKafkaJvms: Math.max(othersAtStart, otherKafkaJvms()),
      })
    })
  })
}

/** A kafkats admin client for setup and verification (never inside a timed window). */
export class BenchAdmin {
  readonly pool = new ConnectionPool({ clientId: 'kafkats-bench-admin' })
  readonly metadata: ClusterMetadata
  readonly admin: Admin

  constructor(bootstrap: string[]) {
    this.metadata = new ClusterMetadata({ bootstrapBrokers: bootstrap, pool: this.pool })
    this.admin = new Admin({ metadata: this.metadata, pool: this.pool })
  }

  async createTopic(topic: string, partitions: number, replicationFactor: number): Promise<void> {
    const [created] = await this.admin.createTopics([{ topic, partitions, replicationFactor }])
    if (created?.error !== undefined) throw created.error
  }

  async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic)
  }

  async deleteTopic(topic: string): Promise<void> {
    const [deleted] = await this.admin.deleteTopics([topic])
    if (deleted?.error !== undefined) throw deleted.error
  }

  /** Sum over partitions of (high watermark - log start offset), and the per-partition high watermarks. */
  async recordCount(topic: string): Promise<{ total: number; perPartition: number[] }> {
    const latest = await this.admin.listOffsets({ [topic]: 'latest' })
    const earliest = await this.admin.listOffsets({ [topic]: 'earliest' })
    const perPartition: number[] = []
    for (const [partition, offset] of Object.entries(latest[topic] ?? {})) {
      if (offset.error !== undefined) throw offset.error
      const start = earliest[topic]?.[Number(partition)]
      if (start === undefined || start.error !== undefined) throw start?.error ?? new Error(`no earliest offset for ${topic}-${partition}`)
      perPartition[Number(partition)] = Number(offset.offset - start.offset)
    }
    return { total: perPartition.reduce((a, b) => a + b, 0), perPartition }
  }

  close(): void {
    this.metadata.close()
    this.pool.close()
  }
}

/** A dependency's version from its package.json (found next to its resolved entry point; exports maps may hide it). */
export function packageVersion(name: string): string {
  let directory = dirname(require.resolve(name))
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (manifest.name === name) return manifest.version ?? 'unknown'
    } catch {
      // keep going up
    }
    const parent = dirname(directory)
    if (parent === directory) return 'unknown'
    directory = parent
  }
}

export function environmentLines(command: string, kafkaVersion: string, libraries = `kafkats (this repo, run from its TypeScript sources through tsx), @platformatic/kafka ${packageVersion('@platformatic/kafka')}, kafkajs ${packageVersion('kafkajs')}`): string[] {
  return [
    `- Command: \`${command}\` (from the repository root)`,
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version} (${process.platform}/${process.arch})`,
    `- CPU: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), shared by the client, the three Kafka ${kafkaVersion} brokers (JVMs, 512 MiB heap each) and whatever else runs on the machine; load average at the end: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')}`,
    `- Libraries: ${libraries}`,
  ]
}

export const fmt = {
  int: (n: number): string => Math.round(n).toLocaleString('en-US'),
  rate: (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`),
  mb: (n: number): string => n.toFixed(1),
  s: (n: number): string => n.toFixed(1),
  ratio: (n: number): string => `${n.toFixed(2)}×`,
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The kernel's dirty page cache in MiB (`Dirty:` of /proc/meminfo), or null where there is none. */
function dirtyMiB(): number | null {
  try {
    const match = /^Dirty:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))
    return match === null ? null : Number(match[1]) / 1024
  } catch {
    return null
  }
}

/**
 * Writes the page cache's dirty pages to disk (`sync`) and waits for it. A 1 KiB produce run
 * leaves ~0.9 GB (300,000 records, replication factor 3) in the brokers' page cache; left alone,
 * the kernel writes it back while the next clients run (past vm.dirty_background_ratio, or after
 * 30 s), and on the 2026-12-03 run every client's records/s fell with its position in the round
 * (the first client of a round up to 2× the last). Flushing between runs starts every client
 * from a clean page cache.
 */
export async function flushWriteBack(): Promise<{ seconds: number; dirtyMiB: number | null }> {
  const dirty = dirtyMiB()
  const started = performance.now()
  await new Promise<void>((resolve) => execFile('sync', (error) => {
    if (error !== null) process.stderr.write(`bench: sync failed (${error.message}); the next run may pay for this one's write-back\n`)
    resolve()
  }))
  return { seconds: (performance.now() - started) / 1000, dirtyMiB: dirty }
}
