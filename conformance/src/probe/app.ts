/**
 * The probe: the TSGI application the conformance suite runs on the server
 * under test. Its behaviour is chosen by the request: the route is the path
 * after `rootPath` (or the `x-probe-route` header, for cases whose path is
 * the thing under test), and the `x-probe-token` header or `token` query
 * parameter names the exchange in the probe's records, which the suite reads
 * back through `/_probe/results/<token>` (see `registry.ts` for where they
 * are kept when the server runs several processes).
 *
 * The probe behaves correctly unless a route says it misbehaves on purpose.
 * It loads nothing but Node.js built-ins, so that any server can load it as
 * `/abs/path/probe/app.js:app` (or as the module's default export).
 *
 * @module
 */

import type {
  Application,
  HttpReceiveEvent,
  HttpScope,
  HttpSendEvent,
  LifespanReceiveEvent,
  LifespanScope,
  LifespanSendEvent,
  Receive,
  Scope,
  Send,
  WebSocketReceiveEvent,
  WebSocketScope,
  WebSocketSendEvent,
} from 'tsgi';
import {
  INSTANCE_ENV,
  LIFESPAN_ENV,
  LIFESPAN_STATE,
  type LifespanMode,
  PROBE_NAME,
  ROUTE_HEADER,
  STARTUP_DELAY_ENV,
  startupFailureMessage,
  TOKEN_HEADER,
} from './constants.js';
import { contractRoutes } from './contract-routes.js';
import { edgeRoutes } from './edge-routes.js';
import { type Exchange, header, queryOf, respondJson, sleep } from './exchange.js';
import { httpRoutes, type Route } from './http-routes.js';
import { logLine, registry } from './registry.js';
import { session, sessionRoutes } from './ws-routes.js';

/** The route of a scope: the `x-probe-route` header, else the path after `rootPath`. */
function routeOf(scope: HttpScope | WebSocketScope): string {
  const forced = header(scope.headers, ROUTE_HEADER);
  if (forced !== null) return forced;
  const path = typeof scope.path === 'string' ? scope.path : '';
  const root = typeof scope.rootPath === 'string' ? scope.rootPath : '';
  return (path.startsWith(root) ? path.slice(root.length) : path) || '/';
}

function tokenOf(scope: HttpScope | WebSocketScope): string | null {
  return header(scope.headers, TOKEN_HEADER) ?? queryOf(scope.queryString).get('token');
}

function noteRequest(): void {
  const facts = registry.lifespan;
  facts.requests += 1;
  if (facts.calls === 0) facts.requestsBeforeLifespan += 1;
  else if (facts.startupAt !== null && facts.completeAt === null) facts.requestsBeforeReady += 1;
}

const control: Record<string, (exchange: Exchange, argument: string) => Promise<void>> = {
  ping: (exchange) =>
    respondJson(exchange, {
      probe: PROBE_NAME,
      instance: process.env[INSTANCE_ENV] ?? null,
      pid: process.pid,
    }),
  results: async (exchange, token) => {
    // With shared records the report may come from a process still writing it.
    const value = await registry.awaitResult(token);
    await respondJson(
      exchange,
      value === undefined ? { found: false } : { found: true, value },
      value === undefined ? 404 : 200,
    );
  },
  seen: (exchange, token) => respondJson(exchange, { calls: registry.calls(token) }),
  release: async (exchange, token) => {
    registry.release(token);
    await respondJson(exchange, { released: true });
  },
  lifespan: (exchange) => respondJson(exchange, { ...registry.lifespan }),
};

async function http(
  scope: HttpScope,
  receive: () => Promise<HttpReceiveEvent>,
  send: (event: HttpSendEvent) => Promise<void>,
): Promise<void> {
  const route = routeOf(scope);
  const exchange: Exchange = {
    scope,
    receive,
    send,
    route,
    token: tokenOf(scope),
    query: queryOf(scope.queryString),
  };
  const controlMatch = /^\/_probe\/([a-z]+)(?:\/(.*))?$/.exec(route);
  if (controlMatch) {
    const handler = control[controlMatch[1] as string];
    if (handler !== undefined) {
      await handler(exchange, controlMatch[2] ?? '');
      return;
    }
  }
  registry.see(exchange.token);
  noteRequest();
  const handler: Route | undefined =
    httpRoutes[route] ?? edgeRoutes[route] ?? contractRoutes[route];
  if (handler === undefined) {
    await respondJson(exchange, { error: 'no such probe route', route }, 404);
    return;
  }
  await handler(exchange);
}

async function websocket(
  scope: WebSocketScope,
  receive: () => Promise<WebSocketReceiveEvent>,
  send: (event: WebSocketSendEvent) => Promise<void>,
): Promise<void> {
  const token = tokenOf(scope);
  registry.see(token);
  noteRequest();
  const handler = sessionRoutes[routeOf(scope)];
  if (handler === undefined) {
    await receive();
    await send({ type: 'websocket.close', code: 1000 });
    return;
  }
  await handler(session(scope, receive, send, token));
}

async function lifespan(
  scope: LifespanScope,
  receive: () => Promise<LifespanReceiveEvent>,
  send: (event: LifespanSendEvent) => Promise<void>,
): Promise<void> {
  const facts = registry.lifespan;
  facts.calls += 1;
  const version = (scope.tsgi as { version?: unknown } | undefined)?.version;
  facts.version = typeof version === 'string' ? version : String(version);
  const mode = (process.env[LIFESPAN_ENV] ?? 'normal') as LifespanMode;
  const nonce = process.env[INSTANCE_ENV] ?? 'no-instance';
  logLine('lifespan-call', { mode });
  if (mode === 'unsupported-throw')
    throw new Error('the probe does not support lifespan in this mode');
  if (mode === 'unsupported-return') return;
  const first = await receive();
  facts.startupAt = Date.now();
  if (first.type !== 'lifespan.startup') facts.unexpectedFirstEvent = String(first.type);
  logLine('startup', { type: first.type });
  if (mode === 'fail-startup') {
    await send({ type: 'lifespan.startup.failed', message: startupFailureMessage(nonce) });
    return;
  }
  if (mode === 'throw-startup') throw new Error(startupFailureMessage(nonce));
  if (mode === 'return-startup') return;
  facts.stateGiven = scope.state !== null && typeof scope.state === 'object';
  if (facts.stateGiven && scope.state) Object.assign(scope.state, LIFESPAN_STATE);
  // A short pause makes a server that serves before startup completes visible.
  await sleep(Number(process.env[STARTUP_DELAY_ENV] ?? 100));
  facts.completeAt = Date.now();
  logLine('startup-complete');
  await send({ type: 'lifespan.startup.complete' });
  const second = await receive();
  facts.shutdownAt = Date.now();
  logLine('shutdown', { type: second.type });
  await send({ type: 'lifespan.shutdown.complete' });
  logLine('shutdown-complete');
}

/** The probe application. */
export const app: Application = async (
  scope: Scope,
  receive: Receive,
  send: Send,
): Promise<void> => {
  switch (scope.type) {
    case 'http': {
      logLine('request', { path: String(scope.path) });
      try {
        await http(
          scope,
          receive as () => Promise<HttpReceiveEvent>,
          send as (event: HttpSendEvent) => Promise<void>,
        );
      } finally {
        logLine('request-end', { path: String(scope.path) });
      }
      return;
    }
    case 'websocket':
      return websocket(
        scope,
        receive as () => Promise<WebSocketReceiveEvent>,
        send as (event: WebSocketSendEvent) => Promise<void>,
      );
    case 'lifespan':
      return lifespan(
        scope,
        receive as () => Promise<LifespanReceiveEvent>,
        send as (event: LifespanSendEvent) => Promise<void>,
      );
    default:
      throw new Error(
        `the probe does not handle scope type ${JSON.stringify((scope as { type?: unknown }).type)}`,
      );
  }
};

/** A value that is not an application, for the loading cases (LOAD-2). */
export const notAnApp: number = 42;

/** The probe as the module's default export (LOAD-1). */
export default app;
