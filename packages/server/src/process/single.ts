/**
 * The single-process model: the `tsgi` process itself serves the app, with
 * no supervisor, like uvicorn without `--workers`. Used when no process
 * setting (`--workers`, `--timeout`, `--max-requests`) was given.
 *
 * @module
 */
import type { Application } from 'tsgi';
import type { BoundAddress, ServerHandle } from '../handle.js';
import { loadApp } from '../loader.js';
import type { Logger } from '../log/logger.js';
import type { ServerOptions } from '../options.js';

/** What {@link startSingle} needs. */
export interface SingleSettings {
  /** The resolved options. */
  options: ServerOptions;
  /** The app, when given as a function; otherwise `options.app` is loaded. */
  app?: Application;
  /** The directory the app path is relative to. */
  cwd: string;
  /** The error logger. */
  logger: Logger;
  /** Whether to handle TERM, INT, HUP, TTIN, TTOU and USR1. */
  signals: boolean;
  /** Reopens this process's log files. */
  reopenLogs?: () => void;
}

/** A server running in this process. */
export interface SingleServer {
  /** Where it listens. */
  addresses: readonly BoundAddress[];
  /** Resolves with the exit status once stopped. */
  finished: Promise<number>;
  /** Stops gracefully; resolves with the exit status. */
  stop(reason?: string): Promise<number>;
}

/**
 * Loads the app (unless given) and serves it in this process.
 *
 * @throws the loader's, the binder's or the transport's error when it cannot start.
 */
export async function startSingle(settings: SingleSettings): Promise<SingleServer> {
  const { options, logger } = settings;
  const app = settings.app ?? (await loadApp(options.app, settings.cwd)).app;
  // Imported here, so that a primary process, which serves nothing, never loads it.
  const { serve } = await import('../serve.js');
  const handle: ServerHandle = await serve(app, options);
  logger.info(`serving in one process (pid ${process.pid})`);
  for (const address of handle.addresses) logger.info(`listening on ${address.url}`);

  let resolveFinished!: (code: number) => void;
  const finished = new Promise<number>((resolve) => {
    resolveFinished = resolve;
  });
  const handlers: [NodeJS.Signals, () => void][] = [];
  let stopping = false;

  const stop = (reason = 'stop'): Promise<number> => {
    if (stopping) {
      if (reason === 'SIGINT' || reason === 'SIGTERM') {
        logger.warning(`${reason} again: exiting now`);
        logger.flush();
        process.exit(1);
      }
      return finished;
    }
    stopping = true;
    logger.info(`${reason}: stopping gracefully (up to ${options.gracefulTimeout}s)`);
    handle.close().then(
      () => done(0),
      (error: unknown) => {
        logger.error('error while stopping', error);
        done(1);
      },
    );
    return finished;
  };
  const done = (code: number) => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    logger.info('stopped');
    resolveFinished(code);
  };

  if (settings.signals) {
    const on = (signal: NodeJS.Signals, handler: () => void) => {
      process.on(signal, handler);
      handlers.push([signal, handler]);
    };
    on('SIGTERM', () => void stop('SIGTERM'));
    on('SIGINT', () => void stop('SIGINT'));
    // Reloading needs a supervisor; a hangup still ends the server, but gracefully.
    on('SIGHUP', () => void stop('SIGHUP (reloads need --workers)'));
    const noWorkers = (signal: string) => () =>
      logger.warning(`${signal} ignored: adding or removing workers needs --workers`);
    on('SIGTTIN', noWorkers('SIGTTIN'));
    on('SIGTTOU', noWorkers('SIGTTOU'));
    on('SIGUSR1', () => {
      settings.reopenLogs?.();
      // The line tells whoever rotated the files that the old ones are closed.
      logger.info('SIGUSR1: reopened the log files');
    });
  }
  return { addresses: handle.addresses, finished, stop };
}
