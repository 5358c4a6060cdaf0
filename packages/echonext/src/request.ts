/**
 * The request a view receives: a thin view over the TSGI scope and `receive`.
 * Nothing is parsed until asked for (query, headers, cookies, URL, body), and
 * the scope stays reachable as {@link Request.scope}.
 *
 * @module
 */

import { type Address, type HttpScope, routePath } from 'tsgi';
import { type MediaType, parseMediaType } from './body/content-type.js';
import { type Form, type FormOptions, parseForm } from './body/form.js';
import { checkJsonMediaType, type JsonOptions, parseJsonBody } from './body/json.js';
import {
  type BodyReceive,
  checkAnnouncedLength,
  parseContentLength,
  readBody,
  receiveChunks,
} from './body/reader.js';
import { decodeText } from './body/text.js';
import { QueryParams } from './body/urlencoded.js';
import { parseCookies } from './cookies.js';
import { HeadersView, headerValue, headerValues } from './headers.js';
import type { RouteParams } from './router/route.js';
import { UsageError, UsageErrorCode } from './usage-error.js';

/** The body limit of buffered reads when none is given: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Options of {@link Request}. */
export interface RequestOptions {
  /**
   * The most bytes `bytes()`, `text()`, `json()` and `form()` accept, checked
   * against `content-length` before reading and counted while reading; more
   * is answered with 413. Defaults to {@link DEFAULT_BODY_LIMIT}; `Infinity`
   * lifts it. `stream()` has its own limit.
   */
  readonly bodyLimit?: number;
}

/** Options of {@link Request.stream}. */
export interface StreamOptions {
  /** The most bytes to accept before failing with 413. Defaults to no limit. */
  readonly limit?: number;
}

const EMPTY_PARAMS: RouteParams = Object.freeze({});

function checkLimit(value: number, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new UsageError(
      UsageErrorCode.INVALID_ARGUMENT,
      `${what} must be a non-negative number of bytes or Infinity, received ${String(value)}`,
    );
  }
  return value;
}

function formatHost(address: Address, scheme: string): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const defaultPort = scheme === 'https' ? 443 : 80;
  return address.port === null || address.port === defaultPort ? host : `${host}:${address.port}`;
}

/**
 * An HTTP request.
 *
 * The body can be read once, in one of two ways: buffered with `bytes()`,
 * `text()`, `json()` or `form()`, which all share one cached read and may be
 * called in any order and any number of times; or streamed with `stream()`,
 * which hands the pieces over as they arrive and keeps nothing.
 *
 * ```ts
 * async function createArticle(request: Request<{ blog: string }>) {
 *   const data = await request.json();
 *   const draft = request.query.get('draft') === '1';
 *   ...
 * }
 * ```
 *
 * @typeParam P - the route parameters, as the router's converters parsed them.
 */
export class Request<P extends RouteParams = RouteParams> {
  /** The TSGI scope, unchanged. */
  readonly scope: HttpScope;
  /** The request method exactly as received (HTTP-SCOPE-4). */
  readonly method: string;
  /** The percent-decoded path, including `rootPath` (HTTP-SCOPE-6). */
  readonly path: string;
  /** The route parameters. */
  readonly params: P;
  /** The limit of buffered body reads, in bytes. */
  readonly bodyLimit: number;

  readonly #receive: BodyReceive;
  #query: QueryParams | undefined;
  #headers: HeadersView | undefined;
  #cookies: Map<string, string> | undefined;
  #mediaType: MediaType | null | undefined;
  #url: string | undefined;
  #state: Record<string, unknown> | undefined;
  #body: Promise<Uint8Array> | undefined;
  #form: Promise<Form> | undefined;
  #streamed = false;

  /**
   * @param scope - the TSGI HTTP scope.
   * @param receive - the TSGI `receive`, the source of the body.
   * @param params - the route parameters; none when left out.
   * @param options - the body limit.
   * @throws {@link UsageError} `INVALID_ARGUMENT` for a negative or non-numeric limit.
   */
  constructor(scope: HttpScope, receive: BodyReceive, params?: P, options: RequestOptions = {}) {
    this.scope = scope;
    this.method = scope.method;
    this.path = scope.path;
    this.params = params ?? (EMPTY_PARAMS as P);
    this.bodyLimit =
      options.bodyLimit === undefined
        ? DEFAULT_BODY_LIMIT
        : checkLimit(options.bodyLimit, 'bodyLimit');
    this.#receive = receive;
  }

  /**
   * The path the app routes on: {@link Request.path} without `rootPath` in
   * front, and `/` when the path is the mount point itself.
   */
  get routePath(): string {
    return routePath(this.scope);
  }

  /** The raw query string, without `?` (HTTP-SCOPE-8). */
  get queryString(): string {
    return this.scope.queryString;
  }

  /** The query parameters, parsed on first use (`+` is a space, escapes are UTF-8). */
  get query(): QueryParams {
    this.#query ??= new QueryParams(this.scope.queryString);
    return this.#query;
  }

  /** The request headers, as a case-insensitive multi-value view over `scope.headers`. */
  get headers(): HeadersView {
    this.#headers ??= new HeadersView(this.scope.headers);
    return this.#headers;
  }

  /** The cookies, parsed from the `cookie` header on first use; the first of a repeated name wins. */
  get cookies(): ReadonlyMap<string, string> {
    this.#cookies ??= parseCookies(headerValues(this.scope.headers, 'cookie'));
    return this.#cookies;
  }

  /** The remote peer, or `null` when unknown (HTTP-SCOPE-13). */
  get client(): Address | null {
    return this.scope.client;
  }

  /** `"http"` or `"https"` (HTTP-SCOPE-5). */
  get scheme(): 'http' | 'https' {
    return this.scope.scheme;
  }

  /**
   * The full URL as the client asked for it: scheme, the `host` header (or
   * the server address), the raw path and the query string.
   */
  get url(): string {
    if (this.#url === undefined) {
      const scope = this.scope;
      const host =
        headerValue(scope.headers, 'host') ??
        (scope.server === null ? 'localhost' : formatHost(scope.server, scope.scheme));
      const query = scope.queryString === '' ? '' : `?${scope.queryString}`;
      this.#url = `${scope.scheme}://${host}${scope.rawPath}${query}`;
    }
    return this.#url;
  }

  /**
   * The lifespan state (`scope.state`, LS-STATE-1). When the server runs no
   * lifespan, an object private to this request, so that writes never land
   * on the scope (APP-2).
   */
  get state(): Record<string, unknown> {
    if (this.scope.state !== undefined) return this.scope.state;
    this.#state ??= {};
    return this.#state;
  }

  /** The media type of the body, lowercase and without parameters, or `undefined`. */
  get contentType(): string | undefined {
    return this.#parsedMediaType()?.type;
  }

  /** Tells whether the body has been read or is being read, buffered or streamed. */
  get bodyUsed(): boolean {
    return this.#body !== undefined || this.#streamed;
  }

  /**
   * The whole body, read once under {@link Request.bodyLimit} and cached.
   *
   * @throws `PayloadTooLarge` (413) when `content-length` or the bytes received pass the limit.
   * @throws `ClientDisconnectedError` when the client leaves while sending.
   * @throws {@link UsageError} `BODY_CONSUMED` after `stream()`.
   */
  bytes(): Promise<Uint8Array> {
    if (this.#body === undefined) {
      if (this.#streamed) return Promise.reject(consumed('bytes()'));
      const limit = this.bodyLimit;
      this.#body = (async () => {
        checkAnnouncedLength(this.#contentLength(), limit);
        return readBody(this.#receive, limit);
      })();
    }
    return this.#body;
  }

  /**
   * The body as text, decoded with the `charset` of its `content-type`
   * (UTF-8 when none).
   *
   * @throws `UnsupportedMediaType` (415) for an unknown charset, and what {@link Request.bytes} throws.
   */
  async text(): Promise<string> {
    const bytes = await this.bytes();
    return decodeText(bytes, this.#parsedMediaType());
  }

  /**
   * The body parsed as JSON. By default the `content-type` must be
   * `application/json` or a `+json` type.
   *
   * @typeParam T - the type the caller expects; not checked.
   * @param options - `strictContentType: false` accepts any content type.
   * @throws `UnsupportedMediaType` (415) for another content type or a charset other than UTF-8.
   * @throws `BadRequest` (400) for an empty body or malformed JSON.
   */
  async json<T = unknown>(options?: JsonOptions): Promise<T> {
    const mediaType = this.#parsedMediaType();
    // Refuse a wrong type before reading a body that would be thrown away.
    checkJsonMediaType(mediaType, options);
    const bytes = await this.bytes();
    return parseJsonBody(bytes, mediaType, options) as T;
  }

  /**
   * The body parsed as a form, urlencoded or multipart, cached like the body.
   * The limits of the first call apply.
   *
   * @param options - limits on fields and files.
   * @throws `UnsupportedMediaType` (415) when the body is not a form.
   * @throws `PayloadTooLarge` (413) when a limit is passed.
   * @throws `BadRequest` (400) for a malformed multipart body.
   */
  form(options?: FormOptions): Promise<Form> {
    if (this.#form === undefined) {
      const contentType = headerValue(this.scope.headers, 'content-type');
      const mediaType = this.#parsedMediaType();
      if (
        mediaType?.type !== 'application/x-www-form-urlencoded' &&
        mediaType?.type !== 'multipart/form-data'
      ) {
        return parseForm(new Uint8Array(0), contentType, mediaType, options);
      }
      this.#form = this.bytes().then((bytes) => parseForm(bytes, contentType, mediaType, options));
    }
    return this.#form;
  }

  /**
   * The body's pieces as they arrive, for bodies too large to hold: nothing
   * is kept, and the body cannot be read again afterwards.
   *
   * @param options - an optional limit, checked against `content-length`
   *   first and then counted.
   * @throws {@link UsageError} `BODY_CONSUMED` when the body was already read or streamed.
   */
  stream(options: StreamOptions = {}): AsyncIterable<Uint8Array> {
    if (this.#body !== undefined || this.#streamed) throw consumed('stream()');
    const limit =
      options.limit === undefined
        ? Number.POSITIVE_INFINITY
        : checkLimit(options.limit, 'stream limit');
    this.#streamed = true;
    const receive = this.#receive;
    const contentLength = this.#contentLength();
    // A generator is its own iterator, so the body cannot be iterated twice by mistake.
    return (async function* () {
      checkAnnouncedLength(contentLength, limit);
      yield* receiveChunks(receive, limit);
    })();
  }

  #parsedMediaType(): MediaType | null {
    if (this.#mediaType === undefined) {
      this.#mediaType = parseMediaType(headerValue(this.scope.headers, 'content-type'));
    }
    return this.#mediaType;
  }

  #contentLength(): number | null {
    return parseContentLength(headerValue(this.scope.headers, 'content-length'));
  }
}

function consumed(what: string): UsageError {
  return new UsageError(
    UsageErrorCode.BODY_CONSUMED,
    `${what}: the request body was already consumed; ` +
      'read it once with bytes(), text(), json() or form() (cached), or stream it once with stream()',
  );
}
