/*
 * OTLP `MetricsData` (opentelemetry/proto/metrics/v1/metrics.proto), the payload KIP-714 puts in
 * PushTelemetry. Only what a client push needs is written: resource attributes, one
 * instrumentation scope, and metrics that are a Sum or a Gauge of NumberDataPoints. A protobuf
 * library would bring a schema loader or generated code for about a hundred lines of varints;
 * see DESIGN.md ("Client telemetry").
 */

/** OTLP AggregationTemporality: how a Sum's points relate to each other (1 = delta, 2 = cumulative). */
type AggregationTemporality = 1 | 2

export type AttributeValue = string | number | boolean

/** One NumberDataPoint of a Sum or Gauge. */
export interface OtlpDataPoint {
  attributes: Readonly<Record<string, AttributeValue>>
  /** The start of the interval the point covers (Sums); 0n leaves it out (Gauges). */
  startTimeUnixNano: bigint
  timeUnixNano: bigint
  value: number
  /** Counts go as `as_int`, everything else as `as_double`. */
  isInteger: boolean
}

export type OtlpMetric =
  | { kind: 'sum'; name: string; description: string; unit: string; monotonic: boolean; temporality: AggregationTemporality; points: OtlpDataPoint[] }
  | { kind: 'gauge'; name: string; description: string; unit: string; points: OtlpDataPoint[] }

export interface OtlpMetricsData {
  resourceAttributes: Readonly<Record<string, AttributeValue>>
  scopeName: string
  scopeVersion: string
  metrics: readonly OtlpMetric[]
}

// Protobuf wire types.
const VARINT = 0
const FIXED64 = 1
const LENGTH_DELIMITED = 2

const utf8 = new TextEncoder()

/**
 * Appends protobuf fields to a byte list. Nested messages are built in their own writer and
 * copied in behind their length (payloads are a few KiB, so the copies do not matter).
 */
class ProtoWriter {
  private readonly bytes: number[] = []

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value)
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.bytes.push(Number(v))
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType))
  }

  private fixed64(write: (view: DataView) => void): void {
    const view = new DataView(new ArrayBuffer(8))
    write(view)
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i))
  }

  /** Length-delimited bytes. Written even when empty: callers use it for oneof members and repeated entries. */
  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED)
    this.varint(BigInt(value.length))
    for (const byte of value) this.bytes.push(byte)
  }

  /** A singular proto3 string: left out at its default (''). */
  stringField(field: number, value: string): void {
    if (value !== '') this.bytesField(field, utf8.encode(value))
  }

  messageField(field: number, message: ProtoWriter): void {
    this.bytesField(field, message.finish())
  }

  /** int64 / enum / bool as a varint; `always` for oneof members, which are written at 0 too. */
  varintField(field: number, value: bigint, always = false): void {
    if (value === 0n && !always) return
    this.tag(field, VARINT)
    this.varint(value)
  }

  /** fixed64 (unsigned) or sfixed64 (two's complement): the same eight little-endian bytes. */
  fixed64Field(field: number, value: bigint, always = false): void {
    if (value === 0n && !always) return
    this.tag(field, FIXED64)
    this.fixed64((view) => view.setBigUint64(0, BigInt.asUintN(64, value), true))
  }

  doubleField(field: number, value: number): void {
    this.tag(field, FIXED64)
    this.fixed64((view) => view.setFloat64(0, value, true))
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}

// Field numbers below are those of opentelemetry/proto common/v1, resource/v1 and metrics/v1.

/** AnyValue: oneof string_value = 1, bool_value = 2, int_value = 3, double_value = 4. */
function anyValue(value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter()
  if (typeof value === 'string') w.bytesField(1, utf8.encode(value))
  else if (typeof value === 'boolean') w.varintField(2, value ? 1n : 0n, true)
  else if (Number.isInteger(value)) w.varintField(3, BigInt(value), true)
  else w.doubleField(4, value)
  return w
}

/** KeyValue: key = 1, value = 2. */
function keyValues(into: ProtoWriter, field: number, attributes: Readonly<Record<string, AttributeValue>>): void {
  for (const [key, value] of Object.entries(attributes)) {
    const kv = new ProtoWriter()
    kv.stringField(1, key)
    kv.messageField(2, anyValue(value))
    into.messageField(field, kv)
  }
}

/** NumberDataPoint: start_time_unix_nano = 2, time_unix_nano = 3, as_double = 4, as_int = 6 (sfixed64), attributes = 7. */
function dataPoint(point: OtlpDataPoint): ProtoWriter {
  const w = new ProtoWriter()
  w.fixed64Field(2, point.startTimeUnixNano)
  w.fixed64Field(3, point.timeUnixNano)
  if (point.isInteger) w.fixed64Field(6, BigInt(Math.round(point.value)), true)
  else w.doubleField(4, point.value)
  keyValues(w, 7, point.attributes)
  return w
}

/** Metric: name = 1, description = 2, unit = 3, gauge = 5, sum = 7. Sum: data_points = 1, aggregation_temporality = 2, is_monotonic = 3. */
function metric(m: OtlpMetric): ProtoWriter {
  const w = new ProtoWriter()
  w.stringField(1, m.name)
  w.stringField(2, m.description)
  w.stringField(3, m.unit)
  const body = new ProtoWriter()
  for (const point of m.points) body.messageField(1, dataPoint(point))
  if (m.kind === 'gauge') {
    w.messageField(5, body)
  } else {
    body.varintField(2, BigInt(m.temporality))
    body.varintField(3, m.monotonic ? 1n : 0n)
    w.messageField(7, body)
  }
  return w
}

/**
 * MetricsData { resource_metrics = 1 } > ResourceMetrics { resource = 1, scope_metrics = 2 } >
 * Resource { attributes = 1 } and ScopeMetrics { scope = 1, metrics = 2 } > InstrumentationScope
 * { name = 1, version = 2 }.
 */
export function encodeMetricsData(data: OtlpMetricsData): Uint8Array {
  const resource = new ProtoWriter()
  keyValues(resource, 1, data.resourceAttributes)
  const scope = new ProtoWriter()
  scope.stringField(1, data.scopeName)
  scope.stringField(2, data.scopeVersion)
  const scopeMetrics = new ProtoWriter()
  scopeMetrics.messageField(1, scope)
  for (const m of data.metrics) scopeMetrics.messageField(2, metric(m))
  const resourceMetrics = new ProtoWriter()
  resourceMetrics.messageField(1, resource)
  resourceMetrics.messageField(2, scopeMetrics)
  const metricsData = new ProtoWriter()
  metricsData.messageField(1, resourceMetrics)
  return metricsData.finish()
}
