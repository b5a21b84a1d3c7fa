/**
 * The verdicts the produce and consume benches print under their tables: issue #14's targets
 * (kafkats against franz-go, and its lead over the other Node clients) and issue #15's (the cost of
 * @kafkats/kafkajs against kafkats itself and KafkaJS). Everything is computed from the medians of
 * one run: on the shared machine, numbers from different runs are not comparable.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fmt } from './live-support.js'

/** One client's median run at one value size. */
export interface Summary {
  recordsPerSecond: number
  /** Client CPU (user + system) over the timed window. */
  cpuSeconds: number
  records: number
  peakRssMiB: number
}

/** Median runs of one value size, by client ('kafkats' is kafkats with its defaults). */
export interface SizeSummaries {
  size: number
  clients: Map<string, Summary>
}

/** The other Node clients kafkats must stay ahead of (issue #14). */
const NODE_PEERS = ['@platformatic/kafka', 'kafkajs']
const RATE_TARGET = 0.9
const CPU_TARGET = 1.5
const RSS_FACTOR = 2
const RSS_ALLOWANCE_MIB = 60
const COMPAT_SLOWDOWN_MAX = 0.1
const COMPAT_OVER_KAFKAJS_MIN = 2

const sizeName = (size: number): string => (size === 1024 ? '1 KiB' : `${size} B`)
const cpuPerRecordMicros = (s: Summary): number => (s.cpuSeconds * 1e6) / s.records
const verdict = (met: boolean): string => (met ? 'met' : '**missed**')

/** Issue #14's targets, one row per value size and target. */
export function targetsSection(kind: 'produce' | 'consume', bySize: SizeSummaries[]): string[] {
  const lines = ['## Targets (issue #14; medians of this run)', '']
  lines.push('| value size | target | kafkats | franz-go (or the other client) | ratio | verdict |')
  lines.push('| --- | --- | ---: | ---: | ---: | --- |')
  for (const { size, clients } of bySize) {
    const kafkats = clients.get('kafkats')
    const franz = clients.get('franz-go')
    if (kafkats === undefined) {
      lines.push(`| ${sizeName(size)} | all | **no kafkats run** | | | |`)
      continue
    }
    if (franz === undefined) {
      lines.push(`| ${sizeName(size)} | franz-go targets | | **no franz-go run** | | |`)
    } else {
      const rate = kafkats.recordsPerSecond / franz.recordsPerSecond
      lines.push(`| ${sizeName(size)} | ${kind} records/s ≥ ${RATE_TARGET}× franz-go | ${fmt.int(kafkats.recordsPerSecond)} | ${fmt.int(franz.recordsPerSecond)} | ${fmt.ratio(rate)} | ${verdict(rate >= RATE_TARGET)} |`)
      const cpu = cpuPerRecordMicros(kafkats) / cpuPerRecordMicros(franz)
      lines.push(`| ${sizeName(size)} | client CPU µs/record ≤ ${CPU_TARGET}× franz-go | ${cpuPerRecordMicros(kafkats).toFixed(2)} | ${cpuPerRecordMicros(franz).toFixed(2)} | ${fmt.ratio(cpu)} | ${verdict(cpu <= CPU_TARGET)} |`)
      const limit = RSS_FACTOR * franz.peakRssMiB + RSS_ALLOWANCE_MIB
      lines.push(
        `| ${sizeName(size)} | peak RSS MiB ≤ ${RSS_FACTOR}× franz-go + ${RSS_ALLOWANCE_MIB} (= ${fmt.int(limit)}) | ${fmt.int(kafkats.peakRssMiB)} | ${fmt.int(franz.peakRssMiB)} | ${fmt.ratio(kafkats.peakRssMiB / franz.peakRssMiB)} | ${verdict(kafkats.peakRssMiB <= limit)} |`,
      )
    }
    for (const peer of NODE_PEERS) {
      const other = clients.get(peer)
      if (other === undefined) continue
      const ratio = kafkats.recordsPerSecond / other.recordsPerSecond
      lines.push(`| ${sizeName(size)} | records/s ahead of ${peer} | ${fmt.int(kafkats.recordsPerSecond)} | ${fmt.int(other.recordsPerSecond)} | ${fmt.ratio(ratio)} | ${verdict(ratio > 1)} |`)
    }
  }
  lines.push('')
  return lines
}

/** Issue #15 item 4: @kafkats/kafkajs against kafkats and against KafkaJS, per value size. */
export function compatSection(kind: 'produce' | 'consume', bySize: SizeSummaries[]): string[] {
  if (!bySize.some(({ clients }) => clients.has('@kafkats/kafkajs'))) return []
  const lines = [`## @kafkats/kafkajs (issue #15: ≤ ${COMPAT_SLOWDOWN_MAX * 100}% slower than kafkats, ≥ ${COMPAT_OVER_KAFKAJS_MIN}× KafkaJS; medians of this run)`, '']
  lines.push('| value size | @kafkats/kafkajs records/s | kafkats records/s | KafkaJS records/s | ÷ kafkats | ≤ 10% slower | ÷ KafkaJS | ≥ 2× KafkaJS | CPU µs/record: compat / kafkats / KafkaJS | peak RSS MiB: compat / kafkats / KafkaJS |')
  lines.push('| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: |')
  for (const { size, clients } of bySize) {
    const compat = clients.get('@kafkats/kafkajs')
    const kafkats = clients.get('kafkats')
    const kafkajs = clients.get('kafkajs')
    if (compat === undefined) {
      lines.push(`| ${sizeName(size)} | **no run** | | | | | | | | |`)
      continue
    }
    const overNative = kafkats === undefined ? undefined : compat.recordsPerSecond / kafkats.recordsPerSecond
    const overKafkajs = kafkajs === undefined ? undefined : compat.recordsPerSecond / kafkajs.recordsPerSecond
    const cpu = [compat, kafkats, kafkajs].map((s) => (s === undefined ? '–' : cpuPerRecordMicros(s).toFixed(2))).join(' / ')
    const rss = [compat, kafkats, kafkajs].map((s) => (s === undefined ? '–' : fmt.int(s.peakRssMiB))).join(' / ')
    lines.push(
      `| ${sizeName(size)} | ${fmt.int(compat.recordsPerSecond)} | ${kafkats === undefined ? '–' : fmt.int(kafkats.recordsPerSecond)} | ${kafkajs === undefined ? '–' : fmt.int(kafkajs.recordsPerSecond)} | ${overNative === undefined ? '–' : fmt.ratio(overNative)} | ${overNative === undefined ? '–' : verdict(overNative >= 1 - COMPAT_SLOWDOWN_MAX)} | ${overKafkajs === undefined ? '–' : fmt.ratio(overKafkajs)} | ${overKafkajs === undefined ? '–' : verdict(overKafkajs >= COMPAT_OVER_KAFKAJS_MIN)} | ${cpu} | ${rss} |`,
    )
  }
  lines.push('')
  // The kafkats client @kafkats/kafkajs runs underneath, through kafkats' own API and (produce) the
  // same call pattern: compat ÷ it is the layer's own cost, apart from the API's call pattern.
  const underneath = kind === 'consume' ? { client: 'kafkats-group', name: 'kafkats GroupConsumer (the consumer underneath @kafkats/kafkajs, its own API)' } : { client: 'kafkats-batch', name: 'kafkats Producer under the same driver (`sendBatch` of the same calls, the options @kafkats/kafkajs sets)' }
  for (const { size, clients } of bySize) {
    const compat = clients.get('@kafkats/kafkajs')
    const base = clients.get(underneath.client)
    if (compat === undefined || base === undefined) continue
    const ratio = compat.recordsPerSecond / base.recordsPerSecond
    lines.push(
      `${sizeName(size)}: ${underneath.name} ${fmt.int(base.recordsPerSecond)} records/s, ${cpuPerRecordMicros(base).toFixed(2)} µs/record, peak RSS ${fmt.int(base.peakRssMiB)} MiB; @kafkats/kafkajs ÷ it = ${fmt.ratio(ratio)} (${verdict(ratio >= 1 - COMPAT_SLOWDOWN_MAX)} against it), CPU per record ${fmt.ratio(cpuPerRecordMicros(compat) / cpuPerRecordMicros(base))} of it.`,
    )
    lines.push('')
  }
  lines.push(`(${kind}: @kafkats/kafkajs and KafkaJS run the same code, only the import differs; kafkats is driven through its own API; settings in ${kind}.md.)`)
  lines.push('')
  return lines
}

const COMPAT_HEADER = `# @kafkats/kafkajs: the cost of the KafkaJS API on kafkats (issue #15 item 4)

Written by the produce and consume benches (apps/bench/src/produce.bench.ts, consume.bench.ts): each
replaces its own section below with the @kafkats/kafkajs rows of its latest full run (or of a run
of just the clients compared here, with \`--write-compat\`), next to
kafkats (its own API) and KafkaJS 2.2.4 **from the same run** (same cluster, same rounds in balanced orders;
the machine is shared, so only numbers of one run compare). @kafkats/kafkajs and KafkaJS run the
very same benchmark code (\`producer.send({ topic, acks, messages })\` in chunks of 5,000, 4 calls in
flight; \`consumer.run({ eachBatch })\`); only the import line differs. When a run includes them, the
line under each table compares with the kafkats client the layer runs underneath, through kafkats'
own API (\`--clients=...,kafkats-group\` for consume: the GroupConsumer; \`--clients=...,kafkats-batch\`
for produce: the Producer under the same \`sendBatch\` calls): that ratio is the layer's own cost,
while "÷ kafkats" also includes the difference between the two APIs' call patterns (a group
consumer against a direct one; 4 × 5,000-record calls against a window of single-record sends).
The full tables, settings and caveats are in produce.md and consume.md.
`

/** Replaces the `kind` section of results/kafkajs-compat.md (creating the file if needed) with this run's rows. */
export function writeCompatSection(file: string, kind: 'produce' | 'consume', command: string, section: string[]): void {
  const begin = `<!-- ${kind}:begin -->`
  const end = `<!-- ${kind}:end -->`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : `${COMPAT_HEADER}\n<!-- produce:begin -->\n<!-- produce:end -->\n\n<!-- consume:begin -->\n<!-- consume:end -->\n`
  if (!text.includes(begin) || !text.includes(end)) text += `\n${begin}\n${end}\n`
  const body = [begin, `## ${kind === 'produce' ? 'Produce' : 'Consume'}`, '', `- Command: \`${command}\` (from the repository root)`, `- Date: ${new Date().toISOString()}`, '', ...section.slice(2), end].join('\n')
  text = text.slice(0, text.indexOf(begin)) + body + text.slice(text.indexOf(end) + end.length)
  writeFileSync(file, text)
}
