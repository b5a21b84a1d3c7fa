import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { clusterInfo, DEFAULT_KAFKA_VERSION, runRootFor, runVersions } from './cluster.js'

// Each port offset is its own cluster, so it gets its own run root: a run without the offset once
// saw another offset's node pids and data as its own and stopped that cluster.
describe('run root per port offset', () => {
  const dirs: string[] = []
  const tempRoot = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkats-run-root-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    vi.unstubAllEnvs()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it.each([
    { offset: 0, expected: '/base' },
    { offset: 100, expected: '/base/offset-100' },
    { offset: 650, expected: '/base/offset-650' },
  ])('offset $offset → $expected', ({ offset, expected }) => {
    expect(runRootFor('/base', offset)).toBe(expected)
  })

  it('puts the cluster of KAFKATS_PORT_OFFSET=100 under offset-100, the default one at the root', () => {
    const root = tempRoot()
    vi.stubEnv('KAFKATS_PORT_OFFSET', '100')
    expect(clusterInfo({ runRoot: root }).runDir).toBe(join(root, 'offset-100', DEFAULT_KAFKA_VERSION))
    vi.stubEnv('KAFKATS_PORT_OFFSET', '0')
    expect(clusterInfo({ runRoot: root }).runDir).toBe(join(root, DEFAULT_KAFKA_VERSION))
  })

  it('does not count another offset\'s directory as a Kafka version of this one', () => {
    const root = tempRoot()
    for (const dir of [join(root, DEFAULT_KAFKA_VERSION), join(root, 'offset-100'), join(root, 'offset-100', '3.9.2')]) mkdirSync(dir, { recursive: true })
    writeFileSync(join(root, DEFAULT_KAFKA_VERSION, 'cluster.json'), '{}')
    writeFileSync(join(root, 'offset-100', 'cluster.json'), '{}')
    writeFileSync(join(root, 'offset-100', '3.9.2', 'cluster.json'), '{}')
    vi.stubEnv('KAFKATS_PORT_OFFSET', '0')
    expect(runVersions({ runRoot: root })).toEqual([DEFAULT_KAFKA_VERSION])
    vi.stubEnv('KAFKATS_PORT_OFFSET', '100')
    expect(runVersions({ runRoot: root })).toEqual(['3.9.2'])
  })
})
