/**
 * Headers as TSGI carries them: a list of `[name, value]` pairs with lowercase
 * names, order and duplicates kept. This module reads and edits such lists in
 * place, and offers {@link HeadersView}, a case-insensitive multi-value view
 * over one, so that neither side of the framework copies headers into another
 * structure.
 *
 * @module
 */

import type { HeaderList, HeaderPair } from 'tsgi';
import { UsageError, UsageErrorCode } from './usage-error.js';

/**
 * Headers as an application may write them: a pair list, or a record whose
 * values are a string or a list of strings (one header each). Names may be in
 * any case; they are lowercased.
 */
export type HeadersInit =
  | readonly (readonly [name: string, value: string])[]
  | Readonly<Record<string, string | readonly string[]>>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Values reach the wire as Latin-1 text: CR, LF and NUL would split or end the field.
const UNSAFE_VALUE = /[\r\n\0]/;

/**
 * Returns `name` lowercased after checking that it is an RFC 9110 token
 * (HTTP-RESP-3).
 *
 * @throws {@link UsageError} `INVALID_HEADER` when it is not a token.
 */
export function checkHeaderName(name: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new UsageError(
      UsageErrorCode.INVALID_HEADER,
      `header name ${JSON.stringify(name)} is not a token (letters, digits and !#$%&'*+-.^_\`|~)`,
    );
  }
  return name.toLowerCase();
}

/**
 * Returns `value` after checking that it is a string without CR, LF or NUL
 * (HTTP-RESP-3), the characters that would let it split the response.
 *
 * @throws {@link UsageError} `INVALID_HEADER` otherwise.
 */
export function checkHeaderValue(name: string, value: string): string {
  if (typeof value !== 'string' || UNSAFE_VALUE.test(value)) {
    throw new UsageError(
      UsageErrorCode.INVALID_HEADER,
      `header ${JSON.stringify(name)}: the value must be a string without CR, LF or NUL`,
    );
  }
  return value;
}

/**
 * Builds a checked header list with lowercase names from what an application
 * wrote. The result is a new list; `init` is not changed.
 *
 * @throws {@link UsageError} `INVALID_HEADER` for a bad name or value.
 */
export function normalizeHeaders(init: HeadersInit | undefined): HeaderList {
  const list: HeaderList = [];
  if (init === undefined) return list;
  if (Array.isArray(init)) {
    for (const pair of init as readonly (readonly [string, string])[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new UsageError(
          UsageErrorCode.INVALID_HEADER,
          'headers must be [name, value] pairs or a record of names to values',
        );
      }
      const name = checkHeaderName(pair[0]);
      list.push([name, checkHeaderValue(name, pair[1])]);
    }
    return list;
  }
  for (const [key, value] of Object.entries(init as Record<string, string | readonly string[]>)) {
    const name = checkHeaderName(key);
    if (Array.isArray(value)) {
      for (const item of value as readonly string[])
        list.push([name, checkHeaderValue(name, item)]);
    } else {
      list.push([name, checkHeaderValue(name, value as string)]);
    }
  }
  return list;
}

/** The separator for joining repeated fields; `cookie` is the one field joined with `; `. */
function separatorOf(name: string): string {
  return name === 'cookie' ? '; ' : ', ';
}

/**
 * Every value of `name` in `list`, in order.
 *
 * @param list - the header list.
 * @param name - the header name, in any case.
 */
export function headerValues(list: HeaderList, name: string): string[] {
  const key = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const pair = list[i] as HeaderPair;
    if (pair[0] === key) values.push(pair[1]);
  }
  return values;
}

/**
 * The value of `name` in `list`: the only value, or every value joined with
 * `, ` (`; ` for `cookie`) as HTTP allows for repeated fields; `undefined`
 * when absent. Use {@link headerValues} for `set-cookie`, whose values cannot
 * be joined.
 *
 * @param list - the header list.
 * @param name - the header name, in any case.
 */
export function headerValue(list: HeaderList, name: string): string | undefined {
  const key = name.toLowerCase();
  let found: string | undefined;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i] as HeaderPair;
    if (pair[0] !== key) continue;
    found = found === undefined ? pair[1] : found + separatorOf(key) + pair[1];
  }
  return found;
}

/** Tells whether `list` holds a header `name` (any case). */
export function hasHeader(list: HeaderList, name: string): boolean {
  const key = name.toLowerCase();
  for (let i = 0; i < list.length; i++) if ((list[i] as HeaderPair)[0] === key) return true;
  return false;
}

/**
 * Removes every `name` header from `list`, in place.
 *
 * @returns whether any was removed.
 */
export function deleteHeader(list: HeaderList, name: string): boolean {
  const key = name.toLowerCase();
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i] as HeaderPair;
    if (pair[0] !== key) list[kept++] = pair;
  }
  const removed = kept !== list.length;
  list.length = kept;
  return removed;
}

/**
 * Sets `name` to the single `value`, in place: the first existing `name`
 * header keeps its position and takes the value, the others are removed; a
 * new header goes to the end.
 *
 * @throws {@link UsageError} `INVALID_HEADER` for a bad name or value.
 */
export function setHeader(list: HeaderList, name: string, value: string): void {
  const key = checkHeaderName(name);
  checkHeaderValue(key, value);
  let kept = 0;
  let placed = false;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i] as HeaderPair;
    if (pair[0] !== key) list[kept++] = pair;
    else if (!placed) {
      list[kept++] = [key, value];
      placed = true;
    }
  }
  list.length = kept;
  if (!placed) list.push([key, value]);
}

/**
 * Adds a `name: value` header at the end of `list`, keeping existing ones.
 *
 * @throws {@link UsageError} `INVALID_HEADER` for a bad name or value.
 */
export function appendHeader(list: HeaderList, name: string, value: string): void {
  const key = checkHeaderName(name);
  list.push([key, checkHeaderValue(key, value)]);
}

/**
 * A read-only, case-insensitive, multi-value view over a TSGI header list. It
 * keeps a reference to the list (no copy) and looks names up by a linear scan,
 * which for the dozen or so headers of a request beats building an index.
 *
 * ```ts
 * const headers = new HeadersView(scope.headers);
 * headers.get('Accept');      // 'text/html, application/json' (repeated fields joined)
 * headers.getAll('x-tag');    // ['a', 'b']
 * ```
 */
export class HeadersView implements Iterable<HeaderPair> {
  /** The underlying list, as TSGI gave it. */
  readonly raw: HeaderList;

  /** @param list - a TSGI header list with lowercase names (HTTP-SCOPE-10). */
  constructor(list: HeaderList) {
    this.raw = list;
  }

  /** The value of `name`, repeated fields joined as in {@link headerValue}; `undefined` when absent. */
  get(name: string): string | undefined {
    return headerValue(this.raw, name);
  }

  /** Every value of `name`, in order; empty when absent. */
  getAll(name: string): string[] {
    return headerValues(this.raw, name);
  }

  /** Tells whether a `name` header is present. */
  has(name: string): boolean {
    return hasHeader(this.raw, name);
  }

  /** How many header fields there are, repeats counted. */
  get size(): number {
    return this.raw.length;
  }

  /** The distinct names, lowercase, in order of first appearance. */
  keys(): string[] {
    const seen = new Set<string>();
    for (const pair of this.raw) seen.add(pair[0]);
    return [...seen];
  }

  /** Every `[name, value]` field in order, repeats kept. */
  entries(): IterableIterator<HeaderPair> {
    return this.raw[Symbol.iterator]();
  }

  /** Same as {@link HeadersView.entries}. */
  [Symbol.iterator](): IterableIterator<HeaderPair> {
    return this.raw[Symbol.iterator]();
  }

  /** A record of every name to its joined value, for logging and debugging. */
  toJSON(): Record<string, string> {
    const record: Record<string, string> = Object.create(null);
    for (const name of this.keys()) record[name] = headerValue(this.raw, name) as string;
    return record;
  }
}
