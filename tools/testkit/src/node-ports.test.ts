import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fillPorts, nodePorts } from './cluster.js'
import { CONF_DIR } from './dist.js'

/** The first port of the kernel's ephemeral range (what outgoing connections get); Linux's default where it cannot be read. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    return 32768
  }
}

const savedOffset = process.env['KAFKATS_PORT_OFFSET']
afterEach(() => {
  if (savedOffset === undefined) delete process.env['KAFKATS_PORT_OFFSET']
  else process.env['KAFKATS_PORT_OFFSET'] = savedOffset
})

const allPorts = (): number[] => [1, 2, 3].flatMap((id) => Object.values(nodePorts(id)))

describe('node ports', () => {
  it.each([0, 650, 900])('stay below the ephemeral range at offset %i, so no client connection can hold one while its node is down', (offset) => {
    process.env['KAFKATS_PORT_OFFSET'] = String(offset)
    const ports = allPorts()
    expect(new Set(ports).size).toBe(15)
    expect(Math.max(...ports)).toBeLessThan(Math.min(ephemeralLow(), 32768))
  })

  it.each([
    [1, 0, 19092, [19093, 29093, 30093]],
    [3, 0, 30092, [19093, 29093, 30093]],
    [2, 650, 29742, [19743, 29743, 30743]],
  ])('node %i at offset %i: server.properties listens on its nodePorts and names every controller', (id, offset, plaintext, controllers) => {
    process.env['KAFKATS_PORT_OFFSET'] = String(offset)
    const text = fillPorts(readFileSync(join(CONF_DIR, 'server.template.properties'), 'utf8'), id)
    const property = (name: string) => text.split('\n').find((line) => line.startsWith(`${name}=`))
    const p = nodePorts(id)
    expect(p.plaintext).toBe(plaintext)
    expect(property('listeners')).toBe(
      `listeners=PLAINTEXT://127.0.0.1:${p.plaintext},CONTROLLER://127.0.0.1:${p.controller},SASL_PLAINTEXT://127.0.0.1:${p.saslPlaintext},SSL://127.0.0.1:${p.ssl},SASL_SSL://127.0.0.1:${p.saslSsl}`,
    )
    expect(property('advertised.listeners')).toBe(
      `advertised.listeners=PLAINTEXT://127.0.0.1:${p.plaintext},SASL_PLAINTEXT://127.0.0.1:${p.saslPlaintext},SSL://127.0.0.1:${p.ssl},SASL_SSL://127.0.0.1:${p.saslSsl}`,
    )
    expect(property('controller.quorum.voters')).toBe(`controller.quorum.voters=${controllers.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',')}`)
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line.includes('_PORT@'))).toEqual([])
  })

  it('has no node 4', () => {
    expect(() => nodePorts(4)).toThrow('no node 4')
  })
})
