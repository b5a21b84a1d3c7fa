import { describe, expect, it } from 'vitest'
import { buildMessage, parseDefault, parseInteger, structTypeName } from './model.js'
import type { MessageSpec } from './schema.js'
import { parseDefinition } from './schema.js'

const int = (name: 'int8' | 'int16' | 'int32' | 'int64' | 'uint16') => ({ kind: 'primitive', name }) as const

describe('parseDefault', () => {
  it('parses numbers, hex, int64 and booleans', () => {
    expect(parseDefault({ default: '-1' }, int('int32'), false, 'f')).toEqual({ kind: 'number', value: -1 })
    expect(parseDefault({ default: '0x7fffffff' }, int('int32'), false, 'f')).toEqual({ kind: 'number', value: 2147483647 })
    expect(parseDefault({ default: '-2147483648' }, int('int32'), false, 'f')).toEqual({ kind: 'number', value: -2147483648 })
    expect(parseDefault({ default: '9223372036854775807' }, int('int64'), false, 'f')).toEqual({
      kind: 'bigint',
      value: 9223372036854775807n,
    })
    expect(parseDefault({}, int('int64'), false, 'f')).toEqual({ kind: 'bigint', value: 0n })
    expect(parseDefault({ default: 'true' }, { kind: 'primitive', name: 'bool' }, false, 'f')).toEqual({ kind: 'bool', value: true })
    expect(parseDefault({}, { kind: 'primitive', name: 'bool' }, false, 'f')).toEqual({ kind: 'bool', value: false })
  })

  it('parses strings and null', () => {
    expect(parseDefault({ default: 'null' }, { kind: 'primitive', name: 'string' }, true, 'f')).toEqual({ kind: 'null' })
    expect(parseDefault({ default: '' }, { kind: 'primitive', name: 'string' }, false, 'f')).toEqual({ kind: 'string', value: '' })
    expect(parseDefault({}, { kind: 'primitive', name: 'records' }, true, 'f')).toEqual({ kind: 'null' })
    expect(parseDefault({}, { kind: 'primitive', name: 'uuid' }, false, 'f')).toEqual({ kind: 'zeroUuid' })
  })

  it('rejects values that do not fit or make no sense', () => {
    expect(() => parseDefault({ default: '128' }, int('int8'), false, 'f')).toThrow(/does not fit/)
    expect(() => parseDefault({ default: '-1' }, int('uint16'), false, 'f')).toThrow(/does not fit/)
    expect(() => parseDefault({ default: 'null' }, int('int32'), false, 'f')).toThrow(/never nullable/)
    expect(() => parseDefault({ default: 'yes' }, { kind: 'primitive', name: 'bool' }, false, 'f')).toThrow()
    expect(() => parseDefault({ default: '1.5' }, int('int32'), false, 'f')).toThrow()
  })

  it('parseInteger reads decimal and hex', () => {
    expect(parseInteger('0x10')).toBe(16n)
    expect(parseInteger('-0x10')).toBe(-16n)
    expect(parseInteger('42')).toBe(42n)
  })
})

describe('structTypeName', () => {
  it('prefixes the message name unless already there', () => {
    expect(structTypeName('MetadataRequest', 'MetadataRequestTopic')).toBe('MetadataRequestTopic')
    expect(structTypeName('FetchResponse', 'PartitionData')).toBe('FetchResponsePartitionData')
    expect(structTypeName('ProduceRequest', 'TopicProduceData')).toBe('ProduceRequestTopicProduceData')
  })
})

function spec(fields: unknown[], extra: Partial<MessageSpec> = {}): MessageSpec {
  return { apiKey: 1000, type: 'request', name: 'TestRequest', validVersions: '0-5', flexibleVersions: '3+', fields, ...extra } as MessageSpec
}

describe('buildMessage', () => {
  it('computes the versions in which each struct can appear', () => {
    const message = buildMessage(
      spec(
        [
          { name: 'A', type: '[]Item', versions: '2+', fields: [{ name: 'X', type: 'int32', versions: '0+' }] },
          { name: 'B', type: 'Shared', versions: '0-1' },
          { name: 'C', type: '[]Shared', versions: '4+' },
        ],
        { commonStructs: [{ name: 'Shared', versions: '0+', fields: [{ name: 'Y', type: 'int8', versions: '0+' }] }] },
      ),
    )
    const byName = new Map(message.structs.map((s) => [s.typeName, s]))
    expect([...byName.keys()]).toEqual(['TestRequest', 'TestRequestItem', 'TestRequestShared'])
    expect(byName.get('TestRequestItem')?.context).toEqual({ lo: 2, hi: 5 })
    expect(byName.get('TestRequestShared')?.context).toEqual({ lo: 0, hi: 5 }) // hull of 0-1 and 4-5
    expect(byName.get('TestRequestShared')?.inArray).toBe(true)
    // B is absent from 2+, not ignorable: comparing it with its default needs isDefault
    expect(byName.get('TestRequestShared')?.needsIsDefault).toBe(true)
  })

  it('names fields and avoids reserved locals', () => {
    const message = buildMessage(
      spec([
        { name: 'Version', type: 'int16', versions: '0+' },
        { name: 'Default', type: 'bool', versions: '0+' },
        { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
      ]),
    )
    expect(message.top.fields.map((f) => [f.property, f.local])).toEqual([
      ['version', 'versionValue'],
      ['default', 'defaultValue'],
      ['throttleTimeMs', 'throttleTimeMs'],
    ])
  })

  it('rejects inconsistent definitions', () => {
    expect(() => buildMessage(spec([{ name: 'A', type: 'string', versions: '0+', default: 'null', nullableVersions: '2+' }]))).toThrow(
      /not nullable in every version/,
    )
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', tag: 0 }]))).toThrow(/tag without taggedVersions/)
    expect(() =>
      buildMessage(
        spec([
          { name: 'A', type: 'int32', versions: '3+', taggedVersions: '3+', tag: 0 },
          { name: 'B', type: 'int32', versions: '3+', taggedVersions: '3+', tag: 0 },
        ]),
      ),
    ).toThrow(/tag 0 used twice/)
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', taggedVersions: '0+', tag: 0 }]))).toThrow(
      /tagged in non-flexible versions/,
    )
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', nullableVersions: '0+' }]))).toThrow(/cannot be nullable/)
    expect(() => buildMessage(spec([{ name: 'A', type: 'Missing', versions: '0+' }]))).toThrow(/unknown struct type/)
    expect(() => buildMessage(spec([{ name: 'A', type: '[]records', versions: '0+' }]))).toThrow(/not supported/)
  })
})

describe('parseDefinition', () => {
  it('drops whole-line comments only', () => {
    const text = '// licence\n{\n  // a comment\n  "type": "data", "name": "X", "validVersions": "0", "fields": [\n    {"name": "A", "type": "string", "versions": "0+", "about": "has // inside"}\n  ]\n}\n'
    const parsed = parseDefinition(text, 'X.json')
    expect(parsed.fields?.[0]?.about).toBe('has // inside')
  })

  it('rejects unknown field keys and bad JSON', () => {
    expect(() => parseDefinition('{"type":"data","name":"X","validVersions":"0","fields":[{"name":"A","type":"int8","versions":"0+","bogus":1}]}', 'X')).toThrow(
      /unknown key "bogus"/,
    )
    expect(() => parseDefinition('{ nope', 'X')).toThrow(/invalid JSON/)
  })
})
