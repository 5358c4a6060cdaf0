/**
 * Parsers for the values proxies send about the original request: the RFC 7239
 * `Forwarded` header, node identifiers (`for=`, `X-Forwarded-For` entries) and
 * host names. They never throw: a client can send anything, so a malformed
 * value comes back as `null`.
 *
 * @module
 */

import { isIP } from 'node:net';
import { ipv4Word } from './ip-matcher.js';

/**
 * The parameters one proxy added in one element of a `Forwarded` header
 * (RFC 7239 section 4), unquoted. Parameters the RFC does not define are
 * checked for syntax and then dropped.
 */
export interface ForwardedElement {
  /** The client of the proxy that added this element (`for=`). */
  for?: string;
  /** The interface where that proxy received the request (`by=`). */
  by?: string;
  /** The `Host` header that proxy received (`host=`). */
  host?: string;
  /** The scheme of the request that proxy received (`proto=`). */
  proto?: string;
}

/**
 * A node identifier (RFC 7239 section 6), one of:
 *
 * - `{ kind: 'ip', host, port }`: an IP address (IPv6 without brackets) and
 *   the port, `null` when the proxy gave none or an obfuscated one;
 * - `{ kind: 'unknown' }`: the proxy does not know the node;
 * - `{ kind: 'obfuscated' }`: the proxy hides it behind an `_identifier`.
 */
export type ForwardedNode = ForwardedAddress | { kind: 'unknown' } | { kind: 'obfuscated' };

/** A node identifier that names an IP address. */
export interface ForwardedAddress {
  /** Tells this kind of node apart. */
  kind: 'ip';
  /** The IPv4 or IPv6 address, without brackets. */
  host: string;
  /** The port, or `null` when the proxy gave none or an obfuscated one. */
  port: number | null;
}

/**
 * Parses one `Forwarded` field value: comma-separated elements of
 * semicolon-separated `name=value` pairs, values a token or a quoted string,
 * names case-insensitive. Empty elements and pairs are skipped, as the list
 * rule of RFC 9110 asks. Whitespace is allowed around `,` and `;`.
 *
 * @param value - one field line.
 * @returns the elements in order, or `null` when the value breaks the
 * grammar or an element names a parameter twice (RFC 7239 section 4).
 */
export function parseForwarded(value: string): ForwardedElement[] | null {
  const elements: ForwardedElement[] = [];
  const length = value.length;
  let i = 0;
  let element: ForwardedElement = {};
  let pairs = 0;
  let extensions: string[] | undefined;
  for (;;) {
    i = skipSpace(value, i);
    if (i < length && isTokenChar(value.charCodeAt(i))) {
      const nameStart = i;
      while (i < length && isTokenChar(value.charCodeAt(i))) i++;
      const name = value.slice(nameStart, i).toLowerCase();
      if (value.charCodeAt(i) !== 0x3d) return null; // "="
      i++;
      let text: string;
      if (value.charCodeAt(i) === 0x22) {
        const end = readQuoted(value, i);
        if (end === -1) return null;
        text = unquote(value, i, end);
        i = end;
      } else {
        const start = i;
        while (i < length && isTokenChar(value.charCodeAt(i))) i++;
        if (i === start) return null;
        text = value.slice(start, i);
      }
      if (name === 'for' || name === 'by' || name === 'host' || name === 'proto') {
        if (element[name] !== undefined) return null;
        element[name] = text;
      } else {
        extensions ??= [];
        if (extensions.includes(name)) return null;
        extensions.push(name);
      }
      pairs++;
      i = skipSpace(value, i);
    }
    if (i >= length) break;
    const c = value.charCodeAt(i);
    if (c === 0x3b) {
      i++; // ";": the next pair of this element
    } else if (c === 0x2c) {
      i++; // ",": the next element
      if (pairs > 0) elements.push(element);
      element = {};
      pairs = 0;
      extensions = undefined;
    } else {
      return null;
    }
  }
  if (pairs > 0) elements.push(element);
  return elements;
}

/**
 * Parses a node identifier: an IPv4 address, an IPv6 address in brackets, the
 * word `unknown` or an obfuscated identifier (`_` then letters, digits, `.`,
 * `_`, `-`), each optionally followed by `:` and a port (digits, or an
 * obfuscated `_` identifier). An IPv6 address without brackets is accepted
 * too when it is the whole value, as `X-Forwarded-For` writes it. Zones
 * (`%eth0`) are not part of the grammar and are refused.
 *
 * @param text - the unquoted `for=` value or one `X-Forwarded-For` entry.
 * @returns the node, or `null` when `text` is not a node identifier.
 */
export function parseNode(text: string): ForwardedNode | null {
  let name: string;
  let portText: string | undefined;
  if (text.charCodeAt(0) === 0x5b) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const address = text.slice(1, close);
    if (isIP(address) !== 6 || address.includes('%')) return null;
    if (close + 1 < text.length) {
      if (text.charCodeAt(close + 1) !== 0x3a) return null;
      portText = text.slice(close + 2);
    }
    name = address;
  } else {
    const colon = text.indexOf(':');
    if (colon !== -1 && text.indexOf(':', colon + 1) !== -1) {
      // Two colons or more: only a bare IPv6 address, as X-Forwarded-For writes it.
      if (isIP(text) !== 6 || text.includes('%')) return null;
      return { kind: 'ip', host: text, port: null };
    }
    if (colon === -1) {
      name = text;
    } else {
      name = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  let port: number | null = null;
  if (portText !== undefined) {
    if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
    else if (!OBFUSCATED.test(portText)) return null;
  }
  if (text.charCodeAt(0) === 0x5b || ipv4Word(name) !== null)
    return { kind: 'ip', host: name, port };
  if (name.length === 7 && name.toLowerCase() === 'unknown') return { kind: 'unknown' };
  if (OBFUSCATED.test(name)) return { kind: 'obfuscated' };
  return null;
}

const OBFUSCATED = /^_[A-Za-z0-9._-]+$/;

// A host name (letters, digits, "-", ".", "_"), an IPv4 address or a bracketed
// IPv6 address, then an optional port. Stricter than RFC 3986 reg-name on
// purpose: the value ends up in the scope's host header, and apps build URLs
// from it.
const HOST = /^(?:[A-Za-z0-9._-]+|\[([0-9A-Fa-f:.]+)\])(?::(\d{1,5}))?$/;

/**
 * Tells whether `text` is a usable `Host` value: a name of letters, digits,
 * `-`, `.` and `_`, an IPv4 address or a bracketed IPv6 address, with an
 * optional port up to 65535.
 *
 * @param text - the candidate, such as an `X-Forwarded-Host` entry or a `host=` value.
 */
export function isValidHost(text: string): boolean {
  const match = HOST.exec(text);
  if (match === null) return false;
  if (match[1] !== undefined && isIP(match[1]) !== 6) return false;
  return match[2] === undefined || Number(match[2]) <= 65535;
}

/** Removes the port from a host value that {@link isValidHost} accepted. */
export function hostName(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon === -1 || host.lastIndexOf(']') > colon) return host;
  return host.slice(0, colon);
}

function skipSpace(value: string, i: number): number {
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Returns the index just past the closing quote of the quoted string at `start`, or -1. */
function readQuoted(value: string, start: number): number {
  for (let i = start + 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      // quoted-pair: "\" then HTAB, SP, VCHAR or obs-text
      i++;
      const next = value.charCodeAt(i);
      if (!(next === 0x09 || (next >= 0x20 && next !== 0x7f && next <= 0xff))) return -1;
    } else if (!(c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff))) {
      return -1;
    }
  }
  return -1;
}

/** The text of the quoted string spanning `start` to `end` (exclusive), escapes resolved. */
function unquote(value: string, start: number, end: number): string {
  const inner = value.slice(start + 1, end - 1);
  return inner.includes('\\') ? inner.replace(/\\(.)/gs, '$1') : inner;
}

// tchar of RFC 9110: ALPHA, DIGIT and !#$%&'*+-.^_`|~
function isTokenChar(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) {
    return true;
  }
  switch (c) {
    case 0x21:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0x27:
    case 0x2a:
    case 0x2b:
    case 0x2d:
    case 0x2e:
    case 0x5e:
    case 0x5f:
    case 0x60:
    case 0x7c:
    case 0x7e:
      return true;
    default:
      return false;
  }
}
