/**
 * Small promise tools of the harness: a deferred value, waits with a time
 * limit, and the check of a `timeoutMs` option.
 *
 * @module
 */

import { HarnessTimeoutError, invalidArgument } from './errors.js';

/** How long a harness wait lasts unless told otherwise, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** A promise with its settle functions, for a value another party provides later. */
export interface Deferred<T> {
  /** Settles when `resolve` or `reject` is called. */
  readonly promise: Promise<T>;
  /** Fulfils the promise. */
  readonly resolve: (value: T) => void;
  /** Rejects the promise. */
  readonly reject: (error: unknown) => void;
}

/** Creates a {@link Deferred}. */
export function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Checks a `timeoutMs` option: a positive number of milliseconds, or
 * `Infinity` for no limit.
 */
export function checkTimeout(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw invalidArgument(
      `timeoutMs: expected a positive number of milliseconds or Infinity, received ${String(value)}`,
    );
  }
  return value;
}

/**
 * Waits for `promise`, or rejects with a {@link HarnessTimeoutError} after
 * `timeoutMs`. `awaited` is called only when time runs out, so the message
 * describes the state at that moment. The timer is always cleared, so a
 * passing test leaves nothing running.
 */
export function within<T>(
  promise: Promise<T>,
  timeoutMs: number,
  awaited: () => string,
  onTimeout?: () => void,
): Promise<T> {
  if (timeoutMs === Number.POSITIVE_INFINITY) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new HarnessTimeoutError(awaited(), timeoutMs));
      onTimeout?.();
    }, timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
