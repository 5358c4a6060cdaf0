/**
 * One HTTP exchange on node's `IncomingMessage` and `ServerResponse`: the
 * app's `receive()` and `send()`, and what the server does when the app
 * settles.
 *
 * The rules live in the sans-IO {@link HttpExchange} of `tsgi`: every event
 * the app sends goes through `exchange.send()`, which checks it and says what
 * to write; every event the app receives goes through `exchange.deliver()`;
 * the client leaving goes through `exchange.clientDisconnected()`; the app
 * settling goes through `appReturned()`/`appThrew()`, which say whether to
 * do nothing, answer 500 or abort. This module only carries those actions
 * out on the wire.
 *
 * Writing: the head is held back until the first body event, so that a
 * response whose first body event is also its last goes out with a
 * `content-length` instead of chunks (HTTP-RESP-9). `send()` resolves when
 * node's `write()` accepted the bytes (returned `true`) or, after it returned
 * `false`, on `drain`; the last piece resolves once the socket's buffer is
 * below its high-water mark or the response finished (HTTP-BP-1).
 *
 * Reading: the body stays in node's stream, which stops reading the socket
 * once its buffer (16 KiB) is full, until the app calls `receive()`
 * (HTTP-BP-2). Each `receive()` takes what is buffered.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ClientDisconnectedError,
  type HeaderList,
  type HttpBodyAction,
  type HttpEarlyHintsAction,
  HttpExchange,
  type HttpFileAction,
  type HttpReceiveAction,
  type HttpReceiveEvent,
  type HttpScope,
  type HttpSendAction,
  type HttpSettleAction,
  type HttpStartAction,
  type HttpTrailersAction,
  isClientDisconnected,
  ProtocolError,
  type ResponseFraming,
  type SendEvent,
  type Settlement,
} from 'tsgi';
import { type ConnectionInfo, type ConnectionUser, knownConnection } from './connection.js';
import { openFileRange, streamFileRange } from './file.js';
import { LINGER_MS } from './limits.js';
import {
  type CannedResponse,
  HAS_WIDE_VALUE,
  headersToWrite,
  scanHeaders,
} from './response-head.js';
import type { ServerState } from './state.js';

/**
 * The most unread request body, in bytes, that the server reads and discards
 * after a response to keep the connection (HTTP-REQ-6). When a declared
 * length leaves more, the response carries `connection: close`; a chunked
 * body that runs past it after the response closes the connection.
 */
export const DRAIN_LIMIT = 64 * 1024;

/**
 * What `send()` returns when the transport accepted the bytes at once: one
 * shared promise, so that the common case allocates none.
 */
const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY_BODY = new Uint8Array(0);
const NO_HEADERS: HeaderList = [];

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface RawWriter {
  _writeRaw(
    data: string,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): boolean;
}

function byteLength(body: Uint8Array | string): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/**
 * The exchange a response belongs to, while its app runs. Looked up on the
 * connection rather than stored on node's objects: a property added to every
 * `ServerResponse` would cost a hidden-class change per request, and this is
 * only asked when a request fails to parse.
 */
export function transportOf(res: ServerResponse): HttpTransport | undefined {
  const active = knownConnection(res.socket)?.active;
  if (active === undefined) return undefined;
  for (let i = 0; i < active.length; i++) {
    const user = active[i];
    if (user instanceof HttpTransport && user.response === res) return user;
  }
  return undefined;
}

/** One request and its response. */
export class HttpTransport implements ConnectionUser {
  /** The scope the app is called with. */
  readonly scope: HttpScope;
  /** The protocol machine that judges every event. */
  readonly exchange: HttpExchange;
  /** Node's response this exchange writes. */
  readonly response: ServerResponse;
  readonly #state: ServerState;
  readonly #connection: ConnectionInfo;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  /** The declared request body length: `content-length`, 0 without a body, `null` when chunked. */
  readonly #bodyLength: number | null;
  #received = 0;
  #dropped = 0;
  /** No more request body bytes will be read from `#req`. */
  #bodyEnded: boolean;
  /** The oldest pending `receive()` call, or `null`. */
  #reader: ((event: HttpReceiveEvent) => void) | null = null;
  /** Later pending `receive()` calls, oldest first; `null` when none. */
  #moreReaders: Array<(event: HttpReceiveEvent) => void> | null = null;
  /** The `readable` listener while one is attached, made when first needed. */
  #onReadable: (() => void) | null = null;
  #listening = false;
  #gone = false;
  #status = 0;
  #headers: HeaderList = NO_HEADERS;
  #flags = 0;
  #framing: ResponseFraming = 'chunked';
  #trailers = false;
  #headWritten = false;
  /** The start event was refused by the transport's own checks: nothing of it was accepted. */
  #startRejected = false;
  #waiter: Waiter | null = null;
  readonly #countBytes: boolean;
  #bytes = 0;
  readonly #startedAt: number;

  /**
   * @param state - the server's shared state.
   * @param connection - the connection's facts.
   * @param req - node's request.
   * @param res - node's response.
   * @param scope - the scope for the app.
   * @param bodyLength - the declared request body length, `null` when chunked.
   * @param expectContinue - whether `100 Continue` is owed on the first `receive()` (HTTP-REQ-5).
   */
  constructor(
    state: ServerState,
    connection: ConnectionInfo,
    req: IncomingMessage,
    res: ServerResponse,
    scope: HttpScope,
    bodyLength: number | null,
    expectContinue: boolean,
  ) {
    this.#state = state;
    this.#connection = connection;
    this.#req = req;
    this.#res = res;
    this.response = res;
    this.scope = scope;
    this.#bodyLength = bodyLength;
    this.#bodyEnded = bodyLength === 0;
    this.exchange = new HttpExchange(scope, { expectContinue, requestBodyLength: bodyLength });
    const countBytes = state.accessLogger !== null;
    this.#countBytes = countBytes;
    this.#startedAt = countBytes ? performance.now() : 0;
    if (!state.dateHeader) res.sendDate = false;
    connection.add(this);
  }

  /**
   * Calls the app and carries out what its settling requires. Its promise is
   * followed with `then` rather than awaited in an async function: one
   * promise less per request.
   */
  run(): void {
    this.#state.begin();
    let result: unknown;
    try {
      result = this.#state.app(this.scope, this.appReceive, this.appSend);
    } catch (error) {
      this.#finish(this.exchange.appThrew(error));
      return;
    }
    Promise.resolve(result).then(
      () => this.#finish(this.exchange.appReturned()),
      (error: unknown) => this.#finish(this.exchange.appThrew(error)),
    );
  }

  /** The app settled: carries out the verdict, then lets the connection and the server know. */
  #finish(settlement: Settlement<HttpSettleAction>): void {
    const state = this.#state;
    // A complete response with nothing to report leaves nothing to do.
    if (settlement.action !== 'ok' || settlement.error !== null) {
      try {
        this.#settle(settlement);
      } catch (error) {
        state.logger.error('internal error while finishing a response', error);
        this.#res.destroy();
      }
    }
    this.#connection.remove(this);
    state.end();
    if (this.#countBytes) {
      state.accessLogger?.log(
        this.scope,
        this.#status,
        this.#bytes,
        performance.now() - this.#startedAt,
      );
    }
  }

  /** The app's `receive()`. */
  readonly appReceive = (): Promise<HttpReceiveEvent> => {
    let action: HttpReceiveAction;
    try {
      action = this.exchange.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'disconnect') return Promise.resolve(this.#disconnect());
    if (action.kind === 'read') {
      if (action.sendContinue) this.#res.writeContinue();
      if (this.#reader === null) {
        const event = this.#take();
        if (event !== null) return Promise.resolve(event);
        // The body was cut off by the size limit just now.
        if (this.#gone) return Promise.resolve(this.#disconnect());
        this.#listen();
      }
    }
    return new Promise((resolve) => {
      if (this.#reader === null) this.#reader = resolve;
      else if (this.#moreReaders === null) this.#moreReaders = [resolve];
      else this.#moreReaders.push(resolve);
    });
  };

  /** The app's `send()`. */
  readonly appSend = (event: SendEvent): Promise<void> => {
    // The socket may be gone before its close event reached this exchange.
    if (!this.#gone && this.#res.destroyed) this.#goneNow();
    let action: HttpSendAction;
    try {
      action = this.exchange.send(event);
    } catch (error) {
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'body':
        return this.#body(action);
      case 'start':
        return this.#start(action);
      case 'file':
        return this.#file(action);
      case 'trailers':
        return this.#sendTrailers(action);
      case 'early-hints':
        return this.#earlyHints(action);
      default:
        return Promise.reject(new ClientDisconnectedError());
    }
  };

  /** The request stream has data or ended: serves waiting `receive()` calls. */
  pump(): void {
    while (this.#reader !== null && this.exchange.requestState === 'receiving-body') {
      const event = this.#take();
      if (event === null) break;
      this.#nextReader()(event);
    }
    if (this.#bodyEnded) this.#unlisten();
  }

  /** The socket accepted what a waiting `send()` wrote (`drain` or `finish`). */
  accepted(): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    waiter.resolve();
  }

  /** The connection closed. */
  closed(): void {
    if (this.#res.writableFinished) {
      this.#unlisten();
      this.accepted();
    } else {
      this.#goneNow();
    }
  }

  /**
   * The request body was cut off by a parse error or a timeout (HTTP-REQ-4):
   * the app sees the client gone.
   */
  cutOff(): void {
    this.#goneNow();
  }

  /** Whether nothing of the response has reached node yet, so that another response can take its place. */
  get unanswered(): boolean {
    return !this.#headWritten && !this.#res.headersSent;
  }

  // ------------------------------------------------------------ request body

  #take(): HttpReceiveEvent | null {
    if (this.#bodyLength === 0) return this.#deliver(EMPTY_BODY, false);
    const req = this.#req;
    const chunk = req.read() as Buffer | null;
    if (chunk === null) {
      if (!req.complete) return null;
      this.#bodyEnded = true;
      return this.#deliver(EMPTY_BODY, false);
    }
    this.#received += chunk.length;
    const limit = this.#state.maxBodySize;
    if (limit > 0 && this.#received > limit) {
      this.#tooLarge();
      return null;
    }
    const last = req.complete && req.readableLength === 0;
    if (last) this.#bodyEnded = true;
    return this.#deliver(chunk, !last);
  }

  #deliver(body: Uint8Array, moreBody: boolean): HttpReceiveEvent {
    return this.exchange.deliver({ type: 'http.request', body, moreBody });
  }

  #disconnect(): HttpReceiveEvent {
    return this.exchange.deliver({ type: 'http.disconnect' });
  }

  /** Takes the oldest pending `receive()` call off the queue; there must be one. */
  #nextReader(): (event: HttpReceiveEvent) => void {
    const reader = this.#reader!;
    const more = this.#moreReaders;
    if (more === null) {
      this.#reader = null;
    } else {
      this.#reader = more.shift()!;
      if (more.length === 0) this.#moreReaders = null;
    }
    return reader;
  }

  #listen(): void {
    if (this.#listening || this.#bodyEnded) return;
    this.#listening = true;
    this.#onReadable ??= () => this.pump();
    this.#req.on('readable', this.#onReadable);
  }

  #unlisten(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#req.removeListener('readable', this.#onReadable!);
  }

  #flushReaders(): void {
    while (this.#reader !== null) this.#nextReader()(this.#disconnect());
  }

  /** A chunked body passed `maxBodySize`: it is cut off (HTTP-REQ-4), answered 413 if nothing was started. */
  #tooLarge(): void {
    const fresh = this.unanswered;
    this.#goneNow();
    this.#connection.closing = true;
    if (fresh) {
      this.#writeCanned(this.#state.canned(413));
    } else {
      this.#res.destroy();
    }
  }

  #goneNow(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.exchange.clientDisconnected();
    this.#unlisten();
    this.#flushReaders();
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.reject(new ClientDisconnectedError());
    }
  }

  /**
   * Whether the connection must close after this response: the server is
   * stopping, or unread request body remains that cannot be drained cheaply
   * (HTTP-REQ-6): more than {@link DRAIN_LIMIT} bytes of a declared length,
   * or a body the client holds back for `100 Continue`. A chunked body of
   * unknown size is drained with a budget instead (see `#responded`).
   */
  #closeAfter(): boolean {
    if (this.#state.closing) return true;
    if (this.#bodyEnded || this.#req.complete) return false;
    if (this.exchange.expectContinue && !this.exchange.continueSent) return true;
    const declared = this.#bodyLength;
    return declared !== null && declared - this.#received > DRAIN_LIMIT;
  }

  /**
   * The response is complete: pending `receive()` calls get `http.disconnect`
   * (HTTP-DISC-3), and unread request body is read and dropped (HTTP-REQ-6),
   * so that the next request on the connection can be parsed. A chunked body
   * that turns out longer than {@link DRAIN_LIMIT} closes the connection.
   */
  #responded(): void {
    if (this.#reader !== null) this.#flushReaders();
    if (this.#bodyEnded) return;
    this.#bodyEnded = true;
    this.#unlisten();
    const req = this.#req;
    if (this.#bodyLength === null && !req.complete) {
      req.on('data', (chunk: Buffer) => this.dropped(chunk.length));
    }
    req.resume();
  }

  /** Counts request body bytes dropped after the response; closes the connection past the budget. */
  dropped(bytes: number): void {
    if (this.#dropped > DRAIN_LIMIT) return;
    this.#dropped += bytes;
    if (this.#dropped <= DRAIN_LIMIT) return;
    const socket = this.#req.socket;
    // A half-close once the response is out: the client reads it to the end,
    // while what it still sends is read and dropped until it closes too.
    const close = () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
    if (this.#res.writableFinished) close();
    else this.#res.once('finish', close);
  }

  // ---------------------------------------------------------------- response

  #start(action: HttpStartAction): Promise<void> {
    try {
      this.#flags = scanHeaders(action.headers, 'http.response.start headers');
    } catch (error) {
      this.#startRejected = true;
      this.exchange.transportFailed(error);
      return Promise.reject(error);
    }
    this.#status = action.status;
    this.#headers = action.headers;
    this.#framing = action.framing;
    this.#trailers = action.trailers;
    return RESOLVED;
  }

  /** Writes the held-back head, with `content-length: length` added when `length >= 0`. */
  #writeHead(length: number): void {
    const res = this.#res;
    const status = this.#status;
    if (this.#closeAfter()) res.shouldKeepAlive = false;
    // HTTP-RESP-10: no content-length on 204; EXT-TRAILERS-3: a body with
    // trailers is chunked, so the app's content-length is not transmitted.
    const dropLength = status === 204 || this.#trailers;
    const headers = headersToWrite(
      this.#headers,
      this.#flags,
      this.#state.serverHeader,
      dropLength,
      length,
    );
    res.writeHead(status, headers);
    this.#headWritten = true;
  }

  #body(action: HttpBodyAction): Promise<void> {
    let body = action.body;
    if (!this.#headWritten) {
      // Node would write a head with Latin-1 values in the body's UTF-8.
      if (typeof body === 'string' && (this.#flags & HAS_WIDE_VALUE) !== 0)
        body = Buffer.from(body);
      const framing = this.#framing;
      // HTTP-RESP-9: the whole body is known, so it gets a content-length.
      const known =
        action.complete && !this.#trailers && (framing === 'chunked' || framing === 'close');
      try {
        this.#writeHead(known ? byteLength(body) : -1);
      } catch (error) {
        return this.#failed(error);
      }
      if (!action.done && body.length === 0) {
        // An empty piece that keeps the body open asks for the head to go out now.
        this.#res.flushHeaders();
        return RESOLVED;
      }
    }
    if (this.#countBytes) this.#bytes += byteLength(body);
    if (action.complete) return this.#end(body);
    if (body.length === 0) return RESOLVED;
    return this.#write(body);
  }

  #write(body: Uint8Array | string): Promise<void> {
    if (this.#res.write(body)) return RESOLVED;
    return this.#wait('drain');
  }

  #end(body?: Uint8Array | string): Promise<void> {
    const res = this.#res;
    // Head and body in one call: node sends them together.
    if (body === undefined || body.length === 0) res.end();
    else res.end(body);
    this.#responded();
    if (res.writableFinished) return RESOLVED;
    const socket = res.socket;
    if (socket !== null && !socket.writableNeedDrain) return RESOLVED;
    return this.#wait('finish');
  }

  #wait(event: 'drain' | 'finish'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#res.once(event, () => this.accepted());
    });
  }

  async #file(action: HttpFileAction): Promise<void> {
    let range: Awaited<ReturnType<typeof openFileRange>>;
    try {
      range = await openFileRange(action.path, action.offset, action.length);
      if (action.requiredLength !== null && range.length !== action.requiredLength) {
        await range.handle.close();
        throw new ProtocolError(
          'HTTP-RESP-7',
          'http.response.file',
          `${action.requiredLength} more body bytes (content-length)`,
          `a file range of ${range.length} bytes`,
        );
      }
    } catch (error) {
      this.exchange.transportFailed(error);
      throw error;
    }
    if (this.#gone) {
      await range.handle.close();
      throw new ClientDisconnectedError();
    }
    if (!this.#headWritten) {
      const framing = this.#framing;
      const known =
        action.complete && !this.#trailers && (framing === 'chunked' || framing === 'close');
      try {
        this.#writeHead(known ? range.length : -1);
      } catch (error) {
        await range.handle.close();
        return this.#failed(error);
      }
    }
    try {
      await streamFileRange(range, (piece) => {
        if (this.#gone) return Promise.reject(new ClientDisconnectedError());
        if (this.#countBytes) this.#bytes += piece.byteLength;
        return this.#write(piece);
      });
    } catch (error) {
      if (!isClientDisconnected(error)) {
        // EXT-FILE-2: the response cannot be finished; the client must not take it as complete.
        this.exchange.transportFailed(error);
        this.#abort();
      }
      throw error;
    }
    if (action.complete) return this.#end();
  }

  #sendTrailers(action: HttpTrailersAction): Promise<void> {
    try {
      scanHeaders(action.headers, 'http.response.trailers headers');
      this.#res.addTrailers(action.headers);
    } catch (error) {
      this.exchange.transportFailed(error);
      return Promise.reject(error);
    }
    return this.#end();
  }

  #earlyHints(action: HttpEarlyHintsAction): Promise<void> {
    const headers = action.headers;
    try {
      scanHeaders(headers, 'http.response.earlyHints headers');
    } catch (error) {
      this.exchange.transportFailed(error);
      return Promise.reject(error);
    }
    let head = 'HTTP/1.1 103 Early Hints\r\n';
    for (let i = 0; i < headers.length; i++) {
      const pair = headers[i]!;
      head += `${pair[0]}: ${pair[1]}\r\n`;
    }
    head += '\r\n';
    return new Promise((resolve, reject) => {
      // The interim response goes through the response's own queue, so that
      // it keeps its place behind earlier responses on the connection.
      (this.#res as unknown as RawWriter)._writeRaw(head, 'latin1', (error) => {
        if (error) reject(new ClientDisconnectedError());
        else resolve();
      });
    });
  }

  /** The transport could not carry out an action: the exchange fails (section 3.7). */
  #failed(error: unknown): Promise<void> {
    this.exchange.transportFailed(error);
    return Promise.reject(error);
  }

  // ------------------------------------------------------------- settlement

  #settle(settlement: Settlement<HttpSettleAction>): void {
    if (settlement.error !== null) this.#state.logger.appError(settlement.error, this.scope);
    switch (settlement.action) {
      case 'respond-500':
        this.#respond500();
        break;
      case 'abort':
        // A start refused by the transport's checks was never accepted.
        if (this.#startRejected && this.unanswered) this.#respond500();
        else this.#abort();
        break;
      default:
        break;
    }
  }

  /** HTTP-FAIL-1, HTTP-FAIL-3: a 500 whose body reveals nothing of the error. */
  #respond500(): void {
    if (this.#gone || this.#res.destroyed) return;
    if (!this.unanswered) {
      this.#abort();
      return;
    }
    this.#writeCanned(this.#state.internalError);
  }

  #writeCanned(canned: CannedResponse): void {
    const res = this.#res;
    this.#status = canned.status;
    if (this.#connection.closing || this.#closeAfter()) res.shouldKeepAlive = false;
    res.writeHead(canned.status, canned.headers);
    this.#headWritten = true;
    res.end(canned.body);
    this.#responded();
  }

  /**
   * Aborts the response (section 1.3): the connection closes before the body's
   * framing is complete. A close-delimited body would look complete after a
   * clean close, so its TCP connection is reset instead.
   */
  #abort(): void {
    const res = this.#res;
    const socket = res.socket;
    // What send() already accepted goes out before the close; node holds
    // writes of the current tick in a corked socket.
    while (socket !== null && socket.writableCorked > 0) socket.uncork();
    if (this.#framing === 'close' && socket !== null) {
      try {
        socket.resetAndDestroy();
        return;
      } catch {
        // Not a TCP handle (TLS or a unix socket): a plain close is what there is.
      }
    }
    res.destroy();
  }
}
