// Exactly-once under faults: 3 instances of a consume-transform-produce app (child processes, one
// consumer group, `in` → `out`, 6 partitions) process 200,000 records while one instance is
// SIGKILLed mid-transaction and restarted, a broker is killed and restarted, and connections are
// cut right after requests reach a broker. Kafka's Java consumer (read_committed) then must find
// every output exactly once. The same app with transactions off must show duplicates.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Admin } from '@kafkats/admin'
import { ConnectionPool } from '@kafkats/connection'
import { DirectConsumer, Offset } from '@kafkats/consumer'
import { ClusterMetadata } from '@kafkats/metadata'
import { Producer } from '@kafkats/producer-sink'
import { ApiKey } from '@kafkats/protocol'
import { type FaultProxy, clusterInfo, killNode, sleep, startFaultProxy, startNode } from '@kafkats/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { javaReadCommitted } from './java-txn-tool.test-data.js'

const cluster = clusterInfo()
const pool = new ConnectionPool({ clientId: 'eos-test' })
const metadata = new ClusterMetadata({ bootstrapBrokers: cluster.bootstrap.plaintext, pool })
const admin = new Admin({ metadata, pool })
const cleanups: Array<() => unknown> = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  metadata.close()
  pool.close()
})

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const workerPath = fileURLToPath(new URL('./eos-worker.test-data.ts', import.meta.url))

interface RunOptions {
  transactional: boolean
  records: number
  instances: number
  /** Kill a broker and restart it; cut connections through the fault proxies. */
  brokerFaults: boolean
}

interface RunResult {
  values: string[]
  missing: number
  duplicated: number
  /** Records in `out` including aborted ones (sum of log end offsets, markers included). */
  logEndOffsets: bigint
  /** Data records in `out` as a read_uncommitted reader sees them: aborted ones included, markers not. */
  uncommittedRecords: number
  workerKills: number
  /** Transactions committed (with transactions off: offset commits), over all instances. */
  commits: number
  restarts: number
  aborted: number
  connectionsCut: number
  elapsedMs: number
}

async function runApp(name: string, options: RunOptions): Promise<RunResult> {
  const started = Date.now()
  const inTopic = `${name}-in-${Date.now()}`
  const outTopic = `${name}-out-${Date.now()}`
  const groupId = `${name}-group-${Date.now()}`
  for (const topic of [inTopic, outTopic]) await admin.createTopics([{ topic, partitions: 6, replicationFactor: 3 }])
  await metadata.waitForTopic(inTopic, 30_000)
  await metadata.waitForTopic(outTopic, 30_000)

  // Small input batches: the workers fetch one at a time (partitionMaxBytes), one transaction
  // each, so the faults meet hundreds of transaction boundaries (with 256 KiB batches the whole
  // run was about one transaction per partition).
  const input = new Producer({ metadata, pool, lingerMs: 5, batchMaxBytes: 16 * 1024 })
  const pending: Array<Promise<unknown>> = []
  for (let i = 0; i < options.records; i++) pending.push(input.send({ topic: inTopic, key: `k-${i % 1000}`, value: `i-${i}` }))
  await Promise.all(pending)
  await input.close()

  const proxies = new Map<string, FaultProxy>()
  if (options.brokerFaults) {
    for (const address of cluster.bootstrap.plaintext) {
      const proxy = await startFaultProxy({ target: address })
      proxies.set(address, proxy)
      cleanups.push(() => proxy.close())
    }
  }
  const addressMap = Object.fromEntries([...proxies].map(([address, proxy]) => [address, proxy.address]))

  let committed = 0
  let aborted = 0
  let restarts = 0
  let workerKills = 0
  let finished = false
  const workers: Array<ChildProcess | null> = []
  const timeline: string[] = []
  const commitLines: string[] = []
  const mark = (what: string): void => {
    timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`)
  }
  const startWorker = (instance: number, killAfterProducedBatch?: number): void => {
    mark(`start worker ${instance}`)
    const config = {
      ...(killAfterProducedBatch !== undefined ? { killAfterProducedBatch } : {}),
      brokers: cluster.bootstrap.plaintext, addressMap, groupId, inTopic, outTopic, transactionalId: `${groupId}-${instance}`, transactional: options.transactional }
    const child = spawn(`${repoRoot}node_modules/.bin/tsx`, ['--conditions=@kafkats/source', workerPath], {
      cwd: repoRoot,
      env: { ...process.env, EOS_WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    workers[instance] = child
    let rest = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n')
      rest = lines.pop()!
      for (const line of lines) {
        if (line.startsWith('COMMITTED ')) {
          const before = committed
          committed += Number(line.split(' ')[1])
          commitLines.push(`w${instance} ${line}`)
          if (Math.floor(before / (options.records / 10)) !== Math.floor(committed / (options.records / 10))) mark(`${committed} committed`)
        } else if (line.startsWith('ABORTED')) aborted++
        if (line.startsWith('READY') || line.startsWith('KILLING') || line.startsWith('FATAL') || line.startsWith('ABORTED')) mark(`worker ${instance}: ${line.slice(0, 120)}`)
        if (line.startsWith('KILLING')) workerKills++
      }
    })
    child.stderr!.on('data', () => undefined)
    child.on('exit', () => {
      if (workers[instance] === child) workers[instance] = null
      if (!finished) {
        restarts++
        setTimeout(() => {
          if (!finished) startWorker(instance)
        }, 300)
      }
    })
  }
  cleanups.push(() => {
    finished = true
    for (const worker of workers) worker?.kill('SIGKILL')
  })
  // Instance 0 SIGKILLs itself after its 2nd batch was acknowledged, before that batch's commit.
  for (let instance = 0; instance < options.instances; instance++) startWorker(instance, instance === 0 ? 2 : undefined)

  const brokerFault = (async () => {
    if (!options.brokerFaults) return
    while (committed < options.records * 0.2) await sleep(100)
    const victim = 2
    mark(`kill broker ${victim}`)
    await killNode(victim)
    await sleep(3_000)
    await startNode(victim)
    mark(`broker ${victim} restarted`)
  })()
  // From the first commit until 80% are committed: every ~700 ms, each broker's proxy forwards one
  // of the next Produce / EndTxn / TxnOffsetCommit requests, swallows its response and cuts the connection.
  const connectionCuts = (async () => {
    if (!options.brokerFaults) return
    while (committed === 0) await sleep(50)
    const apis = [ApiKey.Produce, ApiKey.EndTxn, ApiKey.TxnOffsetCommit]
    for (let round = 0; committed < options.records * 0.8 && !finished; round++) {
      for (const proxy of proxies.values()) proxy.dropAfterRequests(1 + (round % 2), { apiKey: apis[round % apis.length]!, lose: 'response' })
      await sleep(700)
    }
    for (const proxy of proxies.values()) proxy.reset()
    mark('connection cuts over')
  })()
  const faults = Promise.all([brokerFault, connectionCuts])

  // Done when the group committed every input offset.
  const deadline = Date.now() + 170_000
  for (;;) {
    const lag = await admin.groupLag(groupId).catch(() => null)
    if (lag !== null && lag.totalLag === 0n && lag.partitions.length === 6 && lag.partitions.every((p) => p.committedOffset >= 0n)) break
    if (Date.now() > deadline) throw new Error(`not done in time: ${committed} of ${options.records} committed`)
    await sleep(500)
  }
  mark('group lag 0')
  await faults
  finished = true
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker === null || worker.exitCode !== null) return resolve()
          const timer = setTimeout(() => worker.kill('SIGKILL'), 5_000)
          worker.on('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          worker.kill('SIGTERM')
        }),
    ),
  )
  mark('workers stopped')
  const connectionsCut = [...proxies.values()].reduce((sum, proxy) => sum + proxy.stats.dropped, 0)

  const values = await javaReadCommitted(outTopic)
  mark('java read_committed reader done')
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  let missing = 0
  for (let i = 0; i < options.records; i++) if (!counts.has(`out-i-${i}`)) missing++
  let duplicated = 0
  for (const count of counts.values()) duplicated += count - 1
  const ends = await admin.listOffsets({ [outTopic]: 'latest' })
  let logEndOffsets = 0n
  for (const offset of Object.values(ends[outTopic] ?? {})) logEndOffsets += offset.offset
  const uncommittedRecords = await countReadUncommitted(outTopic, ends[outTopic] ?? {})
  const result = { values, missing, duplicated, logEndOffsets, uncommittedRecords, workerKills, commits: commitLines.length, restarts, aborted, connectionsCut, elapsedMs: Date.now() - started }
  mark('verified')
  if (duplicated > 0 || missing > 0) {
    // Which input ranges were committed twice (diagnostics for a failure).
    const byPartition = new Map<string, Array<[bigint, bigint, string]>>()
    for (const line of commitLines) {
      const [, , , partition, from, to] = line.split(' ')
      if (to === undefined) continue // transactions off: no range printed
      const list = byPartition.get(partition!) ?? []
      list.push([BigInt(from!), BigInt(to!), line])
      byPartition.set(partition!, list)
    }
    for (const list of byPartition.values()) {
      list.sort((x, y) => (x[0] < y[0] ? -1 : 1))
      for (let i = 1; i < list.length; i++) if (list[i]![0] < list[i - 1]![1]) timeline.push(`OVERLAP ${list[i - 1]![2]} / ${list[i]![2]}`)
    }
  }
  console.log(`${name}: ${JSON.stringify({ ...result, values: values.length, logEndOffsets: String(logEndOffsets) })}\n${timeline.join('\n')}`)
  return result
}

/**
 * Counts the data records of `topic` up to `ends` with isolation read_uncommitted: output of
 * aborted transactions included, COMMIT/ABORT markers not. Beside the read_committed count it
 * shows that aborted output was in the log (and was skipped), which the log end offsets cannot:
 * every committed transaction adds markers to them too.
 */
async function countReadUncommitted(topic: string, ends: Record<string, { offset: bigint }>): Promise<number> {
  const partitions = Object.keys(ends).map(Number)
  const reader = new DirectConsumer({ metadata, pool, isolationLevel: 'read_uncommitted', assign: { [topic]: Object.fromEntries(partitions.map((p) => [p, Offset.earliest()])) } })
  let count = 0
  const deadline = Date.now() + 60_000
  try {
    while (partitions.some((p) => (reader.position(topic, p)?.offset ?? -1n) < ends[p]!.offset)) {
      if (Date.now() > deadline) throw new Error(`read_uncommitted reader: only ${count} records of ${topic} in 60 s`)
      for (const batch of await reader.poll({ maxWaitMs: 1000 })) count += batch.records.length
    }
  } finally {
    await reader.close()
  }
  return count
}

describe('exactly-once consume-transform-produce under faults (real cluster, Java read_committed reader)', () => {
  it('200,000 records, 3 instances, a SIGKILL mid-transaction, a broker killed and restarted, connections cut: every output exactly once', async () => {
    const result = await runApp('eos', { transactional: true, records: 200_000, instances: 3, brokerFaults: true })
    expect(result.workerKills).toBe(1)
    // Many transaction boundaries for the faults to meet (about 300 with 16 KiB input batches).
    expect(result.commits).toBeGreaterThanOrEqual(100)
    expect(result.connectionsCut).toBeGreaterThan(0)
    expect(result.missing).toBe(0)
    expect(result.duplicated).toBe(0)
    expect(result.values.length).toBe(200_000)
    // Aborted output exists in the log (the killed instance's open transaction at least) and was
    // not read: a read_uncommitted reader finds more data records than the 200,000 committed ones.
    expect(result.uncommittedRecords).toBeGreaterThan(200_000)
    expect(result.logEndOffsets).toBeGreaterThan(BigInt(result.uncommittedRecords))
  }, 240_000)

  it('with transactions off, the same kill after producing and before the offset commit duplicates output', async () => {
    // One instance: it owns every partition, so it surely reaches the batch after which it kills
    // itself (with two, the other could consume all 20,000 records before it joined; seen on 3.9).
    const result = await runApp('alo', { transactional: false, records: 20_000, instances: 1, brokerFaults: false })
    expect(result.workerKills).toBe(1)
    expect(result.missing).toBe(0)
    expect(result.duplicated).toBeGreaterThan(0)
  }, 120_000)
})
