/**
 * Errors for wrong use of the request and response API: a bad header, cookie
 * or status given by the application, or a body read twice in incompatible
 * ways. These are programming errors, answered with 500 by the app layer;
 * what the client did wrong is an `HTTPError` instead.
 *
 * @module
 */

import { TsgiError } from 'tsgi';

/** The stable codes of {@link UsageError}. Match on these, never on messages. */
export const UsageErrorCode = {
  /** An option or argument has the wrong type or is out of range. */
  INVALID_ARGUMENT: 'ERR_ECHONEXT_INVALID_ARGUMENT',
  /** A header name is not a token, or a value holds CR, LF or NUL. */
  INVALID_HEADER: 'ERR_ECHONEXT_INVALID_HEADER',
  /** A cookie name is not a token, or a cookie attribute is malformed. */
  INVALID_COOKIE: 'ERR_ECHONEXT_INVALID_COOKIE',
  /** A response status is not an integer the status line can carry. */
  INVALID_STATUS: 'ERR_ECHONEXT_INVALID_STATUS',
  /** The request body was already consumed in a way that excludes this read. */
  BODY_CONSUMED: 'ERR_ECHONEXT_BODY_CONSUMED',
} as const;

/** One of the values of {@link UsageErrorCode}. */
export type UsageErrorCodeValue = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];

/** The application used the request or response API wrongly. */
export class UsageError extends TsgiError {
  /** A stable code from {@link UsageErrorCode}. */
  declare readonly code: UsageErrorCodeValue;

  /**
   * @param code - the stable code.
   * @param message - one readable line that says what to change.
   * @param options - the underlying cause, if any.
   */
  constructor(code: UsageErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
