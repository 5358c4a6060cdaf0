/**
 * One WebSocket connection: the application call, and the transport under it.
 *
 * Every event the application sends goes through the connection's
 * {@link WebSocketSession}, which decides whether it is legal and what it
 * means (accept, message, close, 403, denial response, or nothing once the
 * client is gone); every event it receives is checked by the same session.
 * This file only carries out those decisions on the socket.
 *
 * The connection goes through three transports. Until the application
 * answers the handshake it holds the raw socket, buffering any early bytes
 * and watching for the client leaving. On `websocket.accept` it hands the
 * socket to `ws`, which writes the `101` and from then on frames, reassembles
 * and validates messages (WS-SERVER-1). On a denial it writes an HTTP
 * response to the socket instead (EXT-WSDENY-2, WS-CLOSE-1).
 *
 * Reading is bounded (WS-BP-1): messages the application has not asked for
 * queue up to {@link READ_AHEAD_MESSAGES} messages or
 * {@link READ_AHEAD_BYTES} bytes, whichever comes first, and then the socket
 * is paused until the application has taken them all. A single message can
 * still be as large as the `wsMaxMessageSize` setting.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  ClientDisconnectedError,
  isClientDisconnected,
  type SendEvent,
  type WebSocketReceiveEvent,
  type WebSocketReceiveMessageEvent,
  type WebSocketScope,
  type WebSocketSendAction,
  WebSocketSession,
  type WebSocketSettleAction,
} from 'tsgi';
import type { RawData, WebSocket } from 'ws';
import type { WebSocketContext } from './context.js';
import { DenialResponse } from './denial.js';
import { type AcceptPlan, closeCodeOfError, type WebSocketEngine } from './engine.js';
import { Heartbeat } from './heartbeat.js';
import type { RegisteredConnection } from './registry.js';
import { respondAndClose } from './response.js';

/** Messages read ahead of the application before the socket is paused. */
export const READ_AHEAD_MESSAGES = 16;

/** Bytes of messages read ahead of the application before the socket is paused. */
export const READ_AHEAD_BYTES = 64 * 1024;

/** Bytes a client may send before its handshake is answered; beyond them, reading pauses. */
export const EARLY_DATA_LIMIT = 64 * 1024;

interface Waiter {
  resolve(event: WebSocketReceiveEvent): void;
  reject(error: unknown): void;
}

const RESOLVED = Promise.resolve();

/** One WebSocket connection and its application call. */
export class WebSocketConnection implements RegisteredConnection {
  /** The scope the application is called with. */
  readonly scope: WebSocketScope;
  readonly #session: WebSocketSession;
  readonly #req: IncomingMessage;
  readonly #socket: Socket;
  readonly #context: WebSocketContext;
  readonly #engine: WebSocketEngine;
  readonly #startedAt = performance.now();
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #inHandshake = true;
  #ws: WebSocket | null = null;
  #denial: DenialResponse | null = null;
  #status = 0;
  #queue: WebSocketReceiveMessageEvent[] = [];
  #queueSizes: number[] = [];
  #queueBytes = 0;
  #waiters: Waiter[] = [];
  #paused = false;
  #ended: { code: number; reason: string } | null = null;
  /** The code of a close the server started (frame error, shutdown), for the disconnect event. */
  #serverCloseCode: number | null = null;
  #appDone = false;
  #finished = false;
  #shuttingDown = false;
  #heartbeat: Heartbeat | null = null;

  /**
   * @param req - the handshake request, already checked.
   * @param socket - its socket.
   * @param head - bytes that arrived after the handshake's header section.
   * @param scope - the connection's scope.
   * @param context - the server's WebSocket context.
   * @param engine - completes the handshake when the application accepts.
   */
  constructor(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    scope: WebSocketScope,
    context: WebSocketContext,
    engine: WebSocketEngine,
  ) {
    this.#req = req;
    this.#socket = socket;
    this.#context = context;
    this.#engine = engine;
    this.scope = scope;
    this.#session = new WebSocketSession(scope);
    if (head.length > 0) {
      this.#early.push(head);
      this.#earlyBytes = head.length;
    }
    socket.on('error', this.#onSocketError);
    socket.on('close', this.#onHandshakeClose);
    socket.on('end', this.#onHandshakeEnd);
    socket.on('data', this.#onEarlyData);
  }

  /** The application's `receive`. */
  readonly receive = (): Promise<WebSocketReceiveEvent> => {
    try {
      const action = this.#session.receive();
      if (action.kind === 'connect') {
        return Promise.resolve(this.#session.deliver({ type: 'websocket.connect' }));
      }
      if (action.kind === 'disconnect') {
        return Promise.resolve(this.#disconnectEvent(action.code, action.reason));
      }
      if (this.#waiters.length === 0 && this.#queue.length > 0) {
        const event = this.#queue.shift()!;
        this.#queueBytes -= this.#queueSizes.shift()!;
        if (this.#queue.length === 0) this.#resumeReading();
        return Promise.resolve(this.#session.deliver(event));
      }
      if (this.#ended !== null) {
        return Promise.resolve(this.#disconnectEvent(this.#ended.code, this.#ended.reason));
      }
      return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** The application's `send`. */
  readonly send = (event: SendEvent): Promise<void> => {
    let action: WebSocketSendAction;
    try {
      action = this.#session.send(event);
    } catch (error) {
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'message':
        return this.#sendMessage(action.data);
      case 'accept':
        return this.#accept({ subprotocol: action.subprotocol, headers: action.headers });
      case 'close':
        this.#closeOpen(action.code, action.reason);
        return RESOLVED;
      case 'deny':
        this.#respond(403);
        return RESOLVED;
      case 'denial-start':
        this.#endHandshake();
        this.#status = action.status;
        this.#denial = new DenialResponse(this.#socket, this.#context.options);
        this.#denial.start(action.status, action.headers, action.framing);
        return RESOLVED;
      case 'denial-body': {
        const written = this.#denial!.write(action.body, action.done);
        if (action.done) this.#transportEnded(1006, '');
        return written;
      }
      case 'ignore':
        return RESOLVED;
      case 'disconnected':
        return Promise.reject(new ClientDisconnectedError());
    }
  };

  /**
   * Calls the application and carries out what its settling requires
   * (WS-FAIL-1, WS-SERVER-2). Never rejects.
   */
  run(): Promise<void> {
    this.#context.registry.add(this);
    let result: Promise<void>;
    try {
      result = Promise.resolve(this.#context.app(this.scope, this.receive, this.send));
    } catch (error) {
      result = Promise.reject(error);
    }
    return result
      .then(
        () => this.#settle(false, undefined),
        (error: unknown) => this.#settle(true, error),
      )
      .catch((error: unknown) => {
        // A fault of the server itself: this connection cannot be trusted any more.
        this.#context.logger.error('internal error while ending a WebSocket connection', error);
        this.terminate();
      });
  }

  /**
   * The server is stopping: an open connection gets a close frame with
   * `code`, a handshake the application has not answered gets `503`, and a
   * denial response under way is left to finish.
   */
  shutdown(code: number, reason: string): void {
    if (this.#shuttingDown || this.#ended !== null) return;
    this.#shuttingDown = true;
    if (this.#ws !== null) {
      this.#serverCloseCode ??= code;
      try {
        this.#ws.close(code, reason);
      } catch (error) {
        // A code or reason `ws` refuses: the connection still has to go.
        this.#context.logger.error('cannot send the shutdown close frame', error);
        this.terminate();
        return;
      }
      this.#resumeReading();
    } else if (this.#inHandshake) {
      this.#endHandshake();
      respondAndClose(this.#socket, 503, this.#context.options, [['retry-after', '1']]);
      this.#transportEnded(1006, '');
    }
  }

  /** Cuts the connection now, and stops counting it as live. */
  terminate(): void {
    if (this.#ws !== null) this.#ws.terminate();
    else this.#socket.destroy();
    this.#transportEnded(1006, '');
    this.#finish();
  }

  // ---------------------------------------------------------------- handshake

  readonly #onEarlyData = (chunk: Buffer): void => {
    this.#early.push(chunk);
    this.#earlyBytes += chunk.length;
    if (this.#earlyBytes > EARLY_DATA_LIMIT) this.#socket.pause();
  };

  readonly #onHandshakeEnd = (): void => {
    // A client that stops sending before the 101 cannot take part in a WebSocket.
    this.#socket.destroy();
    this.#transportEnded(1006, '');
  };

  readonly #onHandshakeClose = (): void => {
    this.#transportEnded(1006, '');
  };

  readonly #onSocketError = (error: Error): void => {
    this.#context.logger.debug(`WebSocket connection error: ${error.message}`);
  };

  /** Stops watching the raw socket for the handshake phase; it is answered. */
  #endHandshake(): void {
    if (!this.#inHandshake) return;
    this.#inHandshake = false;
    const socket = this.#socket;
    socket.pause();
    socket.off('data', this.#onEarlyData);
    socket.off('end', this.#onHandshakeEnd);
  }

  #accept(plan: AcceptPlan): Promise<void> {
    const socket = this.#socket;
    this.#endHandshake();
    socket.off('close', this.#onHandshakeClose);
    const head =
      this.#early.length === 1 ? this.#early[0]! : Buffer.concat(this.#early, this.#earlyBytes);
    this.#early = [];
    const ws =
      this.#ended === null && !this.#shuttingDown
        ? this.#engine.upgrade(this.#req, socket, head, plan)
        : null;
    if (ws === null) {
      socket.destroy();
      this.#transportEnded(1006, '');
      return Promise.reject(new ClientDisconnectedError());
    }
    this.#status = 101;
    this.#open(ws);
    return RESOLVED;
  }

  /** Answers the handshake with a plain response and ends the transport. */
  #respond(status: 403 | 500): void {
    this.#endHandshake();
    this.#status = status;
    respondAndClose(this.#socket, status, this.#context.options);
    this.#transportEnded(1006, '');
  }

  // ---------------------------------------------------------------- open

  #open(ws: WebSocket): void {
    this.#ws = ws;
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onWsError);
    this.#resumeReading();
    const { wsPingInterval, wsPingTimeout } = this.#context.options;
    if (wsPingInterval > 0) {
      this.#heartbeat = new Heartbeat(
        ws,
        wsPingInterval,
        wsPingTimeout,
        () => this.#paused,
        () => this.#context.logger.debug('WebSocket closed: no pong within the ping timeout'),
      );
    }
  }

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    // Messages that arrive after the application closed are dropped (section 4.7).
    if (this.#session.state === 'closed' || this.#appDone) return;
    const buffer = data as Buffer;
    const event: WebSocketReceiveMessageEvent = isBinary
      ? {
          type: 'websocket.receive',
          bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        }
      : { type: 'websocket.receive', text: buffer.toString('utf8') };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#give(waiter, event);
      return;
    }
    this.#queue.push(event);
    this.#queueSizes.push(buffer.byteLength);
    this.#queueBytes += buffer.byteLength;
    if (
      !this.#paused &&
      (this.#queue.length >= READ_AHEAD_MESSAGES || this.#queueBytes >= READ_AHEAD_BYTES)
    ) {
      this.#paused = true;
      this.#ws!.pause();
    }
  };

  readonly #onClose = (code: number, reason: Buffer): void => {
    // Without an answer to the close the server started, report the code it sent.
    if (code === 1006 && this.#serverCloseCode !== null) {
      this.#transportEnded(this.#serverCloseCode, '');
    } else {
      this.#transportEnded(code, reason.toString('utf8'));
    }
  };

  readonly #onWsError = (error: Error): void => {
    const code = closeCodeOfError((error as { code?: unknown }).code);
    if (code !== null) this.#serverCloseCode ??= code;
    this.#context.logger.debug(`WebSocket closed by the server: ${error.message}`);
  };

  #sendMessage(data: string | Uint8Array): Promise<void> {
    const ws = this.#ws!;
    return new Promise((resolve, reject) => {
      // The callback runs once the frame is handed to the operating system (WS-BP-1).
      ws.send(data, (error) => {
        if (error) reject(new ClientDisconnectedError());
        else resolve();
      });
    });
  }

  #closeOpen(code: number, reason: string): void {
    // From now on receive() waits for the end of the closing handshake (section 4.7).
    this.#dropQueue();
    this.#stopPing();
    this.#ws?.close(code, reason);
    // The client's answering close frame has to be read, past any queued messages.
    this.#resumeReading();
  }

  #dropQueue(): void {
    this.#queue = [];
    this.#queueSizes = [];
    this.#queueBytes = 0;
  }

  #resumeReading(): void {
    if (this.#ws === null) return;
    this.#paused = false;
    this.#ws.resume();
  }

  // ---------------------------------------------------------------- ending

  #stopPing(): void {
    this.#heartbeat?.stop();
    this.#heartbeat = null;
  }

  #disconnectEvent(code: number, reason: string): WebSocketReceiveEvent {
    return this.#session.deliver({ type: 'websocket.disconnect', code, reason });
  }

  #give(waiter: Waiter, event: WebSocketReceiveEvent): void {
    try {
      waiter.resolve(this.#session.deliver(event));
    } catch (error) {
      waiter.reject(error);
    }
  }

  /** The transport is over: every waiting and later `receive()` gets the disconnect (WS-DISC-1). */
  #transportEnded(code: number, reason: string): void {
    if (this.#ended !== null) return;
    this.#ended = { code, reason };
    this.#stopPing();
    this.#session.clientDisconnected(code, reason);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      this.#give(waiter, { type: 'websocket.disconnect', code, reason });
    }
    if (this.#appDone) this.#finish();
  }

  #settle(threw: boolean, error: unknown): void {
    const settlement = threw ? this.#session.appThrew(error) : this.#session.appReturned();
    this.#appDone = true;
    if (settlement.error !== null && (settlement.log || isClientDisconnected(settlement.error))) {
      this.#context.logger.appError(settlement.error, this.scope);
    }
    this.#carryOut(settlement.action);
    // Nobody is left to take these; a receive() still pending stays pending.
    this.#waiters = [];
    this.#dropQueue();
    if (this.#ended !== null) this.#finish();
  }

  #carryOut(action: WebSocketSettleAction): void {
    switch (action) {
      case 'ok':
        return;
      case 'client-gone':
        if (this.#ended === null) this.terminate();
        return;
      case 'respond-500':
        this.#respond(500);
        return;
      case 'deny-403':
        this.#respond(403);
        return;
      case 'close-1000':
        this.#closeOpen(1000, '');
        return;
      case 'close-1011':
        this.#closeOpen(1011, '');
        return;
      case 'abort':
        this.#denial?.abort();
        this.#socket.destroy();
        this.#transportEnded(1006, '');
        return;
    }
  }

  /** The application has settled and the transport has ended: the connection is over. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopPing();
    this.#context.registry.delete(this);
    this.#context.served?.();
    const access = this.#context.accessLogger;
    if (access) {
      access.log(
        this.scope,
        this.#status,
        this.#denial?.bytes ?? 0,
        performance.now() - this.#startedAt,
      );
    }
  }
}
