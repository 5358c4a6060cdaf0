/**
 * Assertions for conformance cases. Each names the requirement it checks and
 * says what was expected and what was seen, so that a report reads on its own.
 *
 * @module
 */

import { isDeepStrictEqual } from 'node:util';
import { AssertionFailure } from './case.js';

/** Formats a value for a report: JSON where possible, short, on one line. */
export function show(value: unknown, limit = 240): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else if (value instanceof Uint8Array) text = `bytes ${JSON.stringify(latin1(value, 80))}`;
  else if (typeof value === 'bigint') text = `${value}n`;
  else {
    try {
      text =
        JSON.stringify(value, (_key, item: unknown) =>
          item instanceof Uint8Array ? `<${item.byteLength} bytes>` : item,
        ) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}

/** Reads bytes as Latin-1 text, one character per byte, cut at `limit` characters. */
export function latin1(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): string {
  let text = '';
  const end = Math.min(bytes.length, limit);
  for (let i = 0; i < end; i++) text += String.fromCharCode(bytes[i] as number);
  return end < bytes.length ? `${text}...` : text;
}

/** Fails the case: the target broke `requirement`. */
export function fail(requirement: string, what: string, expected: string, actual: string): never {
  throw new AssertionFailure(requirement, what, expected, actual);
}

/** Checks that `actual` deeply equals `expected`. */
export function expectEqual<T>(
  requirement: string,
  what: string,
  actual: unknown,
  expected: T,
): void {
  if (!isDeepStrictEqual(actual, expected)) fail(requirement, what, show(expected), show(actual));
}

/** Checks that `actual` is one of `choices`. */
export function expectOneOf(
  requirement: string,
  what: string,
  actual: unknown,
  choices: readonly unknown[],
): void {
  if (!choices.some((choice) => isDeepStrictEqual(actual, choice))) {
    fail(
      requirement,
      what,
      `one of ${choices.map((choice) => show(choice)).join(', ')}`,
      show(actual),
    );
  }
}

/**
 * Checks a condition. `expected` says what should hold; `actual` what was
 * seen instead (computed only on failure when given as a function).
 */
export function expectThat(
  requirement: string,
  what: string,
  condition: boolean,
  expected: string,
  actual: string | (() => string),
): void {
  if (!condition)
    fail(requirement, what, expected, typeof actual === 'function' ? actual() : actual);
}

/** Checks that a string matches a pattern. */
export function expectMatch(
  requirement: string,
  what: string,
  actual: unknown,
  pattern: RegExp,
): void {
  if (typeof actual !== 'string' || !pattern.test(actual)) {
    fail(requirement, what, `a string matching ${pattern}`, show(actual));
  }
}

/** Checks that two byte arrays hold the same bytes. */
export function expectBytes(
  requirement: string,
  what: string,
  actual: Uint8Array,
  expected: Uint8Array,
): void {
  if (!isDeepStrictEqual(new Uint8Array(actual), new Uint8Array(expected))) {
    fail(
      requirement,
      what,
      `${expected.byteLength} bytes ${show(latin1(expected, 60))}`,
      `${actual.byteLength} bytes ${show(latin1(actual, 60))}`,
    );
  }
}

/** Reads a field of an unknown value as a record, or fails naming `requirement`. */
export function expectRecord(
  requirement: string,
  what: string,
  value: unknown,
): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(requirement, what, 'an object', show(value));
  }
  return value as Record<string, unknown>;
}
