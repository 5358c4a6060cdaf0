/**
 * `application/x-www-form-urlencoded`: the syntax of query strings and of
 * simple form bodies, parsed as browsers do (WHATWG URL): `&` separates pairs,
 * `+` is a space, percent escapes are UTF-8 bytes, and a malformed escape is
 * kept as written rather than rejected.
 *
 * @module
 */

import { MultiDict } from './multidict.js';

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Decodes escapes byte by byte; invalid UTF-8 becomes U+FFFD instead of throwing. */
function decodeLenient(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 37 && i + 2 < text.length) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high !== -1 && low !== -1) {
        bytes.push(high * 16 + low);
        i += 2;
        continue;
      }
    }
    if (code < 0x80) {
      bytes.push(code);
    } else {
      // Characters outside ASCII arrive unescaped only from lax clients; keep them as UTF-8.
      const end = code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1;
      for (const byte of encoder.encode(text.slice(i, end))) bytes.push(byte);
      i = end - 1;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

/**
 * Decodes one name or value: `+` to space, then percent escapes as UTF-8.
 *
 * @param text - the raw component.
 */
export function decodeComponent(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return decodeLenient(spaced);
  }
}

/**
 * Parses urlencoded text into `[name, value]` pairs, in order. Empty pieces
 * (`a=1&&b=2`) are skipped; a piece without `=` is a name with an empty value.
 *
 * @param text - a query string (without `?`) or a form body.
 */
export function parseUrlEncoded(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (text === '') return pairs;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq === -1 || eq > end) {
        pairs.push([decodeComponent(text.slice(start, end)), '']);
      } else {
        pairs.push([
          decodeComponent(text.slice(start, eq)),
          decodeComponent(text.slice(eq + 1, end)),
        ]);
      }
    }
    start = end + 1;
  }
  return pairs;
}

/**
 * The query parameters of a request: a read-only multi-value map parsed from
 * the raw query string.
 *
 * ```ts
 * // ?tag=a&tag=b&q=hello+world
 * query.get('q');       // 'hello world'
 * query.getAll('tag');  // ['a', 'b']
 * ```
 */
export class QueryParams extends MultiDict<string> {
  /** @param queryString - the raw query string, without `?`. */
  constructor(queryString: string) {
    super(parseUrlEncoded(queryString));
  }
}
