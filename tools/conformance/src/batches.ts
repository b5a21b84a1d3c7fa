// Record batches: Kafka's MemoryRecords.builder (and withEndTransactionMarker) against our
// encodeRecordBatchSync / encodeControlBatch. Uncompressed batches must be identical byte for
// byte; compressed ones are compared by content both ways (each side decodes the other's batch),
// because two correct compressors may emit different bytes for the same input.
import { isDeepStrictEqual } from 'node:util'
import {
  type CompressionCodec,
  type RecordBatch,
  type RecordInput,
  decodeRecordBatches,
  encodeControlBatch,
  encodeRecordBatch,
} from '@kafkats/protocol'
import type { JavaBatch, JavaSide } from './java.js'
import { type Failure, firstDifference } from './messages.js'
import { Random } from './prng.js'

const CODECS: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export interface BatchCaseCount {
  checked: number
  failed: number
  identicalBytes: number
}

/** Per case family, e.g. `gzip/headers/transactional/CreateTime` or `control/COMMIT`. */
export interface BatchCounts {
  checked: number
  failed: number
  cases: Map<string, BatchCaseCount>
}

type Canonical = Omit<JavaBatch, 'magic'>

interface BatchCase {
  family: string
  index: number
  compressed: boolean
  ours: Uint8Array
  javaItem: string
  expected: Canonical
}

/** Base64 of a key or value; a string (RecordInput takes strings) as its UTF-8 bytes, which is what Java gets to build its batch from. */
const b64 = (bytes: Uint8Array | string | null): string | null => (bytes === null ? null : (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)).toString('base64'))

/** Keys and values given as strings: ASCII, multi-byte, a surrogate pair, a lone surrogate (U+FFFD), empty, past 48 units. */
const STRINGS = ['key-1', 'é-ü', '漢字', '😀 pair', 'lone \ud800', '', 'x'.repeat(60), 'ж'.repeat(700)]

async function dataCase(random: Random, codec: CompressionCodec, headers: boolean, transactional: boolean, logAppendTime: boolean, index: number): Promise<BatchCase> {
  const many = random.chance(0.1)
  const count = many ? random.int(100, 300) : random.int(1, 12)
  const base = 1_700_000_000_000 + random.int(0, 1_000_000)
  const records: (RecordInput & { timestamp: number })[] = []
  for (let i = 0; i < count; i++) {
    const valueLength = !many && random.chance(0.1) ? random.int(1000, 20000) : random.int(0, 60)
    // compressible values sometimes (repeated text), random bytes otherwise
    const value = random.chance(0.1)
      ? null
      : random.chance(0.1)
        ? random.pick(STRINGS)
        : random.chance(0.5)
          ? new Uint8Array(Buffer.from('kafkats '.repeat(valueLength / 8 + 1).slice(0, valueLength)))
          : random.bytes(valueLength)
    records.push({
      key: random.chance(0.3) ? null : random.chance(0.3) ? random.pick(STRINGS) : random.bytes(random.int(0, 16)),
      value,
      headers: headers
        ? Array.from({ length: random.int(1, 3) }, (_, h) => ({ key: random.pick(['trace', 'é-ü', '漢字', '😀', '']) + h, value: random.chance(0.2) ? null : random.bytes(random.int(0, 12)) }))
        : [],
      timestamp: base + random.int(-5000, 5000),
    })
  }
  const idempotent = transactional || random.chance(0.5)
  const baseOffset = random.chance(0.3) ? 0 : random.int(0, 2 ** 40)
  const producerId = idempotent ? random.int(0, 2 ** 40) : -1
  const producerEpoch = idempotent ? random.int(0, 32767) : -1
  const baseSequence = idempotent ? random.int(0, 2 ** 31 - 1 - count) : -1
  const partitionLeaderEpoch = random.chance(0.5) ? -1 : random.int(0, 1000)
  const appendTime = base + 10_000
  const maxTimestamp = logAppendTime ? appendTime : Math.max(...records.map((r) => r.timestamp))
  const ours = await encodeRecordBatch(records, {
    compression: codec,
    baseOffset: BigInt(baseOffset),
    partitionLeaderEpoch,
    producerId: BigInt(producerId),
    producerEpoch,
    baseSequence,
    isTransactional: transactional,
    timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
    ...(logAppendTime ? { maxTimestamp: BigInt(appendTime) } : {}),
  })
  const spec = {
    op: 'batch',
    compression: codec,
    baseOffset,
    producerId,
    producerEpoch,
    baseSequence,
    partitionLeaderEpoch,
    transactional,
    timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
    maxTimestamp: appendTime,
    records: records.map((r) => ({ timestamp: r.timestamp, key: b64(r.key ?? null), value: b64(r.value), headers: (r.headers ?? []).map((h) => ({ key: h.key, value: b64(h.value) })) })),
    ours: b64(ours),
  }
  return {
    family: `${codec}/${headers ? 'headers' : 'no-headers'}/${transactional ? 'transactional' : 'plain'}/${logAppendTime ? 'LogAppendTime' : 'CreateTime'}`,
    index,
    compressed: codec !== 'none',
    ours,
    javaItem: JSON.stringify(spec),
    expected: {
      baseOffset,
      lastOffset: baseOffset + count - 1,
      compression: codec,
      timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
      maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence,
      partitionLeaderEpoch,
      transactional,
      control: false,
      records: records.map((r, i) => ({
        offset: baseOffset + i,
        timestamp: logAppendTime ? appendTime : r.timestamp,
        key: b64(r.key ?? null),
        value: b64(r.value),
        headers: (r.headers ?? []).map((h) => ({ key: h.key, value: b64(h.value) })),
      })),
    },
  }
}

function controlCase(random: Random, type: 'COMMIT' | 'ABORT', index: number): BatchCase {
  const baseOffset = random.int(0, 2 ** 40)
  const producerId = random.int(0, 2 ** 40)
  const producerEpoch = random.int(0, 32767)
  const coordinatorEpoch = random.int(0, 2 ** 31 - 1)
  const partitionLeaderEpoch = random.int(0, 1000)
  const timestamp = 1_700_000_000_000 + random.int(0, 1_000_000)
  const ours = encodeControlBatch({ type, producerId: BigInt(producerId), producerEpoch, coordinatorEpoch, baseOffset: BigInt(baseOffset), partitionLeaderEpoch, timestamp })
  const spec = {
    op: 'batch',
    control: { type, coordinatorEpoch, timestamp },
    baseOffset,
    producerId,
    producerEpoch,
    baseSequence: -1,
    partitionLeaderEpoch,
    transactional: true,
    ours: b64(ours),
  }
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(type === 'COMMIT' ? 1 : 0, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(coordinatorEpoch, 2)
  return {
    family: `control/${type}`,
    index,
    compressed: false,
    ours,
    javaItem: JSON.stringify(spec),
    expected: {
      baseOffset,
      lastOffset: baseOffset,
      compression: 'none',
      timestampType: 'CreateTime',
      maxTimestamp: timestamp,
      producerId,
      producerEpoch,
      baseSequence: -1,
      partitionLeaderEpoch,
      transactional: true,
      control: true,
      records: [{ offset: baseOffset, timestamp, key: b64(key), value: b64(value), headers: [], controlType: type, coordinatorEpoch }],
    },
  }
}

function canonicalOurs(batch: RecordBatch): Canonical {
  return {
    baseOffset: Number(batch.baseOffset),
    lastOffset: Number(batch.baseOffset) + batch.lastOffsetDelta,
    compression: batch.compression,
    timestampType: batch.timestampType,
    maxTimestamp: Number(batch.maxTimestamp),
    producerId: Number(batch.producerId),
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    transactional: batch.isTransactional,
    control: batch.isControl,
    records: batch.records.map((r) => ({
      offset: Number(r.offset),
      timestamp: Number(r.timestamp),
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
      ...(batch.control === null ? {} : { controlType: batch.control.type, ...(batch.control.coordinatorEpoch === null ? {} : { coordinatorEpoch: batch.control.coordinatorEpoch }) }),
    })),
  }
}

/** `perFamily` random batches for every codec × headers × transactional × timestamp type, plus control batches. */
export async function checkBatches(java: JavaSide, seed: string, perFamily: number, failures: Failure[]): Promise<BatchCounts> {
  const cases: BatchCase[] = []
  for (const codec of CODECS) {
    for (const headers of [false, true]) {
      for (const transactional of [false, true]) {
        for (const logAppendTime of [false, true]) {
          for (let i = 0; i < perFamily; i++) {
            const random = new Random(`${seed}/batch/${codec}/${headers}/${transactional}/${logAppendTime}/#${i}`)
            cases.push(await dataCase(random, codec, headers, transactional, logAppendTime, i))
          }
        }
      }
    }
  }
  for (const type of ['COMMIT', 'ABORT'] as const) {
    for (let i = 0; i < perFamily * 4; i++) cases.push(controlCase(new Random(`${seed}/batch/control/${type}/#${i}`), type, i))
  }
  const counts: BatchCounts = { checked: 0, failed: 0, cases: new Map() }
  const results = await java.call(cases.map((c) => c.javaItem))
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i] as BatchCase
    const result = results[i]
    const count = counts.cases.get(c.family) ?? { checked: 0, failed: 0, identicalBytes: 0 }
    counts.cases.set(c.family, count)
    count.checked++
    counts.checked++
    const problems: string[] = []
    if (result === undefined || result.error !== null || result.bytes === undefined) {
      problems.push(`Java rejected the batch: ${result?.error ?? 'no result'}`)
    } else {
      const javaBytes = new Uint8Array(Buffer.from(result.bytes, 'base64'))
      const identical = Buffer.from(c.ours).equals(javaBytes)
      if (identical) count.identicalBytes++
      else if (!c.compressed) problems.push(`bytes differ (ours ${c.ours.length} B, Java ${javaBytes.length} B)`)
      if (result.oursError !== undefined) problems.push(`Java cannot read our batch: ${result.oursError}`)
      else {
        const javaView = (result.oursDecoded ?? []).map(({ magic: _magic, ...rest }) => rest)
        if (!isDeepStrictEqual(javaView, [c.expected])) problems.push(`Java reads our batch differently: ${firstDifference([c.expected], javaView)}`)
      }
      try {
        const decoded = await decodeRecordBatches(javaBytes)
        const ourView = decoded.batches.map(canonicalOurs)
        if (!isDeepStrictEqual(ourView, [c.expected])) problems.push(`we read Java's batch differently: ${firstDifference([c.expected], ourView)}`)
      } catch (error) {
        problems.push(`we cannot read Java's batch: ${String(error)}`)
      }
    }
    if (problems.length > 0) {
      count.failed++
      counts.failed++
      failures.push({ target: `RecordBatch ${c.family}`, version: 2, index: c.index, seed, kind: 'record-batch-differs', detail: problems.join('; ') })
    }
  }
  return counts
}
