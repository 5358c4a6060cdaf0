/**
 * One WebSocket connection played by the harness: the harness is the
 * server, the test is the client. The server side is the sans-IO
 * `WebSocketSession` machine, so the handshake, the messages and the close
 * follow the rules of spec section 4, and a broken application gets the
 * `ProtocolError` naming the rule.
 *
 * The client behaves as a browser does: it answers the application's close
 * frame at once, with the same code, and it cannot send before the handshake
 * is accepted.
 *
 * @module
 */

import { ClientDisconnectedError, ProtocolError } from '../errors.js';
import type { Settlement } from '../protocol/machine.js';
import {
  type WebSocketSendAction,
  WebSocketSession,
  type WebSocketSettleAction,
  type WebSocketState,
} from '../protocol/websocket.js';
import type {
  Application,
  HeaderList,
  SendEvent,
  WebSocketReceiveEvent,
  WebSocketScope,
} from '../types.js';
import { type AppEnd, runApp } from './app.js';
import { ByteWatch } from './byte-watch.js';
import { HarnessEndedError, invalidArgument } from './errors.js';
import { Mailbox } from './mailbox.js';
import type { WaitOptions, WebSocketOptions } from './options.js';
import { buildWebSocketScope } from './scope.js';
import { TransportGate } from './transport.js';
import { checkTimeout, DEFAULT_TIMEOUT_MS, defer, within } from './wait.js';
import { MessageFeed } from './websocket-feed.js';
import {
  concat,
  denied,
  type WebSocketDenied,
  type WebSocketEnd,
  type WebSocketHandshake,
  type WebSocketMessage,
} from './websocket-types.js';

const UTF8 = new TextEncoder();

/**
 * One WebSocket connection played by the harness. Created by
 * {@link openWebSocket}; the application is called right after the current
 * synchronous code.
 */
export class TestWebSocket {
  /** The scope the application was given. */
  readonly scope: WebSocketScope;
  /** The application's promise (inside `validate()` when validating); observed by the harness. */
  readonly settled: Promise<void>;

  readonly #machine: WebSocketSession;
  readonly #strict: boolean;
  readonly #timeoutMs: number;
  readonly #gate = new TransportGate();
  readonly #events: SendEvent[] = [];
  readonly #feed: MessageFeed;
  // The client's side.
  readonly #handshake = defer<WebSocketHandshake>();
  #answered = false;
  #denialStatus = 0;
  #denialHeaders: HeaderList = [];
  #denialBody: Uint8Array = new Uint8Array(0);
  readonly #inbox = new Mailbox<WebSocketMessage>();
  #clientClosed = false;
  // How it ended.
  readonly #end = defer<WebSocketEnd>();
  #settlement: Settlement<WebSocketSettleAction> | null = null;
  #failure: unknown = null;
  #validatorViolation: ProtocolError | null = null;
  readonly #bytesSent = new ByteWatch();

  /**
   * @param app - the application under test.
   * @param options - the connection; see {@link WebSocketOptions}.
   * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a handshake no client could send.
   */
  constructor(app: Application, options: WebSocketOptions = {}) {
    this.#strict = options.strict ?? true;
    this.#timeoutMs = checkTimeout(options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.scope = buildWebSocketScope(options);
    this.#machine = new WebSocketSession(this.scope);
    this.#feed = new MessageFeed(this.#machine);
    this.settled = runApp(
      {
        app,
        validated: options.validate ?? true,
        record: (event) => {
          this.#events.push(event);
        },
        onEnd: (end) => this.#settle(end),
        onViolation: (error) => {
          this.#validatorViolation ??= error;
        },
      },
      this.scope,
      () => this.#feed.receive(),
      (event) => this.#send(event),
    );
  }

  /** The state of the application's side, as the server's machine sees it. */
  get state(): WebSocketState {
    return this.#machine.state;
  }

  /** Every event the application passed to `send()` so far, in order. */
  get events(): readonly SendEvent[] {
    return [...this.#events];
  }

  /** Whether the application is waiting in `receive()`. */
  get receivePending(): boolean {
    return this.#feed.waiting > 0;
  }

  /** Whether a `send()` of the application is held by {@link TestWebSocket.pauseTransport}. */
  get sendPending(): boolean {
    return this.#gate.holding > 0;
  }

  /** How the application settled, once it has. */
  get settlement(): Settlement<WebSocketSettleAction> | null {
    return this.#settlement;
  }

  /**
   * Waits for the application's answer to the handshake.
   *
   * @throws in strict mode, the application's failure when it failed before
   *   answering; HarnessEndedError when the client left first; HarnessTimeoutError.
   */
  connect(options: WaitOptions = {}): Promise<WebSocketHandshake> {
    return within(
      this.#handshake.promise,
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () => `the application to answer the WebSocket handshake: ${this.#describe()}`,
    );
  }

  /**
   * Sends a text message; the application receives it as `websocket.receive`
   * with `text` (WS-RECV-1). Dropped, as the spec says, once the application
   * has closed the connection.
   *
   * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) before the handshake was
   *   accepted or after the client closed.
   */
  sendText(text: string): void {
    if (typeof text !== 'string') throw invalidArgument('sendText(): expected a string');
    this.#message({ type: 'websocket.receive', text });
  }

  /**
   * Sends a binary message; the application receives a copy as
   * `websocket.receive` with `bytes` (WS-RECV-1).
   *
   * @throws as {@link TestWebSocket.sendText}.
   */
  sendBytes(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('sendBytes(): expected a Uint8Array');
    this.#message({ type: 'websocket.receive', bytes: bytes.slice() });
  }

  /**
   * The next message the application sent, or the server's close frame.
   *
   * @throws HarnessEndedError when the connection ended without one (a
   *   denied handshake, a dropped connection, or after the close frame);
   *   in strict mode, the application's failure; HarnessTimeoutError.
   */
  receive(options: WaitOptions = {}): Promise<WebSocketMessage> {
    return this.#inbox.take(
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () => `a WebSocket message from the application: ${this.#describe()}`,
    );
  }

  /**
   * The client closes the connection: the application receives
   * `websocket.disconnect` with `code` and `reason` once it has read the
   * messages sent before (WS-DISC-1), and the server answers with a close
   * frame of the same code. Before the handshake was accepted, the client
   * simply leaves (code 1006).
   *
   * @param code - the close code; 1005 stands for a close frame without one. Default 1000.
   * @param reason - the close reason. Default `""`.
   */
  close(code = 1000, reason = ''): void {
    if (
      !Number.isInteger(code) ||
      code < 1000 ||
      code > 4999 ||
      code === 1004 ||
      code === 1006 ||
      code === 1015
    ) {
      throw invalidArgument(
        `close(): expected a close code a client can send (1000 to 4999 but 1004, 1006 and 1015), received ${code}; disconnect() drops the connection`,
      );
    }
    if (this.#clientClosed || this.#feed.gone) return;
    if (this.#machine.state !== 'open') {
      this.disconnect();
      return;
    }
    this.#clientClosed = true;
    this.#leave(code, code === 1005 ? '' : reason);
    this.#deliverToClient({ type: 'close', code, reason: '' });
    this.#endInbox('the server answered the close frame');
  }

  /**
   * The connection drops without a closing handshake: the application
   * receives `websocket.disconnect` with `code` (WS-DISC-1), and its sends
   * reject with `ClientDisconnectedError`.
   *
   * @param code - the code the application sees. Default 1006.
   */
  disconnect(code = 1006): void {
    if (this.#clientClosed || this.#feed.gone) return;
    this.#clientClosed = true;
    this.#leave(code, '');
    this.#endInbox('the connection dropped');
  }

  /** Holds every later `send()` of the application, as a client that reads nothing would (WS-BP-1). */
  pauseTransport(): void {
    this.#gate.pause();
  }

  /** Accepts the held sends, in order, and stops holding. */
  resumeTransport(): void {
    this.#gate.resume();
  }

  /**
   * Waits until the application has settled.
   *
   * @throws in strict mode, the first rule the application broke or the error
   *   it threw; HarnessTimeoutError.
   */
  finished(options: WaitOptions = {}): Promise<WebSocketEnd> {
    return within(
      this.#end.promise,
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () => `the WebSocket application to settle: ${this.#describe()}`,
    ).then((end) => {
      if (this.#strict && this.#failure !== null) throw this.#failure;
      return end;
    });
  }

  // ------------------------------------------------------- the application's side

  #message(event: WebSocketReceiveEvent): void {
    if (this.#clientClosed) throw invalidArgument('the client already closed the connection');
    if (!this.#machine.accepted) {
      throw invalidArgument(
        'a client sends messages only once the handshake is accepted (await connect() first)',
      );
    }
    // The application closed: messages in flight are dropped (spec section 4.7).
    if (this.#feed.gone || this.#machine.state === 'closed') return;
    this.#feed.message(event);
  }

  /** The peer is gone with `code`: sends reject, and `receive()` gives the disconnect after queued messages. */
  #leave(code: number, reason: string): void {
    this.#feed.leave(code, reason);
    this.#gate.fail(new ClientDisconnectedError());
    if (!this.#answered) {
      this.#answered = true;
      this.#handshake.reject(
        new HarnessEndedError('the answer to the handshake', 'the client left first'),
      );
      this.#handshake.promise.catch(() => {});
    }
  }

  #send(event: SendEvent): Promise<void> {
    let action: WebSocketSendAction;
    try {
      action = this.#machine.send(event);
    } catch (error) {
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'disconnected':
        return Promise.reject(new ClientDisconnectedError());
      case 'ignore':
        return Promise.resolve();
      case 'accept':
        return this.#gate.pass(() => {
          this.#answer({
            kind: 'accepted',
            subprotocol: action.subprotocol,
            headers: action.headers.map(([name, value]) => [name, value]),
          });
        });
      case 'deny':
        return this.#gate.pass(() => {
          this.#deny(denied(403, [], new Uint8Array(0), true, 'WS-CLOSE-1'));
        });
      case 'denial-start':
        return this.#gate.pass(() => {
          this.#denialStatus = action.status;
          this.#denialHeaders = action.headers.map(([name, value]) => [name, value]);
        });
      case 'denial-body': {
        const body = action.body;
        const bytes = typeof body === 'string' ? UTF8.encode(body) : body.slice();
        return this.#gate.pass(() => {
          if (typeof body !== 'string') {
            this.#bytesSent.watch(body, bytes, 'websocket.http.response.body body');
          }
          this.#denialBody = concat(this.#denialBody, bytes);
          if (action.done) {
            this.#deny(
              denied(
                this.#denialStatus,
                this.#denialHeaders,
                this.#denialBody,
                true,
                'EXT-WSDENY-2',
              ),
            );
          }
        });
      }
      case 'message': {
        const data = action.data;
        if (typeof data === 'string') {
          return this.#gate.pass(() => this.#deliverToClient({ type: 'text', text: data }));
        }
        const bytes = data.slice();
        return this.#gate.pass(() => {
          this.#bytesSent.watch(data, bytes, 'websocket.send bytes');
          this.#deliverToClient({ type: 'bytes', bytes });
        });
      }
      case 'close':
        return this.#gate.pass(() => {
          this.#deliverToClient({ type: 'close', code: action.code, reason: action.reason });
          this.#endInbox('the application closed the connection');
          // The client answers the close frame at once, with the same code.
          if (!this.#feed.gone) this.#leave(action.code, '');
        });
    }
  }

  #answer(handshake: WebSocketHandshake): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#handshake.resolve(handshake);
  }

  /** The handshake was answered with an HTTP response: the connection is over (code 1006). */
  #deny(response: WebSocketDenied): void {
    this.#answer(response);
    this.#endInbox('the handshake was denied');
    this.#feed.leave(1006, '');
  }

  #deliverToClient(message: WebSocketMessage): void {
    this.#inbox.put(message);
  }

  #endInbox(why: string): void {
    this.#inbox.end(() => this.#endedError(why));
  }

  #endedError(why: string): unknown {
    if (this.#strict && this.#failure !== null) return this.#failure;
    return new HarnessEndedError('a WebSocket message', why);
  }

  // -------------------------------------------------------------------- settling

  #settle(end: AppEnd): void {
    const settlement = end.threw ? this.#machine.appThrew(end.error) : this.#machine.appReturned();
    const validation = end.validation instanceof ProtocolError ? end.validation : null;
    const violation =
      validation ?? this.#validatorViolation ?? settlement.violation ?? this.#bytesSent.check();
    this.#settlement = settlement;
    this.#failure = violation ?? end.validation ?? (settlement.log ? settlement.error : null);
    const failed = this.#strict && this.#failure !== null;
    if (failed && !this.#answered) {
      this.#answered = true;
      this.#handshake.reject(this.#failure);
      this.#handshake.promise.catch(() => {});
    }
    switch (settlement.action) {
      case 'respond-500': {
        const body = UTF8.encode('Internal Server Error');
        this.#deny(
          denied(
            500,
            [
              ['content-type', 'text/plain; charset=utf-8'],
              ['content-length', String(body.byteLength)],
            ],
            body,
            true,
            'WS-FAIL-1',
          ),
        );
        break;
      }
      case 'deny-403':
        this.#deny(denied(403, [], new Uint8Array(0), true, 'WS-SERVER-2'));
        break;
      case 'abort':
        this.#deny(
          denied(this.#denialStatus, this.#denialHeaders, this.#denialBody, false, 'EXT-WSDENY-1'),
        );
        break;
      case 'close-1000':
      case 'close-1011':
        if (!failed) {
          this.#deliverToClient({
            type: 'close',
            code: settlement.action === 'close-1000' ? 1000 : 1011,
            reason: '',
          });
        }
        break;
      default:
        break;
    }
    this.#endInbox('the application settled');
    if (!this.#answered) {
      this.#answered = true;
      this.#handshake.reject(
        new HarnessEndedError('the answer to the handshake', 'the application settled'),
      );
      this.#handshake.promise.catch(() => {});
    }
    this.#end.resolve({
      action: settlement.action,
      requirement: settlement.requirement,
      error: settlement.error ?? violation,
      violation,
      events: [...this.#events],
    });
  }

  /** What the connection is doing, for a timeout message. */
  #describe(): string {
    const parts = [`the connection is in state ${this.#machine.state}`];
    if (this.#feed.waiting > 0) parts.push('the application waits in receive()');
    if (this.#gate.holding > 0) parts.push('a send() is held by pauseTransport()');
    if (this.#feed.waiting === 0 && this.#gate.holding === 0) {
      parts.push('the application is in neither receive() nor a held send()');
    }
    return parts.join('; ');
  }
}

/**
 * Opens a WebSocket connection to `app`: the application is called with the
 * handshake's scope, and the test plays the client.
 *
 * @param app - the application under test.
 * @param options - the connection; see {@link WebSocketOptions}.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a handshake no client could send.
 */
export function openWebSocket(app: Application, options: WebSocketOptions = {}): TestWebSocket {
  return new TestWebSocket(app, options);
}
