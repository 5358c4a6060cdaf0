/**
 * Errors of the application layer, and the registry of error handlers an app
 * keeps: handlers by error class, by status and a catch-all, searched from
 * the most specific to the least.
 *
 * @module
 */

import { TsgiError } from 'tsgi';
import { HTTPError, isHTTPError } from './http-error.js';
import type { Request } from './request.js';
import type { ViewResult } from './views.js';

/** The stable codes of {@link AppError}. Match on these, never on messages. */
export const AppErrorCode = {
  /** A registration came after the app started serving or was included in another app. */
  FROZEN: 'ERR_ECHONEXT_APP_FROZEN',
  /** A view, view class, handler, hook or middleware is not what the call expects. */
  BAD_VIEW: 'ERR_ECHONEXT_BAD_VIEW',
  /** A view returned something that cannot become a response (a function, a symbol, a stream). */
  BAD_VIEW_RESULT: 'ERR_ECHONEXT_BAD_VIEW_RESULT',
  /** An include or mount prefix is not a plain path such as `/blog`. */
  BAD_PREFIX: 'ERR_ECHONEXT_BAD_PREFIX',
  /** An app was included twice, included in itself, or two sub-apps share a namespace. */
  BAD_INCLUDE: 'ERR_ECHONEXT_BAD_INCLUDE',
  /** A middleware called `next()` without the request. */
  NEXT_WITHOUT_REQUEST: 'ERR_ECHONEXT_NEXT_WITHOUT_REQUEST',
  /** The scope names a TSGI major version this framework does not know (VER-3). */
  UNSUPPORTED_VERSION: 'ERR_ECHONEXT_UNSUPPORTED_VERSION',
  /** The scope type is none of `http`, `websocket` and `lifespan` (APP-3). */
  UNSUPPORTED_SCOPE: 'ERR_ECHONEXT_UNSUPPORTED_SCOPE',
  /** A WebSocket message of the other kind arrived (`receiveText()` got bytes, or the reverse). */
  UNEXPECTED_MESSAGE: 'ERR_ECHONEXT_UNEXPECTED_WEBSOCKET_MESSAGE',
  /** A WebSocket call came in the wrong state, such as `sendText()` before `accept()`. */
  WEBSOCKET_STATE: 'ERR_ECHONEXT_WEBSOCKET_STATE',
  /** An option or argument has the wrong type or is out of range. */
  INVALID_ARGUMENT: 'ERR_ECHONEXT_INVALID_ARGUMENT',
} as const;

/** One of the values of {@link AppErrorCode}. */
export type AppErrorCodeValue = (typeof AppErrorCode)[keyof typeof AppErrorCode];

/**
 * Wrong use of the application API: thrown where the mistake is made (at
 * registration, at include time, at startup), never left for the first
 * request to find.
 */
export class AppError extends TsgiError {
  /** A stable code from {@link AppErrorCode}. */
  declare readonly code: AppErrorCodeValue;

  /**
   * @param code - the stable code.
   * @param message - one readable line that says what to change.
   * @param options - the underlying cause, if any.
   */
  constructor(code: AppErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Turns an error into an answer. It may return anything a view may (a
 * `Response`, a string, an object for JSON); it may throw, which gives the
 * default 500 and a log line.
 *
 * @typeParam E - the error type the handler was registered for.
 */
export type ErrorHandler<E = unknown> = (
  error: E,
  request: Request,
) => ViewResult | Promise<ViewResult>;

/** A class of errors, as given to `onError`: `NotFound`, `HTTPError`, `TypeError`, your own. */
export type ErrorClass<E extends Error = Error> = abstract new (
  // biome-ignore lint/suspicious/noExplicitAny: any constructor signature must be accepted.
  ...args: any[]
) => E;

/** What {@link ErrorHandlers.find} found: the handler and how it was chosen. */
export interface FoundHandler {
  /** The handler. */
  readonly handler: ErrorHandler;
  /**
   * `'class'` when registered for the error's class or a parent class, which
   * marks the error as expected; `'status'` or `'catch-all'` otherwise.
   */
  readonly by: 'class' | 'status' | 'catch-all';
}

/**
 * The error handlers of one app. Search order for an error, first match wins:
 * its own class, then its parent classes up to (not including)
 * `HTTPError`; then its status (500 for an error that is not an
 * `HTTPError`); then `HTTPError` and the classes above it (`Error`); last the
 * catch-all. So `onError(404, ...)` beats `onError(Error, ...)` for a
 * `NotFound`, and `onError(NotFound, ...)` beats both.
 */
export class ErrorHandlers {
  readonly #byClass = new Map<unknown, ErrorHandler>();
  readonly #byStatus = new Map<number, ErrorHandler>();
  #catchAll: ErrorHandler | null = null;

  /** Whether no handler is registered. */
  get empty(): boolean {
    return this.#catchAll === null && this.#byClass.size === 0 && this.#byStatus.size === 0;
  }

  /**
   * Registers `handler` for a status (400 to 599), an error class, or every
   * error (`key` `null`). A later registration for the same key replaces the
   * earlier one.
   *
   * @throws {@link AppError} `INVALID_ARGUMENT` for a bad key or handler.
   */
  add(key: number | ErrorClass | null, handler: ErrorHandler): void {
    if (typeof handler !== 'function') {
      throw new AppError(AppErrorCode.INVALID_ARGUMENT, 'onError: the handler must be a function');
    }
    if (key === null) {
      this.#catchAll = handler;
    } else if (typeof key === 'number') {
      if (!Number.isInteger(key) || key < 400 || key > 599) {
        throw new AppError(
          AppErrorCode.INVALID_ARGUMENT,
          `onError: a status must be an integer from 400 to 599, received ${String(key)}`,
        );
      }
      this.#byStatus.set(key, handler);
    } else if (typeof key === 'function' && typeof key.prototype === 'object') {
      this.#byClass.set(key, handler);
    } else {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        'onError: give a status, an error class or only a handler (catch-all)',
      );
    }
  }

  /** The handler for `error` here, or `null`; see the class comment for the order. */
  find(error: unknown): FoundHandler | null {
    const http = isHTTPError(error);
    let statusChecked = false;
    if (this.#byClass.size > 0 && typeof error === 'object' && error !== null) {
      let proto: unknown = Object.getPrototypeOf(error);
      while (proto !== null && proto !== Object.prototype) {
        const ctor = (proto as { constructor?: unknown }).constructor;
        if (!statusChecked && ctor === HTTPError) {
          statusChecked = true;
          const byStatus = this.#byStatus.get((error as HTTPError).status);
          if (byStatus !== undefined) return { handler: byStatus, by: 'status' };
        }
        const byClass = this.#byClass.get(ctor);
        if (byClass !== undefined) return { handler: byClass, by: 'class' };
        proto = Object.getPrototypeOf(proto);
      }
    }
    if (!statusChecked && this.#byStatus.size > 0) {
      const byStatus = this.#byStatus.get(http ? (error as HTTPError).status : 500);
      if (byStatus !== undefined) return { handler: byStatus, by: 'status' };
    }
    return this.#catchAll === null ? null : { handler: this.#catchAll, by: 'catch-all' };
  }
}
