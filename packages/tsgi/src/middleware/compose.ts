/**
 * Joins middleware into one.
 *
 * @module
 */

import { describeValue, ErrorCode, TsgiError } from '../errors.js';
import type { Application, Middleware } from '../types.js';

/**
 * Joins several middleware into one (MW-1). The first one listed is the
 * outermost: it sees the scope and the events first, and the response last,
 * so `compose(a, b)(app)` is the same application as `a(b(app))`.
 *
 * With no arguments the result is the identity: `compose()(app) === app`.
 *
 * @example
 * ```ts
 * const stack = compose(proxyHeaders({ trustedProxies: ['127.0.0.1'] }), withRootPath('/api'));
 * export default stack(app);
 * ```
 *
 * @param middleware - the middleware, outermost first.
 * @returns a middleware that applies them all.
 * @throws {@link TsgiError} with code `ERR_TSGI_INVALID_ARGUMENT` when an
 * argument is not a function, or when a middleware returns something other
 * than a function.
 */
export function compose(...middleware: Middleware[]): Middleware {
  for (let i = 0; i < middleware.length; i++) {
    if (typeof middleware[i] !== 'function') {
      throw new TsgiError(
        ErrorCode.INVALID_ARGUMENT,
        `compose: argument ${i} is ${describeValue(middleware[i])}, expected a middleware function`,
      );
    }
  }
  return (app: Application): Application => {
    let wrapped = app;
    for (let i = middleware.length - 1; i >= 0; i--) {
      wrapped = middleware[i]!(wrapped);
      if (typeof wrapped !== 'function') {
        throw new TsgiError(
          ErrorCode.INVALID_ARGUMENT,
          `compose: middleware ${i} returned ${describeValue(wrapped)}, expected an application function`,
        );
      }
    }
    return wrapped;
  };
}
