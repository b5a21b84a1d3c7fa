/** Accumulates lines of generated code with two-space indentation. */
export class Code {
  private readonly lines: string[] = []
  private depth = 0

  /** Adds one line (or several, separated by newlines) at the current indentation. */
  line(text = ''): this {
    for (const part of text.split('\n')) {
      if (part === '') this.lines.push('')
      else for (const wrapped of wrapIndented(part, this.depth * 2)) this.lines.push('  '.repeat(this.depth) + wrapped)
    }
    return this
  }

  /** Adds a line ending a block opener (`... {`) and indents what follows. */
  open(text: string): this {
    this.line(text)
    this.depth++
    return this
  }

  /** Outdents and adds a closing line (`}` by default). */
  close(text = '}'): this {
    this.depth--
    if (this.depth < 0) throw new Error('unbalanced close()')
    this.line(text)
    return this
  }

  /** Outdents for one line (`} else {`, `case 1:`) and indents again after it. */
  middle(text: string): this {
    this.depth--
    this.line(text)
    this.depth++
    return this
  }

  /** Outdents without adding a line. */
  dedent(): this {
    this.depth--
    if (this.depth < 0) throw new Error('unbalanced dedent()')
    return this
  }

  /** Appends lines produced elsewhere, indented to the current depth. */
  append(other: Code): this {
    const prefix = '  '.repeat(this.depth)
    for (const text of other.lines) {
      if (text === '') {
        this.lines.push('')
        continue
      }
      for (const wrapped of wrapIndented(text, prefix.length)) this.lines.push(prefix + wrapped)
    }
    return this
  }

  /** The lines so far (unindented relative to this buffer). */
  get text(): readonly string[] {
    return this.lines
  }

  get isEmpty(): boolean {
    return this.lines.length === 0
  }

  toString(): string {
    if (this.depth !== 0) throw new Error('unbalanced open()')
    return this.lines.join('\n')
  }
}

/** Word-wraps `text` to lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const result: string[] = []
  let current = ''
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      result.push(current)
      current = word
    } else {
      current = current === '' ? word : `${current} ${word}`
    }
  }
  if (current !== '') result.push(current)
  return result
}

/** A TSDoc comment block for `text` (wrapped), or a one-liner when short. */
export function docComment(paragraphs: string[], width = MAX_LINE): string {
  const cleaned = paragraphs.map((p) => p.replace(/\*\//g, '*\\/').trim()).filter((p) => p !== '')
  if (cleaned.length === 0) return ''
  if (cleaned.length === 1 && (cleaned[0] as string).length <= width - 7) return `/** ${cleaned[0]} */`
  const lines = ['/**']
  cleaned.forEach((paragraph, index) => {
    if (index > 0) lines.push(' *')
    for (const part of wrap(paragraph, width - 3)) lines.push(` * ${part}`)
  })
  lines.push(' */')
  return lines.join('\n')
}

/** Longest line the generator writes before it breaks a call's arguments over several lines. */
export const MAX_LINE = 120

/** Position of the parenthesis closing the one at `open`, skipping string literals; -1 if none. */
function matchingParen(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    const char = text[i]
    if (char === "'" || char === '`' || char === '"') {
      for (i++; i < text.length && text[i] !== char; i++) if (text[i] === '\\') i++
      continue
    }
    if (char === '(' || char === '[' || char === '{') depth++
    else if (char === ')' || char === ']' || char === '}') {
      depth--
      if (depth === 0) return char === ')' ? i : -1
    }
  }
  return -1
}

/** Splits `text` at commas outside brackets and strings. */
function splitArguments(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === "'" || char === '`' || char === '"') {
      for (i++; i < text.length && text[i] !== char; i++) if (text[i] === '\\') i++
      continue
    }
    if (char === '(' || char === '[' || char === '{') depth++
    else if (char === ')' || char === ']' || char === '}') depth--
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  const last = text.slice(start).trim()
  if (last !== '') parts.push(last)
  return parts
}

/**
 * Breaks a code line longer than MAX_LINE (at `indent` columns) the way Prettier would: the
 * arguments (or parameters) of the first call whose parentheses close at the end of the line go
 * one per line. Comments and lines without such a call are returned unchanged.
 */
export function wrapCall(text: string, indent = 0): string[] {
  if (indent + text.length <= MAX_LINE || /^(\/\/|\/\*|\*)/.test(text)) return [text]
  for (let open = text.indexOf('('); open >= 0; open = text.indexOf('(', open + 1)) {
    const close = matchingParen(text, open)
    if (close < 0) continue
    const tail = text.slice(close + 1)
    if (!/^(,|;)?$/.test(tail) && !/^(: [\w[\]|<> .,]+)? \{$/.test(tail)) continue
    const args = splitArguments(text.slice(open + 1, close))
    if (args.length === 0) continue
    const lines = [text.slice(0, open + 1)]
    for (const arg of args) for (const part of wrapCall(`${arg},`, indent + 2)) lines.push(`  ${part}`)
    lines.push(text.slice(close))
    return lines
  }
  return [text]
}

/** `wrapCall` for a line that may start with spaces (kept, and counted in the width). */
function wrapIndented(text: string, indent: number): string[] {
  const lead = /^ */.exec(text)?.[0] ?? ''
  return wrapCall(text.slice(lead.length), indent + lead.length).map((line) => lead + line)
}
