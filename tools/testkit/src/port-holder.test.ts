import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { describePortHolder, testkitNodeDir, testkitNodeProcesses } from './port-holder.js'

const other = '/work/wt/me/tools/testkit/.run/4.3.1/node1'
const otherOffset = '/work/wt/me/tools/testkit/.run/offset-650/4.3.1/node1'
const own = '/work/cirun/repo/tools/testkit/.run/4.3.1/node1'

describe('who holds a node port', () => {
  it('reads the node dir from a JVM command line, and nothing from other processes', () => {
    expect(testkitNodeDir(['java', '-Xmx512m', `-Dkafkats.testkit.node=${other}`, 'kafka.Kafka', 'server.properties'])).toBe(other)
    expect(testkitNodeDir(['node', 'vitest'])).toBeNull()
  })

  it('names the node of another checkout on the same id and offset, and how to stop it', () => {
    const processes = [
      { pid: 11, nodeDir: otherOffset },
      { pid: 12, nodeDir: '/work/wt/me/tools/testkit/.run/4.3.1/node2' },
      { pid: 13, nodeDir: other },
    ]
    expect(describePortHolder(processes, 1, 0, own)).toBe(
      `it is held by the testkit node started from ${other} (pid 13): stop it with \`npm run kafka:down\` in /work/wt/me`,
    )
    expect(describePortHolder(processes, 1, 650, '/work/cirun/repo/tools/testkit/.run/offset-650/4.3.1/node1')).toBe(
      `it is held by the testkit node started from ${otherOffset} (pid 11): stop it with \`KAFKATS_PORT_OFFSET=650 npm run kafka:down\` in /work/wt/me`,
    )
  })

  it('does not blame its own node dir, another node id or another offset', () => {
    const processes = [
      { pid: 21, nodeDir: own },
      { pid: 22, nodeDir: '/work/wt/me/tools/testkit/.run/4.3.1/node3' },
      { pid: 23, nodeDir: otherOffset },
    ]
    expect(describePortHolder(processes, 1, 0, own)).toMatch(/^no testkit node of another run dir holds it/)
  })

  it('a run dir outside a checkout (KAFKATS_RUN_DIR) is named by its root', () => {
    expect(describePortHolder([{ pid: 31, nodeDir: '/tmp/runs/4.3.1/node2' }], 2, 0, own)).toBe(
      'it is held by the testkit node started from /tmp/runs/4.3.1/node2 (pid 31): stop it with `kafka:down` where it was started (KAFKATS_RUN_DIR=/tmp/runs)',
    )
  })

  it.runIf(process.platform === 'linux')('finds a process started with a node dir in /proc, by its pid', async () => {
    const nodeDir = `/tmp/port-holder-test-${process.pid}/4.3.1/node2`
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '--', `-Dkafkats.testkit.node=${nodeDir}`], { stdio: 'ignore' })
    try {
      await new Promise((resolve) => child.once('spawn', resolve))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(testkitNodeProcesses()).toContainEqual({ pid: child.pid, nodeDir })
    } finally {
      child.kill()
    }
    await new Promise((resolve) => child.once('exit', resolve))
    expect(testkitNodeProcesses().some((p) => p.pid === child.pid)).toBe(false)
  })
})
