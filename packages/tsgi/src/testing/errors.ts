/**
 * The errors of the test harness. Besides the `ProtocolError` of a broken
 * rule, a harness call fails only for a few reasons a test wants to tell
 * apart: it waited too long, the thing it waited for can no longer come, the
 * application's lifespan reported a failure, or the test itself asked for
 * something no server could do.
 *
 * @module
 */

import { ErrorCode, TsgiError } from '../errors.js';

/** The stable codes of the harness's own errors. */
export const HarnessErrorCode = {
  /** A wait of the harness ran out of time: the application hangs. */
  TIMEOUT: 'ERR_TSGI_HARNESS_TIMEOUT',
  /** What a test waited for can no longer come: the application settled or the connection ended. */
  ENDED: 'ERR_TSGI_HARNESS_ENDED',
  /** The application reported (or caused) a failed lifespan startup or shutdown. */
  LIFESPAN_FAILED: 'ERR_TSGI_LIFESPAN_FAILED',
} as const;

/**
 * A harness wait ran out of time. The message names what was awaited and
 * what the application was doing, so a hung application fails a test run
 * with a reason instead of stalling it.
 */
export class HarnessTimeoutError extends TsgiError {
  /** What the harness was waiting for, and the state it saw when time ran out. */
  readonly awaited: string;
  /** The time allowed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param awaited - what was awaited, as a phrase.
   * @param timeoutMs - the time allowed.
   */
  constructor(awaited: string, timeoutMs: number) {
    super(HarnessErrorCode.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${awaited}`);
    this.awaited = awaited;
    this.timeoutMs = timeoutMs;
  }
}

/** What a test waited for can no longer come, because the application settled or the connection ended. */
export class HarnessEndedError extends TsgiError {
  /** What was awaited. */
  readonly awaited: string;

  /**
   * @param awaited - what was awaited, as a phrase.
   * @param why - why it cannot come.
   * @param options - the error that ended the exchange, if any.
   */
  constructor(awaited: string, why: string, options?: { cause?: unknown }) {
    super(HarnessErrorCode.ENDED, `${awaited} cannot come: ${why}`, options);
    this.awaited = awaited;
  }
}

/**
 * The lifespan startup or shutdown failed: the application sent
 * `lifespan.startup.failed` or `lifespan.shutdown.failed`, or threw while a
 * reply was due (LS-3, LS-6). The message is the application's message.
 */
export class LifespanFailedError extends TsgiError {
  /** Which phase failed. */
  readonly phase: 'startup' | 'shutdown';
  /** The application's message, as a server shows it (LS-3). */
  readonly appMessage: string;

  /**
   * @param phase - which phase failed.
   * @param appMessage - the application's message.
   * @param options - the error the application threw, if it threw.
   */
  constructor(phase: 'startup' | 'shutdown', appMessage: string, options?: { cause?: unknown }) {
    super(
      HarnessErrorCode.LIFESPAN_FAILED,
      `lifespan ${phase} failed${appMessage === '' ? '' : `: ${appMessage}`}`,
      options,
    );
    this.phase = phase;
    this.appMessage = appMessage;
  }
}

/** The error for a harness option or call that no server could honour. */
export function invalidArgument(message: string): TsgiError {
  return new TsgiError(ErrorCode.INVALID_ARGUMENT, message);
}
