/**
 * What one app holds before it serves: its routes and routers, middleware,
 * error handlers, hooks, converters, and its place in a tree of included
 * apps. The app class keeps one registry privately and hands it to the
 * compiler when it starts serving.
 *
 * @module
 */

import type { Application, Middleware as TsgiMiddleware } from 'tsgi';
import type { EchoNext } from './app.js';
import { AppError, AppErrorCode, ErrorHandlers } from './app-errors.js';
import {
  checkPrefix,
  checkViewOptions,
  type EchoNextOptions,
  type IncludeOptions,
  isNamespace,
  type RouteInfo,
  type UrlForContext,
  type ViewOptions,
  type WebSocketRouteOptions,
} from './app-options.js';
import type { Logger } from './error-scope.js';
import type { LifespanHook } from './lifespan.js';
import type { Middleware } from './middleware.js';
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
import type { RouteParams } from './router/route.js';
import { classViewMethods, isViewClass, type ViewClass, type ViewFunction } from './views.js';
import type { WebSocketHandler } from './websocket.js';

/** A TSGI app served under a prefix, before the app's own routes. */
export interface MountEntry {
  /** The prefix, such as `/legacy`. */
  readonly prefix: string;
  /** The app. */
  readonly app: Application;
}

/** An app included in another. */
export interface Child {
  /** The prefix it is included at, or `""`. */
  readonly prefix: string;
  /** Its registry. */
  readonly registry: AppRegistry;
  /** The namespace of its route names in the including app. */
  readonly namespace: string | undefined;
}

const NO_PARAMS: RouteParams = Object.freeze({});

function encodeRootPath(rootPath: string): string {
  return rootPath === '' ? '' : rootPath.split('/').map(encodeURIComponent).join('/');
}

/** Everything one app registered, and its parent and children. Internal to the app. */
export class AppRegistry {
  /** The app this registry belongs to: the owner of its routes. */
  readonly app: EchoNext;
  /** The options the app was created with. */
  readonly options: EchoNextOptions;
  /** Where the app logs unexpected errors. */
  readonly logger: Logger;
  /** The lifespan state; shared by the whole tree once the top app compiles or starts. */
  state: Record<string, unknown> = {};
  /** The routes of this app and of the apps it includes, in registration order. */
  defs: RouteDef[] = [];
  /** The routers built from `defs`. */
  routers: Routers;
  /** The converters, by name, of this app and of the apps it includes. */
  readonly converters = new Map<string, Converter>();
  /** Onion middleware, outermost first. */
  readonly middleware: Middleware[] = [];
  /** TSGI middleware, outermost first. */
  readonly wraps: TsgiMiddleware[] = [];
  /** Error handlers. */
  readonly errorHandlers = new ErrorHandlers();
  /** Startup hooks, in registration order. */
  readonly startup: LifespanHook[] = [];
  /** Shutdown hooks, in registration order. */
  readonly shutdown: LifespanHook[] = [];
  /** The included apps. */
  readonly children: Child[] = [];
  /** The mounted TSGI apps. */
  readonly mounts: MountEntry[] = [];
  /** The registry of the app this one is included in. */
  parent: AppRegistry | null = null;
  /** The namespace of this app's names in its parent. */
  namespaceInParent: string | undefined;
  /** Why the app takes no more registrations, or `null` while it does. */
  frozen: string | null = null;

  /**
   * @param app - the app this registry belongs to.
   * @param options - its options.
   * @throws {@link AppError} `INVALID_ARGUMENT` for a bad option; `RouterError` for a bad converter.
   */
  constructor(app: EchoNext, options: EchoNextOptions) {
    if (options.namespace !== undefined && !isNamespace(options.namespace)) {
      throw new AppError(
        AppErrorCode.INVALID_ARGUMENT,
        `namespace ${JSON.stringify(options.namespace)} must be a word such as "blog" (letters, digits, _, . and -)`,
      );
    }
    checkViewOptions(options, '(app options)');
    this.app = app;
    this.options = { ...options };
    this.logger = options.logger ?? console;
    for (const converter of options.converters ?? []) {
      this.converters.set(converter.name, converter);
    }
    this.routers = this.#buildRouters([], this.converters);
  }

  /**
   * Throws unless the app still takes registrations.
   *
   * @param what - the call, for the message.
   * @throws {@link AppError} `FROZEN`.
   */
  assertOpen(what: string): void {
    if (this.frozen !== null) {
      throw new AppError(
        AppErrorCode.FROZEN,
        `${what}: this app ${this.frozen} and takes no more registrations; register routes, middleware, handlers and hooks first`,
      );
    }
  }

  /**
   * Adds `defs` to the routers; on failure, rebuilds them as they were and
   * throws, so that a failed registration changes nothing.
   */
  register(defs: RouteDef[]): void {
    const routers = this.routers;
    try {
      for (const def of defs) addRoute(routers, def);
    } catch (error) {
      this.routers = this.#buildRouters(this.defs, this.converters);
      throw error;
    }
    this.defs.push(...defs);
  }

  /**
   * Registers a function view for `method` (or each of several) on `pattern`.
   *
   * @throws {@link AppError} `BAD_VIEW` for a view that is not a function or
   *   is a `View` class, `INVALID_ARGUMENT` for a bad option, `FROZEN`;
   *   `RouterError` for a bad or conflicting pattern or name.
   */
  addView(
    method: string | readonly string[],
    pattern: string,
    view: ViewFunction,
    options: ViewOptions,
  ): void {
    this.assertOpen(`route ${JSON.stringify(pattern)}`);
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
    this.register([
      {
        kind: 'http',
        methods,
        pattern,
        name: options.name,
        view,
        owner: this.app,
        bodyLimit: options.bodyLimit,
      },
    ]);
  }

  /**
   * Registers a class-based view on `pattern`: one route per method it answers.
   *
   * @throws as {@link AppRegistry.addView} does.
   */
  addViewClass(pattern: string, viewClass: ViewClass, options: ViewOptions): void {
    this.assertOpen(`route ${JSON.stringify(pattern)}`);
    checkViewOptions(options, pattern);
    const defs: HttpDef[] = [];
    for (const [method, view] of classViewMethods(viewClass, pattern)) {
      defs.push({
        kind: 'http',
        methods: [method],
        pattern,
        name: options.name,
        view,
        owner: this.app,
        bodyLimit: options.bodyLimit,
      });
    }
    this.register(defs);
  }

  /**
   * Registers a WebSocket route.
   *
   * @throws as {@link AppRegistry.addView} does.
   */
  addWebSocket(pattern: string, handler: WebSocketHandler, options: WebSocketRouteOptions): void {
    this.assertOpen(`websocket ${JSON.stringify(pattern)}`);
    if (typeof handler !== 'function') {
      throw new AppError(
        AppErrorCode.BAD_VIEW,
        `websocket ${JSON.stringify(pattern)}: the handler must be a function`,
      );
    }
    this.register([{ kind: 'websocket', pattern, name: options.name, handler, owner: this.app }]);
  }

  /**
   * Adds a lifespan hook to `hooks` (`startup` or `shutdown`).
   *
   * @throws {@link AppError} `BAD_VIEW` for a non-function, `FROZEN`.
   */
  addHook(hooks: LifespanHook[], hook: LifespanHook, what: string): void {
    this.assertOpen(what);
    if (typeof hook !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, `${what}: the hook must be a function`);
    }
    hooks.push(hook);
  }

  /** Registers a converter in both routers, for the patterns added afterwards. */
  addConverter(converter: Converter): void {
    this.routers.http.addConverter(converter);
    this.routers.sockets.addConverter(converter);
    this.converters.set(converter.name, converter);
  }

  /**
   * Includes `child` under `prefix`: its routes join these routers as
   * `prefix + pattern`, with namespaced names. Checks everything first, so
   * that a failure changes neither app.
   *
   * @throws {@link AppError} `BAD_INCLUDE` or `INVALID_ARGUMENT`; `RouterError` for conflicts.
   */
  include(prefix: string, child: AppRegistry, options: IncludeOptions): void {
    if (child === this || child.parent !== null || this.#isInside(child)) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): an app can be included once, and not in itself or in an app it includes',
      );
    }
    if (child.wraps.length > 0) {
      throw new AppError(
        AppErrorCode.BAD_INCLUDE,
        'include(): the app has TSGI middleware (wrap()), which its included routes would skip; mount() it instead, or wrap the app that serves it',
      );
    }
    const namespace = options.namespace ?? child.options.namespace;
    if (namespace !== undefined) {
      if (!isNamespace(namespace)) {
        throw new AppError(
          AppErrorCode.INVALID_ARGUMENT,
          `include(): namespace ${JSON.stringify(namespace)} must be a word such as "blog"`,
        );
      }
      if (this.children.some((entry) => entry.namespace === namespace)) {
        throw new AppError(
          AppErrorCode.BAD_INCLUDE,
          `include(): another included app already has the namespace ${JSON.stringify(namespace)}`,
        );
      }
    }
    const converters = new Map(this.converters);
    for (const [name, converter] of child.converters) {
      const mine = converters.get(name);
      if (mine !== undefined && mine !== converter) {
        throw new RouterError(
          RouterErrorCode.BAD_CONVERTER,
          `include(): the sub-app's converter "${name}" differs from this app's converter of that name`,
        );
      }
      converters.set(name, converter);
    }
    const lifted: RouteDef[] = child.defs.map((def) => ({
      ...def,
      pattern: prefix + def.pattern,
      name:
        def.name === undefined || namespace === undefined ? def.name : `${namespace}:${def.name}`,
    }));
    const defs = [...this.defs, ...lifted];
    const routers = this.#buildRouters(defs, converters);
    // Nothing can fail from here on.
    for (const [name, converter] of converters) this.converters.set(name, converter);
    this.defs = defs;
    this.routers = routers;
    this.children.push({ prefix, registry: child, namespace });
    child.parent = this;
    child.namespaceInParent = namespace;
    child.frozen = 'was included in another app';
  }

  /**
   * Mounts a TSGI app under `prefix`.
   *
   * @throws {@link AppError} `BAD_PREFIX` for a bad or taken prefix; `BAD_VIEW` for a non-function.
   */
  mount(prefix: string, app: Application): void {
    checkPrefix(prefix, 'mount()', false);
    if (typeof app !== 'function') {
      throw new AppError(AppErrorCode.BAD_VIEW, 'mount(): expected a TSGI application function');
    }
    if (this.mounts.some((mount) => mount.prefix === prefix)) {
      throw new AppError(
        AppErrorCode.BAD_PREFIX,
        `mount(): an app is already mounted at ${JSON.stringify(prefix)}`,
      );
    }
    this.mounts.push({ prefix, app });
  }

  /** Every route, as {@link EchoNext.routes} lists them. */
  routeInfos(): RouteInfo[] {
    return this.defs.map((def) => ({
      kind: def.kind,
      methods: def.kind === 'http' ? def.methods : [],
      pattern: def.pattern,
      name: def.name,
      app: def.owner,
    }));
  }

  /**
   * The path of the named route: in this app's namespace first, then as a
   * full name from the top app; with `rootPath` when given a context.
   *
   * @throws `RouterError` `UNKNOWN_ROUTE_NAME` or `BAD_PARAM`.
   */
  urlFor(name: string, params: RouteParams = NO_PARAMS, context?: UrlForContext): string {
    let top: AppRegistry = this;
    let qualified = name;
    while (top.parent !== null) {
      if (top.namespaceInParent !== undefined) {
        qualified = `${top.namespaceInParent}:${qualified}`;
      }
      top = top.parent;
    }
    const path =
      qualified === name || top.routers.names.has(qualified)
        ? pathFor(top.routers, qualified, params)
        : pathFor(top.routers, name, params);
    return context === undefined ? path : encodeRootPath(context.scope.rootPath) + path;
  }

  /** Whether this app is `registry`'s app or is included in it, at any depth. */
  #isInside(registry: AppRegistry): boolean {
    for (let at: AppRegistry | null = this; at !== null; at = at.parent) {
      if (at === registry) return true;
    }
    return false;
  }

  #buildRouters(defs: readonly RouteDef[], converters: Map<string, Converter>): Routers {
    return buildRouters(defs, this.options.trailingSlash ?? 'redirect', converters.values());
  }
}
