/**
 * Onion middleware: functions around the views of an app, each given the
 * request and `next`, the rest of the chain.
 *
 * A chain is built once per route when the app is compiled, never per
 * request: `next` is a function made at that time, which is why it takes the
 * request as its argument.
 *
 * @module
 */

import { AppError, AppErrorCode } from './app-errors.js';
import type { ErrorScope } from './error-scope.js';
import type { Request } from './request.js';
import type { Response } from './response.js';
import { toResponse, type ViewFunction, type ViewResult } from './views.js';

/**
 * The rest of the chain: the middleware registered after this one, then the
 * view. Call it with the request (or a replacement). It never throws: an
 * error inside comes back as the response the error handlers made of it, so
 * that every middleware sees a response, error responses included.
 */
export type Next = (request: Request) => Promise<Response>;

/**
 * An onion middleware. It may answer by itself, or call `next(request)` and
 * return, change or replace the response. What it returns is turned into a
 * response like a view's result; what it throws goes to the error handlers
 * of the app it was registered on.
 *
 * ```ts
 * app.use(async (request, next) => {
 *   const started = performance.now();
 *   const response = await next(request);
 *   response.setHeader('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
 *   return response;
 * });
 * ```
 */
export type Middleware = (request: Request, next: Next) => ViewResult | Promise<ViewResult>;

/** One middleware of a chain, with the error handling of the app it belongs to. */
export interface Layer {
  /** The middleware. */
  readonly middleware: Middleware;
  /** The error handlers of the app that registered it. */
  readonly errors: ErrorScope;
}

/** A compiled chain: the request in, the response out; it never throws but for a gone client. */
export type Handler = (request: Request) => Promise<Response>;

/**
 * The innermost step of a chain: runs `view` and turns its result into a
 * response, and what it throws into the response the error handlers give.
 *
 * @param view - the view.
 * @param errors - the error handling of the app that owns the route.
 */
export function viewHandler(view: ViewFunction, errors: ErrorScope): Handler {
  return async (request) => {
    try {
      return toResponse(await view(request));
    } catch (error) {
      return errors.handle(error, request);
    }
  };
}

/**
 * Wraps `inner` in `layers`, the first the outermost.
 *
 * @param layers - the middleware, outermost first.
 * @param inner - the view's handler.
 * @returns the chain.
 */
export function buildChain(layers: readonly Layer[], inner: Handler): Handler {
  let chain = inner;
  for (let i = layers.length - 1; i >= 0; i--) {
    const { middleware, errors } = layers[i] as Layer;
    const rest = chain;
    const next: Next = (request) => {
      if (request === undefined) {
        return Promise.reject(
          new AppError(
            AppErrorCode.NEXT_WITHOUT_REQUEST,
            'a middleware called next() without the request: call next(request)',
          ),
        );
      }
      return rest(request);
    };
    chain = async (request) => {
      try {
        return toResponse(await middleware(request, next));
      } catch (error) {
        return errors.handle(error, request);
      }
    };
  }
  return chain;
}
