/**
 * The route table of an app: the routes registered on it and on the apps it
 * includes, and the two routers (HTTP and WebSocket) built from them.
 *
 * @module
 */

import type { EchoNext } from './app.js';
import type { ErrorScope } from './error-scope.js';
import type { Handler } from './middleware.js';
import type { RequestOptions } from './request.js';
import type { Converter } from './router/converters.js';
import { RouterError, RouterErrorCode } from './router/errors.js';
import type { RouteParams } from './router/route.js';
import { Router, type TrailingSlashPolicy } from './router/router.js';
import type { ViewFunction } from './views.js';
import type { WebSocketHandler } from './websocket.js';

/** An HTTP route as registered: one view for one or more methods. */
export interface HttpDef {
  readonly kind: 'http';
  readonly methods: readonly string[];
  /** The pattern, relative to the app that holds this definition. */
  readonly pattern: string;
  /** The name, namespaced relative to the app that holds this definition. */
  readonly name: string | undefined;
  readonly view: ViewFunction;
  /** The app the route was registered on. */
  readonly owner: EchoNext;
  readonly bodyLimit: number | undefined;
}

/** A WebSocket route as registered. */
export interface SocketDef {
  readonly kind: 'websocket';
  readonly pattern: string;
  readonly name: string | undefined;
  readonly handler: WebSocketHandler;
  readonly owner: EchoNext;
}

/** Any route as registered. */
export type RouteDef = HttpDef | SocketDef;

const NOT_COMPILED: Handler = () =>
  Promise.reject(new Error('echonext: a route ran before its app was compiled'));

/** A route and its methods as the router of one served app holds it; filled in at compile time. */
export class Endpoint {
  readonly def: HttpDef;
  /** The middleware chain and the view. */
  run: Handler = NOT_COMPILED;
  /** The view alone when no middleware surrounds it, so that it can run without a chain. */
  view: ViewFunction | null = null;
  options: RequestOptions = {};
  errors: ErrorScope | null = null;

  constructor(def: HttpDef) {
    this.def = def;
  }
}

/** The routers of one app and what was registered in them. */
export interface Routers {
  readonly http: Router<Endpoint>;
  readonly sockets: Router<SocketDef>;
  readonly endpoints: Endpoint[];
  readonly names: Map<string, 'http' | 'websocket'>;
}

/** Builds routers holding `defs`; throws the first registration error. */
export function buildRouters(
  defs: readonly RouteDef[],
  policy: TrailingSlashPolicy,
  converters: Iterable<Converter>,
): Routers {
  const list = [...converters];
  const routers: Routers = {
    http: new Router<Endpoint>({ trailingSlash: policy, converters: list }),
    // A WebSocket handshake cannot follow a redirect.
    sockets: new Router<SocketDef>({
      trailingSlash: policy === 'ignore' ? 'ignore' : 'strict',
      converters: list,
    }),
    endpoints: [],
    names: new Map(),
  };
  for (const def of defs) addRoute(routers, def);
  return routers;
}

/**
 * Adds one route to `routers`. A name belongs to one kind of route: an HTTP
 * and a WebSocket route cannot share it.
 *
 * @throws {@link RouterError} for a bad or conflicting pattern or name.
 */
export function addRoute(routers: Routers, def: RouteDef): void {
  const { name } = def;
  if (name !== undefined) {
    const kind = routers.names.get(name);
    if (kind !== undefined && kind !== def.kind) {
      throw new RouterError(
        RouterErrorCode.DUPLICATE_NAME,
        `duplicate route name "${name}": given to an HTTP route and to a WebSocket route`,
        { pattern: def.pattern },
      );
    }
  }
  const options = name === undefined ? {} : { name };
  if (def.kind === 'http') {
    const endpoint = new Endpoint(def);
    routers.http.add(def.methods, def.pattern, endpoint, options);
    routers.endpoints.push(endpoint);
  } else {
    routers.sockets.add('GET', def.pattern, def, options);
  }
  if (name !== undefined) routers.names.set(name, def.kind);
}

/** The path of the route named `name`, HTTP or WebSocket. */
export function pathFor(routers: Routers, name: string, params: RouteParams): string {
  return routers.names.get(name) === 'websocket'
    ? routers.sockets.urlFor(name, params)
    : routers.http.urlFor(name, params);
}
