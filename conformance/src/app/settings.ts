/**
 * What one application-mode run knows about its target: the application,
 * where to send requests and WebSocket handshakes, extra request headers,
 * and the time limits that keep a hung application from stalling the run.
 *
 * @module
 */

import type { Application, HeaderList } from 'tsgi';

/** The time limits of an application-mode run, in milliseconds. */
export interface AppLimits {
  /**
   * How long the suite, as a client, waits for a response to complete (or a
   * WebSocket handshake to be answered) before it takes the response for a
   * long-lived stream and leaves.
   */
  readonly responseTimeoutMs: number;
  /** How long the application has to settle once the client left or the exchange ended. */
  readonly settleTimeoutMs: number;
  /** How long the application has to answer `lifespan.startup` and `lifespan.shutdown`. */
  readonly lifespanTimeoutMs: number;
  /** How long the suite keeps watching after the application settled, for late calls. */
  readonly lateWindowMs: number;
}

/** The default {@link AppLimits}. */
export const DEFAULT_APP_LIMITS: AppLimits = {
  responseTimeoutMs: 2000,
  settleTimeoutMs: 1000,
  lifespanTimeoutMs: 5000,
  lateWindowMs: 50,
};

/** The target of an application-mode run. */
export interface AppSettings {
  /** The application under test. */
  readonly app: Application;
  /** The request targets HTTP cases send requests to (path and optional query). */
  readonly paths: readonly string[];
  /** The targets WebSocket cases open connections to. */
  readonly wsPaths: readonly string[];
  /** Headers added to every request and handshake. */
  readonly headers: HeaderList;
  /** The time limits. */
  readonly limits: AppLimits;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `promise` at most `ms` milliseconds.
 *
 * @returns whether it settled in time; its rejection counts as settling.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
