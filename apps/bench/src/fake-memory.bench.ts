/**
 * Memory of one @kafkats/fake cluster shared by many tests (a test file that starts one cluster in
 * `beforeAll`): the round trip of fake.bench.ts (100,000 records, a new topic each time, deleted
 * after it) `ROUNDS` times through one in-process cluster, with the request log's default bounds
 * and without them (`requestLogMaxEntries`/`requestLogMaxBytes: Infinity`). Each setting runs in a
 * child process of its own (a fresh heap), `BENCH_RUNS` (default 4) times, alternating; after every round the child collects garbage and
 * records its array buffers (`process.memoryUsage().arrayBuffers`: record batches, frames), RSS
 * and V8 heap.
 *
 *   npm run -w @kafkats/bench bench:fake-memory           (writes results/fake-memory.md)
 *   npm run -w @kafkats/bench bench:fake-memory -- --no-write
 */
import { fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { FakeCluster } from '@kafkats/fake'
import { roundTripRecords } from './fake-round-trip.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const RECORDS = 100_000
const MB = 1024 * 1024

type Setting = 'bounded' | 'unbounded'

interface Sample {
  round: number
  totalMs: number
  arrayBuffersMb: number
  rssMb: number
  heapUsedMb: number
  logged: number
  withRequest: number
}

async function child(setting: Setting, rounds: number): Promise<Sample[]> {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const unbounded = setting === 'unbounded' ? { requestLogMaxBytes: Infinity } : {}
  const cluster = await FakeCluster.start({ brokers: 3, racks: ['rack-1', 'rack-2', 'rack-3'], ...unbounded })
  const samples: Sample[] = []
  try {
    for (let round = 1; round <= rounds; round++) {
      const t = await roundTripRecords(cluster.bootstrap, RECORDS)
      // The consumer's last fetch and the topic deletion settle on the next turns of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20))
      gc()
      const memory = process.memoryUsage()
      samples.push({
        round,
        totalMs: Math.round(t.createMs + t.produceMs + t.consumeMs),
        arrayBuffersMb: Math.round(memory.arrayBuffers / MB),
        rssMb: Math.round(memory.rss / MB),
        heapUsedMb: Math.round(memory.heapUsed / MB),
        logged: cluster.requests.length,
        withRequest: cluster.requests.filter((e) => e.request !== undefined).length,
      })
    }
  } finally {
    await cluster.close()
  }
  return samples
}

function runChild(setting: Setting, rounds = ROUNDS): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const proc = fork(import.meta.filename, ['--child', setting, String(rounds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let result: Sample[] | undefined
    proc.on('message', (message) => {
      result = message as Sample[]
    })
    proc.on('error', reject)
    proc.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`child ${setting} exited with ${code}`))))
  })
}

/** Round by round, the median of each field over the runs of one setting. */
function medianSamples(runs: Sample[][]): Sample[] {
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  return runs[0]!.map((first, i) => {
    const at = runs.map((r) => r[i]!)
    return {
      round: first.round,
      totalMs: median(at.map((s) => s.totalMs)),
      arrayBuffersMb: median(at.map((s) => s.arrayBuffersMb)),
      rssMb: median(at.map((s) => s.rssMb)),
      heapUsedMb: median(at.map((s) => s.heapUsedMb)),
      logged: median(at.map((s) => s.logged)),
      withRequest: median(at.map((s) => s.withRequest)),
    }
  })
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child')
  if (childAt >= 0) {
    const samples = await child(process.argv[childAt + 1] as Setting, Number(process.argv[childAt + 2]))
    process.send!(samples, () => process.exit(0))
    return
  }
  // Alternating children (bounded, unbounded, bounded, ...): on this shared VM a machine that is
  // slower for a minute would otherwise land on one setting only. Medians per round over the runs.
  const runs = Number(process.env.BENCH_RUNS ?? 4)
  // The first child of a run was ~25% slower in every round than the later ones, whatever its
  // setting (the machine waking up): one child of 5 rounds first, not counted.
  await runChild('bounded', 5)
  const all: Record<Setting, Sample[][]> = { bounded: [], unbounded: [] }
  for (let i = 0; i < runs; i++) for (const setting of (i % 2 === 0 ? ['bounded', 'unbounded'] : ['unbounded', 'bounded']) as Setting[]) all[setting].push(await runChild(setting))
  const bounded = medianSamples(all.bounded)
  const unbounded = medianSamples(all.unbounded)
  const rows = bounded.map((b, i) => {
    const u = unbounded[i]!
    return `| ${b.round} | ${b.arrayBuffersMb} | ${b.rssMb} | ${b.heapUsedMb} | ${b.logged} / ${b.withRequest} | ${b.totalMs} | ${u.arrayBuffersMb} | ${u.rssMb} | ${u.heapUsedMb} | ${u.logged} / ${u.withRequest} | ${u.totalMs} |`
  })
  const text = [
    '# @kafkats/fake: memory of one cluster shared by many round trips',
    '',
    'Command: `npm run -w @kafkats/bench bench:fake-memory` (apps/bench/src/fake-memory.bench.ts)',
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); Node ${process.version}.`,
    '',
    `One in-process fake cluster (3 brokers), ${ROUNDS} round trips through it as in fake.bench.ts: a new topic (3 partitions, RF 3), ${RECORDS.toLocaleString('en')} records of 100 bytes produced in awaited chunks of 10,000 and consumed back, the topic deleted. After a warm-up child of 5 rounds (not counted), each setting runs ${runs} times, each time in a child process of its own, the settings alternating (the first run of each in the order bounded, unbounded, the next the other way round); after every round a full garbage collection, then \`process.memoryUsage()\`. The table gives the median of each column over a setting's runs, round by round. "Bounded" is the request log's default (decoded requests kept for the newest \`requestLogMaxBytes\`, 64 MiB, of requests; every entry kept); "unbounded" sets \`requestLogMaxBytes\` to \`Infinity\`, which is how the log behaved before the bound.`,
    '',
    '| round | bounded: array buffers MB | RSS MB | heap MB | requests logged / with their request | round trip ms | unbounded: array buffers MB | RSS MB | heap MB | requests logged / with their request | round trip ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n')
  process.stdout.write(text)
  if (!process.argv.includes('--no-write')) writeFileSync(join(import.meta.dirname, '..', 'results', 'fake-memory.md'), text)
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
