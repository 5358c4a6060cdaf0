/**
 * The errors the router throws. Registration problems surface when a route is
 * added, never on the first request that would have hit it.
 *
 * @module
 */

import { TsgiError } from 'tsgi';

/** The stable codes of every error the router throws. Match on these, never on messages. */
export const RouterErrorCode = {
  /** A pattern does not parse: braces, names, converters, `path` placement, empty segments. */
  BAD_PATTERN: 'ERR_ECHONEXT_BAD_PATTERN',
  /** The same pattern (same shape and parameter names) is registered twice for one method. */
  DUPLICATE_ROUTE: 'ERR_ECHONEXT_DUPLICATE_ROUTE',
  /** Two patterns would match the same paths with the same priority for one method. */
  AMBIGUOUS_ROUTE: 'ERR_ECHONEXT_AMBIGUOUS_ROUTE',
  /** A route name is already given to another pattern. */
  DUPLICATE_NAME: 'ERR_ECHONEXT_DUPLICATE_ROUTE_NAME',
  /** A method is not an uppercase token such as `GET` or `PURGE`. */
  BAD_METHOD: 'ERR_ECHONEXT_BAD_METHOD',
  /** A converter definition is malformed, or its name is already taken. */
  BAD_CONVERTER: 'ERR_ECHONEXT_BAD_CONVERTER',
  /** `urlFor` was given a name no route carries. */
  UNKNOWN_ROUTE_NAME: 'ERR_ECHONEXT_UNKNOWN_ROUTE_NAME',
  /** `urlFor` was given a missing, unexpected or unformattable parameter. */
  BAD_PARAM: 'ERR_ECHONEXT_BAD_ROUTE_PARAM',
  /** An option given to the router is wrong. */
  INVALID_ARGUMENT: 'ERR_ECHONEXT_INVALID_ARGUMENT',
} as const;

/** One of the values of {@link RouterErrorCode}. */
export type RouterErrorCodeValue = (typeof RouterErrorCode)[keyof typeof RouterErrorCode];

/**
 * Thrown by the router. Conflicts between two routes carry both patterns, in
 * the message and in {@link RouterError.pattern} and {@link RouterError.conflictsWith}.
 */
export class RouterError extends TsgiError {
  /** A stable code from {@link RouterErrorCode}. */
  declare readonly code: RouterErrorCodeValue;
  /** The pattern being registered or built, when the error concerns one. */
  readonly pattern: string | undefined;
  /** The already registered pattern this one collides with, for conflicts. */
  readonly conflictsWith: string | undefined;

  /**
   * @param code - the stable code.
   * @param message - one readable line.
   * @param details - the patterns involved and the underlying cause, if any.
   */
  constructor(
    code: RouterErrorCodeValue,
    message: string,
    details: { pattern?: string; conflictsWith?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.pattern = details.pattern;
    this.conflictsWith = details.conflictsWith;
  }
}
