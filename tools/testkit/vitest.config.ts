import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // cluster.test.ts stops and restarts a node of the shared cluster: never run files in parallel
    fileParallelism: false,
  },
})
