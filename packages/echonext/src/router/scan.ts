/**
 * The text checks of the built-in converters, written as character scans:
 * they run on every candidate segment of a lookup, where a regular
 * expression would cost more. Each reads `text` from `start` to `end`, so
 * that the router can check a segment without cutting it out of the path.
 *
 * @module
 */

const MAX_SAFE_DIGITS = 16;
const CHAR_0 = 48;
const CHAR_9 = 57;

/**
 * Tells whether `text` from `start` to `end` is a non-negative decimal in
 * canonical form: no sign, no leading zero, at most 2^53 - 1 (`int`).
 */
export function isCanonicalUintAt(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length <= 0 || length > MAX_SAFE_DIGITS) return false;
  if (text.charCodeAt(start) === CHAR_0) return length === 1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) return false;
  }
  return length < MAX_SAFE_DIGITS || Number(text.slice(start, end)) <= Number.MAX_SAFE_INTEGER;
}

/** {@link isCanonicalUintAt} on the whole of `text`. */
export function isCanonicalUint(text: string): boolean {
  return isCanonicalUintAt(text, 0, text.length);
}

function isHex(c: number): boolean {
  return (c >= CHAR_0 && c <= CHAR_9) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Tells whether `text` from `start` to `end` is a UUID in 8-4-4-4-12 hexadecimal form (`uuid`). */
export function isUuidAt(text: string, start: number, end: number): boolean {
  if (end - start !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) {
      return false;
    }
  }
  return true;
}

/** {@link isUuidAt} on the whole of `text`. */
export function isUuid(text: string): boolean {
  return isUuidAt(text, 0, text.length);
}

/** Skips decimal digits from `i`; returns where they stop. */
function skipDigits(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) break;
    i++;
  }
  return i;
}

/** The float syntax in `text` from `start` to `end`: `-?D+(.D+)?([eE][+-]?D+)?`, `D` a digit. */
function isFloatSyntaxAt(text: string, start: number, end: number): boolean {
  let i = start;
  if (i < end && text.charCodeAt(i) === 45) i++;
  let next = skipDigits(text, i, end);
  if (next === i) return false;
  i = next;
  if (i < end && text.charCodeAt(i) === 46) {
    next = skipDigits(text, i + 1, end);
    if (next === i + 1) return false;
    i = next;
  }
  if (i < end) {
    const e = text.charCodeAt(i);
    if (e !== 101 && e !== 69) return false;
    i++;
    if (i < end) {
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
    }
    next = skipDigits(text, i, end);
    if (next === i) return false;
    i = next;
  }
  return i === end;
}

/**
 * Tells whether `text` from `start` to `end` is a decimal number whose value
 * is finite (`float`): the float syntax, and no overflow such as `1e999`.
 */
export function isFloatAt(text: string, start: number, end: number): boolean {
  return isFloatSyntaxAt(text, start, end) && Number.isFinite(Number(text.slice(start, end)));
}
