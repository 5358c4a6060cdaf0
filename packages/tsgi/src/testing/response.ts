/**
 * The response of a harness request, as the client saw it, together with
 * what the harness saw of the application: every event it sent and how the
 * exchange ended.
 *
 * @module
 */

import type { ProtocolError } from '../errors.js';
import type { HeaderList, HttpScope, SendEvent } from '../types.js';

/**
 * How an exchange ended, as the client saw it:
 *
 * - `'complete'`: the response is complete.
 * - `'internal-error'`: the application failed before `http.response.start`,
 *   and the server answered 500 (HTTP-FAIL-1, HTTP-FAIL-3).
 * - `'aborted'`: the application failed after `http.response.start`, and the
 *   server aborted the response (HTTP-FAIL-2, HTTP-FAIL-3).
 * - `'client-gone'`: the client left before the response was complete.
 */
export type HttpOutcome = 'complete' | 'internal-error' | 'aborted' | 'client-gone';

/** What {@link TestResponse} is built from. */
export interface TestResponseInit {
  /** See {@link TestResponse.scope}. */
  readonly scope: HttpScope;
  /** See {@link TestResponse.status}. */
  readonly status: number;
  /** See {@link TestResponse.headers}. */
  readonly headers: HeaderList;
  /** See {@link TestResponse.body}. */
  readonly body: Uint8Array;
  /** See {@link TestResponse.trailers}. */
  readonly trailers: HeaderList | null;
  /** See {@link TestResponse.earlyHints}. */
  readonly earlyHints: readonly HeaderList[];
  /** See {@link TestResponse.continued}. */
  readonly continued: boolean;
  /** See {@link TestResponse.events}. */
  readonly events: readonly SendEvent[];
  /** See {@link TestResponse.outcome}. */
  readonly outcome: HttpOutcome;
  /** See {@link TestResponse.requirement}. */
  readonly requirement: string | null;
  /** See {@link TestResponse.error}. */
  readonly error: unknown;
  /** See {@link TestResponse.violation}. */
  readonly violation: ProtocolError | null;
}

const UTF8 = new TextDecoder();

/** A response as the harness's client received it. */
export class TestResponse {
  /** The scope the application was given. */
  readonly scope: HttpScope;
  /**
   * The status: the application's, 500 when the server answered for a
   * failing application, and 0 when no status reached the client.
   */
  readonly status: number;
  /** The response headers, in the application's order (or the server's 500 headers). */
  readonly headers: HeaderList;
  /**
   * The body bytes the client received: strings encoded as UTF-8
   * (HTTP-RESP-15), file bytes included, nothing for HEAD, 204 and 304. For
   * an aborted response, the bytes that arrived before the abort.
   */
  readonly body: Uint8Array;
  /** The trailer fields, or `null` when the response had none. */
  readonly trailers: HeaderList | null;
  /** The headers of each `103 Early Hints` response, in order. */
  readonly earlyHints: readonly HeaderList[];
  /** Whether the server sent `100 Continue` (HTTP-REQ-5). */
  readonly continued: boolean;
  /**
   * Every event the application passed to `send()`, in order, as it passed
   * them, including any the harness or the validator rejected.
   */
  readonly events: readonly SendEvent[];
  /** How the exchange ended. */
  readonly outcome: HttpOutcome;
  /**
   * The requirement that decided a failed outcome, such as `HTTP-FAIL-1`;
   * `null` for a complete response.
   */
  readonly requirement: string | null;
  /**
   * What went wrong: the error the application threw, else the first rule
   * it broke; `null` when nothing did. Only seen when `strict` is off: in
   * strict mode the request rejects with it instead.
   */
  readonly error: unknown;
  /** The first rule the application broke, or `null`. */
  readonly violation: ProtocolError | null;

  /** @param init - the fields. */
  constructor(init: TestResponseInit) {
    this.scope = init.scope;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.trailers = init.trailers;
    this.earlyHints = init.earlyHints;
    this.continued = init.continued;
    this.events = init.events;
    this.outcome = init.outcome;
    this.requirement = init.requirement;
    this.error = init.error;
    this.violation = init.violation;
  }

  /**
   * The first value of a header, or `undefined`.
   *
   * @param name - the name, in any case.
   */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [key, value] of this.headers) if (key === wanted) return value;
    return undefined;
  }

  /**
   * Every value of a header, in order (each `set-cookie` apart).
   *
   * @param name - the name, in any case.
   */
  headerValues(name: string): string[] {
    const wanted = name.toLowerCase();
    const values: string[] = [];
    for (const [key, value] of this.headers) if (key === wanted) values.push(value);
    return values;
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return UTF8.decode(this.body);
  }

  /**
   * The body parsed as JSON.
   *
   * @typeParam T - the type the test expects; not checked.
   */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}
