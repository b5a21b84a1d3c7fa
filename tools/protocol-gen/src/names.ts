/** Splits PascalCase (with acronyms and digits) into words: "ISRVersion" -> ["ISR", "Version"]. */
export function words(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+\d*|\d+/g) ?? []
}

/**
 * camelCase of a PascalCase schema name. A leading acronym is lowercased as a whole:
 * "ThrottleTimeMs" -> "throttleTimeMs", "ISRVersion" -> "isrVersion", "ID" -> "id",
 * "KRaftVersion" -> "kRaftVersion" (a single capital before a word stays a word of its own).
 */
export function camelCase(name: string): string {
  const match = /^[A-Z]+/.exec(name)
  if (match === null) return name
  const run = match[0]
  if (run.length === name.length) return name.toLowerCase()
  if (run.length === 1) return run.toLowerCase() + name.slice(1)
  const next = name.charAt(run.length)
  if (/[a-z]/.test(next)) {
    // the last capital of the run starts the next word: "ISRVersion" = "ISR" + "Version"
    return run.slice(0, -1).toLowerCase() + name.slice(run.length - 1)
  }
  return run.toLowerCase() + name.slice(run.length)
}

/** kebab-case file name: "OffsetForLeaderEpoch" -> "offset-for-leader-epoch". */
export function kebabCase(name: string): string {
  return words(name)
    .map((word) => word.toLowerCase())
    .join('-')
}

const reserved = new Set(
  (
    'arguments await break case catch class const continue debugger default delete do else enum eval export extends ' +
    'false finally for function if implements import in instanceof interface let new null package private protected ' +
    'public return static super switch this throw true try typeof undefined var void while with yield NaN Infinity'
  ).split(' '),
)

/** True when `name` cannot be used as a local variable. */
export function isReservedWord(name: string): boolean {
  return reserved.has(name)
}

/** A TypeScript single-quoted string literal. */
export function quote(value: string): string {
  let result = "'"
  for (const char of value) {
    const code = char.codePointAt(0) as number
    if (char === "'" || char === '\\') result += '\\' + char
    else if (char === '\n') result += '\\n'
    else if (char === '\r') result += '\\r'
    else if (char === '\t') result += '\\t'
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) {
      result += '\\u' + code.toString(16).padStart(4, '0')
    } else result += char
  }
  return result + "'"
}
