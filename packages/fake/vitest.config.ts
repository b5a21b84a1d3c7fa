import { testConfig } from '../../vitest.shared.js'

// The fake cluster needs no real cluster: no integration globalSetup.
export default testConfig(import.meta.dirname)
