import { defineConfig } from 'vitest/config'

// The suites (.ci/suites/bundles.sh, browser.sh) pass the JSON reporter on the command line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
})
