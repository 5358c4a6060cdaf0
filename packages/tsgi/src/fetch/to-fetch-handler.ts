/**
 * Runs a TSGI application as a WHATWG fetch handler, so that any fetch server
 * (Bun.serve, Deno.serve, Cloudflare Workers, srvx on Node) can serve it.
 *
 * @module
 */

import { ErrorCode, TsgiError } from '../errors.js';
import type { Address, Application, HttpVersion } from '../types.js';
import { type AppErrorReporter, AppExchange } from './app-exchange.js';
import { clientFromInfo, scopeFromRequest, splitUrl } from './request-scope.js';

/** Options of {@link toFetchHandler}. */
export interface ToFetchHandlerOptions<Info = unknown> {
  /**
   * The mount point the app is served under (HTTP-SCOPE-9): `""` (the
   * default) or a path that starts with `/` and has no trailing slash. Request
   * paths keep it; a request whose path is outside it gets 404 without
   * reaching the app.
   */
  rootPath?: string;
  /** The HTTP version to put in the scope; fetch hides it. Defaults to `"1.1"`. */
  httpVersion?: HttpVersion;
  /**
   * Finds the client address of a request. Defaults to reading the second
   * argument of the handler: `{ remoteAddress, remotePort }`, Deno's
   * `{ remoteAddr }` or Bun's server with `requestIP()`; otherwise `null`.
   */
  client?: (request: Request, info: Info | undefined) => Address | null;
  /** State copied shallowly into every scope, as lifespan state would be (LS-STATE-1). */
  state?: Record<string, unknown>;
  /**
   * Reports an application error, with its stack (HTTP-FAIL-4). Never called
   * with a `ClientDisconnectedError`. Defaults to `console.error`.
   */
  onError?: (error: unknown, request: Request) => void;
}

/**
 * A fetch handler: what {@link toFetchHandler} returns. `info` is the
 * server's second argument, passed on to the `client` option.
 */
export type TsgiFetchHandler<Info = unknown> = (request: Request, info?: Info) => Promise<Response>;

const httpVersions: ReadonlySet<string> = new Set(['1.0', '1.1', '2', '3']);

function logAppError(error: unknown, request: Request): void {
  console.error(`tsgi: the application failed on ${request.method} ${request.url}:`, error);
}

function notFound(): Response {
  return new Response('Not Found', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Wraps a TSGI application in a fetch handler.
 *
 * Each call builds the HTTP scope from the `Request`, streams the request
 * body to `receive()`, and resolves the `Response` once the app has sent
 * `http.response.start` and its first body event; the rest of the body
 * streams through a `ReadableStream` whose reader paces the app's `send()`.
 * An app that fails before starting its response gets a 500; one that fails
 * after it gets a body stream that errors, so the response is aborted. The
 * scope advertises no extensions, and lifespan is not run.
 *
 * @example
 * ```ts
 * const fetch = toFetchHandler(app);
 * Bun.serve({ fetch });
 * Deno.serve(fetch);
 * ```
 *
 * @param app - the TSGI application.
 * @param options - see {@link ToFetchHandlerOptions}.
 * @returns a fetch handler.
 * @throws TsgiError with code `ERR_TSGI_INVALID_ARGUMENT` for a bad `rootPath` or `httpVersion`.
 */
export function toFetchHandler<Info = unknown>(
  app: Application,
  options: ToFetchHandlerOptions<Info> = {},
): TsgiFetchHandler<Info> {
  if (typeof app !== 'function') {
    throw new TsgiError(ErrorCode.INVALID_ARGUMENT, 'toFetchHandler: app must be a function');
  }
  const rootPath = options.rootPath ?? '';
  if (rootPath !== '' && (!rootPath.startsWith('/') || rootPath.endsWith('/'))) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `toFetchHandler: rootPath must be "" or start with "/" and not end with "/", received ${JSON.stringify(rootPath)}`,
    );
  }
  const httpVersion = options.httpVersion ?? '1.1';
  if (!httpVersions.has(httpVersion)) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `toFetchHandler: httpVersion must be "1.0", "1.1", "2" or "3", received ${JSON.stringify(httpVersion)}`,
    );
  }
  const mountPrefix = `${rootPath}/`;
  const findClient = options.client ?? clientFromInfo;
  const reportError: AppErrorReporter = options.onError ?? logAppError;
  const state = options.state;

  return function tsgiFetchHandler(request: Request, info?: Info): Promise<Response> {
    const url = splitUrl(request.url);
    const scope = scopeFromRequest(request, url, {
      rootPath,
      httpVersion,
      client: findClient(request, info),
      state,
    });
    if (rootPath !== '' && scope.path !== rootPath && !scope.path.startsWith(mountPrefix)) {
      return Promise.resolve(notFound());
    }
    return new AppExchange(request, scope, reportError).run(app, scope);
  };
}
