/**
 * The logging interface kubekit writes to. pino loggers and `console` both satisfy it. The
 * library is silent by default ({@link silentLogger}); pass a logger in options to hear it.
 * kubekit never puts credentials (tokens, keys, passwords) into log fields.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = () => {};

/** A logger that drops everything: the library default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
