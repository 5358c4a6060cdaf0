/**
 * The WebSocket scope of a handshake (section 4.1). The header list, the
 * paths and the TLS facts come from the HTTP side, so that both scopes follow
 * the same rules (WS-SCOPE-1); the addresses are read here from the socket.
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
 * Makes the authority of an absolute-form target the `host` field
 * (HTTP-SCOPE-18): it takes the first `host` field's place, or comes first
 * when there is none, and any other `host` field is dropped. Changes
 * `headers` in place.
 *
 * @param headers - the request's header list, made for this request alone.
 * @param authority - the authority of the target.
 */
export function applyAuthority(headers: HeaderList, authority: string): void {
  let placed = false;
  let kept = 0;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    if (pair[0] === 'host') {
      if (placed) continue;
      placed = true;
      headers[kept++] = ['host', authority];
      continue;
    }
    headers[kept++] = pair;
  }
  headers.length = kept;
  if (!placed) headers.unshift(['host', authority]);
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
 * @param headers - the request's header list as the HTTP side read it; it
 *   becomes the scope's, with an absolute-form authority applied.
 * @returns the scope, or the status to refuse the handshake with: 400 for a
 *   target that is neither origin-form nor an `http(s)` absolute-form, 404
 *   for a path outside the mount point (HTTP-SCOPE-9), as for HTTP requests.
 */
export function buildWebSocketScope(
  req: IncomingMessage,
  socket: Socket,
  context: Pick<WebSocketContext, 'options' | 'lifespanState'>,
  headers: HeaderList,
): WebSocketScope | ScopeProblem {
  const target = new TargetParts();
  if (!target.parse(req.url ?? '') || target.rawPath === '*') return 400;
  const rootPath = context.options.rootPath;
  if (!withinRoot(target.path, rootPath)) return 404;
  if (target.authority !== null) applyAuthority(headers, target.authority);
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
