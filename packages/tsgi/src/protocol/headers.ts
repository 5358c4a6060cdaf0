/**
 * Checks of header lists, shared by the protocol machines and the scope checks.
 *
 * Headers are `[name, value]` string pairs. The rules differ a little by
 * direction (a response value may hold any text but CR, LF and NUL; a request
 * value is Latin-1 without surrounding whitespace), so this module offers the
 * character tests and one checker for the response direction, and leaves the
 * request direction to the scope checks. The tests run over char codes with a
 * lookup table instead of regular expressions: header checks run for every
 * response, and a table lookup per character is the cheapest honest check.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { HeaderList } from '../types.js';

/** 1 for the characters of an RFC 9110 token, 2 for its uppercase letters. */
const TOKEN_CHARS = /* @__PURE__ */ (() => {
  const table = new Uint8Array(128);
  const mark = (chars: string, value: number) => {
    for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = value;
  };
  mark("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz", 1);
  mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2);
  return table;
})();

/**
 * Tells whether `text` is a non-empty RFC 9110 token (the grammar of method
 * and header names).
 */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return false;
  }
  return true;
}

/** Tells whether `text` is a non-empty token without uppercase letters: a TSGI header name. */
export function isLowercaseToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TOKEN_CHARS[code] !== 1) return false;
  }
  return true;
}

/** Tells whether a header value is free of CR, LF and NUL, the characters that could split a message. */
export function isSafeFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 13 || code === 10 || code === 0) return false;
  }
  return true;
}

/**
 * Checks a header list an application sends (HTTP-RESP-3): an array of
 * `[name, value]` string pairs, names lowercase tokens, values without CR, LF
 * or NUL.
 *
 * @param value - the list as the application gave it.
 * @param requirement - the ID to cite, normally `HTTP-RESP-3`.
 * @param what - the field, such as `http.response.start headers`.
 * @returns the same list, typed.
 * @throws ProtocolError naming the first bad entry.
 */
export function checkHeaderList(value: unknown, requirement: string, what: string): HeaderList {
  if (!Array.isArray(value)) {
    throw new ProtocolError(
      requirement,
      what,
      'an array of [name, value] pairs',
      describeValue(value),
    );
  }
  for (let i = 0; i < value.length; i++) {
    const pair: unknown = value[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ProtocolError(
        requirement,
        `${what}[${i}]`,
        'a [name, value] pair',
        describeValue(pair),
      );
    }
    const name: unknown = pair[0];
    const text: unknown = pair[1];
    if (typeof name !== 'string' || !isLowercaseToken(name)) {
      throw new ProtocolError(
        requirement,
        `${what}[${i}] name`,
        'a lowercase token',
        describeValue(name),
      );
    }
    if (typeof text !== 'string' || !isSafeFieldValue(text)) {
      throw new ProtocolError(
        requirement,
        `${what}[${i}] (${name}) value`,
        'a string without CR, LF or NUL',
        describeValue(text),
      );
    }
  }
  return value as HeaderList;
}

/**
 * The values of every header called `name` (lowercase), in order. Used for the
 * few fields the machines must read (`content-length`, `expect`, `te`).
 */
export function headerValues(headers: HeaderList, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    if (pair[0] === name) values.push(pair[1]);
  }
  return values;
}

/**
 * Reads a `content-length` from a header list: `null` when there is none, the
 * length when every `content-length` field holds the same run of decimal
 * digits, and `NaN` when the fields are malformed or disagree, so that the
 * caller picks the requirement to cite.
 */
export function readContentLength(headers: HeaderList): number | null {
  let length: number | null = null;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    if (pair[0] !== 'content-length') continue;
    const value = parseDecimal(pair[1]);
    if (Number.isNaN(value) || (length !== null && length !== value)) return Number.NaN;
    length = value;
  }
  return length;
}

/** Parses a non-empty run of ASCII digits that fits a safe integer; NaN otherwise. */
function parseDecimal(text: string): number {
  if (text.length === 0 || text.length > 15) return Number.NaN;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Tells whether a comma-separated header value lists `token`, compared
 * case-insensitively and ignoring parameters (`TE: trailers, deflate;q=0.5`,
 * `Expect: 100-continue`).
 */
export function listsToken(values: string[], token: string): boolean {
  for (const value of values) {
    for (const item of value.split(',')) {
      const semicolon = item.indexOf(';');
      const bare = (semicolon < 0 ? item : item.slice(0, semicolon)).trim().toLowerCase();
      if (bare === token) return true;
    }
  }
  return false;
}
