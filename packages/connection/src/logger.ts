import { ConfigError } from '@kafkats/protocol'

/**
 * The subset of pino that kafkats uses. Pass a pino logger (or anything with these methods);
 * the default is silent. Arguments follow pino: an object of fields first, then a message.
 */
export interface Logger {
  child(bindings: Record<string, unknown>): Logger
  debug(fields: Record<string, unknown>, message: string): void
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

const noop = (): void => {}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  child: () => silentLogger,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** Anything with the four level methods: `console`, winston, bunyan, or a pino logger. */
export type LoggerLike = Logger | Pick<Console, 'debug' | 'info' | 'warn' | 'error'>

/**
 * The `logger` option as kafkats uses it. A pino-style logger (with `child`) is used as it is;
 * an object with only the level methods (`console`) is wrapped so fields follow the message and
 * child bindings are merged in; a logger that throws is ignored rather than breaking a client. Anything
 * else is a `ConfigError` naming what is missing.
 */
export function toLogger(candidate: unknown, option = 'logger'): Logger {
  if (candidate === undefined) return silentLogger
  if (typeof candidate !== 'object' && typeof candidate !== 'function') {
    throw new ConfigError(option, `expected a logger with debug, info, warn and error methods (pino, console…), got ${String(candidate)}`)
  }
  if (candidate === null) throw new ConfigError(option, 'expected a logger with debug, info, warn and error methods (pino, console…), got null')
  const target = candidate as Record<string, unknown>
  const missing = LEVELS.filter((level) => typeof target[level] !== 'function')
  if (missing.length > 0) {
    throw new ConfigError(option, `the logger has no ${missing.join(', ')} method${missing.length > 1 ? 's' : ''}: pass pino, console, or an object with debug, info, warn and error`)
  }
  if (typeof target.child === 'function') return candidate as Logger
  return wrapPlainLogger(candidate as Pick<Console, 'debug' | 'info' | 'warn' | 'error'>, {})
}

function wrapPlainLogger(target: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>, bindings: Record<string, unknown>): Logger {
  const at =
    (level: (typeof LEVELS)[number]) =>
    (fields: Record<string, unknown>, message: string): void => {
      try {
        target[level].call(target, message, { ...bindings, ...fields })
      } catch {
        // A broken logger must not break the client it logs for.
      }
    }
  return {
    child: (more) => wrapPlainLogger(target, { ...bindings, ...more }),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
}
