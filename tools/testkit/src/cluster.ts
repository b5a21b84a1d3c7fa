// A real 3-node Apache Kafka KRaft cluster (combined broker+controller JVMs) on 127.0.0.1,
// started from Maven Central jars. No Docker. See ../README.md.
import { execFileSync, spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { connect } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { certPaths, ensureCerts } from './certs.js'
import { keepFailedStartLogs } from './failed-start.js'
import { describePortHolder, testkitNodeProcesses } from './port-holder.js'
import { sleep } from './test-helpers.js'
import { scramSalt, scramSaltedPassword, upsertScramUsers } from './scram-users.js'
import { CONF_DIR, DIST_DIR, ensureKafkaLibs, kafkaDist, TESTKIT_DIR, type KafkaDist } from './dist.js'
import { controlFakeNode, fakeBackendInfo, fakeBackendSelected } from './fake-backend.js'

export { DEFAULT_KAFKA_VERSION, KAFKA_39_VERSION, resolveKafkaVersion } from './dist.js'

// ---------------------------------------------------------------------------------------------
// public types

export interface ClusterOptions {
  /** Kafka version: '4.3.1' (default), '3.9' (= 3.9.2). Default: env KAFKA_VERSION, else 4.3.1. */
  kafkaVersion?: string
  /**
   * Root of all run dirs; the cluster lives in `<runRoot>/<kafkaVersion>/` (with a port offset,
   * `<runRoot>/offset-<n>/<kafkaVersion>/`, see {@link runRootFor}).
   * Default: env KAFKATS_RUN_DIR, else tools/testkit/.run
   */
  runRoot?: string
  /** JVM heap per node in MiB (-Xms = -Xmx). Default: env KAFKATS_KAFKA_HEAP_MB, else 512. */
  heapMb?: number
  /** How long start operations wait for readiness. Default 120 000 ms. */
  timeoutMs?: number
  /** Progress messages (the CLI passes a stderr printer). Default: silent. */
  log?: (message: string) => void
}

export interface StopOptions extends ClusterOptions {
  /** Delete the run dir (data, logs, certs, cluster id) after stopping: the next start is fresh. */
  deleteData?: boolean
  /** How long to wait after SIGTERM before SIGKILL. Default 20 000 ms (cluster), 30 000 ms (node). */
  graceMs?: number
}

export interface NodePorts {
  plaintext: number
  controller: number
  saslPlaintext: number
  ssl: number
  saslSsl: number
}

export interface NodeInfo {
  /** node.id (1, 2 or 3); also the broker id. */
  id: number
  /** broker.rack: 'rack-1' .. 'rack-3' */
  rack: string
  host: string
  ports: NodePorts
  /** <runDir>/node<id> */
  dir: string
  /** The node's stdout/stderr (the broker log): <runDir>/node<id>/stdout.log */
  logPath: string
}

export interface SaslUser {
  username: string
  password: string
}

export interface ClusterInfo {
  /** Exact Kafka version, e.g. '4.3.1' or '3.9.2'. */
  kafkaVersion: string
  /** The KRaft cluster id, once the cluster has been formatted. */
  clusterId: string | undefined
  /** <runRoot>/<kafkaVersion>: node dirs, certs, cluster.json */
  runDir: string
  /** Broker classpath dir (kafka-dist/libs-<version>): also holds kafka-clients for Java tools. */
  libsDir: string
  /** PEM file of the test CA that signed the broker certificate (SAN IP:127.0.0.1, DNS:localhost). */
  caPath: string
  /** Bootstrap addresses ('127.0.0.1:port') per listener, node 1 first. */
  bootstrap: {
    plaintext: string[]
    saslPlaintext: string[]
    ssl: string[]
    saslSsl: string[]
  }
  nodes: NodeInfo[]
  /** Credentials accepted on SASL_PLAINTEXT and SASL_SSL. */
  saslUsers: {
    plain: SaslUser[]
    scram256: SaslUser[]
    scram512: SaslUser[]
  }
  /** User principals that bypass ACLs (super.users); ANONYMOUS = PLAINTEXT and SSL clients. */
  superUsers: string[]
  /**
   * KIP-368 `connections.max.reauth.ms` per SASL listener: a session expires after this many ms and
   * the client must re-authenticate; null = sessions never expire.
   */
  reauthMs: { saslPlaintext: number | null; saslSsl: number | null }
  /** Whether KIP-848 consumer groups (ConsumerGroupHeartbeat) are enabled. */
  consumerGroupProtocol: boolean
}

export interface NodeStatus {
  id: number
  /** pid from the pid file, if any */
  pid: number | null
  /** The pid is a live JVM of this node. */
  alive: boolean
  /** The PLAINTEXT port accepts TCP connections. */
  portOpen: boolean
  /** alive && portOpen */
  running: boolean
  /** running && the broker logged "Kafka Server started" since its last start. */
  ready: boolean
}

export interface ClusterStatus {
  kafkaVersion: string
  runDir: string
  /** All node dirs hold meta.properties. */
  formatted: boolean
  nodes: NodeStatus[]
  /** Number of running nodes. */
  running: number
  /** All 3 nodes ready. */
  ready: boolean
}

// ---------------------------------------------------------------------------------------------
// static layout

export const NODE_IDS = [1, 2, 3] as const
const HOST = '127.0.0.1'
const READY_LINE = 'Kafka Server started'
const USERS: SaslUser[] = [
  { username: 'admin', password: 'admin-secret' },
  { username: 'alice', password: 'alice-secret' },
]
const REAUTH_MS_SASL_PLAINTEXT = 10_000

/**
 * Added to every port (env KAFKATS_PORT_OFFSET, default 0), so a second cluster (a CI check from
 * a fresh clone next to a developer's running cluster) can run on the same machine.
 */
export function portOffset(): number {
  const raw = process.env['KAFKATS_PORT_OFFSET'] ?? '0'
  const offset = Number(raw)
  if (!Number.isInteger(offset) || offset < 0 || offset > 900) throw new Error(`KAFKATS_PORT_OFFSET must be an integer from 0 to 900, got "${raw}"`)
  return offset
}

/**
 * Each node's first port (PLAINTEXT; the other listeners follow it) before the port offset. Node 3
 * is not at 39092, as 19092 and 29092 would suggest: that lies inside Linux's ephemeral port range
 * (32768-60999 by default), from which the kernel gives every outgoing connection its local port.
 * While node 3 is down, any client connection (a test's, another broker's) may get one of its ports,
 * and if that client closes first its socket stays in TIME_WAIT for 60 s, during which the node
 * cannot bind the port again: a restart failed that way ("Socket server failed to bind to
 * 127.0.0.1:39744: Address already in use"). Below 32768 no connection gets them.
 */
const NODE_BASE_PORTS: Readonly<Record<number, number>> = { 1: 19092, 2: 29092, 3: 30092 }

export function nodePorts(id: number): NodePorts {
  const first = NODE_BASE_PORTS[id]
  if (first === undefined) throw new Error(`no node ${id}: the testkit cluster has nodes 1, 2 and 3`)
  const base = first + portOffset()
  return {
    plaintext: base,
    controller: base + 1,
    saslPlaintext: base + 2,
    ssl: base + 3,
    saslSsl: base + 4,
  }
}

interface Ctx {
  dist: KafkaDist
  runRoot: string
  runDir: string
  heapMb: number
  timeoutMs: number
  log: (message: string) => void
}

/** The run dirs of the clusters on port offset `n` live under `<root>/offset-<n>/`. */
const OFFSET_DIR = /^offset-\d+$/

/**
 * The run root of the cluster on `offset`: the base root itself for offset 0, else its own
 * `offset-<n>` directory. Two clusters on different port offsets are two clusters: sharing one run
 * dir made the second see the first's node pids and data as its own (a test run without the
 * offset stopped and reformatted a developer's cluster on another offset).
 */
export function runRootFor(baseRoot: string, offset: number): string {
  return offset === 0 ? baseRoot : join(baseRoot, `offset-${offset}`)
}

function context(options: ClusterOptions = {}): Ctx {
  const dist = kafkaDist(options.kafkaVersion)
  const baseRoot = resolve(options.runRoot ?? process.env['KAFKATS_RUN_DIR'] ?? join(TESTKIT_DIR, '.run'))
  const runRoot = runRootFor(baseRoot, portOffset())
  const heapEnv = Number(process.env['KAFKATS_KAFKA_HEAP_MB'] ?? '')
  const heapMb = options.heapMb ?? (Number.isInteger(heapEnv) && heapEnv > 0 ? heapEnv : 512)
  return {
    dist,
    runRoot,
    runDir: join(runRoot, dist.version),
    heapMb,
    timeoutMs: options.timeoutMs ?? 120_000,
    log: options.log ?? (() => {}),
  }
}

interface NodePaths {
  id: number
  dir: string
  props: string
  log: string
  pidFile: string
  readyFile: string
  dataDir: string
}

function nodePaths(ctx: Ctx, id: number): NodePaths {
  const dir = join(ctx.runDir, `node${id}`)
  return {
    id,
    dir,
    props: join(dir, 'server.properties'),
    log: join(dir, 'stdout.log'),
    pidFile: join(dir, 'pid'),
    readyFile: join(dir, 'ready'),
    dataDir: join(dir, 'data'),
  }
}

function checkNodeId(id: number): void {
  if (!(NODE_IDS as readonly number[]).includes(id)) throw new Error(`node id must be 1, 2 or 3 (got ${id})`)
}

function readClusterId(ctx: Ctx): string | undefined {
  try {
    const state = JSON.parse(readFileSync(join(ctx.runDir, 'cluster.json'), 'utf8')) as { clusterId?: string }
    if (state.clusterId) return state.clusterId
  } catch {
    // not yet created
  }
  // fall back to a formatted node's meta.properties
  for (const id of NODE_IDS) {
    try {
      const meta = readFileSync(join(nodePaths(ctx, id).dataDir, 'meta.properties'), 'utf8')
      const m = /^cluster\.id=(.+)$/m.exec(meta)
      if (m?.[1]) return m[1].trim()
    } catch {
      // not formatted
    }
  }
  return undefined
}

/** Static description of the cluster for the selected version (it need not be running). */
export function clusterInfo(options: ClusterOptions = {}): ClusterInfo {
  const ctx = context(options)
  // KAFKATS_TEST_BACKEND=fake: the same layout, served by the in-process fake cluster. It has one
  // listener (PLAINTEXT); the SASL/SSL entries name it too, so tests of those fail loudly there.
  const fake = fakeBackendSelected() ? fakeBackendInfo() : null
  const nodes: NodeInfo[] = NODE_IDS.map((id) => {
    const p = nodePaths(ctx, id)
    const port = fake?.ports[id - 1]
    const ports = port === undefined ? nodePorts(id) : { plaintext: port, controller: port, saslPlaintext: port, ssl: port, saslSsl: port }
    return { id, rack: `rack-${id}`, host: HOST, ports, dir: p.dir, logPath: p.log }
  })
  const addrs = (k: keyof NodePorts) => nodes.map((n) => `${HOST}:${n.ports[k]}`)
  return {
    kafkaVersion: ctx.dist.version,
    clusterId: fake?.clusterId ?? readClusterId(ctx),
    runDir: ctx.runDir,
    libsDir: ctx.dist.libsDir,
    caPath: certPaths(join(ctx.runDir, 'certs')).caPath,
    bootstrap: {
      plaintext: addrs('plaintext'),
      saslPlaintext: addrs('saslPlaintext'),
      ssl: addrs('ssl'),
      saslSsl: addrs('saslSsl'),
    },
    nodes,
    saslUsers: {
      plain: USERS.map((u) => ({ ...u })),
      scram256: USERS.map((u) => ({ ...u })),
      scram512: USERS.map((u) => ({ ...u })),
    },
    superUsers: ['User:admin', 'User:ANONYMOUS'],
    reauthMs: { saslPlaintext: REAUTH_MS_SASL_PLAINTEXT, saslSsl: null },
    consumerGroupProtocol: true,
  }
}

// ---------------------------------------------------------------------------------------------
// process helpers


function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid is alive (not a zombie) and is the JVM of this node dir. */
function isNodeProcess(pid: number, nodeDir: string): boolean {
  if (!pidAlive(pid)) return false
  if (!existsSync('/proc/self/cmdline')) return true // no procfs: trust the pid file
  try {
    const state = processState(pid)
    if (state === null || state === 'Z' || state === 'X') return false
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return cmdline.includes(`-Dkafkats.testkit.node=${nodeDir}`)
  } catch {
    return false
  }
}

/** The pid's state letter in /proc/<pid>/stat (`R`, `S`, `Z`, ...), or null when it cannot be read (gone, or no procfs). */
function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in parentheses may hold spaces and parentheses: the state follows the last ')'.
    const end = stat.lastIndexOf(')')
    return stat.slice(end + 2, end + 3)
  } catch {
    return null
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

function livePid(p: NodePaths): number | null {
  const pid = readPid(p.pidFile)
  return pid !== null && isNodeProcess(pid, p.dir) ? pid : null
}

/** What a TCP connect meets: a listener, a refusal, or anything else (`no answer`: a timeout, e.g. the full accept queue of a listener nobody serves, or another error). */
export type PortOutcome = 'open' | 'refused' | 'no answer'

/** What a TCP connect to host:port (127.0.0.1 by default) meets within `timeoutMs`. */
export function portOutcome(port: number, host = HOST, timeoutMs = 1000): Promise<PortOutcome> {
  return new Promise((done) => {
    const sock = connect({ port, host })
    const finish = (outcome: PortOutcome) => {
      sock.destroy()
      done(outcome)
    }
    sock.setTimeout(timeoutMs, () => finish('no answer'))
    sock.once('connect', () => finish('open'))
    sock.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'no answer'))
  })
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number, host = HOST, timeoutMs = 1000): Promise<boolean> {
  return (await portOutcome(port, host, timeoutMs)) === 'open'
}

/**
 * Whether the JVM that had `pid` has exited completely, every thread of it. A SIGKILLed JVM's
 * sockets stay open until its last thread has exited: the threads share one file table, which the
 * kernel closes only then (after freeing the heap). Meanwhile its main thread may still be running
 * with its memory (and so its /proc cmdline) already gone, or be a zombie waiting for the others,
 * and `isNodeProcess` says no to both. Here the controller port still accepted 1.5-5 ms after
 * SIGKILL with the main thread in either state; in CI a restart that came within that window found
 * the port taken. So this asks the kernel about the pid itself: gone, or a zombie with no other
 * thread left. (A pid reused by another process within the wait would
 * count as not exited; `waitExit`'s deadline bounds that.)
 */
function exitedCompletely(pid: number, nodeDir: string): boolean {
  if (!existsSync('/proc/self/stat')) return !isNodeProcess(pid, nodeDir) // no procfs: the pid is all there is
  const state = processState(pid)
  if (state === null) return true // gone (and reaped)
  if (state !== 'Z' && state !== 'X') return false
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1
  } catch {
    return true // reaped meanwhile
  }
}

/** Waits until the JVM has exited completely (`exitedCompletely`): no thread left holding its sockets. */
async function waitExit(pid: number, nodeDir: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (exitedCompletely(pid, nodeDir)) return true
    await sleep(20)
  }
  return exitedCompletely(pid, nodeDir)
}

function logTail(file: string, lines = 40): string {
  try {
    const st = statSync(file)
    const fd = openSync(file, 'r')
    try {
      const len = Math.min(st.size, 64 * 1024)
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, st.size - len)
      return buf.toString('utf8').split('\n').slice(-lines).join('\n')
    } finally {
      closeSync(fd)
    }
  } catch {
    return '(no log)'
  }
}

function logHasReadyLine(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(READY_LINE)
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// lock: one start/stop operation at a time per run root (vitest workers, CLI and tests may race)

async function withLock<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
  mkdirSync(ctx.runRoot, { recursive: true })
  const file = join(ctx.runRoot, '.lock')
  const deadline = Date.now() + ctx.timeoutMs + 300_000
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = readPid(file)
      if (holder !== null && !pidAlive(holder)) {
        rmSync(file, { force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${file} (held by pid ${holder})`)
      await sleep(200)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(file, { force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// configuration, format, spawn

function renderServerProperties(ctx: Ctx, p: NodePaths): void {
  const template = readFileSync(join(CONF_DIR, 'server.template.properties'), 'utf8')
  const extra = readFileSync(join(CONF_DIR, ctx.dist.line === '4' ? 'server.4.x.properties' : 'server.3.9.properties'), 'utf8')
  const text = (template + '\n' + extra)
    .replaceAll('@ID@', String(p.id))
    .replaceAll('@DIR@', p.dir)
    .replaceAll('@CERTS@', join(ctx.runDir, 'certs'))
  mkdirSync(p.dataDir, { recursive: true })
  mkdirSync(join(p.dir, 'logs'), { recursive: true })
  writeFileSync(p.props, fillPorts(text, p.id))
}

/** Fills the port placeholders of server.template.properties for node `id` from `nodePorts` (offset included). */
export function fillPorts(text: string, id: number): string {
  return text
    .replace(/@(\d)_(PLAINTEXT|CONTROLLER|SASL_PLAINTEXT|SSL|SASL_SSL)_PORT@/g, (_match, node: string, listener: string) => String(listenerPort(Number(node), listener)))
    .replace(/@(PLAINTEXT|CONTROLLER|SASL_PLAINTEXT|SSL|SASL_SSL)_PORT@/g, (_match, listener: string) => String(listenerPort(id, listener)))
}

/** The port of a listener (its name in server.template.properties) of node `id`, offset included. */
function listenerPort(id: number, listener: string): number {
  const ports = nodePorts(id)
  const byListener: Record<string, number> = {
    PLAINTEXT: ports.plaintext,
    CONTROLLER: ports.controller,
    SASL_PLAINTEXT: ports.saslPlaintext,
    SSL: ports.ssl,
    SASL_SSL: ports.saslSsl,
  }
  const port = byListener[listener]
  if (port === undefined) throw new Error(`unknown listener ${listener} in server.template.properties`)
  return port
}

function loggingArg(ctx: Ctx, tool: boolean): string {
  return ctx.dist.line === '4'
    ? `-Dlog4j2.configurationFile=${join(CONF_DIR, tool ? 'log4j2-tools.properties' : 'log4j2.properties')}`
    : `-Dlog4j.configuration=file:${join(CONF_DIR, tool ? 'tools-log4j.properties' : 'log4j.properties')}`
}

function javaBin(): string {
  const home = process.env['JAVA_HOME']
  return home ? join(home, 'bin', 'java') : 'java'
}

function classpath(ctx: Ctx): string {
  // the JVM expands the wildcard (no shell involved)
  const libs = join(ctx.dist.libsDir, '*')
  return ctx.dist.line === '4' ? `${telemetryReceiverClasses(ctx)}:${libs}` : libs
}

const TELEMETRY_RECEIVER_SOURCE = join(DIST_DIR, 'telemetry', 'KafkatsTelemetryReceiver.java')

/**
 * Compiles the client telemetry receiver (kafka-dist/telemetry, listed in metric.reporters of
 * server.4.x.properties) against the cached jars, once per source and Kafka version. Kafka 3.9
 * has only the older ClientTelemetry interface, so it runs without one.
 */
function telemetryReceiverClasses(ctx: Ctx): string {
  const source = readFileSync(TELEMETRY_RECEIVER_SOURCE)
  const hash = createHash('sha256').update(source).update(ctx.dist.version).digest('hex').slice(0, 16)
  const dir = join(ctx.runRoot, 'telemetry-receiver', hash)
  if (existsSync(join(dir, 'KafkatsTelemetryReceiver.class'))) return dir
  const partial = `${dir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  const home = process.env['JAVA_HOME']
  const started = Date.now()
  try {
    execFileSync(home ? join(home, 'bin', 'javac') : 'javac', ['-nowarn', '-d', partial, '-cp', join(ctx.dist.libsDir, '*'), TELEMETRY_RECEIVER_SOURCE], { stdio: 'pipe' })
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`compiling ${TELEMETRY_RECEIVER_SOURCE} failed (a JDK 17+ with javac is needed):\n${stderr.slice(-4000)}`)
  }
  // Another process (a parallel test run on the same run root) may have finished first: keep its copy.
  if (existsSync(join(dir, 'KafkatsTelemetryReceiver.class'))) rmSync(partial, { recursive: true, force: true })
  else {
    rmSync(dir, { recursive: true, force: true })
    renameSync(partial, dir)
  }
  ctx.log(`compiled the client telemetry receiver in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return dir
}

/** A random KRaft cluster id: 16 random bytes, base64url, not starting with '-' (as Kafka's Uuid). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function ensureClusterId(ctx: Ctx): string {
  const existing = readClusterId(ctx)
  const id = existing ?? newClusterId()
  writeFileSync(
    join(ctx.runDir, 'cluster.json'),
    JSON.stringify({ kafkaVersion: ctx.dist.version, clusterId: id }, null, 2) + '\n',
  )
  return id
}

function isFormatted(p: NodePaths): boolean {
  return existsSync(join(p.dataDir, 'meta.properties'))
}

async function formatNode(ctx: Ctx, p: NodePaths, clusterId: string): Promise<void> {
  const scram: string[] = []
  for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    for (const u of USERS) scram.push('--add-scram', scramArgument(mech, u))
  }
  // prettier-ignore
  const args = ['-Xmx256m', loggingArg(ctx, true), '-cp', classpath(ctx), 'kafka.tools.StorageTool', 'format',
    '-t', clusterId, '-c', p.props, '--ignore-formatted', ...scram]
  await new Promise<void>((done, reject) => {
    const child = spawn(javaBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', (err) => reject(new Error(`cannot run java: ${err.message}`)))
    child.on('exit', (code) => {
      if (code === 0 && isFormatted(p)) done()
      else reject(new Error(`formatting node ${p.id} failed (exit ${code}):\n${out.slice(-4000)}`))
    })
  })
}

/** `--add-scram` with the same salt and salted password on every node (see scram-users.ts). */
function scramArgument(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: SaslUser): string {
  const salt = scramSalt(mechanism, user.username).toString('base64')
  const salted = scramSaltedPassword(mechanism, user).toString('base64')
  return `${mechanism}=[name=${user.username},salt="${salt}",saltedpassword="${salted}",iterations=4096]`
}

/** See scram-users.ts: a restarted node only accepts SCRAM users written after its restart. */
async function refreshScramUsers(ctx: Ctx, id: number): Promise<void> {
  await upsertScramUsers('127.0.0.1', nodePorts(id).plaintext, USERS)
  // the credential reaches every broker through the metadata log within moments
  await new Promise((resolve) => setTimeout(resolve, 1000))
  ctx.log(`node ${id}: SCRAM users written`)
}

function jvmArgs(ctx: Ctx, p: NodePaths): string[] {
  return [
    `-Xms${ctx.heapMb}m`,
    `-Xmx${ctx.heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkafkats.testkit.node=${p.dir}`,
    loggingArg(ctx, false),
    `-Dkafka.logs.dir=${join(p.dir, 'logs')}`,
  ]
}

/** Spawns the node's JVM detached (it outlives this process); stdout+stderr go to stdout.log. */
async function spawnNode(ctx: Ctx, p: NodePaths): Promise<number> {
  if (existsSync(p.log)) renameSync(p.log, join(p.dir, 'stdout.prev.log'))
  rmSync(p.readyFile, { force: true })
  const out = openSync(p.log, 'w')
  let child
  try {
    child = spawn(javaBin(), [...jvmArgs(ctx, p), '-cp', classpath(ctx), 'kafka.Kafka', p.props], {
      cwd: p.dir,
      detached: true,
      stdio: ['ignore', out, out],
    })
  } finally {
    closeSync(out)
  }
  const pid = child.pid
  if (pid === undefined) {
    const err = await new Promise<Error>((r) => child.once('error', r))
    throw new Error(`cannot start java for node ${p.id}: ${err.message}`)
  }
  child.on('error', () => {})
  child.unref()
  writeFileSync(p.pidFile, `${pid}\n`)
  return pid
}

async function waitNodeReady(ctx: Ctx, p: NodePaths, deadline: number, abort: { aborted: boolean }): Promise<void> {
  const port = nodePorts(p.id).plaintext
  for (;;) {
    if (abort.aborted) throw new Error('aborted')
    const pid = livePid(p)
    if (pid === null) {
      throw new Error(`node ${p.id} is not running (JVM exited?). Last lines of ${p.log}:\n${logTail(p.log)}`)
    }
    if ((existsSync(p.readyFile) && readPid(p.readyFile) === pid) || logHasReadyLine(p.log)) {
      if (await portOpen(port)) {
        writeFileSync(p.readyFile, `${pid}\n`)
        return
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `node ${p.id} not ready after ${ctx.timeoutMs} ms (a lone node waits for a majority of the 3 voters). ` +
          `Last lines of ${p.log}:\n${logTail(p.log)}`,
      )
    }
    await sleep(200)
  }
}

/** Other Kafka versions' clusters under the same run root that have live nodes (they use the same ports). */
function otherRunningVersions(ctx: Ctx): string[] {
  if (!existsSync(ctx.runRoot)) return []
  const found: string[] = []
  for (const entry of readdirSync(ctx.runRoot)) {
    if (entry === ctx.dist.version || entry.startsWith('.') || OFFSET_DIR.test(entry)) continue
    const dir = join(ctx.runRoot, entry)
    for (const id of NODE_IDS) {
      const nodeDir = join(dir, `node${id}`)
      const pid = readPid(join(nodeDir, 'pid'))
      if (pid !== null && isNodeProcess(pid, nodeDir)) {
        found.push(entry)
        break
      }
    }
  }
  return found
}

/** Versions that have a run dir under the run root (used by the CLI's `down`). */
export function runVersions(options: ClusterOptions = {}): string[] {
  const ctx = context(options)
  if (!existsSync(ctx.runRoot)) return []
  return readdirSync(ctx.runRoot).filter(
    (e) => !e.startsWith('.') && !OFFSET_DIR.test(e) && existsSync(join(ctx.runRoot, e, 'cluster.json')),
  )
}

function assertNoOtherVersionRunning(ctx: Ctx): void {
  const others = otherRunningVersions(ctx)
  if (others.length > 0) {
    throw new Error(
      `a Kafka ${others.join(', ')} cluster is running on the same ports; stop it first (kafka:down)`,
    )
  }
}

async function startNodes(ctx: Ctx, ids: readonly number[]): Promise<void> {
  assertNoOtherVersionRunning(ctx)
  const paths = ids.map((id) => nodePaths(ctx, id))
  const toSpawn = paths.filter((p) => livePid(p) === null)
  for (const p of toSpawn) {
    const ports = nodePorts(p.id)
    for (const port of [ports.plaintext, ports.controller]) {
      if (await portOpen(port)) {
        const holder = describePortHolder(testkitNodeProcesses(), p.id, portOffset(), p.dir)
        throw new Error(`port ${port} (node ${p.id}) is in use by a process that is not this testkit's node ${p.id}; ${holder}`)
      }
    }
  }
  const started: NodePaths[] = []
  for (const p of toSpawn) {
    renderServerProperties(ctx, p)
    const pid = await spawnNode(ctx, p)
    started.push(p)
    ctx.log(`node ${p.id}: started pid ${pid} (log ${p.log})`)
  }
  const deadline = Date.now() + ctx.timeoutMs
  const abort = { aborted: false }
  try {
    await Promise.all(
      paths.map(async (p) => {
        try {
          await waitNodeReady(ctx, p, deadline, abort)
        } catch (err) {
          abort.aborted = true
          throw err
        }
      }),
    )
  } catch (err) {
    // leave no half-started JVMs behind (their logs stay for diagnosis)
    await Promise.all(started.map((p) => stopNodeProcess(ctx, p, 'SIGKILL', 5000)))
    // ... and a copy of them where kafka:down, which deletes the run dir, does not reach.
    const label = `${ctx.dist.version}-${new Date().toISOString().replace(/[:.]/g, '-')}`
    let kept: { dir: string; summary: string }
    try {
      kept = keepFailedStartLogs(join(ctx.runRoot, '.failed-starts'), label, paths)
    } catch {
      throw err
    }
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(`${message}\n\nWhat each node's log says went wrong:\n${kept.summary}\nThe nodes' logs are kept in ${kept.dir} (kafka:down deletes the run dir, not these).`, { cause: err })
  }
}

/**
 * Stops one node's JVM. A combined node cannot finish a controlled shutdown without a quorum:
 * SIGTERM to the last live node would hang until `graceMs`. So the last live node gets SIGKILL at
 * once, and a node left alone for 3 s while shutting down gets SIGKILL too.
 */
async function stopNodeProcess(ctx: Ctx, p: NodePaths, signal: 'SIGTERM' | 'SIGKILL', graceMs: number): Promise<void> {
  const pid = livePid(p)
  const othersAlive = () => NODE_IDS.some((id) => id !== p.id && livePid(nodePaths(ctx, id)) !== null)
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid!, sig)
    } catch {
      // already gone
    }
  }
  if (pid !== null) {
    if (signal === 'SIGTERM' && !othersAlive()) {
      ctx.log(`node ${p.id}: last live node, no quorum for a controlled shutdown: SIGKILL`)
      signal = 'SIGKILL'
    }
    kill(signal)
    if (signal === 'SIGTERM') {
      const deadline = Date.now() + graceMs
      let aloneSince: number | undefined
      while (isNodeProcess(pid, p.dir)) {
        const now = Date.now()
        aloneSince = othersAlive() ? undefined : (aloneSince ?? now)
        if (aloneSince !== undefined && now - aloneSince > 3000) {
          ctx.log(`node ${p.id}: left without quorum during shutdown: SIGKILL`)
          kill('SIGKILL')
          break
        }
        if (now > deadline) {
          ctx.log(`node ${p.id}: still alive ${graceMs} ms after SIGTERM: SIGKILL`)
          kill('SIGKILL')
          break
        }
        await sleep(100)
      }
    }
    if (!(await waitExit(pid, p.dir, 10_000))) throw new Error(`node ${p.id} (pid ${pid}) did not exit`)
  }
  rmSync(p.pidFile, { force: true })
  rmSync(p.readyFile, { force: true })
}

// ---------------------------------------------------------------------------------------------
// public API

/**
 * Starts the 3-node cluster (or the nodes of it that are not running) and waits until every node
 * is ready. Idempotent: when all 3 nodes already run and are ready it returns at once.
 * First start: fetches the jars (Maven), generates certs, formats the storage (with the SCRAM
 * users). Later starts reuse the formatted storage and never re-format.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<ClusterInfo> {
  const ctx = context(options)
  return withLock(ctx, async () => {
    const t0 = Date.now()
    const status = await statusOf(ctx)
    if (status.ready) {
      ctx.log(`Kafka ${ctx.dist.version} cluster already running and ready`)
      return clusterInfo(options)
    }
    assertNoOtherVersionRunning(ctx)
    await ensureKafkaLibs(ctx.dist, ctx.log)
    mkdirSync(ctx.runDir, { recursive: true })
    await ensureCerts(join(ctx.runDir, 'certs'))
    const clusterId = ensureClusterId(ctx)
    const unformatted = NODE_IDS.map((id) => nodePaths(ctx, id)).filter((p) => !isFormatted(p))
    if (unformatted.length > 0) {
      const tf = Date.now()
      for (const p of unformatted) renderServerProperties(ctx, p)
      await Promise.all(unformatted.map((p) => formatNode(ctx, p, clusterId)))
      ctx.log(`formatted node(s) ${unformatted.map((p) => p.id).join(', ')} in ${Date.now() - tf} ms (cluster id ${clusterId})`)
    }
    const ts = Date.now()
    await startNodes(ctx, NODE_IDS)
    await refreshScramUsers(ctx, NODE_IDS[0]!)
    ctx.log(
      `Kafka ${ctx.dist.version} cluster ready: JVM start to ready ${((Date.now() - ts) / 1000).toFixed(1)} s, ` +
        `total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
    return clusterInfo(options)
  })
}

/**
 * Stops every node: SIGTERM to all at once (controlled shutdown), SIGKILL to whatever is still
 * alive after `graceMs`. With `deleteData: true` the run dir is removed afterwards.
 */
export async function stopCluster(options: StopOptions = {}): Promise<void> {
  const ctx = context(options)
  await withLock(ctx, async () => {
    const graceMs = options.graceMs ?? 20_000
    await Promise.all(NODE_IDS.map((id) => stopNodeProcess(ctx, nodePaths(ctx, id), 'SIGTERM', graceMs)))
    if (options.deleteData) {
      rmSync(ctx.runDir, { recursive: true, force: true })
      ctx.log(`deleted ${ctx.runDir}`)
    }
  })
}

async function statusOf(ctx: Ctx): Promise<ClusterStatus> {
  const nodes = await Promise.all(
    NODE_IDS.map(async (id): Promise<NodeStatus> => {
      const p = nodePaths(ctx, id)
      const pid = readPid(p.pidFile)
      const alive = pid !== null && isNodeProcess(pid, p.dir)
      const open = await portOpen(nodePorts(id).plaintext)
      const running = alive && open
      const started = alive && ((existsSync(p.readyFile) && readPid(p.readyFile) === pid) || logHasReadyLine(p.log))
      return { id, pid, alive, portOpen: open, running, ready: running && started }
    }),
  )
  return {
    kafkaVersion: ctx.dist.version,
    runDir: ctx.runDir,
    formatted: NODE_IDS.every((id) => isFormatted(nodePaths(ctx, id))),
    nodes,
    running: nodes.filter((n) => n.running).length,
    ready: nodes.every((n) => n.ready),
  }
}

/** Which nodes run (pid alive and PLAINTEXT port open) and are ready. */
export async function clusterStatus(options: ClusterOptions = {}): Promise<ClusterStatus> {
  const ctx = context(options)
  if (fakeBackendSelected()) {
    const fake = fakeBackendInfo()
    const nodes = await Promise.all(
      NODE_IDS.map(async (id): Promise<NodeStatus> => {
        const open = await portOpen(fake.ports[id - 1]!)
        return { id, pid: process.pid, alive: open, portOpen: open, running: open, ready: open }
      }),
    )
    const running = nodes.filter((n) => n.running).length
    return { kafkaVersion: ctx.dist.version, runDir: ctx.runDir, formatted: true, nodes, running, ready: running === NODE_IDS.length }
  }
  return statusOf(ctx)
}

/** Graceful stop of one node (SIGTERM, wait for exit; SIGKILL after `graceMs`, default 30 s). */
export async function stopNode(id: number, options: StopOptions = {}): Promise<void> {
  checkNodeId(id)
  if (fakeBackendSelected()) return controlFakeNode('kill', id)
  const ctx = context(options)
  await withLock(ctx, () => stopNodeProcess(ctx, nodePaths(ctx, id), 'SIGTERM', options.graceMs ?? 30_000))
  ctx.log(`node ${id}: stopped`)
}

/** Crash one node: SIGKILL, wait until the process is gone (every thread, so its ports refuse connections). */
export async function killNode(id: number, options: ClusterOptions = {}): Promise<void> {
  checkNodeId(id)
  if (fakeBackendSelected()) return controlFakeNode('kill', id)
  const ctx = context(options)
  await withLock(ctx, () => stopNodeProcess(ctx, nodePaths(ctx, id), 'SIGKILL', 10_000))
  ctx.log(`node ${id}: killed`)
}

/**
 * (Re)starts one node of an already formatted cluster (never re-formats) and waits until it is
 * ready. No-op wait if it already runs. Needs a majority of voters: with the other two nodes
 * down, a lone node never becomes ready.
 */
export async function startNode(id: number, options: ClusterOptions = {}): Promise<void> {
  checkNodeId(id)
  if (fakeBackendSelected()) return controlFakeNode('restart', id)
  const ctx = context(options)
  await withLock(ctx, async () => {
    if (!isFormatted(nodePaths(ctx, id))) {
      throw new Error(`node ${id} of Kafka ${ctx.dist.version} is not formatted: start the cluster first`)
    }
    const t0 = Date.now()
    await startNodes(ctx, [id])
    await refreshScramUsers(ctx, id)
    ctx.log(`node ${id}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  })
}
