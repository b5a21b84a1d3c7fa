import { testConfig } from '../../vitest.shared.js'

export default testConfig(import.meta.dirname, { integration: true })
