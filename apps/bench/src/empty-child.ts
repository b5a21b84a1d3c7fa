/**
 * The reference child of the produce and consume benches: the same runtime and harness as a
 * client's child (Node, child-support.ts, the payloads of the scenario's value size) with no
 * Kafka client loaded. Its resident set is what every Node client's RSS starts from. The consume
 * children make no payloads (they only read), so the consume bench passes `payloads: false`: making
 * them (1,000 values built by string concatenation) alone took this child's peak from ~50 to
 * ~120 MiB at 1 KiB, which is no part of a consumer's floor.
 */
import { makePayloads, peakRssMiB, scenarioArgument } from './child-support.js'

const scenario = scenarioArgument<{ size: number; payloads?: boolean }>()
if (scenario === undefined) throw new Error('empty-child.ts is started by a bench with --scenario=<json>')
if (scenario.payloads !== false) makePayloads(scenario.size)
const result = { rssMiB: process.memoryUsage.rss() / 1024 / 1024, peakRssMiB: peakRssMiB() }
process.stdout.write(`\n${JSON.stringify(result)}\n`)
