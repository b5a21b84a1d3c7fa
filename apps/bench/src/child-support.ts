/**
 * What a Node child of the live benchmarks needs besides the one client it runs: payloads, the
 * stopwatch and its scenario. It imports no Kafka client and nothing from this repository's
 * packages, so a child's resident set is Node, this module and the client it loads (see
 * node-children.ts); live-support.ts re-exports it for the parents and the other benches.
 */
import { readFileSync } from 'node:fs'

export const KEY_COUNT = 5000
export const VALUE_COUNT = 1000

/**
 * Keys (`user-00000042`, 13 bytes, KEY_COUNT distinct) and values (record-like JSON of `size`
 * bytes, VALUE_COUNT distinct, compressible as real payloads are) as Buffers: every client gets the
 * same bytes. Record i uses keys[i % KEY_COUNT] and values[i % VALUE_COUNT]; nothing is built per
 * record, so the payload itself adds nothing to the clients' memory.
 */
export function makePayloads(size: number): { keys: Buffer[]; values: Buffer[]; bytesPerRecord: number } {
  let seed = 0x2545f491
  const random = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const words = ['order', 'customer', 'amount', 'currency', 'EUR', 'status', 'shipped', 'pending', 'sku', 'price', 'quantity', 'warehouse']
  const values: Buffer[] = []
  for (let i = 0; i < VALUE_COUNT; i++) {
    let text = `{"id":${i}`
    while (text.length < size) text += `,"${words[Math.floor(random() * words.length)]}":"${Math.floor(random() * 1e9).toString(36)}"`
    values.push(Buffer.from(text.slice(0, size)))
  }
  const keys: Buffer[] = []
  for (let i = 0; i < KEY_COUNT; i++) keys.push(Buffer.from(`user-${String(i).padStart(8, '0')}`))
  return { keys, values, bytesPerRecord: keys[0]!.length + size }
}

/**
 * The process's peak resident set, MiB: `VmHWM` of /proc/self/status where it exists (Linux, as
 * the Go and Java peers report it), else `process.resourceUsage().maxRSS`. Not maxRSS on Linux:
 * the kernel carries a process's peak over fork and exec into `ru_maxrss`, so a child spawned by
 * a bench parent holding ~100 MiB reported at least that much whatever it used itself (an empty
 * Node child: maxRSS 96 MiB, VmHWM 41).
 */
export function peakRssMiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (match !== null) return Number(match[1]) / 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024
}

/** What every child measures over its timed window. */
export interface Measured {
  records: number
  payloadBytes: number
  seconds: number
  /** process.cpuUsage() over the timed window, user + system. */
  cpuSeconds: number
  cpuUserSeconds: number
  cpuSystemSeconds: number
  /** `peakRssMiB()`: the child's peak resident set over its whole life, MiB. */
  peakRssMiB: number
  /** Resident set when the timed window started (libraries loaded, connected, warmed up), MiB. */
  rssAtStartMiB: number
}

export class Stopwatch {
  private startedAt = 0
  private cpuAtStart: NodeJS.CpuUsage = { user: 0, system: 0 }
  private rssAtStart = 0

  start(): void {
    this.rssAtStart = process.memoryUsage.rss()
    this.cpuAtStart = process.cpuUsage()
    this.startedAt = performance.now()
  }

  get started(): boolean {
    return this.startedAt !== 0
  }

  stop(records: number, payloadBytes: number): Measured {
    const seconds = (performance.now() - this.startedAt) / 1000
    const cpu = process.cpuUsage(this.cpuAtStart)
    return {
      records,
      payloadBytes,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      peakRssMiB: peakRssMiB(),
      rssAtStartMiB: this.rssAtStart / 1024 / 1024,
    }
  }
}

/** The scenario passed to this process, if it is a child. */
export function scenarioArgument<T>(): T | undefined {
  const argument = process.argv.find((arg) => arg.startsWith('--scenario='))
  return argument === undefined ? undefined : (JSON.parse(argument.slice('--scenario='.length)) as T)
}
