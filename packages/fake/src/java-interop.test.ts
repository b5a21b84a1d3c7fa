// Kafka's Java client (kafka-clients 4.3.1, the testkit's jars) produces and consumes through the
// fake cluster; the consumer has client.rack set and ends up fetching from the follower in its
// rack that the leader names (KIP-392), as the request log shows. Needs Java 17+ (as the real
// test cluster does); the jars are fetched by the testkit on first use.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FetchRequest } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { FakeCluster } from './fake-cluster.js'

const LIBS = join(import.meta.dirname, '..', '..', '..', 'tools', 'testkit', 'kafka-dist', 'libs-4.3.1')
const SOURCE = join(import.meta.dirname, '..', 'interop', 'ConsoleClients.java')

/** Runs the Java program asynchronously: the fake cluster answers from this same process. */
function java(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', join(LIBS, '*'), SOURCE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) => reject(new Error(`cannot run java (Java 17+ is needed for this test): ${error.message}`)))
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`java ${args[0]} exited with ${code}: ${stderr}`))
    })
    child.stdin.end(input ?? '')
  })
}

describe('the Java client through the fake cluster', () => {
  it('produces idempotently and consumes in a group with client.rack, fetching from the named same-rack follower', async () => {
    expect(existsSync(join(LIBS, 'kafka-clients-4.3.1.jar')), `${LIBS} holds the Kafka jars (npm run kafka:up fetches them)`).toBe(true)
    const cluster = await FakeCluster.start({ brokers: 3, racks: ['rack-a', 'rack-b', 'rack-c'] })
    try {
      cluster.createTopic('java-interop', { partitions: 1, replicationFactor: 3 }) // leader 1, followers 2 and 3
      const lines = Array.from({ length: 200 }, (_, i) => `key-${i}:value-${i}`)
      expect((await java(['produce', cluster.bootstrapServers, 'java-interop'], `${lines.join('\n')}\n`)).trim()).toBe('produced 200')
      expect(cluster.partition('java-interop', 0).logEndOffset).toBe(200n)
      const produced = cluster.requestsOf('Produce').filter((r) => r.clientId === 'java-console-producer')
      expect(produced.length).toBeGreaterThan(0)
      expect(cluster.requestsOf('InitProducerId').some((r) => r.clientId === 'java-console-producer')).toBe(true)

      const output = await java(['consume', cluster.bootstrapServers, 'java-interop', 'java-group', 'rack-c', '200'])
      expect(output.trim().split('\n')).toEqual(lines)
      const fetches = (broker: number) =>
        cluster
          .requestsOf('Fetch', broker)
          .filter((r) => r.clientId === 'java-console-consumer')
          .map((r) => (r.request as FetchRequest).topics.flatMap((t) => t.partitions.map((p) => p.fetchOffset)))
          .flat()
      // The leader (broker 1) was only ever asked at offset 0, and answered with no records and
      // preferredReadReplica 3; every record therefore came from broker 3, which the consumer
      // then fetched from (starting at offset 0).
      expect(fetches(1).length).toBeGreaterThan(0)
      expect(fetches(1).every((offset) => offset === 0n)).toBe(true)
      expect(fetches(3)[0]).toBe(0n)
      expect(fetches(2)).toEqual([])
      expect(cluster.requestsOf('JoinGroup').some((r) => r.clientId === 'java-console-consumer')).toBe(true)
    } finally {
      await cluster.close()
    }
  }, 180_000)
})
