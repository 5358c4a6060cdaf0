/**
 * Conversions between TSGI header lists and the fetch `Headers` class.
 *
 * `Headers` does not keep the order fields arrived in: it iterates sorted by
 * name and joins duplicates with `", "`, except `set-cookie`, whose values stay
 * apart. These helpers keep what `Headers` still knows.
 *
 * @module
 */

import type { HeaderList } from '../types.js';

// A cookie-name (an RFC 9110 token) followed by "=": the start of a new cookie-pair.
const cookiePairStart = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=/;

/**
 * Rejoins a `cookie` value that a fetch runtime merged from several fields with
 * `", "` into the `"; "` form of one field (HTTP-SCOPE-12).
 *
 * Cookie values may not contain a comma (RFC 6265), but clients still send
 * some that do, such as dates; a comma only counts as a field boundary when a
 * `name=` follows it.
 *
 * @param value - the `cookie` value as `Headers` gives it.
 * @returns the value with cookie-pairs separated by `"; "`.
 */
export function joinCookieFields(value: string): string {
  if (value.indexOf(',') === -1) return value;
  const parts = value.split(',');
  let joined = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const trimmed = part.trimStart();
    joined += cookiePairStart.test(trimmed) ? `; ${trimmed}` : `,${part}`;
  }
  return joined;
}

/**
 * Reads a `Headers` object into a TSGI header list: lowercase names, in the
 * order `Headers` iterates, and each `set-cookie` value as its own pair
 * (HTTP-RESP-12).
 *
 * @param headers - the fetch headers.
 * @param joinCookies - rewrite a merged `cookie` value with {@link joinCookieFields}; for request headers.
 * @returns a new header list.
 */
export function headerListFromHeaders(headers: Headers, joinCookies: boolean): HeaderList {
  const list: HeaderList = [];
  let setCookieDone = false;
  for (const [name, value] of headers) {
    if (name === 'set-cookie') {
      // Runtimes older than `getSetCookie()` iterate set-cookie values joined
      // into one; where it exists it is the one reliable source, read once.
      if (setCookieDone) continue;
      if (typeof headers.getSetCookie === 'function') {
        setCookieDone = true;
        for (const cookie of headers.getSetCookie()) list.push(['set-cookie', cookie]);
        continue;
      }
    } else if (joinCookies && name === 'cookie') {
      list.push([name, joinCookieFields(value)]);
      continue;
    }
    list.push([name, value]);
  }
  return list;
}

/**
 * Builds a `Headers` object from a TSGI header list, appending every pair, so
 * duplicates and each `set-cookie` are kept.
 *
 * @param list - the header pairs, or `undefined` for none.
 * @returns a new `Headers`.
 * @throws TypeError when a name or value is not valid in HTTP.
 */
export function headersFromList(list: HeaderList | undefined): Headers {
  const headers = new Headers();
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const pair = list[i]!;
      headers.append(pair[0], pair[1]);
    }
  }
  return headers;
}
