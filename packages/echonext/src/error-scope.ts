/**
 * Where an error thrown while answering a request goes: the handlers of the
 * app that owns the route, then those of each app it is included in, then
 * the default response. Built once per app when the app being served is
 * compiled.
 *
 * @module
 */

import { isClientDisconnected } from 'tsgi';
import type { ErrorHandlers } from './app-errors.js';
import { errorResponse } from './error-response.js';
import { isHTTPError } from './http-error.js';
import type { Request } from './request.js';
import { Response } from './response.js';
import { toResponse } from './views.js';

/**
 * Where the app writes unexpected errors. `console` is one; so is any
 * logger with an `error(message, error)` method.
 */
export interface Logger {
  /**
   * Logs an error.
   *
   * @param message - one line: what failed, for which request.
   * @param error - the error, with its stack.
   */
  error(message: string, error: unknown): void;
}

/** The logger, the debug flag and the handlers that answer errors for one app of a tree. */
export class ErrorScope {
  /** The registries to search, the owning app's first. */
  readonly registries: readonly ErrorHandlers[];
  /** Where unexpected errors are logged. */
  readonly logger: Logger;
  /** Whether default 500 pages show the stack. */
  readonly debug: boolean;

  /**
   * @param registries - the owning app's handlers, then its parents', up to the app served.
   * @param logger - the served app's logger.
   * @param debug - the served app's debug flag.
   */
  constructor(registries: readonly ErrorHandlers[], logger: Logger, debug: boolean) {
    this.registries = registries.filter((registry) => !registry.empty);
    this.logger = logger;
    this.debug = debug;
  }

  /**
   * Answers `error`, thrown while serving `request`. A client that left is
   * not an error to answer: its `ClientDisconnectedError` is thrown again.
   * An error the handlers did not expect (anything but an `HTTPError` below
   * 500, or an error whose class has a handler) is logged with its stack. A
   * handler that throws is logged and gives the default 500; one that throws
   * an `HTTPError` gives that error's default response.
   *
   * A handler's `Response` is sent as it is; anything else it returns is
   * turned into a response with the error's status (500 for an error that
   * is not an `HTTPError`) and the error's headers (such as `allow`).
   *
   * @param error - what was thrown.
   * @param request - the request being served.
   * @returns the response to send.
   */
  async handle(error: unknown, request: Request): Promise<Response> {
    if (isClientDisconnected(error)) throw error;
    for (const registry of this.registries) {
      const found = registry.find(error);
      if (found === null) continue;
      if (found.by !== 'class') this.report(error, request);
      try {
        return withErrorStatus(await found.handler(error, request), error);
      } catch (failure) {
        if (isClientDisconnected(failure)) throw failure;
        // Rethrowing an HTTPError is a way to answer; anything else is a bug in the handler.
        if (!isHTTPError(failure) || failure.status >= 500) {
          this.logger.error(
            `echonext: the error handler for ${request.method} ${request.path} threw`,
            failure,
          );
        }
        return errorResponse(failure, request.scope.headers, this.debug);
      }
    }
    this.report(error, request);
    return errorResponse(error, request.scope.headers, this.debug);
  }

  /** Logs `error` unless it is an answer: an `HTTPError` below 500, or one without a cause. */
  report(error: unknown, request: Request): void {
    if (isHTTPError(error) && (error.status < 500 || error.cause === undefined)) return;
    this.logger.error(`echonext: ${request.method} ${request.path} failed`, error);
  }
}

/** A handler's result as a response; a result that is not a `Response` keeps the error's status. */
function withErrorStatus(value: unknown, error: unknown): Response {
  if (value instanceof Response) return value;
  const response = toResponse(value);
  if (isHTTPError(error)) {
    response.status = error.status;
    for (const [name, field] of error.headers) {
      if (!response.hasHeader(name)) response.headers.push([name, field]);
    }
  } else {
    response.status = 500;
  }
  return response;
}
