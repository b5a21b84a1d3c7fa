import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

/**
 * Evidence of a cluster start that failed. The error's own "last lines" of a node's log often show
 * only the JVM shutting down, and `kafka:down` (which every CI run ends with) deletes the run dir
 * and the logs with it: a start that failed once in CI could not be explained afterwards. So the
 * logs are copied where `kafka:down` does not reach, and the lines that say what went wrong are
 * put in the error itself.
 */

/** A log line that says what went wrong: log4j's ERROR/FATAL, a JVM or exception line. */
const PROBLEM = /\b(ERROR|FATAL)\b|Exception\b|^Error:|OutOfMemory|Killed|fatal error/

/** How much of a log the search reads (its last bytes: a start's log is small; an old run's tail is what matters). */
const READ_MAX_BYTES = 8 * 1024 * 1024

/** The first `max` problem lines of `text`, each cut to 300 characters, and how many there were. */
export function problemLines(text: string, max = 12): { lines: string[]; total: number } {
  const all = text.split('\n').filter((line) => PROBLEM.test(line))
  return { lines: all.slice(0, max).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)), total: all.length }
}

function readEnd(file: string): string {
  try {
    const size = statSync(file).size
    const length = Math.min(size, READ_MAX_BYTES)
    const buffer = Buffer.alloc(length)
    const fd = openSync(file, 'r')
    try {
      readSync(fd, buffer, 0, length, size - length)
    } finally {
      closeSync(fd)
    }
    return buffer.toString('utf8')
  } catch {
    return ''
  }
}

/**
 * Copies each node's logs (`<nodeDir>/stdout.log`, `stdout.prev.log`, `server.properties`) to
 * `<keepRoot>/<label>/node<id>-<file>` and returns that directory with a summary of the problem
 * lines of each node's log, for the error message.
 */
export function keepFailedStartLogs(keepRoot: string, label: string, nodes: ReadonlyArray<{ id: number; dir: string; log: string }>): { dir: string; summary: string } {
  const dir = join(keepRoot, label)
  mkdirSync(dir, { recursive: true })
  const parts: string[] = []
  for (const node of nodes) {
    for (const file of [node.log, join(node.dir, 'stdout.prev.log'), join(node.dir, 'server.properties')]) {
      if (existsSync(file)) copyFileSync(file, join(dir, `node${node.id}-${basename(file)}`))
    }
    const { lines, total } = problemLines(readEnd(node.log))
    parts.push(
      total === 0
        ? `node ${node.id}: no ERROR/FATAL/exception line in its log`
        : `node ${node.id}: ${total} ERROR/FATAL/exception line(s)${total > lines.length ? `, the first ${lines.length}` : ''}:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    )
  }
  return { dir, summary: parts.join('\n') }
}
