import { basename } from 'node:path'
import type { Reporter } from 'vitest/reporters'
import { JsonReporter } from 'vitest/reporters'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

/**
 * vitest's JSON report leaves out unhandled errors (an error thrown after a test ended, a worker
 * that died): the run exits 1 but the report can still say `success: true`. This reporter writes
 * the same report plus `unhandledErrors` (their messages) and sets `success: false` when there is
 * any, so scripts/test-summary.mjs can count them in CI's closing line.
 */
class FailClosedJsonReporter extends JsonReporter {
  private unhandled: string[] = []

  override async onFinished(...args: Parameters<NonNullable<Reporter['onFinished']>>): Promise<void> {
    const errors = (args[1] ?? []) as unknown[]
    this.unhandled = errors.map((error) => {
      if (error instanceof Error) return `${error.name}: ${error.message}`
      if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message)
      return String(error)
    })
    await super.onFinished(...args)
  }

  override async writeReport(report: string): Promise<void> {
    const parsed = JSON.parse(report) as Record<string, unknown>
    parsed['unhandledErrors'] = this.unhandled
    if (this.unhandled.length > 0) parsed['success'] = false
    await super.writeReport(JSON.stringify(parsed))
  }
}

/**
 * The one vitest setup every workspace uses: tests import sibling packages from source through
 * the `@kafkats/source` export condition (no build needed), and when KAFKATS_TEST_REPORT_DIR is
 * set (as .ci/run does) each package also writes a JSON report that .ci/run sums into its
 * closing `N passed, N failed` line.
 */
export function testConfig(packageDir: string, options: { integration?: boolean } = {}): ViteUserConfig {
  const reportDir = process.env.KAFKATS_TEST_REPORT_DIR
  const reporters: Array<string | Reporter> = ['default']
  if (reportDir !== undefined && reportDir !== '') {
    const outputFile = `${reportDir}/${basename(packageDir)}${process.env.KAFKATS_TEST_REPORT_SUFFIX ?? ''}.json`
    reporters.push(new FailClosedJsonReporter({ outputFile }))
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
