/**
 * Responses: a status, a header list and a body, turned into TSGI events by
 * {@link Response.send} with as few events as the body allows: one start and
 * one body event for a body known in full (with `content-length`), a body
 * event per piece for a stream, and `http.response.file` for a file when the
 * server takes it.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import type { HeaderList, HttpScope } from 'tsgi';
import { type CookieOptions, checkCookie, type PendingCookie, serializeCookie } from './cookies.js';
import { canSendFileEvent, FileBody, type HttpSend, openFile, sendFileRange } from './file-body.js';
import {
  appendHeader,
  deleteHeader,
  type HeadersInit,
  hasHeader,
  headerValue,
  normalizeHeaders,
  setHeader,
} from './headers.js';
import { jsonText } from './json-text.js';
import { UsageError, UsageErrorCode } from './usage-error.js';

/** One piece of a streamed body: bytes, or text the server encodes as UTF-8. */
export type BodyChunk = Uint8Array | string;

/**
 * What a response can carry: bytes, text (sent as UTF-8), an async iterable
 * of pieces (streamed), a {@link FileBody}, or `null` for no body.
 */
export type ResponseBody = Uint8Array | string | AsyncIterable<BodyChunk> | FileBody | null;

/** The status and headers of a new response. */
export interface ResponseInit {
  /** The status code, 200 to 599 (HTTP-RESP-2). Defaults to 200. */
  readonly status?: number;
  /** Headers; names in any case, lowercased here. */
  readonly headers?: HeadersInit;
  /** The `content-type`; replaces one given in `headers` and the helper's default. */
  readonly contentType?: string;
}

const EMPTY = new Uint8Array(0);

/**
 * Checks a response status: an integer from 200 to 599 (HTTP-RESP-2).
 *
 * @returns the status.
 * @throws {@link UsageError} `INVALID_STATUS` otherwise.
 */
export function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new UsageError(
      UsageErrorCode.INVALID_STATUS,
      `a response status must be an integer from 200 to 599, received ${String(status)}`,
    );
  }
  return status;
}

/** The byte length of a body piece; strings count as their UTF-8 encoding. */
export function byteLength(body: BodyChunk): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/** Closes an iterable that will not be read, so that a generator or stream frees what it holds. */
async function discard(body: AsyncIterable<BodyChunk>): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}

/**
 * An HTTP response. Fields may be changed until it is sent; sending does not
 * change them, so a response with a fixed body can be sent any number of times.
 *
 * ```ts
 * const response = new Response('created', { status: 201, contentType: 'text/plain' });
 * response.setCookie('session', token, { maxAge: 3600 });
 * await response.send(scope, send);
 * ```
 */
export class Response {
  /** The status code, 200 to 599. */
  status: number;
  /** The headers, lowercase names (HTTP-RESP-3). Edit in place or with the header methods. */
  headers: HeaderList;
  /** The body. */
  body: ResponseBody;
  /** The cookies to set, serialized when the response is sent. */
  readonly cookies: PendingCookie[] = [];

  /**
   * @param body - the body; none when left out.
   * @param init - status, headers and content type.
   * @throws {@link UsageError} for a bad status or header.
   */
  constructor(body: ResponseBody = null, init: ResponseInit = {}) {
    this.status = checkStatus(init.status ?? 200);
    this.headers = normalizeHeaders(init.headers);
    if (init.contentType !== undefined) setHeader(this.headers, 'content-type', init.contentType);
    this.body = body;
  }

  /** The value of header `name` (repeats joined with `, `), or `undefined`. */
  getHeader(name: string): string | undefined {
    return headerValue(this.headers, name);
  }

  /** Tells whether header `name` is set. */
  hasHeader(name: string): boolean {
    return hasHeader(this.headers, name);
  }

  /**
   * Sets header `name` to `value`, replacing earlier values.
   *
   * @returns this response.
   * @throws {@link UsageError} `INVALID_HEADER` for a bad name or value.
   */
  setHeader(name: string, value: string): this {
    setHeader(this.headers, name, value);
    return this;
  }

  /**
   * Adds a header, keeping earlier values of the same name.
   *
   * @returns this response.
   * @throws {@link UsageError} `INVALID_HEADER` for a bad name or value.
   */
  appendHeader(name: string, value: string): this {
    appendHeader(this.headers, name, value);
    return this;
  }

  /**
   * Removes every value of header `name`.
   *
   * @returns this response.
   */
  deleteHeader(name: string): this {
    deleteHeader(this.headers, name);
    return this;
  }

  /**
   * Sets a cookie. Defaults: `Path=/`, `HttpOnly`, `SameSite=Lax`, and
   * `Secure` when the request came over HTTPS (decided when sent). A cookie
   * of the same name, path and domain set earlier on this response is replaced.
   *
   * @param name - an RFC 6265 token.
   * @param value - any string; percent-encoded on the wire.
   * @param options - the attributes.
   * @returns this response.
   * @throws {@link UsageError} `INVALID_COOKIE` for a bad name or attribute.
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): this {
    checkCookie(name, value, options);
    const path = options.path ?? '/';
    const index = this.cookies.findIndex(
      (cookie) =>
        cookie.name === name &&
        (cookie.options.path ?? '/') === path &&
        cookie.options.domain === options.domain,
    );
    const cookie: PendingCookie = { name, value, options: { ...options } };
    if (index === -1) this.cookies.push(cookie);
    else this.cookies[index] = cookie;
    return this;
  }

  /**
   * Tells the client to delete a cookie: an empty value that expired in the
   * past. Give the `path` and `domain` it was set with.
   *
   * @returns this response.
   */
  deleteCookie(name: string, options: Omit<CookieOptions, 'maxAge' | 'expires'> = {}): this {
    return this.setCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
  }

  /**
   * The headers to send for `scope`: a copy of {@link Response.headers} with
   * a `set-cookie` for each pending cookie, `Secure` decided by the scheme.
   *
   * @param scope - the request's scope.
   */
  outgoingHeaders(scope: HttpScope): HeaderList {
    const headers = this.headers.slice();
    if (this.cookies.length > 0) {
      const secure = scope.scheme === 'https';
      for (const cookie of this.cookies) {
        const options =
          cookie.options.secure === undefined ? { ...cookie.options, secure } : cookie.options;
        headers.push(['set-cookie', serializeCookie(cookie.name, cookie.value, options)]);
      }
    }
    return headers;
  }

  /**
   * Sends the response as TSGI events.
   *
   * - A body known in full (bytes, text, none) goes as one start event with
   *   `content-length` and one body event.
   * - A stream goes as one body event per non-empty piece with `moreBody:
   *   true`, then an empty last one; `content-length` only if set by hand.
   * - A {@link FileBody} goes by `http.response.file` when the server
   *   advertises it, else is read and streamed; either way with `content-length`.
   * - For `HEAD`, 204 and 304 no body bytes are sent (HTTP-RESP-8); `HEAD`
   *   keeps the `content-length` a `GET` would have had, 204 carries none.
   *
   * @param scope - the request's scope: method, scheme (for cookies), extensions.
   * @param send - the TSGI `send`.
   * @throws {@link UsageError} for a bad status, a `content-length` that
   *   does not match a fixed body (HTTP-RESP-7), or a stream piece that is
   *   neither bytes nor text; a `NotFound` for a missing file; before
   *   anything is sent, except the stream piece check.
   * @throws `ClientDisconnectedError` when the client is gone.
   */
  async send(scope: HttpScope, send: HttpSend): Promise<void> {
    const status = checkStatus(this.status);
    const headers = this.outgoingHeaders(scope);
    // A 204 has no content (RFC 9110 8.6): no length to announce either.
    if (status === 204) deleteHeader(headers, 'content-length');
    const bodyless = status === 204 || status === 304 || scope.method === 'HEAD';
    const body = this.body;

    if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
      const payload = body ?? EMPTY;
      if (status !== 204 && status !== 304) setLength(headers, byteLength(payload));
      await send({ type: 'http.response.start', status, headers });
      await send({ type: 'http.response.body', body: bodyless ? EMPTY : payload, moreBody: false });
      return;
    }

    if (body instanceof FileBody) {
      await sendFile(scope, send, status, headers, body, bodyless);
      return;
    }

    if (!isAsyncIterable(body)) {
      throw new UsageError(
        UsageErrorCode.INVALID_ARGUMENT,
        'a response body must be bytes, a string, an async iterable, a FileBody or null',
      );
    }
    await send({ type: 'http.response.start', status, headers });
    if (bodyless) {
      await discard(body);
    } else {
      for await (const chunk of body) {
        if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
          throw new UsageError(
            UsageErrorCode.INVALID_ARGUMENT,
            'a streamed body piece must be a Uint8Array or a string',
          );
        }
        if (chunk.length === 0) continue;
        await send({ type: 'http.response.body', body: chunk, moreBody: true });
      }
    }
    await send({ type: 'http.response.body', body: EMPTY, moreBody: false });
  }
}

/**
 * Sends `response` for `scope`: the same as `response.send(scope, send)`.
 *
 * @param response - the response.
 * @param scope - the request's scope.
 * @param send - the TSGI `send`.
 */
export function sendResponse(response: Response, scope: HttpScope, send: HttpSend): Promise<void> {
  return response.send(scope, send);
}

/** Adds `content-length`, or checks the one set by hand against the real length (HTTP-RESP-7). */
function setLength(headers: HeaderList, length: number): void {
  const given = headerValue(headers, 'content-length');
  if (given === undefined) {
    headers.push(['content-length', String(length)]);
  } else if (given !== String(length)) {
    throw new UsageError(
      UsageErrorCode.INVALID_ARGUMENT,
      `content-length is ${given} but the body is ${length} bytes`,
    );
  }
}

async function sendFile(
  scope: HttpScope,
  send: HttpSend,
  status: number,
  headers: HeaderList,
  body: FileBody,
  bodyless: boolean,
): Promise<void> {
  // Without a body to read, a stat is enough: the same path as when the server sends the file.
  const file = await openFile(body.path, bodyless || canSendFileEvent(scope));
  try {
    const size = file.stats.size;
    const offset = Math.min(body.offset, size);
    const length = Math.min(body.length ?? size - offset, size - offset);
    if (status !== 204 && status !== 304) setLength(headers, length);
    await send({ type: 'http.response.start', status, headers });
    if (bodyless) await send({ type: 'http.response.body', body: EMPTY, moreBody: false });
    else await sendFileRange(send, file, offset, length);
  } finally {
    await file.handle?.close();
  }
}

function withType(init: ResponseInit | undefined, type: string): ResponseInit {
  if (init?.contentType !== undefined) return init;
  if (init?.headers !== undefined && hasHeader(normalizeHeaders(init.headers), 'content-type')) {
    return init;
  }
  return { ...init, contentType: type };
}

/**
 * A 200 response of the helpers below. Without `init`, the content type is
 * one of theirs, known to be valid: it is added without the checks and the
 * copies a given `init` goes through.
 */
function typed(body: ResponseBody, init: ResponseInit | undefined, type: string): Response {
  if (init !== undefined) return new Response(body, withType(init, type));
  const response = new Response(body);
  response.headers.push(['content-type', type]);
  return response;
}

/**
 * A `text/plain; charset=utf-8` response.
 *
 * @param body - the text.
 * @param init - status, headers, content type.
 */
export function text(body: string, init?: ResponseInit): Response {
  return typed(body, init, 'text/plain; charset=utf-8');
}

/**
 * A `text/html; charset=utf-8` response.
 *
 * @param body - the HTML.
 * @param init - status, headers, content type.
 */
export function html(body: string, init?: ResponseInit): Response {
  return typed(body, init, 'text/html; charset=utf-8');
}

/**
 * An `application/json` response; `value` is serialized once, here.
 *
 * @param value - anything `JSON.stringify` turns into text.
 * @param init - status, headers, content type.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `value` has no JSON form
 *   (`undefined`, a function); what `JSON.stringify` throws for cycles and bigints.
 */
export function json(value: unknown, init?: ResponseInit): Response {
  return typed(jsonText(value), init, 'application/json');
}

/** The statuses {@link redirect} accepts. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];

// Characters a URL may not carry raw in a header: controls, space, and anything outside ASCII.
const UNSAFE_URL_CHARS = /[^\x21-\x7e]/gu;

function encodeUnsafe(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    // A lone surrogate has no UTF-8 form.
    return '%EF%BF%BD';
  }
}

/**
 * A redirect with an empty body. Characters that may not appear in a
 * `location` (spaces, controls, non-ASCII) are percent-encoded, so a URL built
 * from user input cannot split the response.
 *
 * @param url - the target, absolute or relative.
 * @param status - 301, 302 (default), 303, 307 or 308.
 * @param init - headers.
 * @throws {@link UsageError} `INVALID_STATUS` for another status.
 */
export function redirect(
  url: string,
  status: RedirectStatus = 302,
  init?: Omit<ResponseInit, 'status'>,
): Response {
  if (!REDIRECT_STATUSES.includes(status)) {
    throw new UsageError(
      UsageErrorCode.INVALID_STATUS,
      `a redirect status is 301, 302, 303, 307 or 308, received ${String(status)}`,
    );
  }
  const response = new Response(null, { ...init, status });
  setHeader(response.headers, 'location', url.replace(UNSAFE_URL_CHARS, encodeUnsafe));
  return response;
}

/**
 * A streamed response: each piece is sent as it comes, with backpressure.
 * No content type unless given.
 *
 * @param body - the pieces.
 * @param init - status, headers, content type.
 */
export function stream(body: AsyncIterable<BodyChunk>, init?: ResponseInit): Response {
  return new Response(body, init);
}
