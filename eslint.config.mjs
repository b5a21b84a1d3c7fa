// ESLint for the packages' published code: the generic style rules (issue 9 moved them here from
// scripts/lint-package.mjs, which keeps the project's own rules). Run once for all packages by
// the root `lint:tools` script, which turbo's `lint` task depends on; tests, test helpers and
// generated code are not linted here.
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  { ignores: ['**/dist/**', '**/src/generated/**', '**/*.test.ts', '**/*.test-data.ts', '**/test-support.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Off: a directive may name a typescript-eslint rule this config does not run (producer.ts has
    // one for no-this-alias); such a directive is harmless, and not this lint's concern.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // No `any` in code users call or read: `unknown` or a real type.
      '@typescript-eslint/no-explicit-any': 'error',
      // Named exports only: one name per thing across ESM, CJS and the umbrella's re-exports.
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'use a named export' },
        { selector: "ExportSpecifier[exported.name='default']", message: 'use a named export' },
      ],
    },
  },
)
