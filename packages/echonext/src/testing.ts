/**
 * The test client: requests and WebSocket connections to any TSGI app
 * (an echonext app or not) in the same process, over the `tsgi` harness,
 * with a cookie jar and the lifespan started on first use.
 *
 * ```ts
 * const client = new TestClient(app);
 * const res = await client.get('/article/7', { query: { lang: 'en' } });
 * assert.equal(res.status, 200);
 * assert.deepEqual(res.json(), { id: 7 });
 * await client.close(); // runs the shutdown hooks
 * ```
 *
 * @module
 */

import type {
  Application,
  BodyInput,
  HeaderInput,
  HeaderList,
  HttpOptions,
  TestResponse,
  TestWebSocket,
} from 'tsgi';
import { createHarness, type Harness } from 'tsgi';
import { AppError, AppErrorCode } from './app-errors.js';
import { HeadersView } from './headers.js';

/** Query parameters as a test writes them; arrays repeat the name. */
export type QueryInput =
  | string
  | URLSearchParams
  | Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>>;

/** Options of {@link TestClient}. */
export interface TestClientOptions {
  /** Headers sent with every request; a request's own header of the same name wins. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `http` (default) or `https`; `https` also makes the client send `Secure` cookies. */
  readonly scheme?: 'http' | 'https';
  /** The mount point the app is served under. Default `""`. */
  readonly rootPath?: string;
  /**
   * Run the lifespan startup before the first request or connection, and
   * the shutdown on {@link TestClient.close}. Default `true`; an app without
   * lifespan support is served without it.
   */
  readonly lifespan?: boolean;
  /** Keep cookies the app sets and send them back. Default `true`. */
  readonly cookies?: boolean;
  /**
   * Check the app against every TSGI rule with the validator, and reject a
   * request when the app breaks one or throws. Default `true`.
   */
  readonly strict?: boolean;
  /** How long one request or wait may take, in milliseconds. Default 5000. */
  readonly timeoutMs?: number;
}

/** Options of one request. */
export interface ClientRequestOptions {
  /** Request headers; names in any case. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Query parameters, added to those already in the path. */
  readonly query?: QueryInput;
  /** A body sent as JSON, with `content-type: application/json`. */
  readonly json?: unknown;
  /** A body sent as a urlencoded form, with its content type. */
  readonly form?: URLSearchParams | Readonly<Record<string, string | readonly string[]>>;
  /** A raw body: text, bytes, or pieces (each sent as one `http.request` event). */
  readonly body?: BodyInput;
  /** Cookies for this request only, besides the jar's. */
  readonly cookies?: Readonly<Record<string, string>>;
}

/** Options of {@link TestClient.websocket}. */
export interface ClientWebSocketOptions {
  /** Handshake headers. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Query parameters. */
  readonly query?: QueryInput;
  /** The subprotocols offered. */
  readonly subprotocols?: readonly string[];
}

/** A response as the test client received it. */
export class ClientResponse {
  /** The status. */
  readonly status: number;
  /** The response headers, case-insensitive (`res.headers.get('Content-Type')`). */
  readonly headers: HeadersView;
  /** The body bytes (none for `HEAD`, 204 and 304). */
  readonly body: Uint8Array;
  /** The harness's full record: events, outcome, violations. */
  readonly raw: TestResponse;

  /** @param raw - the harness response. */
  constructor(raw: TestResponse) {
    this.raw = raw;
    this.status = raw.status;
    this.headers = new HeadersView(raw.headers);
    this.body = raw.body;
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return this.raw.text();
  }

  /**
   * The body parsed as JSON.
   *
   * @typeParam T - the type the test expects; not checked.
   */
  json<T = unknown>(): T {
    return this.raw.json<T>();
  }
}

interface StoredCookie {
  value: string;
  path: string;
  secure: boolean;
  expires: number;
}

/**
 * The cookies a {@link TestClient} keeps, by name and path: set from
 * `set-cookie`, removed by an expired one, sent back on requests whose path
 * is under theirs (`Secure` ones over `https` only).
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** The value of cookie `name` (the one with the longest path when several), or `undefined`. */
  get(name: string): string | undefined {
    let best: StoredCookie | undefined;
    for (const [key, cookie] of this.#live()) {
      if (
        key.startsWith(`${name};`) &&
        (best === undefined || cookie.path.length > best.path.length)
      ) {
        best = cookie;
      }
    }
    return best?.value;
  }

  /** Sets a cookie by hand, for the path `/`. */
  set(name: string, value: string): void {
    this.#cookies.set(`${name};/`, { value, path: '/', secure: false, expires: Infinity });
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#cookies.clear();
  }

  /** The names of the cookies kept. */
  names(): string[] {
    return [...new Set([...this.#live()].map(([key]) => key.slice(0, key.indexOf(';'))))];
  }

  /**
   * Takes the `set-cookie` fields of a response.
   *
   * @param headers - the response headers.
   * @param path - the request path, the default cookie path's source.
   */
  store(headers: HeaderList, path: string): void {
    for (const [key, field] of headers) {
      if (key !== 'set-cookie') continue;
      const [pair = '', ...attributes] = field.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let cookiePath = path.slice(0, path.lastIndexOf('/')) || '/';
      let secure = false;
      let expires = Infinity;
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const attr = rawKey.trim().toLowerCase();
        const attrValue = rest.join('=').trim();
        if (attr === 'path' && attrValue.startsWith('/')) cookiePath = attrValue;
        else if (attr === 'secure') secure = true;
        else if (attr === 'max-age') expires = Date.now() + Number(attrValue) * 1000;
        else if (attr === 'expires' && expires === Infinity) expires = Date.parse(attrValue);
      }
      const id = `${name};${cookiePath}`;
      if (!(expires > Date.now())) this.#cookies.delete(id);
      else this.#cookies.set(id, { value, path: cookiePath, secure, expires });
    }
  }

  /**
   * The `cookie` header for a request, or `undefined` when no cookie applies.
   *
   * @param path - the request path.
   * @param https - whether the request goes over HTTPS.
   */
  header(path: string, https: boolean): string | undefined {
    const pairs: [string, StoredCookie][] = [];
    for (const [key, cookie] of this.#live()) {
      if (cookie.secure && !https) continue;
      const inPath =
        path === cookie.path ||
        (path.startsWith(cookie.path) &&
          (cookie.path.endsWith('/') || path.charCodeAt(cookie.path.length) === 47));
      if (inPath) pairs.push([key.slice(0, key.indexOf(';')), cookie]);
    }
    if (pairs.length === 0) return undefined;
    // Longer paths first, as browsers send them.
    pairs.sort((a, b) => b[1].path.length - a[1].path.length);
    return pairs.map(([name, cookie]) => `${name}=${cookie.value}`).join('; ');
  }

  *#live(): Generator<[string, StoredCookie]> {
    const now = Date.now();
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires > now) yield [key, cookie];
      else this.#cookies.delete(key);
    }
  }
}

function appendQuery(path: string, query: QueryInput | undefined): string {
  if (query === undefined) return path;
  let text: string;
  if (typeof query === 'string') text = query.startsWith('?') ? query.slice(1) : query;
  else if (query instanceof URLSearchParams) text = query.toString();
  else {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) params.append(name, String(item));
    }
    text = params.toString();
  }
  if (text === '') return path;
  return path.includes('?') ? `${path}&${text}` : `${path}?${text}`;
}

function pathOnly(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * Sends requests to an app in the same process and keeps cookies between
 * them. The lifespan startup runs before the first request or connection
 * (turn that off with `lifespan: false`), so startup hooks have filled the
 * state by then; {@link TestClient.close} runs the shutdown.
 */
export class TestClient {
  /** The app under test. */
  readonly app: Application;
  /** The cookies kept between requests. */
  readonly cookies = new CookieJar();
  readonly #harness: Harness;
  readonly #options: TestClientOptions;
  #started: Promise<void> | null = null;

  /**
   * @param app - any TSGI application, such as an `EchoNext` app.
   * @param options - see {@link TestClientOptions}.
   */
  constructor(app: Application, options: TestClientOptions = {}) {
    if (typeof app !== 'function') {
      throw new AppError(AppErrorCode.INVALID_ARGUMENT, 'TestClient: expected a TSGI application');
    }
    this.app = app;
    this.#options = options;
    this.#harness = createHarness(app, {
      strict: options.strict ?? true,
      validate: options.strict ?? true,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.rootPath === undefined ? {} : { rootPath: options.rootPath }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
  }

  /**
   * The lifespan state the app filled at startup, or `undefined` before
   * startup or without lifespan support.
   */
  get state(): Record<string, unknown> | undefined {
    return this.#harness.state;
  }

  /**
   * Runs the lifespan startup, once; the first request does it by itself.
   *
   * @throws `LifespanFailedError` when the app fails its startup.
   */
  startup(): Promise<void> {
    let started = this.#started;
    if (started === null) {
      started = this.#harness.startup().then(() => undefined);
      this.#started = started;
    }
    return started;
  }

  /**
   * Runs the lifespan shutdown, if the startup ran.
   *
   * @throws `LifespanFailedError` when the app fails its shutdown.
   */
  async close(): Promise<void> {
    if (this.#started === null) return;
    await this.#started.catch(() => {});
    await this.#harness.shutdown();
  }

  /** Sends a `GET`; see {@link TestClient.request}. */
  get(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('GET', path, options);
  }

  /** Sends a `POST`; see {@link TestClient.request}. */
  post(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('POST', path, options);
  }

  /** Sends a `PUT`; see {@link TestClient.request}. */
  put(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('PUT', path, options);
  }

  /** Sends a `PATCH`; see {@link TestClient.request}. */
  patch(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('PATCH', path, options);
  }

  /** Sends a `DELETE`; see {@link TestClient.request}. */
  delete(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('DELETE', path, options);
  }

  /** Sends a `HEAD`; see {@link TestClient.request}. */
  head(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('HEAD', path, options);
  }

  /** Sends an `OPTIONS`; see {@link TestClient.request}. */
  options(path: string, options?: ClientRequestOptions): Promise<ClientResponse> {
    return this.request('OPTIONS', path, options);
  }

  /**
   * Sends one request and waits for the whole response.
   *
   * @param method - the method, as sent.
   * @param path - the request target: a path with an optional query, escapes as written.
   * @param options - headers, query, a body, cookies.
   * @throws `LifespanFailedError` when the startup fails; with `strict`, the
   *   rule the app broke or the error it threw.
   */
  async request(
    method: string,
    path: string,
    options: ClientRequestOptions = {},
  ): Promise<ClientResponse> {
    await this.#ready();
    const target = appendQuery(path, options.query);
    const headers: Record<string, string | readonly string[]> = {};
    let body: BodyInput | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = (
        options.form instanceof URLSearchParams ? options.form : formParams(options.form)
      ).toString();
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    const cookie = this.#cookieHeader(pathOnly(target), options.cookies);
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    const request: HttpOptions = {
      method,
      path: target,
      headers: headers as HeaderInput,
      scheme: this.#options.scheme ?? 'http',
      ...(body === undefined ? {} : { body }),
    };
    const raw = await this.#harness.request(request);
    if (this.#options.cookies !== false) this.cookies.store(raw.headers, pathOnly(target));
    return new ClientResponse(raw);
  }

  /**
   * Opens a WebSocket connection, with the jar's cookies. Call `connect()`
   * on the result to play the handshake, then send and receive.
   *
   * ```ts
   * const ws = await client.websocket('/ws/lobby');
   * assert.equal((await ws.connect()).kind, 'accepted');
   * ws.sendText('hi');
   * assert.deepEqual(await ws.receive(), { type: 'text', text: 'lobby: hi' });
   * ```
   *
   * @param path - the request target.
   * @param options - headers, query and subprotocols.
   */
  async websocket(path: string, options: ClientWebSocketOptions = {}): Promise<TestWebSocket> {
    await this.#ready();
    const target = appendQuery(path, options.query);
    const headers: Record<string, string | readonly string[]> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    const cookie = this.#cookieHeader(pathOnly(target), undefined);
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    return this.#harness.websocket({
      path: target,
      headers: headers as HeaderInput,
      scheme: this.#options.scheme === 'https' ? 'wss' : 'ws',
      ...(options.subprotocols === undefined ? {} : { subprotocols: options.subprotocols }),
    });
  }

  #ready(): Promise<void> {
    return this.#options.lifespan === false ? Promise.resolve() : this.startup();
  }

  #cookieHeader(
    path: string,
    extra: Readonly<Record<string, string>> | undefined,
  ): string | undefined {
    const parts: string[] = [];
    if (this.#options.cookies !== false) {
      const kept = this.cookies.header(path, this.#options.scheme === 'https');
      if (kept !== undefined) parts.push(kept);
    }
    for (const [name, value] of Object.entries(extra ?? {})) parts.push(`${name}=${value}`);
    return parts.length === 0 ? undefined : parts.join('; ');
  }
}

function formParams(form: Readonly<Record<string, string | readonly string[]>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const item of typeof value === 'string' ? [value] : value) params.append(name, item);
  }
  return params;
}
