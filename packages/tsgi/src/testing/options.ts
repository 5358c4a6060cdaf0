/**
 * The options of the harness: what a test says about the request or
 * connection it plays, and how strictly the harness judges the application.
 *
 * Everything has a default, so `request(app, { path: '/' })` is a complete
 * request. A test describes what a client sends (a target, headers, a body);
 * the harness derives the scope from it the way a server would.
 *
 * @module
 */

import type { Address, Extensions, HttpVersion } from '../types.js';

/**
 * Request headers as a test writes them: an object (an array value gives the
 * field several times, in order) or `[name, value]` pairs. Names may be in any
 * case: the scope has them in lowercase (HTTP-SCOPE-10).
 */
export type HeaderInput =
  | Readonly<Record<string, string | readonly string[]>>
  | Iterable<readonly [name: string, value: string]>;

/** A piece of a request body: bytes, or a string sent as UTF-8. */
export type BodyChunk = string | Uint8Array;

/**
 * A request body: a whole body (a string is sent as UTF-8), or pieces from an
 * iterable or async iterable, each reaching the application as one
 * `http.request` event with `moreBody: true`, and then a last empty one with
 * `moreBody: false`, as a chunked body does.
 */
export type BodyInput = BodyChunk | Iterable<BodyChunk> | AsyncIterable<BodyChunk>;

/**
 * When the client of a harness request goes away:
 *
 * - `'before-body'`: before any of the request body reaches the application;
 * - `{ afterBytes: n }`: once `n` bytes of the body reached it, before the
 *   body ended, so it never sees `moreBody: false` (HTTP-REQ-4);
 * - `'after-body'`: once the whole body reached it, before the response;
 * - `'after-start'`: once the transport accepted `http.response.start`;
 * - `{ afterResponseBytes: n }`: once the transport accepted `n` bytes of
 *   response body (`n` of at least 1), in the middle of the response.
 */
export type DisconnectPoint =
  | 'before-body'
  | 'after-body'
  | 'after-start'
  | {
      /** Request body bytes the application receives before the client leaves. */
      readonly afterBytes: number;
    }
  | {
      /** Response body bytes the transport accepts before the client leaves. */
      readonly afterResponseBytes: number;
    };

/** Options that every protocol's harness call takes. */
export interface RunOptions {
  /**
   * Wrap the application in `validate()`, so that it is checked against
   * every rule the validator knows, besides those the harness enforces as a
   * server. Default `true`.
   */
  readonly validate?: boolean;
  /**
   * How long a wait of the harness lasts before it fails with a
   * `HarnessTimeoutError` naming what it awaited, in milliseconds;
   * `Infinity` for no limit. Default 5000.
   */
  readonly timeoutMs?: number;
  /**
   * Reject when the application breaks a rule or fails (strict, the
   * default). With `false`, results describe the outcome instead, as a
   * client would have seen it (a 500, an aborted response, a close 1011).
   */
  readonly strict?: boolean;
}

/** Options of the connection an HTTP request or a WebSocket arrives on. */
export interface ConnectionOptions extends RunOptions {
  /**
   * The request target: a path with an optional query, exactly as the client
   * sends it (`"/a%2Fb?x=1"`), an absolute-form URL (`"http://host/p"`) or
   * `"*"`. Escapes are kept as written; only characters a target cannot carry
   * (controls, spaces, non-ASCII) are percent-encoded as UTF-8, as clients do.
   * A fragment (`#...`) is dropped. Default `"/"`.
   */
  readonly path?: string;
  /**
   * The request headers. The harness adds what a client would: `host` (for
   * HTTP/1.1 and later, `"localhost"`), and the body's `content-length` or
   * `transfer-encoding`.
   */
  readonly headers?: HeaderInput;
  /** The HTTP version. Default `"1.1"`. */
  readonly httpVersion?: HttpVersion;
  /** The client address. Default `{ host: '127.0.0.1', port: 54321 }`. */
  readonly client?: Address | null;
  /** The server address. Default `{ host: '127.0.0.1', port: 80 }` (443 over TLS). */
  readonly server?: Address | null;
  /** The mount point; the decoded path must start with it (HTTP-SCOPE-9). Default `""`. */
  readonly rootPath?: string;
  /**
   * Lifespan state: the scope gets a shallow copy of it (LS-STATE-1).
   * Default: no `state`, as without lifespan (LS-4).
   */
  readonly state?: Record<string, unknown>;
  /**
   * `scope.extensions`, exactly. Default: every extension the harness
   * implements that can apply to this request: early hints (HTTP/1.1 and
   * later), file responses, trailers (when the request carries
   * `TE: trailers`), WebSocket denial responses, and TLS facts for `https`
   * and `wss`.
   */
  readonly extensions?: Extensions;
}

/** Options of an HTTP request played by the harness. */
export interface HttpOptions extends ConnectionOptions {
  /** The method, exactly as sent (HTTP-SCOPE-4). Default `"GET"`. */
  readonly method?: string;
  /** The scheme. Default `"http"`. */
  readonly scheme?: 'http' | 'https';
  /** The request body. Default: none. */
  readonly body?: BodyInput;
  /**
   * The test sends the body itself, piece by piece, with
   * `TestHttpExchange.sendBody()`. Not with `body`.
   */
  readonly streamBody?: boolean;
  /** When the client goes away. Default: it stays until the response is complete. */
  readonly disconnect?: DisconnectPoint;
}

/** Options of a WebSocket connection played by the harness. */
export interface WebSocketOptions extends ConnectionOptions {
  /** The scheme. Default `"ws"`. */
  readonly scheme?: 'ws' | 'wss';
  /**
   * The subprotocols the client offers, sent as `sec-websocket-protocol`
   * (WS-SCOPE-2). Default: none, or those of a `sec-websocket-protocol`
   * header given in `headers`.
   */
  readonly subprotocols?: readonly string[];
}

/** Options of a lifespan played by the harness. */
export interface LifespanOptions extends RunOptions {
  /** The state object of the lifespan scope, which the application fills. Default `{}`. */
  readonly state?: Record<string, unknown>;
}

/** The time limit of one wait, overriding the `timeoutMs` of the call that opened it. */
export interface WaitOptions {
  /** Milliseconds, or `Infinity`. */
  readonly timeoutMs?: number;
}

/** Options of `TestHttpExchange.response()`. */
export interface ResponseOptions extends WaitOptions {
  /**
   * When the wait times out, the client leaves as well, so that a hung
   * application gets `http.disconnect` and can clean up. Default `false`;
   * `request()` always does.
   */
  readonly disconnectOnTimeout?: boolean;
}
