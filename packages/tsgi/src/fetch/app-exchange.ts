/**
 * One request served by a TSGI application behind a fetch handler: the
 * `receive` and `send` the app gets, and the `Response` they produce.
 *
 * The rules (event order, fields, content-length, failure verdicts) come from
 * the shared HTTP protocol machine; this file only moves bytes between it and
 * the fetch objects.
 *
 * @module
 */

import { ClientDisconnectedError } from '../errors.js';
import { HttpExchange, type HttpStartAction } from '../protocol/http.js';
import type {
  Application,
  HttpDisconnectEvent,
  HttpReceiveEvent,
  HttpScope,
  Receive,
  Send,
  SendEvent,
} from '../types.js';
import { headersFromList } from './headers.js';

/** Reports an application error; the request is given for context. */
export type AppErrorReporter = (error: unknown, request: Request) => void;

// Where the Response stands, as the fetch server sees it.
const IDLE = 0; // nothing started
const STARTED = 1; // status and headers kept, Response not handed out yet
const STREAMING = 2; // Response handed out, body still open
const DONE = 3; // the body is complete

const RESOLVED: Promise<void> = Promise.resolve();
const utf8Encoder = new TextEncoder();

function disconnectEvent(): HttpDisconnectEvent {
  return { type: 'http.disconnect' };
}

function noop(): void {}

// A promise's resolvers without a closure per promise: the executor runs
// synchronously, so these hold the pair of the promise just created.
let capturedResolve: () => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function captureResolvers(resolve: () => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** The answer to an app that failed before starting its response (HTTP-FAIL-1). */
export function internalErrorResponse(): Response {
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Runs a TSGI application for one fetch `Request` and resolves its `Response`.
 *
 * The exchange is also the underlying source of the response body stream and
 * the listener of the request's abort signal, so a request costs this object,
 * its protocol machine and the bound `receive` and `send`.
 */
export class AppExchange implements UnderlyingDefaultSource<Uint8Array>, EventListenerObject {
  /** Settles with the response for the fetch server. */
  readonly response: Promise<Response>;
  /** The `receive` given to the app. */
  readonly receive: Receive;
  /** The `send` given to the app. */
  readonly send: Send;

  private readonly request: Request;
  private readonly machine: HttpExchange;
  private readonly reportError: AppErrorReporter;
  private resolveResponse: (response: Response) => void = noop;
  private rejectResponse: (reason: unknown) => void = noop;

  private phase = IDLE;
  private status = 0;
  private responseHeaders: Headers | null = null;
  private nullBody = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private sendResolve: (() => void) | null = null;
  private sendReject: ((reason: unknown) => void) | null = null;

  private gone = false;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private closed: Promise<void> | null = null;
  private resolveClosed: () => void = noop;

  /**
   * @param request - the request to serve.
   * @param scope - its scope.
   * @param reportError - called with each application error except a
   *   `ClientDisconnectedError`.
   */
  constructor(request: Request, scope: HttpScope, reportError: AppErrorReporter) {
    this.request = request;
    this.reportError = reportError;
    // The fetch server has dealt with 100-continue and framing already; only
    // a missing body is a known length.
    this.machine = new HttpExchange(scope, {
      expectContinue: false,
      requestBodyLength: request.body === null ? 0 : null,
    });
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
    this.receive = this.nextEvent.bind(this);
    this.send = this.accept.bind(this);
    const signal = request.signal;
    if (signal.aborted) this.disconnect();
    else signal.addEventListener('abort', this);
  }

  /**
   * Calls the application and returns the response promise.
   *
   * @param app - the application.
   * @param scope - the request's scope.
   */
  run(app: Application, scope: HttpScope): Promise<Response> {
    let settled: Promise<void>;
    try {
      settled = app(scope, this.receive, this.send);
    } catch (error) {
      this.settle(true, error);
      return this.response;
    }
    Promise.resolve(settled).then(
      () => this.settle(false, undefined),
      (error: unknown) => this.settle(true, error),
    );
    return this.response;
  }

  /** The request's abort signal fired: the client is gone. */
  handleEvent(): void {
    this.disconnect();
  }

  // ------------------------------------------------------------ receive

  private nextEvent(): Promise<HttpReceiveEvent> {
    let action: ReturnType<HttpExchange['receive']>;
    try {
      action = this.machine.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'disconnect') return Promise.resolve(this.giveDisconnect());
    if (action.kind === 'wait') return this.whenClosed();
    if (this.reader === null) {
      const body = this.request.body;
      if (body === null) {
        return Promise.resolve(
          this.machine.deliver({ type: 'http.request', body: new Uint8Array(0), moreBody: false }),
        );
      }
      this.reader = body.getReader();
    }
    return this.reader.read().then(this.onBodyRead, this.onBodyError);
  }

  private readonly onBodyRead = (
    result: ReadableStreamReadResult<Uint8Array>,
  ): HttpReceiveEvent | Promise<HttpReceiveEvent> => {
    // A disconnect cancels the reader, which ends pending reads as "done".
    if (this.gone) return this.giveDisconnect();
    // A second read that was pending when the body ended.
    if (this.machine.requestState !== 'receiving-body') return this.whenClosed();
    if (result.done) {
      return this.machine.deliver({
        type: 'http.request',
        body: new Uint8Array(0),
        moreBody: false,
      });
    }
    const chunk: unknown = result.value;
    const body =
      chunk instanceof Uint8Array
        ? chunk
        : new Uint8Array(
            (chunk as ArrayBufferView).buffer,
            (chunk as ArrayBufferView).byteOffset,
            (chunk as ArrayBufferView).byteLength,
          );
    return this.machine.deliver({ type: 'http.request', body, moreBody: true });
  };

  // A body that fails mid-way was cut off: the client is gone (HTTP-REQ-4).
  private readonly onBodyError = (): HttpReceiveEvent => {
    this.disconnect();
    return this.giveDisconnect();
  };

  private readonly giveDisconnect = (): HttpReceiveEvent => {
    return this.machine.deliver(disconnectEvent());
  };

  // Resolves once the client leaves, the response is complete or the app settles.
  private whenClosed(): Promise<HttpReceiveEvent> {
    if (this.closed === null) {
      this.closed = new Promise<void>((resolve) => {
        this.resolveClosed = resolve;
      });
    }
    return this.closed.then(this.giveDisconnect);
  }

  // --------------------------------------------------------------- send

  private accept(event: SendEvent): Promise<void> {
    let action: ReturnType<HttpExchange['send']>;
    try {
      action = this.machine.send(event);
    } catch (error) {
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'start':
        return this.startResponse(action);
      case 'body':
        return this.writeBody(action.body, !action.done);
      case 'disconnected':
        return Promise.reject(new ClientDisconnectedError());
      default:
        // The scope advertises no extension, so the machine refuses their
        // events before they get here.
        return Promise.reject(new TypeError(`unexpected action ${action.kind}`));
    }
  }

  private startResponse(action: HttpStartAction): Promise<void> {
    let headers: Headers;
    try {
      headers = headersFromList(action.headers);
    } catch (error) {
      // The machine accepted the pairs, so fetch is stricter here: the
      // response cannot be carried, and the verdict at settle says so.
      this.machine.transportFailed(error);
      return Promise.reject(error);
    }
    // No content-length on 204 (HTTP-RESP-10).
    if (action.status === 204) headers.delete('content-length');
    this.status = action.status;
    this.responseHeaders = headers;
    // Fetch refuses any body, even an empty one, for 205 as well.
    this.nullBody = action.framing === 'none' || action.status === 205;
    this.phase = STARTED;
    return RESOLVED;
  }

  private writeBody(raw: Uint8Array | string, more: boolean): Promise<void> {
    let chunk: Uint8Array<ArrayBuffer>;
    if (typeof raw === 'string') {
      // Lone surrogates become U+FFFD, as HTTP-RESP-15 asks.
      chunk = utf8Encoder.encode(raw);
    } else {
      // Fetch takes no view of a SharedArrayBuffer: copy those.
      chunk = raw.buffer instanceof ArrayBuffer ? (raw as Uint8Array<ArrayBuffer>) : raw.slice();
    }

    if (this.phase === STARTED) {
      // The first body event decides the Response. A whole body goes in as
      // bytes, so the fetch server can frame it with content-length.
      if (!more) {
        this.handOut(this.nullBody ? null : chunk);
        this.complete();
        return RESOLVED;
      }
      if (this.nullBody) {
        this.handOut(null);
        this.phase = STREAMING;
        return RESOLVED;
      }
      this.phase = STREAMING;
      this.handOut(new ReadableStream<Uint8Array>(this));
      return this.enqueue(chunk);
    }

    // STREAMING
    if (this.nullBody) {
      if (!more) this.complete();
      return RESOLVED;
    }
    if (more) return this.enqueue(chunk);
    const controller = this.controller!;
    if (chunk.byteLength > 0) controller.enqueue(chunk);
    controller.close();
    this.complete();
    return RESOLVED;
  }

  private handOut(body: BodyInit | null): void {
    this.resolveResponse(
      new Response(body, { status: this.status, headers: this.responseHeaders! }),
    );
  }

  // The queue holds at most one chunk: send() resolves once the consumer took
  // it, so a consumer that stops reading stops the app (HTTP-BP-1).
  private enqueue(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return RESOLVED;
    const controller = this.controller!;
    controller.enqueue(chunk);
    if (controller.desiredSize! > 0) return RESOLVED;
    const pending = new Promise<void>(captureResolvers);
    this.sendResolve = capturedResolve;
    this.sendReject = capturedReject;
    return pending;
  }

  private complete(): void {
    this.phase = DONE;
    this.resolveClosed();
  }

  // ------------------------------------------------ response body source

  /**
   * Stream start: keeps the controller.
   *
   * @param controller - the response body stream's controller.
   */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** The consumer wants more: release the app's pending send. */
  pull(): void {
    const resolve = this.sendResolve;
    if (resolve !== null) {
      this.sendResolve = null;
      this.sendReject = null;
      resolve();
    }
  }

  /** The consumer cancelled the body: the client is gone. */
  cancel(): void {
    this.disconnect();
  }

  // ------------------------------------------------------------ endings

  private disconnect(): void {
    if (this.gone) return;
    this.gone = true;
    this.machine.clientDisconnected();
    this.request.signal.removeEventListener('abort', this);
    this.resolveClosed();
    // Cancelling ends the pending reads, which then give http.disconnect (HTTP-DISC-1).
    if (this.reader !== null) this.reader.cancel().catch(noop);
    this.rejectPendingSend(new ClientDisconnectedError());
    if (this.phase === STREAMING && !this.nullBody) {
      this.controller!.error(new ClientDisconnectedError());
    }
  }

  private rejectPendingSend(reason: unknown): void {
    const reject = this.sendReject;
    if (reject !== null) {
      this.sendResolve = null;
      this.sendReject = null;
      reject(reason);
    }
  }

  private settle(threw: boolean, error: unknown): void {
    const verdict = threw ? this.machine.appThrew(error) : this.machine.appReturned();
    if (verdict.log) this.reportError(verdict.error, this.request);
    this.request.signal.removeEventListener('abort', this);
    this.resolveClosed();
    const reason = verdict.error ?? new ClientDisconnectedError();
    this.rejectPendingSend(reason);
    switch (verdict.action) {
      case 'ok':
        return;
      case 'respond-500':
        // Nothing was sent: a body that tells nothing (HTTP-FAIL-1, HTTP-FAIL-3).
        this.resolveResponse(internalErrorResponse());
        return;
      default:
        // 'abort', or 'client-gone' where nobody reads the answer any more.
        this.abort(reason);
    }
  }

  // The response must not look complete (HTTP-FAIL-2, HTTP-FAIL-3).
  private abort(reason: unknown): void {
    const phase = this.phase;
    if (phase === IDLE) {
      this.resolveResponse(internalErrorResponse());
    } else if (phase === STARTED) {
      if (this.nullBody) {
        // A null body cannot fail, so the fetch server gets the error itself.
        this.rejectResponse(reason);
      } else {
        this.phase = STREAMING;
        const body = new ReadableStream<Uint8Array>(this);
        this.controller!.error(reason);
        this.handOut(body);
      }
    } else if (phase === STREAMING && !this.nullBody) {
      // Erroring the stream makes the fetch server abort the response.
      this.controller!.error(reason);
    }
  }
}
