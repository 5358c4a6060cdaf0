/**
 * Request targets and paths: how a server turns the target of a request line
 * into `scope.path`, `scope.rawPath` and `scope.queryString` (spec section 3.2).
 *
 * Shared by everything that builds scopes: the reference server, the fetch
 * bridge and the test harness, so the three cannot disagree on an edge case.
 * Both functions work on strings as servers receive them, one character per
 * byte (Latin-1), and never throw on strange input that a server may accept.
 *
 * @module
 */

import { ErrorCode, TsgiError } from './errors.js';

// `ignoreBOM` keeps a decoded U+FEFF in the path: it is part of what the client asked for.
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** Any character that makes decoding necessary: an escape, or a byte above ASCII. */
const NEEDS_DECODING = /[%\u0080-\uffff]/;

/** The value of a hexadecimal digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decodes a request path as UTF-8 (HTTP-SCOPE-6).
 *
 * Every `%XX` (two hex digits, either case) becomes the byte `0xXX`, `%2F`
 * included; a `%` not followed by two hex digits stays as it is; the bytes are
 * then read as UTF-8, each invalid sequence becoming U+FFFD. Nothing else
 * changes: no dot-segment removal, no merging of slashes, `+` stays `+`.
 *
 * A character of `rawPath` stands for the byte of the same value, the way a
 * server reads a request line (Latin-1), so `"/caf\u00E9"` (the lone byte
 * `0xE9`) decodes to `"/caf\uFFFD"`. A character above U+00FF cannot come
 * from the wire; it stands for its own UTF-8 encoding.
 *
 * A path without `%` and without characters above ASCII is returned as is.
 *
 * @param rawPath - the path of a request target, without the query.
 * @returns the decoded path.
 */
export function decodePath(rawPath: string): string {
  if (!NEEDS_DECODING.test(rawPath)) return rawPath;
  const length = rawPath.length;
  // At most one byte per character, except characters above U+00FF (up to 3).
  let bytes = new Uint8Array(length);
  let write = 0;
  for (let read = 0; read < length; read++) {
    const code = rawPath.charCodeAt(read);
    if (code === 0x25 && read + 2 < length) {
      const high = hexValue(rawPath.charCodeAt(read + 1));
      const low = high === -1 ? -1 : hexValue(rawPath.charCodeAt(read + 2));
      if (low !== -1) {
        bytes[write++] = (high << 4) | low;
        read += 2;
        continue;
      }
    }
    if (code <= 0xff) {
      bytes[write++] = code;
      continue;
    }
    // Outside Latin-1: encode the whole code point (a surrogate pair included).
    const next = read + 1 < length ? rawPath.charCodeAt(read + 1) : 0;
    const end =
      code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? read + 2 : read + 1;
    const encoded = UTF8_ENCODER.encode(rawPath.slice(read, end));
    if (write + encoded.length + (length - end) > bytes.length) {
      const grown = new Uint8Array(bytes.length + encoded.length + length);
      grown.set(bytes.subarray(0, write));
      bytes = grown;
    }
    bytes.set(encoded, write);
    write += encoded.length;
    read = end - 1;
  }
  return UTF8.decode(bytes.subarray(0, write));
}

/** The form of a request target (RFC 9112 section 3.2) that TSGI can express. */
export type TargetForm = 'origin' | 'absolute' | 'asterisk';

/** A request target split into the parts a scope needs. */
export interface TargetParts {
  /** Which form the target has. */
  readonly form: TargetForm;
  /** The path exactly as received, without the query; `"/"` for an empty absolute-form path; `"*"` for asterisk-form (HTTP-SCOPE-7). */
  readonly rawPath: string;
  /** The text after the first `?`, not decoded; `""` when there is none (HTTP-SCOPE-8). */
  readonly queryString: string;
  /**
   * For an absolute-form target, its authority without any user information:
   * the value of the one `host` pair the scope must carry (HTTP-SCOPE-18).
   * `null` for the other forms.
   */
  readonly authority: string | null;
}

const ASTERISK: TargetParts = Object.freeze({
  form: 'asterisk',
  rawPath: '*',
  queryString: '',
  authority: null,
});

/**
 * Splits a request target into `rawPath` and `queryString` (HTTP-SCOPE-7,
 * HTTP-SCOPE-8).
 *
 * - origin-form `/p?q`: the path is everything before the first `?`;
 * - absolute-form `http://host/p?q`: the path after the authority, `"/"` when
 *   it is empty; the authority is returned apart;
 * - asterisk-form `*`: the path is `"*"`.
 *
 * Only the first `?` separates; an empty query gives `""`, as no query does.
 *
 * @param target - the request target as received.
 * @returns its parts.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a target of none of the
 *   three forms, such as the authority-form of `CONNECT`, which no scope can
 *   express (HTTP-SCOPE-17).
 */
export function splitTarget(target: string): TargetParts {
  const first = target.charCodeAt(0);
  if (first === 0x2f) {
    // "/": origin-form, the common case.
    const question = target.indexOf('?');
    return question === -1
      ? { form: 'origin', rawPath: target, queryString: '', authority: null }
      : {
          form: 'origin',
          rawPath: target.slice(0, question),
          queryString: target.slice(question + 1),
          authority: null,
        };
  }
  if (target === '*') return ASTERISK;
  const authorityStart = schemeEnd(target);
  if (authorityStart !== -1) {
    let end = authorityStart;
    while (end < target.length) {
      const code = target.charCodeAt(end);
      if (code === 0x2f || code === 0x3f) break; // "/" or "?"
      end++;
    }
    let authority = target.slice(authorityStart, end);
    const at = authority.lastIndexOf('@');
    if (at !== -1) authority = authority.slice(at + 1);
    const question = target.indexOf('?', end);
    const pathEnd = question === -1 ? target.length : question;
    return {
      form: 'absolute',
      rawPath: pathEnd > end ? target.slice(end, pathEnd) : '/',
      queryString: question === -1 ? '' : target.slice(question + 1),
      authority,
    };
  }
  throw new TsgiError(
    ErrorCode.INVALID_ARGUMENT,
    `[HTTP-SCOPE-17] request target: expected origin-form ("/..."), absolute-form ("http://host/...") or "*", received ${JSON.stringify(target)}`,
  );
}

/**
 * Where the authority of an absolute-form target starts: after `scheme://`,
 * the scheme being a letter followed by letters, digits, `+`, `-` or `.`.
 * Returns -1 when `target` does not start that way.
 */
function schemeEnd(target: string): number {
  const first = target.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return -1;
  for (let i = 1; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === 0x3a) {
      // ":" must be followed by "//".
      return target.startsWith('//', i + 1) ? i + 3 : -1;
    }
    const lower = code | 0x20;
    const valid =
      (lower >= 0x61 && lower <= 0x7a) ||
      (code >= 0x30 && code <= 0x39) ||
      code === 0x2b ||
      code === 0x2d ||
      code === 0x2e;
    if (!valid) return -1;
  }
  return -1;
}
