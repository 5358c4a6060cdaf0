/**
 * The WebSocket scope of a handshake (section 4.1). Paths and the TLS facts
 * come from the HTTP side's helpers, so that both scopes follow the same
 * rules (WS-SCOPE-1); the header list and the addresses are built here from
 * the request and its socket alone.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type Address,
  type Extensions,
  type HeaderList,
  type HttpVersion,
  TSGI_VERSION,
  type WebSocketScope,
} from 'tsgi';
import { tlsInfo } from '../http/connection.js';
import { TargetParts, withinRoot } from '../http/target.js';
import type { WebSocketContext } from './context.js';

function trimOws(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
    return value.replace(/^[ \t]+|[ \t]+$/g, '');
  }
  return value;
}

/**
 * The scope headers from Node.js `rawHeaders` (HTTP-SCOPE-10, HTTP-SCOPE-15):
 * lowercase names, received order, repeats kept, except that several `cookie`
 * fields are joined with `"; "` at the first one's place (HTTP-SCOPE-12), and
 * an absolute-form authority replaces every `host` field (HTTP-SCOPE-18).
 *
 * @param rawHeaders - alternating names and values, as Node.js gives them.
 * @param authority - the authority of an absolute-form target, or `null`.
 */
export function headerListFromRaw(
  rawHeaders: readonly string[],
  authority: string | null,
): HeaderList {
  const headers: HeaderList = [];
  let cookie = -1;
  let hostPlaced = authority === null;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = trimOws(rawHeaders[i + 1]!);
    if (name === 'cookie') {
      if (cookie !== -1) {
        const pair = headers[cookie]!;
        pair[1] = `${pair[1]}; ${value}`;
        continue;
      }
      cookie = headers.length;
    } else if (name === 'host' && authority !== null) {
      if (!hostPlaced) headers.push(['host', authority]);
      hostPlaced = true;
      continue;
    }
    headers.push([name, value]);
  }
  if (!hostPlaced) headers.unshift(['host', authority!]);
  return headers;
}

/**
 * The subprotocols a client offered (WS-SCOPE-2): every `sec-websocket-protocol`
 * field split at commas, trimmed, in order, empty items left out.
 */
export function offeredSubprotocols(headers: HeaderList): string[] {
  const offered: string[] = [];
  for (const [name, value] of headers) {
    if (name !== 'sec-websocket-protocol') continue;
    for (const item of value.split(',')) {
      const protocol = trimOws(item);
      if (protocol !== '') offered.push(protocol);
    }
  }
  return offered;
}

/** Reads the listening path of the server a unix-socket connection came through. */
function unixSocketPath(socket: Socket): string | null {
  const server = (socket as unknown as { server?: { address?: () => unknown } }).server;
  const address = typeof server?.address === 'function' ? server.address() : null;
  return typeof address === 'string' ? address : null;
}

/** The peer of a connection (HTTP-SCOPE-13): `null` on a unix socket. */
export function clientAddress(socket: Socket): Address | null {
  const host = socket.remoteAddress;
  const port = socket.remotePort;
  return host === undefined || port === undefined ? null : { host, port };
}

/** The local end of a connection (HTTP-SCOPE-14). */
export function serverAddress(socket: Socket): Address | null {
  const host = socket.localAddress;
  const port = socket.localPort;
  if (host !== undefined && port !== undefined) return { host, port };
  const path = unixSocketPath(socket);
  return path === null ? null : { host: path, port: null };
}

function httpVersionOf(req: IncomingMessage): HttpVersion {
  const version = req.httpVersion;
  return version === '1.0' || version === '2' || version === '3' ? version : '1.1';
}

/** Why a handshake has no scope: its target cannot be one, or lies outside the mount point. */
export type ScopeProblem = 400 | 404;

/**
 * Builds the scope of a WebSocket handshake (WS-SCOPE-1, WS-SCOPE-2). The
 * `websocket.http.response` extension is always advertised; `tls` only on TLS.
 *
 * @param req - the handshake request.
 * @param socket - its connection.
 * @param context - for the root path and the lifespan state.
 * @returns the scope, or the status to refuse the handshake with: 400 for a
 *   target that is neither origin-form nor an `http(s)` absolute-form, 404
 *   for a path outside the mount point (HTTP-SCOPE-9), as for HTTP requests.
 */
export function buildWebSocketScope(
  req: IncomingMessage,
  socket: Socket,
  context: Pick<WebSocketContext, 'options' | 'lifespanState'>,
): WebSocketScope | ScopeProblem {
  const target = new TargetParts();
  if (!target.parse(req.url ?? '') || target.rawPath === '*') return 400;
  const rootPath = context.options.rootPath;
  if (!withinRoot(target.path, rootPath)) return 404;
  const headers = headerListFromRaw(req.rawHeaders, target.authority);
  const encrypted = (socket as TLSSocket).encrypted === true;
  const extensions: Extensions = { 'websocket.http.response': {} };
  if (encrypted) extensions.tls = tlsInfo(socket as TLSSocket);
  const scope: WebSocketScope = {
    type: 'websocket',
    tsgi: { version: TSGI_VERSION },
    httpVersion: httpVersionOf(req),
    scheme: encrypted ? 'wss' : 'ws',
    path: target.path,
    rawPath: target.rawPath,
    queryString: target.queryString,
    rootPath,
    headers,
    client: clientAddress(socket),
    server: serverAddress(socket),
    subprotocols: offeredSubprotocols(headers),
    extensions,
  };
  const state = context.lifespanState();
  if (state !== undefined) scope.state = { ...state };
  return scope;
}
