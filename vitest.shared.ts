import { basename } from 'node:path'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

/**
 * The one vitest setup every workspace uses: tests import sibling packages from source through
 * the `@kafkats/source` export condition (no build needed), and when KAFKATS_TEST_REPORT_DIR is
 * set (as .ci/run does) each package also writes a JSON report that .ci/run sums into its
 * closing `N passed, N failed` line.
 */
export function testConfig(packageDir: string, options: { integration?: boolean } = {}): ViteUserConfig {
  const reportDir = process.env.KAFKATS_TEST_REPORT_DIR
  const reporters: Array<string | [string, Record<string, unknown>]> = ['default']
  if (reportDir !== undefined && reportDir !== '') {
    reporters.push(['json', { outputFile: `${reportDir}/${basename(packageDir)}${process.env.KAFKATS_TEST_REPORT_SUFFIX ?? ''}.json` }])
  }
  return defineConfig({
    resolve: { conditions: ['@kafkats/source'] },
    ssr: { resolve: { conditions: ['@kafkats/source'], externalConditions: ['@kafkats/source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: options.integration === true ? 120_000 : 60_000,
      hookTimeout: 180_000,
      reporters,
      // Integration suites share one real cluster: run their files one at a time.
      ...(options.integration === true ? { fileParallelism: false, globalSetup: ['../../tools/testkit/src/global-setup.ts'] } : {}),
    },
  })
}
