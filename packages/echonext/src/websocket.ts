/**
 * WebSocket routes: a small wrapper over the TSGI WebSocket events, and the
 * code that runs a route's handler and closes what it leaves open.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import type { Address, WebSocketReceiveEvent, WebSocketScope, WebSocketSendEvent } from 'tsgi';
import { isClientDisconnected, TsgiError } from 'tsgi';
import { AppError, AppErrorCode } from './app-errors.js';
import { QueryParams } from './body/urlencoded.js';
import { parseCookies } from './cookies.js';
import type { Logger } from './error-scope.js';
import { type HeadersInit, HeadersView, headerValues, normalizeHeaders } from './headers.js';
import { isHTTPError, STATUS_TEXT } from './http-error.js';
import type { RouteParams } from './router/route.js';

/** The stable code of {@link WebSocketDisconnect}. */
export const WEBSOCKET_DISCONNECT = 'ERR_ECHONEXT_WEBSOCKET_DISCONNECT';

/**
 * The connection is closed: thrown by the receive methods once the client
 * has closed it or gone away. Letting it escape the handler is the normal
 * way to end; it is never logged.
 */
export class WebSocketDisconnect extends TsgiError {
  /** The close code: the client's, 1005 when it gave none, 1006 when the connection dropped. */
  readonly closeCode: number;
  /** The close reason, possibly empty. */
  readonly reason: string;

  /**
   * @param closeCode - the close code.
   * @param reason - the close reason.
   */
  constructor(closeCode: number, reason: string) {
    super(WEBSOCKET_DISCONNECT, `the WebSocket is closed (code ${closeCode})`);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

/** Where a WebSocket is in its life. */
export type WebSocketStatus = 'connecting' | 'open' | 'closed';

/** Options of {@link WebSocket.accept}. */
export interface AcceptOptions {
  /** The subprotocol chosen, one of {@link WebSocket.subprotocols} (WS-ACCEPT-2). */
  readonly subprotocol?: string | null;
  /** Extra headers for the `101` response (WS-ACCEPT-3). */
  readonly headers?: HeadersInit;
}

/** A received message: a string for a text message, bytes for a binary one. */
export type WebSocketMessage = string | Uint8Array;

/** The TSGI `receive` of a WebSocket connection. */
export type WebSocketReceive = () => Promise<WebSocketReceiveEvent>;

/** The TSGI `send` of a WebSocket connection. */
export type WebSocketSend = (event: WebSocketSendEvent) => Promise<void>;

/**
 * One WebSocket connection, as a route's handler gets it.
 *
 * ```ts
 * app.websocket('/ws/{room}', async (ws) => {
 *   await ws.accept();
 *   for await (const message of ws) {
 *     await ws.sendText(`${ws.params.room}: ${String(message)}`);
 *   }
 * });
 * ```
 *
 * @typeParam P - the route parameters.
 */
export class WebSocket<P extends RouteParams = RouteParams> {
  /** The TSGI scope, unchanged. */
  readonly scope: WebSocketScope;
  /** The route parameters. */
  readonly params: P;

  readonly #receive: WebSocketReceive;
  readonly #send: WebSocketSend;
  #status: WebSocketStatus = 'connecting';
  #connected = false;
  #closedBy: WebSocketDisconnect | null = null;
  #query: QueryParams | undefined;
  #headers: HeadersView | undefined;
  #cookies: Map<string, string> | undefined;
  #state: Record<string, unknown> | undefined;

  /**
   * @param scope - the TSGI WebSocket scope.
   * @param receive - the TSGI `receive`.
   * @param send - the TSGI `send`.
   * @param params - the route parameters.
   */
  constructor(scope: WebSocketScope, receive: WebSocketReceive, send: WebSocketSend, params: P) {
    this.scope = scope;
    this.#receive = receive;
    this.#send = send;
    this.params = params;
  }

  /** `'connecting'` until accepted or denied, `'open'` once accepted, then `'closed'`. */
  get status(): WebSocketStatus {
    return this.#status;
  }

  /** The percent-decoded path, including `rootPath`. */
  get path(): string {
    return this.scope.path;
  }

  /** The subprotocols the client offered, in its order (WS-SCOPE-2). */
  get subprotocols(): readonly string[] {
    return this.scope.subprotocols;
  }

  /** The query parameters, parsed on first use. */
  get query(): QueryParams {
    this.#query ??= new QueryParams(this.scope.queryString);
    return this.#query;
  }

  /** The handshake headers. */
  get headers(): HeadersView {
    this.#headers ??= new HeadersView(this.scope.headers);
    return this.#headers;
  }

  /** The cookies of the handshake. */
  get cookies(): ReadonlyMap<string, string> {
    this.#cookies ??= parseCookies(headerValues(this.scope.headers, 'cookie'));
    return this.#cookies;
  }

  /** The remote peer, or `null` when unknown. */
  get client(): Address | null {
    return this.scope.client;
  }

  /** The lifespan state (`scope.state`), or an object private to this connection without lifespan. */
  get state(): Record<string, unknown> {
    if (this.scope.state !== undefined) return this.scope.state;
    this.#state ??= {};
    return this.#state;
  }

  /** The {@link WebSocketDisconnect} that closed the connection from the client's side, if any. */
  get disconnect(): WebSocketDisconnect | null {
    return this.#closedBy;
  }

  /**
   * Accepts the connection: waits for the handshake, then opens it.
   *
   * @param options - a subprotocol (or the options object with headers too).
   * @throws {@link WebSocketDisconnect} when the client left during the handshake.
   * @throws {@link AppError} `WEBSOCKET_STATE` when not connecting; `INVALID_ARGUMENT`
   *   for a subprotocol the client did not offer (WS-ACCEPT-2).
   */
  async accept(options?: string | AcceptOptions): Promise<void> {
    this.#expect('connecting', 'accept()');
    const { subprotocol = null, headers } =
      typeof options === 'string' ? { subprotocol: options } : (options ?? {});
    if (subprotocol !== null && !this.scope.subprotocols.includes(subprotocol)) {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        `accept(): the client did not offer the subprotocol ${JSON.stringify(subprotocol)}; it offered ${JSON.stringify(this.scope.subprotocols)}`,
      );
    }
    const extra = normalizeHeaders(headers);
    await this.#handshake();
    const event: WebSocketSendEvent =
      extra.length === 0
        ? { type: 'websocket.accept', subprotocol }
        : { type: 'websocket.accept', subprotocol, headers: extra };
    await this.#send(event);
    this.#status = 'open';
  }

  /**
   * Refuses the handshake. With the server's `websocket.http.response`
   * extension (EXT-WSDENY-1) the client gets an HTTP response with `status`
   * and a short text body; without it, the close gives it a 403 (WS-CLOSE-1).
   *
   * @param status - the HTTP status, 400 to 599. Defaults to 403.
   * @param message - the body text; the reason phrase when left out.
   * @throws {@link AppError} `WEBSOCKET_STATE` once accepted or closed.
   */
  async deny(status = 403, message?: string): Promise<void> {
    this.#expect('connecting', 'deny()');
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        `deny(): the status must be an integer from 400 to 599, received ${String(status)}`,
      );
    }
    await this.#handshake();
    this.#status = 'closed';
    if (this.scope.extensions['websocket.http.response'] === undefined) {
      await this.#send({ type: 'websocket.close' });
      return;
    }
    const body = message ?? STATUS_TEXT[status] ?? `HTTP ${status}`;
    await this.#send({
      type: 'websocket.http.response.start',
      status,
      headers: [
        ['content-type', 'text/plain; charset=utf-8'],
        ['content-length', String(Buffer.byteLength(body))],
      ],
    });
    await this.#send({ type: 'websocket.http.response.body', body });
  }

  /**
   * The next message: a string for text, bytes for binary.
   *
   * @throws {@link WebSocketDisconnect} once the connection is closed.
   * @throws {@link AppError} `WEBSOCKET_STATE` before `accept()`.
   */
  async receive(): Promise<WebSocketMessage> {
    if (this.#closedBy !== null) throw this.#closedBy;
    this.#expect('open', 'receive()');
    for (;;) {
      const event = await this.#receive();
      if (event.type === 'websocket.receive') {
        if (event.text !== undefined) return event.text;
        if (event.bytes !== undefined) return event.bytes;
      } else if (event.type === 'websocket.disconnect') {
        this.#status = 'closed';
        this.#closedBy = new WebSocketDisconnect(event.code, event.reason);
        throw this.#closedBy;
      }
      // Events of a newer spec version are ignored (VER-2).
    }
  }

  /**
   * The next message, which must be text.
   *
   * @throws {@link AppError} `UNEXPECTED_MESSAGE` for a binary message; the
   *   app closes the connection with 1003 when the handler lets it escape.
   */
  async receiveText(): Promise<string> {
    const message = await this.receive();
    if (typeof message !== 'string') throw unexpected('text', 'binary');
    return message;
  }

  /**
   * The next message, which must be binary.
   *
   * @throws {@link AppError} `UNEXPECTED_MESSAGE` for a text message.
   */
  async receiveBytes(): Promise<Uint8Array> {
    const message = await this.receive();
    if (typeof message === 'string') throw unexpected('binary', 'text');
    return message;
  }

  /**
   * The next text message, parsed as JSON.
   *
   * @typeParam T - the type the caller expects; not checked.
   * @throws `SyntaxError` for malformed JSON; what {@link WebSocket.receiveText} throws.
   */
  async receiveJson<T = unknown>(): Promise<T> {
    return JSON.parse(await this.receiveText()) as T;
  }

  /** Sends a text message. */
  async sendText(text: string): Promise<void> {
    this.#expect('open', 'sendText()');
    await this.#send({ type: 'websocket.send', text });
  }

  /** Sends a binary message. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    this.#expect('open', 'sendBytes()');
    await this.#send({ type: 'websocket.send', bytes });
  }

  /**
   * Sends `value` as a JSON text message.
   *
   * @throws {@link AppError} `INVALID_ARGUMENT` when `value` has no JSON form.
   */
  async sendJson(value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        `sendJson(): ${typeof value} has no JSON form`,
      );
    }
    await this.sendText(text);
  }

  /**
   * Closes the connection; before `accept()` this denies the handshake with
   * a 403 (WS-CLOSE-1). Does nothing once closed.
   *
   * @param code - the close code (WS-CLOSE-2). Defaults to 1000.
   * @param reason - the reason, at most 123 bytes in UTF-8. Defaults to empty.
   */
  async close(code = 1000, reason = ''): Promise<void> {
    if (this.#status === 'closed') return;
    if (this.#status === 'connecting') await this.#handshake();
    this.#status = 'closed';
    await this.#send({ type: 'websocket.close', code, reason });
  }

  /** The messages until the client closes; the loop then ends without an error. */
  async *[Symbol.asyncIterator](): AsyncGenerator<WebSocketMessage, void, undefined> {
    for (;;) {
      let message: WebSocketMessage;
      try {
        message = await this.receive();
      } catch (error) {
        if (error instanceof WebSocketDisconnect) return;
        throw error;
      }
      yield message;
    }
  }

  /** Reads `websocket.connect`, which comes before any answer to the handshake (WS-CONNECT-1). */
  async #handshake(): Promise<void> {
    if (this.#connected) return;
    for (;;) {
      const event = await this.#receive();
      if (event.type === 'websocket.connect') {
        this.#connected = true;
        return;
      }
      if (event.type === 'websocket.disconnect') {
        this.#status = 'closed';
        this.#closedBy = new WebSocketDisconnect(event.code, event.reason);
        throw this.#closedBy;
      }
    }
  }

  #expect(status: WebSocketStatus, what: string): void {
    if (this.#status !== status) {
      const now =
        this.#status === 'connecting'
          ? 'not accepted yet'
          : this.#status === 'open'
            ? 'open'
            : 'closed';
      throw new AppError(AppErrorCode.WEBSOCKET_STATE, `${what}: the WebSocket is ${now}`);
    }
  }
}

function unexpected(wanted: string, got: string): AppError {
  return new AppError(
    AppErrorCode.UNEXPECTED_MESSAGE,
    `expected a ${wanted} WebSocket message, received a ${got} one`,
  );
}

/** A WebSocket route's handler. */
export type WebSocketHandler<P extends RouteParams = RouteParams> = (
  ws: WebSocket<P>,
) => void | Promise<void>;

/**
 * Runs a route's handler and ends what it leaves open: a connection never
 * accepted is denied (403), an open one is closed with 1000. An error the
 * handler throws is logged, unless it is a disconnect; before `accept()` an
 * `HTTPError` denies the handshake with its status and anything else with
 * 500, after it the connection is closed with 1011 (1003 for a message of
 * the wrong kind).
 *
 * @param ws - the connection.
 * @param handler - the route's handler.
 * @param logger - where unexpected errors go.
 */
export async function runWebSocket(
  ws: WebSocket,
  handler: WebSocketHandler,
  logger: Logger,
): Promise<void> {
  try {
    await handler(ws);
  } catch (error) {
    if (error instanceof WebSocketDisconnect || isClientDisconnected(error)) return;
    const http = isHTTPError(error);
    if (!http || error.status >= 500) {
      logger.error(`echonext: WebSocket ${ws.path} failed`, error);
    }
    await settle(() => {
      if (ws.status === 'connecting') return ws.deny(http ? error.status : 500);
      const unsupported =
        error instanceof AppError && error.code === AppErrorCode.UNEXPECTED_MESSAGE;
      return ws.close(unsupported ? 1003 : 1011);
    });
    return;
  }
  await settle(() => ws.close());
}

/** Runs a last send, ignoring a client that already left. */
async function settle(last: () => Promise<void>): Promise<void> {
  try {
    await last();
  } catch (error) {
    if (!(error instanceof WebSocketDisconnect) && !isClientDisconnected(error)) throw error;
  }
}
