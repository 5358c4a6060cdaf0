/**
 * `serve(app, options)`: serves one app in this process. It resolves the
 * settings, runs lifespan startup (LS-1, LS-2), creates one node HTTP or
 * HTTPS server per listen target, and returns a handle whose `close()` stops
 * gracefully (LS-5).
 *
 * @module
 */
import type { Server } from 'node:http';
import { type Application, proxyHeaders } from 'tsgi';
import type { BoundAddress, ServerHandle } from './handle.js';
import { createNodeServer } from './http/server.js';
import { ServerState } from './http/state.js';
import { DEFAULT_STARTUP_TIMEOUT, LifespanRunner } from './lifespan/runner.js';
import { bindAll } from './listen/bind.js';
// Registers the WebSocket transport as the handler of upgrade requests.
import './websocket/index.js';
import { listenTargets } from './listen/targets.js';
import { loadTls } from './listen/tls.js';
import { createAccessLogger, getAccessLogger } from './log/access.js';
import { getLogger, type Logger } from './log/logger.js';
import {
  OPTION_NAMES,
  resolveOptions,
  type ServerOptions,
  type ServerOptionsInput,
} from './options.js';

/** Settings of {@link serve} that the options table does not hold. */
export interface ServeExtras {
  /**
   * Seconds to wait for the app's answer to `lifespan.startup` before startup
   * counts as failed (LS-8). Defaults to `DEFAULT_STARTUP_TIMEOUT` (see the lifespan runner).
   */
  readonly lifespanStartupTimeout?: number;
  /** The error log; the process logger by default. */
  readonly logger?: Logger;
}

/** Whether `options` is already a complete, resolved settings object. */
function isResolved(options: ServerOptionsInput): options is ServerOptions {
  for (const name of OPTION_NAMES) if (!(name in options)) return false;
  return true;
}

/** How often idle connections are closed while stopping, in milliseconds. */
const SWEEP_INTERVAL_MS = 100;

/**
 * Races `work` against a timeout of `seconds`. The timer keeps the process
 * alive while it runs (an app waiting on nothing else must still be timed
 * out) and is cleared as soon as the race is decided.
 */
async function within(work: Promise<unknown>, seconds: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), seconds * 1000);
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

/**
 * Serves `app` in this process.
 *
 * @param app - the application.
 * @param options - settings: a complete {@link ServerOptions}, or any subset,
 *   resolved against the defaults (the environment is not read here).
 * @param extras - settings outside the options table.
 * @returns a handle with the bound addresses, `close()` and `inFlight()`.
 * @throws `OptionsError`, `BindError` or `TlsConfigError` for bad settings;
 *   `LifespanStartupError` when lifespan startup fails (LS-3), with the
 *   app's message.
 */
export async function serve(
  app: Application,
  options: ServerOptionsInput = {},
  extras: ServeExtras = {},
): Promise<ServerHandle> {
  const settings = isResolved(options) ? options : resolveOptions(options);
  const logger = extras.logger ?? getLogger();
  const tls = loadTls(settings);
  const targets = listenTargets(settings);

  const lifespan = new LifespanRunner({
    mode: settings.lifespan,
    startupTimeout: extras.lifespanStartupTimeout ?? DEFAULT_STARTUP_TIMEOUT,
    shutdownTimeout: settings.gracefulTimeout,
    logger,
  });
  // LS-1: before any connection is accepted.
  const lifespanState = await lifespan.startup(app);

  const served = settings.proxyHeaders
    ? proxyHeaders({
        trustedProxies: settings.forwardedAllowIps,
        headers: settings.forwardedHeaders,
      })(app)
    : app;
  // The process's access log when one is set up (the CLI does), else one for these settings.
  const accessLogger = settings.accessLog
    ? (getAccessLogger() ?? createAccessLogger(settings))
    : null;
  const state = new ServerState(served, settings, logger, accessLogger);
  state.lifespanState = lifespanState;

  let bound: Awaited<ReturnType<typeof bindAll<Server>>>;
  try {
    bound = await bindAll<Server>(
      targets,
      { backlog: settings.backlog, udsMode: settings.udsMode, secure: tls !== null },
      () => createNodeServer(state, tls),
    );
  } catch (error) {
    await lifespan.shutdown();
    throw error;
  }
  const servers = bound.map((entry) => entry.server);
  const addresses: readonly BoundAddress[] = bound.map((entry) => entry.address);

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    state.closing = true;
    // Stop accepting; node also closes the connections that are idle now.
    const serversClosed = Promise.all(servers.map(closed));
    state.registry.closeAll();
    // Keep-alive connections that go idle while stopping close too; responses
    // sent from now on say `connection: close` themselves.
    const sweep = setInterval(() => {
      for (const server of servers) server.closeIdleConnections();
    }, SWEEP_INTERVAL_MS);
    const finished = Promise.all([state.idle(), state.registry.drained(), serversClosed]);
    const outcome = await within(finished, settings.gracefulTimeout);
    clearInterval(sweep);
    if (outcome === 'timeout') {
      // LS-5: what is still running after the graceful timeout is aborted.
      logger.warning(
        `graceful timeout of ${settings.gracefulTimeout} seconds expired with ${state.active} requests in progress; aborting them`,
      );
      for (const server of servers) server.closeAllConnections();
      state.registry.terminateAll();
    }
    // LS-5: lifespan shutdown comes after the requests.
    await lifespan.shutdown();
    for (const server of servers) server.closeAllConnections();
    await serversClosed;
  };

  return {
    addresses,
    close: () => {
      closing ??= close();
      return closing;
    },
    inFlight: () => state.active,
    onRequestServed: (listener) => state.onServed(listener),
  };
}
