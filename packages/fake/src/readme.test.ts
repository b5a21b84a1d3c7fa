// The README's vitest and Jest examples are test files elsewhere in the repository, executed in
// their suites; this checks the README shows exactly those files, so the examples cannot rot.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8')

/** The code block (```ts or ```js) right after the heading `## <heading>`. */
function blockAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(`\n## ${heading}\n`)
  if (at < 0) throw new Error(`README has no section "${heading}"`)
  const match = /```(?:ts|js)\n([\s\S]*?)```/.exec(markdown.slice(at))
  if (match === null) throw new Error(`README section "${heading}" has no code block`)
  return match[1]!
}

describe('README examples', () => {
  const readme = read('../README.md')
  it('"With vitest" is packages/kafkats/src/fake-readme.test.ts', () => {
    expect(blockAfter(readme, 'With vitest')).toBe(read('../../kafkats/src/fake-readme.test.ts'))
  })
  it('"With Jest" is apps/compat-jest/test/fake-readme.test.js', () => {
    expect(blockAfter(readme, 'With Jest')).toBe(read('../../../apps/compat-jest/test/fake-readme.test.js'))
  })
})
