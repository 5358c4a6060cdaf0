/**
 * The entry points of HTTP testing: `request()` for one whole request, and
 * `openHttp()` for an exchange a test drives step by step.
 *
 * @module
 */

import type { Application } from '../types.js';
import { invalidArgument } from './errors.js';
import { TestHttpExchange } from './http.js';
import type { HttpOptions } from './options.js';
import type { TestResponse } from './response.js';

/**
 * Starts an HTTP request against `app` and returns the exchange, for a test
 * that drives it step by step.
 *
 * @param app - the application under test.
 * @param options - the request; see {@link HttpOptions}.
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a request no client could send.
 */
export function openHttp(app: Application, options: HttpOptions = {}): TestHttpExchange {
  return new TestHttpExchange(app, options);
}

/**
 * Sends one request to `app` and resolves with the response once the
 * application has settled. A hung application fails after `timeoutMs` with a
 * `HarnessTimeoutError` naming what the harness waited for; the client then
 * leaves, so the application can clean up.
 *
 * @param app - the application under test.
 * @param options - the request; see {@link HttpOptions} (`streamBody` is for {@link openHttp}).
 * @returns the response as the client saw it.
 * @throws in strict mode (the default), the first rule the application broke
 *   (`ProtocolError`) or the error it threw.
 */
export function request(app: Application, options: HttpOptions = {}): Promise<TestResponse> {
  let exchange: TestHttpExchange;
  try {
    if (options.streamBody === true) {
      throw invalidArgument('request(): streamBody needs the step API, openHttp()');
    }
    exchange = new TestHttpExchange(app, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return exchange.response({ disconnectOnTimeout: true });
}
