/**
 * Node's HTTP(S) server set up for TSGI: the request handler that checks a
 * request, builds its scope and starts its exchange, and the handlers for
 * what never reaches the app (parse errors, `CONNECT`), plus the hand-off of
 * upgrade requests to the WebSocket side.
 *
 * Per request, the hot path allocates the header list (one array per field,
 * from `rawHeaders`), the scope, the exchange and its protocol machine, the
 * `receive`/`send` pair and the promises the app awaits; the state copy when
 * lifespan runs. Connection facts (addresses, TLS, extension objects) are
 * made once per connection, the target parser and header-facts objects once
 * per server. No URL, Request, Response or Headers object is made.
 *
 * @module
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type HeaderList, type HttpScope, TSGI_VERSION } from 'tsgi';
import type { TlsServerOptions } from '../listen/tls.js';
import { getUpgradeHandler } from '../upgrade.js';
import { connectionOf, knownConnection, type ListenerInfo } from './connection.js';
import { applyServerLimits, clientErrorStatus, nodeServerOptions } from './limits.js';
import { isLingering, lingerAfterLastResponse, lingeringClose } from './linger.js';
import { HeadFacts } from './request-head.js';
import { rawCannedResponse } from './response-head.js';
import type { ServerState } from './state.js';
import { TargetParts, withinRoot } from './target.js';
import { HttpTransport, transportOf } from './transport.js';

const TSGI_INFO = Object.freeze({ version: TSGI_VERSION });

/** Builds scopes and starts exchanges for the requests of one server. */
export class RequestHandler {
  readonly #state: ServerState;
  readonly #listener: ListenerInfo;
  readonly #target = new TargetParts();
  readonly #head = new HeadFacts();

  /**
   * @param state - the server's shared state.
   * @param listener - the listening side, for `scope.server` on unix sockets.
   */
  constructor(state: ServerState, listener: ListenerInfo) {
    this.#state = state;
    this.#listener = listener;
  }

  /** Node's `request` event. */
  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res, false);
  };

  /**
   * Node's `checkContinue` event: an HTTP/1.1 request with `Expect:
   * 100-continue`. Listening to it keeps node from answering `100 Continue`
   * itself; the exchange sends it on the app's first `receive()` (HTTP-REQ-5).
   */
  readonly onCheckContinue = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res, true);
  };

  /**
   * Node's `upgrade` event, registered when an upgrade handler exists. A
   * WebSocket handshake is checked like any request head, held to
   * `limitConcurrency`, and handed to the handler; a request that fails the
   * checks is answered here and never reaches the app (HTTP-CONN-3). Any
   * other upgrade (such as `h2c`) is declined, as RFC 9110 section 7.8
   * allows: the request is served as plain HTTP/1.1.
   */
  upgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // HTTP-CONN-2: pipelined behind a rejected request; the rejection closes the socket.
    if (knownConnection(socket)?.closing) return;
    const handler = getUpgradeHandler();
    if (handler === null || !isWebSocketUpgrade(req)) {
      replayAsHttp(server, req, socket, head);
      return;
    }
    const facts = this.#head;
    const headers = facts.read(req.rawHeaders);
    let status = facts.check(req);
    if (status === 0) status = this.#limits(req, facts);
    if (status === 0 && this.#state.saturated) status = 503;
    if (status !== 0) {
      lingeringClose(socket, rawCannedResponse(status, this.#state.options));
      return;
    }
    handler(req, socket, head, this.#state.upgradeContext, headers);
  }

  #handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    const state = this.#state;
    const connection = connectionOf(req.socket, this.#listener);
    // HTTP-CONN-2: nothing after a rejected request on this connection is served.
    if (connection.closing) return;
    const facts = this.#head;
    const headers = facts.read(req.rawHeaders);
    let status = facts.check(req);
    if (status === 0) status = this.#limits(req, facts);
    const target = this.#target;
    if (status === 0 && !target.parse(req.url ?? '')) status = 400;
    // RFC 9112 section 3.2.4: the asterisk form is for OPTIONS only.
    if (status === 0 && target.rawPath === '*' && req.method !== 'OPTIONS') status = 400;
    if (status !== 0) {
      reject(state, res, connection, status, true);
      return;
    }
    // HTTP-SCOPE-18: the authority of an absolute-form target is the host.
    if (target.authority !== null) setHost(headers, facts, target.authority);
    let rootPath = state.rootPath;
    if (rootPath !== '' && !withinRoot(target.path, rootPath)) {
      if (target.path === '*') {
        // `*` names the server, not a resource below a mount point.
        rootPath = '';
      } else {
        // HTTP-SCOPE-9: the app is mounted at rootPath and sees nothing else.
        reject(state, res, connection, 404, facts.bodyLength !== 0);
        return;
      }
    }
    if (state.saturated) {
      reject(state, res, connection, 503, facts.bodyLength !== 0);
      return;
    }
    const maxRequests = state.options.maxRequestsPerConnection;
    if (maxRequests > 0 && ++connection.requests >= maxRequests) {
      // Node says `connection: close` on the last response but keeps the
      // socket open; this makes it close after that response.
      res.shouldKeepAlive = false;
      connection.closing = true;
    }
    const http11 = req.httpVersionMinor === 1;
    const lifespanState = state.lifespanState;
    const extensions = connection.extensions(http11, http11 && facts.acceptsTrailers);
    const scope: HttpScope =
      lifespanState === null
        ? {
            type: 'http',
            tsgi: TSGI_INFO,
            httpVersion: http11 ? '1.1' : '1.0',
            method: req.method!,
            scheme: connection.scheme,
            path: target.path,
            rawPath: target.rawPath,
            queryString: target.queryString,
            rootPath,
            headers,
            client: connection.client,
            server: connection.server,
            extensions,
          }
        : {
            type: 'http',
            tsgi: TSGI_INFO,
            httpVersion: http11 ? '1.1' : '1.0',
            method: req.method!,
            scheme: connection.scheme,
            path: target.path,
            rawPath: target.rawPath,
            queryString: target.queryString,
            rootPath,
            headers,
            client: connection.client,
            server: connection.server,
            // LS-STATE-1: each scope has its own shallow copy.
            state: { ...lifespanState },
            extensions,
          };
    const transport = new HttpTransport(
      state,
      connection,
      req,
      res,
      scope,
      facts.bodyLength,
      expectContinue,
    );
    void transport.run();
  }

  /** The limits checked before the app is called (SEC-7, section 9.1); 0 when within them. */
  #limits(req: IncomingMessage, facts: HeadFacts): number {
    const state = this.#state;
    // METHOD SP target SP HTTP/x.y
    if (req.method!.length + (req.url ?? '').length + 10 > state.maxRequestLineSize) return 414;
    if (req.rawHeaders.length > 2 * state.maxHeaderCount) return 431;
    const length = facts.contentLength;
    if (state.maxBodySize > 0 && length !== null && length > state.maxBodySize) return 413;
    return 0;
  }
}

/** Puts `authority` in place of the `host` field, or first when there is none (HTTP-SCOPE-18). */
function setHost(headers: HeaderList, facts: HeadFacts, authority: string): void {
  if (facts.hostIndex >= 0) headers[facts.hostIndex] = ['host', authority];
  else headers.unshift(['host', authority]);
}

/**
 * Answers a request the app never sees. With `close`, the connection closes
 * after the answer and serves nothing more (HTTP-CONN-2); the answer still
 * queues behind earlier responses on the connection (HTTP-CONN-1).
 */
function reject(
  state: ServerState,
  res: ServerResponse,
  connection: { closing: boolean },
  status: number,
  close: boolean,
): void {
  if (close || state.closing) {
    connection.closing = true;
    res.shouldKeepAlive = false;
    // The client may still be sending what was refused (a body, a long head).
    if (close) lingerAfterLastResponse(res.req.socket);
  }
  if (!state.options.dateHeader) res.sendDate = false;
  const canned = state.canned(status);
  res.writeHead(status, canned.headers);
  res.end(canned.body);
}

/** Whether a request asks to be upgraded to WebSocket. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return upgrade !== undefined && upgrade.trim().toLowerCase() === 'websocket';
}

/**
 * Gives an upgrade request the server declines back to node's HTTP parser,
 * as if it had just arrived without its `upgrade` field: node detached the
 * socket from the parser to emit `upgrade`, and a new `connection` event
 * attaches a fresh one.
 */
function replayAsHttp(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    let value = raw[i + 1]!;
    if (name === 'upgrade') continue;
    if (name === 'connection') {
      value = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && token.toLowerCase() !== 'upgrade')
        .join(', ');
      if (value === '') continue;
    }
    text += `${raw[i]}: ${value}\r\n`;
  }
  socket.unshift(Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]));
  // An HTTPS server parses what its TLS layer emits as `secureConnection`.
  server.emit(
    (socket as { encrypted?: boolean }).encrypted ? 'secureConnection' : 'connection',
    socket,
  );
}

/**
 * Node's `clientError` event: a request that could not be parsed, or a
 * timeout. The exchange in progress, if any, loses its client (HTTP-REQ-4);
 * the client gets the status when no response has begun, and the connection
 * closes without reading another request (HTTP-CONN-2).
 */
function onClientError(state: ServerState, error: Error, socket: Duplex): void {
  // Already answered and closing: node may report the same failure again.
  if (isLingering(socket)) return;
  const connection = knownConnection(socket);
  if (connection !== undefined) connection.closing = true;
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
  const transport = current === null ? undefined : transportOf(current);
  transport?.cutOff();
  const status = clientErrorStatus(error as Error & { code?: string }, state.maxRequestLineSize);
  const unanswered =
    current === null || (transport !== undefined ? transport.unanswered : !current.headersSent);
  if (status === null || !unanswered) {
    socket.destroy();
    return;
  }
  // The client may still be sending the request: closing at once would reset
  // the connection before it reads the answer. A socket already ended by
  // another close is drained the same way.
  lingeringClose(socket, socket.writable ? rawCannedResponse(status, state.options) : undefined);
}

/**
 * Node's `connect` event: TSGI carries no tunnels (section 1.4), and an
 * authority-form target has no scope (section 3.12), so the server answers 501.
 */
function onConnect(state: ServerState, socket: Duplex): void {
  lingeringClose(socket, rawCannedResponse(501, state.options));
}

/**
 * Creates node's server for one listening target: HTTPS when `tls` is given.
 * Upgrade requests go to the upgrade handler registered at this moment; with
 * none, node passes them to the request handler as plain requests.
 */
export function createNodeServer(state: ServerState, tls: TlsServerOptions | null): Server {
  const options = nodeServerOptions(state.options);
  const server: Server =
    tls === null ? createHttpServer(options) : createHttpsServer({ ...options, ...tls });
  applyServerLimits(server, state.options);
  const listener: ListenerInfo = {
    get unixPath() {
      const address = server.address();
      return typeof address === 'string' ? address : null;
    },
  };
  const handler = new RequestHandler(state, listener);
  server.on('request', handler.onRequest);
  server.on('checkContinue', handler.onCheckContinue);
  server.on('clientError', (error: Error, socket: Duplex) => onClientError(state, error, socket));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => onConnect(state, socket));
  if (getUpgradeHandler() !== null) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      handler.upgrade(server, req, socket, head),
    );
  }
  if (tls !== null) {
    // A failed TLS handshake is the client's problem, not the server's.
    server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
  }
  return server;
}
