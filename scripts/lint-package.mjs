#!/usr/bin/env node
// Repo lint for one workspace package. Run from the package directory:
//
//   node ../../scripts/lint-package.mjs            (or: node scripts/lint-package.mjs packages/protocol)
//
// Checks src/**/*.ts and the package's package.json, prints `file:line: rule: message` for every
// violation and exits 1, or prints `lint ok: <package> (<n> files)`. Plain Node, no dependencies.
//
// Rules (style rules skip *.test.ts, *.test-data.ts and src/generated/**):
//   no-default-export   style   `export default`
//   index-reexports     style   src/index.ts holds nothing but `export … from '…'` (and comments)
//   option-name         style   `interface …Options` properties follow DESIGN.md's vocabulary:
//                               `<thing>Max<Unit>` limits, `…Ms` durations, `…Bytes` sizes
//   no-explicit-any     style   `: any`, `<any>`, `any[]`, `as any`, `, any>` in code
//   no-deep-import      all     `@kafkats/<x>/src/…`, or any subpath `<x>` does not export
//   no-outside-import   all     a relative import that resolves outside the package directory
//   undeclared-import   all     importing a workspace package missing from package.json
//   layering            pkg     a workspace dependency that is not below the package (see LAYERS);
//                               tools/* (test infrastructure) are allowed as devDependencies
//   typed-error         style   `errorName: 'INVALID_ARGUMENT' | 'INVALID_CONFIG' | 'INVALID_STATE' |
//                               'CLOSED'` outside the file of the class that owns that name: throw
//                               InvalidArgumentError / ConfigError / InvalidStateError / ClosedError

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/**
 * What each package under packages/ may depend on (by directory name):
 * protocol ← connection ← metadata ← {fetch-planner, producer-sink, admin} ← consumer ← kafkats ← apps.
 * tools/* and apps/* may depend on anything. A package under packages/ missing here fails.
 * Every package may also have tools/* packages (test infrastructure) in devDependencies.
 */
const LAYERS = {
  protocol: [],
  fake: ['protocol'],
  connection: ['protocol'],
  metadata: ['protocol', 'connection'],
  'fetch-planner': ['protocol', 'connection', 'metadata'],
  'producer-sink': ['protocol', 'connection', 'metadata'],
  admin: ['protocol', 'connection', 'metadata'],
  consumer: ['protocol', 'connection', 'metadata', 'fetch-planner', 'admin'],
  kafkats: ['protocol', 'connection', 'metadata', 'fetch-planner', 'producer-sink', 'admin', 'consumer'],
}

/** Client-side error names that have their own class in @kafkats/protocol (src/errors/<file>). */
const TYPED_ERRORS = {
  INVALID_ARGUMENT: { name: 'InvalidArgumentError', file: 'invalid-argument-error.ts' },
  INVALID_CONFIG: { name: 'ConfigError', file: 'config-error.ts' },
  INVALID_STATE: { name: 'InvalidStateError', file: 'invalid-state-error.ts' },
  CLOSED: { name: 'ClosedError', file: 'closed-error.ts' },
  PRODUCER_CLOSED: { name: 'ClosedError', file: 'closed-error.ts' },
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']

main()

function main() {
  const pkgDir = resolve(process.argv[2] ?? process.cwd())
  const pkgJsonPath = join(pkgDir, 'package.json')
  if (!existsSync(pkgJsonPath)) fatal(`no package.json in ${pkgDir}`)
  const pkg = readJson(pkgJsonPath)
  const rootDir = findWorkspaceRoot(pkgDir)
  const workspace = rootDir === null ? new Map() : readWorkspace(rootDir)

  const problems = []
  const report = (file, line, rule, message) => problems.push({ file, line, rule, message })

  checkLayering(pkg, pkgDir, rootDir, workspace, report)

  const srcDir = join(pkgDir, 'src')
  const files = existsSync(srcDir) ? listTsFiles(srcDir) : []
  for (const file of files) checkFile(file, pkgDir, pkg, workspace, report)

  if (problems.length > 0) {
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
    for (const p of problems) console.error(`${p.file}:${p.line}: ${p.rule}: ${p.message}`)
    console.error(`lint failed: ${pkg.name ?? pkgDir} (${problems.length} problem${problems.length === 1 ? '' : 's'})`)
    process.exit(1)
  }
  console.log(`lint ok: ${pkg.name ?? pkgDir} (${files.length} files)`)
}

// ---------------------------------------------------------------------------------------------
// package.json: dependency direction

function checkLayering(pkg, pkgDir, rootDir, workspace, report) {
  if (rootDir === null) return
  const [group, dirName] = workspaceSlot(rootDir, pkgDir)
  if (group !== 'packages') return // tools/*, apps/*: anything goes
  const allowed = LAYERS[dirName]
  const lines = readFileSync(join(pkgDir, 'package.json'), 'utf8').split('\n')
  if (allowed === undefined) {
    report('package.json', 1, 'layering', `packages/${dirName} is not in the LAYERS table of scripts/lint-package.mjs`)
    return
  }
  for (const field of DEPENDENCY_FIELDS) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      const target = workspace.get(dep)
      if (target === undefined || dep === pkg.name) continue
      const [depGroup, depDir] = workspaceSlot(rootDir, target.dir)
      if (depGroup === 'packages' && allowed.includes(depDir)) continue
      // Test infrastructure (tools/*, e.g. @kafkats/testkit) is fine as a devDependency.
      if (depGroup === 'tools' && field === 'devDependencies') continue
      const line = 1 + lines.findIndex((l) => l.includes(`"${dep}"`))
      const may = allowed.length === 0 ? 'no workspace package' : allowed.join(', ')
      const message = `${field} has ${dep} (${depGroup}/${depDir}); packages/${dirName} may depend on ${may}`
      report('package.json', line, 'layering', message)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// source files

function checkFile(file, pkgDir, pkg, workspace, report) {
  const rel = relative(pkgDir, file).split(sep).join('/')
  const text = readFileSync(file, 'utf8')
  const { code, noComments } = strip(text)
  const lineOf = lineIndex(text)
  const isTest = /\.test\.[cm]?ts$/.test(rel) || /\.test-data\.[cm]?ts$/.test(rel)
  const isGenerated = rel.startsWith('src/generated/')
  const styled = !isTest && !isGenerated

  if (styled) {
    for (const m of code.matchAll(/\bexport\s+default\b/g)) {
      report(rel, lineOf(m.index), 'no-default-export', 'use a named export')
    }
    const anyByLine = new Map()
    for (const m of code.matchAll(/:\s*any\b|<\s*any\s*>|\bany\s*\[\s*\]|\bas\s+any\b|[<,]\s*any\s*[,>]/g)) {
      const line = lineOf(m.index)
      anyByLine.set(line, [...(anyByLine.get(line) ?? []), `\`${m[0].replace(/\s+/g, ' ').trim()}\``])
    }
    for (const [line, found] of anyByLine) {
      report(rel, line, 'no-explicit-any', `${found.join(', ')}: use unknown or a real type`)
    }
    if (rel === 'src/index.ts') checkIndex(noComments, rel, report)
    checkOptionNames(noComments, rel, lineOf, report)
    for (const m of noComments.matchAll(/\berrorName\s*:\s*(['"`])(INVALID_ARGUMENT|INVALID_CONFIG|INVALID_STATE|CLOSED|PRODUCER_CLOSED)\1/g)) {
      const owner = TYPED_ERRORS[m[2]]
      if (owner !== undefined && rel === `src/errors/${owner.file}`) continue
      report(rel, lineOf(m.index), 'typed-error', `errorName '${m[2]}' as a string: throw ${owner?.name ?? 'ClosedError'} from @kafkats/protocol instead`)
    }
  }

  const declared = new Set(
    (isTest ? DEPENDENCY_FIELDS : ['dependencies', 'peerDependencies', 'optionalDependencies']).flatMap((f) =>
      Object.keys(pkg[f] ?? {}),
    ),
  )
  for (const { spec, index } of importSpecifiers(code, noComments)) {
    const line = lineOf(index)
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec)
      const fromPkg = relative(pkgDir, target)
      if (fromPkg === '..' || fromPkg.startsWith(`..${sep}`)) {
        report(rel, line, 'no-outside-import', `'${spec}' leaves the package; import the other package by name`)
      }
      continue
    }
    const m = /^(@kafkats\/[^/]+)(?:\/(.*))?$/.exec(spec)
    if (m === null) continue
    const [, name, sub] = m
    const target = workspace.get(name)
    if (sub !== undefined) {
      if (/^(src|dist)(\/|$)/.test(sub) || (target !== undefined && !isExported(target.pkg, `./${sub}`))) {
        report(rel, line, 'no-deep-import', `'${spec}' reaches into ${name}'s internals; import from '${name}'`)
      }
    }
    if (target !== undefined && name !== pkg.name && !declared.has(name)) {
      const where = isTest ? 'dependencies or devDependencies' : 'dependencies'
      report(rel, line, 'undeclared-import', `${name} is not in package.json ${where}`)
    }
  }
}

/**
 * The vocabulary of DESIGN.md for option names, on every `interface …Options` (the objects users
 * pass): a limit is `<thing>Max<Unit>` / `<thing>Min<Unit>` (never a leading `max`/`min`), a
 * duration ends in `Ms`, and a size ends in `Bytes`.
 */
function checkOptionNames(noComments, rel, lineOf, report) {
  for (const m of noComments.matchAll(/\binterface\s+(\w*Options)\b[^{]*\{/g)) {
    let depth = 1
    let i = m.index + m[0].length
    let lineStart = i
    for (; i < noComments.length && depth > 0; i++) {
      const c = noComments[i]
      if (c === '{' || c === '(' || c === '[') depth++
      else if (c === '}' || c === ')' || c === ']') depth--
      else if (c === '\n') lineStart = i + 1
      if (depth !== 1 || (c !== ':' && c !== '?')) continue
      const prop = /^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\s*\??\s*$/.exec(noComments.slice(lineStart, i))
      if (prop === null) continue
      const name = prop[1]
      const problem = optionNameProblem(name)
      if (problem !== null) report(rel, lineOf(lineStart), 'option-name', `${m[1]}.${name}: ${problem} (see the vocabulary table in DESIGN.md)`)
      lineStart = noComments.length // one report per property line
    }
  }
}

function optionNameProblem(name) {
  // Kafka's own field names stay as Kafka spells them (RecordBatch MaxTimestamp is a value, not a limit).
  if (name === 'maxTimestamp') return null
  if (/^(max|min)[A-Z]/.test(name)) return 'a limit is <thing>Max<Unit> or <thing>Min<Unit>, e.g. batchMaxBytes, fetchMaxWaitMs'
  if (/(Timeout|Interval|Backoff|Delay|Linger|Lease|Age|Wait|Period|Duration)$/.test(name) || /^(timeout|interval|delay|linger)$/.test(name)) return 'a duration ends in its unit: …Ms'
  if (/(Size|Memory|Length)$/.test(name) && !/Bytes$/.test(name)) return 'a size ends in its unit: …Bytes (or …Records, …Batches)'
  return null
}

/** src/index.ts: after removing `export … from '…'` statements only whitespace may remain. */
function checkIndex(noComments, rel, report) {
  const reexport = /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])[^'"\n]*\1\s*;?/g
  const rest = noComments.replace(reexport, (s) => s.replace(/[^\n]/g, ' '))
  rest.split('\n').forEach((lineText, i) => {
    if (lineText.trim() === '') return
    const snippet = lineText.trim().slice(0, 60)
    report(rel, i + 1, 'index-reexports', `only \`export … from\` re-exports belong here: \`${snippet}\``)
  })
}

/** Module specifiers of static imports/exports, side-effect imports, import() and require(). */
function importSpecifiers(code, noComments) {
  const patterns = [
    /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ]
  const found = []
  for (const re of patterns) {
    for (const m of noComments.matchAll(re)) {
      // The keyword must be code, not text inside a string or template literal.
      if (!/^(import|export|require)/.test(code.slice(m.index, m.index + 7))) continue
      found.push({ spec: m[2], index: m.index + m[0].lastIndexOf(m[2]) })
    }
  }
  return found
}

/** Whether `subpath` (`./x`) is in the `exports` map of a package.json (patterns with `*` too). */
function isExported(pkg, subpath) {
  const exp = pkg.exports
  if (exp === undefined || typeof exp === 'string' || Array.isArray(exp)) return false
  const keys = Object.keys(exp).filter((k) => k.startsWith('.'))
  return keys.some((k) => {
    if (!k.includes('*')) return k === subpath
    const [before, after] = k.split('*')
    return subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= before.length + after.length
  })
}

// ---------------------------------------------------------------------------------------------
// A small TypeScript scanner: blanks comments (in both outputs) and the contents of string,
// template and regex literals (in `code` only), keeping every offset and newline in place.

function strip(src) {
  const code = src.split('')
  const noComments = src.split('')
  const n = src.length
  const blank = (arr, from, to) => {
    for (let k = from; k < to; k++) if (arr[k] !== '\n') arr[k] = ' '
  }
  const templateDepths = [] // open `${` expressions: brace depth inside each
  let prev = '' // last significant code character
  let prevWord = ''
  let i = 0

  const scanTemplate = (start) => {
    // `start` is just after a backtick or after the `}` closing an expression.
    let k = start
    while (k < n) {
      const c = src[k]
      if (c === '\\') k += 2
      else if (c === '`') {
        blank(code, start, k)
        return { end: k + 1, expression: false }
      } else if (c === '$' && src[k + 1] === '{') {
        blank(code, start, k)
        return { end: k + 2, expression: true }
      } else k++
    }
    blank(code, start, n)
    return { end: n, expression: false }
  }
  const enterTemplate = (start) => {
    const t = scanTemplate(start)
    if (t.expression) templateDepths.push(0)
    prev = t.expression ? '{' : '`'
    prevWord = ''
    return t.end
  }

  while (i < n) {
    const c = src[i]
    const d = src[i + 1]
    if (c === '/' && d === '/') {
      let k = i
      while (k < n && src[k] !== '\n') k++
      blank(code, i, k)
      blank(noComments, i, k)
      i = k
    } else if (c === '/' && d === '*') {
      const close = src.indexOf('*/', i + 2)
      const k = close === -1 ? n : close + 2
      blank(code, i, k)
      blank(noComments, i, k)
      i = k
    } else if (c === "'" || c === '"') {
      let k = i + 1
      while (k < n && src[k] !== c && src[k] !== '\n') k += src[k] === '\\' ? 2 : 1
      blank(code, i + 1, Math.min(k, n))
      i = k + 1
      prev = c
      prevWord = ''
    } else if (c === '`') {
      i = enterTemplate(i + 1)
    } else if (c === '/' && regexAllowed(prev, prevWord)) {
      let k = i + 1
      let inClass = false
      while (k < n && src[k] !== '\n') {
        const r = src[k]
        if (r === '\\') k += 2
        else {
          if (r === '[') inClass = true
          else if (r === ']') inClass = false
          else if (r === '/' && !inClass) break
          k++
        }
      }
      blank(code, i + 1, Math.min(k, n))
      k++
      while (k < n && /[a-z]/i.test(src[k])) k++
      i = k
      prev = '/'
      prevWord = ''
    } else if (c === '{') {
      if (templateDepths.length > 0) templateDepths[templateDepths.length - 1]++
      prev = c
      prevWord = ''
      i++
    } else if (c === '}') {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === 0) {
        templateDepths.pop()
        i = enterTemplate(i + 1)
      } else {
        if (templateDepths.length > 0) templateDepths[templateDepths.length - 1]--
        prev = c
        prevWord = ''
        i++
      }
    } else if (/[\w$]/.test(c)) {
      let k = i
      while (k < n && /[\w$]/.test(src[k])) k++
      prevWord = src.slice(i, k)
      prev = 'a'
      i = k
    } else {
      if (!/\s/.test(c)) {
        prev = c
        prevWord = ''
      }
      i++
    }
  }
  return { code: code.join(''), noComments: noComments.join('') }
}

function regexAllowed(prev, prevWord) {
  if (prev === '') return true
  if (prev === 'a') {
    return /^(return|typeof|case|do|else|in|of|new|delete|void|throw|instanceof|yield|await)$/.test(prevWord)
  }
  return '(,=:[!&|?{};+-*%<>~^'.includes(prev)
}

// ---------------------------------------------------------------------------------------------
// helpers

function lineIndex(text) {
  const starts = [0]
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') starts.push(k + 1)
  return (offset) => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
}

function listTsFiles(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listTsFiles(full))
    } else if (/\.[cm]?ts$/.test(entry.name)) out.push(full)
  }
  return out.sort()
}

function findWorkspaceRoot(from) {
  let dir = dirname(from)
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && readJson(candidate).workspaces !== undefined) return dir
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/** Workspace packages by name: `{ dir, pkg }`. Understands `dir/*` and plain directory entries. */
function readWorkspace(rootDir) {
  const root = readJson(join(rootDir, 'package.json'))
  const globs = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces.packages ?? [])
  const map = new Map()
  for (const glob of globs) {
    const dirs = glob.endsWith('/*')
      ? safeReaddir(join(rootDir, glob.slice(0, -2))).map((name) => join(rootDir, glob.slice(0, -2), name))
      : [join(rootDir, glob)]
    for (const dir of dirs) {
      const file = join(dir, 'package.json')
      if (!existsSync(file)) continue
      const pkg = readJson(file)
      if (typeof pkg.name === 'string') map.set(pkg.name, { dir, pkg })
    }
  }
  return map
}

/** `['packages', 'protocol']` for <root>/packages/protocol. */
function workspaceSlot(rootDir, dir) {
  const parts = relative(rootDir, dir).split(sep)
  return [parts[0] ?? '', parts.slice(1).join('/')]
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory())
  } catch {
    return []
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    fatal(`cannot read ${file}: ${error.message}`)
  }
}

function fatal(message) {
  console.error(`lint-package: ${message}`)
  process.exit(2)
}
