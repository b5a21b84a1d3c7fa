import { testConfig } from '../../vitest.shared.js'

// unit tests of the report logic only; the specs themselves run with Jest (npm run specs)
export default testConfig(import.meta.dirname)
