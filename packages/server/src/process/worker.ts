/**
 * The worker side of the process model: loads the app, serves it through the
 * transport, sends heartbeats from its event loop, counts requests towards
 * `maxRequests`, and stops gracefully when the primary asks or goes away.
 *
 * @module
 */

import type { ServerHandle } from '../handle.js';
import { loadApp } from '../loader.js';
import { getLogger } from '../log/logger.js';
import { configureLogging } from '../log/setup.js';
import { exitCodeFor, oneLine } from './exit.js';
import {
  type FatalMessage,
  isPrimaryMessage,
  WORKER_BOOT_ENV,
  type WorkerBoot,
  type WorkerMessage,
} from './messages.js';

/** How often a worker sends heartbeats for a given `timeout` (seconds): a quarter of it, 50 ms to 1 s. */
export function heartbeatInterval(timeout: number): number {
  return Math.min(1000, Math.max(50, Math.floor((timeout * 1000) / 4)));
}

/** The request quota of one worker: `maxRequests` plus a random 0..`jitter`; 0 means none. */
export function requestQuota(
  maxRequests: number,
  jitter: number,
  random: () => number = Math.random,
) {
  if (maxRequests <= 0) return 0;
  return maxRequests + Math.floor(random() * (jitter + 1));
}

function send(message: WorkerMessage, callback?: () => void): void {
  if (process.send === undefined || !process.connected) {
    callback?.();
    return;
  }
  try {
    process.send(message, undefined, {}, () => callback?.());
  } catch {
    callback?.();
  }
}

/** Reads the boot settings the primary put in this worker's environment. */
export function readBoot(env: NodeJS.ProcessEnv = process.env): WorkerBoot {
  const text = env[WORKER_BOOT_ENV];
  if (text === undefined)
    throw new Error(`${WORKER_BOOT_ENV} is not set: this module runs as a worker of tsgi serve`);
  // The app should not see it, nor pass it on to processes it starts.
  delete env[WORKER_BOOT_ENV];
  return JSON.parse(text) as WorkerBoot;
}

/**
 * Runs this process as a worker: sends heartbeats at once, then loads the app
 * and serves it. A failure to start is reported to the primary as a fatal
 * message and ends the process.
 */
export async function runWorker(boot: WorkerBoot = readBoot()): Promise<void> {
  const { options } = boot;
  const loggers = configureLogging(options);
  const logger = getLogger();
  let handle: ServerHandle | undefined;
  let starting: Promise<ServerHandle> | null = null;
  let stopping = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.debug(`worker ${boot.id} stopping (${reason})`);
    try {
      // Asked to stop while starting: once its server listens, the primary may
      // hand it connections, so the server is closed gracefully once it exists.
      const current = handle ?? (await starting?.catch(() => undefined));
      await current?.close();
    } catch (error) {
      logger.error(`worker ${boot.id}: error while stopping`, error);
    }
    if (heartbeat) clearInterval(heartbeat);
    await exitAllowed();
    loggers.close();
    process.exit(0);
  };

  // With round-robin scheduling the primary may be handing this worker a
  // connection right now; node sends such connections back as long as the
  // worker is alive to answer, so exit only once the primary says so.
  let allowExit: (() => void) | null = null;
  const exitAllowed = () =>
    new Promise<void>((resolve) => {
      if (process.send === undefined || !process.connected) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, 2000);
      allowExit = () => {
        clearTimeout(timer);
        resolve();
      };
      send({ tsgi: 'exiting' });
    });

  // The line tells whoever rotated the files that the old ones are closed.
  const reopenLogs = () => {
    loggers.reopen();
    logger.info(`worker ${boot.id} reopened the log files`);
  };

  // Listen before sending anything: the primary takes any message from this
  // worker as proof that its own messages are heard from then on.
  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    if (message.tsgi === 'stop') void stop('asked by the primary');
    else if (message.tsgi === 'reopen-logs') reopenLogs();
    else if (message.tsgi === 'exit-ok') allowExit?.();
  });
  if (options.timeout > 0) {
    heartbeat = setInterval(() => send({ tsgi: 'heartbeat' }), heartbeatInterval(options.timeout));
    heartbeat.unref();
  }
  send({ tsgi: 'heartbeat' });
  // The primary coordinates Ctrl-C for the whole group; a worker acts on it only through the primary.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => {});
  process.on('SIGUSR1', reopenLogs);
  // Without a primary nobody would stop or replace this worker.
  process.on('disconnect', () => void stop('the primary is gone'));

  try {
    const { app } = await loadApp(options.app, boot.cwd);
    const { serve } = await import('../serve.js');
    if (stopping) return;
    starting = serve(app, options);
    handle = await starting;
  } catch (error) {
    // Asked to stop meanwhile: the failure no longer matters, and stop() exits.
    if (stopping) return;
    logger.debug(`worker ${boot.id} failed to start`, error);
    const fatal: FatalMessage = {
      tsgi: 'fatal',
      message: oneLine(error),
      exitCode: exitCodeFor(error),
      code:
        typeof (error as { code?: unknown })?.code === 'string'
          ? (error as { code: string }).code
          : null,
    };
    loggers.close();
    send(fatal, () => process.exit(fatal.exitCode));
    return;
  }

  // stop() closes the server it waited for.
  if (stopping) return;
  const quota = requestQuota(options.maxRequests, options.maxRequestsJitter);
  if (quota > 0) {
    if (handle.onRequestServed === undefined) {
      logger.warning('--max-requests is set, but this transport does not count requests');
    } else {
      let served = 0;
      handle.onRequestServed(() => {
        served++;
        if (served === quota) send({ tsgi: 'retire', served });
      });
    }
  }
  send({ tsgi: 'ready', addresses: [...handle.addresses] });
}
