/**
 * The harness as one in-process server for one application: lifespan first,
 * then requests and WebSocket connections whose scopes carry a shallow copy
 * of the lifespan state (LS-STATE-1), with shared defaults for every call.
 *
 * @module
 */

import type { Address, Application, HttpVersion } from '../types.js';
import { invalidArgument } from './errors.js';
import { mergeHeaders } from './headers.js';
import type { TestHttpExchange } from './http.js';
import { type LifespanStartup, openLifespan, type TestLifespan } from './lifespan.js';
import type {
  ConnectionOptions,
  HeaderInput,
  HttpOptions,
  RunOptions,
  WaitOptions,
  WebSocketOptions,
} from './options.js';
import { openHttp, request } from './request.js';
import type { TestResponse } from './response.js';
import { openWebSocket, type TestWebSocket } from './websocket.js';

/** Defaults for every call of a {@link Harness}; a call's own options win. */
export interface HarnessOptions extends RunOptions {
  /**
   * Headers sent with every request and handshake. A call's own header of
   * the same name replaces them.
   */
  readonly headers?: HeaderInput;
  /** The HTTP version of every request and handshake. */
  readonly httpVersion?: HttpVersion;
  /** The client address of every connection. */
  readonly client?: Address | null;
  /** The server address of every connection. */
  readonly server?: Address | null;
  /** The mount point of the application (HTTP-SCOPE-9). */
  readonly rootPath?: string;
}

/**
 * An in-process server for one application. Run {@link Harness.startup}
 * first to test an application that keeps state in its lifespan: every later
 * scope gets its own shallow copy of that state (LS-STATE-1). Without
 * startup, scopes carry no state, as on a server without lifespan (LS-4).
 */
export class Harness {
  /** The application under test. */
  readonly app: Application;
  readonly #defaults: HarnessOptions;
  #lifespan: TestLifespan | null = null;
  #state: Record<string, unknown> | undefined = undefined;

  /**
   * @param app - the application under test.
   * @param defaults - options for every call.
   */
  constructor(app: Application, defaults: HarnessOptions = {}) {
    this.app = app;
    this.#defaults = defaults;
  }

  /** The lifespan state after a successful startup, or `undefined`. */
  get state(): Record<string, unknown> | undefined {
    return this.#state;
  }

  /** The lifespan started by {@link Harness.startup}, or `null`. */
  get lifespan(): TestLifespan | null {
    return this.#lifespan;
  }

  /**
   * Runs the lifespan startup (LS-1, LS-2). Once it completed, the state the
   * application filled is copied into every later scope.
   *
   * @param options - the initial state and time limit.
   * @throws as `TestLifespan.startup`; TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) on a second call.
   */
  async startup(
    options: { readonly state?: Record<string, unknown> } & WaitOptions = {},
  ): Promise<LifespanStartup> {
    if (this.#lifespan !== null) throw invalidArgument('startup(): the lifespan already started');
    const { validate, timeoutMs, strict } = this.#defaults;
    this.#lifespan = openLifespan(this.app, {
      validate,
      strict,
      timeoutMs: options.timeoutMs ?? timeoutMs,
      ...(options.state === undefined ? {} : { state: options.state }),
    });
    const startup = await this.#lifespan.startup();
    this.#state = startup.state;
    return startup;
  }

  /**
   * Runs the lifespan shutdown (LS-5); nothing happens without a started lifespan.
   *
   * @throws as `TestLifespan.shutdown`.
   */
  async shutdown(options: WaitOptions = {}): Promise<void> {
    if (this.#lifespan === null) return;
    await this.#lifespan.shutdown(options);
  }

  /**
   * Sends one request; see the standalone `request()`.
   *
   * @param options - the request; the harness's defaults fill what it leaves out.
   */
  request(options: HttpOptions = {}): Promise<TestResponse> {
    let merged: HttpOptions;
    try {
      merged = this.#merge(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return request(this.app, merged);
  }

  /**
   * Starts a request to drive step by step; see `openHttp()`.
   *
   * @param options - the request; the harness's defaults fill what it leaves out.
   */
  http(options: HttpOptions = {}): TestHttpExchange {
    return openHttp(this.app, this.#merge(options));
  }

  /**
   * Opens a WebSocket connection; see `openWebSocket()`.
   *
   * @param options - the connection; the harness's defaults fill what it leaves out.
   */
  websocket(options: WebSocketOptions = {}): TestWebSocket {
    return openWebSocket(this.app, this.#merge(options));
  }

  #merge<T extends ConnectionOptions>(options: T): T {
    const defaults = this.#defaults;
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) merged[key] = value;
    }
    const headers = mergeHeaders(defaults.headers, options.headers);
    if (headers !== undefined) merged.headers = headers;
    const state = options.state ?? this.#state;
    if (state !== undefined) merged.state = state;
    return merged as T;
  }
}

/**
 * Creates an in-process server for `app`.
 *
 * @param app - the application under test.
 * @param defaults - options for every call.
 */
export function createHarness(app: Application, defaults: HarnessOptions = {}): Harness {
  return new Harness(app, defaults);
}
