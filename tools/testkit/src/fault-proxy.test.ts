import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FaultProxy, startFaultProxy } from './fault-proxy.js'
import { sleep } from './test-helpers.js'

// A tiny Kafka-like server: for every request frame (size, apiKey, apiVersion, correlationId, body)
// it answers with a response frame (size, correlationId, body). `received` logs the requests.
interface FakeBroker {
  server: Server
  port: number
  received: { apiKey: number; correlationId: number; body: Buffer }[]
  sockets: Set<Socket>
  /** Send raw bytes to every connected client (bypassing the request/response cycle). */
  push(bytes: Buffer): void
  close(): Promise<void>
}

async function fakeBroker(): Promise<FakeBroker> {
  const received: FakeBroker['received'] = []
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    let buf = Buffer.alloc(0)
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const size = buf.readInt32BE(0)
        const frame = buf.subarray(4, 4 + size)
        buf = buf.subarray(4 + size)
        const apiKey = frame.readInt16BE(0)
        const correlationId = frame.readInt32BE(4)
        const body = Buffer.from(frame.subarray(8))
        received.push({ apiKey, correlationId, body })
        s.write(response(correlationId, body))
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  return {
    server,
    port: addr.port,
    received,
    sockets,
    push: (bytes) => {
      for (const s of sockets) s.write(bytes)
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

function request(apiKey: number, correlationId: number, body: Buffer | string = ''): Buffer {
  const b = Buffer.from(body)
  const f = Buffer.alloc(12 + b.length)
  f.writeInt32BE(8 + b.length, 0)
  f.writeInt16BE(apiKey, 4)
  f.writeInt16BE(0, 6)
  f.writeInt32BE(correlationId, 8)
  b.copy(f, 12)
  return f
}

function response(correlationId: number, body: Buffer | string = ''): Buffer {
  const b = Buffer.from(body)
  const f = Buffer.alloc(8 + b.length)
  f.writeInt32BE(4 + b.length, 0)
  f.writeInt32BE(correlationId, 4)
  b.copy(f, 8)
  return f
}

/** A client connection that records everything it receives. */
interface TestClient {
  socket: Socket
  data(): Buffer
  closed: Promise<void>
  isClosed(): boolean
  waitBytes(n: number, timeoutMs?: number): Promise<Buffer>
}

async function client(port: number): Promise<TestClient> {
  const socket = connect({ port, host: '127.0.0.1' })
  await new Promise<void>((r, j) => {
    socket.once('connect', r)
    socket.once('error', j)
  })
  let data = Buffer.alloc(0)
  let closed = false
  const waiters: (() => void)[] = []
  const notify = () => {
    for (const w of waiters.splice(0)) w()
  }
  socket.on('data', (d: Buffer) => {
    data = Buffer.concat([data, d])
    notify()
  })
  socket.on('error', () => {})
  const closedP = new Promise<void>((r) =>
    socket.on('close', () => {
      closed = true
      notify()
      r()
    }),
  )
  return {
    socket,
    data: () => data,
    closed: closedP,
    isClosed: () => closed,
    waitBytes: async (n, timeoutMs = 2000) => {
      const deadline = Date.now() + timeoutMs
      while (data.length < n) {
        if (closed) throw new Error(`closed after ${data.length}/${n} bytes`)
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`timeout after ${data.length}/${n} bytes`)
        await new Promise<void>((r) => {
          const t = setTimeout(r, left)
          waiters.push(() => {
            clearTimeout(t)
            r()
          })
        })
      }
      return data
    },
  }
}


function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`timeout: ${what}`)))])
}

describe('FaultProxy', () => {
  let broker: FakeBroker
  let proxy: FaultProxy
  const clients: TestClient[] = []
  const open = async () => {
    const c = await client(proxy.port)
    clients.push(c)
    return c
  }

  beforeEach(async () => {
    broker = await fakeBroker()
    proxy = await startFaultProxy({ target: `127.0.0.1:${broker.port}` })
  })

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy()
    await proxy.close()
    await broker.close()
  })

  it('listens on 127.0.0.1 with a random port and forwards both ways unchanged', async () => {
    expect(proxy.host).toBe('127.0.0.1')
    expect(proxy.port).toBeGreaterThan(0)
    expect(proxy.address).toBe(`127.0.0.1:${proxy.port}`)
    const c = await open()
    const expected = Buffer.concat([response(1, 'hello'), response(2, 'x'.repeat(100_000))])
    c.socket.write(Buffer.concat([request(3, 1, 'hello'), request(0, 2, 'x'.repeat(100_000))]))
    const got = await c.waitBytes(expected.length)
    expect(got.equals(expected)).toBe(true)
    expect(broker.received.map((r) => [r.apiKey, r.correlationId])).toEqual([
      [3, 1],
      [0, 2],
    ])
    const st = proxy.stats
    expect(st).toMatchObject({ accepted: 1, active: 1, requests: 2, responses: 2, dropped: 0 })
    expect(st.bytesToClient).toBe(expected.length)
  })

  it('reassembles frames that arrive byte by byte', async () => {
    const c = await open()
    const req = request(1, 42, 'split me')
    for (const byte of req) {
      c.socket.write(Buffer.from([byte]))
      await sleep(1)
    }
    const got = await c.waitBytes(response(42, 'split me').length)
    expect(got.equals(response(42, 'split me'))).toBe(true)
    expect(proxy.stats.requests).toBe(1)
  })

  it('dropConnections() destroys every open connection and still accepts new ones', async () => {
    const a = await open()
    const b = await open()
    await sleep(20)
    expect(proxy.stats.active).toBe(2)
    proxy.dropConnections()
    await withTimeout(Promise.all([a.closed, b.closed]), 2000, 'clients closed')
    expect(proxy.stats.dropped).toBe(2)
    const c = await open()
    c.socket.write(request(1, 7))
    expect((await c.waitBytes(8)).equals(response(7))).toBe(true)
  })

  it('dropAfterBytes(n) forwards exactly n bytes to the client, then drops the connection', async () => {
    const c = await open()
    proxy.dropAfterBytes(10)
    c.socket.write(Buffer.concat([request(1, 1, 'aaaa'), request(1, 2, 'bbbb')])) // 2 x 12-byte responses
    await withTimeout(c.closed, 2000, 'client closed')
    expect(c.data().equals(Buffer.concat([response(1, 'aaaa'), response(2, 'bbbb')]).subarray(0, 10))).toBe(true)
    // one-shot: the next connection is not affected
    const d = await open()
    d.socket.write(request(1, 3, 'cccc'))
    expect((await d.waitBytes(12)).equals(response(3, 'cccc'))).toBe(true)
  })

  it("dropAfterBytes(n, 'toBroker') cuts the request stream after n bytes", async () => {
    const c = await open()
    proxy.dropAfterBytes(14, 'toBroker')
    c.socket.write(Buffer.concat([request(1, 1, 'a'), request(1, 2, 'b')])) // 13 + 13 bytes
    await withTimeout(c.closed, 2000, 'client closed')
    await sleep(50)
    expect(broker.received.map((r) => r.correlationId)).toEqual([1]) // the 2nd request arrived only in part
    expect(c.data().length).toBe(0)
  })

  it('dropMidFrame() forwards the size prefix and half of the next response, then drops', async () => {
    const c = await open()
    proxy.dropMidFrame()
    const body = 'y'.repeat(100)
    c.socket.write(request(1, 9, body))
    await withTimeout(c.closed, 2000, 'client closed')
    const full = response(9, body) // 4 + 104 bytes
    expect(c.data().length).toBe(4 + 52)
    expect(c.data().equals(full.subarray(0, 56))).toBe(true)
    expect(c.data().readInt32BE(0)).toBe(104) // the client saw a size prefix promising more
  })

  it('dropMidFrame({ bytes }) cuts at an exact offset, even inside the size prefix', async () => {
    const c = await open()
    proxy.dropMidFrame({ bytes: 2 })
    c.socket.write(request(1, 9, 'zz'))
    await withTimeout(c.closed, 2000, 'client closed')
    expect(c.data().equals(response(9, 'zz').subarray(0, 2))).toBe(true)
  })

  it('delayResponses(ms) delays every response frame and keeps their order', async () => {
    const c = await open()
    // Bounds relative to a 1 s delay: a delay only makes things later (lower bounds are safe on a
    // loaded machine), and the upper bound is the difference between per-frame and cumulative
    // delays (a whole second), not a deadline.
    proxy.delayResponses(1_000)
    const t0 = Date.now()
    c.socket.write(request(1, 1, 'first'))
    c.socket.write(request(1, 2, 'second'))
    const expected = Buffer.concat([response(1, 'first'), response(2, 'second')])
    await c.waitBytes(response(1, 'first').length, 5_000)
    const firstAt = Date.now() - t0
    await c.waitBytes(expected.length, 5_000)
    const secondAt = Date.now() - t0
    expect(firstAt).toBeGreaterThanOrEqual(990)
    expect(secondAt - firstAt, 'per-frame delay: the second frame does not wait a second delay').toBeLessThan(1_000)
    expect(c.data().equals(expected)).toBe(true)
    // Back to no delay: with the 60 s delay still in force the response could not arrive within
    // the 10 s wait below.
    proxy.delayResponses(60_000)
    proxy.delayResponses(0)
    c.socket.write(request(1, 3))
    await c.waitBytes(expected.length + 8, 10_000)
  })

  it("blackhole() swallows requests and responses; 'responses' lets requests reach the broker", async () => {
    const c = await open()
    proxy.blackhole()
    c.socket.write(request(1, 1))
    await sleep(200)
    expect(broker.received).toHaveLength(0)
    expect(c.data().length).toBe(0)
    expect(c.isClosed()).toBe(false)

    proxy.blackhole('responses')
    c.socket.write(request(1, 2))
    await sleep(200)
    expect(broker.received.map((r) => r.correlationId)).toEqual([2])
    expect(c.data().length).toBe(0)

    proxy.reset()
    c.socket.write(request(1, 3))
    expect((await c.waitBytes(8)).equals(response(3))).toBe(true)
  })

  it('injectResponse() sends arbitrary bytes (e.g. an oversized size prefix) to the client', async () => {
    const c = await open()
    await sleep(20)
    const garbage = Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])
    proxy.injectResponse(garbage)
    expect((await c.waitBytes(garbage.length)).equals(garbage)).toBe(true)
    expect(proxy.stats.bytesToClient).toBe(garbage.length)
  })

  it('injectResponse(bytes, { replaceNext: true }) swaps the next response for the bytes', async () => {
    const c = await open()
    const fake = response(5, 'not what the broker said')
    proxy.injectResponse(fake, { replaceNext: true })
    c.socket.write(request(1, 5, 'real'))
    c.socket.write(request(1, 6, 'next'))
    const expected = Buffer.concat([fake, response(6, 'next')])
    expect((await c.waitBytes(expected.length)).equals(expected)).toBe(true)
  })

  it("dropAfterRequests(n) loses the n-th request's response: the broker acted, the client never hears", async () => {
    const c = await open()
    proxy.dropAfterRequests(2)
    c.socket.write(Buffer.concat([request(0, 1, 'p1'), request(0, 2, 'p2'), request(0, 3, 'p3')]))
    await withTimeout(c.closed, 2000, 'client closed')
    expect(broker.received.map((r) => r.correlationId)).toEqual([1, 2, 3])
    expect(c.data().equals(response(1, 'p1'))).toBe(true)
  })

  it("dropAfterRequests(n, { apiKey, lose: 'request' }) counts only that api and never forwards the n-th", async () => {
    const c = await open()
    proxy.dropAfterRequests(2, { apiKey: 0, lose: 'request' })
    c.socket.write(Buffer.concat([request(0, 1), request(3, 2), request(18, 3)]))
    await c.waitBytes(24)
    c.socket.write(request(0, 4)) // 2nd Produce (apiKey 0)
    await withTimeout(c.closed, 2000, 'client closed')
    await sleep(50)
    expect(broker.received.map((r) => r.correlationId)).toEqual([1, 2, 3])
    expect(c.data().equals(Buffer.concat([response(1), response(2), response(3)]))).toBe(true)
  })

  it('reset() disarms pending one-shot faults', async () => {
    const c = await open()
    proxy.dropMidFrame()
    proxy.dropAfterBytes(1)
    proxy.dropAfterRequests(1)
    proxy.reset()
    c.socket.write(request(1, 1, 'ok'))
    expect((await c.waitBytes(10)).equals(response(1, 'ok'))).toBe(true)
    await sleep(50)
    expect(c.isClosed()).toBe(false)
  })

  it('closes the client side when the broker closes, after delivering queued frames', async () => {
    const c = await open()
    proxy.delayResponses(100)
    const responsesBefore = proxy.stats.responses
    c.socket.write(request(1, 1, 'last words'))
    // The broker closes only once the proxy holds its answer in the delay queue (an event, not a
    // sleep that a loaded machine may outrun).
    for (let waited = 0; proxy.stats.responses === responsesBefore; waited += 5) {
      if (waited > 5_000) throw new Error('the proxy never received the response')
      await sleep(5)
    }
    for (const s of broker.sockets) s.end()
    await withTimeout(c.closed, 2000, 'client closed')
    expect(c.data().equals(response(1, 'last words'))).toBe(true)
  })

  it('closes the client when the target is down', async () => {
    await broker.close()
    const c = await open()
    await withTimeout(c.closed, 2000, 'client closed')
  })

  it('framing: false passes raw chunks (for TLS) and still supports drop, delay and blackhole', async () => {
    const raw = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port }, framing: false })
    try {
      const c = await client(raw.port)
      clients.push(c)
      c.socket.write(request(1, 1, 'raw'))
      expect((await c.waitBytes(11)).equals(response(1, 'raw'))).toBe(true)
      expect(() => raw.dropAfterRequests(1)).toThrow(/framing/)
      raw.delayResponses(100)
      const t0 = Date.now()
      c.socket.write(request(1, 2))
      await c.waitBytes(19)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(90)
      raw.dropConnections()
      await withTimeout(c.closed, 2000, 'client closed')
    } finally {
      await raw.close()
    }
  })

  it('switches to pass-through when a request carries a garbage size prefix', async () => {
    const received: Buffer[] = []
    const sink = createServer((s) => s.on('data', (d: Buffer) => received.push(d)))
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
    const addr = sink.address()
    if (addr === null || typeof addr === 'string') throw new Error('no address')
    const p = await startFaultProxy({ target: { host: '127.0.0.1', port: addr.port } })
    try {
      const c = await client(p.port)
      clients.push(c)
      const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 9, 9])
      c.socket.write(garbage)
      await sleep(100)
      expect(Buffer.concat(received).equals(garbage)).toBe(true)
      expect(p.stats.requests).toBe(1)
    } finally {
      await p.close()
      await new Promise<void>((r) => sink.close(() => r()))
    }
  })
})
