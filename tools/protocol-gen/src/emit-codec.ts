import { Code, MAX_LINE, docComment } from './code.js'
import type { FieldModel, FieldType, MessageModel, StructModel } from './model.js'
import { quote } from './names.js'
import { type Range, condition, formatRange, intersect, isEmpty } from './versions.js'

/** Names a generated file imports, collected while emitting. */
export class Imports {
  readonly helpers = new Set<string>()
  zeroUuid = false
  writer = false
  reader = false
  apiDefinition = false

  helper(name: string): string {
    this.helpers.add(name)
    return name
  }

  render(): string {
    const lines: string[] = []
    if (this.apiDefinition) lines.push("import type { ApiDefinition } from '../api.js'")
    if (this.helpers.size > 0) {
      const names = [...this.helpers].sort()
      const single = `import { ${names.join(', ')} } from '../primitives/codec-helpers.js'`
      if (single.length <= 120) lines.push(single)
      else lines.push(`import {\n${names.map((n) => `  ${n},`).join('\n')}\n} from '../primitives/codec-helpers.js'`)
    }
    if (this.reader) lines.push("import type { Reader } from '../primitives/reader.js'")
    if (this.zeroUuid) lines.push("import { ZERO_UUID } from '../primitives/uuid.js'")
    if (this.writer) lines.push("import type { Writer } from '../primitives/writer.js'")
    return lines.join('\n')
  }
}

// ---- conditions ----

/** Negation of a condition produced by `condition()`. */
export function negate(cond: string): string {
  if (cond === 'true') return 'false'
  if (cond === 'false') return 'true'
  let match = /^version >= (\d+)$/.exec(cond)
  if (match) return `version < ${match[1]}`
  match = /^version <= (\d+)$/.exec(cond)
  if (match) return `version > ${match[1]}`
  match = /^version === (\d+)$/.exec(cond)
  if (match) return `version !== ${match[1]}`
  match = /^version >= (\d+) && version <= (\d+)$/.exec(cond)
  if (match) return `version < ${match[1]} || version > ${match[2]}`
  return `!(${cond})`
}

/** `a && b` with constant folding. */
function and(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false'
  if (a === 'true') return b
  if (b === 'true') return a
  return `${wrapOr(a)} && ${wrapOr(b)}`
}

function wrapOr(cond: string): string {
  return cond.includes('||') ? `(${cond})` : cond
}

/** Versions in which a field is written in place (present and not tagged). */
export function inlineRange(field: FieldModel): Range {
  if (isEmpty(field.tagged)) return field.versions
  return intersect(field.versions, { lo: 0, hi: field.tagged.lo - 1 })
}

// ---- types and defaults ----

function primitiveTsType(name: string): string {
  switch (name) {
    case 'bool':
      return 'boolean'
    case 'int64':
      return 'bigint'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bytes':
    case 'records':
      return 'Uint8Array'
    default:
      return 'number'
  }
}

export function baseTsType(type: FieldType): string {
  if (type.kind === 'primitive') return primitiveTsType(type.name)
  if (type.kind === 'struct') return type.struct.typeName
  return `${baseTsType(type.element)}[]`
}

export function fieldTsType(field: FieldModel): string {
  const base = baseTsType(field.type)
  return field.nullableType ? `${base} | null` : base
}

/** A fresh default value of `field` as a TypeScript expression. */
export function defaultExpr(field: FieldModel, imports: Imports): string {
  const value = field.defaultValue
  switch (value.kind) {
    case 'null':
      return 'null'
    case 'number':
      return Object.is(value.value, -0) ? '0' : String(value.value)
    case 'bigint':
      return `${value.value}n`
    case 'bool':
      return String(value.value)
    case 'string':
      return quote(value.value)
    case 'zeroUuid':
      imports.zeroUuid = true
      return 'ZERO_UUID'
    case 'emptyBytes':
      return 'new Uint8Array(0)'
    case 'emptyArray':
      return '[]'
    case 'struct':
      return `create${(field.type as { struct: StructModel }).struct.typeName}()`
  }
}

/** An expression true when `v` (the field's value) equals the field's default. */
export function isDefaultExpr(field: FieldModel, v: string, imports: Imports): string {
  const value = field.defaultValue
  switch (value.kind) {
    case 'null':
      return `${v} === null`
    case 'number':
      return `${v} === ${value.value}`
    case 'bigint':
      return `${v} === ${value.value}n`
    case 'bool':
      return value.value ? v : `!${v}`
    case 'string':
      return `${v} === ${quote(value.value)}`
    case 'zeroUuid':
      imports.zeroUuid = true
      return `${v} === ZERO_UUID`
    case 'emptyBytes':
    case 'emptyArray':
      return field.nullableType ? `${v} !== null && ${v}.length === 0` : `${v}.length === 0`
    case 'struct': {
      const fn = `is${(field.type as { struct: StructModel }).struct.typeName}Default`
      return field.nullableType ? `${v} !== null && ${fn}(${v})` : `${fn}(${v})`
    }
  }
}

/** An expression true when `v` differs from the field's default. */
export function notDefaultExpr(field: FieldModel, v: string, imports: Imports): string {
  const value = field.defaultValue
  switch (value.kind) {
    case 'null':
      return `${v} !== null`
    case 'number':
      return `${v} !== ${value.value}`
    case 'bigint':
      return `${v} !== ${value.value}n`
    case 'bool':
      return value.value ? `!${v}` : v
    case 'string':
      return `${v} !== ${quote(value.value)}`
    case 'zeroUuid':
      imports.zeroUuid = true
      return `${v} !== ZERO_UUID`
    case 'emptyBytes':
    case 'emptyArray':
      return field.nullableType ? `${v} === null || ${v}.length !== 0` : `${v}.length !== 0`
    case 'struct': {
      const fn = `is${(field.type as { struct: StructModel }).struct.typeName}Default`
      return field.nullableType ? `${v} === null || !${fn}(${v})` : `!${fn}(${v})`
    }
  }
}

const arrayHelperSuffix: Record<string, string> = {
  int8: 'Int8',
  int16: 'Int16',
  uint16: 'Uint16',
  int32: 'Int32',
  uint32: 'Uint32',
  int64: 'Int64',
  float64: 'Float64',
  bool: 'Bool',
  uuid: 'Uuid',
  string: 'String',
}

// ---- per-struct emission ----

/** Emission state of one struct function: its version context and the `flexible` local. */
class Scope {
  usesFlexible = false
  readonly flexibleCond: string

  constructor(
    readonly struct: StructModel,
    readonly imports: Imports,
  ) {
    this.flexibleCond = condition(struct.context, struct.message.flexible)
  }

  /** The flexible-encoding expression for `field` in versions `context`. */
  flexible(field: FieldModel, context: Range): string {
    const cond = condition(context, field.flexibleOverride ?? this.struct.message.flexible)
    if (cond === 'true' || cond === 'false') return cond
    if (cond === this.flexibleCond) {
      this.usesFlexible = true
      return 'flexible'
    }
    return cond
  }

  path(field: FieldModel): string {
    return quote(`${this.struct.typeName}.${field.name}`)
  }

  get messageName(): string {
    return quote(this.struct.message.name)
  }
}

/** Statements writing `v`, the value of `field`, in versions `context` (null checks included). */
function writeField(code: Code, scope: Scope, field: FieldModel, v: string, context: Range): void {
  const { imports } = scope
  const flex = scope.flexible(field, context)
  const nullCond = field.nullableType ? condition(context, field.nullable) : 'true'
  const type = field.type
  const nullErrorText = (): string => `throw ${imports.helper('nullNotAllowed')}(${scope.messageName}, version, ${scope.path(field)})`
  if (type.kind === 'struct') {
    const encode = `encode${type.struct.typeName}(writer, version, ${v})`
    if (!field.nullableType) {
      code.line(encode)
      return
    }
    code.open(`if (${v} === null) {`)
    if (nullCond === 'false') code.line(nullErrorText())
    else {
      if (nullCond !== 'true') code.line(`if (${negate(nullCond)}) ${nullErrorText()}`)
      code.line('writer.int8(-1)')
    }
    code.middle('} else {')
    if (nullCond === 'true') code.line('writer.int8(1)')
    else if (nullCond !== 'false') code.line(`if (${nullCond}) writer.int8(1)`)
    code.line(encode)
    code.close()
    return
  }
  if (field.nullableType && nullCond !== 'true') {
    code.line(`if (${and(`${v} === null`, negate(nullCond))}) ${nullErrorText()}`)
  }
  if (type.kind === 'array') {
    if (type.element.kind === 'struct') {
      code.line(`encode${type.element.struct.typeName}Array(writer, version, ${flex}, ${v})`)
    } else {
      code.line(`${imports.helper(`write${arrayHelperSuffix[type.element.name]}Array`)}(writer, ${flex}, ${v})`)
    }
    return
  }
  switch (type.name) {
    case 'string':
      code.line(`${imports.helper('writeString')}(writer, ${flex}, ${v})`)
      return
    case 'bytes':
    case 'records':
      code.line(`${imports.helper('writeBytes')}(writer, ${flex}, ${v})`)
      return
    default:
      code.line(`writer.${type.name}(${v})`)
  }
}

/** An expression reading `field` in versions `context`. */
function readField(scope: Scope, field: FieldModel, context: Range): string {
  const { imports } = scope
  const flex = scope.flexible(field, context)
  const nullCond = field.nullableType ? condition(context, field.nullable) : 'false'
  const type = field.type
  const path = scope.path(field)
  const nullable = (raw: string): string => {
    if (nullCond === 'true') return raw
    if (nullCond === 'false') return `${imports.helper('notNull')}(${raw}, reader, ${path})`
    return `${imports.helper('checkNullable')}(${raw}, ${nullCond}, reader, ${path})`
  }
  if (type.kind === 'struct') {
    const decode = `decode${type.struct.typeName}(reader, version)`
    if (nullCond === 'false') return decode
    const marked = `reader.int8() < 0 ? null : ${decode}`
    if (nullCond === 'true') return marked
    return `${nullCond} ? (${marked}) : ${decode}`
  }
  if (type.kind === 'array') {
    if (type.element.kind === 'struct') return nullable(`decode${type.element.struct.typeName}Array(reader, version, ${flex})`)
    return nullable(`${imports.helper(`read${arrayHelperSuffix[type.element.name]}Array`)}(reader, ${flex})`)
  }
  switch (type.name) {
    case 'string':
      if (nullCond === 'false') return `${imports.helper('readString')}(reader, ${flex}, ${path})`
      return nullable(`${imports.helper('readNullableString')}(reader, ${flex})`)
    case 'bytes':
    case 'records':
      if (nullCond === 'false') return `${imports.helper('readBytes')}(reader, ${flex}, ${path})`
      return nullable(`${imports.helper('readNullableBytes')}(reader, ${flex})`)
    default:
      return `reader.${type.name}()`
  }
}

function taggedFields(struct: StructModel, taggedContext: Range): FieldModel[] {
  return struct.fields
    .filter((field) => field.tag !== null && !isEmpty(intersect(field.tagged, taggedContext)))
    .sort((a, b) => (a.tag as number) - (b.tag as number))
}

/** Appends the tagged-field section, under `if (flexible)` unless every version of the struct is flexible. */
function appendFlexibleSection(body: Code, section: Code, scope: Scope): void {
  if (scope.flexibleCond === 'true') {
    body.append(section)
    return
  }
  scope.usesFlexible = true
  const only = section.text.length === 1 ? (section.text[0] as string) : null
  if (only !== null && 2 + 'if (flexible) '.length + only.length <= MAX_LINE) body.line(`if (flexible) ${only}`)
  else body.open('if (flexible) {').append(section).close()
}

/** Body of `encode<Struct>`: every field in order, then the tagged-field section. */
function emitEncodeBody(code: Code, scope: Scope): void {
  const { struct, imports } = scope
  const context = struct.context
  const body = new Code()
  for (const field of struct.fields) {
    const v = `message.${field.property}`
    const inline = intersect(context, inlineRange(field))
    const inlineCond = condition(context, inlineRange(field))
    if (inlineCond === 'true') writeField(body, scope, field, v, inline)
    else if (inlineCond !== 'false') {
      const statements = new Code()
      writeField(statements, scope, field, v, inline)
      const only = statements.text.length === 1 ? (statements.text[0] as string) : null
      const single = only === null ? '' : `if (${inlineCond}) ${only}`
      if (only !== null && !only.startsWith('if ') && 2 + single.length <= MAX_LINE) body.line(single)
      else body.open(`if (${inlineCond}) {`).append(statements).close()
    }
    const presentCond = condition(context, field.versions)
    if (!field.ignorable && presentCond !== 'true') {
      const check = and(negate(presentCond), wrapOr(notDefaultExpr(field, v, imports)))
      body.line(`if (${check}) throw ${imports.helper('unsupportedField')}(${scope.messageName}, version, ${scope.path(field)})`)
    }
  }
  const taggedContext = intersect(context, struct.message.flexible)
  if (!isEmpty(taggedContext)) {
    const section = new Code()
    const tagged = taggedFields(struct, taggedContext)
    if (tagged.length === 0) section.line('writer.uvarint(0)')
    else {
      const flags = tagged.map((field) => `tagged${field.tag}`)
      tagged.forEach((field, index) => {
        const cond = condition(taggedContext, field.tagged)
        section.line(`const ${flags[index]} = ${and(cond, wrapOr(notDefaultExpr(field, `message.${field.property}`, imports)))}`)
      })
      const count = flags.length === 1 ? `${flags[0]} ? 1 : 0` : flags.map((flag) => `(${flag} ? 1 : 0)`).join(' + ')
      section.line(`writer.uvarint(${count})`)
      tagged.forEach((field, index) => {
        section.open(`if (${flags[index]}) {`)
        section.line(`const start = ${imports.helper('beginTaggedField')}(writer, ${field.tag})`)
        writeField(section, scope, field, `message.${field.property}`, intersect(taggedContext, field.tagged))
        section.line(`${imports.helper('endTaggedField')}(writer, start)`)
        section.close()
      })
    }
    appendFlexibleSection(body, section, scope)
  }
  if (scope.usesFlexible) code.line(`const flexible = ${scope.flexibleCond}`)
  code.append(body)
}

/** Body of `decode<Struct>`: reads every field, then the tagged-field section, then builds the object. */
function emitDecodeBody(code: Code, scope: Scope): void {
  const { struct, imports } = scope
  const context = struct.context
  const body = new Code()
  const taggedContext = intersect(context, struct.message.flexible)
  const tagged = isEmpty(taggedContext) ? [] : taggedFields(struct, taggedContext)
  for (const field of struct.fields) {
    const inline = intersect(context, inlineRange(field))
    const inlineCond = condition(context, inlineRange(field))
    let value: string
    if (inlineCond === 'true') value = readField(scope, field, inline)
    else if (inlineCond === 'false') value = defaultExpr(field, imports)
    else value = `${inlineCond} ? ${readField(scope, field, inline)} : ${defaultExpr(field, imports)}`
    const declaration = tagged.includes(field) ? `let ${field.local}: ${fieldTsType(field)} =` : `const ${field.local} =`
    if (inlineCond === 'true' || inlineCond === 'false' || 2 + declaration.length + 1 + value.length <= MAX_LINE) {
      body.line(`${declaration} ${value}`)
    } else {
      body.line(declaration)
      body.line(`  ${inlineCond}`)
      body.line(`    ? ${readField(scope, field, inline)}`)
      body.line(`    : ${defaultExpr(field, imports)}`)
    }
  }
  if (!isEmpty(taggedContext)) {
    const section = new Code()
    if (tagged.length === 0) section.line('reader.skipTaggedFields()')
    else {
      section.line('const taggedCount = reader.uvarint()')
      section.open('for (let i = 0; i < taggedCount; i++) {')
      section.line('const tag = reader.uvarint()')
      section.line(`const end = ${imports.helper('taggedFieldEnd')}(reader)`)
      section.open('switch (tag) {')
      for (const field of tagged) {
        section.open(`case ${field.tag}:`)
        const cond = condition(taggedContext, field.tagged)
        const read = (): void => {
          section.line(`${field.local} = ${readField(scope, field, intersect(taggedContext, field.tagged))}`)
          section.line(`${imports.helper('checkTaggedFieldEnd')}(reader, end, ${scope.path(field)})`)
          section.line('break')
        }
        if (cond === 'true') read()
        else {
          section.open(`if (${cond}) {`)
          read()
          section.close()
          section.line('reader.offset = end')
          section.line('break')
        }
        section.dedent()
      }
      section.open('default:')
      section.line('reader.offset = end')
      section.dedent()
      section.close()
      section.close()
    }
    appendFlexibleSection(body, section, scope)
  }
  if (scope.usesFlexible) code.line(`const flexible = ${scope.flexibleCond}`)
  code.append(body)
  if (struct.fields.length === 0) code.line('return {}')
  else {
    code.open('return {')
    for (const field of struct.fields) code.line(field.local === field.property ? `${field.property},` : `${field.property}: ${field.local},`)
    code.close('}')
  }
}

function fieldDoc(field: FieldModel, struct: StructModel): string {
  const context = struct.context
  const parts: string[] = []
  const present = intersect(field.versions, isEmpty(context) ? field.versions : context)
  parts.push(`Versions: ${isEmpty(present) ? `none of the valid ones (schema: ${field.spec.versions})` : formatRange(present)}`)
  if (!isEmpty(field.nullable)) parts.push(`nullable: ${formatRange(field.nullable)}`)
  if (!isEmpty(field.tagged)) parts.push(`tagged (tag ${field.tag}): ${formatRange(field.tagged)}`)
  if (field.flexibleOverride !== null) parts.push(`flexible: ${formatRange(field.flexibleOverride)}`)
  const d = field.defaultValue
  if (d.kind === 'null' || d.kind === 'number' || d.kind === 'bigint' || d.kind === 'bool' || (d.kind === 'string' && d.value !== '')) {
    parts.push(`default: ${d.kind === 'null' ? 'null' : d.kind === 'string' ? quote(d.value) : String(d.value)}`)
  }
  if (field.ignorable) parts.push('ignorable')
  if (field.spec.entityType !== undefined) parts.push(`entity: ${field.spec.entityType}`)
  return docComment([field.about, `${parts.join('; ')}.`], MAX_LINE - 2)
}

function structDoc(struct: StructModel): string {
  const message = struct.message
  if (struct.isTop) {
    const flexible = intersect(message.flexible, message.valid)
    const parts = [`${message.name}, versions ${formatRange(message.valid)}`]
    parts.push(isEmpty(flexible) ? 'never flexible' : `flexible from ${flexible.lo}`)
    if (message.unstable) parts.push(`version ${message.valid.hi} is unstable`)
    return docComment([`${parts.join('; ')}.`])
  }
  const where = isEmpty(struct.context) ? 'never on the wire in a valid version' : `${message.name} versions ${formatRange(struct.context)}`
  return docComment([struct.about, `Part of ${where}.`])
}

/** Emits the interface, create function, isDefault and codecs of one struct. */
export function emitStruct(code: Code, struct: StructModel, imports: Imports, exportCodecs: string | null): void {
  const doc = structDoc(struct)
  if (doc !== '') code.line(doc)
  if (struct.fields.length === 0) code.line(`export interface ${struct.typeName} {}`)
  else {
    code.open(`export interface ${struct.typeName} {`)
    for (const field of struct.fields) {
      code.line(fieldDoc(field, struct))
      code.line(`${field.property}: ${fieldTsType(field)}`)
    }
    code.close()
  }
  code.line()
  code.line(docComment([`A \`${struct.typeName}\` with every field not in \`init\` set to its default.`]))
  code.open(`export function create${struct.typeName}(init: Partial<${struct.typeName}> = {}): ${struct.typeName} {`)
  if (struct.fields.length === 0) code.line('return {}')
  else {
    code.open('return {')
    for (const field of struct.fields) {
      const fallback = defaultExpr(field, imports)
      const value = field.nullableType
        ? `init.${field.property} === undefined ? ${fallback} : init.${field.property}`
        : `init.${field.property} ?? ${fallback}`
      code.line(`${field.property}: ${value},`)
    }
    code.close('}')
  }
  code.close()
  if (struct.needsIsDefault) {
    code.line()
    code.open(`function is${struct.typeName}Default(value: ${struct.typeName}): boolean {`)
    if (struct.fields.length === 0) code.line('return true')
    else {
      const checks = struct.fields.map((field) => isDefaultExpr(field, `value.${field.property}`, imports))
      const wrapped = checks.map((check) => (check.includes('||') ? `(${check})` : check))
      const single = `return ${wrapped.join(' && ')}`
      if (single.length <= 110) code.line(single)
      else {
        code.line('return (')
        wrapped.forEach((check, index) => code.line(`  ${index === 0 ? '' : '&& '}${check}`))
        code.line(')')
      }
    }
    code.close()
  }
  if (isEmpty(struct.context)) return
  imports.writer = true
  imports.reader = true
  const message = struct.message
  const name = struct.typeName
  const encodeName = struct.isTop && exportCodecs !== null ? `encode${exportCodecs}` : `encode${name}`
  const decodeName = struct.isTop && exportCodecs !== null ? `decode${exportCodecs}` : `decode${name}`
  const exported = struct.isTop ? 'export ' : ''
  code.line()
  if (struct.isTop) {
    code.line(docComment([`Writes \`${name}\` at \`version\` (${formatRange(message.valid)}); throws EncodeError if the version cannot carry it.`]))
  }
  code.open(`${exported}function ${encodeName}(writer: Writer, version: number, message: ${name}): void {`)
  if (struct.isTop) {
    code.line(`${imports.helper('checkEncodeVersion')}(${quote(message.name)}, version, ${message.valid.lo}, ${message.valid.hi})`)
  }
  emitEncodeBody(code, new Scope(struct, imports))
  code.close()
  code.line()
  if (struct.isTop) {
    code.line(docComment([`Reads \`${name}\` of \`version\` (${formatRange(message.valid)}); throws DecodeError on malformed input.`]))
  }
  code.open(`${exported}function ${decodeName}(reader: Reader, version: number): ${name} {`)
  if (struct.isTop) {
    code.line(`${imports.helper('checkDecodeVersion')}(${quote(message.name)}, version, ${message.valid.lo}, ${message.valid.hi}, reader)`)
  }
  emitDecodeBody(code, new Scope(struct, imports))
  code.close()
  if (struct.inArray) {
    code.line()
    code.open(
      `function encode${name}Array(writer: Writer, version: number, flexible: boolean, array: readonly ${name}[] | null): void {`,
    )
    code.line(`if (array === null) return ${imports.helper('writeArrayLength')}(writer, flexible, null)`)
    code.line('writeArrayLength(writer, flexible, array.length)')
    code.line(`for (const element of array) encode${name}(writer, version, element)`)
    code.close()
    code.line()
    code.open(`function decode${name}Array(reader: Reader, version: number, flexible: boolean): ${name}[] | null {`)
    code.line(`const length = ${imports.helper('readArrayLength')}(reader, flexible)`)
    code.line('if (length < 0) return null')
    code.line(`const array: ${name}[] = []`)
    code.line(`for (let i = 0; i < length; i++) array.push(decode${name}(reader, version))`)
    code.line('return array')
    code.close()
  }
}

/** Emits every struct of `message`. `exportCodecs` names the top-level codecs (encode<exportCodecs>). */
export function emitMessage(code: Code, message: MessageModel, imports: Imports, exportCodecs: string | null = null): void {
  message.structs.forEach((struct, index) => {
    if (index > 0) code.line()
    emitStruct(code, struct, imports, exportCodecs)
  })
}

