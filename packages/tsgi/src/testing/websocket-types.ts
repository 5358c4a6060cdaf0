/**
 * What the client of a harness WebSocket sees: the answer to its handshake,
 * the messages and close frame it receives, and how the application's call
 * ended.
 *
 * @module
 */

import type { ProtocolError } from '../errors.js';
import type { WebSocketSettleAction } from '../protocol/websocket.js';
import type { HeaderList, SendEvent } from '../types.js';

const UTF8_DECODER = new TextDecoder();

/** The application accepted the connection (WS-ACCEPT-1). */
export interface WebSocketAccepted {
  /** How the handshake ended. */
  readonly kind: 'accepted';
  /** The subprotocol the application chose, or `null`. */
  readonly subprotocol: string | null;
  /** The headers it added to the `101` response (WS-ACCEPT-3). */
  readonly headers: HeaderList;
}

/** The client got an HTTP response instead of the upgrade. */
export interface WebSocketDenied {
  /** How the handshake ended. */
  readonly kind: 'denied';
  /**
   * The status: 403 when the application closed before accepting
   * (WS-CLOSE-1) or returned without answering (WS-SERVER-2), 500 when it
   * threw (WS-FAIL-1), or the status of its denial response (EXT-WSDENY-2).
   */
  readonly status: number;
  /** The response headers. */
  readonly headers: HeaderList;
  /** The response body. */
  readonly body: Uint8Array;
  /** `false` when a denial response was aborted before its end. */
  readonly complete: boolean;
  /** The requirement that decided this answer. */
  readonly requirement: string;
  /** The body decoded as UTF-8. */
  text(): string;
}

/** How the application answered the handshake. */
export type WebSocketHandshake = WebSocketAccepted | WebSocketDenied;

/** What the client receives: a message, or the server's close frame. */
export type WebSocketMessage =
  | {
      /** A text message. */
      readonly type: 'text';
      /** The message. */
      readonly text: string;
    }
  | {
      /** A binary message. */
      readonly type: 'bytes';
      /** The message. */
      readonly bytes: Uint8Array;
    }
  | {
      /** The server's close frame; nothing follows it. */
      readonly type: 'close';
      /** The close code. */
      readonly code: number;
      /** The close reason, possibly empty. */
      readonly reason: string;
    };

/** How the application's call ended, from `TestWebSocket.finished()`. */
export interface WebSocketEnd {
  /** What the server did once the application settled (see the WebSocket machine). */
  readonly action: WebSocketSettleAction;
  /** The requirement that prescribed `action`, or `null` for a plain close. */
  readonly requirement: string | null;
  /** The error the application threw, else the first rule it broke, else `null`. */
  readonly error: unknown;
  /** The first rule the application broke, or `null`. */
  readonly violation: ProtocolError | null;
  /** Every event the application passed to `send()`, in order. */
  readonly events: readonly SendEvent[];
}

/** Builds a {@link WebSocketDenied}. */
export function denied(
  status: number,
  headers: HeaderList,
  body: Uint8Array,
  complete: boolean,
  requirement: string,
): WebSocketDenied {
  return {
    kind: 'denied',
    status,
    headers,
    body,
    complete,
    requirement,
    text: () => UTF8_DECODER.decode(body),
  };
}

/** Joins two byte arrays. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
