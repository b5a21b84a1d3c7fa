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
