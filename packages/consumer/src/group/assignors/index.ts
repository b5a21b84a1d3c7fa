export { cooperativeStickyAssignor, stickyAssign, withoutPartitionsStillOwnedElsewhere } from './cooperative-sticky.js'
export { rangeAssignor } from './range.js'
export { roundRobinAssignor } from './round-robin.js'
export {
  type Assignor,
  type AssignorInput,
  type AssignorMember,
  type AssignorPartition,
  type GroupAssignment,
  type TopicPartition,
  useRackAwareAssignment,
} from './types.js'
export { builtinAssignors } from './builtin.js'
