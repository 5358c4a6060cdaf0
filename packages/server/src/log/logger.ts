/**
 * The error log: leveled, one line per message (plus the stack for errors),
 * `[2000-10-10 13:55:36 +0200] [pid] [LEVEL] message`.
 *
 * @module
 */
import { isClientDisconnected } from 'tsgi';
import type { LogLevel } from '../options.js';
import { type LogClock, sharedClock } from './clock.js';
import { FileSink, type LineSink } from './sink.js';

const RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};
const LABEL: Record<LogLevel, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warning: 'WARNING',
  error: 'ERROR',
  critical: 'CRITICAL',
};

/** The request fields of a scope that say where an app error happened. */
export interface ErrorScope {
  /** `http` or `websocket`. */
  type?: string;
  /** The request method. */
  method?: string;
  /** The request path. */
  path?: string;
}

/** Where an app error happened, for the log line: a string or the scope itself. */
export type ErrorContext = string | ErrorScope;

/** A leveled logger writing to a {@link LineSink}. */
export class Logger {
  /** The lowest level written. */
  level: LogLevel;
  private readonly sink: LineSink;
  private readonly clock: LogClock;
  private readonly pid = process.pid;

  /**
   * @param sink - where lines go.
   * @param level - the lowest level written.
   * @param clock - the timestamp source.
   */
  constructor(sink: LineSink, level: LogLevel = 'info', clock: LogClock = sharedClock) {
    this.sink = sink;
    this.level = level;
    this.clock = clock;
  }

  /** Whether messages of `level` are written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /** Writes a message at `level`; `error`'s stack follows it on the next lines. */
  log(level: LogLevel, message: string, error?: unknown): void {
    if (RANK[level] < RANK[this.level]) return;
    let line = `[${this.clock.errorLog()}] [${this.pid}] [${LABEL[level]}] ${message}`;
    if (error !== undefined) line += `\n${formatError(error)}`;
    this.sink.write(line);
    // Messages that may precede an exit must not wait for the next turn.
    if (RANK[level] >= RANK.error) this.sink.flush();
  }

  /** Writes a debug message. */
  debug(message: string, error?: unknown): void {
    this.log('debug', message, error);
  }

  /** Writes an info message. */
  info(message: string, error?: unknown): void {
    this.log('info', message, error);
  }

  /** Writes a warning. */
  warning(message: string, error?: unknown): void {
    this.log('warning', message, error);
  }

  /** Writes an error. */
  error(message: string, error?: unknown): void {
    this.log('error', message, error);
  }

  /** Writes a critical error. */
  critical(message: string, error?: unknown): void {
    this.log('critical', message, error);
  }

  /**
   * Logs an error that escaped the application: with its stack at error level
   * (HTTP-FAIL-4), except a `ClientDisconnectedError`, which is a normal
   * event and goes to debug (HTTP-DISC-4).
   */
  appError(error: unknown, context?: ErrorContext): void {
    const where = describeContext(context);
    if (isClientDisconnected(error)) {
      this.debug(`client disconnected${where ? ` during ${where}` : ''}`);
      return;
    }
    this.error(`exception in the application${where ? ` while serving ${where}` : ''}`, error);
  }

  /** Writes out queued lines now. */
  flush(): void {
    this.sink.flush();
  }

  /** Reopens the log file (after rotation). */
  reopen(): void {
    this.sink.reopen();
  }

  /** Flushes and releases the log file. */
  close(): void {
    this.sink.close();
  }
}

function describeContext(context: ErrorContext | undefined): string {
  if (context === undefined) return '';
  if (typeof context === 'string') return context;
  const parts = [context.type === 'websocket' ? 'WebSocket' : context.method, context.path];
  return parts.filter((part) => part !== undefined && part !== '').join(' ');
}

/** An error with its stack (or its value when it is not an Error), cause included. */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return `thrown value: ${String(error)}`;
  let text = error.stack ?? `${error.name}: ${error.message}`;
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    text += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

let current: Logger | undefined;

/** The logger of this process; standard error at info level until `setLogger` replaces it. */
export function getLogger(): Logger {
  current ??= new Logger(new FileSink('-', 'stderr'));
  return current;
}

/** Replaces the logger of this process. */
export function setLogger(logger: Logger): void {
  current = logger;
}

/** Creates the error logger the options ask for. */
export function createLogger(options: { logLevel: LogLevel; logFile: string }): Logger {
  return new Logger(new FileSink(options.logFile, 'stderr'), options.logLevel);
}

/**
 * Logs an error that escaped the application with the process logger: a
 * client disconnect at debug level (HTTP-DISC-4), anything else with its
 * stack at error level (HTTP-FAIL-4).
 */
export function logAppError(
  error: unknown,
  context?: ErrorContext,
  logger: Logger = getLogger(),
): void {
  logger.appError(error, context);
}
