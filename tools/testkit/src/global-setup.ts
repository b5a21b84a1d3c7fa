// vitest globalSetup for every integration suite (see ../../vitest.shared.ts): makes sure the
// real Kafka cluster runs before any test file is loaded.
// - CI (env CI set): the cluster must already be running (.ci/run starts it with `npm run kafka:up`);
//   if it is not, this throws and the run fails. It never starts or skips anything silently.
// - Locally: starts the cluster if needed (first time: fetches the jars, ~10-20 s) and leaves it running.
// - KAFKATS_TEST_BACKEND=fake: starts an in-process @kafkats/fake cluster instead (see fake-backend.ts)
//   and stops it when the run ends.
import { clusterStatus, startCluster } from './cluster.js'
import { FAKE_BACKEND_ENV, fakeBackendSelected, startFakeBackend } from './fake-backend.js'

const inCI = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0'

export default async function setup(): Promise<void | (() => Promise<void>)> {
  if (fakeBackendSelected()) {
    const fake = await startFakeBackend()
    // Test workers are started after the global setup and inherit this environment.
    process.env[FAKE_BACKEND_ENV] = JSON.stringify(fake.info)
    return fake.stop
  }
  const status = await clusterStatus()
  if (status.ready) return
  if (inCI) {
    throw new Error(
      `the Kafka ${status.kafkaVersion} test cluster is not running (${status.running}/3 nodes ready): ` +
        `CI must start it with 'npm run kafka:up' before the tests`,
    )
  }
  await startCluster({ log: (m) => process.stderr.write(`[testkit] ${m}\n`) })
}
