import { build, type Format, type Platform } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
export const FIXTURES = join(APP_DIR, 'fixtures')

export interface BundleResult {
  /** Every output file and its size in bytes. */
  files: Array<{ path: string; bytes: number }>
  /** Size of the entry chunk (what loads first). */
  entryBytes: number
  totalBytes: number
}

/**
 * Bundles `entry` the way an application would, from the published entry points (`dist/`, found
 * through each package's `exports`), never from source.
 */
export async function bundle(
  entry: string,
  options: { platform: Platform; format: Format; outdir: string; minify?: boolean; splitting?: boolean; outExtension?: string },
): Promise<BundleResult> {
  const result = await build({
    entryPoints: [join(FIXTURES, entry)],
    bundle: true,
    platform: options.platform,
    format: options.format,
    minify: options.minify ?? false,
    splitting: options.splitting ?? false,
    outdir: options.outdir,
    outExtension: options.outExtension === undefined ? {} : { '.js': options.outExtension },
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: APP_DIR,
  })
  const outputs = result.metafile?.outputs ?? {}
  const files = Object.entries(outputs).map(([path, output]) => ({ path, bytes: output.bytes }))
  const entryFile = Object.entries(outputs).find(([, output]) => output.entryPoint !== undefined)
  return { files, entryBytes: entryFile?.[1].bytes ?? 0, totalBytes: files.reduce((sum, file) => sum + file.bytes, 0) }
}
