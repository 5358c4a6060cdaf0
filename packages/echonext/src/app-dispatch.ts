/**
 * Serving a compiled app: each scope goes to its protocol, each request to
 * a mounted app, a route or the automatic answers of the sub-app whose
 * prefix it falls under.
 *
 * The path of a request is kept short: one router lookup, one `Request`
 * (whose fields are parsed only when read), and for a route without
 * middleware the view called directly, its result sent as events without a
 * `Response` in between (see the `reply` module).
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
  WebSocketScope,
} from 'tsgi';
import { isClientDisconnected, routePath } from 'tsgi';
import type { Area, CompiledApp } from './app-compile.js';
import { AppError, AppErrorCode } from './app-errors.js';
import { checkVersion } from './app-options.js';
import type { AppRegistry, MountEntry } from './app-registry.js';
import { missHandler } from './automatic-answers.js';
import type { ErrorScope } from './error-scope.js';
import { hookStep, type LifespanStep, MountedLifespan, serveLifespan } from './lifespan.js';
import { buildChain } from './middleware.js';
import { respond, runView } from './reply.js';
import { Request } from './request.js';
import type { Endpoint, SocketDef } from './route-table.js';
import type { RouteParams } from './router/route.js';
import type { Router } from './router/router.js';
import { runWebSocket, WebSocket, type WebSocketReceive } from './websocket.js';

const NO_PARAMS: RouteParams = Object.freeze({});

function under(path: string, prefix: string): boolean {
  return (
    path.startsWith(prefix) &&
    (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)
  );
}

/**
 * The lifespan steps of `top` and of the apps it includes, in startup order:
 * each app's hooks, then its mounted apps, then its sub-apps. Every app of
 * the tree takes `state` as its state.
 */
function lifespanSteps(top: AppRegistry, state: Record<string, unknown>): LifespanStep[] {
  const steps: LifespanStep[] = [];
  const visit = (app: AppRegistry, prefix: string): void => {
    app.state = state;
    if (app.startup.length > 0 || app.shutdown.length > 0) {
      steps.push(hookStep(app.startup, app.shutdown));
    }
    for (const mount of app.mounts) {
      const at = prefix + mount.prefix;
      steps.push(new MountedLifespan(mount.app, `the app mounted at ${at}`));
    }
    for (const child of app.children) visit(child.registry, prefix + child.prefix);
  };
  visit(top, '');
  return steps;
}

/** Serves the scopes of one compiled app. Internal to the app. */
export class Dispatcher {
  readonly #top: AppRegistry;
  readonly #router: Router<Endpoint>;
  readonly #sockets: Router<SocketDef>;
  readonly #areas: readonly Area[];
  readonly #rootArea: Area;
  readonly #mounts: readonly MountEntry[] | null;

  /**
   * @param top - the registry of the app served.
   * @param compiled - what compiling it gave.
   */
  constructor(top: AppRegistry, compiled: CompiledApp) {
    this.#top = top;
    this.#router = compiled.http;
    this.#sockets = compiled.sockets;
    this.#areas = compiled.areas;
    this.#rootArea = compiled.rootArea;
    this.#mounts = compiled.mounts;
  }

  /**
   * Serves one scope: the app as a TSGI application.
   *
   * @throws {@link AppError} `UNSUPPORTED_SCOPE` (as a rejection) for a scope type it does not know (APP-3).
   */
  serve(scope: Scope, receive: Receive, send: Send): Promise<void> {
    // VER-3, on every call: a `1.` prefix is checked by two character codes.
    const version = scope.tsgi?.version;
    if (
      typeof version !== 'string' ||
      version.charCodeAt(0) !== 0x31 ||
      version.charCodeAt(1) !== 0x2e
    ) {
      try {
        checkVersion(version);
      } catch (error) {
        return Promise.reject(error);
      }
    }
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

  /** An HTTP request; what throws on the way is a rejection, as from an async function. */
  #http(scope: HttpScope, receive: Receive, send: Send): Promise<void> {
    try {
      return this.#request(scope, receive, send);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #request(given: HttpScope, receive: Receive, send: Send): Promise<void> {
    // Without lifespan, requests still see the state set up before the first request.
    const scope = given.state === undefined ? { ...given, state: { ...this.#top.state } } : given;
    const path = routePath(scope);
    if (this.#mounts !== null) {
      const mounted = this.#mountFor(path);
      if (mounted !== null) return mounted(scope, receive, send);
    }
    const match = this.#router.lookup(scope.method, path);
    if (match.kind === 'found') {
      const endpoint = match.handler;
      const request = new Request(scope, receive, match.params, endpoint.options);
      const errors = endpoint.errors as ErrorScope;
      const view = endpoint.view;
      if (view !== null) return runView(view, request, errors, send);
      return endpoint.run(request).then((response) => respond(response, request, errors, send));
    }
    const area = this.#areaFor(path);
    const request = new Request(scope, receive, undefined, area.options);
    const answer = missHandler(match, area.errors);
    const chain = area.layers.length === 0 ? answer : buildChain(area.layers, answer);
    return chain(request).then((response) => respond(response, request, area.errors, send));
  }

  async #websocket(given: WebSocketScope, receive: Receive, send: Send): Promise<void> {
    const scope = given.state === undefined ? { ...given, state: { ...this.#top.state } } : given;
    const path = routePath(scope);
    const mounted = this.#mountFor(path);
    if (mounted !== null) return mounted(scope, receive, send);
    const match = this.#sockets.lookup('GET', path);
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
    return runWebSocket(ws, match.handler.handler, this.#top.logger);
  }

  #lifespan(scope: LifespanScope, receive: Receive, send: Send): Promise<void> {
    const top = this.#top;
    return serveLifespan(scope, receive as () => Promise<LifespanReceiveEvent>, send, {
      prepare: (state) => {
        checkVersion(scope.tsgi?.version);
        Object.assign(state, top.state);
        return lifespanSteps(top, state);
      },
    });
  }

  #mountFor(path: string): Application | null {
    const table = this.#mounts;
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
    return this.#rootArea;
  }
}
