/**
 * Exit statuses, and the one line shown for a failure to start.
 *
 * - 0: the server stopped cleanly.
 * - 1: the app or the runtime failed (the app threw at import, lifespan
 *   startup failed, an unexpected error).
 * - 2: the command line or the configuration is wrong (an unknown option, a
 *   bad value, a missing module or export, an address in use): fixing the
 *   command fixes it.
 *
 * @module
 */
import { TsgiError } from 'tsgi';
import { LoadError } from '../loader.js';
import { ServerErrorCode } from '../options.js';

/** The exit statuses of `tsgi`. */
export const ExitCode = {
  /** A clean stop. */
  OK: 0,
  /** The app or the runtime failed. */
  FAILURE: 1,
  /** A usage or configuration mistake. */
  USAGE: 2,
} as const;

/** A worker process could not start; carries the exit status the server ends with. */
export class WorkerStartError extends TsgiError {
  /** The exit status to end with. */
  readonly exitCode: number;

  /**
   * @param message - the worker's one-line reason.
   * @param exitCode - the status to end with.
   */
  constructor(message: string, exitCode: number) {
    super(ServerErrorCode.WORKER, message);
    this.exitCode = exitCode;
  }
}

const USAGE_CODES = new Set<string>([ServerErrorCode.OPTIONS, ServerErrorCode.BIND]);

/** The exit status a startup error calls for. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof WorkerStartError) return error.exitCode;
  if (error instanceof LoadError) return error.isUsageError ? ExitCode.USAGE : ExitCode.FAILURE;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && USAGE_CODES.has(code)) return ExitCode.USAGE;
  return ExitCode.FAILURE;
}

/** The one line shown for a startup error: its message, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
