/**
 * Sets up the loggers of a process from the options.
 *
 * @module
 */
import type { ServerOptions } from '../options.js';
import { type AccessLogger, createAccessLogger, setAccessLogger } from './access.js';
import { createLogger, type Logger, setLogger } from './logger.js';

/** The loggers of one process. */
export interface ProcessLoggers {
  /** The error log. */
  logger: Logger;
  /** The access log, or `null` when off (or in a process that serves no requests). */
  access: AccessLogger | null;
  /** Reopens log files (after rotation). */
  reopen(): void;
  /** Flushes and releases log files. */
  close(): void;
}

/**
 * Creates the loggers the options ask for and makes them this process's
 * loggers. `access: false` skips the access log (the primary serves nothing).
 */
export function configureLogging(options: ServerOptions, { access = true } = {}): ProcessLoggers {
  const logger = createLogger(options);
  const accessLogger = access ? createAccessLogger(options) : null;
  setLogger(logger);
  setAccessLogger(accessLogger);
  return {
    logger,
    access: accessLogger,
    reopen() {
      logger.reopen();
      accessLogger?.reopen();
    },
    close() {
      accessLogger?.close();
      logger.flush();
    },
  };
}
