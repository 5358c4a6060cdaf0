/**
 * One HTTP exchange played by the harness: the harness is the server, the
 * test is the client. The server side is the sans-IO `HttpExchange` machine,
 * so every event the application sends is judged by the same rules as on a
 * real server, and a broken application gets the `ProtocolError` naming the
 * rule; what happens when the application settles comes from the machine's
 * settlement (a 500 before `http.response.start`, an abort after it).
 *
 * @module
 */

import { ClientDisconnectedError, ProtocolError } from '../errors.js';
import {
  HttpExchange,
  type HttpSendAction,
  type HttpSettleAction,
  type HttpState,
} from '../protocol/http.js';
import type { Settlement } from '../protocol/machine.js';
import type { Application, HttpScope, SendEvent } from '../types.js';
import { type AppEnd, runApp } from './app.js';
import { type BodyPlan, planBody } from './body.js';
import { ByteWatch } from './byte-watch.js';
import { HarnessEndedError } from './errors.js';
import { readFileRange } from './file.js';
import { ReceivedResponse } from './http-received.js';
import { checkDisconnect, RequestFeed } from './http-request.js';
import { Mailbox } from './mailbox.js';
import type {
  BodyChunk,
  DisconnectPoint,
  HttpOptions,
  ResponseOptions,
  WaitOptions,
} from './options.js';
import type { TestResponse } from './response.js';
import { buildHttpScope } from './scope.js';
import { TransportGate } from './transport.js';
import { checkTimeout, DEFAULT_TIMEOUT_MS, defer, within } from './wait.js';

const UTF8 = new TextEncoder();

/**
 * One HTTP request played by the harness, step by step. Created by
 * `openHttp()`; the application is called right after the current
 * synchronous code, so a test can pause the transport or queue body first.
 */
export class TestHttpExchange {
  /** The scope the application was given. */
  readonly scope: HttpScope;
  /**
   * The application's promise (inside `validate()` when validating). It is
   * observed by the harness, so leaving it unawaited is safe.
   */
  readonly settled: Promise<void>;

  readonly #machine: HttpExchange;
  readonly #plan: BodyPlan;
  readonly #strict: boolean;
  readonly #timeoutMs: number;
  readonly #disconnectAt: DisconnectPoint | undefined;
  readonly #gate = new TransportGate();
  readonly #done = defer<TestResponse>();
  readonly #feed: RequestFeed;
  #clientGone = false;
  // The response side.
  readonly #events: SendEvent[] = [];
  readonly #outbox = new Mailbox<SendEvent>();
  readonly #received = new ReceivedResponse();
  readonly #bytesSent = new ByteWatch();
  #sending = false;
  // How it ended.
  #settlement: Settlement<HttpSettleAction> | null = null;
  #failure: unknown = null;
  #harnessViolation: ProtocolError | null = null;
  #validatorViolation: ProtocolError | null = null;
  #harnessError: unknown = null;

  /**
   * @param app - the application under test.
   * @param options - the request; see {@link HttpOptions}.
   * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a request no client could send.
   */
  constructor(app: Application, options: HttpOptions = {}) {
    this.#strict = options.strict ?? true;
    this.#timeoutMs = checkTimeout(options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.#disconnectAt = checkDisconnect(options.disconnect);
    this.#plan = planBody(options);
    this.scope = buildHttpScope(options, this.#plan.addHeaders);
    this.#machine = new HttpExchange(this.scope, {});
    this.#feed = new RequestFeed(this.#machine, this.#plan, this.#disconnectAt, {
      disconnect: () => this.disconnect(),
      fail: (error) => {
        this.#harnessError ??= error;
        this.disconnect();
      },
    });
    const at = this.#disconnectAt;
    if (
      at === 'before-body' ||
      (typeof at === 'object' && 'afterBytes' in at && at.afterBytes === 0)
    ) {
      this.disconnect();
    }
    this.settled = runApp(
      {
        app,
        validated: options.validate ?? true,
        record: (event) => this.#record(event),
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

  /** The state of the response side, as the server's machine sees it. */
  get state(): HttpState {
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

  /** Whether a `send()` of the application is held by {@link TestHttpExchange.pauseTransport}. */
  get sendPending(): boolean {
    return this.#gate.holding > 0;
  }

  /** Whether the client is gone. */
  get clientGone(): boolean {
    return this.#clientGone;
  }

  /** Whether the server sent `100 Continue` (HTTP-REQ-5). */
  get continueSent(): boolean {
    return this.#feed.continueSent;
  }

  /** How the application settled, once it has; see the protocol machines. */
  get settlement(): Settlement<HttpSettleAction> | null {
    return this.#settlement;
  }

  /**
   * Sends a piece of the request body, for an exchange opened with
   * `streamBody: true`. The application gets it as one `http.request` event.
   *
   * @param chunk - the bytes, or a string sent as UTF-8.
   * @param options - `more: true` when more body follows; default `false`, which ends the body.
   * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) without `streamBody`, after the body
   *   ended or the client left, or past a declared `content-length`.
   */
  sendBody(chunk: BodyChunk, options: { readonly more?: boolean } = {}): void {
    this.#feed.supply(chunk, options.more ?? false);
  }

  /**
   * The client goes away: every `receive()`, pending or later, gives
   * `http.disconnect` (HTTP-DISC-1), and `send()`, held or later, rejects
   * with `ClientDisconnectedError` (HTTP-DISC-2).
   */
  disconnect(): void {
    if (this.#clientGone) return;
    this.#clientGone = true;
    this.#machine.clientDisconnected();
    this.#gate.fail(new ClientDisconnectedError());
    this.#feed.pump();
  }

  /** Holds every later `send()` of the application, as a client that reads nothing would (HTTP-BP-1). */
  pauseTransport(): void {
    this.#gate.pause();
  }

  /** Accepts the held sends, in order, and stops holding. */
  resumeTransport(): void {
    this.#gate.resume();
  }

  /**
   * The next event the application sends that this method has not yet
   * returned, as the application passed it to `send()`. It comes as soon as
   * `send()` is called, even while the transport holds it.
   *
   * @throws HarnessTimeoutError when none comes in time; HarnessEndedError (or,
   *   in strict mode, the application's failure) when the application settled first.
   */
  nextEvent(options: WaitOptions = {}): Promise<SendEvent> {
    return this.#outbox.take(
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () =>
        `the next event from the application (${this.#events.length} sent so far): ${this.#describe()}`,
    );
  }

  /**
   * Waits until the application has settled, and gives the response as the
   * client saw it.
   *
   * @throws in strict mode, the first rule the application broke
   *   (`ProtocolError`) or the error it threw; HarnessTimeoutError when it does
   *   not settle in time.
   */
  response(options: ResponseOptions = {}): Promise<TestResponse> {
    return within(
      this.#done.promise,
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () =>
        `the application to settle (${this.scope.method} ${this.scope.rawPath}): ${this.#describe()}`,
      options.disconnectOnTimeout === true ? () => this.disconnect() : undefined,
    ).then((response) => {
      if (this.#harnessError !== null) throw this.#harnessError;
      if (this.#strict && this.#failure !== null) throw this.#failure;
      return response;
    });
  }

  // ----------------------------------------------------------- the response side

  #record(event: SendEvent): void {
    this.#events.push(event);
    this.#outbox.put(event);
  }

  #send(event: SendEvent): Promise<void> {
    if (this.#sending) {
      const error = new ProtocolError(
        'APP-4',
        'send()',
        'no call before the previous send() settled',
        'an overlapping call',
      );
      this.#harnessViolation ??= error;
      return Promise.reject(error);
    }
    let action: HttpSendAction;
    try {
      action = this.#machine.send(event);
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'disconnected') return Promise.reject(new ClientDisconnectedError());
    // The response is complete once the server accepted its last event: answer
    // the receive() calls waiting for that (HTTP-DISC-3).
    if (this.#machine.state === 'complete') this.#feed.pump();
    this.#sending = true;
    const carried = this.#carry(action);
    carried.then(
      () => {
        this.#sending = false;
      },
      () => {
        this.#sending = false;
      },
    );
    return carried;
  }

  /** Carries out an accepted action through the transport. */
  #carry(action: Exclude<HttpSendAction, { kind: 'disconnected' }>): Promise<void> {
    const received = this.#received;
    switch (action.kind) {
      case 'early-hints':
        return this.#gate.pass(() => received.hints(action.headers));
      case 'start':
        return this.#gate.pass(() => {
          received.start(action.status, action.headers);
          if (this.#disconnectAt === 'after-start') this.disconnect();
        });
      case 'body': {
        const body = action.body;
        if (typeof body === 'string') {
          const bytes = UTF8.encode(body);
          return this.#gate.pass(() => this.#accept(bytes, action.complete));
        }
        const bytes = body.slice();
        return this.#gate.pass(() => {
          this.#bytesSent.watch(body, bytes, 'http.response.body body');
          this.#accept(bytes, action.complete);
        });
      }
      case 'file':
        return readFileRange(action).then(
          (bytes) => this.#gate.pass(() => this.#accept(bytes, action.complete)),
          (error: unknown) => {
            this.#machine.transportFailed(error);
            throw error;
          },
        );
      case 'trailers':
        return this.#gate.pass(() => received.trailers(action.headers));
    }
  }

  #accept(bytes: Uint8Array, complete: boolean): void {
    this.#received.body(bytes, complete);
    const at = this.#disconnectAt;
    if (
      typeof at === 'object' &&
      'afterResponseBytes' in at &&
      this.#received.bytes >= at.afterResponseBytes
    ) {
      this.disconnect();
    }
  }

  // ------------------------------------------------------------ settling

  #settle(end: AppEnd): void {
    const settlement = end.threw ? this.#machine.appThrew(end.error) : this.#machine.appReturned();
    const validation = end.validation instanceof ProtocolError ? end.validation : null;
    this.#harnessViolation ??= this.#bytesSent.check();
    const violation =
      validation ?? this.#validatorViolation ?? settlement.violation ?? this.#harnessViolation;
    this.#settlement = settlement;
    this.#failure = violation ?? end.validation ?? (settlement.log ? settlement.error : null);
    const response = this.#received.toResponse({
      scope: this.scope,
      settlement,
      clientGone: this.#clientGone,
      continued: this.#feed.continueSent,
      events: this.#events,
      violation,
    });
    this.#done.resolve(response);
    this.#outbox.end(() => this.#endedError('another event'));
  }

  #endedError(awaited: string): unknown {
    if (this.#strict && this.#failure !== null) return this.#failure;
    return new HarnessEndedError(
      `${awaited} from the application`,
      `the application settled (${this.#settlement?.action ?? 'unknown'})`,
    );
  }

  /** What the exchange is doing, for a timeout message. */
  #describe(): string {
    const parts = [`the response is in state ${this.#machine.state}`];
    const receiving = this.#feed.describe();
    if (receiving !== null) parts.push(receiving);
    if (this.#gate.holding > 0) parts.push('a send() is held by pauseTransport()');
    else if (this.#sending) parts.push('a send() is in progress');
    if (receiving === null && !this.#sending) {
      parts.push('the application is in neither receive() nor send()');
    }
    return parts.join('; ');
  }
}
