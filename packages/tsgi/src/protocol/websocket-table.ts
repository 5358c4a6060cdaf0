/**
 * The WebSocket state tables, as data: what the app may send in each state,
 * what the server may give in each state, the close codes an app may send,
 * and, for each move the app's table lacks, the rule it breaks.
 * `WebSocketSession` looks every event up here.
 *
 * @module
 */

import { ProtocolError } from '../errors.js';

/**
 * The app's side of a connection:
 *
 * - `handshake`: not yet answered.
 * - `open`: accepted; messages flow.
 * - `denying`: a denial response was started; its body is due.
 * - `closed`: the app closed the connection, or denied it (by close or a
 *   completed denial response).
 * - `disconnected`: the client left before the app closed.
 * - `failed`: the app broke a rule; the server closes or aborts.
 */
export type WebSocketState =
  | 'handshake'
  | 'open'
  | 'denying'
  | 'closed'
  | 'disconnected'
  | 'failed';

/**
 * An event the app sends, classified: `deny-start` and `deny-body` are the
 * `websocket.http.response.*` events, `deny-end` a body with `moreBody: false`.
 */
export type WebSocketMove = 'accept' | 'send' | 'close' | 'deny-start' | 'deny-body' | 'deny-end';

/** The legal moves of the app's side, state by state; anything missing is a `ProtocolError`. */
export const WEBSOCKET_TRANSITIONS: {
  readonly [S in WebSocketState]: { readonly [M in WebSocketMove]?: WebSocketState };
} = {
  handshake: { accept: 'open', close: 'closed', 'deny-start': 'denying' },
  open: { send: 'open', close: 'closed' },
  denying: { 'deny-body': 'denying', 'deny-end': 'closed' },
  closed: {},
  disconnected: {},
  failed: {},
};

/**
 * What the server has given the app:
 *
 * - `connecting`: nothing yet; `websocket.connect` comes first (WS-CONNECT-1).
 * - `connected`: `websocket.connect` was given.
 * - `gone`: `websocket.disconnect` was given; it repeats from now on (WS-DISC-1).
 */
export type WebSocketPeerState = 'connecting' | 'connected' | 'gone';

/** An event the server gives, classified. */
export type WebSocketPeerMove = 'connect' | 'receive' | 'disconnect';

/** The legal moves of the server's side, state by state. */
export const WEBSOCKET_PEER_TRANSITIONS: {
  readonly [S in WebSocketPeerState]: { readonly [M in WebSocketPeerMove]?: WebSocketPeerState };
} = {
  connecting: { connect: 'connected' },
  connected: { receive: 'connected', disconnect: 'gone' },
  gone: { disconnect: 'gone' },
};

/** Tells whether an app may send `code` in a close frame (WS-CLOSE-2). */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    (code === 1000 ||
      code === 1001 ||
      code === 1002 ||
      code === 1003 ||
      (code >= 1007 && code <= 1014) ||
      (code >= 3000 && code <= 4999))
  );
}

/** The rule an app event breaks in a state where {@link WEBSOCKET_TRANSITIONS} has no entry for its move. */
export function webSocketOrderError(
  state: WebSocketState,
  move: WebSocketMove,
  type: string,
): ProtocolError {
  if (state === 'closed') {
    return new ProtocolError(
      'WS-ORDER-1',
      type,
      'nothing after websocket.close',
      'an event after it',
    );
  }
  if (move === 'deny-start' || move === 'deny-body' || move === 'deny-end') {
    if (state === 'open') {
      return new ProtocolError('EXT-WSDENY-1', type, 'only before websocket.accept', 'after it');
    }
    return state === 'denying'
      ? new ProtocolError(
          'EXT-WSDENY-1',
          type,
          'websocket.http.response.start once',
          'a second one',
        )
      : new ProtocolError('EXT-WSDENY-1', type, 'after websocket.http.response.start', 'before it');
  }
  if (state === 'denying') {
    return new ProtocolError(
      'EXT-WSDENY-1',
      type,
      'websocket.http.response.body until one has moreBody false',
      'another event while the denial response is open',
    );
  }
  if (move === 'send') {
    return new ProtocolError(
      'WS-ACCEPT-1',
      type,
      'websocket.accept before any websocket.send',
      'websocket.send before it',
    );
  }
  // accept while open
  return new ProtocolError('WS-ACCEPT-1', type, 'websocket.accept once', 'a second one');
}
