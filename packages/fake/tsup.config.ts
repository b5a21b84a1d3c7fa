import { defineConfig, type Options } from 'tsup'
import { packageBuild } from '../../tsup.shared.js'

// A second entry: the worker thread of `FakeCluster.start({ thread: true })` loads dist/fake-worker.cjs.
const base = packageBuild('node') as Options
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/fake-worker.ts'] })
