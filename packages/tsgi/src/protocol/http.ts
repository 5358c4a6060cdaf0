/**
 * The HTTP protocol machine: one {@link HttpExchange} per request.
 *
 * It follows h11's shape. The response side has an explicit state and a
 * transition table written as data ({@link HTTP_TRANSITIONS}): each event the
 * app sends is first checked field by field, then classified into a move
 * (`start`, `body-end`, ...) and looked up in the table; a missing entry is a
 * `ProtocolError` citing the rule the order breaks. The request side (what the
 * server gives the app) has a smaller table of its own
 * ({@link HTTP_REQUEST_TRANSITIONS}).
 *
 * The peer leaving is not an error of either side. After
 * {@link HttpExchange.clientDisconnected} the exchange is `disconnected`: a
 * send is still checked for its own fields (a malformed event is a bug
 * whenever it is sent), but its order is not, and the answer tells the server
 * to reject it with `ClientDisconnectedError`. So an app that races the
 * client's departure sees the documented error, never a `ProtocolError`.
 *
 * Any `ProtocolError` from `send()` while the response is open voids the
 * exchange (state `failed`): later sends throw the same error, and the
 * settlement says to answer 500 or abort. The server never guesses how to
 * finish a response the app got wrong.
 *
 * A server drives one exchange per request:
 *
 * 1. `new HttpExchange(scope)` once the request head is parsed.
 * 2. When the app calls `receive()`: `exchange.receive()` says `read` (after
 *    sending `100 Continue` if `sendContinue`), `wait` or `disconnect`; every
 *    event handed to the app then goes through `exchange.deliver(event)`.
 * 3. When the app calls `send(event)`: `exchange.send(event)` returns the
 *    action to carry out, or throws the `ProtocolError` to reject the send
 *    with. The action `disconnected` means: reject with `ClientDisconnectedError`.
 * 4. When the peer goes away early: `exchange.clientDisconnected()`.
 * 5. When the app's promise settles: `exchange.appReturned()` or
 *    `exchange.appThrew(error)`; do what `action` says, and log `error` when
 *    `log` is true.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { HeaderList, HttpReceiveEvent, HttpScope, HttpVersion } from '../types.js';
import { BodyMeter, checkContentLength } from './body.js';
import { eventType, readBody, readCount, readFlag, readStatus } from './fields.js';
import { checkHeaderList, listsToken, readContentLength } from './headers.js';
import type { HttpReceiveAction, HttpSendAction, HttpSettleAction } from './http-actions.js';
import {
  HTTP_REQUEST_TRANSITIONS,
  HTTP_TRANSITIONS,
  type HttpMove,
  type HttpRequestMove,
  type HttpRequestState,
  type HttpState,
  httpOrderError,
  numberTable,
} from './http-table.js';
import {
  afterSettled,
  type DisconnectedAction,
  type ProtocolMachine,
  type Settlement,
  settledOk,
  settlement,
} from './machine.js';

export type {
  HttpBodyAction,
  HttpDisconnectAction,
  HttpEarlyHintsAction,
  HttpFileAction,
  HttpReadAction,
  HttpReceiveAction,
  HttpSendAction,
  HttpSettleAction,
  HttpStartAction,
  HttpTrailersAction,
  HttpWaitAction,
} from './http-actions.js';
export {
  HTTP_REQUEST_TRANSITIONS,
  HTTP_TRANSITIONS,
  type HttpMove,
  type HttpRequestMove,
  type HttpRequestState,
  type HttpState,
} from './http-table.js';

/** Facts about the request that the server may already know, to spare a header scan. */
export interface HttpExchangeOptions {
  /**
   * Whether `100 Continue` is owed: the request carried `Expect: 100-continue`
   * on HTTP/1.1 or later. Read from the scope when left out.
   */
  readonly expectContinue?: boolean;
  /**
   * The request body's length when the request declares it (`content-length`,
   * or 0 for an HTTP/1.x request with neither `content-length` nor
   * `transfer-encoding`), else `null`. Read from the scope when left out.
   */
  readonly requestBodyLength?: number | null;
}

const READ: HttpReceiveAction = Object.freeze({ kind: 'read', sendContinue: false });
const READ_AFTER_CONTINUE: HttpReceiveAction = Object.freeze({ kind: 'read', sendContinue: true });
const WAIT: HttpReceiveAction = Object.freeze({ kind: 'wait' });
const DISCONNECT_GONE: HttpReceiveAction = Object.freeze({
  kind: 'disconnect',
  requirement: 'HTTP-DISC-1',
});
const DISCONNECT_DONE: HttpReceiveAction = Object.freeze({
  kind: 'disconnect',
  requirement: 'HTTP-DISC-3',
});
const DISCONNECTED: DisconnectedAction = Object.freeze({ kind: 'disconnected' });

/** States in which a response is under way and can still be finished. */
const OPEN_STATES: ReadonlySet<HttpState> = new Set([
  'before-start',
  'body',
  'body-trailers',
  'trailers',
]);

/** {@link HTTP_TRANSITIONS}, numbered for the lookup on every event. */
const RESPONSE = numberTable<HttpState, HttpMove>(HTTP_TRANSITIONS, [
  'early-hints',
  'start',
  'start-trailers',
  'body',
  'body-end',
  'file',
  'trailers',
]);
const MOVE_COUNT = RESPONSE.moves.length;
const MOVE_EARLY_HINTS = RESPONSE.moves.indexOf('early-hints');
const MOVE_START = RESPONSE.moves.indexOf('start');
const MOVE_START_TRAILERS = RESPONSE.moves.indexOf('start-trailers');
const MOVE_BODY = RESPONSE.moves.indexOf('body');
const MOVE_BODY_END = RESPONSE.moves.indexOf('body-end');
const MOVE_FILE = RESPONSE.moves.indexOf('file');
const MOVE_TRAILERS = RESPONSE.moves.indexOf('trailers');
const BEFORE_START = RESPONSE.states.indexOf('before-start');
const COMPLETE = RESPONSE.states.indexOf('complete');
const DISCONNECTED_STATE = RESPONSE.states.indexOf('disconnected');
const FAILED = RESPONSE.states.indexOf('failed');
/** {@link OPEN_STATES} by state number. */
const OPEN = RESPONSE.states.map((state) => OPEN_STATES.has(state));

/** {@link HTTP_REQUEST_TRANSITIONS}, numbered likewise. */
const REQUEST = numberTable<HttpRequestState, HttpRequestMove>(HTTP_REQUEST_TRANSITIONS, [
  'request',
  'request-last',
  'disconnect',
]);
const REQUEST_MOVE_COUNT = REQUEST.moves.length;
const MOVE_REQUEST = REQUEST.moves.indexOf('request');
const MOVE_REQUEST_LAST = REQUEST.moves.indexOf('request-last');
const MOVE_DISCONNECT = REQUEST.moves.indexOf('disconnect');
const RECEIVING_BODY = REQUEST.states.indexOf('receiving-body');

const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|\\\\)/;

/**
 * The state machine of one HTTP request and its response. Pure: no I/O, no
 * timers. See the module comment for how a server drives it.
 */
export class HttpExchange
  implements
    ProtocolMachine<
      HttpState,
      HttpSendAction,
      HttpReceiveAction,
      HttpReceiveEvent,
      HttpSettleAction
    >
{
  #state: HttpState = 'before-start';
  /** The number of `#state` in {@link RESPONSE}. */
  #stateNumber = BEFORE_START;
  #requestState: HttpRequestState = 'receiving-body';
  /** The number of `#requestState` in {@link REQUEST}. */
  #requestNumber = RECEIVING_BODY;
  readonly #isHead: boolean;
  readonly #httpVersion: HttpVersion;
  readonly #extensions: Readonly<Record<string, unknown>>;
  readonly #expectContinue: boolean;
  readonly #requestBodyLength: number | null;
  #requestBodyReceived = 0;
  #continueSent = false;
  #clientGone = false;
  #started = false;
  #settled = false;
  #meter: BodyMeter | null = null;
  /** What later sends throw once the exchange failed. */
  #failure: unknown = null;
  /** The first rule the app broke. */
  #violation: ProtocolError | null = null;

  /**
   * @param scope - the request's scope; read for the method, HTTP version,
   *   extensions and, unless `options` says, the request headers.
   * @param options - facts the server already parsed.
   */
  constructor(scope: HttpScope, options: HttpExchangeOptions = {}) {
    this.#isHead = scope.method === 'HEAD';
    this.#httpVersion = scope.httpVersion;
    this.#extensions = scope.extensions ?? {};
    const known = options.expectContinue !== undefined && options.requestBodyLength !== undefined;
    const scanned = known ? null : scanRequest(scope.headers ?? [], scope.httpVersion);
    this.#expectContinue = options.expectContinue ?? scanned!.expectContinue;
    this.#requestBodyLength =
      options.requestBodyLength !== undefined ? options.requestBodyLength : scanned!.bodyLength;
  }

  /** The response side's state. */
  get state(): HttpState {
    return this.#state;
  }

  /** The request side's state. */
  get requestState(): HttpRequestState {
    return this.#requestState;
  }

  /** Whether the request carries `Expect: 100-continue` on HTTP/1.1 or later. */
  get expectContinue(): boolean {
    return this.#expectContinue;
  }

  /** Whether a `read` action has told the server to send `100 Continue`. */
  get continueSent(): boolean {
    return this.#continueSent;
  }

  /** Whether the client is known to be gone. */
  get clientGone(): boolean {
    return this.#clientGone;
  }

  /** Whether `http.response.start` was accepted. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * The app called `send(event)`.
   *
   * @returns what the transport does with it.
   * @throws ProtocolError naming the rule the event breaks (APP-5 after the app settled).
   */
  send(event: unknown): HttpSendAction {
    if (this.#settled) throw afterSettled('send()');
    if (this.#state === 'failed') throw this.#failure;
    try {
      return this.#send(event);
    } catch (error) {
      if (error instanceof ProtocolError) this.#fail(error);
      throw error;
    }
  }

  /**
   * The app called `receive()`.
   *
   * @returns which event the server gives it.
   * @throws ProtocolError (APP-5) after the app settled.
   */
  receive(): HttpReceiveAction {
    if (this.#settled) throw afterSettled('receive()');
    if (this.#clientGone) return DISCONNECT_GONE;
    if (this.#state === 'complete') return DISCONNECT_DONE;
    if (this.#requestState === 'disconnect-given') return DISCONNECT_GONE;
    if (this.#requestState === 'body-received') return WAIT;
    if (this.#expectContinue && !this.#continueSent && this.#state === 'before-start') {
      this.#continueSent = true;
      return READ_AFTER_CONTINUE;
    }
    return READ;
  }

  /**
   * The server gives the app `event`. Every event given must pass through
   * here: it keeps the request side's state.
   *
   * @returns the same event, typed.
   * @throws ProtocolError naming the server rule the event breaks.
   */
  deliver(event: unknown): HttpReceiveEvent {
    const type = eventType(event, 'SRV-2', 'received event');
    const fields = event as Record<string, unknown>;
    let move: HttpRequestMove;
    let moveNumber: number;
    let bytes = 0;
    if (type === 'http.request') {
      const body = fields.body;
      if (!(body instanceof Uint8Array)) {
        throw new ProtocolError(
          'HTTP-REQ-1',
          'http.request body',
          'a Uint8Array',
          describeValue(body),
        );
      }
      if (typeof fields.moreBody !== 'boolean') {
        throw new ProtocolError(
          'HTTP-REQ-1',
          'http.request moreBody',
          'a boolean',
          describeValue(fields.moreBody),
        );
      }
      move = fields.moreBody ? 'request' : 'request-last';
      moveNumber = fields.moreBody ? MOVE_REQUEST : MOVE_REQUEST_LAST;
      bytes = body.byteLength;
    } else if (type === 'http.disconnect') {
      move = 'disconnect';
      moveNumber = MOVE_DISCONNECT;
    } else {
      throw new ProtocolError(
        'SRV-2',
        'received event type',
        'http.request or http.disconnect',
        describeValue(type),
      );
    }
    const next = REQUEST.next[this.#requestNumber * REQUEST_MOVE_COUNT + moveNumber]!;
    if (next < 0) {
      throw this.#requestState === 'disconnect-given'
        ? new ProtocolError(
            'HTTP-DISC-1',
            type,
            'http.disconnect again once given',
            'another event',
          )
        : new ProtocolError(
            'HTTP-REQ-1',
            type,
            'no http.request after the last one (moreBody false)',
            'another one',
          );
    }
    if (move !== 'disconnect') this.#checkRequestLength(bytes, move === 'request-last');
    this.#requestNumber = next;
    this.#requestState = REQUEST.states[next]!;
    if (move === 'disconnect' && OPEN[this.#stateNumber]) this.clientDisconnected();
    return event as HttpReceiveEvent;
  }

  /**
   * The client went away. Later sends are answered with
   * `{ kind: 'disconnected' }` and `receive()` gives `http.disconnect`.
   */
  clientDisconnected(): void {
    this.#clientGone = true;
    if (OPEN[this.#stateNumber]) this.#enter(DISCONNECTED_STATE);
  }

  /**
   * The transport could not carry out the last action (a file could not be
   * read, EXT-FILE-2). The exchange fails: later sends throw `error`, and the
   * settlement says to abort, or to answer 500 if nothing was started.
   */
  transportFailed(error: unknown): void {
    if (this.#state === 'disconnected' || this.#state === 'failed') return;
    this.#enter(FAILED);
    this.#failure = error;
  }

  /** The app's promise resolved. */
  appReturned(): Settlement<HttpSettleAction> {
    return this.#settle(false, undefined);
  }

  /** The app's promise rejected with `error`. */
  appThrew(error: unknown): Settlement<HttpSettleAction> {
    return this.#settle(true, error);
  }

  #send(event: unknown): HttpSendAction {
    const type = eventType(event, 'SRV-3', 'sent event');
    const fields = event as Record<string, unknown>;
    switch (type) {
      case 'http.response.start': {
        const status = readStatus(fields.status, 'HTTP-RESP-2', 'http.response.start status');
        const headers =
          fields.headers === undefined
            ? []
            : checkHeaderList(fields.headers, 'HTTP-RESP-3', 'http.response.start headers');
        const trailers = readFlag(
          fields.trailers,
          false,
          'EXT-TRAILERS-2',
          'http.response.start trailers',
        );
        if (trailers) this.#requireExtension('http.response.trailers', `${type} trailers: true`);
        if (this.#state === 'disconnected') return DISCONNECTED;
        const next = this.#next(trailers ? MOVE_START_TRAILERS : MOVE_START, type);
        const contentLength = checkContentLength(headers, type);
        const meter = new BodyMeter(
          status,
          contentLength,
          this.#httpVersion,
          this.#isHead,
          trailers,
        );
        this.#meter = meter;
        this.#started = true;
        this.#enter(next);
        return { kind: 'start', status, headers, framing: meter.framing, contentLength, trailers };
      }
      case 'http.response.body': {
        const body = readBody(fields.body, 'HTTP-RESP-5', 'http.response.body body');
        const more = readFlag(fields.moreBody, false, 'HTTP-RESP-5', 'http.response.body moreBody');
        if (this.#state === 'disconnected') return DISCONNECTED;
        const next = this.#next(more ? MOVE_BODY : MOVE_BODY_END, type);
        const meter = this.#meter!;
        meter.add(body, type);
        if (!more) meter.end(type);
        this.#enter(next);
        return { kind: 'body', body, done: !more, complete: next === COMPLETE };
      }
      case 'http.response.file': {
        this.#requireExtension(type, type);
        const path = fields.path;
        if (typeof path !== 'string' || !isAbsolutePath(path)) {
          throw new ProtocolError(
            'EXT-FILE-1',
            'http.response.file path',
            'an absolute path',
            describeValue(path),
          );
        }
        const offset = readCount(fields.offset, 'EXT-FILE-1', 'http.response.file offset') ?? 0;
        const length = readCount(fields.length, 'EXT-FILE-1', 'http.response.file length');
        if (this.#state === 'disconnected') return DISCONNECTED;
        const next = this.#next(MOVE_FILE, type);
        const meter = this.#meter!;
        const requiredLength = meter.noBodyReason !== null ? 0 : (length ?? meter.remaining);
        meter.addFile(length, type);
        this.#enter(next);
        return {
          kind: 'file',
          path,
          offset,
          length,
          requiredLength,
          complete: next === COMPLETE,
        };
      }
      case 'http.response.trailers': {
        this.#requireExtension(type, type);
        const headers = checkHeaderList(
          fields.headers,
          'HTTP-RESP-3',
          'http.response.trailers headers',
        );
        if (this.#state === 'disconnected') return DISCONNECTED;
        this.#enter(this.#next(MOVE_TRAILERS, type));
        return { kind: 'trailers', headers };
      }
      case 'http.response.earlyHints': {
        this.#requireExtension(type, type);
        const headers = checkHeaderList(
          fields.headers,
          'HTTP-RESP-3',
          'http.response.earlyHints headers',
        );
        if (this.#state === 'disconnected') return DISCONNECTED;
        this.#enter(this.#next(MOVE_EARLY_HINTS, type));
        return { kind: 'early-hints', headers };
      }
      default:
        throw new ProtocolError(
          'SRV-3',
          'sent event type',
          'an HTTP response event type',
          describeValue(type),
        );
    }
  }

  /** Looks the move numbered `move` up in the table, or throws the rule that forbids it here. */
  #next(move: number, type: string): number {
    const next = RESPONSE.next[this.#stateNumber * MOVE_COUNT + move]!;
    if (next >= 0) return next;
    throw httpOrderError(this.#state, RESPONSE.moves[move]!, type);
  }

  /** Moves the response side to the state numbered `state`. */
  #enter(state: number): void {
    this.#stateNumber = state;
    this.#state = RESPONSE.states[state]!;
  }

  #requireExtension(name: string, what: string): void {
    if (this.#extensions[name] === undefined) {
      throw new ProtocolError(
        'EXT-1',
        what,
        `only when scope.extensions advertises ${JSON.stringify(name)}`,
        'one without the advertisement',
      );
    }
  }

  #checkRequestLength(bytes: number, last: boolean): void {
    const declared = this.#requestBodyLength;
    this.#requestBodyReceived += bytes;
    if (declared === null) return;
    const received = this.#requestBodyReceived;
    if (declared === 0 && (received > 0 || !last)) {
      throw new ProtocolError(
        'HTTP-REQ-2',
        'http.request',
        'one event with an empty body and moreBody false for a request without a body',
        received > 0 ? `${received} body bytes` : 'moreBody true',
      );
    }
    if (received > declared || (last && received < declared)) {
      throw new ProtocolError(
        'HTTP-REQ-4',
        'http.request',
        `a body of ${declared} bytes (content-length), ended by moreBody false only at its end`,
        `${received} bytes${last ? ' and moreBody false' : ''}`,
      );
    }
  }

  #fail(error: ProtocolError): void {
    this.#violation ??= error;
    if (OPEN[this.#stateNumber]) {
      this.#enter(FAILED);
      this.#failure = error;
    }
  }

  #settle(threw: boolean, error: unknown): Settlement<HttpSettleAction> {
    this.#settled = true;
    const state = this.#state;
    let violation = this.#violation;
    if (state === 'complete') {
      if (!threw && violation === null) return settledOk;
      return settlement('ok', null, threw, error, violation);
    }
    if (this.#clientGone) return settlement('client-gone', 'HTTP-DISC-1', threw, error, violation);
    if (state === 'failed') {
      return this.#started
        ? settlement('abort', 'HTTP-FAIL-2', threw, error, violation)
        : settlement('respond-500', 'HTTP-FAIL-1', threw, error, violation);
    }
    if (!threw) {
      violation ??= new ProtocolError(
        'HTTP-FAIL-5',
        'application',
        'to settle only after its response is complete or the client is gone',
        state === 'before-start'
          ? 'a return before http.response.start'
          : state === 'trailers'
            ? 'a return before the promised http.response.trailers'
            : 'a return before the body ended',
      );
    }
    if (state === 'before-start') {
      return settlement(
        'respond-500',
        threw ? 'HTTP-FAIL-1' : 'HTTP-FAIL-3',
        threw,
        error,
        violation,
      );
    }
    return settlement('abort', threw ? 'HTTP-FAIL-2' : 'HTTP-FAIL-3', threw, error, violation);
  }
}

/**
 * Reads, in one pass over the request headers, whether `100 Continue` is owed
 * (`Expect: 100-continue` on HTTP/1.1 or later) and the body length the
 * headers declare: `content-length` when valid; 0 for HTTP/1.x without
 * `content-length` or `transfer-encoding` (such a request has no body);
 * `null` when unknown.
 */
function scanRequest(
  headers: HeaderList,
  httpVersion: HttpVersion,
): { expectContinue: boolean; bodyLength: number | null } {
  let expectContinue = false;
  let chunked = false;
  let hasLength = false;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    const name = pair[0];
    if (name === 'content-length') hasLength = true;
    else if (name === 'transfer-encoding') chunked = true;
    else if (name === 'expect' && listsToken([pair[1]], '100-continue')) expectContinue = true;
  }
  let bodyLength: number | null = null;
  if (hasLength) {
    const length = readContentLength(headers);
    bodyLength = Number.isNaN(length) ? null : length;
  } else if ((httpVersion === '1.0' || httpVersion === '1.1') && !chunked) {
    bodyLength = 0;
  }
  return { expectContinue: expectContinue && httpVersion !== '1.0', bodyLength };
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || WINDOWS_ABSOLUTE.test(path);
}
