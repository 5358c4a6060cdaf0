/**
 * Builds the TSGI HTTP scope of a fetch `Request`.
 *
 * @module
 */

import { decodePath } from '../paths.js';
import type { Address, HttpScope, HttpVersion } from '../types.js';
import { TSGI_VERSION } from '../version.js';
import { headerListFromHeaders } from './headers.js';

/** The parts of an absolute URL string that a scope needs. */
export interface UrlParts {
  /** `"https"` for `https:` and `wss:` URLs, else `"http"`. */
  scheme: 'http' | 'https';
  /** The host without IPv6 brackets. */
  hostname: string;
  /** The explicit port, or the scheme's default. */
  port: number;
  /** The path exactly as in the URL; `"/"` when the URL has none. */
  rawPath: string;
  /** The text after the first `?`, without the fragment. */
  queryString: string;
}

/**
 * Splits an absolute URL string such as `Request.url` without building a
 * `URL` object. The string is expected to be serialized already (as
 * `Request.url` is), so no normalization happens here.
 *
 * @param url - an absolute URL.
 * @returns its parts.
 */
export function splitUrl(url: string): UrlParts {
  const colon = url.indexOf(':');
  const protocol = url.slice(0, colon).toLowerCase();
  const scheme = protocol === 'https' || protocol === 'wss' ? 'https' : 'http';
  let cursor = colon + 1;
  let hostname = '';
  let port = scheme === 'https' ? 443 : 80;
  if (url.startsWith('//', cursor)) {
    cursor += 2;
    let end = cursor;
    while (end < url.length) {
      const code = url.charCodeAt(end);
      if (code === 0x2f || code === 0x3f || code === 0x23) break; // "/", "?", "#"
      end++;
    }
    let authority = url.slice(cursor, end);
    const at = authority.lastIndexOf('@');
    if (at !== -1) authority = authority.slice(at + 1);
    const close = authority.lastIndexOf(']');
    const portColon = authority.lastIndexOf(':');
    if (portColon > close) {
      const digits = authority.slice(portColon + 1);
      if (digits !== '') port = Number(digits);
      authority = authority.slice(0, portColon);
    }
    hostname = close !== -1 && authority.startsWith('[') ? authority.slice(1, close) : authority;
    cursor = end;
  }
  let hash = url.indexOf('#', cursor);
  if (hash === -1) hash = url.length;
  let question = url.indexOf('?', cursor);
  if (question === -1 || question > hash) question = hash;
  const rawPath = question > cursor ? url.slice(cursor, question) : '/';
  const queryString = question < hash ? url.slice(question + 1, hash) : '';
  return { scheme, hostname, port, rawPath, queryString };
}

/**
 * Finds the client address in the second argument fetch servers pass their
 * handler: `{ remoteAddress, remotePort }` (Node adapters),
 * `{ remoteAddr: { hostname, port } }` (Deno.serve), or a server object with
 * `requestIP(request)` (Bun.serve).
 *
 * @param request - the request.
 * @param info - the server's second argument, if any.
 * @returns the client address, or `null` when `info` names none.
 */
export function clientFromInfo(request: Request, info: unknown): Address | null {
  if (typeof info !== 'object' || info === null) return null;
  const node = info as { remoteAddress?: unknown; remotePort?: unknown };
  if (typeof node.remoteAddress === 'string') {
    return {
      host: node.remoteAddress,
      port: typeof node.remotePort === 'number' ? node.remotePort : null,
    };
  }
  const deno = (info as { remoteAddr?: { hostname?: unknown; port?: unknown } }).remoteAddr;
  if (typeof deno === 'object' && deno !== null && typeof deno.hostname === 'string') {
    return { host: deno.hostname, port: typeof deno.port === 'number' ? deno.port : null };
  }
  const bun = info as { requestIP?: unknown };
  if (typeof bun.requestIP === 'function') {
    const ip = (bun.requestIP as (r: Request) => unknown)(request) as {
      address?: unknown;
      port?: unknown;
    } | null;
    if (typeof ip === 'object' && ip !== null && typeof ip.address === 'string') {
      return { host: ip.address, port: typeof ip.port === 'number' ? ip.port : null };
    }
  }
  return null;
}

/** What {@link scopeFromRequest} needs besides the request. */
export interface RequestScopeSettings {
  /** The mount point: `""` or a path without a trailing slash. */
  rootPath: string;
  /** The HTTP version to report. */
  httpVersion: HttpVersion;
  /** The client address. */
  client: Address | null;
  /** Lifespan-style state, copied shallowly into the scope; `undefined` for none. */
  state: Record<string, unknown> | undefined;
}

/**
 * Builds the HTTP scope of a fetch `Request`.
 *
 * What `Request` has lost cannot come back: header order (`Headers` iterates
 * sorted by name) and duplicate fields (joined with `", "`).
 *
 * @param request - the request.
 * @param url - the request's URL, split by {@link splitUrl}.
 * @param settings - the values the request does not carry.
 * @returns a new scope.
 */
export function scopeFromRequest(
  request: Request,
  url: UrlParts,
  settings: RequestScopeSettings,
): HttpScope {
  const scope: HttpScope = {
    type: 'http',
    tsgi: { version: TSGI_VERSION },
    httpVersion: settings.httpVersion,
    method: request.method,
    scheme: url.scheme,
    path: decodePath(url.rawPath),
    rawPath: url.rawPath,
    queryString: url.queryString,
    rootPath: settings.rootPath,
    headers: headerListFromHeaders(request.headers, true),
    client: settings.client,
    server: url.hostname === '' ? null : { host: url.hostname, port: url.port },
    extensions: {},
  };
  if (settings.state !== undefined) scope.state = { ...settings.state };
  return scope;
}
