/**
 * The options and arguments of an echonext app, and the checks that refuse a
 * bad one where it is given.
 *
 * @module
 */

import type { EchoNext } from './app.js';
import { AppError, AppErrorCode } from './app-errors.js';
import type { Logger } from './error-scope.js';
import type { Converter } from './router/converters.js';
import type { TrailingSlashPolicy } from './router/router.js';
import type { ViewClass } from './views.js';

/** Options of {@link EchoNext}. */
export interface EchoNextOptions {
  /**
   * The prefix of this app's route names once it is included in another:
   * `blog` makes its route `article` known there as `blog:article`. The
   * `namespace` option of `include()` overrides it. Without either, names
   * are taken over as they are.
   */
  readonly namespace?: string;
  /**
   * Show the stack of unexpected errors in the 500 response (HTML escaped).
   * Never in production. Defaults to `false`. The setting of the app being
   * served applies to its sub-apps.
   */
  readonly debug?: boolean;
  /**
   * Where unexpected errors are logged, with their stack. Defaults to
   * `console`. The logger of the app being served applies to its sub-apps.
   */
  readonly logger?: Logger;
  /**
   * The body limit of this app's routes, in bytes, unless a route sets its
   * own: reads past it answer 413. Defaults to the limit of the app that
   * includes this one, and at the top to `DEFAULT_BODY_LIMIT` (1 MiB).
   */
  readonly bodyLimit?: number;
  /**
   * What a path that misses only by its trailing slash gets: a redirect
   * (`'redirect'`, the default: 301 for GET and HEAD, 308 otherwise), the
   * route (`'ignore'`), or a 404 (`'strict'`). The policy of the app being
   * served applies to its sub-apps' routes.
   */
  readonly trailingSlash?: TrailingSlashPolicy;
  /** Parameter converters to register before any route, as `{name:converter}`. */
  readonly converters?: readonly Converter[];
}

/** Options of a view's route. */
export interface ViewOptions {
  /** A name for {@link EchoNext.urlFor}. */
  readonly name?: string;
  /** The body limit of this route, in bytes (`Infinity` lifts it); overrides the app's. */
  readonly bodyLimit?: number;
}

/** Options of a WebSocket route. */
export interface WebSocketRouteOptions {
  /** A name for {@link EchoNext.urlFor}. */
  readonly name?: string;
}

/** Options of {@link EchoNext.include}. */
export interface IncludeOptions {
  /** The namespace of the sub-app's route names here; overrides its own `namespace` option. */
  readonly namespace?: string;
}

/** What {@link EchoNext.urlFor} takes the mount point from: a `Request` or a `WebSocket`. */
export interface UrlForContext {
  /** The scope, for its `rootPath`. */
  readonly scope: { readonly rootPath: string };
}

/** A registered route, as {@link EchoNext.routes} lists it. */
export interface RouteInfo {
  /** `'http'` or `'websocket'`. */
  readonly kind: 'http' | 'websocket';
  /** The methods, uppercase; `[]` for a WebSocket route. */
  readonly methods: readonly string[];
  /** The full pattern, sub-app prefixes included. */
  readonly pattern: string;
  /** The full name, namespaces included, or `undefined`. */
  readonly name: string | undefined;
  /** The app the route was registered on. */
  readonly app: EchoNext;
}

/** A class decorator, or a function to call with the class: what `route(pattern)` returns. */
export type ViewClassDecorator = <C extends ViewClass>(viewClass: C, context?: unknown) => C;

/** The methods `all()` registers: `HEAD` follows `GET`, and `OPTIONS` stays automatic. */
export const ALL_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const NAMESPACE = /^[A-Za-z_][\w.-]*$/;

/** Tells whether `namespace` can prefix route names: a word such as `blog`. */
export function isNamespace(namespace: string): boolean {
  return NAMESPACE.test(namespace);
}

/**
 * Checks an include or mount prefix: a plain path that starts with `/` and
 * does not end with it, or `""` where `allowRoot` says so.
 *
 * @throws {@link AppError} `BAD_PREFIX` otherwise.
 */
export function checkPrefix(prefix: string, what: string, allowRoot: boolean): void {
  const plain =
    typeof prefix === 'string' &&
    (prefix === '' ? allowRoot : prefix.startsWith('/') && !prefix.endsWith('/')) &&
    !/[{}?#]/.test(prefix);
  if (!plain) {
    throw new AppError(
      AppErrorCode.BAD_PREFIX,
      `${what}: the prefix ${JSON.stringify(prefix)} must be a plain path that starts with "/" and does not end with "/", such as "/blog"`,
    );
  }
}

/**
 * Checks the options of a route (or the app's own defaults).
 *
 * @throws {@link AppError} `INVALID_ARGUMENT` for a bad body limit.
 */
export function checkViewOptions(options: ViewOptions, pattern: string): void {
  const limit = options.bodyLimit;
  if (limit !== undefined && (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0)) {
    throw new AppError(
      AppErrorCode.INVALID_ARGUMENT,
      `route ${JSON.stringify(pattern)}: bodyLimit must be a non-negative number of bytes or Infinity`,
    );
  }
}

/**
 * Checks the TSGI version a scope names: echonext speaks 1.x (VER-3).
 *
 * @throws {@link AppError} `UNSUPPORTED_VERSION` otherwise.
 */
export function checkVersion(version: unknown): void {
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new AppError(
      AppErrorCode.UNSUPPORTED_VERSION,
      `echonext speaks TSGI 1.x; the server speaks ${JSON.stringify(version)}`,
    );
  }
}
