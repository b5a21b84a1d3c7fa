// Random valid messages from the definitions: one value tree built twice, as the object our
// generated codecs take and as the JSON Kafka's `*DataJsonConverter.read` takes.
import { encodeRecordBatchSync } from '@kafkats/protocol'
import type { Random } from './prng.js'
import { type FieldSpec, type MessageSpec, inRange, javaFieldName, tsFieldName } from './schema.js'

/** A float64 for Java: written with a fraction or exponent so Jackson reads a floating point node. */
export class Float64 {
  constructor(readonly value: number) {}
}

/** JSON as sent to Java: like JSON values, plus bigint (written as a bare integer) and Float64. */
export type JavaJson = null | boolean | number | bigint | string | Float64 | JavaJson[] | { [key: string]: JavaJson }

interface Value {
  ts: unknown
  expected: unknown
  json: JavaJson
}

export interface Generated {
  /** The message as our codecs take it (every field, defaults where the version has none). */
  ts: Record<string, unknown>
  /** What a decoder must give back: `ts` with every field the version lacks at its default. */
  expected: Record<string, unknown>
  /** The fields of this version, keyed and typed for Kafka's JSON converter. */
  json: { [key: string]: JavaJson }
}

const INT_LIMITS: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
}

// Strings mix ASCII with 2-, 3- and 4-byte UTF-8 (surrogate pairs), control characters and
// JSON-escaped characters; never lone surrogates (Java and JavaScript replace those differently).
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._',
  ...'abcdefghijklmnopqrstuvwxyz0123456789',
  'é', 'ß', 'ø', 'Ω', 'ж', '漢', '字', 'ア', '€', '\u2028', '\u0000', '\t', '"', '\\', '/', ' ',
  '😀', '🎉', '𝄞', '\uFEFF',
]

/** Knobs of the generator (the nightly run raises them). */
export interface GenerateOptions {
  /** Chance that an array is large (40-400 elements) when it is not nested deeper than `largeArrayDepth`. */
  largeArrayChance: number
  largeArrayDepth: number
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = { largeArrayChance: 0.02, largeArrayDepth: 1 }

export class MessageGenerator {
  private readonly structs = new Map<string, FieldSpec[]>()

  constructor(
    readonly spec: MessageSpec,
    private readonly options: GenerateOptions = DEFAULT_GENERATE_OPTIONS,
  ) {
    for (const struct of spec.commonStructs ?? []) this.structs.set(struct.name, struct.fields)
  }

  /**
   * A random message of `version`. With `extras`, fields the version lacks sometimes get values
   * too (`ts` and `json` carry them, `expected` does not): Kafka drops such a value when the field
   * is ignorable and rejects the message otherwise, and so must we.
   */
  generate(random: Random, version: number, extras = false): Generated {
    const flexible = inRange(this.spec.flexibleVersions, version)
    return this.struct(this.spec.fields, random, version, flexible, 0, extras)
  }

  private fieldsOf(field: FieldSpec, typeName: string): FieldSpec[] {
    const fields = field.fields ?? this.structs.get(typeName)
    if (fields === undefined) throw new Error(`${this.spec.name}: no struct ${typeName} for ${field.name}`)
    return fields
  }

  private struct(fields: readonly FieldSpec[], random: Random, version: number, flexible: boolean, depth: number, extras: boolean): Generated {
    const ts: Record<string, unknown> = {}
    const expected: Record<string, unknown> = {}
    const json: { [key: string]: JavaJson } = {}
    for (const field of fields) {
      const name = tsFieldName(field.name)
      const present = inRange(field.versions, version)
      if (!present) {
        const fallback = this.defaultOf(field, version, flexible)
        expected[name] = fallback
        // (not for struct-typed fields: Kafka's JSON reader cannot even read a struct outside its versions)
        if (extras && isPrimitive(field.type.replace(/^\[\]/, '')) && random.chance(0.3)) {
          const value = this.value(field, random, version, flexible, depth, extras)
          ts[name] = value.ts
          json[javaFieldName(field.name)] = value.json
        } else {
          ts[name] = fallback
        }
        continue
      }
      const tagged = flexible && inRange(field.taggedVersions, version)
      // defaults often, so that "tagged fields are written only when not default" is exercised
      // (never a null default where the version cannot carry null: Kafka's own writer rejects that too)
      const useDefault = random.chance(tagged ? 0.35 : 0.1) && (this.nullable(field, version) || !defaultIsNull(field))
      if (useDefault) {
        const fallback = this.defaultOf(field, version, flexible)
        ts[name] = fallback
        expected[name] = fallback
        json[javaFieldName(field.name)] = this.jsonOf(field, fallback, version, flexible)
      } else {
        const value = this.value(field, random, version, flexible, depth, extras)
        ts[name] = value.ts
        expected[name] = value.expected
        json[javaFieldName(field.name)] = value.json
      }
    }
    return { ts, expected, json }
  }

  private nullable(field: FieldSpec, version: number): boolean {
    return inRange(field.nullableVersions, version)
  }

  private value(field: FieldSpec, random: Random, version: number, flexible: boolean, depth: number, extras: boolean): Value {
    if (this.nullable(field, version) && random.chance(0.15)) return { ts: null, expected: null, json: null }
    const type = field.type
    if (type.startsWith('[]')) {
      const elementType = type.slice(2)
      const large = depth < this.options.largeArrayDepth && random.chance(this.options.largeArrayChance)
      const length = large ? random.int(40, 400) : random.chance(0.25) ? 0 : random.int(1, 4)
      const ts: unknown[] = []
      const expected: unknown[] = []
      const json: JavaJson[] = []
      const keys = new Set<string>()
      const keyFields = isPrimitive(elementType) ? [] : this.fieldsOf(field, elementType).filter((f) => f.mapKey === true && inRange(f.versions, version))
      for (let i = 0; i < length; i++) {
        if (isPrimitive(elementType)) {
          const element = this.primitive(elementType, random, false)
          ts.push(element.ts)
          expected.push(element.ts)
          json.push(element.json)
        } else {
          const element = this.struct(this.fieldsOf(field, elementType), random, version, flexible, depth + 1, extras)
          if (keyFields.length > 0) {
            // map-keyed collections (Java's ImplicitLinkedHashMultiCollection) keep one element per key
            const key = keyFields.map((f) => String(element.ts[tsFieldName(f.name)])).join('\u0001')
            if (keys.has(key)) continue
            keys.add(key)
          }
          ts.push(element.ts)
          expected.push(element.expected)
          json.push(element.json)
        }
      }
      return { ts, expected, json }
    }
    if (!isPrimitive(type)) return this.struct(this.fieldsOf(field, type), random, version, flexible, depth + 1, extras)
    const primitive = this.primitive(type, random, depth < 2)
    return { ts: primitive.ts, expected: primitive.ts, json: primitive.json }
  }

  private primitive(type: string, random: Random, allowLong: boolean): { ts: unknown; json: JavaJson } {
    switch (type) {
      case 'bool': {
        const value = random.chance(0.5)
        return { ts: value, json: value }
      }
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32': {
        const [min, max] = INT_LIMITS[type] as [number, number]
        const value = random.chance(0.3) ? random.pick([min, max, 0, -1 < min ? 1 : -1, 1]) : random.int(min, max)
        return { ts: value, json: value }
      }
      case 'int64': {
        const value = random.chance(0.3)
          ? random.pick([0n, -1n, 1n, -(1n << 63n), (1n << 63n) - 1n, BigInt(Date.now())])
          : random.chance(0.5) ? BigInt(random.int(-1_000_000, 1_000_000)) : random.int64()
        return { ts: value, json: value }
      }
      case 'float64': {
        // no NaN/Infinity (not JSON) and no -0 (JSON has no negative zero for integers)
        const value = random.chance(0.3)
          ? random.pick([0, 1, 0.5, 1e300, -1e-300, Number.MIN_VALUE, Number.MAX_VALUE, 1 / 3])
          : (random.next() - 0.5) * 10 ** random.int(-20, 20)
        return { ts: value, json: new Float64(value) }
      }
      case 'string': {
        const value = this.string(random, allowLong)
        return { ts: value, json: value }
      }
      case 'uuid': {
        const bytes = random.chance(0.1) ? new Uint8Array(16) : random.bytes(16)
        const value = Buffer.from(bytes).toString('base64url')
        return { ts: value, json: value }
      }
      case 'bytes': {
        const value = random.bytes(random.chance(0.2) ? 0 : random.int(1, allowLong && random.chance(0.05) ? 3000 : 40))
        return { ts: value, json: Buffer.from(value).toString('base64') }
      }
      case 'records': {
        const value = random.chance(0.3) ? random.bytes(random.int(0, 80)) : randomBatches(random)
        return { ts: value, json: Buffer.from(value).toString('base64') }
      }
      default:
        throw new Error(`${this.spec.name}: unknown type ${type}`)
    }
  }

  private string(random: Random, allowLong: boolean): string {
    const length = random.chance(0.15) ? 0 : allowLong && random.chance(0.03) ? random.int(200, 2000) : random.int(1, 16)
    let text = ''
    for (let i = 0; i < length; i++) text += random.pick(ALPHABET)
    return text
  }

  /** The value our decoders give a field the version lacks (or a default chosen on purpose). */
  private defaultOf(field: FieldSpec, version: number, flexible: boolean): unknown {
    const raw = field.default === undefined ? undefined : String(field.default).trim()
    if (raw === 'null') return null
    const type = field.type
    if (type.startsWith('[]')) return []
    if (!isPrimitive(type)) return this.struct(this.fieldsOf(field, type), NO_RANDOM, -1, flexible, 99, false).ts
    switch (type) {
      case 'bool':
        return raw === 'true'
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
        return raw === undefined || raw === '' ? 0 : Number(raw)
      case 'int64':
        return raw === undefined || raw === '' ? 0n : BigInt(raw)
      case 'float64':
        return raw === undefined || raw === '' ? 0 : Number(raw)
      case 'string':
        return raw ?? ''
      case 'uuid':
        return 'AAAAAAAAAAAAAAAAAAAAAA'
      case 'bytes':
        return new Uint8Array(0)
      case 'records':
        return null
      default:
        throw new Error(`${this.spec.name}: unknown type ${type}`)
    }
  }

  /** JSON of a default chosen for a present field. */
  private jsonOf(field: FieldSpec, value: unknown, version: number, flexible: boolean): JavaJson {
    if (value === null) return null
    if (field.type === 'float64') return new Float64(value as number)
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
    if (Array.isArray(value)) return []
    if (typeof value === 'object') {
      // a default struct: every field of this version at its default
      return this.struct(this.fieldsOf(field, field.type), NO_RANDOM, version, flexible, 99, false).json
    }
    return value as JavaJson
  }
}

/** A Random whose every choice is "use the default" (for default structs). */
const NO_RANDOM = { chance: () => true } as unknown as Random

/** Records fields default to null, like fields declared `"default": "null"`. */
function defaultIsNull(field: FieldSpec): boolean {
  return field.type === 'records' || String(field.default).trim() === 'null'
}

function isPrimitive(type: string): boolean {
  return /^(bool|int8|int16|uint16|int32|int64|float64|string|uuid|bytes|records)$/.test(type)
}

/** One to three real (uncompressed) record batches: what a records field carries on the wire. */
function randomBatches(random: Random): Uint8Array {
  const parts: Uint8Array[] = []
  const count = random.int(1, 3)
  let baseOffset = BigInt(random.int(0, 1_000_000))
  for (let b = 0; b < count; b++) {
    const records = Array.from({ length: random.int(1, 4) }, () => ({
      key: random.chance(0.3) ? null : random.bytes(random.int(0, 10)),
      value: random.chance(0.1) ? null : random.bytes(random.int(0, 30)),
      headers: random.chance(0.5) ? [] : [{ key: 'h', value: random.chance(0.3) ? null : random.bytes(3) }],
      timestamp: 1_700_000_000_000 + random.int(0, 100000),
    }))
    parts.push(encodeRecordBatchSync(records, { baseOffset }))
    baseOffset += BigInt(records.length)
  }
  return Buffer.concat(parts)
}

/** JSON text with bigints written as bare integers (Jackson reads them as longs). */
export function toJsonText(value: JavaJson): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'number':
    case 'boolean':
      return JSON.stringify(value)
    case 'string':
      return JSON.stringify(value)
    default:
      break
  }
  if (value instanceof Float64) {
    const text = String(value.value)
    return /[.eE]/.test(text) ? text : `${text}.0`
  }
  if (Array.isArray(value)) return '[' + value.map(toJsonText).join(',') + ']'
  let text = '{'
  let first = true
  for (const key of Object.keys(value)) {
    text += (first ? '' : ',') + JSON.stringify(key) + ':' + toJsonText((value as { [key: string]: JavaJson })[key] as JavaJson)
    first = false
  }
  return text + '}'
}
