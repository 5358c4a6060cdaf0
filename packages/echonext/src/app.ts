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

import type { Application, Receive, Scope, Send, Middleware as TsgiMiddleware } from 'tsgi';
import { compose } from 'tsgi';
import { AppRouteMethods, bindEntry } from './app-base.js';
import { compileApp } from './app-compile.js';
import { Dispatcher } from './app-dispatch.js';
import { AppError, AppErrorCode, type ErrorClass, type ErrorHandler } from './app-errors.js';
import {
  checkPrefix,
  checkVersion,
  type EchoNextOptions,
  type IncludeOptions,
  type RouteInfo,
  type UrlForContext,
  type ViewClassDecorator,
  type ViewOptions,
  type WebSocketRouteOptions,
} from './app-options.js';
import { AppRegistry } from './app-registry.js';
import type { LifespanHook } from './lifespan.js';
import type { Middleware } from './middleware.js';
import type { Converter } from './router/converters.js';
import type { PatternParams } from './router/pattern.js';
import type { RouteParams } from './router/route.js';
import type { ViewClass, ViewFunction } from './views.js';
import type { WebSocketHandler } from './websocket.js';

export {
  ALL_METHODS,
  type EchoNextOptions,
  type IncludeOptions,
  type RouteInfo,
  type UrlForContext,
  type ViewClassDecorator,
  type ViewOptions,
  type WebSocketRouteOptions,
} from './app-options.js';

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
export class EchoNext extends AppRouteMethods {
  static {
    bindEntry((app, scope, receive, send) => (app as EchoNext).#entry(scope, receive, send));
  }

  readonly #registry: AppRegistry;
  #dispatcher: Dispatcher | null = null;
  #entry: Application = (scope, receive, send) => this.#first(scope, receive, send);

  /**
   * @param options - see {@link EchoNextOptions}.
   * @throws {@link AppError} `INVALID_ARGUMENT` for a bad option; `RouterError` for a bad converter.
   */
  constructor(options: EchoNextOptions = {}) {
    super();
    this.#registry = new AppRegistry(this, options);
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
    this.#registry.addView(method, pattern, view as ViewFunction, options);
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
    this.#registry.addViewClass(pattern, second, options);
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
    this.#registry.addWebSocket(pattern, handler as WebSocketHandler, options);
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
    this.#registry.assertOpen('use()');
    if (typeof middleware !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'use(): the middleware must be a function');
    }
    this.#registry.middleware.push(middleware);
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
    this.#registry.assertOpen('wrap()');
    if (typeof middleware !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'wrap(): the TSGI middleware must be a function');
    }
    this.#registry.wraps.push(middleware);
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
    this.#registry.assertOpen('onError()');
    if (handler === undefined) this.#registry.errorHandlers.add(null, key as ErrorHandler);
    else this.#registry.errorHandlers.add(key as number | ErrorClass, handler as ErrorHandler);
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
    this.#registry.addHook(this.#registry.startup, hook, 'onStartup()');
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
    this.#registry.addHook(this.#registry.shutdown, hook, 'onShutdown()');
    return this;
  }

  /**
   * Registers a parameter converter for the patterns added afterwards.
   *
   * @returns this app.
   * @throws `RouterError` `BAD_CONVERTER` for a malformed converter or a taken name.
   */
  addConverter<T>(converter: Converter<T>): this {
    this.#registry.assertOpen('addConverter()');
    this.#registry.addConverter(converter as Converter);
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
    this.#registry.assertOpen('include()');
    checkPrefix(prefix, 'include()', true);
    if (!(app instanceof EchoNext)) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): expected an EchoNext app; serve other TSGI apps with mount()',
      );
    }
    this.#registry.include(prefix, app.#registry, options);
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
    this.#registry.assertOpen('mount()');
    this.#registry.mount(prefix, app);
    return this;
  }

  /**
   * The lifespan state: fill it in startup hooks (or before startup), and
   * read it in views as `request.state`, a shallow copy per request. From
   * startup on it is the lifespan scope's state object, shared by the app
   * and every sub-app.
   */
  get state(): Record<string, unknown> {
    return this.#registry.state;
  }

  /** The app this one is included in, or `null`. */
  get parent(): EchoNext | null {
    return this.#registry.parent?.app ?? null;
  }

  /** Every route of this app and of the apps it includes, in registration order. */
  get routes(): readonly RouteInfo[] {
    return this.#registry.routeInfos();
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
  urlFor(name: string, params?: RouteParams, context?: UrlForContext): string {
    return this.#registry.urlFor(name, params, context);
  }

  /**
   * Compiles the app now: builds every route's middleware chain and error
   * handling and freezes the app. Lifespan startup and the first request do
   * this by themselves; call it to fail fast in a script or a test.
   *
   * @returns this app.
   */
  compile(): this {
    if (this.#dispatcher !== null) return this;
    const registry = this.#registry;
    const dispatcher = new Dispatcher(registry, compileApp(registry));
    const core: Application = (scope, receive, send) => dispatcher.serve(scope, receive, send);
    this.#entry = registry.wraps.length === 0 ? core : compose(...registry.wraps)(core);
    this.#dispatcher = dispatcher;
    return this;
  }

  #first(scope: Scope, receive: Receive, send: Send): Promise<void> {
    try {
      checkVersion(scope.tsgi?.version);
      this.compile();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#entry(scope, receive, send);
  }
}
