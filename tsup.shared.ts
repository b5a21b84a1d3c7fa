import { defineConfig, type Options } from 'tsup'

/**
 * The one build every published package uses: ESM + CJS + .d.ts/.d.cts from src/index.ts.
 * `neutral` for packages with no Node built-ins (protocol), `node` for the rest.
 */
export function packageBuild(platform: 'node' | 'neutral' = 'node'): Options | Options[] {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform,
    treeshake: true,
  }) as Options | Options[]
}
