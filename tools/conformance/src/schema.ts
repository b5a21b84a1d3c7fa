// The message definitions as Kafka itself ships them (common/message/*.json inside
// kafka-clients), read independently of tools/protocol-gen so that the random messages do not
// inherit the generator's reading of the schemas.

/** A field as written in a definition. */
export interface FieldSpec {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  mapKey?: boolean
  fields?: FieldSpec[]
}

export interface MessageSpec {
  name: string
  type: string
  validVersions: string
  flexibleVersions?: string
  /** Requests only: the highest version is still in development. */
  latestVersionUnstable?: boolean
  fields: FieldSpec[]
  commonStructs?: { name: string; versions: string; fields: FieldSpec[] }[]
}

/** Parses a definition: whole-line `//` comments are not JSON. */
export function parseSpec(text: string): MessageSpec {
  const json = text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n')
  return JSON.parse(json) as MessageSpec
}

/** A version range of the definitions: "0+", "3-7", "5", "none". */
export interface VersionRange {
  min: number
  max: number
}

const NONE: VersionRange = { min: 1, max: 0 }

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none' || text === '') return NONE
  const plus = /^(\d+)\+$/.exec(text)
  if (plus !== null) return { min: Number(plus[1]), max: Number.MAX_SAFE_INTEGER }
  const range = /^(\d+)-(\d+)$/.exec(text)
  if (range !== null) return { min: Number(range[1]), max: Number(range[2]) }
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) }
  throw new Error(`invalid version range "${text}"`)
}

export function inRange(text: string | undefined, version: number): boolean {
  const range = parseVersions(text)
  return version >= range.min && version <= range.max
}

/** Our generated code's name for a field: camelCase with a leading acronym lowercased whole (tools/protocol-gen naming). */
export function tsFieldName(name: string): string {
  const match = /^[A-Z]+/.exec(name)
  if (match === null) return name
  const run = match[0]
  if (run.length === name.length) return name.toLowerCase()
  if (run.length === 1) return run.toLowerCase() + name.slice(1)
  if (/[a-z]/.test(name.charAt(run.length))) return run.slice(0, -1).toLowerCase() + name.slice(run.length - 1)
  return run.toLowerCase() + name.slice(run.length)
}

/** The JSON key Kafka's `*DataJsonConverter` uses: the first letter lowercased. */
export function javaFieldName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}
