// The worker-thread side of `FakeCluster.start({ thread: true })`: runs an ordinary in-thread
// FakeCluster and answers the control calls WorkerLink posts (see worker-link.ts).
import { parentPort, workerData } from 'node:worker_threads'
import { FakeCluster, type FakeClusterOptions } from './fake-cluster.js'
import type { WorkerCall, WorkerInit, WorkerReply, WorkerStarted } from './worker-link.js'

const init = workerData as WorkerInit
const port = parentPort!

function failure(id: number, error: unknown): WorkerReply {
  const e = error instanceof Error ? error : new Error(String(error))
  return { id, ok: false, name: e.name, message: e.message }
}

FakeCluster.start({ ...(init.options as FakeClusterOptions), thread: false }).then(
  (cluster) => {
    const target = cluster as unknown as Record<string, unknown>
    port.on('message', (call: WorkerCall) => {
      const answer = (reply: WorkerReply): void => {
        if (call.sync) {
          init.syncPort.postMessage(reply)
          Atomics.store(init.flag, 0, 1)
          Atomics.notify(init.flag, 0)
        } else port.postMessage(reply)
      }
      let value: unknown
      try {
        if (call.method.startsWith('get:')) value = target[call.method.slice(4)]
        else value = (target[call.method] as (...args: unknown[]) => unknown).apply(cluster, call.args)
      } catch (error) {
        answer(failure(call.id, error))
        return
      }
      if (value instanceof Promise) {
        value.then(
          (v: unknown) => {
            answer({ id: call.id, ok: true, value: v })
            // After close the worker has nothing left to do: let it exit.
            if (call.method === 'close') port.close()
          },
          (error: unknown) => answer(failure(call.id, error)),
        )
      } else answer({ id: call.id, ok: true, value })
    })
    const started: WorkerStarted = { type: 'started', ports: cluster.brokers.map((b) => b.port) }
    port.postMessage(started)
  },
  (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error))
    const failed: WorkerStarted = { type: 'failed', name: e.name, message: e.message }
    port.postMessage(failed)
  },
)
