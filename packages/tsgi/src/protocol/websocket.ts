/**
 * The WebSocket protocol machine: one {@link WebSocketSession} per connection.
 *
 * Two tables, as for HTTP. {@link WEBSOCKET_TRANSITIONS} is the app's side:
 * the handshake is answered exactly once (accept, close, or a denial
 * response where advertised), messages flow only while open, and nothing
 * follows a close. {@link WEBSOCKET_PEER_TRANSITIONS} is what the server
 * gives the app: `websocket.connect` first, messages, then
 * `websocket.disconnect`, repeated on every later `receive()`.
 *
 * The peer leaving is inert for the app, as in HTTP: once the client is gone
 * a send is answered `{ kind: 'disconnected' }` (reject with
 * `ClientDisconnectedError`), except `websocket.close`, which WS-ORDER-1
 * still allows and which has nothing left to do (`{ kind: 'ignore' }`).
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { HttpVersion, WebSocketReceiveEvent, WebSocketScope } from '../types.js';
import { BodyMeter, checkContentLength } from './body.js';
import { eventType, readBody, readFlag, readStatus, readText, utf8ByteLength } from './fields.js';
import { checkHeaderList } from './headers.js';
import {
  afterSettled,
  type DisconnectedAction,
  type ProtocolMachine,
  type Settlement,
  settlement,
} from './machine.js';
import type {
  WebSocketReceiveAction,
  WebSocketSendAction,
  WebSocketSettleAction,
} from './websocket-actions.js';
import {
  isSendableCloseCode,
  WEBSOCKET_PEER_TRANSITIONS,
  WEBSOCKET_TRANSITIONS,
  type WebSocketMove,
  type WebSocketPeerMove,
  type WebSocketPeerState,
  type WebSocketState,
  webSocketOrderError,
} from './websocket-table.js';

export type {
  WebSocketAcceptAction,
  WebSocketCloseAction,
  WebSocketConnectAction,
  WebSocketDenialBodyAction,
  WebSocketDenialStartAction,
  WebSocketDenyAction,
  WebSocketDisconnectAction,
  WebSocketIgnoreAction,
  WebSocketMessageAction,
  WebSocketReadAction,
  WebSocketReceiveAction,
  WebSocketSendAction,
  WebSocketSettleAction,
} from './websocket-actions.js';
export {
  isSendableCloseCode,
  WEBSOCKET_PEER_TRANSITIONS,
  WEBSOCKET_TRANSITIONS,
  type WebSocketMove,
  type WebSocketPeerMove,
  type WebSocketPeerState,
  type WebSocketState,
} from './websocket-table.js';

const CONNECT: WebSocketReceiveAction = Object.freeze({ kind: 'connect' });
const READ: WebSocketReceiveAction = Object.freeze({ kind: 'read' });
const DISCONNECTED: DisconnectedAction = Object.freeze({ kind: 'disconnected' });
const IGNORE: WebSocketSendAction = Object.freeze({ kind: 'ignore' });
const DENY: WebSocketSendAction = Object.freeze({ kind: 'deny', status: 403 });

/** States in which the app's side can still move. */
const OPEN_STATES: ReadonlySet<WebSocketState> = new Set(['handshake', 'open', 'denying']);

/**
 * The state machine of one WebSocket connection. Pure: no I/O, no timers.
 */
export class WebSocketSession
  implements
    ProtocolMachine<
      WebSocketState,
      WebSocketSendAction,
      WebSocketReceiveAction,
      WebSocketReceiveEvent,
      WebSocketSettleAction
    >
{
  #state: WebSocketState = 'handshake';
  #peerState: WebSocketPeerState = 'connecting';
  readonly #subprotocols: readonly string[];
  readonly #extensions: Readonly<Record<string, unknown>>;
  readonly #httpVersion: HttpVersion;
  #accepted = false;
  #clientGone = false;
  #closeCode = 1006;
  #closeReason = '';
  #settled = false;
  #meter: BodyMeter | null = null;
  #failedFrom: WebSocketState = 'handshake';
  #failure: unknown = null;
  #violation: ProtocolError | null = null;

  /**
   * @param scope - the connection's scope; read for the offered subprotocols,
   *   the HTTP version and the extensions.
   */
  constructor(scope: WebSocketScope) {
    this.#subprotocols = scope.subprotocols ?? [];
    this.#extensions = scope.extensions ?? {};
    this.#httpVersion = scope.httpVersion;
  }

  /** The app's side's state. */
  get state(): WebSocketState {
    return this.#state;
  }

  /** What the server has given the app so far. */
  get peerState(): WebSocketPeerState {
    return this.#peerState;
  }

  /** Whether the app accepted the connection. */
  get accepted(): boolean {
    return this.#accepted;
  }

  /** Whether the client is known to be gone. */
  get clientGone(): boolean {
    return this.#clientGone;
  }

  /**
   * The app called `send(event)`.
   *
   * @returns what the transport does with it.
   * @throws ProtocolError naming the rule the event breaks (APP-5 after the app settled).
   */
  send(event: unknown): WebSocketSendAction {
    if (this.#settled) throw afterSettled('send()');
    if (this.#state === 'failed') throw this.#failure;
    try {
      return this.#send(event);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#violation ??= error;
        if (OPEN_STATES.has(this.#state)) {
          this.#failedFrom = this.#state;
          this.#state = 'failed';
          this.#failure = error;
        }
      }
      throw error;
    }
  }

  /**
   * The app called `receive()`.
   *
   * @returns which event the server gives it.
   * @throws ProtocolError (APP-5) after the app settled.
   */
  receive(): WebSocketReceiveAction {
    if (this.#settled) throw afterSettled('receive()');
    if (this.#peerState === 'connecting') return CONNECT;
    if (this.#peerState === 'gone') {
      return { kind: 'disconnect', code: this.#closeCode, reason: this.#closeReason };
    }
    return READ;
  }

  /**
   * The server gives the app `event`. Every event given must pass through here.
   *
   * @returns the same event, typed.
   * @throws ProtocolError naming the server rule the event breaks.
   */
  deliver(event: unknown): WebSocketReceiveEvent {
    const type = eventType(event, 'SRV-2', 'received event');
    const fields = event as Record<string, unknown>;
    let move: WebSocketPeerMove;
    if (type === 'websocket.connect') {
      move = 'connect';
    } else if (type === 'websocket.receive') {
      readMessage(fields, 'WS-RECV-1', type);
      move = 'receive';
    } else if (type === 'websocket.disconnect') {
      const code = fields.code;
      if (typeof code !== 'number' || !Number.isInteger(code)) {
        throw new ProtocolError('WS-DISC-1', `${type} code`, 'an integer', describeValue(code));
      }
      const reason = fields.reason;
      if (typeof reason !== 'string') {
        throw new ProtocolError('WS-DISC-1', `${type} reason`, 'a string', describeValue(reason));
      }
      if (this.#peerState === 'gone' && code !== this.#closeCode) {
        throw new ProtocolError(
          'WS-DISC-1',
          `${type} code`,
          `the same code on every later receive() (${this.#closeCode})`,
          String(code),
        );
      }
      move = 'disconnect';
    } else {
      throw new ProtocolError(
        'SRV-2',
        'received event type',
        'websocket.connect, websocket.receive or websocket.disconnect',
        describeValue(type),
      );
    }
    const next = WEBSOCKET_PEER_TRANSITIONS[this.#peerState][move];
    if (next === undefined) {
      if (this.#peerState === 'connecting') {
        throw new ProtocolError('WS-CONNECT-1', type, 'websocket.connect first', 'another event');
      }
      throw move === 'connect'
        ? new ProtocolError('WS-CONNECT-1', type, 'websocket.connect only once', 'a second one')
        : new ProtocolError(
            'WS-DISC-1',
            type,
            'websocket.disconnect on every receive() once given',
            'another event',
          );
    }
    if (move === 'receive' && !this.#accepted) {
      // No message can arrive before the handshake completes.
      throw new ProtocolError('WS-RECV-1', type, 'only after websocket.accept', 'before it');
    }
    this.#peerState = next;
    if (move === 'disconnect') {
      this.clientDisconnected(fields.code as number, fields.reason as string);
    }
    return event as WebSocketReceiveEvent;
  }

  /**
   * The connection closed or dropped.
   *
   * @param code - the close code received (1005 when none, 1006 when it dropped).
   * @param reason - the close reason received.
   */
  clientDisconnected(code = 1006, reason = ''): void {
    if (!this.#clientGone) {
      this.#clientGone = true;
      this.#closeCode = code;
      this.#closeReason = reason;
    }
    if (OPEN_STATES.has(this.#state)) this.#state = 'disconnected';
  }

  /** The app's promise resolved. */
  appReturned(): Settlement<WebSocketSettleAction> {
    return this.#settle(false, undefined);
  }

  /** The app's promise rejected with `error`. */
  appThrew(error: unknown): Settlement<WebSocketSettleAction> {
    return this.#settle(true, error);
  }

  #send(event: unknown): WebSocketSendAction {
    const type = eventType(event, 'SRV-3', 'sent event');
    const fields = event as Record<string, unknown>;
    switch (type) {
      case 'websocket.accept': {
        const subprotocol = fields.subprotocol ?? null;
        if (
          subprotocol !== null &&
          (typeof subprotocol !== 'string' || !this.#subprotocols.includes(subprotocol))
        ) {
          throw new ProtocolError(
            'WS-ACCEPT-2',
            'websocket.accept subprotocol',
            this.#subprotocols.length === 0
              ? 'none, as the client offered none'
              : `one of ${this.#subprotocols.map((p) => JSON.stringify(p)).join(', ')}`,
            describeValue(subprotocol),
          );
        }
        const headers =
          fields.headers === undefined
            ? []
            : checkHeaderList(fields.headers, 'HTTP-RESP-3', 'websocket.accept headers');
        if (this.#state === 'disconnected') return DISCONNECTED;
        this.#state = this.#next('accept', type);
        this.#accepted = true;
        return { kind: 'accept', subprotocol, headers };
      }
      case 'websocket.send': {
        const data = readMessage(fields, 'WS-SEND-1', type);
        if (this.#state === 'disconnected') return DISCONNECTED;
        this.#state = this.#next('send', type);
        return { kind: 'message', data };
      }
      case 'websocket.close': {
        const code = fields.code ?? 1000;
        if (typeof code !== 'number' || !isSendableCloseCode(code)) {
          throw new ProtocolError(
            'WS-CLOSE-2',
            'websocket.close code',
            '1000 to 1003, 1007 to 1014, or 3000 to 4999',
            describeValue(code),
          );
        }
        const reason = readText(fields.reason, '', 'WS-CLOSE-2', 'websocket.close reason');
        if (reason.length > 41 && utf8ByteLength(reason) > 123) {
          throw new ProtocolError(
            'WS-CLOSE-2',
            'websocket.close reason',
            'at most 123 bytes in UTF-8',
            `${utf8ByteLength(reason)} bytes`,
          );
        }
        if (this.#state === 'disconnected') return IGNORE;
        const wasOpen = this.#state === 'open';
        this.#state = this.#next('close', type);
        return wasOpen ? { kind: 'close', code, reason } : DENY;
      }
      case 'websocket.http.response.start': {
        this.#requireDenial(type);
        const status = readStatus(fields.status, 'HTTP-RESP-2', `${type} status`);
        const headers =
          fields.headers === undefined
            ? []
            : checkHeaderList(fields.headers, 'HTTP-RESP-3', `${type} headers`);
        if (this.#state === 'disconnected') return DISCONNECTED;
        const next = this.#next('deny-start', type);
        const contentLength = checkContentLength(headers, type);
        const meter = new BodyMeter(status, contentLength, this.#httpVersion, false, false);
        this.#meter = meter;
        this.#state = next;
        return { kind: 'denial-start', status, headers, framing: meter.framing, contentLength };
      }
      case 'websocket.http.response.body': {
        this.#requireDenial(type);
        const body = readBody(fields.body, 'EXT-WSDENY-1', `${type} body`);
        const more = readFlag(fields.moreBody, false, 'EXT-WSDENY-1', `${type} moreBody`);
        if (this.#state === 'disconnected') return DISCONNECTED;
        const next = this.#next(more ? 'deny-body' : 'deny-end', type);
        const meter = this.#meter!;
        meter.add(body, type);
        if (!more) meter.end(type);
        this.#state = next;
        return { kind: 'denial-body', body, done: !more };
      }
      default:
        throw new ProtocolError(
          'SRV-3',
          'sent event type',
          'a WebSocket event type',
          describeValue(type),
        );
    }
  }

  #requireDenial(type: string): void {
    if (this.#extensions['websocket.http.response'] === undefined) {
      throw new ProtocolError(
        'EXT-WSDENY-1',
        type,
        'only when scope.extensions advertises "websocket.http.response"',
        'one without the advertisement',
      );
    }
  }

  /** Looks `move` up in the table, or throws the rule that forbids it here. */
  #next(move: WebSocketMove, type: string): WebSocketState {
    const next = WEBSOCKET_TRANSITIONS[this.#state][move];
    if (next !== undefined) return next;
    throw webSocketOrderError(this.#state, move, type);
  }

  #settle(threw: boolean, error: unknown): Settlement<WebSocketSettleAction> {
    this.#settled = true;
    const violation = this.#violation;
    const state = this.#state;
    if (state === 'closed') return settlement('ok', null, threw, error, violation);
    if (this.#clientGone) return settlement('client-gone', 'WS-DISC-1', threw, error, violation);
    const from = state === 'failed' ? this.#failedFrom : state;
    const failed = threw || state === 'failed';
    if (from === 'handshake') {
      return failed
        ? settlement('respond-500', 'WS-FAIL-1', threw, error, violation)
        : settlement('deny-403', 'WS-SERVER-2', threw, error, violation);
    }
    if (from === 'open') {
      return failed
        ? settlement('close-1011', 'WS-FAIL-1', threw, error, violation)
        : settlement('close-1000', 'WS-SERVER-2', threw, error, violation);
    }
    // An unfinished denial response.
    const unfinished =
      violation ??
      (threw
        ? null
        : new ProtocolError(
            'EXT-WSDENY-1',
            'application',
            'the denial response body ended with moreBody false before settling',
            'a return before it ended',
          ));
    return settlement('abort', 'EXT-WSDENY-1', threw, error, unfinished);
  }
}

/** Reads the exactly-one-of `text` and `bytes` of a message event. */
function readMessage(
  fields: Record<string, unknown>,
  requirement: string,
  type: string,
): string | Uint8Array {
  const text = fields.text;
  const bytes = fields.bytes;
  const hasText = text !== undefined && text !== null;
  const hasBytes = bytes !== undefined && bytes !== null;
  if (hasText && !hasBytes && typeof text === 'string') return text;
  if (hasBytes && !hasText && bytes instanceof Uint8Array) return bytes;
  let received: string;
  if (hasText && hasBytes) received = 'both text and bytes';
  else if (!hasText && !hasBytes) received = 'neither text nor bytes';
  else if (hasText) received = `text ${describeValue(text)}`;
  else received = `bytes ${describeValue(bytes)}`;
  throw new ProtocolError(
    requirement,
    type,
    'exactly one of text (a string) and bytes (a Uint8Array)',
    received,
  );
}
