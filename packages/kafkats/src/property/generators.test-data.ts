// Generators for the property test of the public API (boundary.property.integration.test.ts).
// Kept in the repo so a failing seed can be replayed: KAFKATS_PROPERTY_SEED=<seed> npm test.
// Each generated call says what must happen: a valid record must be acknowledged and read back
// exactly once; an invalid one must be rejected with InvalidArgumentError naming `field`; a bad
// option must be a ConfigError naming `option`.
import fc from 'fast-check'
import type { ProducerRecord } from '../index.js'

export type Call =
  | { kind: 'send'; record: ProducerRecord }
  | { kind: 'badSend'; record: unknown; field: string }
  | { kind: 'producerOptions'; options: Record<string, unknown>; option: string | null }
  | { kind: 'assign'; assign: unknown; valid: boolean }
  | { kind: 'offset'; value: unknown; valid: boolean }
  | { kind: 'admin'; method: AdminMethod; args: unknown[]; field: string | null }

/** The admin methods the mix calls (read-only ones when valid; any when invalid, as nothing is sent). */
export type AdminMethod =
  | 'createTopics'
  | 'deleteTopics'
  | 'listTopics'
  | 'describeTopics'
  | 'describeConfigs'
  | 'listOffsets'
  | 'fetchOffsets'
  | 'alterOffsets'
  | 'createAcls'
  | 'describeCluster'
  | 'electLeaders'
  | 'alterClientQuotas'
  | 'abortTransaction'
  | 'listGroups'

const bytes = fc.uint8Array({ maxLength: 64 })
const text = fc.string({ maxLength: 48, unit: 'grapheme' })
const headerKey = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-') })
const headerValue = fc.oneof(text, bytes, fc.constant(null))
const headers = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.record({ key: headerKey, value: headerValue }), { maxLength: 3 }),
  fc.dictionary(headerKey, headerValue, { maxKeys: 3 }),
)
// Up to now only: Kafka 4 brokers refuse CreateTime more than an hour ahead
// (log.message.timestamp.after.max.ms), and refuse the whole batch with it (see the report).
const NOW = Date.now()
const timestamp = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: NOW }),
  fc.bigInt({ min: 0n, max: BigInt(NOW) }),
  fc.date({ min: new Date(0), max: new Date(NOW), noInvalidDate: true }),
)

/** A record the producer must accept, on `topic` (which has `partitions` partitions). */
export function validRecord(topic: string, partitions: number): fc.Arbitrary<ProducerRecord> {
  return fc
    .record({
      key: fc.oneof(fc.constant(undefined), fc.constant(null), text, bytes),
      value: fc.oneof(text, bytes, fc.constant(null)),
      headers,
      partition: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: partitions - 1 })),
      timestamp,
    })
    .map((fields) => {
      const record: ProducerRecord = { topic, value: fields.value }
      if (fields.key !== undefined) record.key = fields.key
      if (fields.headers !== undefined) record.headers = fields.headers
      if (fields.partition !== undefined) record.partition = fields.partition
      if (fields.timestamp !== undefined) record.timestamp = fields.timestamp
      return record
    })
}

/** A valid record with one field broken, and the field the error must name. */
export function invalidRecord(topic: string, partitions: number): fc.Arbitrary<{ record: unknown; field: string }> {
  const wrongBytes = fc.oneof(fc.integer(), fc.boolean(), fc.constant({ a: 1 }), fc.constant([1, 2]), fc.constant(Symbol('s')), fc.bigInt())
  const breakers: Array<fc.Arbitrary<(record: ProducerRecord) => { record: unknown; field: string }>> = [
    wrongBytes.map((v) => (r) => ({ record: { ...r, value: v }, field: 'record.value' })),
    fc.constant((r: ProducerRecord) => {
      const { value: _value, ...rest } = r
      return { record: rest, field: 'record.value' }
    }),
    fc.constant((r: ProducerRecord) => ({ record: { topic: r.topic, messages: [{ value: 'x' }] }, field: 'record.value' })),
    fc.oneof(fc.integer(), fc.boolean(), fc.constant({ k: 1 })).map((v) => (r) => ({ record: { ...r, key: v }, field: 'record.key' })),
    fc.tuple(headerKey, wrongBytes).map(([k, v]) => (r) => ({ record: { ...r, headers: { [k]: v } }, field: `record.headers.${k}` })),
    wrongBytes.map((v) => (r) => ({ record: { ...r, headers: [{ key: 'h', value: v }] }, field: 'record.headers[0].value' })),
    fc.integer().map((k) => (r) => ({ record: { ...r, headers: [{ key: k, value: 'x' }] }, field: 'record.headers[0].key' })),
    fc.oneof(fc.constant('h'), fc.integer()).map((v) => (r) => ({ record: { ...r, headers: v }, field: 'record.headers' })),
    fc
      .oneof(
        fc.constant('2024-01-01'),
        fc.integer({ min: -1_000_000, max: -1 }),
        fc.constant(Number.NaN),
        fc.constant(1.5),
        fc.constant(new Date(Number.NaN)),
        fc.constant(-1n),
        // Beyond what a record batch can carry exactly (2^53 ms): once failed its whole batch.
        fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }),
      )
      .map((v) => (r) => ({ record: { ...r, timestamp: v }, field: 'record.timestamp' })),
    fc
      .oneof(fc.integer({ min: -1000, max: -1 }), fc.constant(1.5), fc.constant('0'), fc.integer({ min: partitions, max: 10_000 }))
      .map((v) => (r) => ({ record: { ...r, partition: v }, field: 'record.partition' })),
    fc
      .oneof(fc.constant(''), fc.constant(7), fc.constant('bad name!'), fc.constant('x'.repeat(300)), fc.constant('..'), fc.constant(null))
      .map((v) => (r) => ({ record: { ...r, topic: v }, field: 'record.topic' })),
    fc.oneof(fc.constant(null), fc.constant(42), fc.constant('record'), fc.constant([])).map((v) => () => ({ record: v, field: 'record' })),
  ]
  return fc.tuple(validRecord(topic, partitions), fc.oneof(...breakers)).map(([record, breakIt]) => breakIt(record))
}

/** Producer options: valid ones, or one option wrong (and its name). */
export const producerOptions: fc.Arbitrary<{ options: Record<string, unknown>; option: string | null }> = fc.oneof(
  fc.record({ lingerMs: fc.integer({ min: 0, max: 50 }), compression: fc.constantFrom('none', 'gzip', 'lz4') }).map((options) => ({ options, option: null })),
  fc.constantFrom<[string, unknown]>(
    ['lingerMs', -1],
    ['lingerMs', Number.NaN],
    ['lingerMs', '5'],
    // a misspelt name (Java's linger.ms, spelt as a Java user might)
    ['lingerMS', 5],
    ['acks', 2],
    ['acks', 1],
    ['compression', 'brotli'],
    ['batchMaxBytes', 0],
    ['idempotent', 'yes'],
    ['inFlightMaxRequestsPerBroker', 9],
    ['deliveryTimeoutMs', Number.POSITIVE_INFINITY],
    ['metadataWaitMaxMs', -5],
    ['partitioner', 'murmur2'],
  ).map(([option, value]) => ({ options: { [option]: value }, option })),
)

/** Direct-consumer assignments: valid (bare offsets, Offset-shaped, admin-shaped) or broken. */
export function assignment(topic: string, partitions: number): fc.Arbitrary<{ assign: unknown; valid: boolean }> {
  const start = fc.oneof(
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.integer({ min: 0, max: 1000 }),
    fc.constant({ kind: 'earliest' }),
    fc.constant({ kind: 'latest' }),
    fc.bigInt({ min: 0n, max: 1000n }).map((offset) => ({ offset, leaderEpoch: -1 })),
  )
  const valid = fc.dictionary(fc.integer({ min: 0, max: partitions - 1 }).map(String), start, { minKeys: 1, maxKeys: partitions }).map((p) => ({ assign: { [topic]: p }, valid: true }))
  const invalid = fc
    .oneof(
      fc.constant({ [topic]: { 0: 'earliest' } }),
      fc.constant({ [topic]: { x: 0n } }),
      fc.constant({ [topic]: { '-1': 0n } }),
      fc.constant({ [topic]: { 0: -5n } }),
      fc.constant({ [topic]: { 0: 1.5 } }),
      fc.constant({ [topic]: [0n] }),
      fc.constant({ [topic]: null }),
      fc.constant({ [topic]: { 0: { offset: 5 } } }),
      fc.constant({ [topic]: { 0: { kind: 'bogus' } } }),
      fc.constant('orders'),
    )
    .map((assign) => ({ assign, valid: false }))
  return fc.oneof(valid, invalid)
}

/** Arguments of `Offset.at`: an integer offset >= 0 (number or bigint) is valid, anything else is not. */
export const offsetArgument: fc.Arbitrary<{ value: unknown; valid: boolean }> = fc.oneof(
  fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.nat()).map((value) => ({ value, valid: true })),
  fc.oneof(fc.bigInt({ max: -1n }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null), fc.constant(undefined)).map((value) => ({ value, valid: false })),
)

/**
 * Admin calls: read-only valid ones (each one real request) and invalid ones, which must reject
 * with InvalidArgumentError naming `field` before anything is sent.
 */
export function adminCall(topic: string): fc.Arbitrary<Extract<Call, { kind: 'admin' }>> {
  const call = (method: AdminMethod, args: unknown[], field: string | null): Extract<Call, { kind: 'admin' }> => ({ kind: 'admin', method, args, field })
  const badTopic = fc.oneof(fc.constant(''), fc.constant('a b'), fc.constant('..'), fc.constant('x'.repeat(250)), fc.integer(), fc.constant(null))
  const badCount = fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.constant('3'), fc.constant(Number.NaN), fc.constant(2 ** 31))
  const badFlag = fc.oneof(fc.constant('yes'), fc.integer(), fc.constant(null), fc.constant({}))
  const badOptions = fc.oneof(fc.constant('all'), fc.integer(), fc.constant(null), fc.constant([]))
  const badGroup = fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.constant(['g']))
  const badOffset = fc.oneof(fc.bigInt({ max: -1n }), fc.constant('5'), fc.constant(1.5), fc.constant(null))
  const binding = { resourceType: 'topic', resourceName: topic, principal: 'User:alice', operation: 'read', permission: 'allow' }
  const abort = { topic, partition: 0, producerId: 7n, producerEpoch: 0, coordinatorEpoch: 0 }
  const invalid = fc.oneof(
    badTopic.map((name) => call('createTopics', [[{ topic: name }]], 'topics[0].topic')),
    badCount.map((partitions) => call('createTopics', [[{ topic: `${topic}-never`, partitions }]], 'topics[0].partitions')),
    badFlag.map((validateOnly) => call('createTopics', [[{ topic: `${topic}-never` }], { validateOnly }], 'options.validateOnly')),
    badTopic.map((name) => call('deleteTopics', [[name]], 'topics[0]')),
    fc.oneof(fc.integer(), fc.constant('orders'), fc.constant(null)).map((topics) => call('deleteTopics', [topics], 'topics')),
    badOptions.map((options) => call('listTopics', [options], 'options')),
    badFlag.map((includeInternal) => call('listTopics', [{ includeInternal }], 'options.includeInternal')),
    fc.constantFrom('newest', 'first', '').map((spec) => call('listOffsets', [{ [topic]: spec }], `request.${topic}`)),
    badOffset.map((timestamp) => call('listOffsets', [{ [topic]: { timestamp } }], `request.${topic}.timestamp`)),
    fc.constantFrom('nope', 'TOPIC', 5).map((type) => call('describeConfigs', [[{ type, name: topic }]], 'resources[0].type')),
    badGroup.map((groupId) => call('fetchOffsets', [groupId], 'groupId')),
    badOffset.map((offset) => call('alterOffsets', ['property-never', { [topic]: { 0: offset } }], `offsets.${topic}.0.offset`)),
    fc.constantFrom('bob', '', 5, null).map((principal) => call('createAcls', [[{ ...binding, principal }]], 'acls[0].principal')),
    badOptions.map((options) => call('describeCluster', [options], 'options')),
    fc.constantFrom('auto', '', 1, null).map((type) => call('electLeaders', [{ type }], 'request.type')),
    fc.oneof(fc.integer({ max: -1 }), fc.constant('x'), fc.constant(Number.NaN)).map((value) =>
      call('alterClientQuotas', [[{ entity: { user: 'property-never' }, values: { producer_byte_rate: value } }]], 'alterations[0].values.producer_byte_rate'),
    ),
    fc.oneof(fc.integer({ min: 32_768 }), fc.integer({ max: -1 }), fc.constant('0')).map((producerEpoch) => call('abortTransaction', [{ ...abort, producerEpoch }], 'spec.producerEpoch')),
  )
  const valid = fc.constantFrom(
    call('listTopics', [], null),
    call('describeTopics', [[topic]], null),
    call('listOffsets', [{ [topic]: 'latest' }], null),
    call('describeConfigs', [[{ type: 'topic', name: topic, keys: ['retention.ms'] }]], null),
    call('describeCluster', [], null),
    call('fetchOffsets', ['property-never'], null),
    call('listGroups', [{ states: ['Empty'] }], null),
  )
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 4, arbitrary: invalid })
}

/** The mix of calls: mostly records (valid and invalid), some options, assignments, offsets and admin calls. */
export function calls(topic: string, partitions: number): fc.Arbitrary<Call> {
  return fc.oneof(
    { weight: 12, arbitrary: validRecord(topic, partitions).map((record): Call => ({ kind: 'send', record })) },
    { weight: 6, arbitrary: invalidRecord(topic, partitions).map(({ record, field }): Call => ({ kind: 'badSend', record, field })) },
    { weight: 1, arbitrary: producerOptions.map(({ options, option }): Call => ({ kind: 'producerOptions', options, option })) },
    { weight: 1, arbitrary: assignment(topic, partitions).map(({ assign, valid }): Call => ({ kind: 'assign', assign, valid })) },
    { weight: 1, arbitrary: offsetArgument.map(({ value, valid }): Call => ({ kind: 'offset', value, valid })) },
    { weight: 2, arbitrary: adminCall(topic) },
  )
}
