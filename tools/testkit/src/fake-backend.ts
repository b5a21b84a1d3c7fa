// The second test backend: with KAFKATS_TEST_BACKEND=fake, the integration suites run against an
// in-process @kafkats/fake cluster instead of the real Kafka cluster, without edits to the test
// files. The vitest global setup (a long-lived process) starts the fake cluster and a small HTTP
// control endpoint, and publishes both in env KAFKATS_FAKE_CLUSTER, which test workers inherit:
// clusterInfo() then describes the fake brokers, and killNode/stopNode/startNode drive the
// fake cluster's kill/restart through the control endpoint.
import { createServer, type Server } from 'node:http'
import { FakeCluster } from '@kafkats/fake'

export const FAKE_BACKEND_ENV = 'KAFKATS_FAKE_CLUSTER'

/** What the global setup publishes to the test workers. */
export interface FakeBackendInfo {
  clusterId: string
  /** Per node id 1..3: its port on 127.0.0.1. */
  ports: number[]
  controlUrl: string
}

/** The suites run against the fake cluster (env KAFKATS_TEST_BACKEND=fake). */
export function fakeBackendSelected(): boolean {
  return process.env['KAFKATS_TEST_BACKEND'] === 'fake'
}

export function fakeBackendInfo(): FakeBackendInfo {
  const raw = process.env[FAKE_BACKEND_ENV]
  if (raw === undefined || raw === '') {
    throw new Error(
      'KAFKATS_TEST_BACKEND=fake but no fake cluster is running in this test run: the vitest globalSetup ' +
        '(tools/testkit/src/global-setup.ts) starts it; run the suites through vitest with the shared config',
    )
  }
  return JSON.parse(raw) as FakeBackendInfo
}

/** The fake cluster as the real cluster's layout: 3 brokers, racks rack-1..3, Kafka's defaults otherwise. */
export async function startFakeBackend(): Promise<{ info: FakeBackendInfo; stop: () => Promise<void> }> {
  const cluster = await FakeCluster.start({
    brokers: 3,
    racks: ['rack-1', 'rack-2', 'rack-3'],
    numPartitions: 1,
    defaultReplicationFactor: 1,
  })
  const server: Server = createServer((request, response) => {
    const match = /^\/(kill|restart)\/(\d+)$/.exec(request.url ?? '')
    if (request.method !== 'POST' || match === null) {
      response.writeHead(404).end()
      return
    }
    const id = Number(match[2])
    const action = match[1] === 'kill' ? cluster.kill(id) : cluster.restart(id)
    action.then(
      () => response.writeHead(204).end(),
      (error: unknown) => response.writeHead(400).end(String(error)),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const info: FakeBackendInfo = {
    clusterId: cluster.clusterId,
    ports: cluster.brokers.map((b) => b.port),
    controlUrl: `http://127.0.0.1:${port}`,
  }
  return {
    info,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await cluster.close()
    },
  }
}

/** Kills (action 'kill') or restarts a fake broker from a test worker. */
export async function controlFakeNode(action: 'kill' | 'restart', id: number): Promise<void> {
  const response = await fetch(`${fakeBackendInfo().controlUrl}/${action}/${id}`, { method: 'POST' })
  if (!response.ok) throw new Error(`fake cluster ${action} of node ${id} failed: ${await response.text()}`)
}
