import { type Logger, UnsupportedVersionError } from '@kafkats/connection'
import {
  type ApiDefinition,
  COMPRESSION_CODEC_IDS,
  type CompressionCodec,
  compress,
  compressionCodecFromId,
  ErrorCode,
  errorByCode,
  GetTelemetrySubscriptionsApi,
  type GetTelemetrySubscriptionsResponse,
  PushTelemetryApi,
  ZERO_UUID,
} from '@kafkats/protocol'
import { type AttributeValue, encodeMetricsData } from './otlp.js'
import { type MetricSample, metricSelector, sampleKey, toOtlpMetrics } from './telemetry-metrics.js'

/** Sends one request to the telemetry broker; rejects on a connection failure. */
export type TelemetryTransport = <Request, Response>(api: ApiDefinition<Request, Response>, request: Request) => Promise<Response>

export interface ClientTelemetryOptions {
  /** Sends to the one broker this client talks telemetry with (KIP-714: any broker will do). */
  transport: TelemetryTransport
  /** Samples the client's metrics now. */
  collect: () => readonly MetricSample[]
  /** OTLP resource attributes (client_id, the software name and version). */
  resourceAttributes: Readonly<Record<string, AttributeValue>>
  logger: Logger
  /** Wait after a request failed to reach the broker before asking again. */
  retryBackoffMs: number
  /** Longest wait in `close()` for the terminating push. Default 5 000. */
  closeTimeoutMs?: number
  /** [0, 1): the first push is jittered over 0.5..1.5 push intervals. */
  random?: () => number
}

/** The broker's answer to GetTelemetrySubscriptions, as the client uses it. */
export interface TelemetrySubscription {
  subscriptionId: number
  pushIntervalMs: number
  telemetryMaxBytes: number
  deltaTemporality: boolean
  requestedMetrics: readonly string[]
  acceptedCompressionTypes: readonly number[]
}

/** Where the client stands (Java's ClientTelemetryState, reduced to what the client acts on). */
export type ClientTelemetryState = 'new' | 'subscription-needed' | 'subscription-in-progress' | 'push-needed' | 'push-in-progress' | 'terminated' | 'stopped'

// Used when a push failed before any subscription told us an interval (KIP-714's default is 5 minutes).
const DEFAULT_PUSH_INTERVAL_MS = 300_000
// The codecs in the order kafkats prefers them when the broker accepts several.
const CODEC_PREFERENCE: readonly CompressionCodec[] = ['zstd', 'lz4', 'gzip', 'snappy']

/**
 * The client side of KIP-714: asks one broker what to push (GetTelemetrySubscriptions), pushes
 * OTLP metrics on the subscription's interval (PushTelemetry), follows subscription changes, and
 * makes a last push marked Terminating when the client closes.
 */
export class ClientTelemetry {
  private readonly options: ClientTelemetryOptions
  private readonly logger: Logger
  private readonly random: () => number
  private stateValue: ClientTelemetryState = 'new'
  private instanceId = ZERO_UUID
  private subscriptionValue: TelemetrySubscription | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private inFlight: Promise<void> | null = null
  private firstPushDone = false
  private readonly startUnixNano = nowUnixNano()
  private lastPushUnixNano = this.startUnixNano
  private previous = new Map<string, number>()
  private pushes = 0

  constructor(options: ClientTelemetryOptions) {
    this.options = options
    this.logger = options.logger.child({ component: 'client-telemetry' })
    this.random = options.random ?? Math.random
  }

  /** The id the broker assigned to this client (ZERO_UUID until the first subscription). Java: clientInstanceId() */
  get clientInstanceId(): string {
    return this.instanceId
  }

  get state(): ClientTelemetryState {
    return this.stateValue
  }

  get subscription(): TelemetrySubscription | null {
    return this.subscriptionValue
  }

  /** True while a subscription asks for metrics (pushes carry values only then). */
  get collecting(): boolean {
    return this.stateValue !== 'stopped' && (this.subscriptionValue?.requestedMetrics.length ?? 0) > 0
  }

  /** Successful pushes so far (the terminating one included). */
  get pushCount(): number {
    return this.pushes
  }

  /** Asks for the subscription now; later steps run on timers that do not keep the process alive. */
  start(): void {
    if (this.stateValue !== 'new') return
    this.stateValue = 'subscription-needed'
    this.schedule(0, () => this.fetchSubscription())
  }

  /**
   * Stops the timers and, when a subscription asks for metrics, makes the terminating push
   * (KIP-714: the broker may then forget this client instance at once). Never rejects.
   */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const wasRunning = this.stateValue !== 'new' && this.stateValue !== 'stopped' && this.stateValue !== 'terminated'
    this.stateValue = 'terminated'
    if (!wasRunning) return
    // A broker that stopped answering must not hold up the application's close for a whole
    // request timeout: the terminating push is best effort (the broker expires silent clients).
    let timer: ReturnType<typeof setTimeout> | undefined
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 5_000)
    })
    await Promise.race([this.terminatingPush(), bounded])
    clearTimeout(timer)
  }

  private async terminatingPush(): Promise<void> {
    // a push or subscription request in flight finishes first: the terminating push must be the last
    if (this.inFlight !== null) await this.inFlight
    const subscription = this.subscriptionValue
    if (subscription === null || subscription.requestedMetrics.length === 0) return
    await this.push(subscription, true).catch((error: unknown) => {
      this.logger.debug({ error: String(error) }, 'the terminating telemetry push failed')
    })
  }

  private schedule(delayMs: number, step: () => Promise<void>): void {
    if (this.stateValue === 'terminated' || this.stateValue === 'stopped') return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.stateValue === 'terminated' || this.stateValue === 'stopped') return
      const running: Promise<void> = step()
        .catch((error: unknown) => {
          if (this.stateValue === 'terminated') return
          if (UnsupportedVersionError.isInstance(error)) {
            // the broker does not offer telemetry (no receiver plugin, or older than Kafka 3.7)
            this.stateValue = 'stopped'
            this.logger.debug({ error: String(error) }, 'the broker does not accept client telemetry')
            return
          }
          // a broker that cannot be reached: ask again later (any broker will do)
          this.logger.debug({ error: String(error) }, 'client telemetry request failed')
          this.stateValue = 'subscription-needed'
          this.schedule(this.options.retryBackoffMs, () => this.fetchSubscription())
        })
        .then(() => {
          if (this.inFlight === running) this.inFlight = null
        })
      this.inFlight = running
    }, delayMs)
    this.timer.unref?.()
  }

  private stop(reason: string): void {
    this.stateValue = 'stopped'
    this.logger.warn({ clientInstanceId: this.instanceId }, `client telemetry stopped: ${reason}`)
  }

  private async fetchSubscription(): Promise<void> {
    this.stateValue = 'subscription-in-progress'
    const response = await this.options.transport(GetTelemetrySubscriptionsApi, GetTelemetrySubscriptionsApi.createRequest({ clientInstanceId: this.instanceId }))
    if (this.stateValue !== 'subscription-in-progress') return
    if (response.errorCode !== 0) return this.subscriptionFailed(response)
    if (this.instanceId === ZERO_UUID && response.clientInstanceId !== ZERO_UUID) this.instanceId = response.clientInstanceId
    const changed = this.subscriptionValue === null || this.subscriptionValue.subscriptionId !== response.subscriptionId
    const subscription: TelemetrySubscription = {
      subscriptionId: response.subscriptionId,
      pushIntervalMs: response.pushIntervalMs > 0 ? response.pushIntervalMs : DEFAULT_PUSH_INTERVAL_MS,
      telemetryMaxBytes: response.telemetryMaxBytes,
      deltaTemporality: response.deltaTemporality,
      requestedMetrics: response.requestedMetrics,
      acceptedCompressionTypes: response.acceptedCompressionTypes,
    }
    this.subscriptionValue = subscription
    if (changed) {
      // a new subscription starts delta temporality over: the broker has no previous point for it
      this.previous = new Map()
      this.lastPushUnixNano = nowUnixNano()
    }
    this.logger.debug({ clientInstanceId: this.instanceId, ...subscription }, 'client telemetry subscription')
    if (subscription.requestedMetrics.length === 0) {
      // nothing asked for: look again after one interval (the operator may add a subscription)
      this.stateValue = 'subscription-needed'
      this.schedule(subscription.pushIntervalMs, () => this.fetchSubscription())
      return
    }
    this.stateValue = 'push-needed'
    // KIP-714: the first push is spread over 0.5..1.5 intervals so a restarted cluster is not hit by every client at once
    const delayMs = this.firstPushDone ? subscription.pushIntervalMs : Math.round(subscription.pushIntervalMs * (0.5 + this.random()))
    this.schedule(delayMs, () => this.pushStep())
  }

  private subscriptionFailed(response: GetTelemetrySubscriptionsResponse): void {
    const name = errorByCode(response.errorCode).name
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION || response.errorCode === ErrorCode.INVALID_REQUEST) {
      this.stop(`GetTelemetrySubscriptions failed with ${name}`)
      return
    }
    this.stateValue = 'subscription-needed'
    const waitMs = Math.max(response.throttleTimeMs, this.subscriptionValue?.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS)
    this.logger.debug({ error: name, waitMs }, 'GetTelemetrySubscriptions failed; asking again later')
    this.schedule(waitMs, () => this.fetchSubscription())
  }

  private async pushStep(): Promise<void> {
    const subscription = this.subscriptionValue
    if (subscription === null) return this.fetchSubscription()
    this.stateValue = 'push-in-progress'
    const errorCode = await this.push(subscription, false)
    if (this.stateValue !== 'push-in-progress') return
    this.firstPushDone = true
    switch (errorCode) {
      case 0:
      case ErrorCode.THROTTLING_QUOTA_EXCEEDED:
      case ErrorCode.TELEMETRY_TOO_LARGE:
        // KIP-714: throttled or too large, try again at the next interval (the payload is rebuilt then)
        this.stateValue = 'push-needed'
        this.schedule(subscription.pushIntervalMs, () => this.pushStep())
        return
      case ErrorCode.UNKNOWN_SUBSCRIPTION_ID:
      case ErrorCode.UNSUPPORTED_COMPRESSION_TYPE:
        // the subscription (or the accepted codecs) changed on the broker: ask at once
        this.stateValue = 'subscription-needed'
        this.schedule(0, () => this.fetchSubscription())
        return
      case ErrorCode.INVALID_REQUEST:
      case ErrorCode.INVALID_RECORD:
      case ErrorCode.UNSUPPORTED_VERSION:
        // KIP-714: a client-side defect that retrying will not fix
        this.stop(`PushTelemetry failed with ${errorByCode(errorCode).name}`)
        return
      default:
        this.stateValue = 'subscription-needed'
        this.schedule(subscription.pushIntervalMs, () => this.fetchSubscription())
    }
  }

  /** Builds, compresses and sends one push; resolves with the broker's error code. */
  private async push(subscription: TelemetrySubscription, terminating: boolean): Promise<number> {
    const now = nowUnixNano()
    const selected = metricSelector(subscription.requestedMetrics)
    const samples = this.options.collect().filter((sample) => selected(sample.name))
    const metrics = toOtlpMetrics(samples, {
      deltaTemporality: subscription.deltaTemporality,
      nowUnixNano: now,
      startUnixNano: this.startUnixNano,
      lastPushUnixNano: this.lastPushUnixNano,
      previous: this.previous,
    })
    let payload = encodeMetricsData({ resourceAttributes: this.options.resourceAttributes, scopeName: 'kafkats', scopeVersion: '', metrics })
    let codec = pickCodec(subscription.acceptedCompressionTypes)
    if (codec !== 'none') {
      try {
        payload = await compress(codec, payload)
      } catch (error) {
        this.logger.debug({ codec, error: String(error) }, 'telemetry compression failed; sending uncompressed')
        codec = 'none'
      }
    }
    if (subscription.telemetryMaxBytes > 0 && payload.length > subscription.telemetryMaxBytes) {
      // Sending it would only earn TELEMETRY_TOO_LARGE; skip this interval (the counters keep counting).
      this.logger.warn({ bytes: payload.length, telemetryMaxBytes: subscription.telemetryMaxBytes }, 'telemetry payload larger than the broker accepts; not pushed')
      return ErrorCode.TELEMETRY_TOO_LARGE
    }
    const response = await this.options.transport(
      PushTelemetryApi,
      PushTelemetryApi.createRequest({
        clientInstanceId: this.instanceId,
        subscriptionId: subscription.subscriptionId,
        terminating,
        compressionType: COMPRESSION_CODEC_IDS[codec],
        metrics: payload,
      }),
    )
    if (response.errorCode === 0) {
      this.pushes++
      this.lastPushUnixNano = now
      if (subscription.deltaTemporality) {
        for (const sample of samples) if (sample.kind === 'counter') this.previous.set(sampleKey(sample), sample.value)
      }
    } else {
      this.logger.debug({ error: errorByCode(response.errorCode).name, terminating }, 'PushTelemetry refused')
    }
    return response.errorCode
  }
}

/** The first codec kafkats prefers among those the broker accepts; none when it accepts none of them. */
export function pickCodec(accepted: readonly number[]): CompressionCodec {
  const names = new Set(accepted.map((id) => safeCodecName(id)))
  return CODEC_PREFERENCE.find((codec) => names.has(codec)) ?? 'none'
}

function safeCodecName(id: number): CompressionCodec | null {
  try {
    return compressionCodecFromId(id)
  } catch {
    return null
  }
}

function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}
