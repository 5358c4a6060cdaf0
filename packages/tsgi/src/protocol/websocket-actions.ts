/**
 * What the WebSocket machine answers: the actions a transport carries out for
 * the app's events, the events a server gives on `receive()`, and what is
 * left to do once the app settled. Plain, readonly data.
 *
 * @module
 */

import type { HeaderList } from '../types.js';
import type { ResponseFraming } from './body.js';
import type { DisconnectedAction } from './machine.js';

/** Complete the handshake with `101` (WS-ACCEPT-3). */
export interface WebSocketAcceptAction {
  /** The action. */
  readonly kind: 'accept';
  /** The chosen subprotocol, one the client offered, or `null`. */
  readonly subprotocol: string | null;
  /** Headers to add to the `101` response, checked; never the handshake fields. */
  readonly headers: HeaderList;
}

/** Send one message. */
export interface WebSocketMessageAction {
  /** The action. */
  readonly kind: 'message';
  /** A string goes as a text frame, bytes as a binary frame. */
  readonly data: string | Uint8Array;
}

/** Send a close frame. */
export interface WebSocketCloseAction {
  /** The action. */
  readonly kind: 'close';
  /** The close code (WS-CLOSE-2). */
  readonly code: number;
  /** The close reason, at most 123 bytes in UTF-8. */
  readonly reason: string;
}

/** Deny the handshake with HTTP 403: the app closed before accepting (WS-CLOSE-1). */
export interface WebSocketDenyAction {
  /** The action. */
  readonly kind: 'deny';
  /** Always 403. */
  readonly status: 403;
}

/** Start the HTTP response that replaces the handshake (EXT-WSDENY-2). */
export interface WebSocketDenialStartAction {
  /** The action. */
  readonly kind: 'denial-start';
  /** The status, 200 to 599. */
  readonly status: number;
  /** The app's headers, checked. */
  readonly headers: HeaderList;
  /** How to delimit the body. */
  readonly framing: ResponseFraming;
  /** The `content-length` the app set, or `null`. */
  readonly contentLength: number | null;
}

/** Send a piece of the denial response body. */
export interface WebSocketDenialBodyAction {
  /** The action. */
  readonly kind: 'denial-body';
  /** The bytes, or a string to write as UTF-8. */
  readonly body: Uint8Array | string;
  /** Whether this piece ends the response. */
  readonly done: boolean;
}

/** Nothing to do: a close after the client left (WS-ORDER-1 allows it). Resolve the send. */
export interface WebSocketIgnoreAction {
  /** The action. */
  readonly kind: 'ignore';
}

/** What `WebSocketSession.send` tells the transport to do. */
export type WebSocketSendAction =
  | WebSocketAcceptAction
  | WebSocketMessageAction
  | WebSocketCloseAction
  | WebSocketDenyAction
  | WebSocketDenialStartAction
  | WebSocketDenialBodyAction
  | WebSocketIgnoreAction
  | DisconnectedAction;

/** Give the app `websocket.connect` (WS-CONNECT-1). */
export interface WebSocketConnectAction {
  /** The action. */
  readonly kind: 'connect';
}

/** Give the app the next whole message, or `websocket.disconnect` once the connection closed. */
export interface WebSocketReadAction {
  /** The action. */
  readonly kind: 'read';
}

/** Give the app `websocket.disconnect` again, as it was first given (WS-DISC-1). */
export interface WebSocketDisconnectAction {
  /** The action. */
  readonly kind: 'disconnect';
  /** The close code first given. */
  readonly code: number;
  /** The close reason first given. */
  readonly reason: string;
}

/** What `WebSocketSession.receive` tells the server to give the app. */
export type WebSocketReceiveAction =
  | WebSocketConnectAction
  | WebSocketReadAction
  | WebSocketDisconnectAction;

/**
 * What the server must do once the app settled:
 *
 * - `ok`: the app closed or denied the connection; nothing is left.
 * - `client-gone`: the client left; nothing is sent.
 * - `respond-500`: it threw before answering the handshake (WS-FAIL-1).
 * - `deny-403`: it returned without answering the handshake (WS-SERVER-2).
 * - `close-1000`: it returned with the connection open (WS-SERVER-2).
 * - `close-1011`: it threw, or broke a rule, with the connection open (WS-FAIL-1).
 * - `abort`: it left a denial response unfinished; abort the connection.
 */
export type WebSocketSettleAction =
  | 'ok'
  | 'client-gone'
  | 'respond-500'
  | 'deny-403'
  | 'close-1000'
  | 'close-1011'
  | 'abort';
