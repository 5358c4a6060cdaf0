/**
 * A middleware that restores the client address, scheme and host of requests
 * that reach the app through trusted reverse proxies.
 *
 * @module
 */

import { describeValue, ErrorCode, TsgiError } from '../errors.js';
import type {
  Address,
  Application,
  HeaderList,
  HttpScope,
  Middleware,
  Receive,
  Scope,
  Send,
  WebSocketScope,
} from '../types.js';
import {
  type ForwardedElement,
  type ForwardedNode,
  hostName,
  isValidHost,
  parseForwarded,
  parseNode,
} from './forwarded-header.js';
import { type AddressMatcher, createAddressMatcher } from './ip-matcher.js';

/**
 * Which headers {@link proxyHeaders} reads: the de facto `X-Forwarded-For`,
 * `-Proto`, `-Host` and `-Port` family, the standard `Forwarded` header of
 * RFC 7239, or both (when a request carries both, `Forwarded` is used and the
 * `X-Forwarded-*` headers are ignored).
 */
export type ForwardedHeaderFamily = 'x-forwarded' | 'forwarded' | 'both';

/** Options of {@link proxyHeaders}. */
export interface ProxyHeadersOptions {
  /**
   * The proxies whose headers are believed: IP addresses (`127.0.0.1`,
   * `::1`), CIDR ranges (`10.0.0.0/8`, `fd00::/8`), `unix` for peers on a
   * unix socket, `*` for every peer. See {@link createAddressMatcher}.
   */
  trustedProxies: readonly string[];
  /**
   * The headers to read. Defaults to `'x-forwarded'`, what common proxies set;
   * choose `'forwarded'` or `'both'` only when every trusted proxy manages
   * the RFC 7239 `Forwarded` header.
   */
  headers?: ForwardedHeaderFamily;
}

type ConnectionScope = HttpScope | WebSocketScope;

/** What the proxy headers say; `undefined` fields leave the scope's value alone. */
interface Forwarding {
  client: Address | null | undefined;
  proto: string | undefined;
  host: string | undefined;
  port: number | undefined;
}

/**
 * Makes an app behind reverse proxies see the original request: the client
 * address, the scheme and the `host` header the client used, taken from
 * `X-Forwarded-*` or `Forwarded` headers, and only when the immediate peer
 * (`scope.client`) is a trusted proxy (SEC-6). Requests from other peers reach
 * the app unchanged, whatever headers they carry.
 *
 * - **client**: the `for` chain (`X-Forwarded-For`, or the `for=` of each
 *   `Forwarded` element) is read from the right, skipping trusted proxies;
 *   the first address that is not trusted is the client, and when every
 *   address is trusted the leftmost one is. The port comes from the node
 *   (`"[2001:db8::1]:4711"`), else it is `0`. When that node is `unknown` or
 *   obfuscated (`_hidden`), `client` becomes `null`: the proxy says it does
 *   not know or will not tell, and the proxy's own address would be wrong.
 *   A `Forwarded` element without `for=` leaves the peer in place.
 * - **scheme**: from `X-Forwarded-Proto` or `proto=`; `http` and `https` (and
 *   `ws`, `wss`) give `http`/`https` in HTTP scopes and `ws`/`wss` in
 *   WebSocket scopes. Other schemes are ignored.
 * - **host**: the `host` header is replaced by `X-Forwarded-Host` or `host=`.
 *   With `X-Forwarded-Port`, the port of the `host` header is set to it
 *   (left out when it is the scheme's default).
 *
 * `proto=` and `host=` come from the same `Forwarded` element as the client.
 * When `X-Forwarded-Proto`, `-Host` or `-Port` hold lists, the entry that
 * lines up, counted from the right, with the client's entry in
 * `X-Forwarded-For` is used; a single value is used as is.
 *
 * Malformed values never throw: a malformed node in the chain (or a
 * `Forwarded` line that breaks RFC 7239) stops the walk and keeps the peer as
 * the client, and a malformed scheme, host or port is ignored. The forwarding
 * headers themselves stay in `scope.headers`.
 *
 * The middleware copies the scope before changing it (MW-2), hands `receive`
 * and `send` through untouched (MW-3), and passes lifespan scopes through.
 *
 * Security: a proxy listed as trusted must set or remove every header of the
 * family read here, or a client can choose the values. With `'both'`, a proxy
 * that only manages `X-Forwarded-*` lets clients send their own `Forwarded`;
 * name the family your proxy sets.
 *
 * @example
 * ```ts
 * const app = proxyHeaders({ trustedProxies: ['10.0.0.0/8'], headers: 'x-forwarded' })(inner);
 * ```
 *
 * @param options - the trusted proxies and the headers to read.
 * @returns the middleware.
 * @throws {@link TsgiError} with code `ERR_TSGI_INVALID_ARGUMENT` for a bad
 * option, such as `"10.0.0.0/33" is not an IP address or CIDR`.
 */
export function proxyHeaders(options: ProxyHeadersOptions): Middleware {
  if (typeof options !== 'object' || options === null) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `proxyHeaders: expected an options object, received ${describeValue(options)}`,
    );
  }
  if (!Array.isArray(options.trustedProxies)) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `proxyHeaders: trustedProxies is ${describeValue(options.trustedProxies)}, expected an array such as ["127.0.0.1", "10.0.0.0/8"]`,
    );
  }
  const family = options.headers ?? 'x-forwarded';
  if (family !== 'x-forwarded' && family !== 'forwarded' && family !== 'both') {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `proxyHeaders: headers is ${describeValue(family)}, expected "x-forwarded", "forwarded" or "both"`,
    );
  }
  const matcher = createAddressMatcher(options.trustedProxies);
  const readX = family !== 'forwarded';
  const readForwarded = family !== 'x-forwarded';

  return (app: Application): Application => {
    if (typeof app !== 'function') {
      throw new TsgiError(
        ErrorCode.INVALID_ARGUMENT,
        `proxyHeaders: expected an application function, received ${describeValue(app)}`,
      );
    }
    return (scope: Scope, receive: Receive, send: Send): Promise<void> => {
      if ((scope.type !== 'http' && scope.type !== 'websocket') || !matcher.matchesPeer(scope)) {
        return app(scope, receive, send);
      }
      return app(applyForwarding(scope, matcher, readX, readForwarded), receive, send);
    };
  };
}

/** Reads the forwarding headers of a request from a trusted peer; returns a new scope, or `scope` when nothing changes. */
function applyForwarding(
  scope: ConnectionScope,
  matcher: AddressMatcher,
  readX: boolean,
  readForwarded: boolean,
): ConnectionScope {
  let forwardedLines: string[] | undefined;
  let xFor: string | undefined;
  let xProto: string | undefined;
  let xHost: string | undefined;
  let xPort: string | undefined;
  const headers = scope.headers;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]![0];
    if (name.length < 9) continue; // shorter than any name read here
    const value = headers[i]![1];
    if (name === 'forwarded') {
      if (!readForwarded) continue;
      if (forwardedLines === undefined) forwardedLines = [value];
      else forwardedLines.push(value);
    } else if (readX) {
      // Several lines of one field are one comma-separated list.
      switch (name) {
        case 'x-forwarded-for':
          xFor = xFor === undefined ? value : `${xFor},${value}`;
          break;
        case 'x-forwarded-proto':
          xProto = xProto === undefined ? value : `${xProto},${value}`;
          break;
        case 'x-forwarded-host':
          xHost = xHost === undefined ? value : `${xHost},${value}`;
          break;
        case 'x-forwarded-port':
          xPort = xPort === undefined ? value : `${xPort},${value}`;
          break;
      }
    }
  }

  let forwarding: Forwarding | undefined;
  if (forwardedLines !== undefined) forwarding = fromForwarded(forwardedLines, matcher);
  if (forwarding === undefined) {
    if (xFor === undefined && xProto === undefined && xHost === undefined && xPort === undefined) {
      return scope;
    }
    forwarding = fromXForwarded(xFor, xProto, xHost, xPort, matcher);
  }
  return rewrite(scope, forwarding);
}

/** Marks a `Forwarded` line that breaks the grammar, in its place in the chain. */
const MALFORMED = null;

/**
 * Reads the `Forwarded` lines. Returns `undefined` when they hold no element
 * at all, so that `X-Forwarded-*` can be read instead.
 */
function fromForwarded(lines: string[], matcher: AddressMatcher): Forwarding | undefined {
  const chain: (ForwardedElement | typeof MALFORMED)[] = [];
  for (const line of lines) {
    const elements = parseForwarded(line);
    if (elements === null) chain.push(MALFORMED);
    else for (const element of elements) chain.push(element);
  }
  if (chain.length === 0) return undefined;
  const result: Forwarding = {
    client: undefined,
    proto: undefined,
    host: undefined,
    port: undefined,
  };
  for (let i = chain.length - 1; i >= 0; i--) {
    const element = chain[i]!;
    if (element === MALFORMED) return result;
    if (element.for !== undefined) {
      const node = parseNode(element.for);
      if (node === null) return result;
      if (node.kind === 'ip' && i > 0 && matcher.matches(node.host)) continue;
      result.client = clientOf(node);
    }
    result.proto = element.proto;
    if (element.host !== undefined && isValidHost(element.host)) result.host = element.host;
    return result;
  }
  return result;
}

/** Reads the `X-Forwarded-*` values (each the comma-joined lines of its field). */
function fromXForwarded(
  xFor: string | undefined,
  xProto: string | undefined,
  xHost: string | undefined,
  xPort: string | undefined,
  matcher: AddressMatcher,
): Forwarding {
  let client: Address | null | undefined;
  // How many trusted hops the walk skipped, to line up the other lists.
  let skipped = 0;
  // The list is read from the right without splitting it: usually only the
  // last entry or two are ever looked at.
  if (xFor !== undefined && previousEntry(xFor, xFor.length)) {
    for (;;) {
      const node = parseNode(xFor.slice(entryStart, entryEnd));
      if (node === null) break;
      if (node.kind === 'ip' && matcher.matches(node.host) && previousEntry(xFor, entryStart)) {
        skipped++;
        continue;
      }
      // An untrusted address, or the leftmost entry.
      client = clientOf(node);
      break;
    }
  }
  const proto = xProto === undefined ? undefined : entryFromRight(xProto, skipped);
  let host = xHost === undefined ? undefined : entryFromRight(xHost, skipped);
  if (host !== undefined && !isValidHost(host)) host = undefined;
  const portText = xPort === undefined ? undefined : entryFromRight(xPort, skipped);
  let port: number | undefined;
  if (portText !== undefined && /^\d{1,5}$/.test(portText)) {
    port = Number(portText);
    if (port < 1 || port > 65535) port = undefined;
  }
  return { client, proto, host, port };
}

// The bounds of the entry found by the last successful previousEntry() call.
// Module state is safe here: it is only used synchronously.
let entryStart = 0;
let entryEnd = 0;

/**
 * Finds the last entry of a comma-separated list that ends before `end`,
 * trimmed, skipping empty entries (RFC 9110 section 5.6.1), and stores its
 * bounds in `entryStart` and `entryEnd`. Returns `false` when there is none.
 */
function previousEntry(value: string, end: number): boolean {
  let i = end;
  while (i > 0 && isSeparator(value.charCodeAt(i - 1))) i--;
  if (i === 0) return false;
  const stop = i;
  while (i > 0 && value.charCodeAt(i - 1) !== 0x2c) i--;
  while (isWhitespace(value.charCodeAt(i))) i++;
  entryStart = i;
  entryEnd = stop;
  return true;
}

/**
 * The list entry that lines up with the client's entry: `skipped` entries
 * from the right, or the leftmost one when the list is shorter.
 */
function entryFromRight(value: string, skipped: number): string | undefined {
  if (!previousEntry(value, value.length)) return undefined;
  for (let n = 0; n < skipped && previousEntry(value, entryStart); n++);
  return value.slice(entryStart, entryEnd);
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isSeparator(c: number): boolean {
  return c === 0x2c || c === 0x20 || c === 0x09;
}

function clientOf(node: ForwardedNode): Address | null {
  return node.kind === 'ip' ? { host: node.host, port: node.port ?? 0 } : null;
}

/** Builds the scope the app sees; returns `scope` itself when nothing changes. */
function rewrite(scope: ConnectionScope, forwarding: Forwarding): ConnectionScope {
  const scheme = schemeFor(scope, forwarding.proto);
  const effectiveScheme = scheme ?? scope.scheme;
  let host = forwarding.host;
  if (forwarding.port !== undefined) {
    const base = host ?? firstHost(scope.headers);
    if (base !== undefined && isValidHost(base)) {
      const name = hostName(base);
      host = forwarding.port === defaultPort(effectiveScheme) ? name : `${name}:${forwarding.port}`;
    }
  }
  if (forwarding.client === undefined && scheme === undefined && host === undefined) return scope;

  const copy = { ...scope } as ConnectionScope;
  if (forwarding.client !== undefined) copy.client = forwarding.client;
  if (scheme !== undefined) (copy as { scheme: string }).scheme = scheme;
  if (host !== undefined) copy.headers = replaceHost(scope.headers, host);
  return copy;
}

/** Maps a forwarded protocol to the scheme of this scope's type, or `undefined` to keep it. */
function schemeFor(scope: ConnectionScope, proto: string | undefined): string | undefined {
  if (proto === undefined) return undefined;
  const lower = proto.toLowerCase();
  const secure = lower === 'https' || lower === 'wss';
  if (!secure && lower !== 'http' && lower !== 'ws') return undefined;
  if (scope.type === 'websocket') return secure ? 'wss' : 'ws';
  return secure ? 'https' : 'http';
}

function defaultPort(scheme: string): number {
  return scheme === 'https' || scheme === 'wss' ? 443 : 80;
}

function firstHost(headers: HeaderList): string | undefined {
  for (const [name, value] of headers) if (name === 'host') return value;
  return undefined;
}

/** A new header list with `host` set to `value`, in the place of the first `host` field. */
function replaceHost(headers: HeaderList, value: string): HeaderList {
  const result: HeaderList = [];
  let placed = false;
  for (const pair of headers) {
    if (pair[0] !== 'host') result.push(pair);
    else if (!placed) {
      result.push(['host', value]);
      placed = true;
    }
  }
  if (!placed) result.push(['host', value]);
  return result;
}
