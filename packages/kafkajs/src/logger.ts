import type { Logger as KafkatsLogger } from 'kafkats'

/** KafkaJS's log levels (same numbers: `logLevel.INFO` is 4). */
export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

export interface LoggerEntryContent {
  readonly timestamp: string
  readonly message: string
  [key: string]: unknown
}

export interface LogEntry {
  namespace: string
  level: logLevel
  label: string
  log: LoggerEntryContent
}

export type logCreator = (logLevel: logLevel) => (entry: LogEntry) => void

/** The logger KafkaJS hands out (`kafka.logger()`, `producer.logger()`…). */
export type Logger = {
  info: (message: string, extra?: object) => void
  error: (message: string, extra?: object) => void
  warn: (message: string, extra?: object) => void
  debug: (message: string, extra?: object) => void
  namespace: (namespace: string, logLevel?: logLevel) => Logger
  setLogLevel: (logLevel: logLevel) => void
}

const LABELS: Record<number, string> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' }

/** KafkaJS honours KAFKAJS_LOG_LEVEL over the configured level; so do we, so deployments keep working. */
function levelFromEnvironment(level: logLevel): logLevel {
  const fromEnv = (typeof process === 'undefined' ? '' : (process.env.KAFKAJS_LOG_LEVEL ?? '')).toUpperCase()
  const named = (logLevel as unknown as Record<string, number | undefined>)[fromEnv]
  return typeof named === 'number' ? named : level
}

/** KafkaJS's default log creator: one JSON line per entry on the console. */
export const consoleLogCreator: logCreator = () => (entry) => {
  const prefix = entry.namespace === '' ? '' : `[${entry.namespace}] `
  const line = JSON.stringify({ level: entry.label, ...entry.log, message: `${prefix}${entry.log.message}` })
  if (entry.level === logLevel.ERROR) console.error(line)
  else if (entry.level === logLevel.WARN) console.warn(line)
  else if (entry.level === logLevel.INFO) console.info(line)
  else console.log(line)
}

/** A KafkaJS-style logger writing through `creator` at `level` (the root of `kafka.logger()`). */
export function createLogger(level: logLevel, creator: logCreator): Logger {
  const shared = { level: levelFromEnvironment(level) }
  const write = creator(shared.level)
  const build = (namespace: string, own: logLevel | null): Logger => {
    const current = (): logLevel => own ?? shared.level
    const at =
      (level: logLevel) =>
      (message: string, extra: object = {}): void => {
        if (level > current()) return
        write({ namespace, level, label: LABELS[level] ?? String(level), log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra } })
      }
    return {
      error: at(logLevel.ERROR),
      warn: at(logLevel.WARN),
      info: at(logLevel.INFO),
      debug: at(logLevel.DEBUG),
      namespace: (child, childLevel) => build(child, childLevel === undefined ? null : levelFromEnvironment(childLevel)),
      setLogLevel: (newLevel) => {
        shared.level = newLevel
      },
    }
  }
  return build('', null)
}

/**
 * kafkats logs pino-style (fields, then message) with child loggers per component; this turns
 * those calls into KafkaJS log entries, the component becoming the entry's namespace.
 */
export function toKafkatsLogger(logger: Logger, bindings: Record<string, unknown> = {}): KafkatsLogger {
  const target = typeof bindings['component'] === 'string' ? logger.namespace(bindings['component']) : logger
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (fields: Record<string, unknown>, message: string): void => {
      try {
        target[level](message, { ...bindings, ...fields })
      } catch {
        // A throwing logCreator must not break the client it logs for.
      }
    }
  return {
    child: (more) => toKafkatsLogger(logger, { ...bindings, ...more }),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
}
