/**
 * The messages the primary process and its workers exchange over the cluster
 * IPC channel. Every message carries a `tsgi` field naming its kind, so that
 * messages of node's own cluster protocol or of the app are ignored.
 *
 * @module
 */
import type { BoundAddress } from '../handle.js';
import type { ServerOptions } from '../options.js';

/** The environment variable that carries a worker's {@link WorkerBoot}. */
export const WORKER_BOOT_ENV = 'TSGI_SERVER_WORKER';

/** What a worker needs to start, passed in its environment at fork time. */
export interface WorkerBoot {
  /** The worker's number, counting from 1 over the life of the primary. */
  id: number;
  /** The resolved settings. */
  options: ServerOptions;
  /** The working directory the app path is relative to. */
  cwd: string;
}

/** Worker to primary: the event loop is alive. */
export interface HeartbeatMessage {
  /** Kind. */
  tsgi: 'heartbeat';
}

/** Worker to primary: listening and lifespan startup done. */
export interface ReadyMessage {
  /** Kind. */
  tsgi: 'ready';
  /** Where the worker listens. */
  addresses: BoundAddress[];
}

/** Worker to primary: served its `maxRequests` quota; please start a replacement. */
export interface RetireMessage {
  /** Kind. */
  tsgi: 'retire';
  /** Requests served. */
  served: number;
}

/** Worker to primary: cannot start (app, bind or lifespan failure); about to exit. */
export interface FatalMessage {
  /** Kind. */
  tsgi: 'fatal';
  /** One line for the user. */
  message: string;
  /** The exit status the server should end with: 2 for usage mistakes, 1 otherwise. */
  exitCode: number;
  /** The error's stable code, when it has one. */
  code: string | null;
}

/**
 * Worker to primary: my servers are closed; may I exit? The primary answers
 * with {@link ExitOkMessage} after it has taken the worker out of connection
 * distribution, so no connection handed to this worker is lost.
 */
export interface ExitingMessage {
  /** Kind. */
  tsgi: 'exiting';
}

/** Any message a worker sends. */
export type WorkerMessage =
  | HeartbeatMessage
  | ReadyMessage
  | RetireMessage
  | FatalMessage
  | ExitingMessage;

/** Primary to worker: stop gracefully and exit. */
export interface StopMessage {
  /** Kind. */
  tsgi: 'stop';
}

/** Primary to worker: reopen log files (after rotation). */
export interface ReopenLogsMessage {
  /** Kind. */
  tsgi: 'reopen-logs';
}

/** Primary to worker: the answer to {@link ExitingMessage}; every message sent before it has arrived. */
export interface ExitOkMessage {
  /** Kind. */
  tsgi: 'exit-ok';
}

/** Any message the primary sends. */
export type PrimaryMessage = StopMessage | ReopenLogsMessage | ExitOkMessage;

const WORKER_KINDS = new Set(['heartbeat', 'ready', 'retire', 'fatal', 'exiting']);
const PRIMARY_KINDS = new Set(['stop', 'reopen-logs', 'exit-ok']);

/** Whether `value` is a message from a worker. */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    WORKER_KINDS.has((value as { tsgi?: unknown }).tsgi as string)
  );
}

/** Whether `value` is a message from the primary. */
export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    PRIMARY_KINDS.has((value as { tsgi?: unknown }).tsgi as string)
  );
}
