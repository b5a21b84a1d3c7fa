import { defineConfig, type Options } from 'tsup'

/**
 * The one build every published package uses: ESM + CJS + .d.ts/.d.cts from src/index.ts.
 * `neutral` for packages with no Node built-ins (protocol), `node` for the rest.
 * No source maps: the output is unminified ES2022 with names kept, so stack traces read as they
 * are, and maps plus the sources they point to would nearly double every tarball (protocol,
 * 3.3 MB unpacked without them, has 1.3 MB of generated source alone). DESIGN.md, "Published packages".
 */
export function packageBuild(platform: 'node' | 'neutral' = 'node'): Options | Options[] {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'es2022',
    platform,
    treeshake: true,
  }) as Options | Options[]
}
