import { cooperativeStickyAssignor } from './cooperative-sticky.js'
import { rangeAssignor } from './range.js'
import { roundRobinAssignor } from './round-robin.js'
import type { Assignor } from './types.js'

/** The assignors kafkats ships, by their JoinGroup protocol name. */
export const builtinAssignors: Readonly<Record<'range' | 'roundrobin' | 'cooperative-sticky', Assignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
}
