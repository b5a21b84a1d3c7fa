/**
 * Prints the hottest functions of a V8 CPU profile (`node --cpu-prof`, which the produce and
 * consume benches pass to their children with `--profile`): self time and total (inclusive) time.
 *
 *   npx tsx src/cpu-profile-top.ts profiles/produce-1024-kafkats-if5-....cpuprofile [--top=25] [--filter=kafkats]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const file = process.argv[2]
if (file === undefined) throw new Error('usage: cpu-profile-top.ts <file.cpuprofile> [--top=N] [--filter=text]')
const top = Number(process.argv.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 25)
const filter = process.argv.find((arg) => arg.startsWith('--filter='))?.slice(9)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

// time per sample: the delta to the next sample
const selfMicros = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i + 1] ?? 0
  const id = profile.samples[i]!
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta)
}
const totalMicros = [...selfMicros.values()].reduce((a, b) => a + b, 0)

const shorten = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '').replace(/^.*node_modules\//, '')
const keyOf = (node: ProfileNode): string => {
  const frame = node.callFrame
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
  return frame.url === '' ? name : `${name}  ${shorten(frame.url)}:${frame.lineNumber + 1}`
}

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!
  self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + micros)
  // inclusive: once per distinct function on the stack
  const seen = new Set<string>()
  for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
    const key = keyOf(byId.get(current)!)
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros)
  }
}

const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title} (of ${(totalMicros / 1e6).toFixed(2)} s sampled)\n`)
  const entries = [...map].filter(([key]) => filter === undefined || key.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)
  for (const [key, micros] of entries) process.stdout.write(`${((micros / totalMicros) * 100).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(6)} s  ${key}\n`)
}
print('self time', self)
print('total time', inclusive)
