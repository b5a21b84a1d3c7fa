import { testConfig } from '../../vitest.shared.js'

// integration: one file at a time (cluster.test.ts stops and restarts a node of the shared
// cluster) and the global setup that makes sure the cluster runs.
export default testConfig(import.meta.dirname, { integration: true })
