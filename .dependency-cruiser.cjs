// Import rules of the packages under packages/, checked by dependency-cruiser: the root
// `lint:tools` script (`depcruise -c .dependency-cruiser.cjs packages/*/src`), which turbo's
// `lint` task depends on. Paths in the rules are from the repository root. The layers themselves
// are in scripts/package-layers.cjs.

const { existsSync, readFileSync, readdirSync } = require('node:fs')
const { join } = require('node:path')
const { LAYERS, TEST_INFRASTRUCTURE } = require('./scripts/package-layers.cjs')

/** Test files and test-only helpers (the same patterns scripts/check-package-files.mjs keeps out of tarballs). */
const TEST_FILE = '(\\.test\\.ts|\\.test-data\\.ts|/test-support\\.ts)$'

const escape = (name) => name.replace(/[-.]/g, '\\$&')

/** Workspace packages under packages/ and tools/: `{ dir: 'packages/admin', pkg }`. */
const workspaces = ['packages', 'tools'].flatMap((group) =>
  readdirSync(join(__dirname, group))
    .filter((name) => existsSync(join(__dirname, group, name, 'package.json')))
    .map((name) => ({ dir: `${group}/${name}`, pkg: JSON.parse(readFileSync(join(__dirname, group, name, 'package.json'), 'utf8')) })),
)

/**
 * A workspace package imported without being in the importer's package.json: published code may
 * use `dependencies` only, tests also `devDependencies` (so test infrastructure, tools/*, stays
 * out of published code). Workspace imports resolve to the package's own files, so
 * dependency-cruiser's npm dependency types do not apply to them.
 */
function undeclared() {
  return workspaces
    .filter(({ dir }) => dir.startsWith('packages/'))
    .flatMap(({ dir, pkg }) => {
      const dirsOf = (fields) => {
        const names = new Set(fields.flatMap((field) => Object.keys(pkg[field] ?? {})))
        return [dir, ...workspaces.filter((w) => names.has(w.pkg.name)).map((w) => w.dir)]
      }
      const rule = (from, allowed, what) => ({
        name: 'undeclared-import',
        comment: `${pkg.name} imports only workspace packages in its package.json ${what}`,
        severity: 'error',
        from,
        to: { path: '^(packages|tools)/', pathNot: `^(${allowed.map(escape).join('|')})/` },
      })
      return [
        rule({ path: `^${escape(dir)}/src/`, pathNot: TEST_FILE }, dirsOf(['dependencies', 'peerDependencies', 'optionalDependencies']), 'dependencies'),
        rule({ path: `^${escape(dir)}/src/.*${TEST_FILE}` }, dirsOf(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']), 'dependencies or devDependencies'),
      ]
    })
}

module.exports = {
  forbidden: [
    ...Object.entries(LAYERS).map(([name, allowed]) => ({
      name: 'layering',
      comment: `packages/${name} may import ${allowed.length === 0 ? 'no workspace package' : allowed.join(', ')} (one-way layers: see LAYERS)`,
      severity: 'error',
      from: { path: `^packages/${escape(name)}/src/`, pathNot: TEST_FILE },
      to: { path: '^packages/', pathNot: `^packages/(${[name, ...allowed].map(escape).join('|')})/` },
    })),
    // Tests may also use the test-infrastructure packages (@kafkats/fake).
    ...Object.entries(LAYERS).map(([name, allowed]) => ({
      name: 'layering',
      comment: `tests of packages/${name} may import ${[...allowed, ...TEST_INFRASTRUCTURE].join(', ')}`,
      severity: 'error',
      from: { path: `^packages/${escape(name)}/src/.*${TEST_FILE}` },
      to: { path: '^packages/', pathNot: `^packages/(${[name, ...allowed, ...TEST_INFRASTRUCTURE].map(escape).join('|')})/` },
    })),
    {
      name: 'no-deep-import',
      comment: "another package is imported by its name and only through its entry ('@kafkats/x'), never a file inside it",
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/' },
      to: { path: '^packages/', pathNot: ['^packages/$1/', '^packages/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'no-outside-import',
      comment: 'a relative import stays inside its package; import another package by name',
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/' },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased-workspace'], pathNot: '^packages/$1/' },
    },
    ...undeclared(),
    {
      name: 'unresolvable',
      comment: 'an import that does not resolve (a subpath the package does not export, a missing file)',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Paths in the rules are from the repository root, wherever depcruise runs.
    baseDir: __dirname,
    // Every file of the package is a starting point: its direct imports are all the rules look at.
    maxDepth: 1,
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/'] },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    tsConfig: { fileName: join(__dirname, 'tsconfig.base.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@kafkats/source', 'import', 'require', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
