import { it } from 'vitest'
import { fuzzTarget } from './harness.js'
import { apiTargets } from './targets.js'

it('scratch', () => {
  const all = apiTargets()
  const names = (process.env.T ?? 'StreamsGroupDescribeResponse').split(',')
  for (const name of names) {
    const t = all.find((x) => x.name.startsWith(name + ' '))!
    for (let k = 0; k < 2; k++) {
      const s = fuzzTarget(t, 100000)
      console.log(name, (s.ms * 1000 / s.inputs).toFixed(2), 'us/input', s.decoded, 'slowest', s.slowestInputMs.toFixed(1))
    }
  }
})
