/**
 * The echonext application: routes, views, middleware, error handlers,
 * lifespan hooks and sub-apps, compiled once and served as a TSGI
 * application.
 *
 * An {@link EchoNext} instance *is* a TSGI `Application`: a function
 * `(scope, receive, send) => Promise<void>` that also carries the
 * registration methods. So the module that builds it can export it as it is,
 * and any TSGI server runs it (`tsgi serve app.js:app`).
 *
 * @module
 */

import type {
  Application,
  HttpScope,
  LifespanReceiveEvent,
  LifespanScope,
  Receive,
  Scope,
  Send,
  Middleware as TsgiMiddleware,
  WebSocketScope,
} from 'tsgi';
import { compose, isClientDisconnected, routePath, withRootPath } from 'tsgi';
import {
  AppError,
  AppErrorCode,
  type ErrorClass,
  type ErrorHandler,
  ErrorHandlers,
} from './app-errors.js';
import { missHandler } from './automatic-answers.js';
import { ErrorScope, type Logger } from './error-scope.js';
import {
  hookStep,
  type LifespanHook,
  type LifespanStep,
  MountedLifespan,
  serveLifespan,
} from './lifespan.js';
import { buildChain, type Layer, type Middleware, viewHandler } from './middleware.js';
import { Request, type RequestOptions } from './request.js';
import type { Response } from './response.js';
import {
  addRoute,
  buildRouters,
  type HttpDef,
  pathFor,
  type RouteDef,
  type Routers,
} from './route-table.js';
import type { Converter } from './router/converters.js';
import { RouterError, RouterErrorCode } from './router/errors.js';
import type { PatternParams } from './router/pattern.js';
import type { RouteParams } from './router/route.js';
import type { TrailingSlashPolicy } from './router/router.js';
import { UsageError } from './usage-error.js';
import { classViewMethods, isViewClass, type ViewClass, type ViewFunction } from './views.js';
import {
  runWebSocket,
  WebSocket,
  type WebSocketHandler,
  type WebSocketReceive,
} from './websocket.js';

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

/** The part of the path space a sub-app answers misses (404, 405, redirects) for. */
interface Area {
  readonly prefix: string;
  readonly layers: readonly Layer[];
  readonly errors: ErrorScope;
  readonly options: RequestOptions;
}

interface MountEntry {
  readonly prefix: string;
  readonly app: Application;
}

interface Child {
  readonly prefix: string;
  readonly app: EchoNext;
  readonly namespace: string | undefined;
}

const NO_PARAMS: RouteParams = Object.freeze({});
const NAMESPACE = /^[A-Za-z_][\w.-]*$/;

/** Calls the entry point of an app; set in the static block of {@link EchoNext}. */
let enter: (app: EchoNext, scope: Scope, receive: Receive, send: Send) => Promise<void>;

/**
 * Makes instances callable: the constructor returns a function whose
 * prototype is the subclass's, so `new EchoNext()` is a function that also
 * has every method and private field of the class.
 */
class CallableApplication {
  constructor() {
    const app = ((scope: Scope, receive: Receive, send: Send) =>
      enter(app as unknown as EchoNext, scope, receive, send)) as unknown as CallableApplication;
    Object.setPrototypeOf(app, new.target.prototype);
    // biome-ignore lint/correctness/noConstructorReturn: the instance must be a function to be a TSGI Application.
    return app;
  }
}

function checkPrefix(prefix: string, what: string, allowRoot: boolean): void {
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

function checkViewOptions(options: ViewOptions, pattern: string): void {
  const limit = options.bodyLimit;
  if (limit !== undefined && (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0)) {
    throw new AppError(
      AppErrorCode.INVALID_ARGUMENT,
      `route ${JSON.stringify(pattern)}: bodyLimit must be a non-negative number of bytes or Infinity`,
    );
  }
}

function under(path: string, prefix: string): boolean {
  return (
    path.startsWith(prefix) &&
    (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)
  );
}

function encodeRootPath(rootPath: string): string {
  return rootPath === '' ? '' : rootPath.split('/').map(encodeURIComponent).join('/');
}

function checkVersion(version: unknown): void {
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new AppError(
      AppErrorCode.UNSUPPORTED_VERSION,
      `echonext speaks TSGI 1.x; the server speaks ${JSON.stringify(version)}`,
    );
  }
}

/**
 * An echonext application, and a TSGI `Application` at the same time.
 *
 * ```ts
 * const app = new EchoNext();
 * app.get('/', () => 'hello');
 * export default app;
 * ```
 *
 * ## Life cycle
 * Register everything first: routes, middleware, error handlers, hooks,
 * sub-apps. Mistakes are thrown by the call that makes them. The app is
 * compiled at lifespan startup or on its first request, whichever comes
 * first: then every route gets its middleware chain and error handling, and
 * the app no longer takes registrations. An app included in another is
 * frozen at include time.
 *
 * ## Modules
 * A sub-app is another `EchoNext`. `include()` compiles its routes into this
 * app's router under a prefix (its middleware, error handlers, hooks and
 * names come along), so the same module can run as its own service or in a
 * monolith without a change. `mount()` serves any other TSGI app under a
 * prefix instead, with `rootPath` extended.
 */
export interface EchoNext extends Application {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares the call signature of the callable instances.
export class EchoNext extends CallableApplication {
  static {
    enter = (app, scope, receive, send) => app.#entry(scope, receive, send);
  }

  readonly #options: EchoNextOptions;
  readonly #logger: Logger;
  #state: Record<string, unknown> = {};
  #defs: RouteDef[] = [];
  #routers: Routers;
  readonly #converters = new Map<string, Converter>();
  readonly #middleware: Middleware[] = [];
  readonly #wraps: TsgiMiddleware[] = [];
  readonly #errorHandlers = new ErrorHandlers();
  readonly #startup: LifespanHook[] = [];
  readonly #shutdown: LifespanHook[] = [];
  readonly #children: Child[] = [];
  readonly #mounts: MountEntry[] = [];
  #parent: EchoNext | null = null;
  #namespaceInParent: string | undefined;
  #frozen: string | null = null;
  #compiled = false;
  #entry: Application = (scope, receive, send) => this.#first(scope, receive, send);
  #areas: Area[] = [];
  #rootArea: Area | null = null;
  #mountTable: MountEntry[] | null = null;

  /**
   * @param options - see {@link EchoNextOptions}.
   * @throws {@link AppError} `INVALID_ARGUMENT` for a bad option; `RouterError` for a bad converter.
   */
  constructor(options: EchoNextOptions = {}) {
    super();
    if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        `namespace ${JSON.stringify(options.namespace)} must be a word such as "blog" (letters, digits, _, . and -)`,
      );
    }
    checkViewOptions(options, '(app options)');
    this.#options = { ...options };
    this.#logger = options.logger ?? console;
    for (const converter of options.converters ?? [])
      this.#converters.set(converter.name, converter);
    this.#routers = this.#buildRouters([], this.#converters);
  }

  // ------------------------------------------------------------ registration

  /**
   * Registers a function view for `GET` (and so `HEAD`) on `pattern`.
   *
   * @param pattern - the route pattern, such as `/article/{article_id:int}`.
   * @param view - the view; its request's `params` are typed from the pattern.
   * @param options - a name and a body limit.
   * @returns this app, for chaining.
   * @throws `RouterError` for a bad or conflicting pattern or name;
   *   {@link AppError} for a bad view or option, or once the app is frozen.
   */
  get<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('GET', pattern, view, options);
  }

  /** Registers a function view for `POST`; see {@link EchoNext.get}. */
  post<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('POST', pattern, view, options);
  }

  /** Registers a function view for `PUT`; see {@link EchoNext.get}. */
  put<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('PUT', pattern, view, options);
  }

  /** Registers a function view for `PATCH`; see {@link EchoNext.get}. */
  patch<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('PATCH', pattern, view, options);
  }

  /** Registers a function view for `DELETE`; see {@link EchoNext.get}. */
  delete<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('DELETE', pattern, view, options);
  }

  /**
   * Registers a function view for `HEAD`, replacing the automatic `HEAD`
   * (the `GET` view without the body) on this route. Its body is dropped.
   * See {@link EchoNext.get}.
   */
  head<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('HEAD', pattern, view, options);
  }

  /**
   * Registers a function view for `OPTIONS`, replacing the automatic answer
   * (204 with `Allow`) on this route. See {@link EchoNext.get}.
   */
  options<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('OPTIONS', pattern, view, options);
  }

  /**
   * Registers one function view for `GET`, `POST`, `PUT`, `PATCH` and
   * `DELETE` ({@link ALL_METHODS}); `HEAD` follows `GET` and `OPTIONS` stays
   * automatic. See {@link EchoNext.get}.
   */
  all<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on(ALL_METHODS, pattern, view, options);
  }

  /**
   * Registers a function view for any method or list of methods, such as
   * `PURGE` or `['GET', 'POST']`. See {@link EchoNext.get}.
   *
   * @param method - an uppercase method token, or a list of them.
   */
  on<Path extends string>(
    method: string | readonly string[],
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options: ViewOptions = {},
  ): this {
    this.#assertOpen(`route ${JSON.stringify(pattern)}`);
    if (typeof view !== 'function' || isViewClass(view)) {
      throw new AppError(
        AppErrorCode.BAD_VIEW,
        isViewClass(view)
          ? `route ${JSON.stringify(pattern)}: a View class is registered with route(), not with a method helper`
          : `route ${JSON.stringify(pattern)}: the view must be a function`,
      );
    }
    checkViewOptions(options, pattern);
    const methods = typeof method === 'string' ? [method] : [...method];
    this.#register([
      {
        kind: 'http',
        methods,
        pattern,
        name: options.name,
        view: view as ViewFunction,
        owner: this,
        bodyLimit: options.bodyLimit,
      },
    ]);
    return this;
  }

  /**
   * Registers a class-based view on `pattern`: each method it defines
   * (`get`, `post`, ...) answers that HTTP method, the others get 405 with
   * `Allow`, `HEAD` falls back to `get`, and `OPTIONS` is automatic unless
   * it defines `options`. A new instance serves each request.
   *
   * Without the class, returns a decorator: `@app.route('/x')` on the class,
   * or `app.route('/x')(MyView)`.
   *
   * @param pattern - the route pattern.
   * @param viewClass - a subclass of `View`.
   * @param options - a name and a body limit.
   * @returns this app, or the decorator.
   * @throws as {@link EchoNext.get} does.
   */
  route(pattern: string, viewClass: ViewClass, options?: ViewOptions): this;
  route(pattern: string, options?: ViewOptions): ViewClassDecorator;
  route(
    pattern: string,
    second?: ViewClass | ViewOptions,
    options: ViewOptions = {},
  ): this | ViewClassDecorator {
    if (typeof second !== 'function') {
      const given = second ?? {};
      return <C extends ViewClass>(viewClass: C): C => {
        this.route(pattern, viewClass, given);
        return viewClass;
      };
    }
    this.#assertOpen(`route ${JSON.stringify(pattern)}`);
    checkViewOptions(options, pattern);
    const views = classViewMethods(second, pattern);
    const defs: HttpDef[] = [];
    for (const [method, view] of views) {
      defs.push({
        kind: 'http',
        methods: [method],
        pattern,
        name: options.name,
        view,
        owner: this,
        bodyLimit: options.bodyLimit,
      });
    }
    this.#register(defs);
    return this;
  }

  /**
   * Registers a WebSocket route. The handler accepts (or denies) the
   * connection itself; one that returns without accepting denies it (403),
   * and an open connection is closed when the handler returns. Onion
   * middleware does not apply to WebSocket routes; TSGI middleware
   * ({@link EchoNext.wrap}) does. A WebSocket handshake that matches no
   * route is denied (403).
   *
   * @param pattern - the route pattern.
   * @param handler - gets the {@link WebSocket}.
   * @param options - a name.
   * @returns this app.
   * @throws as {@link EchoNext.get} does.
   */
  websocket<Path extends string>(
    pattern: Path,
    handler: WebSocketHandler<PatternParams<Path>>,
    options: WebSocketRouteOptions = {},
  ): this {
    this.#assertOpen(`websocket ${JSON.stringify(pattern)}`);
    if (typeof handler !== 'function') {
      throw new AppError(
        AppErrorCode.BAD_VIEW,
        `websocket ${JSON.stringify(pattern)}: the handler must be a function`,
      );
    }
    this.#register([
      {
        kind: 'websocket',
        pattern,
        name: options.name,
        handler: handler as WebSocketHandler,
        owner: this,
      },
    ]);
    return this;
  }

  /**
   * Adds an onion middleware around every HTTP route of this app and of the
   * apps it includes, whether registered before or after it, and around the
   * automatic answers (404, 405, `OPTIONS`, redirects). The first added is
   * the outermost; an including app's middleware is outside its sub-apps'.
   *
   * @param middleware - `(request, next) => response`.
   * @returns this app.
   * @throws {@link AppError} for a non-function, or once the app is frozen.
   */
  use(middleware: Middleware): this {
    this.#assertOpen('use()');
    if (typeof middleware !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'use(): the middleware must be a function');
    }
    this.#middleware.push(middleware);
    return this;
  }

  /**
   * Wraps the whole app in a TSGI middleware (`(app) => app`), such as
   * `proxyHeaders()` or `validate`: it sees every scope, lifespan and
   * WebSocket included. The first wrapped is the outermost. An app with TSGI
   * middleware cannot be included (its routes would run without it): mount
   * it, or wrap the app that includes it.
   *
   * @param middleware - a TSGI middleware.
   * @returns this app.
   * @throws {@link AppError} for a non-function, or once the app is frozen.
   */
  wrap(middleware: TsgiMiddleware): this {
    this.#assertOpen('wrap()');
    if (typeof middleware !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'wrap(): the TSGI middleware must be a function');
    }
    this.#wraps.push(middleware);
    return this;
  }

  /**
   * Registers an error handler: for one status (`onError(404, h)`), for an
   * error class and its subclasses (`onError(NotFound, h)`,
   * `onError(TypeError, h)`), or for every error (`onError(h)`). A status
   * of 500 also takes errors that are not `HTTPError`s. For a route, the
   * handlers of the app that registered it are searched first, then those
   * of each app that includes it. Without a handler, the default response is
   * sent (see `errorResponse`).
   *
   * @returns this app.
   * @throws {@link AppError} for a bad key or handler, or once the app is frozen.
   */
  onError(handler: ErrorHandler): this;
  onError(status: number, handler: ErrorHandler): this;
  onError<E extends Error>(errorClass: ErrorClass<E>, handler: ErrorHandler<E>): this;
  onError(
    key: number | ErrorClass | ErrorHandler,
    handler?: ErrorHandler<never> | ErrorHandler,
  ): this {
    this.#assertOpen('onError()');
    if (handler === undefined) this.#errorHandlers.add(null, key as ErrorHandler);
    else this.#errorHandlers.add(key as number | ErrorClass, handler as ErrorHandler);
    return this;
  }

  /**
   * Adds a startup hook, run at `lifespan.startup` in registration order,
   * after the hooks of the apps that include this one and before those of
   * the apps it includes. A hook that throws fails the startup with its
   * message.
   *
   * @param hook - gets the lifespan state (also {@link EchoNext.state}) to fill.
   * @returns this app.
   */
  onStartup(hook: LifespanHook): this {
    this.#assertOpen('onStartup()');
    this.#checkHook(hook, 'onStartup()');
    this.#startup.push(hook);
    return this;
  }

  /**
   * Adds a shutdown hook. Shutdown runs in the reverse order of startup:
   * sub-apps first, and within an app the last registered first. Every hook
   * runs even when one throws.
   *
   * @param hook - gets the lifespan state.
   * @returns this app.
   */
  onShutdown(hook: LifespanHook): this {
    this.#assertOpen('onShutdown()');
    this.#checkHook(hook, 'onShutdown()');
    this.#shutdown.push(hook);
    return this;
  }

  /**
   * Registers a parameter converter for the patterns added afterwards.
   *
   * @returns this app.
   * @throws `RouterError` `BAD_CONVERTER` for a malformed converter or a taken name.
   */
  addConverter<T>(converter: Converter<T>): this {
    this.#assertOpen('addConverter()');
    this.#routers.http.addConverter(converter);
    this.#routers.sockets.addConverter(converter);
    this.#converters.set(converter.name, converter as Converter);
    return this;
  }

  /**
   * Includes a sub-app under `prefix`: its routes are compiled into this
   * app's router as `prefix + pattern` (so its `/` becomes `/blog/`), its
   * route names are namespaced (`blog:article`), and its middleware, error
   * handlers, converters, hooks and mounts come along. Conflicts with this
   * app's routes are thrown here. The sub-app is frozen from now on.
   *
   * @param prefix - a plain path such as `/blog`, or `""` for none.
   * @param app - the sub-app, another `EchoNext`.
   * @param options - the namespace of its names here.
   * @returns this app.
   * @throws {@link AppError} `BAD_PREFIX`, `BAD_INCLUDE`; `RouterError` for conflicts.
   */
  include(prefix: string, app: EchoNext, options: IncludeOptions = {}): this {
    this.#assertOpen('include()');
    checkPrefix(prefix, 'include()', true);
    if (!(app instanceof EchoNext)) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): expected an EchoNext app; serve other TSGI apps with mount()',
      );
    }
    if (app === this || app.#parent !== null || this.#isInside(app)) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): an app can be included once, and not in itself or in an app it includes',
      );
    }
    if (app.#wraps.length > 0) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): the app has TSGI middleware (wrap()), which its included routes would skip; mount() it instead, or wrap the app that serves it',
      );
    }
    const namespace = options.namespace ?? app.#options.namespace;
    if (namespace !== undefined) {
      if (!NAMESPACE.test(namespace)) {
        throw new AppError(
          AppErrorCode.INVALID_ARGUMENT,
          `include(): namespace ${JSON.stringify(namespace)} must be a word such as "blog"`,
        );
      }
      if (this.#children.some((child) => child.namespace === namespace)) {
        throw new AppError(
          AppErrorCode.BAD_INCLUDE,
          `include(): another included app already has the namespace ${JSON.stringify(namespace)}`,
        );
      }
    }
    const converters = new Map(this.#converters);
    for (const [name, converter] of app.#converters) {
      const mine = converters.get(name);
      if (mine !== undefined && mine !== converter) {
        throw new RouterError(
          RouterErrorCode.BAD_CONVERTER,
          `include(): the sub-app's converter "${name}" differs from this app's converter of that name`,
        );
      }
      converters.set(name, converter);
    }
    const lifted: RouteDef[] = app.#defs.map((def) => ({
      ...def,
      pattern: prefix + def.pattern,
      name:
        def.name === undefined || namespace === undefined ? def.name : `${namespace}:${def.name}`,
    }));
    const defs = [...this.#defs, ...lifted];
    const routers = this.#buildRouters(defs, converters);
    // Nothing can fail from here on.
    for (const [name, converter] of converters) this.#converters.set(name, converter);
    this.#defs = defs;
    this.#routers = routers;
    this.#children.push({ prefix, app, namespace });
    app.#parent = this;
    app.#namespaceInParent = namespace;
    app.#frozen = 'was included in another app';
    return this;
  }

  /**
   * Serves any TSGI app under `prefix`, before this app's own routes: it
   * gets HTTP and WebSocket requests whose path is `prefix` or below it,
   * with `rootPath` extended by `prefix` and `path` whole (as `withRootPath`
   * does), and its own lifespan, sharing the state. Onion middleware does
   * not apply to it; TSGI middleware does.
   *
   * @param prefix - a plain path such as `/legacy`.
   * @param app - a TSGI application (a fetch-bridged Hono app, another `EchoNext`, ...).
   * @returns this app.
   * @throws {@link AppError} `BAD_PREFIX` for a bad or taken prefix; `BAD_VIEW` for a non-function.
   */
  mount(prefix: string, app: Application): this {
    this.#assertOpen('mount()');
    checkPrefix(prefix, 'mount()', false);
    if (typeof app !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'mount(): expected a TSGI application function');
    }
    if (this.#mounts.some((mount) => mount.prefix === prefix)) {
      throw new AppError(
        AppErrorCode.BAD_PREFIX,
        `mount(): an app is already mounted at ${JSON.stringify(prefix)}`,
      );
    }
    this.#mounts.push({ prefix, app });
    return this;
  }

  // ------------------------------------------------------------ introspection

  /**
   * The lifespan state: fill it in startup hooks (or before startup), and
   * read it in views as `request.state`, a shallow copy per request. From
   * startup on it is the lifespan scope's state object, shared by the app
   * and every sub-app.
   */
  get state(): Record<string, unknown> {
    return this.#state;
  }

  /** The app this one is included in, or `null`. */
  get parent(): EchoNext | null {
    return this.#parent;
  }

  /** Every route of this app and of the apps it includes, in registration order. */
  get routes(): readonly RouteInfo[] {
    return this.#defs.map((def) => ({
      kind: def.kind,
      methods: def.kind === 'http' ? def.methods : [],
      pattern: def.pattern,
      name: def.name,
      app: def.owner,
    }));
  }

  /**
   * The path of the named route. A name is looked up in this app's
   * namespace first (in a sub-app, `article` means its own `article`, under
   * the prefix it is included at), then as a full name from the top app
   * (`shop:product` from inside `blog`). With a request (or WebSocket), the
   * path starts with its `rootPath`.
   *
   * ```ts
   * app.urlFor('blog:article', { article_id: 7 });      // '/blog/article/7'
   * blog.urlFor('article', { article_id: 7 }, request); // the same, from inside blog
   * ```
   *
   * @param name - the route name.
   * @param params - a value for each parameter of the pattern.
   * @param context - a request or WebSocket, for its `rootPath`.
   * @returns the percent-encoded path.
   * @throws `RouterError` `UNKNOWN_ROUTE_NAME` or `BAD_PARAM`.
   */
  urlFor(name: string, params: RouteParams = NO_PARAMS, context?: UrlForContext): string {
    let top: EchoNext = this;
    let qualified = name;
    while (top.#parent !== null) {
      if (top.#namespaceInParent !== undefined) {
        qualified = `${top.#namespaceInParent}:${qualified}`;
      }
      top = top.#parent;
    }
    let path: string;
    if (qualified === name || top.#routers.names.has(qualified)) {
      path = pathFor(top.#routers, qualified, params);
    } else {
      path = pathFor(top.#routers, name, params);
    }
    return context === undefined ? path : encodeRootPath(context.scope.rootPath) + path;
  }

  /**
   * Compiles the app now: builds every route's middleware chain and error
   * handling and freezes the app. Lifespan startup and the first request do
   * this by themselves; call it to fail fast in a script or a test.
   *
   * @returns this app.
   */
  compile(): this {
    if (this.#compiled) return this;
    this.#frozen ??= 'has started serving';
    const scopes = new Map<EchoNext, ErrorScope>();
    const layers = new Map<EchoNext, Layer[]>();
    const debug = this.#options.debug ?? false;
    const scopeFor = (app: EchoNext): ErrorScope => {
      let found = scopes.get(app);
      if (found === undefined) {
        const registries = [];
        for (let at: EchoNext | null = app; at !== null; at = at === this ? null : at.#parent) {
          registries.push(at.#errorHandlers);
        }
        found = new ErrorScope(registries, this.#logger, debug);
        scopes.set(app, found);
      }
      return found;
    };
    const layersFor = (app: EchoNext): Layer[] => {
      let found = layers.get(app);
      if (found === undefined) {
        const outer = app === this || app.#parent === null ? [] : layersFor(app.#parent);
        const errors = scopeFor(app);
        found = [...outer, ...app.#middleware.map((middleware) => ({ middleware, errors }))];
        layers.set(app, found);
      }
      return found;
    };
    const limits = new Map<EchoNext, RequestOptions>();
    const optionsFor = (app: EchoNext): RequestOptions => {
      let found = limits.get(app);
      if (found === undefined) {
        const limit = app.#options.bodyLimit;
        found =
          limit !== undefined
            ? { bodyLimit: limit }
            : app === this || app.#parent === null
              ? {}
              : optionsFor(app.#parent);
        limits.set(app, found);
      }
      return found;
    };

    for (const endpoint of this.#routers.endpoints) {
      const { owner, view, bodyLimit } = endpoint.def;
      const errors = scopeFor(owner);
      endpoint.errors = errors;
      endpoint.options = bodyLimit === undefined ? optionsFor(owner) : { bodyLimit };
      endpoint.run = buildChain(layersFor(owner), viewHandler(view, errors));
    }

    const areas: Area[] = [];
    const mounts: MountEntry[] = [];
    const visit = (app: EchoNext, prefix: string): void => {
      const area = {
        prefix,
        layers: layersFor(app),
        errors: scopeFor(app),
        options: optionsFor(app),
      };
      if (app === this) this.#rootArea = area;
      else if (prefix !== '') areas.push(area);
      for (const mount of app.#mounts) {
        mounts.push({ prefix: prefix + mount.prefix, app: mount.app });
      }
      for (const child of app.#children) {
        Object.assign(this.#state, child.app.#state);
        child.app.#state = this.#state;
        visit(child.app, prefix + child.prefix);
      }
    };
    visit(this, '');
    // Longest prefix first, so that the most specific sub-app answers.
    areas.sort((a, b) => b.prefix.length - a.prefix.length);
    mounts.sort((a, b) => b.prefix.length - a.prefix.length);
    this.#areas = areas;
    this.#mountTable =
      mounts.length === 0
        ? null
        : mounts.map(({ prefix, app }) => ({ prefix, app: withRootPath(prefix)(app) }));
    const core: Application = (scope, receive, send) => this.#dispatch(scope, receive, send);
    this.#entry = this.#wraps.length === 0 ? core : compose(...this.#wraps)(core);
    this.#compiled = true;
    return this;
  }

  // ------------------------------------------------------------ serving

  #first(scope: Scope, receive: Receive, send: Send): Promise<void> {
    try {
      checkVersion(scope.tsgi?.version);
      this.compile();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#entry(scope, receive, send);
  }

  #dispatch(scope: Scope, receive: Receive, send: Send): Promise<void> {
    switch (scope.type) {
      case 'http':
        return this.#http(scope, receive, send);
      case 'websocket':
        return this.#websocket(scope, receive, send);
      case 'lifespan':
        return this.#lifespan(scope, receive, send);
      default:
        // APP-3: a scope type this app does not handle is an error.
        return Promise.reject(
          new AppError(
            AppErrorCode.UNSUPPORTED_SCOPE,
            `echonext does not handle scopes of type ${JSON.stringify((scope as { type?: unknown }).type)}`,
          ),
        );
    }
  }

  async #http(given: HttpScope, receive: Receive, send: Send): Promise<void> {
    // Without lifespan, requests still see the state set up before the first request.
    const scope = given.state === undefined ? { ...given, state: { ...this.#state } } : given;
    const path = routePath(scope);
    const mounted = this.#mountFor(path);
    if (mounted !== null) return mounted(scope, receive, send);
    const match = this.#routers.http.lookup(scope.method, path);
    if (match.kind === 'found') {
      const endpoint = match.handler;
      const request = new Request(scope, receive, match.params, endpoint.options);
      const response = await endpoint.run(request);
      return this.#respond(response, request, endpoint.errors as ErrorScope, send);
    }
    const area = this.#areaFor(path);
    const request = new Request(scope, receive, undefined, area.options);
    const answer = missHandler(match, area.errors);
    const response = await (area.layers.length === 0
      ? answer(request)
      : buildChain(area.layers, answer)(request));
    return this.#respond(response, request, area.errors, send);
  }

  /**
   * Sends `response`. A failure before `http.response.start` (a bad status,
   * a missing file) is answered by the error handlers instead; after it, it
   * is thrown, so that the server aborts the response. A client that left is
   * not an error.
   */
  async #respond(
    response: Response,
    request: Request,
    errors: ErrorScope,
    send: Send,
  ): Promise<void> {
    const scope = request.scope;
    const body = response.body;
    let started = false;
    let tracked: Send = send;
    if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      tracked = (event) => {
        if (event.type === 'http.response.start') started = true;
        return send(event);
      };
    }
    try {
      await response.send(scope, tracked);
    } catch (error) {
      if (isClientDisconnected(error)) return;
      // A body known in full fails only in checks made before the start event.
      if (started || (tracked === send && !isBeforeStart(error))) throw error;
      const fallback = await errors.handle(error, request);
      try {
        await fallback.send(scope, send);
      } catch (failure) {
        if (!isClientDisconnected(failure)) throw failure;
      }
    }
  }

  async #websocket(given: WebSocketScope, receive: Receive, send: Send): Promise<void> {
    const scope = given.state === undefined ? { ...given, state: { ...this.#state } } : given;
    const path = routePath(scope);
    const mounted = this.#mountFor(path);
    if (mounted !== null) return mounted(scope, receive, send);
    const match = this.#routers.sockets.lookup('GET', path);
    const wsReceive = receive as WebSocketReceive;
    if (match.kind !== 'found') {
      // WS-CLOSE-1: a close before accept denies the handshake with a 403.
      const ws = new WebSocket(scope, wsReceive, send, NO_PARAMS);
      try {
        await ws.close();
      } catch (error) {
        if (!isClientDisconnected(error) && ws.disconnect === null) throw error;
      }
      return;
    }
    const ws = new WebSocket(scope, wsReceive, send, match.params);
    return runWebSocket(ws, match.handler.handler, this.#logger);
  }

  #lifespan(scope: LifespanScope, receive: Receive, send: Send): Promise<void> {
    return serveLifespan(scope, receive as () => Promise<LifespanReceiveEvent>, send, {
      prepare: (state) => {
        checkVersion(scope.tsgi?.version);
        this.compile();
        Object.assign(state, this.#state);
        const steps: LifespanStep[] = [];
        const visit = (app: EchoNext, prefix: string): void => {
          app.#state = state;
          if (app.#startup.length > 0 || app.#shutdown.length > 0) {
            steps.push(hookStep(app.#startup, app.#shutdown));
          }
          for (const mount of app.#mounts) {
            const at = prefix + mount.prefix;
            steps.push(new MountedLifespan(mount.app, `the app mounted at ${at}`));
          }
          for (const child of app.#children) visit(child.app, prefix + child.prefix);
        };
        visit(this, '');
        return steps;
      },
    });
  }

  #mountFor(path: string): Application | null {
    const table = this.#mountTable;
    if (table === null) return null;
    for (let i = 0; i < table.length; i++) {
      const entry = table[i] as MountEntry;
      if (under(path, entry.prefix)) return entry.app;
    }
    return null;
  }

  #areaFor(path: string): Area {
    const areas = this.#areas;
    for (let i = 0; i < areas.length; i++) {
      const area = areas[i] as Area;
      if (under(path, area.prefix)) return area;
    }
    return this.#rootArea as Area;
  }

  // ------------------------------------------------------------ internals

  #assertOpen(what: string): void {
    if (this.#frozen !== null) {
      throw new AppError(
        AppErrorCode.FROZEN,
        `${what}: this app ${this.#frozen} and takes no more registrations; register routes, middleware, handlers and hooks first`,
      );
    }
  }

  #checkHook(hook: LifespanHook, what: string): void {
    if (typeof hook !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, `${what}: the hook must be a function`);
    }
  }

  #isInside(app: EchoNext): boolean {
    for (let at: EchoNext | null = this; at !== null; at = at.#parent) if (at === app) return true;
    return false;
  }

  #buildRouters(defs: readonly RouteDef[], converters: Map<string, Converter>): Routers {
    return buildRouters(defs, this.#options.trailingSlash ?? 'redirect', converters.values());
  }

  /** Adds `defs` to the routers; on failure, rebuilds them as they were and throws. */
  #register(defs: RouteDef[]): void {
    const routers = this.#routers;
    try {
      for (const def of defs) addRoute(routers, def);
    } catch (error) {
      this.#routers = this.#buildRouters(this.#defs, this.#converters);
      throw error;
    }
    this.#defs.push(...defs);
  }
}

/**
 * Whether a `Response.send` failure on a body known in full happened before
 * anything was sent: its checks (status, headers, cookies, length) throw a
 * `UsageError` before the start event, and only the transport fails later.
 */
function isBeforeStart(error: unknown): boolean {
  return error instanceof UsageError;
}
