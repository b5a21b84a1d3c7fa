import { describe, expect, it } from 'vitest'
import { camelCase, kebabCase, quote, words } from './names.js'

describe('camelCase', () => {
  it.each([
    ['ThrottleTimeMs', 'throttleTimeMs'],
    ['ErrorCode', 'errorCode'],
    ['ISRVersion', 'isrVersion'],
    ['ID', 'id'],
    ['KRaftVersionFeature', 'kRaftVersionFeature'],
    ['V3AndBelowTransactionalId', 'v3AndBelowTransactionalId'],
    ['TopicID2', 'topicID2'],
    ['alreadyCamel', 'alreadyCamel'],
  ])('%s -> %s', (input, output) => {
    expect(camelCase(input)).toBe(output)
  })
})

describe('kebabCase', () => {
  it.each([
    ['Metadata', 'metadata'],
    ['ApiVersions', 'api-versions'],
    ['OffsetForLeaderEpoch', 'offset-for-leader-epoch'],
    ['CreateAcls', 'create-acls'],
    ['ISRVersion', 'isr-version'],
    ['AddRaftVoter', 'add-raft-voter'],
    ['ReadShareGroupStateSummary', 'read-share-group-state-summary'],
  ])('%s -> %s', (input, output) => {
    expect(kebabCase(input)).toBe(output)
  })

  it('splits words with acronyms and digits', () => {
    expect(words('ISRVersion2Data')).toEqual(['ISR', 'Version2', 'Data'])
  })
})

describe('quote', () => {
  it('writes single-quoted literals', () => {
    expect(quote("it's")).toBe("'it\\'s'")
    expect(quote('a\\b\nc')).toBe("'a\\\\b\\nc'")
    expect(quote('ünï')).toBe("'ünï'")
  })
})
