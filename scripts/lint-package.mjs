#!/usr/bin/env node
// The project's own lint rules for one workspace package. Run from the package directory:
//
//   node ../../scripts/lint-package.mjs            (or: node scripts/lint-package.mjs packages/protocol)
//
// Reads src/**/*.ts with the TypeScript parser and the package's package.json, prints
// `file:line: rule: message` for every violation and exits 1, or prints
// `lint ok: <package> (<n> files)`.
//
// Rules (the source rules skip *.test.ts, *.test-data.ts, test-support.ts and src/generated/**):
//   index-reexports  src/index.ts holds nothing but `export … from '…'` statements
//   option-name      `interface …Options` properties follow DESIGN.md's vocabulary:
//                    `<thing>Max<Unit>` limits, `…Ms` durations, `…Bytes` sizes
//   typed-error      `errorName: 'INVALID_ARGUMENT' | 'INVALID_CONFIG' | 'INVALID_STATE' |
//                    'CLOSED' | 'PRODUCER_CLOSED'` outside the file of the class that owns that
//                    name: throw InvalidArgumentError / ConfigError / InvalidStateError / ClosedError
//   layering         a workspace dependency in package.json that is not below the package
//                    (scripts/package-layers.cjs); tools/* and TEST_INFRASTRUCTURE (@kafkats/fake) only as devDependencies
//
// The generic rules live in maintained tools, run once for all packages by the root `lint:tools`
// script that turbo's `lint` task depends on: ESLint with typescript-eslint (eslint.config.mjs: no
// `any`, no default exports) and dependency-cruiser (.dependency-cruiser.cjs: import layering, no
// deep or outside imports, undeclared imports).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

const { LAYERS, TEST_INFRASTRUCTURE } = createRequire(import.meta.url)('./package-layers.cjs')

/** Client-side error names that have their own class in @kafkats/protocol (src/errors/<file>). */
const TYPED_ERRORS = {
  INVALID_ARGUMENT: { name: 'InvalidArgumentError', file: 'invalid-argument-error.ts' },
  INVALID_CONFIG: { name: 'ConfigError', file: 'config-error.ts' },
  INVALID_STATE: { name: 'InvalidStateError', file: 'invalid-state-error.ts' },
  CLOSED: { name: 'ClosedError', file: 'closed-error.ts' },
  PRODUCER_CLOSED: { name: 'ClosedError', file: 'closed-error.ts' },
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']
const TEST_FILE = /\.test\.[cm]?ts$|\.test-data\.[cm]?ts$|(^|\/)test-support\.[cm]?ts$/

main()

function main() {
  const pkgDir = resolve(process.argv[2] ?? process.cwd())
  const pkgJsonPath = join(pkgDir, 'package.json')
  if (!existsSync(pkgJsonPath)) fatal(`no package.json in ${pkgDir}`)
  const pkg = readJson(pkgJsonPath)
  const rootDir = findWorkspaceRoot(pkgDir)

  const problems = []
  const report = (file, line, rule, message) => problems.push({ file, line, rule, message })

  if (rootDir !== null) checkLayering(pkg, pkgDir, rootDir, readWorkspace(rootDir), report)

  const srcDir = join(pkgDir, 'src')
  const files = (existsSync(srcDir) ? listTsFiles(srcDir) : []).filter((file) => {
    const rel = relative(pkgDir, file).split(sep).join('/')
    return !TEST_FILE.test(rel) && !rel.startsWith('src/generated/')
  })
  for (const file of files) checkFile(file, pkgDir, report)

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
  const [group, dirName] = workspaceSlot(rootDir, pkgDir)
  if (group !== 'packages') return // tools/*, apps/*: anything goes
  const allowed = LAYERS[dirName]
  const lines = readFileSync(join(pkgDir, 'package.json'), 'utf8').split('\n')
  if (allowed === undefined) {
    report('package.json', 1, 'layering', `packages/${dirName} is not in the LAYERS table of scripts/package-layers.cjs`)
    return
  }
  for (const field of DEPENDENCY_FIELDS) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      const target = workspace.get(dep)
      if (target === undefined || dep === pkg.name) continue
      const [depGroup, depDir] = workspaceSlot(rootDir, target)
      if (depGroup === 'packages' && allowed.includes(depDir)) continue
      // Test infrastructure (tools/*, e.g. @kafkats/testkit, and @kafkats/fake) is fine as a devDependency.
      if (depGroup === 'tools' && field === 'devDependencies') continue
      if (depGroup === 'packages' && TEST_INFRASTRUCTURE.includes(depDir) && field === 'devDependencies') continue
      const line = 1 + lines.findIndex((l) => l.includes(`"${dep}"`))
      const may = allowed.length === 0 ? 'no workspace package' : allowed.join(', ')
      report('package.json', line, 'layering', `${field} has ${dep} (${depGroup}/${depDir}); packages/${dirName} may depend on ${may}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// source files

function checkFile(file, pkgDir, report) {
  const rel = relative(pkgDir, file).split(sep).join('/')
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const lineOf = (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1

  if (rel === 'src/index.ts') {
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) continue
      const snippet = statement.getText(source).replace(/\s+/g, ' ').slice(0, 60)
      report(rel, lineOf(statement), 'index-reexports', `only \`export … from\` re-exports belong here: \`${snippet}\``)
    }
  }

  const visit = (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text.endsWith('Options')) checkOptionNames(node, rel, lineOf, report)
    // `errorName: 'CLOSED'` in an object literal or a type.
    const errorName = ts.isPropertyAssignment(node)
      ? node.initializer
      : ts.isPropertySignature(node) && node.type !== undefined && ts.isLiteralTypeNode(node.type)
        ? node.type.literal
        : undefined
    if (errorName !== undefined && propertyName(node.name) === 'errorName' && ts.isStringLiteralLike(errorName)) {
      const owner = TYPED_ERRORS[errorName.text]
      if (owner !== undefined && rel !== `src/errors/${owner.file}`) {
        report(rel, lineOf(node), 'typed-error', `errorName '${errorName.text}' as a string: throw ${owner.name} from @kafkats/protocol instead`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
}

/**
 * The vocabulary of DESIGN.md for option names, on every `interface …Options` (the objects users
 * pass): a limit is `<thing>Max<Unit>` / `<thing>Min<Unit>` (never a leading `max`/`min`), a
 * duration ends in `Ms`, and a size ends in `Bytes`.
 */
function checkOptionNames(node, rel, lineOf, report) {
  for (const member of node.members) {
    if (!ts.isPropertySignature(member)) continue
    const name = propertyName(member.name)
    const problem = name === undefined ? null : optionNameProblem(name)
    if (problem !== null) report(rel, lineOf(member), 'option-name', `${node.name.text}.${name}: ${problem} (see the vocabulary table in DESIGN.md)`)
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

function propertyName(name) {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined
}

// ---------------------------------------------------------------------------------------------
// helpers

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
  let dir = resolve(from, '..')
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && readJson(candidate).workspaces !== undefined) return dir
    const parent = resolve(dir, '..')
    if (parent === dir) return null
    dir = parent
  }
}

/** Workspace package directories by package name. Understands `dir/*` and plain directory entries. */
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
      if (typeof pkg.name === 'string') map.set(pkg.name, dir)
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
