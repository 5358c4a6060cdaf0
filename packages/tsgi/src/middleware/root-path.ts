/**
 * Serving an app under a mount point, and the path a router matches against.
 *
 * @module
 */

import { describeValue, ErrorCode, TsgiError } from '../errors.js';
import type {
  Application,
  HttpScope,
  Middleware,
  Receive,
  Scope,
  Send,
  WebSocketScope,
} from '../types.js';

/** The scope fields {@link routePath} reads; HTTP and WebSocket scopes have them. */
export interface RoutableScope {
  /** The percent-decoded path, including `rootPath`. */
  path: string;
  /** The mount point, `""` at the root. */
  rootPath: string;
}

/**
 * The path of a request relative to the mount point the app is served under:
 * `scope.path` without its `scope.rootPath` prefix. This is what a router
 * matches against. It always starts with `/`: a request for the mount point
 * itself (`/api` under `/api`) gives `/`, as does `/api/`. An asterisk-form
 * path (`*`) comes back as `*`.
 *
 * @example
 * ```ts
 * routePath({ path: '/api/users/7', rootPath: '/api' }); // '/users/7'
 * ```
 *
 * @param scope - an HTTP or WebSocket scope.
 * @returns the path below the mount point.
 */
export function routePath(scope: RoutableScope): string {
  const { path, rootPath } = scope;
  if (rootPath === '') return path;
  // HTTP-SCOPE-9 promises the prefix; a scope that breaks it keeps its full path.
  if (!path.startsWith(rootPath)) return path;
  if (path.length === rootPath.length) return '/';
  return path.charCodeAt(rootPath.length) === 0x2f ? path.slice(rootPath.length) : path;
}

// ASCII, so its length in characters is its length in bytes.
const NOT_FOUND = 'Not Found';

/**
 * Serves an app under a mount point. For an HTTP or WebSocket request whose
 * path, below the current `rootPath`, is `prefix` or starts with `prefix/`,
 * the app gets a copy of the scope (MW-2) with `rootPath` extended by
 * `prefix`; `path` stays whole, since it includes `rootPath`
 * (HTTP-SCOPE-6, HTTP-SCOPE-9). Use {@link routePath} to get the part below
 * the mount point: `/api/users` under `/api` routes as `/users`, and both
 * `/api` and `/api/` route as `/`.
 *
 * The prefix matches whole segments and is compared with the decoded path,
 * case-sensitively: `/api` matches neither `/apix` nor `/API`.
 *
 * Requests outside the prefix never reach the app: an HTTP request gets a
 * `404` with the text body `Not Found` (no body for `HEAD`); a WebSocket
 * handshake is denied with a `404` response where the server advertises the
 * `websocket.http.response` extension, and with `websocket.close` (a `403`)
 * where it does not. Lifespan scopes and scope types this middleware does not
 * know pass through untouched, as do `receive` and `send` (MW-3).
 *
 * @example
 * ```ts
 * const app = withRootPath('/api')(api); // api sees rootPath "/api"
 * ```
 *
 * @param prefix - the mount point: starts with `/`, no trailing `/`, such as `/api` or `/v1/admin`.
 * @returns the middleware.
 * @throws {@link TsgiError} with code `ERR_TSGI_INVALID_ARGUMENT` when
 * `prefix` is not such a path.
 */
export function withRootPath(prefix: string): Middleware {
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `withRootPath: prefix is ${describeValue(prefix)}, expected a path that starts with "/" and does not end with "/", such as "/api"`,
    );
  }
  return (app: Application): Application => {
    if (typeof app !== 'function') {
      throw new TsgiError(
        ErrorCode.INVALID_ARGUMENT,
        `withRootPath: expected an application function, received ${describeValue(app)}`,
      );
    }
    return (scope: Scope, receive: Receive, send: Send): Promise<void> => {
      if (scope.type !== 'http' && scope.type !== 'websocket') return app(scope, receive, send);
      const mount = scope.rootPath + prefix;
      const { path } = scope;
      if (
        path.startsWith(mount) &&
        (path.length === mount.length || path.charCodeAt(mount.length) === 0x2f)
      ) {
        return app({ ...scope, rootPath: mount }, receive, send);
      }
      return scope.type === 'http' ? notFound(scope, send) : denyWebSocket(scope, receive, send);
    };
  };
}

async function notFound(scope: HttpScope, send: Send): Promise<void> {
  await send({
    type: 'http.response.start',
    status: 404,
    headers: [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(NOT_FOUND.length)],
    ],
  });
  // HTTP-RESP-8: no body bytes for HEAD, but the response must still end.
  await send(
    scope.method === 'HEAD'
      ? { type: 'http.response.body' }
      : { type: 'http.response.body', body: NOT_FOUND },
  );
}

async function denyWebSocket(scope: WebSocketScope, receive: Receive, send: Send): Promise<void> {
  // WS-CONNECT-1: the handshake is answered after websocket.connect arrives.
  const event = await receive();
  if (event.type !== 'websocket.connect') return;
  if (scope.extensions['websocket.http.response'] === undefined) {
    await send({ type: 'websocket.close' });
    return;
  }
  await send({
    type: 'websocket.http.response.start',
    status: 404,
    headers: [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(NOT_FOUND.length)],
    ],
  });
  await send({ type: 'websocket.http.response.body', body: NOT_FOUND });
}
