import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** A field as written in the JSON definitions. */
export interface FieldSpec {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  ignorable?: boolean
  about?: string
  fields?: FieldSpec[]
  flexibleVersions?: string
  entityType?: string
  mapKey?: boolean
  zeroCopy?: boolean
}

export interface StructSpec {
  name: string
  versions: string
  fields: FieldSpec[]
}

/** A message definition (one JSON file). */
export interface MessageSpec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions?: string
  latestVersionUnstable?: boolean
  listeners?: string[]
  fields?: FieldSpec[]
  commonStructs?: StructSpec[]
}

const knownFieldKeys = new Set([
  'name',
  'type',
  'versions',
  'nullableVersions',
  'taggedVersions',
  'tag',
  'default',
  'ignorable',
  'about',
  'fields',
  'flexibleVersions',
  'entityType',
  'mapKey',
  'zeroCopy',
])

/** Drops whole-line `//` comments, then parses strict JSON. */
export function parseDefinition(text: string, source: string): MessageSpec {
  const json = text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n')
  let spec: MessageSpec
  try {
    spec = JSON.parse(json) as MessageSpec
  } catch (error) {
    throw new Error(`${source}: invalid JSON after removing comments: ${(error as Error).message}`)
  }
  if (typeof spec.name !== 'string' || typeof spec.type !== 'string' || typeof spec.validVersions !== 'string') {
    throw new Error(`${source}: missing name, type or validVersions`)
  }
  const check = (fields: FieldSpec[] | undefined, path: string): void => {
    for (const field of fields ?? []) {
      for (const key of Object.keys(field)) {
        if (!knownFieldKeys.has(key)) throw new Error(`${source}: ${path}.${field.name}: unknown key "${key}"`)
      }
      if (typeof field.name !== 'string' || typeof field.type !== 'string' || typeof field.versions !== 'string') {
        throw new Error(`${source}: ${path}: a field lacks name, type or versions`)
      }
      check(field.fields, `${path}.${field.name}`)
    }
  }
  check(spec.fields, spec.name)
  for (const struct of spec.commonStructs ?? []) check(struct.fields, `${spec.name}#${struct.name}`)
  return spec
}

/** Reads every `*.json` of `directory`, sorted by file name. */
export function loadDefinitions(directory: string): MessageSpec[] {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
  return files.map((file) => parseDefinition(readFileSync(join(directory, file), 'utf8'), file))
}
