import { describe, expect, it } from 'vitest'
import { Code, docComment, wrapCall } from './code.js'

describe('wrapCall', () => {
  it('leaves short lines alone', () => {
    expect(wrapCall('writer.int32(message.x)')).toEqual(['writer.int32(message.x)'])
  })

  it('breaks the arguments of a long call, one per line', () => {
    const line = `const x = notNull(${'a'.repeat(60)}(reader, version, true), reader, '${'b'.repeat(40)}')`
    expect(wrapCall(line)).toEqual([
      'const x = notNull(',
      `  ${'a'.repeat(60)}(reader, version, true),`,
      '  reader,',
      `  '${'b'.repeat(40)}',`,
      ')',
    ])
  })

  it('breaks long function signatures and ignores parentheses in strings', () => {
    const line = `function f(${'p'.repeat(50)}: number, q: string = '(,)', ${'r'.repeat(50)}: boolean): void {`
    expect(wrapCall(line)).toEqual(['function f(', `  ${'p'.repeat(50)}: number,`, "  q: string = '(,)',", `  ${'r'.repeat(50)}: boolean,`, '): void {'])
  })

  it('leaves comments alone', () => {
    const comment = `// ${'x'.repeat(150)}`
    expect(wrapCall(comment)).toEqual([comment])
  })
})

describe('Code', () => {
  it('indents blocks by two spaces', () => {
    const code = new Code()
    code.open('if (a) {').line('b()').middle('} else {').line('c()').close()
    expect(code.toString()).toBe('if (a) {\n  b()\n} else {\n  c()\n}')
  })

  it('refuses unbalanced blocks', () => {
    expect(() => new Code().open('{').toString()).toThrow()
    expect(() => new Code().close()).toThrow()
  })
})

describe('docComment', () => {
  it('writes one line when short, a wrapped block otherwise, and escapes */', () => {
    expect(docComment(['Short.'])).toBe('/** Short. */')
    expect(docComment(['a */ b'])).toBe('/** a *\\/ b */')
    const long = docComment(['word '.repeat(40), 'Second.'], 40)
    expect(long.split('\n')[0]).toBe('/**')
    expect(long.split('\n').every((line) => line.length <= 40)).toBe(true)
    expect(long).toContain(' *\n * Second.')
  })
})
