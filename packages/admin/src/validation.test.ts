// Every public admin method, called with wrong arguments (as plain JavaScript or `any` data would),
// rejects with an InvalidArgumentError naming the field, before any request leaves the client:
// the fake broker behind the admin must have received nothing at all (not even ApiVersions).
import { ConnectionPool } from '@kafkats/connection'
import { ClusterMetadata } from '@kafkats/metadata'
import { ConfigError, InvalidArgumentError } from '@kafkats/protocol'
import { FakeBroker } from '@kafkats/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from './admin.js'

let broker: FakeBroker
let pool: ConnectionPool
let metadata: ClusterMetadata
let admin: Admin

beforeAll(async () => {
  broker = await FakeBroker.start()
  pool = new ConnectionPool({ clientId: 'admin-validation', requestTimeoutMs: 2_000 })
  metadata = new ClusterMetadata({ bootstrapBrokers: [broker.address], pool })
  admin = new Admin({ metadata, pool })
})

afterAll(async () => {
  metadata.close()
  pool.close()
  await broker.close()
})

/** `any`-typed stand-in for values a JavaScript caller could pass. */
const js = (value: unknown): never => value as never
const okTopic = { topic: 'orders', partitions: 1 }
const binding = { resourceType: 'topic', resourceName: 'orders', principal: 'User:alice', operation: 'read', permission: 'allow' } as const
const abort = { topic: 'orders', partition: 0, producerId: 7n, producerEpoch: 0, coordinatorEpoch: 0 }

/** [what, call, the field the error must name]. */
const cases: Array<[string, () => Promise<unknown>, string]> = [
  // topics
  ['createTopics: not an array', () => admin.createTopics(js('orders')), 'topics'],
  ['createTopics: empty', () => admin.createTopics([]), 'topics'],
  ['createTopics: null entry', () => admin.createTopics([js(null)]), 'topics[0]'],
  ['createTopics: illegal name', () => admin.createTopics([{ topic: 'has space' }]), 'topics[0].topic'],
  ['createTopics: name of 250 characters', () => admin.createTopics([{ topic: 'a'.repeat(250) }]), 'topics[0].topic'],
  ['createTopics: name ".."', () => admin.createTopics([{ topic: '..' }]), 'topics[0].topic'],
  ['createTopics: partitions 0', () => admin.createTopics([{ topic: 'orders', partitions: 0 }]), 'topics[0].partitions'],
  ['createTopics: partitions "3"', () => admin.createTopics([{ topic: 'orders', partitions: js('3') }]), 'topics[0].partitions'],
  ['createTopics: partitions 1.5', () => admin.createTopics([{ topic: 'orders', partitions: 1.5 }]), 'topics[0].partitions'],
  ['createTopics: replicationFactor 40000', () => admin.createTopics([{ topic: 'orders', replicationFactor: 40_000 }]), 'topics[0].replicationFactor'],
  ['createTopics: config value a number', () => admin.createTopics([{ topic: 'orders', configs: js({ 'retention.ms': 1000 }) }]), 'topics[0].configs.retention.ms'],
  ['createTopics: configs a string', () => admin.createTopics([{ topic: 'orders', configs: js('retention.ms=1') }]), 'topics[0].configs'],
  ['createTopics: assignments and partitions', () => admin.createTopics([{ topic: 'orders', partitions: 1, assignments: [[1]] }]), 'topics[0].assignments'],
  ['createTopics: a broker twice', () => admin.createTopics([{ topic: 'orders', assignments: [[1, 1]] }]), 'topics[0].assignments[0]'],
  ['createTopics: broker id -1', () => admin.createTopics([{ topic: 'orders', assignments: [[-1]] }]), 'topics[0].assignments[0][0]'],
  ['createTopics: the same topic twice', () => admin.createTopics([okTopic, okTopic]), 'topics[1]'],
  ['createTopics: options null', () => admin.createTopics([okTopic], js(null)), 'options'],
  ['createTopics: timeoutMs -1', () => admin.createTopics([okTopic], { timeoutMs: -1 }), 'options.timeoutMs'],
  ['createTopics: validateOnly "yes"', () => admin.createTopics([okTopic], { validateOnly: js('yes') }), 'options.validateOnly'],
  ['createTopics: waitForLeaders 1', () => admin.createTopics([okTopic], { waitForLeaders: js(1) }), 'options.waitForLeaders'],
  ['deleteTopics: a string', () => admin.deleteTopics(js('orders')), 'topics'],
  ['deleteTopics: null', () => admin.deleteTopics(js(null)), 'topics'],
  ['deleteTopics: a number in the list', () => admin.deleteTopics(js([42])), 'topics[0]'],
  ['deleteTopics: a bad topic id', () => admin.deleteTopics({ topicIds: ['not-an-id'] }), 'topicIds[0]'],
  ['deleteTopics: the zero topic id', () => admin.deleteTopics({ topicIds: ['AAAAAAAAAAAAAAAAAAAAAA'] }), 'topicIds[0]'],
  ['deleteTopics: timeoutMs NaN', () => admin.deleteTopics(['orders'], { timeoutMs: Number.NaN }), 'options.timeoutMs'],
  ['listTopics: options a string', () => admin.listTopics(js('all')), 'options'],
  ['listTopics: includeInternal "true"', () => admin.listTopics({ includeInternal: js('true') }), 'options.includeInternal'],
  ['describeTopics: a string', () => admin.describeTopics(js('orders')), 'topics'],
  ['describeTopics: empty name', () => admin.describeTopics(['']), 'topics[0]'],
  ['describeTopics: includeAuthorizedOperations 1', () => admin.describeTopics(['orders'], { includeAuthorizedOperations: js(1) }), 'options.includeAuthorizedOperations'],
  ['createPartitions: null entry', () => admin.createPartitions([js(null)]), 'topics[0]'],
  ['createPartitions: count 0', () => admin.createPartitions([{ topic: 'orders', count: 0 }]), 'topics[0].count'],
  ['createPartitions: count missing', () => admin.createPartitions([js({ topic: 'orders' })]), 'topics[0].count'],
  ['createPartitions: validateOnly "no"', () => admin.createPartitions([{ topic: 'orders', count: 2 }], { validateOnly: js('no') }), 'options.validateOnly'],
  // configs
  ['describeConfigs: null resource', () => admin.describeConfigs([js(null)]), 'resources[0]'],
  ['describeConfigs: unknown type', () => admin.describeConfigs([{ type: js('nope'), name: 'x' }]), 'resources[0].type'],
  ['describeConfigs: broker named by host', () => admin.describeConfigs([{ type: 'broker', name: 'broker-1' }]), 'resources[0].name'],
  ['describeConfigs: name a number', () => admin.describeConfigs([{ type: 'topic', name: js(1) }]), 'resources[0].name'],
  ['describeConfigs: keys not an array', () => admin.describeConfigs([{ type: 'topic', name: 'orders', keys: js('retention.ms') }]), 'resources[0].keys'],
  ['describeConfigs: includeSynonyms "no"', () => admin.describeConfigs([{ type: 'topic', name: 'orders' }], { includeSynonyms: js('no') }), 'options.includeSynonyms'],
  ['incrementalAlterConfigs: set without value', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [{ key: 'retention.ms', op: 'set' }] }]), 'resources[0].operations[0].value'],
  ['incrementalAlterConfigs: value a number', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [{ key: 'retention.ms', op: 'set', value: js(5) }] }]), 'resources[0].operations[0].value'],
  ['incrementalAlterConfigs: unknown op', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [{ key: 'retention.ms', op: js('replace'), value: '1' }] }]), 'resources[0].operations[0].op'],
  ['incrementalAlterConfigs: null operation', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [js(null)] }]), 'resources[0].operations[0]'],
  ['incrementalAlterConfigs: no operations', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [] }]), 'resources[0].operations'],
  ['incrementalAlterConfigs: validateOnly 1', () => admin.incrementalAlterConfigs([{ type: 'topic', name: 'orders', operations: [{ key: 'a', op: 'delete' }] }], { validateOnly: js(1) }), 'options.validateOnly'],
  // offsets
  ['listOffsets: null', () => admin.listOffsets(js(null)), 'request'],
  ['listOffsets: an array', () => admin.listOffsets(js(['orders'])), 'request'],
  ['listOffsets: unknown spec', () => admin.listOffsets({ orders: js('newest') }), 'request.orders'],
  ['listOffsets: negative timestamp', () => admin.listOffsets({ orders: { timestamp: -5n } }), 'request.orders.timestamp'],
  ['listOffsets: no partitions', () => admin.listOffsets({ orders: {} }), 'request.orders'],
  ['listOffsets: partition "x"', () => admin.listOffsets({ orders: js({ x: 'latest' }) }), 'request.orders'],
  ['listOffsets: a null spec', () => admin.listOffsets({ orders: js({ 0: null }) }), 'request.orders.0'],
  ['listOffsets: a number spec', () => admin.listOffsets({ orders: js({ 0: 5 }) }), 'request.orders.0'],
  ['listOffsets: illegal topic', () => admin.listOffsets({ 'a b': 'latest' }), 'request'],
  ['listOffsets: isolationLevel', () => admin.listOffsets({ orders: 'latest' }, { isolationLevel: js('committed') }), 'options.isolationLevel'],
  ['deleteRecords: null', () => admin.deleteRecords(js(null)), 'request'],
  ['deleteRecords: offset a string', () => admin.deleteRecords({ orders: { 0: js('5') } }), 'request.orders.0'],
  ['deleteRecords: offset -2', () => admin.deleteRecords({ orders: { 0: -2n } }), 'request.orders.0'],
  ['deleteRecords: partitions an array', () => admin.deleteRecords({ orders: js([5n]) }), 'request.orders'],
  // groups
  ['listGroups: options 5', () => admin.listGroups(js(5)), 'options'],
  ['listGroups: states a string', () => admin.listGroups({ states: js('Empty') }), 'options.states'],
  ['listGroups: types [1]', () => admin.listGroups({ types: js([1]) }), 'options.types[0]'],
  ['describeGroups: a string', () => admin.describeGroups(js('billing')), 'groupIds'],
  ['describeGroups: empty id', () => admin.describeGroups(['']), 'groupIds[0]'],
  ['describeGroups: twice', () => admin.describeGroups(['a', 'a']), 'groupIds[1]'],
  ['describeGroups: includeAuthorizedOperations "y"', () => admin.describeGroups(['a'], { includeAuthorizedOperations: js('y') }), 'options.includeAuthorizedOperations'],
  ['deleteGroups: null', () => admin.deleteGroups(js(null)), 'groupIds'],
  ['removeMembers: group id 5', () => admin.removeMembers(js(5)), 'groupId'],
  ['removeMembers: members null', () => admin.removeMembers('billing', js(null)), 'members'],
  ['removeMembers: an empty member', () => admin.removeMembers('billing', [js({})]), 'members[0]'],
  ['removeMembers: memberId 1', () => admin.removeMembers('billing', [{ memberId: js(1) }]), 'members[0].memberId'],
  ['removeMembers: reason 1', () => admin.removeMembers('billing', [{ memberId: 'm', reason: js(1) }]), 'members[0].reason'],
  ['fetchOffsets: group id null', () => admin.fetchOffsets(js(null)), 'groupId'],
  ['fetchOffsets: topics a string', () => admin.fetchOffsets('billing', js('orders')), 'topics'],
  ['fetchOffsets: partition -1', () => admin.fetchOffsets('billing', { orders: [-1] }), 'topics.orders[0]'],
  ['fetchOffsets: requireStable "yes"', () => admin.fetchOffsets('billing', null, { requireStable: js('yes') }), 'options.requireStable'],
  ['alterOffsets: null offsets', () => admin.alterOffsets('billing', js(null)), 'offsets'],
  ['alterOffsets: offset -1', () => admin.alterOffsets('billing', { orders: { 0: -1n } }), 'offsets.orders.0.offset'],
  ['alterOffsets: offset "5"', () => admin.alterOffsets('billing', { orders: { 0: js('5') } }), 'offsets.orders.0.offset'],
  ['alterOffsets: leaderEpoch 1.5', () => admin.alterOffsets('billing', { orders: { 0: { offset: 5n, leaderEpoch: 1.5 } } }), 'offsets.orders.0.leaderEpoch'],
  ['alterOffsets: metadata 1', () => admin.alterOffsets('billing', { orders: { 0: { offset: 5n, metadata: js(1) } } }), 'offsets.orders.0.metadata'],
  ['alterOffsets: nothing', () => admin.alterOffsets('billing', {}), 'offsets'],
  ['deleteOffsets: an array', () => admin.deleteOffsets('billing', js(['orders'])), 'partitions'],
  ['deleteOffsets: nothing', () => admin.deleteOffsets('billing', {}), 'partitions'],
  ['deleteOffsets: partition "a"', () => admin.deleteOffsets('billing', { orders: js(['a']) }), 'partitions.orders[0]'],
  ['groupLag: group id ""', () => admin.groupLag(''), 'groupId'],
  ['groupLag: isolationLevel', () => admin.groupLag('billing', { isolationLevel: js('all') }), 'options.isolationLevel'],
  // ACLs
  ['createAcls: not an array', () => admin.createAcls(js(binding)), 'acls'],
  ['createAcls: pattern "match"', () => admin.createAcls([{ ...binding, patternType: js('match') }]), 'acls[0].patternType'],
  ['createAcls: resource type "any"', () => admin.createAcls([{ ...binding, resourceType: js('any') }]), 'acls[0].resourceType'],
  ['createAcls: principal without type', () => admin.createAcls([{ ...binding, principal: 'bob' }]), 'acls[0].principal'],
  ['createAcls: operation "any"', () => admin.createAcls([{ ...binding, operation: js('any') }]), 'acls[0].operation'],
  ['createAcls: cluster with another name', () => admin.createAcls([{ ...binding, resourceType: 'cluster', resourceName: 'mine' }]), 'acls[0].resourceName'],
  ['createAcls: host 5', () => admin.createAcls([{ ...binding, host: js(5) }]), 'acls[0].host'],
  ['describeAcls: filter a string', () => admin.describeAcls(js('topic')), 'filter'],
  ['describeAcls: resourceName 5', () => admin.describeAcls({ resourceName: js(5) }), 'filter.resourceName'],
  ['describeAcls: host {}', () => admin.describeAcls({ host: js({}) }), 'filter.host'],
  ['deleteAcls: null filter', () => admin.deleteAcls([js(null)]), 'filters[0]'],
  ['deleteAcls: permission "maybe"', () => admin.deleteAcls([{ permission: js('maybe') }]), 'filters[0].permission'],
  // SCRAM users and quotas
  ['describeUserScramCredentials: a string', () => admin.describeUserScramCredentials(js('alice')), 'users'],
  ['upsertUserScramCredentials: null', () => admin.upsertUserScramCredentials([js(null)]), 'credentials[0]'],
  ['upsertUserScramCredentials: SHA-1', () => admin.upsertUserScramCredentials([{ user: 'x', mechanism: js('SCRAM-SHA-1'), password: 'p' }]), 'credentials[0].mechanism'],
  ['upsertUserScramCredentials: 100 iterations', () => admin.upsertUserScramCredentials([{ user: 'x', mechanism: 'SCRAM-SHA-256', password: 'p', iterations: 100 }]), 'credentials[0].iterations'],
  ['upsertUserScramCredentials: empty password', () => admin.upsertUserScramCredentials([{ user: 'x', mechanism: 'SCRAM-SHA-256', password: '' }]), 'credentials[0].password'],
  ['upsertUserScramCredentials: salt a string', () => admin.upsertUserScramCredentials([{ user: 'x', mechanism: 'SCRAM-SHA-256', password: 'p', salt: js('salt') }]), 'credentials[0].salt'],
  ['deleteUserScramCredentials: null', () => admin.deleteUserScramCredentials([js(null)]), 'credentials[0].user'],
  ['describeClientQuotas: null', () => admin.describeClientQuotas(js(null)), 'filter'],
  ['describeClientQuotas: null component', () => admin.describeClientQuotas({ components: [js(null)] }), 'filter.components[0]'],
  ['describeClientQuotas: strict "yes"', () => admin.describeClientQuotas({ components: [], strict: js('yes') }), 'filter.strict'],
  ['alterClientQuotas: null alteration', () => admin.alterClientQuotas([js(null)]), 'alterations[0]'],
  ['alterClientQuotas: no entity type', () => admin.alterClientQuotas([{ entity: {}, values: { producer_byte_rate: 1 } }]), 'alterations[0].entity'],
  ['alterClientQuotas: negative quota', () => admin.alterClientQuotas([{ entity: { user: 'a' }, values: { producer_byte_rate: -1 } }]), 'alterations[0].values.producer_byte_rate'],
  ['alterClientQuotas: no quota', () => admin.alterClientQuotas([{ entity: { user: 'a' }, values: {} }]), 'alterations[0].values'],
  ['alterClientQuotas: one entity twice', () => admin.alterClientQuotas([{ entity: { user: 'a' }, values: { x: 1 } }, { entity: { user: 'a' }, values: { y: 1 } }]), 'alterations[1].entity'],
  ['alterClientQuotas: validateOnly 0', () => admin.alterClientQuotas([{ entity: { user: 'a' }, values: { x: 1 } }], { validateOnly: js(0) }), 'options.validateOnly'],
  // cluster
  ['describeCluster: options []', () => admin.describeCluster(js([])), 'options'],
  ['describeCluster: includeFencedBrokers "y"', () => admin.describeCluster({ includeFencedBrokers: js('y') }), 'options.includeFencedBrokers'],
  ['describeLogDirs: topics a string', () => admin.describeLogDirs(js('orders')), 'topics'],
  ['describeLogDirs: brokers a number', () => admin.describeLogDirs(null, { brokers: js(1) }), 'options.brokers'],
  ['describeLogDirs: broker -1', () => admin.describeLogDirs(null, { brokers: [-1] }), 'options.brokers[0]'],
  ['describeLogDirs: illegal topic', () => admin.describeLogDirs(['a/b']), 'topics[0]'],
  ['alterPartitionReassignments: null', () => admin.alterPartitionReassignments(js(null)), 'reassignments'],
  ['alterPartitionReassignments: nothing', () => admin.alterPartitionReassignments({}), 'reassignments'],
  ['alterPartitionReassignments: replicas a number', () => admin.alterPartitionReassignments({ orders: { 0: js(1) } }), 'reassignments.orders.0'],
  ['alterPartitionReassignments: timeoutMs "1"', () => admin.alterPartitionReassignments({ orders: { 0: null } }, { timeoutMs: js('1') }), 'options.timeoutMs'],
  ['listPartitionReassignments: a string', () => admin.listPartitionReassignments(js('orders')), 'partitions'],
  ['electLeaders: null', () => admin.electLeaders(js(null)), 'request'],
  ['electLeaders: type "auto"', () => admin.electLeaders({ type: js('auto') }), 'request.type'],
  ['electLeaders: partition 1.5', () => admin.electLeaders({ type: 'preferred', partitions: { orders: [1.5] } }), 'request.partitions.orders[0]'],
  // transactions and producers
  ['listTransactions: producerIds [-1n]', () => admin.listTransactions({ producerIds: [-1n] }), 'options.producerIds[0]'],
  ['listTransactions: durationMs -1', () => admin.listTransactions({ durationMs: -1 }), 'options.durationMs'],
  ['listTransactions: states [1]', () => admin.listTransactions({ states: js([1]) }), 'options.states[0]'],
  ['describeTransactions: null', () => admin.describeTransactions(js(null)), 'transactionalIds'],
  ['describeTransactions: empty id', () => admin.describeTransactions(['']), 'transactionalIds[0]'],
  ['describeProducers: a number', () => admin.describeProducers(js(5)), 'partitions'],
  ['describeProducers: partition "x"', () => admin.describeProducers({ orders: js(['x']) }), 'partitions.orders[0]'],
  ['abortTransaction: null', () => admin.abortTransaction(js(null)), 'spec'],
  ['abortTransaction: producerId 7', () => admin.abortTransaction({ ...abort, producerId: js(7) }), 'spec.producerId'],
  ['abortTransaction: producerEpoch 40000', () => admin.abortTransaction({ ...abort, producerEpoch: 40_000 }), 'spec.producerEpoch'],
  ['abortTransaction: partition "0"', () => admin.abortTransaction({ ...abort, partition: js('0') }), 'spec.partition'],
  ['fenceProducers: twice', () => admin.fenceProducers(['t', 't']), 'transactionalIds[1]'],
  ['fenceProducers: a string', () => admin.fenceProducers(js('t')), 'transactionalIds'],
]

describe('admin argument validation', () => {
  it.each(cases)('%s', async (_what, call, field) => {
    let promise: Promise<unknown> | undefined
    // Never a synchronous throw: a caller's `.catch` must see it.
    expect(() => {
      promise = call()
    }).not.toThrow()
    const error = await promise!.then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true)
    const invalid = error as InvalidArgumentError
    expect(invalid.field).toBe(field)
    expect(invalid.received.length).toBeGreaterThan(0)
    expect(invalid.expected.length).toBeGreaterThan(0)
    expect(invalid.retriable).toBe(false)
    expect(invalid.message).toBe(`invalid ${field}: expected ${invalid.expected}, got ${invalid.received}`)
  })

  it('sent nothing for any of them', () => {
    expect(broker.received).toEqual([])
  })

  it('reports bad constructor options as ConfigError', () => {
    expect(() => new Admin(js(null))).toThrow(ConfigError)
    const error = (() => {
      try {
        new Admin({ metadata, pool, retries: -1 })
      } catch (caught) {
        return caught
      }
      return null
    })()
    expect(ConfigError.isInstance(error)).toBe(true)
    expect((error as ConfigError).option).toBe('retries')
    expect((error as ConfigError).message).toBe('invalid option retries: expected an integer from 0 to 1000, got -1 (number)')
  })
})
