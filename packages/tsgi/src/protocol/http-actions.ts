/**
 * What the HTTP machine answers: the actions a transport carries out for the
 * app's events, the events a server gives on `receive()`, and what is left to
 * do once the app settled. Plain, readonly data, so a server can switch on
 * `kind` and a test can compare actions with `deepEqual`.
 *
 * @module
 */

import type { HeaderList } from '../types.js';
import type { ResponseFraming } from './body.js';
import type { DisconnectedAction } from './machine.js';

/** Send `103 Early Hints` with these headers (EXT-HINTS-2). */
export interface HttpEarlyHintsAction {
  /** The action. */
  readonly kind: 'early-hints';
  /** The hint headers, checked. */
  readonly headers: HeaderList;
}

/** Send the status line and headers (HTTP-RESP-9). */
export interface HttpStartAction {
  /** The action. */
  readonly kind: 'start';
  /** The status, 200 to 599. */
  readonly status: number;
  /** The app's headers, checked, in its order. */
  readonly headers: HeaderList;
  /** How to delimit the body. */
  readonly framing: ResponseFraming;
  /**
   * The `content-length` the app set, or `null`. On HEAD and 304 it is kept
   * but not enforced (HTTP-RESP-10).
   */
  readonly contentLength: number | null;
  /** Whether trailers follow the body (EXT-TRAILERS-3). */
  readonly trailers: boolean;
}

/** Send a piece of body. */
export interface HttpBodyAction {
  /** The action. */
  readonly kind: 'body';
  /** The bytes, or a string to write as UTF-8. Always empty when framing is `'none'`. */
  readonly body: Uint8Array | string;
  /** Whether this piece ends the body. */
  readonly done: boolean;
  /** Whether the response is complete with it (false while trailers are due). */
  readonly complete: boolean;
}

/** Send `length` bytes of a file from `offset` as the rest of the body (EXT-FILE-2). */
export interface HttpFileAction {
  /** The action. */
  readonly kind: 'file';
  /** The absolute path. */
  readonly path: string;
  /** The first byte to send. */
  readonly offset: number;
  /** How many bytes to send, or `null` for the rest of the file. */
  readonly length: number | null;
  /**
   * How many bytes the file must supply to meet the app's `content-length`,
   * or `null` when no length binds. When the file cannot supply exactly that,
   * the server rejects the send and aborts (HTTP-RESP-11).
   */
  readonly requiredLength: number | null;
  /** Whether the response is complete with it (false while trailers are due). */
  readonly complete: boolean;
}

/** Send the trailer fields; the response is then complete (EXT-TRAILERS-3). */
export interface HttpTrailersAction {
  /** The action. */
  readonly kind: 'trailers';
  /** The trailer fields, checked. */
  readonly headers: HeaderList;
}

/** What `HttpExchange.send` tells the transport to do. */
export type HttpSendAction =
  | HttpEarlyHintsAction
  | HttpStartAction
  | HttpBodyAction
  | HttpFileAction
  | HttpTrailersAction
  | DisconnectedAction;

/**
 * Give the app the next piece of the request body as `http.request`, or
 * `http.disconnect` if the client leaves first.
 */
export interface HttpReadAction {
  /** The action. */
  readonly kind: 'read';
  /** Send `100 Continue` first (HTTP-REQ-5); true at most once per exchange. */
  readonly sendContinue: boolean;
}

/**
 * The body was all given: resolve with `http.disconnect` once the response is
 * complete or the client leaves.
 */
export interface HttpWaitAction {
  /** The action. */
  readonly kind: 'wait';
}

/** Give the app `http.disconnect` now. */
export interface HttpDisconnectAction {
  /** The action. */
  readonly kind: 'disconnect';
  /** Why: the client is gone (HTTP-DISC-1) or the response is complete (HTTP-DISC-3). */
  readonly requirement: 'HTTP-DISC-1' | 'HTTP-DISC-3';
}

/** What `HttpExchange.receive` tells the server to give the app. */
export type HttpReceiveAction = HttpReadAction | HttpWaitAction | HttpDisconnectAction;

/**
 * What the server must do once the app settled:
 *
 * - `ok`: the response is complete; the connection may serve another request.
 * - `respond-500`: nothing was started; answer 500 with a body that reveals
 *   nothing (HTTP-FAIL-1, HTTP-FAIL-3).
 * - `abort`: a response was started but not completed; abort the connection
 *   (or stream) so the client cannot take it as complete (HTTP-FAIL-2, HTTP-FAIL-3).
 * - `client-gone`: the client left; nothing is sent.
 */
export type HttpSettleAction = 'ok' | 'respond-500' | 'abort' | 'client-gone';
