/**
 * Compiling an app for serving: every route gets its middleware chain, its
 * error handling and its body limit, every sub-app's prefix gets what answers
 * its misses, and mounted apps get their `rootPath`. Done once, when the app
 * starts serving; requests then only look things up.
 *
 * @module
 */

import { withRootPath } from 'tsgi';
import type { AppRegistry, MountEntry } from './app-registry.js';
import { ErrorScope } from './error-scope.js';
import { buildChain, type Layer, viewHandler } from './middleware.js';
import type { RequestOptions } from './request.js';
import type { Endpoint, SocketDef } from './route-table.js';
import type { Router } from './router/router.js';

/** The part of the path space a sub-app answers misses (404, 405, redirects) for. */
export interface Area {
  /** The prefix of the sub-app, `""` for the app served. */
  readonly prefix: string;
  /** The middleware around the automatic answers there. */
  readonly layers: readonly Layer[];
  /** The error handling there. */
  readonly errors: ErrorScope;
  /** The body limit there. */
  readonly options: RequestOptions;
}

/** An app ready to serve: its routers, with every endpoint compiled, and its prefixes. */
export interface CompiledApp {
  /** The HTTP router; every endpoint has its chain. */
  readonly http: Router<Endpoint>;
  /** The WebSocket router. */
  readonly sockets: Router<SocketDef>;
  /** The sub-apps' areas, longest prefix first. */
  readonly areas: readonly Area[];
  /** The area of the app served. */
  readonly rootArea: Area;
  /** The mounted apps, longest prefix first, each under its `rootPath`; `null` when none. */
  readonly mounts: readonly MountEntry[] | null;
}

/**
 * Compiles the app of `top` and freezes it. The lifespan state of every
 * included app is merged into the top app's, which they share from now on.
 *
 * @param top - the registry of the app being served.
 */
export function compileApp(top: AppRegistry): CompiledApp {
  top.frozen ??= 'has started serving';
  const debug = top.options.debug ?? false;
  const scopes = new Map<AppRegistry, ErrorScope>();
  const layers = new Map<AppRegistry, Layer[]>();
  const limits = new Map<AppRegistry, RequestOptions>();
  // The app served is the root of the tree, even when it is included elsewhere too.
  const parentOf = (app: AppRegistry): AppRegistry | null => (app === top ? null : app.parent);

  const scopeFor = (app: AppRegistry): ErrorScope => {
    let found = scopes.get(app);
    if (found === undefined) {
      const registries = [];
      for (let at: AppRegistry | null = app; at !== null; at = parentOf(at)) {
        registries.push(at.errorHandlers);
      }
      found = new ErrorScope(registries, top.logger, debug);
      scopes.set(app, found);
    }
    return found;
  };
  const layersFor = (app: AppRegistry): Layer[] => {
    let found = layers.get(app);
    if (found === undefined) {
      const parent = parentOf(app);
      const outer = parent === null ? [] : layersFor(parent);
      const errors = scopeFor(app);
      found = [...outer, ...app.middleware.map((middleware) => ({ middleware, errors }))];
      layers.set(app, found);
    }
    return found;
  };
  const optionsFor = (app: AppRegistry): RequestOptions => {
    let found = limits.get(app);
    if (found === undefined) {
      const limit = app.options.bodyLimit;
      const parent = parentOf(app);
      found =
        limit !== undefined ? { bodyLimit: limit } : parent === null ? {} : optionsFor(parent);
      limits.set(app, found);
    }
    return found;
  };
  const registryOf = new Map<unknown, AppRegistry>();
  const collect = (app: AppRegistry): void => {
    registryOf.set(app.app, app);
    for (const child of app.children) collect(child.registry);
  };
  collect(top);

  for (const endpoint of top.routers.endpoints) {
    const { owner, view, bodyLimit } = endpoint.def;
    const app = registryOf.get(owner) as AppRegistry;
    const errors = scopeFor(app);
    const chain = layersFor(app);
    endpoint.errors = errors;
    endpoint.options = bodyLimit === undefined ? optionsFor(app) : { bodyLimit };
    endpoint.run = buildChain(chain, viewHandler(view, errors));
    // Without middleware, the dispatcher calls the view itself and sends its result.
    endpoint.view = chain.length === 0 ? view : null;
  }

  const areas: Area[] = [];
  const mounts: MountEntry[] = [];
  let rootArea: Area | null = null;
  const visit = (app: AppRegistry, prefix: string): void => {
    const area = {
      prefix,
      layers: layersFor(app),
      errors: scopeFor(app),
      options: optionsFor(app),
    };
    if (app === top) rootArea = area;
    else if (prefix !== '') areas.push(area);
    for (const mount of app.mounts) mounts.push({ prefix: prefix + mount.prefix, app: mount.app });
    for (const child of app.children) {
      Object.assign(top.state, child.registry.state);
      child.registry.state = top.state;
      visit(child.registry, prefix + child.prefix);
    }
  };
  visit(top, '');
  // Longest prefix first, so that the most specific sub-app answers.
  areas.sort((a, b) => b.prefix.length - a.prefix.length);
  mounts.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    http: top.routers.http,
    sockets: top.routers.sockets,
    areas,
    rootArea: rootArea as unknown as Area,
    mounts:
      mounts.length === 0
        ? null
        : mounts.map(({ prefix, app }) => ({ prefix, app: withRootPath(prefix)(app) })),
  };
}
