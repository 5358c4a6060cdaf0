/**
 * One HTTP request served by a fetch handler inside a TSGI application: the
 * `Request` built from the scope, and the response sent back as events.
 *
 * @module
 */

import {
  ClientDisconnectedError,
  describeValue,
  isClientDisconnected,
  ProtocolError,
  TsgiError,
} from '../errors.js';
import type { Address, HttpReceiveEvent, HttpScope, HttpSendEvent } from '../types.js';
import { FetchBridgeErrorCode } from './error-codes.js';
import type { FetchBridgeBindings, FetchHandler } from './from-fetch-handler.js';
import { headerListFromHeaders, headersFromList } from './headers.js';

type HttpReceive = () => Promise<HttpReceiveEvent>;
type HttpSend = (event: HttpSendEvent) => Promise<void>;

const NOT_YET = Symbol('not yet');
// How many microtask turns the first body chunk's successor may take to be
// counted as "already there". Bodies made from a string or bytes end within a
// few turns; real streams take longer, and lose only this much latency.
const LOOKAHEAD_TURNS = 8;
// Pull the request body only when the handler reads it (HTTP-BP-2).
const pullOnDemand: QueuingStrategy<Uint8Array> = { highWaterMark: 0 };
// Hosts that would change the URL's meaning (userinfo, path, query) are not used.
const usableHost = /^[^\s/?#@\\]+$/;

function noop(): void {}

async function afterTurns(): Promise<typeof NOT_YET> {
  for (let i = 0; i < LOOKAHEAD_TURNS; i++) await undefined;
  return NOT_YET;
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new TsgiError(
    FetchBridgeErrorCode.INVALID_RESPONSE,
    `the fetch handler's response body gave ${describeValue(chunk)}, expected Uint8Array chunks`,
  );
}

function authorityOf(server: Address | null): string {
  if (server === null || server.port === null) return 'localhost';
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `${host}:${server.port}`;
}

// "#" and "\" would change how the URL parser splits the target; escape them.
function escapeForUrl(text: string): string {
  return /[#\\]/.test(text) ? text.replace(/#/g, '%23').replace(/\\/g, '%5C') : text;
}

/**
 * Builds the URL of a request from its scope: scheme, the `host` header (or
 * the server address), `rawPath` with its escapes kept, and the query string.
 *
 * @param scope - the HTTP scope.
 * @returns an absolute URL string.
 */
export function requestUrl(scope: HttpScope): string {
  let host = '';
  const headers = scope.headers;
  for (let i = 0; i < headers.length; i++) {
    if (headers[i]![0] === 'host') {
      host = headers[i]![1];
      break;
    }
  }
  if (!usableHost.test(host)) host = authorityOf(scope.server);
  let path = escapeForUrl(scope.rawPath);
  // Asterisk-form ("*") and other paths without a leading slash get one.
  if (path.charCodeAt(0) !== 0x2f) path = `/${path}`;
  const query = scope.queryString;
  return query === ''
    ? `${scope.scheme}://${host}${path}`
    : `${scope.scheme}://${host}${path}?${escapeForUrl(query)}`;
}

function plainResponse(status: number, text: string): HttpSendEvent[] {
  return [
    {
      type: 'http.response.start',
      status,
      headers: [['content-type', 'text/plain; charset=utf-8']],
    },
    { type: 'http.response.body', body: text, moreBody: false },
  ];
}

/**
 * Runs a fetch handler for one TSGI HTTP request.
 *
 * The exchange is also the underlying source of the request body stream: its
 * `pull` calls `receive()` only when the handler reads.
 */
export class HandlerExchange implements UnderlyingDefaultSource<Uint8Array> {
  private readonly scope: HttpScope;
  private readonly receive: HttpReceive;
  private readonly send: HttpSend;
  private readonly abortController = new AbortController();
  private bodyDone = false;
  private responseComplete = false;
  private settled = false;
  private gone = false;

  /**
   * @param scope - the request's scope.
   * @param receive - the server's receive.
   * @param send - the server's send.
   */
  constructor(scope: HttpScope, receive: HttpReceive, send: HttpSend) {
    this.scope = scope;
    this.receive = receive;
    this.send = send;
  }

  /**
   * Calls the handler and sends its response. Settles when the response is
   * complete or the client is gone; rejects when the handler fails.
   *
   * @param handler - the fetch handler.
   * @param env - its second argument.
   */
  async run<Env extends object>(
    handler: FetchHandler<Env>,
    env: Env & FetchBridgeBindings,
  ): Promise<void> {
    try {
      let request: Request;
      try {
        request = this.buildRequest();
      } catch {
        // A method fetch forbids (CONNECT, TRACE) or a target no URL can hold.
        for (const event of plainResponse(400, 'Bad Request')) await this.send(event);
        return;
      }
      let response: Response;
      try {
        response = await handler(request, env);
      } catch (error) {
        // A handler that fails because its signal was aborted has nobody to answer.
        if (this.gone) return;
        throw error;
      }
      if (this.gone) {
        // Nobody is left to answer: the app learned of the disconnect and stops (HTTP-DISC-5).
        (response as { body?: ReadableStream | null } | null)?.body?.cancel().catch(noop);
        return;
      }
      await this.respond(response);
    } finally {
      this.settled = true;
    }
  }

  private buildRequest(): Request {
    const scope = this.scope;
    const method = scope.method;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: headersFromList(scope.headers),
      signal: this.abortController.signal,
    };
    const hasBody = method !== 'GET' && method !== 'HEAD';
    if (hasBody) {
      init.body = new ReadableStream<Uint8Array>(this, pullOnDemand);
      // Node's fetch requires this for a stream body.
      init.duplex = 'half';
    }
    const request = new Request(requestUrl(scope), init);
    // GET and HEAD bodies are never read: drain them and listen for a disconnect.
    if (!hasBody) this.watch();
    return request;
  }

  // ------------------------------------------------ request body source

  /**
   * The handler reads the body: give it the next non-empty piece.
   *
   * @param controller - the request body stream's controller.
   */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      // A receive() after the app settled would break APP-5.
      if (this.settled) {
        controller.error(new ClientDisconnectedError('the response is already complete'));
        return;
      }
      const event = await this.receive();
      if (event.type === 'http.request') {
        const body = event.body;
        const length = body.byteLength;
        if (length > 0) controller.enqueue(body);
        if (!event.moreBody) {
          this.bodyDone = true;
          controller.close();
          this.watch();
          return;
        }
        if (length > 0) return;
      } else if (event.type === 'http.disconnect') {
        this.abortRequest();
        controller.error(new ClientDisconnectedError());
        return;
      } else {
        controller.error(
          new ProtocolError(
            'HTTP-REQ-1',
            'received event',
            'http.request or http.disconnect',
            describeValue(event),
          ),
        );
        return;
      }
    }
  }

  // ------------------------------------------- disconnect while handling

  // Once the body is read, the next receive() resolves when the client leaves
  // or the response is complete (HTTP-DISC-1, HTTP-DISC-3).
  private watch(): void {
    if (this.settled || this.gone) return;
    this.receive().then(this.onWatchEvent, noop);
  }

  private readonly onWatchEvent = (event: HttpReceiveEvent): void => {
    if (this.settled || this.responseComplete) return;
    if (event.type === 'http.disconnect') {
      this.abortRequest();
    } else if (event.type === 'http.request' && !this.bodyDone) {
      // Only GET and HEAD get here before the body's end: their body is dropped.
      if (!event.moreBody) this.bodyDone = true;
      this.watch();
    }
  };

  private abortRequest(): void {
    if (this.gone) return;
    this.gone = true;
    this.abortController.abort(new ClientDisconnectedError());
  }

  // ------------------------------------------------------------ response

  private async respond(response: Response): Promise<void> {
    const status = (response as { status?: unknown } | null)?.status;
    if (
      typeof status !== 'number' ||
      status < 200 ||
      status > 599 ||
      typeof (response.headers as { get?: unknown } | undefined)?.get !== 'function'
    ) {
      throw new TsgiError(
        FetchBridgeErrorCode.INVALID_RESPONSE,
        `the fetch handler returned ${describeValue(response)} with status ${describeValue(status)}, expected a Response with a status from 200 to 599`,
      );
    }
    const headers = headerListFromHeaders(response.headers, false);
    const body = response.body;
    const method = this.scope.method;
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    try {
      if (
        body === null ||
        method === 'HEAD' ||
        status === 204 ||
        status === 205 ||
        status === 304
      ) {
        // No body bytes for these (HTTP-RESP-8); headers such as content-length stay.
        if (body !== null) body.cancel().catch(noop);
        await this.emit({ type: 'http.response.start', status, headers });
        this.responseComplete = true;
        await this.emit({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false });
        return;
      }
      reader = body.getReader();
      await this.emit({ type: 'http.response.start', status, headers });
      await this.pipe(reader);
    } catch (error) {
      if (reader !== null) reader.cancel(error).catch(noop);
      if (isClientDisconnected(error) || this.gone) {
        // The client left, so the body may have failed for that reason: stop quietly (HTTP-DISC-2).
        this.abortRequest();
        return;
      }
      throw error;
    }
  }

  // Every response event goes through here: once the app has seen the client
  // leave, it sends nothing more (HTTP-DISC-5).
  private readonly emit = (event: HttpSendEvent): Promise<void> => {
    if (this.gone) return Promise.reject(new ClientDisconnectedError());
    return this.send(event);
  };

  private async pipe(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const send = this.emit;
    let result = await reader.read();
    if (!result.done) {
      const first = bytesOf(result.value);
      const next = reader.read();
      // A body that is whole in its first chunk goes out as one event, which
      // lets the server frame it with content-length.
      const early = await Promise.race([next, afterTurns()]);
      if (early !== NOT_YET && early.done) {
        this.responseComplete = true;
        await send({ type: 'http.response.body', body: first, moreBody: false });
        return;
      }
      await send({ type: 'http.response.body', body: first, moreBody: true });
      result = await next;
      while (!result.done) {
        await send({ type: 'http.response.body', body: bytesOf(result.value), moreBody: true });
        result = await reader.read();
      }
    }
    this.responseComplete = true;
    await send({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false });
  }
}
