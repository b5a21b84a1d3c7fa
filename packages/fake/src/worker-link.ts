// The main-thread side of `FakeCluster.start({ thread: true })`: the brokers run in a worker
// thread (own event loop, own heap), so the client under test does not share its event loop and
// garbage collector with them. Controls keep their synchronous signatures: a call posts a message
// and blocks on Atomics.wait until the worker has answered on a dedicated port (tests call
// controls rarely; the data path, Kafka over TCP, never crosses this link).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { FakeClusterError } from './fake-cluster-error.js'

/** A control call to the worker: a FakeCluster method (or `get:<getter>`) and its arguments. */
export interface WorkerCall {
  id: number
  method: string
  args: unknown[]
  /** Answer on the sync port and wake the caller through the shared flag. */
  sync: boolean
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string }

/** What the worker is started with. */
export interface WorkerInit {
  options: unknown
  syncPort: MessagePort
  flag: Int32Array
}

export type WorkerStarted = { type: 'started'; ports: number[] } | { type: 'failed'; name: string; message: string }

/** How long a synchronous control may block the calling thread before it gives up (a hung worker). */
const SYNC_CALL_TIMEOUT_MS = 30_000

/**
 * The worker's entry: dist/fake-worker.cjs next to the built index, or, when run from sources (this
 * repository's tests), fake-worker.ts through tsx's require hook with the condition that maps
 * @kafkats/* to their sources. Published packages only have dist/.
 */
function workerEntry(): { code: string; eval: boolean; execArgv: string[] } {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  const source = join(here, 'fake-worker.ts')
  if (!existsSync(source)) return { code: join(here, 'fake-worker.cjs'), eval: false, execArgv: [] }
  const tsx = createRequire(source).resolve('tsx/cjs/api')
  return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)})`, eval: true, execArgv: ['--conditions=@kafkats/source'] }
}

export class WorkerLink {
  private readonly worker: Worker
  private readonly syncPort: MessagePort
  private readonly flag: Int32Array
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  private nextId = 1
  private exited = false

  private constructor(worker: Worker, syncPort: MessagePort, flag: Int32Array) {
    this.worker = worker
    this.syncPort = syncPort
    this.flag = flag
  }

  /** Starts the worker and the fake cluster in it; resolves with the brokers' ports. */
  static async start(options: unknown): Promise<{ link: WorkerLink; ports: number[] }> {
    const entry = workerEntry()
    const { port1, port2 } = new MessageChannel()
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const init: WorkerInit = { options, syncPort: port2, flag }
    const worker = new Worker(entry.code, { eval: entry.eval, workerData: init, transferList: [port2], execArgv: entry.execArgv })
    const link = new WorkerLink(worker, port1, flag)
    const started = await new Promise<WorkerStarted>((resolve, reject) => {
      const onError = (error: Error): void => reject(new FakeClusterError(`the fake cluster's worker thread failed to start: ${error.message}`))
      worker.once('error', onError)
      worker.once('message', (message: WorkerStarted) => {
        worker.off('error', onError)
        resolve(message)
      })
    })
    if (started.type === 'failed') {
      await worker.terminate()
      throw started.name === 'FakeClusterError' ? new FakeClusterError(started.message) : new Error(started.message)
    }
    worker.on('message', (reply: WorkerReply) => link.settle(reply))
    worker.on('exit', () => {
      link.exited = true
      for (const p of link.pending.values()) p.reject(new FakeClusterError('the fake cluster is closed (its worker thread exited)'))
      link.pending.clear()
    })
    return { link, ports: started.ports }
  }

  /** Calls a control and blocks until the worker answered (for the synchronous controls). */
  callSync(method: string, args: unknown[] = []): unknown {
    if (this.exited) throw new FakeClusterError('the fake cluster is closed')
    Atomics.store(this.flag, 0, 0)
    const id = this.nextId++
    const call: WorkerCall = { id, method, args, sync: true }
    this.worker.postMessage(call)
    if (Atomics.wait(this.flag, 0, 0, SYNC_CALL_TIMEOUT_MS) === 'timed-out') throw new FakeClusterError(`the fake cluster's worker thread did not answer ${method} within ${SYNC_CALL_TIMEOUT_MS} ms`)
    const received = receiveMessageOnPort(this.syncPort)
    if (received === undefined) throw new FakeClusterError(`the fake cluster's worker thread woke the caller of ${method} without an answer`)
    return unwrap(received.message as WorkerReply)
  }

  /** Calls a control that is asynchronous anyway (kill, restart, close). */
  call(method: string, args: unknown[] = []): Promise<unknown> {
    if (this.exited) return Promise.reject(new FakeClusterError('the fake cluster is closed'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      const call: WorkerCall = { id, method, args, sync: false }
      this.worker.postMessage(call)
    })
  }

  async terminate(): Promise<void> {
    this.syncPort.close()
    if (!this.exited) await this.worker.terminate()
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id)
    if (p === undefined) return
    this.pending.delete(reply.id)
    try {
      p.resolve(unwrap(reply))
    } catch (error) {
      p.reject(error as Error)
    }
  }
}

function unwrap(reply: WorkerReply): unknown {
  if (reply.ok) return reply.value
  throw reply.name === 'FakeClusterError' ? new FakeClusterError(reply.message) : new Error(reply.message)
}
