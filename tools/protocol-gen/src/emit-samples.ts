import type { ApiModel } from './generate.js'
import type { FieldModel, MessageModel, PrimitiveName, StructModel } from './model.js'
import { quote } from './names.js'
import { contains, intersect, isEmpty } from './versions.js'

/*
 * Test data: for each API, direction and a few versions, one message whose every field present in
 * that version has a non-default value (arrays of two elements, tagged fields set), and whose
 * absent fields keep their defaults (the samples are built with the create functions, given only
 * the present fields). The "nulls" variant puts null wherever the version allows it and null is not
 * the default.
 */

type Value =
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'array'; readonly items: Value[] }
  | { readonly kind: 'call'; readonly fn: string; readonly struct: StructModel; readonly entries: Entry[] }

type Entry = [string, Value, FieldModel]

function raw(text: string): Value {
  return { kind: 'raw', text }
}

/** Renders a value; inline when it fits in `width`, otherwise one entry per line. */
function render(value: Value, indent: string, width = 110): string {
  const inline = renderInline(value)
  if (indent.length + inline.length <= width) return inline
  const inner = `${indent}  `
  switch (value.kind) {
    case 'raw':
      return value.text
    case 'array':
      return `[\n${value.items.map((item) => `${inner}${render(item, inner, width)},`).join('\n')}\n${indent}]`
    case 'call':
      return `${value.fn}({\n${value.entries
        .map(([key, entry]) => `${inner}${key}: ${render(entry, inner, width - key.length - 2)},`)
        .join('\n')}\n${indent}})`
  }
}

function renderInline(value: Value): string {
  switch (value.kind) {
    case 'raw':
      return value.text
    case 'array':
      return `[${value.items.map(renderInline).join(', ')}]`
    case 'call':
      return value.entries.length === 0
        ? `${value.fn}()`
        : `${value.fn}({ ${value.entries.map(([key, entry]) => `${key}: ${renderInline(entry)}`).join(', ')} })`
  }
}

/** The same message as it reads back at `version`: fields absent from that version take their defaults. */
function project(value: Value, version: number): Value {
  switch (value.kind) {
    case 'raw':
      return value
    case 'array':
      return { kind: 'array', items: value.items.map((item) => project(item, version)) }
    case 'call':
      return {
        ...value,
        entries: value.entries
          .filter(([, , field]) => contains(field.versions, version))
          .map(([key, entry, field]) => [key, project(entry, version), field] as Entry),
      }
  }
}

/**
 * The first field (in encoding order) that makes `value` impossible to write at `version`: a
 * non-ignorable field absent from that version (every sample value differs from its default).
 */
function firstUnsupported(value: Value, version: number): string | null {
  if (value.kind === 'raw') return null
  if (value.kind === 'array') {
    for (const item of value.items) {
      const found = firstUnsupported(item, version)
      if (found !== null) return found
    }
    return null
  }
  const taggedLater: Entry[] = []
  for (const entry of value.entries) {
    const [, inner, field] = entry
    if (!contains(field.versions, version)) {
      if (!field.ignorable) return `${value.struct.typeName}.${field.name}`
      continue
    }
    if (contains(field.tagged, version)) taggedLater.push(entry)
    else {
      const found = firstUnsupported(inner, version)
      if (found !== null) return found
    }
  }
  taggedLater.sort((a, b) => (a[2].tag as number) - (b[2].tag as number))
  for (const [, inner] of taggedLater) {
    const found = firstUnsupported(inner, version)
    if (found !== null) return found
  }
  return null
}

const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Kafka's text form (22 base64url characters) of 16 bytes. */
export function uuidText(bytes: readonly number[]): string {
  let bits = 0
  let value = 0
  let result = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      result += base64url[(value >> bits) & 63]
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) result += base64url[(value << (6 - bits)) & 63]
  return result
}

class SampleBuilder {
  private counter = 0
  usedNull = false

  constructor(
    private readonly version: number,
    private readonly nulls: boolean,
  ) {}

  private next(): number {
    return ++this.counter
  }

  struct(struct: StructModel): Value {
    const entries: Entry[] = []
    for (const field of struct.fields) {
      if (!contains(field.versions, this.version)) continue
      entries.push([field.property, this.field(field), field])
    }
    return { kind: 'call', fn: `g.create${struct.typeName}`, struct, entries }
  }

  private field(field: FieldModel): Value {
    if (this.nulls && field.nullableType && contains(field.nullable, this.version) && field.defaultValue.kind !== 'null') {
      this.usedNull = true
      return raw('null')
    }
    const type = field.type
    if (type.kind === 'struct') return this.struct(type.struct)
    if (type.kind === 'array') {
      const element = type.element
      const item = (): Value => (element.kind === 'struct' ? this.struct(element.struct) : this.primitive(element.name, null))
      return { kind: 'array', items: [item(), item()] }
    }
    const d = field.defaultValue
    const avoid = d.kind === 'number' ? d.value : d.kind === 'bigint' ? d.value : d.kind === 'bool' ? d.value : null
    return this.primitive(type.name, avoid)
  }

  private primitive(name: PrimitiveName, avoid: number | bigint | boolean | null): Value {
    const n = this.next()
    const pick = (value: number): Value => raw(String(value === avoid ? value + 1 : value))
    switch (name) {
      case 'bool':
        return raw(String(avoid === null ? n % 2 === 1 : !avoid))
      case 'int8':
        return pick(n % 2 === 0 ? (n % 100) + 1 : -((n % 100) + 2))
      case 'int16':
        return pick(n % 2 === 0 ? 1000 + n : -(1000 + n))
      case 'uint16':
        return pick(40000 + n)
      case 'int32':
        return pick(n % 2 === 0 ? 100000 + n * 7 : -(70000 + n))
      case 'uint32':
        return pick(3000000000 + n)
      case 'int64': {
        let value = n % 2 === 0 ? (1n << 40n) + BigInt(n) : -(1n << 62n) - BigInt(n)
        if (value === avoid) value += 1n
        return raw(`${value}n`)
      }
      case 'float64':
        return raw(String(n + 0.25))
      case 'string':
        return raw(quote(n % 5 === 0 ? `ünï-${n}-😀` : `s${n}`))
      case 'uuid':
        return raw(quote(uuidText(Array.from({ length: 16 }, (_, i) => (n * 16 + i + 1) & 0xff))))
      case 'bytes':
      case 'records':
        return raw(`bytes(${n & 0xff}, ${(n * 7) & 0xff}, 0, 255)`)
    }
  }
}

interface SampleSpec {
  readonly version: number
  readonly variant: string
}

function sampleVersions(message: MessageModel, maxVersion: number): SampleSpec[] {
  const result: SampleSpec[] = [{ version: message.valid.lo, variant: 'min' }]
  const flexible = intersect(message.flexible, message.valid)
  if (!isEmpty(flexible) && flexible.lo !== message.valid.lo) result.push({ version: flexible.lo, variant: 'flexible' })
  if (!result.some((s) => s.version === maxVersion)) result.push({ version: maxVersion, variant: 'max' })
  if (message.valid.hi !== maxVersion) result.push({ version: message.valid.hi, variant: 'unstable' })
  result.push({ version: maxVersion, variant: 'nulls' })
  return result
}

function sampleEntries(message: MessageModel, maxVersion: number, fields: (spec: SampleSpec) => string[]): string[] {
  const entries: string[] = []
  for (const spec of sampleVersions(message, maxVersion)) {
    const builder = new SampleBuilder(spec.version, spec.variant === 'nulls')
    const value = builder.struct(message.top)
    if (spec.variant === 'nulls' && !builder.usedNull) continue
    const head = `${fields(spec).join(', ')}, message:`
    let downgrade = ''
    if (spec.version === maxVersion && spec.variant !== 'nulls' && maxVersion > message.valid.lo) {
      const to = message.valid.lo
      const error = firstUnsupported(value, to)
      downgrade =
        error !== null
          ? `\n    downgrade: { version: ${to}, error: ${quote(error)} },`
          : `\n    downgrade: {\n      version: ${to},\n      expected: ${render(project(value, to), '      ')},\n    },`
    }
    entries.push(`  {\n    ${head}\n      ${render(value, '      ')},${downgrade}\n  },`)
  }
  return entries
}

/** `samples.test-data.ts`: the round-trip test data. */
export function emitSamples(apis: readonly ApiModel[], dataMessages: readonly MessageModel[], header: string): string {
  const lines: string[] = [header, '']
  lines.push('// Test data for the generated codecs (not part of the public index).')
  lines.push('')
  lines.push("import * as g from './index.js'")
  lines.push('')
  lines.push('export interface Sample {')
  lines.push('  readonly api: string')
  lines.push('  readonly apiKey: number')
  lines.push("  readonly direction: 'request' | 'response'")
  lines.push('  readonly version: number')
  lines.push('  /** min | flexible | max | unstable | nulls */')
  lines.push('  readonly variant: string')
  lines.push('  readonly message: unknown')
  lines.push('  /**')
  lines.push('   * On the highest-version sample: the same message written at the lowest version. Either the')
  lines.push('   * non-ignorable field that version cannot carry (EncodeError), or what reads back (fields')
  lines.push('   * absent from that version at their defaults).')
  lines.push('   */')
  lines.push('  readonly downgrade?: { readonly version: number; readonly error?: string; readonly expected?: unknown }')
  lines.push('}')
  lines.push('')
  lines.push('export interface DataSample {')
  lines.push('  /** RequestHeader, ResponseHeader, ConsumerProtocolSubscription or ConsumerProtocolAssignment */')
  lines.push('  readonly name: string')
  lines.push('  readonly version: number')
  lines.push('  readonly variant: string')
  lines.push('  readonly message: unknown')
  lines.push('}')
  lines.push('')
  lines.push('function bytes(...values: number[]): Uint8Array {')
  lines.push('  return new Uint8Array(values)')
  lines.push('}')
  lines.push('')
  lines.push('/** One message per API, direction and version (lowest, first flexible, highest, unstable, nulls). */')
  lines.push('export const samples: readonly Sample[] = [')
  for (const api of apis) {
    for (const [direction, message] of [
      ['request', api.request],
      ['response', api.response],
    ] as const) {
      lines.push(
        ...sampleEntries(message, api.maxVersion, (spec) => [
          `api: ${quote(api.name)}`,
          `apiKey: ${api.apiKey}`,
          `direction: '${direction}'`,
          `version: ${spec.version}`,
          `variant: '${spec.variant}'`,
        ]),
      )
    }
  }
  lines.push(']')
  lines.push('')
  lines.push('/** Samples of the headers and consumer protocol structs at every version. */')
  lines.push('export const dataSamples: readonly DataSample[] = [')
  for (const message of dataMessages) {
    for (let version = message.valid.lo; version <= message.valid.hi; version++) {
      const builder = new SampleBuilder(version, false)
      const value = builder.struct(message.top)
      lines.push(`  {\n    name: ${quote(message.name)}, version: ${version}, variant: 'all', message:\n      ${render(value, '      ')},\n  },`)
      const nullBuilder = new SampleBuilder(version, true)
      const nullValue = nullBuilder.struct(message.top)
      if (nullBuilder.usedNull) {
        lines.push(`  {\n    name: ${quote(message.name)}, version: ${version}, variant: 'nulls', message:\n      ${render(nullValue, '      ')},\n  },`)
      }
    }
  }
  lines.push(']')
  return `${lines.join('\n')}\n`
}
