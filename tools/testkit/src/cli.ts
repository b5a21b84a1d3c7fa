// kafkats testkit CLI: tsx src/cli.ts <command>   (env KAFKA_VERSION=3.9 selects Kafka 3.9.2)
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import {
  clusterInfo,
  clusterStatus,
  killNode,
  runVersions,
  startCluster,
  startNode,
  stopCluster,
  stopNode,
  type ClusterOptions,
} from './cluster.js'
import { CONF_DIR, DIST_DIR, ensureKafkaLibs, kafkaDist } from './dist.js'

const USAGE = `usage: tsx src/cli.ts <command>
  up                start the 3-node cluster (idempotent) and wait until it is ready
  down [--keep-data] stop every testkit cluster (all versions) and delete its run dir
  status [--json]   show the nodes (exit code 0 only if all 3 are ready)
  info              print ClusterInfo as JSON (bootstrap addresses, ports, users, CA path)
  stop-node N       graceful stop of node N (SIGTERM)
  kill-node N       crash node N (SIGKILL)
  start-node N      restart node N (no re-format) and wait until it is ready
  fetch             only fetch the Kafka jars (Maven) into kafka-dist/libs-<version>/
  smoke             check every listener/user/ACL/group type with Kafka's Java client
env: KAFKA_VERSION=4.3.1 (default) | 3.9   KAFKATS_RUN_DIR=<run root>   KAFKATS_KAFKA_HEAP_MB=512`

const log = (m: string) => process.stderr.write(`[testkit] ${m}\n`)
const opts: ClusterOptions = { log }

function nodeArg(arg: string | undefined): number {
  const id = Number(arg)
  if (![1, 2, 3].includes(id)) {
    process.stderr.write(`node id must be 1, 2 or 3\n${USAGE}\n`)
    process.exit(2)
  }
  return id
}

async function printStatus(json: boolean): Promise<boolean> {
  const st = await clusterStatus(opts)
  if (json) {
    process.stdout.write(JSON.stringify(st, null, 2) + '\n')
    return st.ready
  }
  const info = clusterInfo(opts)
  const rows = [['node', 'rack', 'pid', 'alive', 'port', 'ready', 'plaintext', 'sasl', 'ssl', 'sasl_ssl']]
  for (const n of st.nodes) {
    const ni = info.nodes.find((x) => x.id === n.id)
    rows.push([
      String(n.id),
      ni?.rack ?? '',
      n.pid === null ? '-' : String(n.pid),
      n.alive ? 'yes' : 'no',
      n.portOpen ? 'open' : 'closed',
      n.ready ? 'READY' : 'down',
      String(ni?.ports.plaintext ?? ''),
      String(ni?.ports.saslPlaintext ?? ''),
      String(ni?.ports.ssl ?? ''),
      String(ni?.ports.saslSsl ?? ''),
    ])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())
  process.stdout.write(
    `Kafka ${st.kafkaVersion}  ${st.running}/3 running${st.ready ? ', ready' : ''}  ${st.formatted ? '' : '(not formatted) '}run dir ${st.runDir}\n` +
      lines.join('\n') +
      '\n',
  )
  const others = runVersions(opts).filter((v) => v !== st.kafkaVersion)
  if (others.length > 0) process.stdout.write(`(run dirs of other versions exist: ${others.join(', ')})\n`)
  return st.ready
}

async function smoke(): Promise<number> {
  const info = await startCluster(opts)
  const dist = kafkaDist()
  await ensureKafkaLibs(dist, log)
  const logging =
    dist.line === '4'
      ? `-Dlog4j2.configurationFile=${join(CONF_DIR, 'log4j2-tools.properties')}`
      : `-Dlog4j.configuration=file:${join(CONF_DIR, 'tools-log4j.properties')}`
  const args = [
    logging,
    '-cp',
    join(dist.libsDir, '*'),
    join(DIST_DIR, 'smoke', 'Smoke.java'),
    info.caPath,
    String(info.consumerGroupProtocol),
  ]
  return new Promise((done) => {
    const child = spawn(process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    child.on('exit', (code) => done(code ?? 1))
    child.on('error', (e) => {
      log(`cannot run java: ${e.message}`)
      done(1)
    })
  })
}

async function main(argv: string[]): Promise<number> {
  const [cmd, arg] = argv
  switch (cmd) {
    case 'up': {
      const info = await startCluster(opts)
      log(`bootstrap PLAINTEXT ${info.bootstrap.plaintext.join(',')}  (CA ${info.caPath})`)
      return 0
    }
    case 'down': {
      const keep = argv.includes('--keep-data')
      const versions = new Set([...runVersions(opts), clusterInfo(opts).kafkaVersion])
      for (const v of versions) {
        await stopCluster({ ...opts, kafkaVersion: v, deleteData: !keep })
        log(`Kafka ${v}: stopped${keep ? '' : ', run dir deleted'}`)
      }
      return 0
    }
    case 'status':
      return (await printStatus(argv.includes('--json'))) ? 0 : 1
    case 'info':
      process.stdout.write(JSON.stringify(clusterInfo(opts), null, 2) + '\n')
      return 0
    case 'stop-node':
      await stopNode(nodeArg(arg), opts)
      return 0
    case 'kill-node':
      await killNode(nodeArg(arg), opts)
      return 0
    case 'start-node':
      await startNode(nodeArg(arg), opts)
      return 0
    case 'fetch': {
      const r = await ensureKafkaLibs(kafkaDist(), log)
      if (!r.fetched) log(`${kafkaDist().libsDir} is complete (cached)`)
      return 0
    }
    case 'smoke':
      return smoke()
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE + '\n')
      return cmd === undefined ? 2 : 0
    default:
      process.stderr.write(`unknown command '${cmd}'\n${USAGE}\n`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[testkit] error: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
