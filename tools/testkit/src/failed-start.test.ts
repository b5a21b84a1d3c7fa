import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { keepFailedStartLogs, problemLines } from './failed-start.js'

const temps: string[] = []
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('the lines of a failed start that say what went wrong', () => {
  it.each([
    ['[2026-12-04 23:10:01,123] ERROR Exiting Kafka due to fatal exception during startup. (kafka.Kafka$)', true],
    ['[2026-12-04 23:10:01,123] FATAL [RaftManager id=3] Had an error during log cleaning', true],
    ['java.lang.RuntimeException: Invalid cluster.id in: /tmp/node3/meta.properties', true],
    ['Error: Could not find or load main class kafka.Kafka', true],
    ['java.lang.OutOfMemoryError: Java heap space', true],
    ['[2026-12-04 23:10:00,001] INFO [KafkaRaftServer nodeId=3] Kafka Server started (kafka.server.KafkaRaftServer)', false],
    ['[2026-12-04 23:10:00,001] WARN [SocketServer] unexpected EOF', false],
    ['[2026-12-04 23:10:00,001] INFO errors.tolerance = none', false],
  ])('%s → %s', (line, found) => {
    expect(problemLines(`INFO before\n${line}\nINFO after`).lines).toEqual(found ? [line] : [])
  })

  it('keeps the first ones, cut to 300 characters, and counts them all', () => {
    const text = Array.from({ length: 20 }, (_, i) => `ERROR number ${i} ${'x'.repeat(i === 0 ? 400 : 0)}`).join('\n')
    const { lines, total } = problemLines(text, 3)
    expect(total).toBe(20)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toHaveLength(301)
    expect(lines[1]).toBe('ERROR number 1 ')
  })
})

describe('keeping the logs of a failed start', () => {
  it('copies every node\'s logs out of the run dir and summarises each node\'s problem lines', () => {
    const root = mkdtempSync(join(tmpdir(), 'failed-start-'))
    temps.push(root)
    const node = (id: number, log: string | null) => {
      const dir = join(root, 'run', `node${id}`)
      mkdirSync(dir, { recursive: true })
      if (log !== null) writeFileSync(join(dir, 'stdout.log'), log)
      writeFileSync(join(dir, 'server.properties'), `node.id=${id}\n`)
      return { id, dir, log: join(dir, 'stdout.log') }
    }
    const nodes = [node(1, 'INFO started\n'), node(3, 'INFO starting\nERROR Exiting Kafka due to fatal exception\nINFO shutting down\n'), node(2, null)]
    const { dir, summary } = keepFailedStartLogs(join(root, 'kept'), '4.3.1-2026-12-05T01-00-00Z', nodes)
    // Outside the run dir, which kafka:down deletes.
    rmSync(join(root, 'run'), { recursive: true })
    expect(dir).toBe(join(root, 'kept', '4.3.1-2026-12-05T01-00-00Z'))
    expect(readdirSync(dir).sort()).toEqual(['node1-server.properties', 'node1-stdout.log', 'node2-server.properties', 'node3-server.properties', 'node3-stdout.log'])
    expect(readFileSync(join(dir, 'node3-stdout.log'), 'utf8')).toContain('ERROR Exiting Kafka')
    expect(summary).toBe(
      [
        'node 1: no ERROR/FATAL/exception line in its log',
        'node 3: 1 ERROR/FATAL/exception line(s):\n  ERROR Exiting Kafka due to fatal exception',
        'node 2: no ERROR/FATAL/exception line in its log',
      ].join('\n'),
    )
  })
})
