/**
 * Cookies: parsing the request's `cookie` header, and writing `set-cookie`
 * values with safe defaults (RFC 6265 and the `SameSite`, `Partitioned` and
 * name-prefix rules browsers apply on top of it).
 *
 * Values are percent-encoded when written and decoded when read, so any
 * string survives the round trip; names must be RFC 6265 tokens.
 *
 * @module
 */

import { UsageError, UsageErrorCode } from './usage-error.js';

/** The `SameSite` attribute values. */
export type SameSite = 'lax' | 'strict' | 'none';

/** Attributes of a cookie being set. */
export interface CookieOptions {
  /** Lifetime in seconds; `0` expires the cookie now. Left out: a session cookie. */
  readonly maxAge?: number;
  /** Expiry date, for old clients; `maxAge` wins where both are understood. */
  readonly expires?: Date;
  /** The domain the cookie is sent to, subdomains included. Left out: this host only. */
  readonly domain?: string;
  /** The path prefix the cookie is sent for. Defaults to `/`. */
  readonly path?: string;
  /**
   * Send only over HTTPS. Left out: decided when the response is sent, `true`
   * when the request came over HTTPS. Always `true` for `SameSite=None` and
   * for names starting with `__Secure-` or `__Host-`, as browsers require.
   */
  readonly secure?: boolean;
  /** Hide the cookie from page scripts. Defaults to `true`. */
  readonly httpOnly?: boolean;
  /** Cross-site sending policy. Defaults to `'lax'`. */
  readonly sameSite?: SameSite;
  /** Keep the cookie in storage partitioned by the top-level site (CHIPS). Implies `secure`. */
  readonly partitioned?: boolean;
}

/** One cookie a response will set, as kept until the response is sent. */
export interface PendingCookie {
  /** The cookie name. */
  readonly name: string;
  /** The value, not yet encoded. */
  readonly value: string;
  /** The attributes as given. */
  readonly options: CookieOptions;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Domain and path values: no control characters, and no `;`, which would start a new attribute. */
function isAttributeValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x3b) return false;
  }
  return true;
}
const SAME_SITE: Readonly<Record<SameSite, string>> = {
  lax: 'Lax',
  strict: 'Strict',
  none: 'None',
};

function invalid(message: string): UsageError {
  return new UsageError(UsageErrorCode.INVALID_COOKIE, message);
}

/**
 * Checks a cookie name: an RFC 6265 token.
 *
 * @returns the name.
 * @throws {@link UsageError} `INVALID_COOKIE` otherwise.
 */
export function checkCookieName(name: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw invalid(
      `cookie name ${JSON.stringify(name)} is not a token (letters, digits and !#$%&'*+-.^_\`|~)`,
    );
  }
  return name;
}

/**
 * Checks a pending cookie's name, value and attributes, so that a mistake
 * surfaces where the cookie is set rather than when the response is sent.
 *
 * @throws {@link UsageError} `INVALID_COOKIE` for a bad name, value or attribute.
 */
export function checkCookie(name: string, value: string, options: CookieOptions): void {
  checkCookieName(name);
  if (typeof value !== 'string') throw invalid(`cookie ${name}: the value must be a string`);
  const { maxAge, expires, domain, path, sameSite } = options;
  if (maxAge !== undefined && (!Number.isFinite(maxAge) || maxAge < 0)) {
    throw invalid(`cookie ${name}: maxAge must be a non-negative number of seconds`);
  }
  if (expires !== undefined && (!(expires instanceof Date) || Number.isNaN(expires.getTime()))) {
    throw invalid(`cookie ${name}: expires must be a valid Date`);
  }
  if (domain !== undefined && (domain === '' || !isAttributeValue(domain))) {
    throw invalid(`cookie ${name}: domain must be non-empty, without ";" or control characters`);
  }
  if (path !== undefined && (!path.startsWith('/') || !isAttributeValue(path))) {
    throw invalid(`cookie ${name}: path must start with "/" and have no ";" or control characters`);
  }
  if (sameSite !== undefined && !(sameSite in SAME_SITE)) {
    throw invalid(`cookie ${name}: sameSite must be "lax", "strict" or "none"`);
  }
  const forcesSecure =
    sameSite === 'none' ||
    options.partitioned === true ||
    name.startsWith('__Secure-') ||
    name.startsWith('__Host-');
  if (forcesSecure && options.secure === false) {
    throw invalid(
      `cookie ${name}: SameSite=None, Partitioned and the __Secure-/__Host- prefixes need secure`,
    );
  }
  if (name.startsWith('__Host-') && (domain !== undefined || (path ?? '/') !== '/')) {
    throw invalid(`cookie ${name}: a __Host- cookie has no domain and the path "/"`);
  }
}

/**
 * Builds a `set-cookie` value. The value is percent-encoded; the defaults are
 * `Path=/`, `HttpOnly` and `SameSite=Lax`; `Secure` is added when
 * `options.secure` is `true` or when the cookie needs it (see
 * {@link CookieOptions.secure}).
 *
 * @param name - an RFC 6265 token.
 * @param value - any string.
 * @param options - the attributes.
 * @throws {@link UsageError} `INVALID_COOKIE` as {@link checkCookie} does.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  checkCookie(name, value, options);
  let text = `${name}=${encodeURIComponent(value)}`;
  if (options.maxAge !== undefined) text += `; Max-Age=${Math.floor(options.maxAge)}`;
  if (options.expires !== undefined) text += `; Expires=${options.expires.toUTCString()}`;
  if (options.domain !== undefined) text += `; Domain=${options.domain}`;
  text += `; Path=${options.path ?? '/'}`;
  const sameSite = options.sameSite ?? 'lax';
  const secure =
    options.secure === true ||
    sameSite === 'none' ||
    options.partitioned === true ||
    name.startsWith('__Secure-') ||
    name.startsWith('__Host-');
  if (secure) text += '; Secure';
  if (options.httpOnly !== false) text += '; HttpOnly';
  text += `; SameSite=${SAME_SITE[sameSite]}`;
  if (options.partitioned === true) text += '; Partitioned';
  return text;
}

function decodeCookieValue(raw: string): string {
  let value = raw;
  if (
    value.length >= 2 &&
    value.charCodeAt(0) === 34 &&
    value.charCodeAt(value.length - 1) === 34
  ) {
    value = value.slice(1, -1);
  }
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // A value another library wrote with a stray `%` is kept as sent rather than dropped.
    return value;
  }
}

/**
 * Parses `cookie` header values into a map of names to decoded values. When a
 * name repeats, the first value wins: browsers send the cookie with the most
 * specific path first. Pairs without `=` or with an empty name are skipped.
 *
 * @param headers - one or more `cookie` header values.
 */
export function parseCookies(headers: string | readonly string[]): Map<string, string> {
  const cookies = new Map<string, string>();
  const list = typeof headers === 'string' ? [headers] : headers;
  for (const header of list) {
    let start = 0;
    while (start < header.length) {
      let end = header.indexOf(';', start);
      if (end === -1) end = header.length;
      const eq = header.indexOf('=', start);
      if (eq !== -1 && eq < end) {
        const name = header.slice(start, eq).trim();
        if (name !== '' && !cookies.has(name)) {
          cookies.set(name, decodeCookieValue(header.slice(eq + 1, end).trim()));
        }
      }
      start = end + 1;
    }
  }
  return cookies;
}
