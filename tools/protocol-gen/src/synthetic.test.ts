/*
 * Generates codecs for a synthetic definition that uses what the Kafka 4.3.1 files do not (a field
 * tagged in some versions only, a tagged nullable struct, a flexibleVersions override, bool and
 * uint16 arrays, float64), then loads and runs them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Code } from './code.js'
import { Imports, emitMessage } from './emit-codec.js'
import { buildMessage } from './model.js'
import type { MessageSpec } from './schema.js'

const protocolSrc = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/protocol/src')

const spec: MessageSpec = {
  type: 'data',
  name: 'Synthetic',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    // in place in 1-2, tagged (tag 5) from 3
    { name: 'Partly', type: 'int32', versions: '1+', taggedVersions: '3+', tag: 5, default: '-1' },
    { name: 'Label', type: 'string', versions: '0+', flexibleVersions: 'none' },
    { name: 'Ratio', type: 'float64', versions: '0+' },
    { name: 'Flags', type: '[]bool', versions: '0+' },
    { name: 'Ports', type: '[]uint16', versions: '0+', nullableVersions: '1+' },
    { name: 'Leader', type: 'Node', versions: '0+', nullableVersions: '1+' },
    { name: 'Hint', type: 'Node', versions: '2+', taggedVersions: '2+', tag: 1, nullableVersions: '2+', default: 'null' },
    { name: 'Big', type: 'int64', versions: '0+', default: '0x7fffffffffffffff' },
  ],
  commonStructs: [
    {
      name: 'Node',
      versions: '0+',
      fields: [
        { name: 'Id', type: 'int32', versions: '0+' },
        { name: 'Rack', type: 'string', versions: '0+', nullableVersions: '0+', default: 'null' },
      ],
    },
  ],
}

// biome-ignore lint: loaded at run time
let mod: any
let dir: string

beforeAll(async () => {
  const imports = new Imports()
  const code = new Code()
  emitMessage(code, buildMessage(spec), imports)
  const source = `${imports.render()}\n\n${code.toString()}\n`.replace(
    /from '\.\.\/(primitives\/[\w-]+)\.js'/g,
    (_, path: string) => `from '${pathToFileURL(join(protocolSrc, `${path}.ts`)).href}'`,
  )
  dir = mkdtempSync(join(tmpdir(), 'protocol-gen-'))
  writeFileSync(join(dir, 'synthetic.ts'), source)
  mod = await import(pathToFileURL(join(dir, 'synthetic.ts')).href)
})

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

async function io() {
  const { Writer } = await import(pathToFileURL(join(protocolSrc, 'primitives/writer.ts')).href)
  const { Reader } = await import(pathToFileURL(join(protocolSrc, 'primitives/reader.ts')).href)
  const encode = (version: number, message: unknown): Uint8Array => {
    const writer = new Writer(8)
    mod.encodeSynthetic(writer, version, message)
    return writer.finish().slice()
  }
  const decode = (version: number, bytes: Uint8Array): unknown => {
    const reader = new Reader(bytes)
    const value = mod.decodeSynthetic(reader, version)
    expect(reader.offset).toBe(bytes.length)
    return value
  }
  return { encode, decode }
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')

describe('synthetic definition', () => {
  it('creates defaults, including hex int64 and null structs', () => {
    expect(mod.createSynthetic()).toStrictEqual({
      partly: -1,
      label: '',
      ratio: 0,
      flags: [],
      ports: [],
      leader: { id: 0, rack: null },
      hint: null,
      big: 9223372036854775807n,
    })
  })

  it('writes a field in place in some versions and tagged in later ones', async () => {
    const { encode, decode } = await io()
    const message = mod.createSynthetic({ partly: 7, label: 'x', big: 1n })
    // v1: non-flexible; partly in place
    const v1 = encode(1, message)
    expect(hex(v1)).toBe(
      [
        '00 00 00 07', // partly
        '00 01 78', // label "x"
        '00 00 00 00 00 00 00 00', // ratio 0
        '00 00 00 00', // flags []
        '00 00 00 00', // ports []
        '01 00 00 00 00 ff ff', // leader: marker 1, id 0, rack null
        '00 00 00 00 00 00 00 01', // big
      ].join(' '),
    )
    // v2: flexible; partly still in place; label keeps its int16 length (flexibleVersions none)
    const v2 = encode(2, message)
    const leader = '01 00 00 00 00 00 00' // marker 1, id 0, rack null (compact), tagged fields
    expect(hex(v2)).toBe(['00 00 00 07', '00 01 78', '00 00 00 00 00 00 00 00', '01', '01', leader, '00 00 00 00 00 00 00 01', '00'].join(' '))
    // v3: partly moves to the tagged section (tag 5, size 4)
    const v3 = encode(3, message)
    expect(hex(v3)).toBe(
      ['00 01 78', '00 00 00 00 00 00 00 00', '01', '01', leader, '00 00 00 00 00 00 00 01', '01 05 04 00 00 00 07'].join(' '),
    )
    for (const [version, bytes] of [[1, v1], [2, v2], [3, v3]] as const) expect(decode(version, bytes)).toStrictEqual(message)
    // at its default it is not written at all in v3
    expect(hex(encode(3, mod.createSynthetic({ label: 'x', big: 1n })))).toBe(
      ['00 01 78', '00 00 00 00 00 00 00 00', '01', '01', leader, '00 00 00 00 00 00 00 01', '00'].join(' '),
    )
    // at v0 it does not exist: a non-default value is refused (not ignorable)
    expect(() => encode(0, message)).toThrow(/Synthetic version 0 .*Synthetic.Partly/)
  })

  it('reads tag 5 as unknown in a version where the field is not tagged', async () => {
    const { decode } = await io()
    // v2 with partly in place = 9, and a tag 5 in the tagged section: skipped (not the field in v2)
    const bytes = new Uint8Array([
      ...[0, 0, 0, 9], // partly (in place)
      ...[0, 0], // label ""
      ...[0, 0, 0, 0, 0, 0, 0, 0], // ratio
      1, // flags []
      1, // ports []
      ...[1, 0, 0, 0, 0, 0, 0], // leader
      ...[0, 0, 0, 0, 0, 0, 0, 1], // big
      ...[1, 5, 4, 0, 0, 0, 7], // one tagged field: tag 5, size 4
    ])
    expect((decode(2, bytes) as { partly: number }).partly).toBe(9)
  })

  it('handles nullable structs (markers only in nullable versions) and tagged nullable structs', async () => {
    const { encode, decode } = await io()
    const leader = mod.createSyntheticNode({ id: 1, rack: 'r' })
    const message = mod.createSynthetic({ leader, hint: mod.createSyntheticNode({ id: 2 }), flags: [true, false], ports: [80, 65535], ratio: 0.5 })
    for (let version = 2; version <= 4; version++) expect(decode(version, encode(version, message))).toStrictEqual(message)
    // v0: leader is not nullable, so no marker; ports not nullable
    const v0 = mod.createSynthetic({ leader, flags: [true], ports: [1] })
    expect(hex(encode(0, v0))).toBe(
      [
        '00 00', // label ""
        '00 00 00 00 00 00 00 00', // ratio
        '00 00 00 01 01', // flags [true]
        '00 00 00 01 00 01', // ports [1]
        '00 00 00 01 00 01 72', // leader (no marker): id 1, rack "r"
        '7f ff ff ff ff ff ff ff', // big
      ].join(' '),
    )
    expect(decode(0, encode(0, v0))).toStrictEqual(v0)
    expect(() => encode(0, mod.createSynthetic({ leader: null }))).toThrow(/does not allow null for Synthetic.Leader/)
    expect(decode(1, encode(1, mod.createSynthetic({ leader: null })))).toStrictEqual(mod.createSynthetic({ leader: null }))
    expect(() => encode(0, mod.createSynthetic({ leader, ports: null }))).toThrow(/does not allow null for Synthetic.Ports/)
    expect(decode(1, encode(1, mod.createSynthetic({ ports: null })))).toStrictEqual(mod.createSynthetic({ ports: null }))
  })
})
