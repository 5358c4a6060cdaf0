/**
 * Scopes as the harness's server builds them from a test's options: each a
 * fresh plain object with every field its JSON Schema requires, following the
 * rules of spec sections 3.1 to 3.3, 4.1 and 5.1. The harness never changes a
 * scope once the application has it (SRV-4).
 *
 * @module
 */

import { decodePath, splitTarget } from '../paths.js';
import { headerValues, isToken, listsToken } from '../protocol/headers.js';
import type {
  Address,
  Extensions,
  HeaderList,
  HttpScope,
  HttpVersion,
  LifespanScope,
  TlsInfo,
  WebSocketScope,
} from '../types.js';
import { TSGI_VERSION } from '../version.js';
import { invalidArgument } from './errors.js';
import { hostName, readRequestHeaders, settleHost } from './headers.js';
import type { ConnectionOptions, HttpOptions, WebSocketOptions } from './options.js';

const HTTP_VERSIONS: ReadonlySet<string> = new Set(['1.0', '1.1', '2', '3']);

/** Whether a char code may appear in a request target as it is. */
function targetChar(code: number): boolean {
  return code > 0x20 && code < 0x7f;
}

const UTF8 = new TextEncoder();

/**
 * The target a client sends for `path`: the text as written, with a fragment
 * dropped and the characters a target cannot carry (controls, space,
 * non-ASCII) percent-encoded as UTF-8, as HTTP clients do. Existing escapes,
 * malformed ones included, stay as they are.
 */
export function encodeTarget(path: string): string {
  const hash = path.indexOf('#');
  const target = hash === -1 ? path : path.slice(0, hash);
  let clean = true;
  for (let i = 0; i < target.length; i++) {
    if (!targetChar(target.charCodeAt(i))) {
      clean = false;
      break;
    }
  }
  if (clean) return target;
  let out = '';
  for (const char of target) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && targetChar(code)) {
      out += char;
      continue;
    }
    for (const byte of UTF8.encode(char))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The fields HTTP and WebSocket scopes share, before extensions. */
interface ConnectionParts {
  httpVersion: HttpVersion;
  path: string;
  rawPath: string;
  queryString: string;
  rootPath: string;
  headers: HeaderList;
  client: Address | null;
  server: Address | null;
}

function checkAddress(value: Address | null, what: string, portMayBeNull: boolean): void {
  if (value === null) return;
  const port = value?.port;
  const validPort =
    (port === null && portMayBeNull) ||
    (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535);
  if (typeof value !== 'object' || typeof value.host !== 'string' || !validPort) {
    throw invalidArgument(
      `${what}: expected null or { host: string, port: integer 0-65535${portMayBeNull ? ' or null' : ''} }`,
    );
  }
}

/** Reads the options every connection shares, with the checks of HTTP-SCOPE-3 to HTTP-SCOPE-18. */
function connectionParts(options: ConnectionOptions, secure: boolean): ConnectionParts {
  const httpVersion = options.httpVersion ?? '1.1';
  if (!HTTP_VERSIONS.has(httpVersion)) {
    throw invalidArgument(
      `httpVersion: expected "1.0", "1.1", "2" or "3", received ${String(httpVersion)}`,
    );
  }
  const target = encodeTarget(options.path ?? '/');
  const parts = splitTarget(target);
  const path = parts.form === 'asterisk' ? '*' : decodePath(parts.rawPath);
  const rootPath = options.rootPath ?? '';
  if (typeof rootPath !== 'string' || (rootPath !== '' && !/^\/.*[^/]$/s.test(rootPath))) {
    throw invalidArgument(
      `[HTTP-SCOPE-9] rootPath: expected "" or a path starting with "/" without a trailing "/", received ${JSON.stringify(rootPath)}`,
    );
  }
  if (
    rootPath !== '' &&
    (!path.startsWith(rootPath) ||
      (path.length > rootPath.length && path.charCodeAt(rootPath.length) !== 0x2f))
  ) {
    throw invalidArgument(
      `[HTTP-SCOPE-9] path: the decoded path ${JSON.stringify(path)} is not under rootPath ${JSON.stringify(rootPath)}; give the whole path the client asks for`,
    );
  }
  const headers = readRequestHeaders(options.headers, httpVersion);
  settleHost(headers, parts.authority, httpVersion);
  const client = options.client === undefined ? { host: '127.0.0.1', port: 54321 } : options.client;
  const server =
    options.server === undefined ? { host: '127.0.0.1', port: secure ? 443 : 80 } : options.server;
  checkAddress(client, 'client', false);
  checkAddress(server, 'server', true);
  return {
    httpVersion,
    path,
    rawPath: parts.rawPath,
    queryString: parts.queryString,
    rootPath,
    headers,
    client: client === null ? null : { host: client.host, port: client.port },
    server: server === null ? null : { host: server.host, port: server.port },
  };
}

/** TLS facts for a secure connection of the harness (EXT-TLS-1). */
function tlsInfo(headers: HeaderList, httpVersion: HttpVersion): TlsInfo {
  const host = headerValues(headers, 'host')[0];
  const name = host === undefined ? '' : hostName(host);
  // Clients send no SNI for an IP address.
  const serverName = name === '' || /^[\d.]+$/.test(name) || name.includes(':') ? null : name;
  return {
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_128_GCM_SHA256',
    serverName,
    alpnProtocol: httpVersion === '2' ? 'h2' : httpVersion === '3' ? 'h3' : 'http/1.1',
    clientCertificate: null,
  };
}

/** A shallow copy of the given state, made for this scope alone (LS-STATE-1). */
function stateCopy(state: Record<string, unknown> | undefined): {
  state?: Record<string, unknown>;
} {
  if (state === undefined) return {};
  if (typeof state !== 'object' || state === null) {
    throw invalidArgument('state: expected an object');
  }
  return { state: { ...state } };
}

/** A copy of test-given extensions, so that the scope holds no object the test may change later. */
function extensionsCopy(extensions: Extensions): Extensions {
  if (typeof extensions !== 'object' || extensions === null) {
    throw invalidArgument('extensions: expected an object');
  }
  const copy: Extensions = {};
  for (const name of Object.keys(extensions)) {
    const value = extensions[name];
    if (value !== undefined) copy[name] = { ...value };
  }
  return copy;
}

/**
 * Builds the scope of an HTTP request.
 *
 * @param options - the test's options.
 * @param addBodyHeaders - adds the `content-length` or `transfer-encoding` the body needs.
 * @returns a new scope.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for options no server would turn into a scope.
 */
export function buildHttpScope(
  options: HttpOptions,
  addBodyHeaders: (headers: HeaderList, httpVersion: HttpVersion) => void,
): HttpScope {
  const method = options.method ?? 'GET';
  if (typeof method !== 'string' || !isToken(method)) {
    throw invalidArgument(`[HTTP-SCOPE-4] method: expected a token, received ${String(method)}`);
  }
  const scheme = options.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') {
    throw invalidArgument(`scheme: expected "http" or "https", received ${String(scheme)}`);
  }
  const parts = connectionParts(options, scheme === 'https');
  addBodyHeaders(parts.headers, parts.httpVersion);
  let extensions: Extensions;
  if (options.extensions !== undefined) {
    extensions = extensionsCopy(options.extensions);
  } else {
    extensions = { 'http.response.file': {} };
    if (parts.httpVersion !== '1.0') {
      extensions['http.response.earlyHints'] = {};
      if (listsToken(headerValues(parts.headers, 'te'), 'trailers')) {
        extensions['http.response.trailers'] = {};
      }
    }
    if (scheme === 'https') extensions.tls = tlsInfo(parts.headers, parts.httpVersion);
  }
  return {
    type: 'http',
    tsgi: { version: TSGI_VERSION },
    httpVersion: parts.httpVersion,
    method,
    scheme,
    path: parts.path,
    rawPath: parts.rawPath,
    queryString: parts.queryString,
    rootPath: parts.rootPath,
    headers: parts.headers,
    client: parts.client,
    server: parts.server,
    ...stateCopy(options.state),
    extensions,
  };
}

/**
 * Builds the scope of a WebSocket handshake, with the handshake fields a
 * client sends (`upgrade`, `connection`, `sec-websocket-key`,
 * `sec-websocket-version`, and `sec-websocket-protocol` for the offered
 * subprotocols) unless the test gave them.
 *
 * @param options - the test's options.
 * @returns a new scope.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for options no server would turn into a scope.
 */
export function buildWebSocketScope(options: WebSocketOptions): WebSocketScope {
  const scheme = options.scheme ?? 'ws';
  if (scheme !== 'ws' && scheme !== 'wss') {
    throw invalidArgument(`scheme: expected "ws" or "wss", received ${String(scheme)}`);
  }
  if (options.httpVersion === '1.0') {
    throw invalidArgument('httpVersion: a WebSocket handshake needs HTTP/1.1 or later');
  }
  const parts = connectionParts(options, scheme === 'wss');
  if (parts.path === '*') throw invalidArgument('path: a WebSocket target cannot be "*"');
  const headers = parts.headers;
  const has = (name: string) => headers.some((pair) => pair[0] === name);
  let subprotocols: string[];
  if (options.subprotocols !== undefined) {
    subprotocols = [...options.subprotocols];
    for (const name of subprotocols) {
      if (typeof name !== 'string' || !isToken(name)) {
        throw invalidArgument(`subprotocols: ${JSON.stringify(name)} is not a token`);
      }
    }
    if (has('sec-websocket-protocol')) {
      throw invalidArgument(
        'subprotocols: give the offered subprotocols either as an option or as a sec-websocket-protocol header, not both',
      );
    }
  } else {
    // WS-SCOPE-2: split at commas, trimmed, in order.
    subprotocols = headerValues(headers, 'sec-websocket-protocol')
      .flatMap((value) => value.split(','))
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }
  if (parts.httpVersion === '1.1') {
    if (!has('upgrade')) headers.push(['upgrade', 'websocket']);
    if (!has('connection')) headers.push(['connection', 'Upgrade']);
    if (!has('sec-websocket-key')) headers.push(['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==']);
  }
  if (!has('sec-websocket-version')) headers.push(['sec-websocket-version', '13']);
  if (options.subprotocols !== undefined && subprotocols.length > 0) {
    headers.push(['sec-websocket-protocol', subprotocols.join(', ')]);
  }
  let extensions: Extensions;
  if (options.extensions !== undefined) {
    extensions = extensionsCopy(options.extensions);
  } else {
    extensions = { 'websocket.http.response': {} };
    if (scheme === 'wss') extensions.tls = tlsInfo(headers, parts.httpVersion);
  }
  return {
    type: 'websocket',
    tsgi: { version: TSGI_VERSION },
    httpVersion: parts.httpVersion,
    scheme,
    path: parts.path,
    rawPath: parts.rawPath,
    queryString: parts.queryString,
    rootPath: parts.rootPath,
    headers,
    client: parts.client,
    server: parts.server,
    subprotocols,
    ...stateCopy(options.state),
    extensions,
  };
}

/**
 * Builds the lifespan scope. Its `state` is the very object given (or a new
 * empty one): the application fills it during startup, and each request
 * scope then gets a shallow copy (LS-STATE-1).
 */
export function buildLifespanScope(state: Record<string, unknown> = {}): LifespanScope {
  if (typeof state !== 'object' || state === null) {
    throw invalidArgument('state: expected an object');
  }
  return { type: 'lifespan', tsgi: { version: TSGI_VERSION }, state };
}
