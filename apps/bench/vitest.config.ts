import { testConfig } from '../../vitest.shared.js'

// unit tests of the benches' own logic only; the benches themselves run with npm run bench:*
export default testConfig(import.meta.dirname)
