// Kafka's own Java client as the reference peer of the interop tests: kafka-dist/interop/Interop.java
// run with the cluster's cached jars (the single-file source launcher, no build step). Needs only
// what the cluster already needs (java + the libs dir); no system Kafka client.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { CONF_DIR, DIST_DIR, ensureKafkaLibs, kafkaDist } from './dist.js'

export type JavaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export interface JavaRecord {
  key: string | null
  value: string | null
  /** [key, value] pairs in order; a null value is a header without a value. */
  headers?: Array<[string, string | null]>
}

export interface JavaProduceBatch {
  compression: JavaCompression
  /** Omitted: the Java client's default partitioner chooses (murmur2 of the key). */
  partition?: number
  records: JavaRecord[]
}

export interface JavaAck {
  partition: number
  offset: number
}

export interface JavaConsumedRecord {
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Array<[string, string | null]>
}

/** Produces with KafkaProducer: one producer (and one record batch per partition) per batch. Acks in request order. */
export async function javaProduce(bootstrap: string, topic: string, batches: JavaProduceBatch[]): Promise<JavaAck[]> {
  const answer = (await runInterop('produce', { bootstrap, topic, batches })) as { acks: JavaAck[] }
  return answer.acks
}

/** Reads one partition from the beginning with KafkaConsumer until `count` records (or the timeout). */
export async function javaConsume(
  bootstrap: string,
  topic: string,
  partition: number,
  count: number,
  timeoutMs = 60_000,
): Promise<JavaConsumedRecord[]> {
  const answer = (await runInterop('consume', { bootstrap, topic, partition, count, timeoutMs })) as { records: JavaConsumedRecord[] }
  return answer.records
}

async function runInterop(command: 'produce' | 'consume', request: object): Promise<unknown> {
  const dist = kafkaDist()
  await ensureKafkaLibs(dist, () => {})
  const logging =
    dist.line === '4'
      ? `-Dlog4j2.configurationFile=${join(CONF_DIR, 'log4j2-tools.properties')}`
      : `-Dlog4j.configuration=file:${join(CONF_DIR, 'tools-log4j.properties')}`
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java'
  const args = ['-Xmx256m', logging, '-cp', join(dist.libsDir, '*'), join(DIST_DIR, 'interop', 'Interop.java'), command]
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (e) => reject(new Error(`cannot run ${java} (Java 17+ runs the test cluster and the interop peer): ${e.message}`)))
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`Interop.java ${command} failed (${signal ?? code}):\n${stderr.slice(-4000)}`))
      try {
        resolve(JSON.parse(stdout))
      } catch (e) {
        reject(new Error(`Interop.java ${command} printed no JSON (${(e as Error).message}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`))
      }
    })
    child.stdin.end(JSON.stringify(request))
  })
}
