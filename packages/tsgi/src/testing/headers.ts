/**
 * Request headers as the harness's server reads them: from what a test wrote
 * to the `headers` of a scope, with the checks a strict server makes before a
 * request may reach the application (HTTP-CONN-3).
 *
 * @module
 */

import { isToken } from '../protocol/headers.js';
import type { HeaderList, HttpVersion } from '../types.js';
import { invalidArgument } from './errors.js';
import type { HeaderInput } from './options.js';

/** Fields HTTP/2 and HTTP/3 forbid in requests (RFC 9113 section 8.2.2). */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Reads a {@link HeaderInput} as `[name, value]` pairs, in order. */
export function inputPairs(input: HeaderInput): [string, string][] {
  const pairs: [string, string][] = [];
  if (Symbol.iterator in input) {
    for (const pair of input as Iterable<readonly [string, string]>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw invalidArgument('headers: expected [name, value] pairs');
      }
      pairs.push([pair[0], pair[1]]);
    }
    return pairs;
  }
  const record = input as Readonly<Record<string, string | readonly string[]>>;
  for (const name of Object.keys(record)) {
    const value = record[name]!;
    if (Array.isArray(value)) for (const item of value) pairs.push([name, item]);
    else pairs.push([name, value as string]);
  }
  return pairs;
}

/**
 * Trims a header value and checks that a server would accept it: Latin-1,
 * without control characters other than an inner tab (HTTP-SCOPE-15, SEC-3).
 */
function readValue(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`headers: the value of ${JSON.stringify(name)} must be a string`);
  }
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) {
    end--;
  }
  const trimmed = value.slice(start, end);
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code > 0xff) {
      throw invalidArgument(
        `[HTTP-SCOPE-15] headers: the value of ${JSON.stringify(name)} must be Latin-1 text (a server reads one character per byte); encode other text first`,
      );
    }
    if ((code < 32 && code !== 9) || code === 127) {
      throw invalidArgument(
        `[SEC-3] headers: the value of ${JSON.stringify(name)} holds a control character, which a server rejects with 400`,
      );
    }
  }
  return trimmed;
}

/**
 * Builds the scope's header list from what a test wrote: names in lowercase
 * (HTTP-SCOPE-10), values trimmed (HTTP-SCOPE-15), several cookie fields
 * joined into one (HTTP-SCOPE-12), and for HTTP/2 and HTTP/3, `:authority`
 * as `host` (HTTP-SCOPE-11). Headers that make a request malformed are refused, as a
 * server refuses the request before the application sees it (HTTP-CONN-3).
 *
 * @param input - the headers as the test wrote them.
 * @param httpVersion - the request's HTTP version.
 * @returns a new list.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a header no server would accept.
 */
export function readRequestHeaders(
  input: HeaderInput | undefined,
  httpVersion: HttpVersion,
): HeaderList {
  if (input === undefined) return [];
  const multiplexed = httpVersion === '2' || httpVersion === '3';
  const headers: HeaderList = [];
  let cookie = -1;
  for (const [rawName, rawValue] of inputPairs(input)) {
    if (typeof rawName !== 'string') throw invalidArgument('headers: a name must be a string');
    const value = readValue(rawName, rawValue);
    if (rawName.startsWith(':')) {
      if (multiplexed && rawName === ':authority') {
        headers.push([':authority', value]);
        continue;
      }
      throw invalidArgument(
        `[HTTP-SCOPE-11] headers: ${JSON.stringify(rawName)} is a pseudo-header; give the method, path and scheme as options (and :authority only for HTTP/2 and HTTP/3)`,
      );
    }
    if (!isToken(rawName)) {
      throw invalidArgument(
        `[SEC-3] headers: ${JSON.stringify(rawName)} is not a valid field name, which a server rejects with 400`,
      );
    }
    const name = rawName.toLowerCase();
    if (multiplexed) {
      if (CONNECTION_SPECIFIC.has(name) || (name === 'te' && value.toLowerCase() !== 'trailers')) {
        throw invalidArgument(
          `headers: ${JSON.stringify(name)} makes an HTTP/${httpVersion} request malformed (RFC 9113 section 8.2.2)`,
        );
      }
    }
    if (name === 'cookie') {
      if (cookie !== -1) {
        const first = headers[cookie]!;
        first[1] = `${first[1]}; ${value}`;
        continue;
      }
      cookie = headers.length;
    }
    headers.push([name, value]);
  }
  return headers;
}

/**
 * Settles the `host` field: the authority of an absolute-form target or of
 * `:authority` replaces any `host` (HTTP-SCOPE-18); otherwise HTTP/1.1 and
 * later carry exactly one (SEC-4), added as `"localhost"` when the test gave
 * none.
 *
 * @param headers - the list from {@link readRequestHeaders}; changed in place.
 * @param authority - the authority of an absolute-form target, or `null`.
 * @param httpVersion - the request's HTTP version.
 */
export function settleHost(
  headers: HeaderList,
  authority: string | null,
  httpVersion: HttpVersion,
): void {
  let named = authority;
  let hosts = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    const name = headers[i]![0];
    if (name === ':authority') {
      named ??= headers[i]![1];
      headers.splice(i, 1);
    } else if (name === 'host') {
      hosts++;
    }
  }
  if (named !== null) {
    for (let i = headers.length - 1; i >= 0; i--) {
      if (headers[i]![0] === 'host') headers.splice(i, 1);
    }
    headers.unshift(['host', named]);
    return;
  }
  if (hosts > 1) {
    throw invalidArgument(
      '[SEC-4] headers: a request with more than one host field is rejected with 400',
    );
  }
  if (hosts === 0 && httpVersion !== '1.0') headers.unshift(['host', 'localhost']);
}

/** The host name of a `host` value, without port or IPv6 brackets. */
export function hostName(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(1, close);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Joins default headers with a call's own: the call's fields come last, and
 * replace every default field of the same name (compared case-insensitively).
 */
export function mergeHeaders(
  defaults: HeaderInput | undefined,
  own: HeaderInput | undefined,
): HeaderInput | undefined {
  if (defaults === undefined) return own;
  if (own === undefined) return defaults;
  const ownPairs = inputPairs(own);
  const replaced = new Set(ownPairs.map(([name]) => String(name).toLowerCase()));
  return [
    ...inputPairs(defaults).filter(([name]) => !replaced.has(String(name).toLowerCase())),
    ...ownPairs,
  ];
}
