/**
 * Checks of header lists, shared by the protocol machines and the scope checks.
 *
 * Headers are `[name, value]` string pairs. The rules differ a little by
 * direction (a response value may hold any text but CR, LF and NUL; a request
 * value is Latin-1 without surrounding whitespace), so this module offers the
 * character tests and one checker for the response direction, and leaves the
 * request direction to the scope checks. Header checks run for every
 * response: names, which are short, are tested over char codes with a lookup
 * table; values with a regular expression, which scans faster than a loop
 * once a value has more than a few characters; and the checker remembers the
 * names and values that passed, since most are literals sent again and again.
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

/** CR, LF or NUL: the characters that could split a message. */
const UNSAFE_VALUE_CHAR = /[\r\n\0]/;

/** Tells whether a header value is free of CR, LF and NUL, the characters that could split a message. */
export function isSafeFieldValue(text: string): boolean {
  // A regular expression scans faster than a loop over char codes once a
  // value has more than a few characters, and most values do.
  return !UNSAFE_VALUE_CHAR.test(text);
}

/**
 * A bounded set of strings that passed a check. Applications send the same
 * header names and values again and again, most of them literals, and a set
 * lookup costs a fraction of a scan of every character; a string is
 * immutable, so finding it proves it passed. Only short strings are kept, and
 * the set starts over when full, so that it holds at most a few hundred KiB
 * and adapts when the strings in use change.
 */
class CheckedStrings {
  readonly #set = new Set<string>();
  readonly #capacity: number;

  /** @param capacity - how many strings to keep before starting over. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Whether `text` passed the check before. */
  has(text: string): boolean {
    return this.#set.has(text);
  }

  /** Notes that `text` passed the check. */
  add(text: string): void {
    if (text.length > MAX_CHECKED_LENGTH) return;
    const set = this.#set;
    if (set.size >= this.#capacity) set.clear();
    set.add(text);
  }
}

/** The longest string a {@link CheckedStrings} keeps. */
const MAX_CHECKED_LENGTH = 256;

/** Response header names known to be lowercase tokens. */
const CHECKED_NAMES = new CheckedStrings(512);
/** Response header values known to be free of CR, LF and NUL. */
const CHECKED_VALUES = new CheckedStrings(1024);

function isCheckedName(name: unknown): boolean {
  if (typeof name !== 'string') return false;
  if (CHECKED_NAMES.has(name)) return true;
  if (!isLowercaseToken(name)) return false;
  CHECKED_NAMES.add(name);
  return true;
}

function isCheckedValue(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  if (CHECKED_VALUES.has(text)) return true;
  if (!isSafeFieldValue(text)) return false;
  CHECKED_VALUES.add(text);
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
    if (!isCheckedName(name)) {
      throw new ProtocolError(
        requirement,
        `${what}[${i}] name`,
        'a lowercase token',
        describeValue(name),
      );
    }
    if (!isCheckedValue(text)) {
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
