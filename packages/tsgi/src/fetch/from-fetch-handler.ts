/**
 * Runs a WHATWG fetch handler (a Hono app's `app.fetch`, an itty-router, a
 * plain `(Request) => Response` function) as a TSGI application.
 *
 * @module
 */

import { describeValue, ErrorCode, TsgiError } from '../errors.js';
import type {
  Application,
  HttpReceiveEvent,
  HttpScope,
  HttpSendEvent,
  LifespanReceiveEvent,
  LifespanScope,
  LifespanSendEvent,
  Receive,
  Send,
} from '../types.js';
import { FetchBridgeErrorCode } from './error-codes.js';
import { HandlerExchange } from './handler-exchange.js';

/**
 * What a fetch handler receives besides the `Request`: the `env` option's
 * fields plus the TSGI scope of the request, as `scope`. In Hono it is
 * `c.env`, typed with `new Hono<{ Bindings: FetchBridgeBindings }>()`.
 */
export interface FetchBridgeBindings {
  /** The TSGI scope of the request: client address, rootPath, state and more. */
  scope: HttpScope;
}

/**
 * A fetch handler, such as a Hono app's `app.fetch`: takes a `Request` and the
 * env object, returns a `Response`.
 */
export type FetchHandler<Env extends object = object> = (
  request: Request,
  env: Env & FetchBridgeBindings,
) => Response | Promise<Response>;

/** Options of {@link fromFetchHandler}. */
export interface FromFetchHandlerOptions<Env extends object = object> {
  /**
   * Fields for the handler's second argument (Hono's `c.env`). They are
   * copied into a new object per request, next to `scope`.
   */
  env?: Env;
  /**
   * Runs at `lifespan.startup`; may fill `scope.state`. Giving this or
   * `onShutdown` turns lifespan support on; a throw fails the startup.
   */
  onStartup?: (scope: LifespanScope) => void | Promise<void>;
  /** Runs at `lifespan.shutdown`; a throw reports `lifespan.shutdown.failed`. */
  onShutdown?: (scope: LifespanScope) => void | Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runLifespan<Env extends object>(
  scope: LifespanScope,
  receive: () => Promise<LifespanReceiveEvent>,
  send: (event: LifespanSendEvent) => Promise<void>,
  options: FromFetchHandlerOptions<Env>,
): Promise<void> {
  for (;;) {
    const event = await receive();
    if (event.type === 'lifespan.startup') {
      try {
        await options.onStartup?.(scope);
      } catch (error) {
        await send({ type: 'lifespan.startup.failed', message: messageOf(error) });
        return;
      }
      await send({ type: 'lifespan.startup.complete' });
    } else if (event.type === 'lifespan.shutdown') {
      try {
        await options.onShutdown?.(scope);
      } catch (error) {
        await send({ type: 'lifespan.shutdown.failed', message: messageOf(error) });
        return;
      }
      await send({ type: 'lifespan.shutdown.complete' });
      return;
    }
    // Other event types are from a newer spec version: ignore them (VER-2).
  }
}

/**
 * Wraps a fetch handler in a TSGI application.
 *
 * For each HTTP request it builds a `Request` (the URL from the scheme, the
 * `host` header and `rawPath` with its escapes; every header pair appended;
 * the body a stream that calls `receive()` only as the handler reads; a
 * signal that aborts when the client leaves), calls the handler with the
 * `env` option's fields plus `scope`, and sends the `Response` back as
 * events, one body chunk at a time and only as fast as `send()` resolves.
 *
 * Lifespan is supported only when `onStartup` or `onShutdown` is given;
 * otherwise the app returns without calling `receive()`, which tells the
 * server it has no lifespan (LS-4). WebSocket scopes are refused with a
 * `TsgiError`, as a fetch handler has no way to take over the connection.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * const hono = new Hono<{ Bindings: FetchBridgeBindings }>();
 * hono.get('/', (c) => c.text(`hello ${c.env.scope.client?.host}`));
 * export default fromFetchHandler(hono.fetch);
 * ```
 *
 * @param handler - the fetch handler.
 * @param options - see {@link FromFetchHandlerOptions}.
 * @returns a TSGI application.
 * @throws TsgiError with code `ERR_TSGI_INVALID_ARGUMENT` when `handler` is not a function.
 */
export function fromFetchHandler<Env extends object = object>(
  handler: FetchHandler<Env>,
  options: FromFetchHandlerOptions<Env> = {},
): Application {
  if (typeof handler !== 'function') {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `fromFetchHandler: handler must be a function, received ${describeValue(handler)}`,
    );
  }
  const env = options.env;
  const lifespan = options.onStartup !== undefined || options.onShutdown !== undefined;

  return async function fetchHandlerApp(scope, receive: Receive, send: Send): Promise<void> {
    const version = (scope as { tsgi?: { version?: unknown } }).tsgi?.version;
    // VER-3: this bridge speaks TSGI 1.x; refuse any other major version.
    if (typeof version !== 'string' || version.charCodeAt(0) !== 0x31 || version[1] !== '.') {
      throw new TsgiError(
        FetchBridgeErrorCode.UNSUPPORTED_VERSION,
        `the fetch bridge speaks TSGI 1.x; the scope names version ${describeValue(version)}`,
      );
    }
    switch (scope.type) {
      case 'http': {
        const bindings = (env === undefined ? { scope } : { ...env, scope }) as Env &
          FetchBridgeBindings;
        const exchange = new HandlerExchange(
          scope,
          receive as () => Promise<HttpReceiveEvent>,
          send as (event: HttpSendEvent) => Promise<void>,
        );
        return exchange.run(handler, bindings);
      }
      case 'lifespan':
        // Returning before the first receive() says "no lifespan" (LS-4).
        if (!lifespan) return;
        return runLifespan(
          scope,
          receive as () => Promise<LifespanReceiveEvent>,
          send as (event: LifespanSendEvent) => Promise<void>,
          options,
        );
      case 'websocket':
        throw new TsgiError(
          FetchBridgeErrorCode.UNSUPPORTED_SCOPE,
          'fetch handlers cannot serve WebSockets through the fetch bridge; serve them with a TSGI WebSocket application',
        );
      default:
        throw new TsgiError(
          FetchBridgeErrorCode.UNSUPPORTED_SCOPE,
          `the fetch bridge cannot serve a scope of type ${describeValue((scope as { type?: unknown }).type)}`,
        );
    }
  };
}
