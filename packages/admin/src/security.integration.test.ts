import { AuthenticationError } from '@kafkats/connection'
import { InvalidArgumentError, KafkaProtocolError } from '@kafkats/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '@kafkats/testkit'
import { cluster, produce, saslConnect, testClient, unique } from './test-support.test-data.js'

const client = testClient()
const { admin } = client
// PLAIN: its users come from the broker's JAAS config, so a node restarted by another suite
// (which may come back without the format-time SCRAM users) still knows alice.
const alice = cluster.saslUsers.plain.find((user) => user.username === 'alice')!
const aliceClient = testClient({
  sasl: { mechanism: 'PLAIN', username: alice.username, password: alice.password },
  admin: { principal: `User:${alice.username}`, retries: 2 },
})
afterAll(() => {
  client.close()
  aliceClient.close()
})

describe('ACLs', () => {
  it('creates a DENY ACL that the broker enforces for alice, describes it, deletes it and the denial ends', async () => {
    const topic = unique('acl')
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 3 }])
    // Before any ACL exists alice may do anything (allow.everyone.if.no.acl.found=true).
    await eventually(async () => expect((await aliceClient.admin.describeTopics([topic]))[0]!.error).toBeUndefined())

    const principal = `User:${alice.username}`
    const [created] = await admin.createAcls([{ resourceType: 'topic', resourceName: topic, principal, operation: 'all', permission: 'deny' }])
    expect(created!.error).toBeUndefined()

    // ACLs reach each broker through the metadata log: poll, as each call may ask another broker.
    await eventually(async () => {
      const described = await admin.describeAcls({ resourceType: 'topic', resourceName: topic })
      expect(described).toEqual([{ resourceType: 'topic', resourceName: topic, patternType: 'literal', principal, host: '*', operation: 'all', permission: 'deny' }])
      expect(await admin.describeAcls({ resourceType: 'topic', resourceName: topic, patternType: 'match', operation: 'all' })).toHaveLength(1)
    })
    expect(await admin.describeAcls({ resourceType: 'group', resourceName: topic })).toEqual([])

    const denied = await eventually(async () => {
      const [description] = await aliceClient.admin.describeTopics([topic])
      expect(description!.error?.errorName).toBe('TOPIC_AUTHORIZATION_FAILED')
      return description!.error!
    })
    expect(denied.message).toContain(`User:alice needs an ALLOW ACL for DESCRIBE on topic "${topic}"`)
    // Each broker applies the ACL when it reads it from the metadata log, so the partition leader
    // (Produce, ListOffsets) may deny a moment after the broker that answered the Metadata call.
    await eventually(async () => {
      const produceError = await produce(client, topic, 0, 1, { via: aliceClient }).catch((caught: unknown) => caught)
      expect((produceError as KafkaProtocolError).errorName).toBe('TOPIC_AUTHORIZATION_FAILED')
    })
    await eventually(async () => {
      const offsetsError = await aliceClient.admin.listOffsets({ [topic]: 'latest' }).catch((caught: unknown) => caught)
      expect((offsetsError as KafkaProtocolError).errorName).toBe('TOPIC_AUTHORIZATION_FAILED')
    })
    // The super user is not affected.
    expect((await admin.describeTopics([topic]))[0]!.error).toBeUndefined()

    const [deleted] = await admin.deleteAcls([{ resourceType: 'topic', resourceName: topic, principal }])
    expect(deleted!.error).toBeUndefined()
    expect(deleted!.deleted).toEqual([{ resourceType: 'topic', resourceName: topic, patternType: 'literal', principal, host: '*', operation: 'all', permission: 'deny' }])
    await eventually(async () => expect(await admin.describeAcls({ resourceType: 'topic', resourceName: topic })).toEqual([]))
    await eventually(async () => expect((await aliceClient.admin.describeTopics([topic]))[0]!.error).toBeUndefined())
    // Likewise the deletion reaches the partition leader on its own schedule (seen on Kafka 3.9:
    // Metadata allowed while the leader still denied the Produce).
    await eventually(async () => expect(await produce(client, topic, 0, 1, { via: aliceClient })).toBeGreaterThanOrEqual(0n))
  })

  it('creates prefixed ACLs and rejects bindings that cannot exist', async () => {
    const prefix = unique('acl-prefix')
    const binding = { resourceType: 'group', resourceName: prefix, patternType: 'prefixed', principal: 'User:bob', operation: 'read', permission: 'allow' } as const
    expect((await admin.createAcls([binding]))[0]!.error).toBeUndefined()
    await eventually(async () =>
      expect(await admin.describeAcls({ resourceType: 'group', resourceName: `${prefix}-child`, patternType: 'match' })).toEqual([{ ...binding, host: '*' }]),
    )
    expect((await admin.deleteAcls([{ resourceType: 'group', resourceName: prefix, patternType: 'prefixed' }]))[0]!.deleted).toHaveLength(1)
    for (const bad of [
      { ...binding, patternType: 'match' },
      { ...binding, resourceType: 'any' },
      { ...binding, principal: 'bob' },
      { ...binding, operation: 'any' },
      { ...binding, resourceType: 'cluster', resourceName: 'my-cluster' },
    ]) {
      const error = await admin.createAcls([bad as never]).catch((caught: unknown) => caught)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(bad)).toBe(true)
    }
  })
})

describe('SCRAM credentials', () => {
  it('creates a user that can then authenticate, and deletes it so authentication fails', async () => {
    const user = unique('scram-user')
    const password = `secret-${Date.now()}`
    const upserted = await admin.upsertUserScramCredentials([
      { user, mechanism: 'SCRAM-SHA-512', iterations: 8192, password },
      { user, mechanism: 'SCRAM-SHA-256', password },
    ])
    expect(upserted).toEqual([{ user }])
    await eventually(async () => {
      const [described] = await admin.describeUserScramCredentials([user])
      expect(described!.error).toBeUndefined()
      expect(described!.credentials.sort((a, b) => a.mechanism.localeCompare(b.mechanism))).toEqual([
        { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
        { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
      ])
      expect((await admin.describeUserScramCredentials()).map((u) => u.user)).toContain(user)
    })

    for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
      const connection = await eventually(() => saslConnect({ mechanism, username: user, password }))
      expect(connection.isOpen).toBe(true)
      connection.close()
    }
    const wrong = await saslConnect({ mechanism: 'SCRAM-SHA-512', username: user, password: 'wrong' }).catch((caught: unknown) => caught)
    expect(AuthenticationError.isInstance(wrong), String(wrong)).toBe(true)
    expect((wrong as AuthenticationError).errorName).toBe('SASL_AUTHENTICATION_FAILED')

    expect(await admin.deleteUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512' }, { user, mechanism: 'SCRAM-SHA-256' }])).toEqual([{ user }])
    await eventually(async () => {
      const [afterDelete] = await admin.describeUserScramCredentials([user])
      expect(afterDelete!.error?.errorName).toBe('RESOURCE_NOT_FOUND')
    })
    await eventually(async () => {
      const error = await saslConnect({ mechanism: 'SCRAM-SHA-512', username: user, password }).then(
        (connection) => {
          connection.close()
          return null
        },
        (caught: unknown) => caught,
      )
      expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
      expect((error as AuthenticationError).errorName).toBe('SASL_AUTHENTICATION_FAILED')
    })
    const [again] = await admin.deleteUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512' }])
    expect(again!.error?.errorName).toBe('RESOURCE_NOT_FOUND')
  })

  it('rejects bad credentials before sending them', async () => {
    for (const bad of [
      { user: 'x', mechanism: 'SCRAM-SHA-512', password: 'p', iterations: 100 },
      { user: 'x', mechanism: 'SCRAM-SHA-1', password: 'p' },
      { user: '', mechanism: 'SCRAM-SHA-256', password: 'p' },
      { user: 'x', mechanism: 'SCRAM-SHA-256', password: '' },
    ]) {
      const error = await admin.upsertUserScramCredentials([bad as never]).catch((caught: unknown) => caught)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(bad)).toBe(true)
    }
    const duplicate = await admin
      .upsertUserScramCredentials([
        { user: 'x', mechanism: 'SCRAM-SHA-256', password: 'p' },
        { user: 'x', mechanism: 'SCRAM-SHA-256', password: 'q' },
      ])
      .catch((caught: unknown) => caught)
    expect(InvalidArgumentError.isInstance(duplicate)).toBe(true)
  })
})

describe('client quotas', () => {
  it('sets quotas, reads them back, and removes them', async () => {
    const user = unique('quota-user')
    const results = await admin.alterClientQuotas([
      { entity: { user }, values: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 } },
      { entity: { user, 'client-id': 'billing' }, values: { request_percentage: 50 } },
    ])
    expect(results).toEqual([{ entity: { user } }, { entity: { user, 'client-id': 'billing' } }])
    await eventually(async () => {
      const entries = await admin.describeClientQuotas({ components: [{ entityType: 'user', name: user }] })
      expect(entries).toHaveLength(2)
      expect(entries.find((e) => e.entity['client-id'] === undefined)).toEqual({ entity: { user }, values: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 } })
      expect(entries.find((e) => e.entity['client-id'] === 'billing')).toEqual({ entity: { user, 'client-id': 'billing' }, values: { request_percentage: 50 } })
    })
    await eventually(async () => {
      const strict = await admin.describeClientQuotas({ components: [{ entityType: 'user', name: user }], strict: true })
      expect(strict.map((e) => e.entity)).toEqual([{ user }])
      const anyClient = await admin.describeClientQuotas({ components: [{ entityType: 'user', name: user }, { entityType: 'client-id' }] })
      expect(anyClient.map((e) => e.entity)).toEqual([{ user, 'client-id': 'billing' }])
    })

    const [validated] = await admin.alterClientQuotas([{ entity: { user }, values: { producer_byte_rate: 1 } }], { validateOnly: true })
    expect(validated!.error).toBeUndefined()

    const [bogus] = await admin.alterClientQuotas([{ entity: { user }, values: { bogus_rate: 5 } }])
    expect(bogus!.error).toBeDefined()

    await admin.alterClientQuotas([
      { entity: { user }, values: { producer_byte_rate: null, consumer_byte_rate: null } },
      { entity: { user, 'client-id': 'billing' }, values: { request_percentage: null } },
    ])
    await eventually(async () => expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', name: user }] })).toEqual([]))

    for (const bad of [{ entity: {}, values: { producer_byte_rate: 1 } }, { entity: { user }, values: {} }, { entity: { user }, values: { producer_byte_rate: -1 } }]) {
      const error = await admin.alterClientQuotas([bad as never]).catch((caught: unknown) => caught)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(bad)).toBe(true)
    }
  })
})
