/**
 * Checks of the scopes a server creates, one function per scope type.
 *
 * They check types and the semantics a scope can show on its own: a path that
 * starts with "/", a `rawPath` without the query, `path` being `rawPath`
 * percent-decoded, lowercase header names without pseudo-headers, addresses of
 * the right shape, extensions advertised only where they can apply. What needs
 * the wire to judge (was the method's case changed?) is left to the
 * conformance suite. Fields shared by the HTTP and WebSocket scopes cite the
 * HTTP-SCOPE rule that defines them, which WS-SCOPE-1 adopts.
 *
 * Each check walks the scope once and allocates next to nothing unless the
 * path needs decoding: the validator runs it on every call.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import { isRecord } from '../protocol/fields.js';
import { isLowercaseToken, isToken } from '../protocol/headers.js';
import type { HttpScope, LifespanScope, Scope, WebSocketScope } from '../types.js';
import { TSGI_VERSION } from '../version.js';
import { checkExtensions } from './extensions.js';
import { pathMatchesRaw } from './path.js';

const SPEC_MAJOR = TSGI_VERSION.slice(0, TSGI_VERSION.indexOf('.'));
const VERSION_FORMAT = /^(\d+)\.\d+$/;
const HTTP_VERSIONS: ReadonlySet<unknown> = new Set(['1.0', '1.1', '2', '3']);

/**
 * Checks any scope, by its type. A scope of a type this version does not
 * define is let through unchecked, as middleware lets unknown events through
 * (MW-3): the application decides whether it handles it (APP-3).
 *
 * @throws ProtocolError naming the first rule the scope breaks.
 */
export function checkScope(scope: unknown): asserts scope is Scope {
  if (!isRecord(scope)) {
    throw new ProtocolError('SRV-2', 'scope', 'a plain object', describeValue(scope));
  }
  switch (scope.type) {
    case 'http':
      checkHttpScope(scope);
      return;
    case 'websocket':
      checkWebSocketScope(scope);
      return;
    case 'lifespan':
      checkLifespanScope(scope);
      return;
    default:
      if (typeof scope.type !== 'string') {
        throw new ProtocolError('SRV-2', 'scope.type', 'a string', describeValue(scope.type));
      }
  }
}

/**
 * Checks an HTTP scope (HTTP-SCOPE-1 to HTTP-SCOPE-17, EXT-TLS-1,
 * EXT-TRAILERS-1, EXT-HINTS-2).
 *
 * @throws ProtocolError naming the first rule the scope breaks.
 */
export function checkHttpScope(scope: unknown): asserts scope is HttpScope {
  const fields = record(scope, 'HTTP-SCOPE-1', 'http scope');
  if (fields.type !== 'http') {
    throw new ProtocolError('HTTP-SCOPE-1', 'scope.type', '"http"', describeValue(fields.type));
  }
  const method = fields.method;
  if (typeof method !== 'string' || !isToken(method)) {
    throw new ProtocolError(
      'HTTP-SCOPE-4',
      'scope.method',
      'a method token',
      describeValue(method),
    );
  }
  const scheme = fields.scheme;
  if (scheme !== 'http' && scheme !== 'https') {
    throw new ProtocolError(
      'HTTP-SCOPE-5',
      'scope.scheme',
      '"http" or "https"',
      describeValue(scheme),
    );
  }
  checkConnectionFields(fields, scheme === 'https');
}

/**
 * Checks a WebSocket scope (WS-SCOPE-1, WS-SCOPE-2, and the HTTP-SCOPE rules
 * WS-SCOPE-1 adopts).
 *
 * @throws ProtocolError naming the first rule the scope breaks.
 */
export function checkWebSocketScope(scope: unknown): asserts scope is WebSocketScope {
  const fields = record(scope, 'WS-SCOPE-1', 'websocket scope');
  if (fields.type !== 'websocket') {
    throw new ProtocolError('WS-SCOPE-1', 'scope.type', '"websocket"', describeValue(fields.type));
  }
  const scheme = fields.scheme;
  if (scheme !== 'ws' && scheme !== 'wss') {
    throw new ProtocolError('WS-SCOPE-1', 'scope.scheme', '"ws" or "wss"', describeValue(scheme));
  }
  const subprotocols = fields.subprotocols;
  if (!Array.isArray(subprotocols)) {
    throw new ProtocolError(
      'WS-SCOPE-2',
      'scope.subprotocols',
      'an array of strings',
      describeValue(subprotocols),
    );
  }
  for (let i = 0; i < subprotocols.length; i++) {
    const name: unknown = subprotocols[i];
    if (typeof name !== 'string' || name.length === 0 || name.trim() !== name) {
      throw new ProtocolError(
        'WS-SCOPE-2',
        `scope.subprotocols[${i}]`,
        'a non-empty trimmed string',
        describeValue(name),
      );
    }
  }
  checkConnectionFields(fields, scheme === 'wss');
}

/**
 * Checks a lifespan scope (VER-1, LS-STATE-1).
 *
 * @throws ProtocolError naming the first rule the scope breaks.
 */
export function checkLifespanScope(scope: unknown): asserts scope is LifespanScope {
  const fields = record(scope, 'SRV-2', 'lifespan scope');
  if (fields.type !== 'lifespan') {
    throw new ProtocolError('SRV-2', 'scope.type', '"lifespan"', describeValue(fields.type));
  }
  checkVersion(fields.tsgi, 'VER-1');
  if (!isRecord(fields.state)) {
    throw new ProtocolError('LS-STATE-1', 'scope.state', 'an object', describeValue(fields.state));
  }
}

function record(value: unknown, requirement: string, what: string): Record<string, unknown> {
  if (!isRecord(value)) {
    throw new ProtocolError(requirement, what, 'a plain object', describeValue(value));
  }
  return value;
}

function checkVersion(tsgi: unknown, requirement: string): void {
  if (!isRecord(tsgi)) {
    throw new ProtocolError(
      requirement,
      'scope.tsgi',
      'an object with a version',
      describeValue(tsgi),
    );
  }
  const version = tsgi.version;
  const match = typeof version === 'string' ? VERSION_FORMAT.exec(version) : null;
  if (match === null || match[1] !== SPEC_MAJOR) {
    throw new ProtocolError(
      requirement,
      'scope.tsgi.version',
      `"major.minor" with major version ${SPEC_MAJOR}`,
      describeValue(version),
    );
  }
}

/** The fields HTTP and WebSocket scopes share. */
function checkConnectionFields(fields: Record<string, unknown>, secure: boolean): void {
  checkVersion(fields.tsgi, 'HTTP-SCOPE-2');
  const httpVersion = fields.httpVersion;
  if (!HTTP_VERSIONS.has(httpVersion)) {
    throw new ProtocolError(
      'HTTP-SCOPE-3',
      'scope.httpVersion',
      '"1.0", "1.1", "2" or "3"',
      describeValue(httpVersion),
    );
  }
  const { path, rawPath, queryString, rootPath } = fields;
  if (typeof path !== 'string' || (path !== '*' && !path.startsWith('/'))) {
    throw new ProtocolError(
      'HTTP-SCOPE-17',
      'scope.path',
      'a string starting with "/", or "*"',
      describeValue(path),
    );
  }
  if (typeof rawPath !== 'string' || rawPath.includes('?')) {
    throw new ProtocolError(
      'HTTP-SCOPE-7',
      'scope.rawPath',
      'the target path as a string, without the query',
      describeValue(rawPath),
    );
  }
  if (typeof queryString !== 'string') {
    throw new ProtocolError(
      'HTTP-SCOPE-8',
      'scope.queryString',
      'a string',
      describeValue(queryString),
    );
  }
  if (
    typeof rootPath !== 'string' ||
    (rootPath !== '' && (!rootPath.startsWith('/') || rootPath.endsWith('/')))
  ) {
    throw new ProtocolError(
      'HTTP-SCOPE-9',
      'scope.rootPath',
      '"" or a path starting with "/" without a trailing slash',
      describeValue(rootPath),
    );
  }
  if (!path.startsWith(rootPath)) {
    throw new ProtocolError(
      'HTTP-SCOPE-9',
      'scope.path',
      `a path starting with scope.rootPath ${describeValue(rootPath)}`,
      describeValue(path),
    );
  }
  if (path === '*' ? rawPath !== '*' : !pathMatchesRaw(path, rawPath, rootPath)) {
    throw new ProtocolError(
      path === '*' ? 'HTTP-SCOPE-7' : 'HTTP-SCOPE-6',
      'scope.path',
      `scope.rawPath ${describeValue(rawPath)} percent-decoded as UTF-8`,
      describeValue(path),
    );
  }
  checkRequestHeaders(fields.headers, httpVersion === '2' || httpVersion === '3');
  checkAddress(fields.client, 'HTTP-SCOPE-13', 'scope.client', false);
  checkAddress(fields.server, 'HTTP-SCOPE-14', 'scope.server', true);
  checkExtensions(fields, secure);
  if (fields.state !== undefined && !isRecord(fields.state)) {
    throw new ProtocolError(
      'LS-STATE-1',
      'scope.state',
      'an object when present',
      describeValue(fields.state),
    );
  }
}

function checkRequestHeaders(headers: unknown, joinsCookies: boolean): void {
  if (!Array.isArray(headers)) {
    throw new ProtocolError(
      'HTTP-SCOPE-10',
      'scope.headers',
      'an array of [name, value] string pairs',
      describeValue(headers),
    );
  }
  let cookies = 0;
  for (let i = 0; i < headers.length; i++) {
    const pair: unknown = headers[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ProtocolError(
        'HTTP-SCOPE-10',
        `scope.headers[${i}]`,
        'a [name, value] pair',
        describeValue(pair),
      );
    }
    const name: unknown = pair[0];
    const value: unknown = pair[1];
    if (typeof name === 'string' && name.startsWith(':')) {
      throw new ProtocolError(
        'HTTP-SCOPE-11',
        `scope.headers[${i}] name`,
        'no pseudo-header',
        describeValue(name),
      );
    }
    if (typeof name !== 'string' || !isLowercaseToken(name)) {
      throw new ProtocolError(
        'HTTP-SCOPE-10',
        `scope.headers[${i}] name`,
        'a lowercase string',
        describeValue(name),
      );
    }
    if (typeof value !== 'string') {
      throw new ProtocolError(
        'HTTP-SCOPE-15',
        `scope.headers[${i}] (${name}) value`,
        'a string',
        describeValue(value),
      );
    }
    const problem = requestValueProblem(value);
    if (problem !== null) {
      throw new ProtocolError(
        problem === 'a control character' ? 'SEC-3' : 'HTTP-SCOPE-15',
        `scope.headers[${i}] (${name}) value`,
        'Latin-1 text without surrounding whitespace or control characters',
        `${problem} in ${describeValue(value)}`,
      );
    }
    if (name === 'cookie') cookies++;
  }
  if (joinsCookies && cookies > 1) {
    throw new ProtocolError(
      'HTTP-SCOPE-12',
      'scope.headers',
      'one cookie header, the fields joined with "; "',
      `${cookies} cookie headers`,
    );
  }
}

/** What is wrong with a request header value, or `null`. */
function requestValueProblem(value: string): string | null {
  const last = value.length - 1;
  for (let i = 0; i <= last; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) return 'a character above U+00FF';
    if (code === 32 || code === 9) {
      if (i === 0 || i === last) return 'surrounding whitespace';
    } else if (code < 32 || code === 127) {
      return 'a control character';
    }
  }
  return null;
}

function checkAddress(
  value: unknown,
  requirement: string,
  what: string,
  portMayBeNull: boolean,
): void {
  if (value === null) return;
  const shape = portMayBeNull
    ? 'null or { host: string, port: integer 0-65535 or null }'
    : 'null or { host: string, port: integer 0-65535 }';
  if (!isRecord(value)) throw new ProtocolError(requirement, what, shape, describeValue(value));
  if (typeof value.host !== 'string') {
    throw new ProtocolError(requirement, `${what}.host`, 'a string', describeValue(value.host));
  }
  const port = value.port;
  const valid =
    (port === null && portMayBeNull) ||
    (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535);
  if (!valid) {
    throw new ProtocolError(
      requirement,
      `${what}.port`,
      portMayBeNull ? 'an integer from 0 to 65535, or null' : 'an integer from 0 to 65535',
      describeValue(port),
    );
  }
}
