import { camelCase, isReservedWord } from './names.js'
import type { FieldSpec, MessageSpec, StructSpec } from './schema.js'
import { EMPTY, type Range, covers, formatRange, hull, intersect, isEmpty, parseVersions } from './versions.js'

export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records'

const primitiveNames = new Set<string>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'uuid',
  'records',
])

/** Element types an array of primitives may have. */
const arrayElementPrimitives = new Set<string>(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bool'])

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'array'; readonly element: PrimitiveType | StructType }
  | StructType

export type PrimitiveType = { readonly kind: 'primitive'; readonly name: PrimitiveName }
export type StructType = { readonly kind: 'struct'; readonly struct: StructModel }

/** A field's default value (the `default` string of the schema, or the type's own default). */
export type DefaultValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'zeroUuid' }
  | { readonly kind: 'emptyBytes' }
  | { readonly kind: 'emptyArray' }
  | { readonly kind: 'struct' }

export interface FieldModel {
  readonly spec: FieldSpec
  /** PascalCase schema name. */
  readonly name: string
  /** camelCase property name. */
  readonly property: string
  /** Local variable name in generated decoders. */
  readonly local: string
  readonly type: FieldType
  readonly versions: Range
  /** Versions in which null is allowed (within `versions`). */
  readonly nullable: Range
  /** Versions in which the field is tagged (within `versions`), or empty. */
  readonly tagged: Range
  readonly tag: number | null
  readonly ignorable: boolean
  /** The field's own `flexibleVersions`, when it overrides the message's. */
  readonly flexibleOverride: Range | null
  readonly defaultValue: DefaultValue
  /** The TypeScript type includes `null`. */
  readonly nullableType: boolean
  readonly about: string
}

export interface StructModel {
  readonly jsonName: string
  /** Exported TypeScript name, unique across all generated files. */
  readonly typeName: string
  readonly message: MessageModel
  fields: FieldModel[]
  /** Versions in which this struct can appear on the wire (hull over all uses). */
  context: Range
  readonly isTop: boolean
  /** Used as an array element (needs array codecs). */
  inArray: boolean
  /** Needs an `is<Type>Default` function (tagged or non-ignorable struct fields). */
  needsIsDefault: boolean
  about: string
}

export type MessageKind = 'request' | 'response' | 'header' | 'data'

export interface MessageModel {
  readonly spec: MessageSpec
  readonly name: string
  readonly kind: MessageKind
  readonly valid: Range
  readonly flexible: Range
  readonly unstable: boolean
  top: StructModel
  /** Every struct of the message, the top-level one first, then in order of first use. */
  readonly structs: StructModel[]
}

/** Identifiers used by generated code that field locals must not shadow. */
const internalNames = new Set(['reader', 'writer', 'version', 'flexible', 'message', 'init', 'taggedCount', 'i', 'tag', 'size', 'end', 'start'])

/** Name of a nested struct's TypeScript type: prefixed by the message name unless it already starts with it. */
export function structTypeName(messageName: string, structName: string): string {
  return structName.startsWith(messageName) ? structName : messageName + structName
}

export function buildMessage(spec: MessageSpec): MessageModel {
  const kind = spec.type as MessageKind
  if (!['request', 'response', 'header', 'data'].includes(kind)) throw new Error(`${spec.name}: unsupported type ${spec.type}`)
  const valid = parseVersions(spec.validVersions)
  if (isEmpty(valid)) throw new Error(`${spec.name}: no valid versions`)
  const flexible = parseVersions(spec.flexibleVersions ?? 'none')
  if (!isEmpty(flexible) && flexible.hi !== 0x7fff) throw new Error(`${spec.name}: flexibleVersions must be open-ended`)
  const structs: StructModel[] = []
  const message: MessageModel = {
    spec,
    name: spec.name,
    kind,
    valid,
    flexible,
    unstable: spec.latestVersionUnstable === true,
    top: undefined as unknown as StructModel,
    structs,
  }
  const common = new Map<string, StructSpec>()
  for (const struct of spec.commonStructs ?? []) {
    if (common.has(struct.name)) throw new Error(`${spec.name}: common struct ${struct.name} defined twice`)
    common.set(struct.name, struct)
  }
  const byName = new Map<string, StructModel>()

  const defineStruct = (jsonName: string, fields: FieldSpec[], isTop: boolean, about: string): StructModel => {
    if (byName.has(jsonName)) throw new Error(`${spec.name}: struct ${jsonName} defined twice`)
    const struct: StructModel = {
      jsonName,
      typeName: isTop ? spec.name : structTypeName(spec.name, jsonName),
      message,
      fields: [],
      context: EMPTY,
      isTop,
      inArray: false,
      needsIsDefault: false,
      about,
    }
    byName.set(jsonName, struct)
    structs.push(struct)
    struct.fields = fields.map((field) => buildField(field, struct))
    const properties = new Set<string>()
    const tags = new Set<number>()
    for (const field of struct.fields) {
      if (properties.has(field.property)) throw new Error(`${spec.name}.${jsonName}: two fields named ${field.property}`)
      properties.add(field.property)
      if (field.tag !== null) {
        if (tags.has(field.tag)) throw new Error(`${spec.name}.${jsonName}: tag ${field.tag} used twice`)
        tags.add(field.tag)
      }
    }
    return struct
  }

  const resolveStruct = (field: FieldSpec, structName: string): StructModel => {
    if (field.fields !== undefined) {
      if (common.has(structName)) throw new Error(`${spec.name}.${field.name}: inline struct ${structName} shadows a common struct`)
      return defineStruct(structName, field.fields, false, field.about ?? '')
    }
    const existing = byName.get(structName)
    if (existing !== undefined) return existing
    const commonSpec = common.get(structName)
    if (commonSpec === undefined) throw new Error(`${spec.name}.${field.name}: unknown struct type ${structName}`)
    return defineStruct(structName, commonSpec.fields, false, field.about ?? '')
  }

  const buildField = (field: FieldSpec, owner: StructModel): FieldModel => {
    const where = `${spec.name}.${owner.jsonName}.${field.name}`
    const isArray = field.type.startsWith('[]')
    const baseName = isArray ? field.type.slice(2) : field.type
    let type: FieldType
    if (primitiveNames.has(baseName)) {
      const primitive: PrimitiveType = { kind: 'primitive', name: baseName as PrimitiveName }
      if (isArray && !arrayElementPrimitives.has(baseName)) throw new Error(`${where}: arrays of ${baseName} are not supported`)
      if (field.fields !== undefined) throw new Error(`${where}: a primitive field has nested fields`)
      type = isArray ? { kind: 'array', element: primitive } : primitive
    } else if (/^[A-Z]\w*$/.test(baseName)) {
      const structType: StructType = { kind: 'struct', struct: resolveStruct(field, baseName) }
      if (isArray) structType.struct.inArray = true
      type = isArray ? { kind: 'array', element: structType } : structType
    } else {
      throw new Error(`${where}: unknown type ${field.type}`)
    }
    const versions = parseVersions(field.versions)
    const nullable = intersect(parseVersions(field.nullableVersions ?? 'none'), versions)
    const canBeNull = type.kind !== 'primitive' || ['string', 'bytes', 'records'].includes(type.name)
    if (!isEmpty(nullable) && !canBeNull) throw new Error(`${where}: type ${field.type} cannot be nullable`)
    const tagged = intersect(parseVersions(field.taggedVersions ?? 'none'), versions)
    if (field.taggedVersions !== undefined) {
      if (field.tag === undefined || !Number.isInteger(field.tag) || field.tag < 0) throw new Error(`${where}: taggedVersions without a valid tag`)
      if (tagged.hi !== 0x7fff) throw new Error(`${where}: taggedVersions must be open-ended`)
      if (!covers(flexible, tagged)) throw new Error(`${where}: tagged in non-flexible versions`)
    } else if (field.tag !== undefined) {
      throw new Error(`${where}: tag without taggedVersions`)
    }
    const nullableType = !isEmpty(nullable) || (type.kind === 'primitive' && type.name === 'records')
    const defaultValue = parseDefault(field, type, nullableType, where)
    if (defaultValue.kind === 'null' && !covers(nullable, versions) && !(type.kind === 'primitive' && type.name === 'records')) {
      throw new Error(`${where}: default null but not nullable in every version (${formatRange(versions)})`)
    }
    const property = camelCase(field.name)
    return {
      spec: field,
      name: field.name,
      property,
      local: internalNames.has(property) || isReservedWord(property) ? `${property}Value` : property,
      type,
      versions,
      nullable,
      tagged,
      tag: field.tag ?? null,
      ignorable: field.ignorable === true,
      flexibleOverride: field.flexibleVersions === undefined ? null : parseVersions(field.flexibleVersions),
      defaultValue,
      nullableType,
      about: field.about ?? '',
    }
  }

  message.top = defineStruct(spec.name, spec.fields ?? [], true, '')
  for (const struct of spec.commonStructs ?? []) {
    if (!byName.has(struct.name)) defineStruct(struct.name, struct.fields, false, '')
  }
  // Versions in which each struct can appear: follow every path from the top-level struct.
  const visit = (struct: StructModel, context: Range): void => {
    struct.context = hull(struct.context, context)
    for (const field of struct.fields) {
      const type = field.type.kind === 'array' ? field.type.element : field.type
      if (type.kind === 'struct') {
        const inner = intersect(context, field.versions)
        if (!isEmpty(inner)) visit(type.struct, inner)
      }
    }
  }
  visit(message.top, valid)
  // Struct fields compared with their default (tagged, or checked when a version cannot carry them).
  const markDefault = (struct: StructModel): void => {
    if (struct.needsIsDefault) return
    struct.needsIsDefault = true
    for (const field of struct.fields) if (field.type.kind === 'struct') markDefault(field.type.struct)
  }
  for (const struct of structs) {
    for (const field of struct.fields) {
      if (field.type.kind !== 'struct' || field.defaultValue.kind === 'null') continue
      const tagged = !isEmpty(intersect(field.tagged, struct.context))
      const absentChecked = !field.ignorable && !covers(field.versions, struct.context)
      if (tagged || absentChecked) markDefault(field.type.struct)
    }
  }
  return message
}

const integerRanges: Record<string, [bigint, bigint]> = {
  int8: [-(1n << 7n), (1n << 7n) - 1n],
  int16: [-(1n << 15n), (1n << 15n) - 1n],
  uint16: [0n, (1n << 16n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
}

/** Parses a schema `default` ("-1", "true", "null", "0x7fffffff", ...) for a field of `type`. */
export function parseDefault(field: Pick<FieldSpec, 'default'>, type: FieldType, nullableType: boolean, where: string): DefaultValue {
  const raw = field.default === undefined ? undefined : String(field.default).trim()
  if (raw === 'null') {
    if (!nullableType) throw new Error(`${where}: default null on a field that is never nullable`)
    return { kind: 'null' }
  }
  if (type.kind === 'array') {
    if (raw !== undefined && raw !== '' && raw !== '[]') throw new Error(`${where}: invalid array default "${raw}"`)
    return { kind: 'emptyArray' }
  }
  if (type.kind === 'struct') {
    if (raw !== undefined && raw !== '') throw new Error(`${where}: invalid struct default "${raw}"`)
    return { kind: 'struct' }
  }
  switch (type.name) {
    case 'bool':
      if (raw === undefined || raw === 'false') return { kind: 'bool', value: false }
      if (raw === 'true') return { kind: 'bool', value: true }
      throw new Error(`${where}: invalid bool default "${raw}"`)
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64': {
      const value = raw === undefined || raw === '' ? 0n : parseInteger(raw, where)
      const [min, max] = integerRanges[type.name] as [bigint, bigint]
      if (value < min || value > max) throw new Error(`${where}: default ${raw} does not fit ${type.name}`)
      return type.name === 'int64' ? { kind: 'bigint', value } : { kind: 'number', value: Number(value) }
    }
    case 'float64': {
      const value = raw === undefined || raw === '' ? 0 : Number(raw)
      if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`${where}: invalid float64 default "${raw}"`)
      return { kind: 'number', value }
    }
    case 'string':
      return { kind: 'string', value: raw ?? '' }
    case 'uuid':
      if (raw !== undefined && raw !== '' && raw !== 'AAAAAAAAAAAAAAAAAAAAAA') throw new Error(`${where}: unsupported uuid default "${raw}"`)
      return { kind: 'zeroUuid' }
    case 'bytes':
      if (raw !== undefined && raw !== '') throw new Error(`${where}: unsupported bytes default "${raw}"`)
      return { kind: 'emptyBytes' }
    case 'records':
      if (raw !== undefined) throw new Error(`${where}: unsupported records default "${raw}"`)
      return { kind: 'null' }
  }
}

/** Parses a decimal or hex ("0x7fffffff", "-0x10") integer. */
export function parseInteger(text: string, where = 'value'): bigint {
  const match = /^(-?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(text)
  if (match === null) throw new Error(`${where}: invalid integer "${text}"`)
  const magnitude = BigInt(match[2] as string)
  return match[1] === '-' ? -magnitude : magnitude
}
