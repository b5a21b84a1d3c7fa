/**
 * @kafkats/fake against the real 3-node test cluster, doing what a user's test does:
 * 1. start time of a 3-broker fake cluster (3 TCP listeners ready), median and max of 20 starts;
 * 2. a round trip of 100,000 records (100-byte values): create a topic (3 partitions, RF 3),
 *    `sendBatch` the records in chunks of 10,000 (each awaited, as a test would), then a direct
 *    consumer reads from the earliest offsets to the end, then the topic is deleted. Timed from
 *    CreateTopics to the last record consumed. Each round runs every backend once, in a balanced
 *    order (roundOrder: no backend always runs first or after the same one), and records the load average before each run and
 *    the CPU this process used. With the real cluster up, every run (fake or real) starts once the
 *    JVMs are idle again (`settle`): after a real round the brokers go on working for a while
 *    (deleting the topic, flushing, replicating), and on 2 cores a fake run started then measured
 *    that work more than the fake. The JVMs' CPU during each fake run is recorded beside it.
 *
 * Backends: `fake` (the fake brokers in this process, sharing the client's event loop and heap,
 * the client connected over loopback TCP), `fake-memory` (the same, the client connected through
 * `cluster.socketFactory`: in memory, no kernel), `fake-thread` (`FakeCluster.start({ thread: true })`:
 * the brokers in a worker thread, over TCP) and `real` (the running test cluster, when it is up).
 *
 *   npm run -w @kafkats/bench bench:fake            (writes results/fake.md)
 *   BENCH_RECORDS=20000 BENCH_ROUNDS=2 npm run -w @kafkats/bench bench:fake -- --no-write --fake-only
 *
 * `--profile` records a V8 CPU profile of the round trips only (not the start times, not module
 * loading): `profiles/fake-<time>.cpuprofile`, read with `npx tsx src/cpu-profile-top.ts <file>`.
 * The in-process fake's profile holds client and brokers in one event loop, which is the point:
 * it shows which of the two the round trip waits on.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import type { SocketFactory } from '@kafkats/connection'
import { FakeCluster } from '@kafkats/fake'
import { clusterInfo, clusterStatus } from '@kafkats/testkit'
import { IDLE_JVM_SHARE, SETTLE_MAX_MS, SETTLE_WINDOW_MS, brokerCpuSeconds, settleBrokers as settle } from './live-support.js'
import { CHUNK, roundTripRecords } from './fake-round-trip.js'
import { roundOrder } from './round-order.js'

const RECORDS = process.env.BENCH_RECORDS !== undefined ? Number(process.env.BENCH_RECORDS) : 100_000
/**
 * 30: the real cluster's round trip has two modes (~0.3 s, and ~1.3 s when a follower's first fetch
 * of the new partition races its leader and backs off for replica.fetch.backoff.ms), and a median
 * of fewer rounds lands in either (results/fake.md, reading of 2026-12-05 ~11:10).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
/** A real round trip above this is in the cluster's slow mode (a follower backing off for `replica.fetch.backoff.ms`, fake.md). */
const SLOW_REAL_MS = 1000
const STARTS = 20
const noWrite = process.argv.includes('--no-write')
const fakeOnly = process.argv.includes('--fake-only')
const profile = process.argv.includes('--profile')

type Backend = 'fake' | 'fake-memory' | 'fake-thread' | 'real'

/** Whether the real cluster is up (set once in main): the real backend runs, and every run waits for its JVMs to be idle. */
let realReady = false

interface Run {
  backend: Backend
  round: number
  /** 1-minute load average just before the run. */
  load1: number
  createMs: number
  produceMs: number
  consumeMs: number
  totalMs: number
  /** CPU (user + system) of this process during the run: the client, plus the fake's brokers (in-process or in its worker thread). */
  cpuMs: number
  /** CPU of the real cluster's three JVMs during the run (0 for the fake: its brokers are in cpuMs). */
  brokerCpuMs: number
  /** For the fake backends with the real cluster up: what its idle JVMs used meanwhile (competing for the same cores). */
  idleJvmCpuMs: number
  /** How long the run waited, before it started, for the JVMs to be idle (`settle`). */
  settleMs: number
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function startTimes(thread: boolean, count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    const cluster = await FakeCluster.start({ brokers: 3, racks: ['a', 'b', 'c'], thread })
    times.push(performance.now() - t0)
    await cluster.close()
  }
  return times
}

async function roundTrip(backend: Backend, round: number, brokers: string[], settleMs: number, socketFactory?: SocketFactory): Promise<Run> {
  const load1 = loadavg()[0]!
  const cpu0 = process.cpuUsage()
  const broker0 = realReady ? brokerCpuSeconds() : 0
  const times = await roundTripRecords(brokers, RECORDS, socketFactory)
  const cpu = process.cpuUsage(cpu0)
  const jvmCpuMs = realReady ? (brokerCpuSeconds() - broker0) * 1000 : 0
  return {
    backend,
    round,
    load1,
    ...times,
    totalMs: times.createMs + times.produceMs + times.consumeMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    brokerCpuMs: backend === 'real' ? jvmCpuMs : 0,
    idleJvmCpuMs: backend === 'real' ? 0 : jvmCpuMs,
    settleMs,
  }
}

/**
 * After `settle` (live-support.ts) this process has been idle for at least SETTLE_WINDOW_MS, and on this VM a core
 * that has idled runs the next tens of milliseconds measurably slower (fake-only runs, 9 rounds,
 * medians: back to back 84–93 ms; after a 500 ms sleep 100–119 ms, process CPU up by ~25%; after a
 * 500 ms busy wait 94–98 ms; after a 500 ms sleep and a 50 ms busy wait 100–101 ms). A user's test
 * suite runs its tests back to back, so every run (every backend alike) starts after a busy wait
 * of WARM_UP_MS instead of straight out of the idle wait.
 */
const WARM_UP_MS = 50

function warmUp(): void {
  const t0 = performance.now()
  while (performance.now() - t0 < WARM_UP_MS) {
    // busy: keep the core running
  }
}

async function run(backend: Backend, round: number): Promise<Run> {
  const settleMs = realReady ? await settle() : 0
  if (realReady) warmUp()
  if (backend === 'real') return roundTrip(backend, round, clusterInfo().bootstrap.plaintext, settleMs)
  // What a test does: a fresh cluster per test file (its start is part of neither timing: see the start times).
  const fake = await FakeCluster.start({ brokers: 3, racks: ['rack-1', 'rack-2', 'rack-3'], thread: backend === 'fake-thread' })
  try {
    return await roundTrip(backend, round, fake.bootstrap, settleMs, backend === 'fake-memory' ? fake.socketFactory : undefined)
  } finally {
    await fake.close()
  }
}

async function main(): Promise<void> {
  const starts = await startTimes(false, STARTS)
  // From sources (as this bench runs) the worker compiles the fake's TypeScript first: seconds, not the published build's start.
  const threadStarts = await startTimes(true, 3)
  process.stdout.write(`fake 3-broker start: median ${median(starts).toFixed(1)} ms, max ${Math.max(...starts).toFixed(1)} ms (${STARTS} starts); in a worker thread from sources: median ${median(threadStarts).toFixed(1)} ms\n`)
  realReady = !fakeOnly && (await clusterStatus()).ready
  // A profile sees only this thread: the worker's brokers would show up as idle time.
  const all: Backend[] = realReady ? ['fake', 'fake-memory', 'fake-thread', 'real'] : ['fake', 'fake-memory', 'fake-thread']
  const backends = all.filter((b) => !profile || b !== 'fake-thread')
  const runs: Run[] = []
  const session = profile ? new Session() : null
  if (session !== null) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const startedAt = Date.now()
  const loadAtStart = loadavg()
  for (let round = 0; round < ROUNDS; round++) {
    // Balanced (roundOrder): every backend at every position and right after every other one, so
    // warm-up, GC state and what the previous run left behind do not always favour the same one.
    const order = roundOrder(backends, round + 1)
    for (const backend of order) {
      const r = await run(backend, round + 1)
      runs.push(r)
      process.stdout.write(`round ${round + 1} ${backend}: ${JSON.stringify(r)}\n`)
    }
  }
  if (session !== null) {
    const { profile: cpuProfile } = await session.post('Profiler.stop')
    const dir = join(import.meta.dirname, '..', 'profiles')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `fake-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`)
    writeFileSync(file, JSON.stringify(cpuProfile))
    session.disconnect()
    process.stdout.write(`CPU profile of the round trips: ${file}\n`)
  }
  const of = (backend: Backend) => runs.filter((r) => r.backend === backend)
  const row = (backend: Backend, label: string): string => {
    const rs = of(backend)
    const m = (f: (r: Run) => number) => median(rs.map(f)).toFixed(0)
    const idleJvm = backend === 'real' || !realReady ? '' : m((r) => r.idleJvmCpuMs)
    return `| ${label} | ${m((r) => r.createMs)} | ${m((r) => r.produceMs)} | ${m((r) => r.consumeMs)} | **${m((r) => r.totalMs)}** | ${Math.min(...rs.map((r) => r.totalMs)).toFixed(0)}–${Math.max(...rs.map((r) => r.totalMs)).toFixed(0)} | ${m((r) => r.cpuMs)} | ${m((r) => r.brokerCpuMs)} | ${m((r) => r.cpuMs + r.brokerCpuMs)} | ${idleJvm} | ${m((r) => r.settleMs)} | ${Math.min(...rs.map((r) => r.load1)).toFixed(1)}–${Math.max(...rs.map((r) => r.load1)).toFixed(1)} |`
  }
  const lines = [
    '# @kafkats/fake vs the real 3-node cluster',
    '',
    'Command: `npm run -w @kafkats/bench bench:fake` (apps/bench/src/fake.bench.ts)',
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with other work; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (${((Date.now() - startedAt) / 1000).toFixed(0)} s).`,
    `Node ${process.version}; real cluster: Kafka ${clusterInfo().kafkaVersion}, 3 KRaft nodes (JVMs) on the same machine.`,
    '',
    '## Start of a 3-broker fake cluster',
    '',
    `${STARTS} starts: median **${median(starts).toFixed(1)} ms**, max ${Math.max(...starts).toFixed(1)} ms (target < 50 ms); with \`thread: true\` run from sources (the worker compiles the fake's TypeScript through tsx first, which the published build does not): median of 3 ${median(threadStarts).toFixed(0)} ms.`,
    '',
    `## Round trip of ${RECORDS.toLocaleString('en')} records`,
    '',
    `What a test does: create a topic (3 partitions, replication factor 3), \`sendBatch\` ${RECORDS.toLocaleString('en')} records (100-byte values, keys \`key-0\`..\`key-999\`) in chunks of ${CHUNK.toLocaleString('en')}, each awaited, with kafkats's default producer (idempotent, acks=all, lingerMs 5), then a direct consumer reads from the earliest offsets until it has them all; timed from CreateTopics to the last record. ${ROUNDS} rounds, each running every backend once, in a different order each round (balanced: every backend at every position and right after every other one equally often, \`roundOrder\` in round-order.ts); medians, the range of the totals, CPU of this process (client, plus the brokers when they run in-process) and the 1-minute load average before the runs. ${realReady ? `Every run starts once the real cluster's JVMs are idle (below ${IDLE_JVM_SHARE * 100}% of a core over ${SETTLE_WINDOW_MS} ms, waiting at most ${SETTLE_MAX_MS / 1000} s): after a real round they go on working (deleting the topic, flushing, replicating) on the same cores; "idle JVMs meanwhile" is the CPU they still used during each fake run. After that wait, and before every run, this process busy-waits ${WARM_UP_MS} ms: on this VM a core that has just idled runs the next tens of milliseconds slower, which a test suite running its tests back to back does not see (fake.bench.ts, \`WARM_UP_MS\`).` : ''}`,
    '',
    '| backend | create ms | produce ms | consume ms | total ms | total range | process CPU ms | JVM CPU ms | all CPU ms | idle JVMs meanwhile, CPU ms | wait for idle JVMs before, ms | load before |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('fake', '@kafkats/fake, in-process, TCP'),
    row('fake-memory', '@kafkats/fake, in-process, `socketFactory` (in memory)'),
  ]
  if (!profile) lines.push(row('fake-thread', '@kafkats/fake, `thread: true`'))
  if (realReady) {
    lines.push(row('real', 'real Kafka cluster'))
    const real = median(of('real').map((r) => r.totalMs))
    const ratio = (b: Backend) => (real / median(of(b).map((r) => r.totalMs))).toFixed(1)
    const allCpu = (b: Backend) => median(of(b).map((r) => r.cpuMs + r.brokerCpuMs))
    const cpuRatio = (b: Backend) => (allCpu('real') / allCpu(b)).toFixed(1)
    const sum = (b: Backend) => of(b).reduce((total, r) => total + r.totalMs, 0)
    const sumRatio = (b: Backend) => (sum('real') / sum(b)).toFixed(1)
    const fastReal = of('real').filter((r) => r.totalMs <= SLOW_REAL_MS)
    const fastMedian = fastReal.length > 0 ? median(fastReal.map((r) => r.totalMs)) : Number.NaN
    const fastRatio = (b: Backend) => (fastMedian / median(of(b).map((r) => r.totalMs))).toFixed(1)
    lines.push(
      '',
      `Median wall-clock total, real ÷ fake: **${ratio('fake')}×** in-process over TCP, **${ratio('fake-memory')}×** in memory${profile ? '' : `, **${ratio('fake-thread')}×** with \`thread: true\``} (target ≥ 5×).`,
      `Against the real cluster's fast mode alone (its ${fastReal.length} rounds up to ${SLOW_REAL_MS.toLocaleString('en')} ms, median ${fastMedian.toFixed(0)} ms; fake.md's readings): ${fastRatio('fake')}× over TCP, ${fastRatio('fake-memory')}× in memory${profile ? '' : `, ${fastRatio('fake-thread')}× with \`thread: true\``}.`,
      `Median CPU of the round trip (client + brokers), real ÷ fake: ${cpuRatio('fake')}× in-process over TCP, ${cpuRatio('fake-memory')}× in memory${profile ? '' : `, ${cpuRatio('fake-thread')}× with \`thread: true\``} — the load-independent part of the comparison.`,
      // The real cluster's round trips are not spread around one value: some take over a second
      // (fake.md's readings). A median then tells the typical round trip, and the sum what a suite
      // of them run back to back spends; both are printed, the median stays the headline.
      `All ${ROUNDS} rounds back to back (the sum of the totals): real ${(sum('real') / 1000).toFixed(1)} s, in-process fake ${(sum('fake') / 1000).toFixed(1)} s over TCP: ${sumRatio('fake')}×, in memory ${(sum('fake-memory') / 1000).toFixed(1)} s: ${sumRatio('fake-memory')}×${profile ? '' : `; \`thread: true\` ${(sum('fake-thread') / 1000).toFixed(1)} s: ${sumRatio('fake-thread')}×`}. Real round trips over ${SLOW_REAL_MS.toLocaleString('en')} ms: ${of('real').filter((r) => r.totalMs > SLOW_REAL_MS).length} of ${of('real').length}.`,
    )
  } else {
    lines.push('', 'The real cluster was not running: no comparison in this run.')
  }
  lines.push('', 'Every run: ' + JSON.stringify(runs.map((r) => ({ ...r, createMs: Math.round(r.createMs), produceMs: Math.round(r.produceMs), consumeMs: Math.round(r.consumeMs), totalMs: Math.round(r.totalMs), cpuMs: Math.round(r.cpuMs), brokerCpuMs: Math.round(r.brokerCpuMs), idleJvmCpuMs: Math.round(r.idleJvmCpuMs), settleMs: Math.round(r.settleMs), load1: Number(r.load1.toFixed(2)) }))))
  const text = `${lines.join('\n')}\n`
  process.stdout.write(text)
  if (!noWrite) writeFileSync(join(import.meta.dirname, '..', 'results', 'fake.md'), text)
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
