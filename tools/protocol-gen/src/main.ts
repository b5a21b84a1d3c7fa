import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate } from './generate.js'
import { loadDefinitions } from './schema.js'

/*
 * Regenerates packages/protocol/src/generated/ from the Kafka protocol JSON definitions.
 *   tsx src/main.ts           write the files (removing generated files that are no longer produced)
 *   tsx src/main.ts --check   write nothing; exit 1 if any file would change (for CI)
 * Input: $KAFKA_PROTOCOL_DIR, or <repo>/../shared/kafka-protocol/messages.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const inputDir = resolve(process.env.KAFKA_PROTOCOL_DIR ?? join(repoRoot, '../shared/kafka-protocol/messages'))
const outputDir = join(repoRoot, 'packages/protocol/src/generated')
const check = process.argv.includes('--check')

function main(): number {
  const started = performance.now()
  if (!existsSync(inputDir) || !statSync(inputDir).isDirectory()) {
    console.error(`protocol-gen: the Kafka protocol definitions directory ${inputDir} does not exist.`)
    console.error('Set KAFKA_PROTOCOL_DIR to the directory holding the *Request.json/*Response.json files.')
    return 2
  }
  const specs = loadDefinitions(inputDir)
  if (specs.length === 0) {
    console.error(`protocol-gen: no *.json definitions in ${inputDir}`)
    return 2
  }
  const files = generate(specs)
  const existing = existsSync(outputDir) ? readdirSync(outputDir).filter((file) => file.endsWith('.ts')) : []
  const stale = existing.filter((file) => !files.has(file))
  const changed = [...files].filter(([file, content]) => {
    const path = join(outputDir, file)
    return !existsSync(path) || readFileSync(path, 'utf8') !== content
  })
  const where = relative(process.cwd(), outputDir) || '.'
  if (check) {
    if (changed.length === 0 && stale.length === 0) {
      console.log(`protocol-gen: ${files.size} files in ${where} are up to date`)
      return 0
    }
    for (const [file] of changed) console.error(`protocol-gen: out of date: ${file}`)
    for (const file of stale) console.error(`protocol-gen: not generated any more: ${file}`)
    console.error('protocol-gen: run `npm run generate` and commit the result')
    return 1
  }
  mkdirSync(outputDir, { recursive: true })
  for (const [file, content] of changed) writeFileSync(join(outputDir, file), content)
  for (const file of stale) rmSync(join(outputDir, file))
  let lines = 0
  for (const content of files.values()) lines += content.split('\n').length - 1
  const ms = Math.round(performance.now() - started)
  console.log(
    `protocol-gen: ${specs.length} definitions -> ${files.size} files (${lines} lines) in ${where}; ` +
      `${changed.length} written, ${stale.length} removed, ${ms} ms`,
  )
  return 0
}

try {
  process.exitCode = main()
} catch (error) {
  console.error(`protocol-gen: ${(error as Error).message}`)
  process.exitCode = 1
}
