import { readFileSync, readdirSync } from 'node:fs'
import { basename, dirname } from 'node:path'

/** A testkit Kafka node found in the process table: its pid and the node dir it was started with. */
export interface TestkitNodeProcess {
  pid: number
  nodeDir: string
}

const NODE_PROPERTY = '-Dkafkats.testkit.node='
const CHECKOUT_MARK = '/tools/testkit/.run/'

/** The node dir a JVM's command line names (`-Dkafkats.testkit.node=<dir>`), or null for any other process. */
export function testkitNodeDir(cmdline: readonly string[]): string | null {
  const arg = cmdline.find((a) => a.startsWith(NODE_PROPERTY))
  return arg === undefined ? null : arg.slice(NODE_PROPERTY.length)
}

/** Every testkit node JVM on this machine (Linux `/proc`; empty elsewhere or when it cannot be read). */
export function testkitNodeProcesses(): TestkitNodeProcess[] {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
  } catch {
    return []
  }
  const found: TestkitNodeProcess[] = []
  for (const pid of pids) {
    try {
      const nodeDir = testkitNodeDir(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
      if (nodeDir !== null) found.push({ pid: Number(pid), nodeDir })
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

/** The port offset a node dir belongs to: `<root>/offset-<n>/<version>/node<id>` is n, `<root>/<version>/node<id>` 0. */
function offsetOf(nodeDir: string): number {
  const match = /^offset-(\d+)$/.exec(basename(dirname(dirname(nodeDir))))
  return match === null ? 0 : Number(match[1])
}

/** The base run root (`KAFKATS_RUN_DIR`) of a node dir on `offset`: above `<version>/node<id>`, and above `offset-<n>/` too. */
function runRootOf(nodeDir: string, offset: number): string {
  const root = dirname(dirname(nodeDir))
  return offset === 0 ? root : dirname(root)
}

/**
 * What to tell someone whose node `nodeId` cannot start because its port is taken: the testkit node
 * of the same id and port offset started from another run dir (another checkout or worktree whose
 * tests ran without their own `KAFKATS_PORT_OFFSET`), with how to stop it; or that none was found.
 */
export function describePortHolder(processes: readonly TestkitNodeProcess[], nodeId: number, offset: number, ownNodeDir: string): string {
  const holder = processes.find((p) => p.nodeDir !== ownNodeDir && basename(p.nodeDir) === `node${nodeId}` && offsetOf(p.nodeDir) === offset)
  if (holder === undefined) return 'no testkit node of another run dir holds it (see `ss -ltnp`)'
  const at = holder.nodeDir.indexOf(CHECKOUT_MARK)
  const stop =
    at >= 0
      ? `stop it with \`${offset === 0 ? '' : `KAFKATS_PORT_OFFSET=${offset} `}npm run kafka:down\` in ${holder.nodeDir.slice(0, at)}`
      : `stop it with \`kafka:down\` where it was started (KAFKATS_RUN_DIR=${runRootOf(holder.nodeDir, offset)})`
  return `it is held by the testkit node started from ${holder.nodeDir} (pid ${holder.pid}): ${stop}`
}
