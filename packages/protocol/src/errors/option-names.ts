import { ConfigError } from './config-error.js'

/**
 * Rejects an option name that is not one of `known` with a ConfigError that names it and, when
 * one is close, the known name that was probably meant (`lingerMS` → `lingerMs`). A misspelt
 * option would otherwise be ignored in silence and its default used, which is the harder bug to
 * find; Java's clients log such names as unknown configs, kafkats refuses them.
 *
 * `where` prefixes the option in the error (`producer` gives `producer.lingerMS`).
 */
export function checkOptionNames(options: object, known: Readonly<Record<string, unknown>>, where?: string): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(known, name)) continue
    // An explicit undefined is how callers spread optional values; it sets nothing, so it is no typo.
    if ((options as Record<string, unknown>)[name] === undefined) continue
    const closest = closestName(name, Object.keys(known))
    const hint = closest === null ? `known options: ${Object.keys(known).join(', ')}` : `did you mean ${closest}?`
    throw new ConfigError(where === undefined ? name : `${where}.${name}`, `unknown option ${JSON.stringify(name)}: ${hint}`)
  }
}

/** The known name nearest to `name`, if a typo could explain the difference (case ignored; at most a third of the letters edited). */
function closestName(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase()
  let best: string | null = null
  let bestDistance = Math.max(2, Math.ceil(name.length / 3)) + 1
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

// Levenshtein distance over option names (tens of characters, a few dozen names, once per
// constructor call). Written here rather than taken from a package: the maintained one (leven 4)
// is ESM-only, and these packages must also load under CommonJS.
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}
