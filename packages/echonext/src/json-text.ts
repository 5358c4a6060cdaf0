/**
 * The JSON text of a response body, in one place for `json()` and for the
 * results views return.
 *
 * @module
 */

import { UsageError, UsageErrorCode } from './usage-error.js';

/**
 * The JSON text of `value`, as `json()` sends it.
 *
 * @param value - anything `JSON.stringify` turns into text.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `value` has no JSON form
 *   (`undefined`, a function); what `JSON.stringify` throws for cycles and bigints.
 */
export function jsonText(value: unknown): string {
  const body = JSON.stringify(value);
  if (body === undefined) {
    throw new UsageError(
      UsageErrorCode.INVALID_ARGUMENT,
      `json(): ${typeof value} has no JSON representation`,
    );
  }
  return body;
}
