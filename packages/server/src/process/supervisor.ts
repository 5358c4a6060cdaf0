/**
 * The primary process: starts `workers` worker processes with node:cluster
 * and keeps that many running. It replaces a worker that crashed (with
 * exponential backoff), that went silent for `timeout` seconds (SIGKILL), or
 * that served its `maxRequests`; it reloads all workers without downtime on
 * SIGHUP, adds and removes workers on SIGTTIN and SIGTTOU, and stops
 * gracefully on SIGTERM and SIGINT.
 *
 * Replacement always starts the new worker first and stops the old one only
 * once the new one is ready, so that some worker is always accepting.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { BoundAddress } from '../handle.js';
import type { Logger } from '../log/logger.js';
import type { ServerOptions } from '../options.js';
import { ExitCode, WorkerStartError } from './exit.js';
import {
  type FatalMessage,
  isWorkerMessage,
  type PrimaryMessage,
  WORKER_BOOT_ENV,
  type WorkerBoot,
  type WorkerMessage,
} from './messages.js';

/** Timing constants of supervision, replaceable in tests. */
export interface SupervisorTiming {
  /** The delay before the first restart after a crash, in milliseconds. */
  backoffBaseMs: number;
  /** The longest delay between restarts, in milliseconds. */
  backoffMaxMs: number;
  /** A worker that ran at least this long before crashing resets the backoff, in milliseconds. */
  stableAfterMs: number;
  /** Extra time after `gracefulTimeout` before a stopping worker is killed, in milliseconds. */
  stopGraceMs: number;
  /** How long a new worker may take to send its first heartbeat, in milliseconds. */
  bootTimeoutMs: number;
}

/** The default timing: restarts after 0.1 s, 0.2 s, 0.4 s, ... up to 10 s. */
export const DEFAULT_TIMING: SupervisorTiming = {
  backoffBaseMs: 100,
  backoffMaxMs: 10_000,
  stableAfterMs: 10_000,
  stopGraceMs: 5_000,
  bootTimeoutMs: 60_000,
};

/** The delay before the restart that follows `failures` crashes in a row (0 for the first). */
export function backoffDelay(failures: number, timing: SupervisorTiming = DEFAULT_TIMING): number {
  return Math.min(timing.backoffMaxMs, timing.backoffBaseMs * 2 ** failures);
}

type WorkerState = 'starting' | 'ready' | 'retiring' | 'stopping';

interface WorkerRecord {
  id: number;
  worker: Worker;
  pid: number;
  state: WorkerState;
  startedAt: number;
  lastBeat: number | null;
  killedForTimeout: boolean;
  fatal: FatalMessage | null;
  stopTimer: NodeJS.Timeout | null;
  /** Whether a message came from the worker: it listens for messages from then on. */
  listening: boolean;
  /** Whether the worker was listening for messages when it was asked to stop. */
  stopHeard: boolean;
}

/** What the supervisor needs besides the options. */
export interface SupervisorSettings {
  /** The resolved options (`app` must be a module path). */
  options: ServerOptions;
  /** The directory the app path is relative to. */
  cwd: string;
  /** The error logger. */
  logger: Logger;
  /** Reopens this process's log files. */
  reopenLogs?: () => void;
  /** Timing overrides. */
  timing?: Partial<SupervisorTiming>;
}

/** Whether this code runs from TypeScript sources: workers then start from `.ts` too. */
const SOURCE_EXTENSION: string = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The path of the module workers start with. */
export function workerEntryPath(): string {
  return fileURLToPath(new URL(`./worker-entry${SOURCE_EXTENSION}`, import.meta.url));
}

/** Supervises the worker processes of one server. */
export class Supervisor {
  /** Where the workers listen, once the first one is ready. */
  addresses: BoundAddress[] = [];
  /** Resolves with the exit status once every worker is gone after a stop. */
  readonly finished: Promise<number>;

  private readonly options: ServerOptions;
  private readonly settings: SupervisorSettings;
  private readonly logger: Logger;
  private readonly timing: SupervisorTiming;
  private readonly records = new Map<number, WorkerRecord>();
  private desired: number;
  private nextId = 1;
  private failures = 0;
  private respawnTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastWatch = 0;
  private stopping = false;
  private exitCode: number = ExitCode.OK;
  private started = false;
  private resolveFinished!: (code: number) => void;
  private startWaiters: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];

  /** @param settings - options, transport and logger. */
  constructor(settings: SupervisorSettings) {
    this.settings = settings;
    this.options = settings.options;
    this.logger = settings.logger;
    this.timing = { ...DEFAULT_TIMING, ...settings.timing };
    this.desired = settings.options.workers;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** The process IDs of the live workers, oldest first. */
  workerPids(): number[] {
    return [...this.records.values()].map((record) => record.pid);
  }

  /**
   * Starts the workers and resolves once `workers` of them are ready (or
   * once a stop request ended the start; `finished` then says how it ended).
   *
   * @throws `WorkerStartError` when a worker cannot start (a bad app,
   *   an address in use, lifespan startup failure); every worker is stopped first.
   */
  start(): Promise<void> {
    cluster.setupPrimary({ exec: workerEntryPath(), args: [] });
    const waiting = new Promise<void>((resolve, reject) => {
      this.startWaiters = { resolve, reject };
    });
    this.logger.info(
      `primary ${process.pid} starting ${this.desired} worker${this.desired === 1 ? '' : 's'}`,
    );
    this.reconcile();
    if (this.options.timeout > 0) {
      const every = Math.min(1000, Math.max(25, Math.floor((this.options.timeout * 1000) / 4)));
      this.lastWatch = Date.now();
      this.watchdog = setInterval(() => this.watch(every), every);
    }
    return waiting;
  }

  /** Installs the signal handlers: TERM/INT stop, HUP reloads, TTIN/TTOU scale, USR1 reopens logs. */
  installSignalHandlers(): void {
    const on = (signal: NodeJS.Signals, handler: () => void) => {
      process.on(signal, handler);
      this.signalHandlers.push([signal, handler]);
    };
    on('SIGTERM', () => this.stop('SIGTERM'));
    on('SIGINT', () => this.stop('SIGINT'));
    on('SIGHUP', () => this.reload());
    on('SIGTTIN', () => this.scale(+1));
    on('SIGTTOU', () => this.scale(-1));
    on('SIGUSR1', () => this.reopenLogs());
  }

  /** Starts one more worker, or stops one (never below one). */
  scale(change: 1 | -1): void {
    if (this.stopping) return;
    if (change < 0 && this.desired <= 1) {
      this.logger.warning('SIGTTOU: already at one worker; not removing it');
      return;
    }
    this.desired += change;
    this.logger.info(
      `${change > 0 ? 'SIGTTIN' : 'SIGTTOU'}: now ${this.desired} worker${this.desired === 1 ? '' : 's'}`,
    );
    this.reconcile();
  }

  /** Replaces every worker: new ones start, and each old one stops once a new one is ready. */
  reload(): void {
    if (this.stopping) return;
    const current = this.active();
    this.logger.info(
      `SIGHUP: reloading ${current.length} worker${current.length === 1 ? '' : 's'}`,
    );
    for (const record of current) record.state = 'retiring';
    this.reconcile();
  }

  /**
   * Asks workers to reopen their log files, and reopens the primary's. Each
   * process logs a line once its files are reopened, so that whoever rotated
   * them can tell when the old files are no longer written to.
   */
  reopenLogs(): void {
    this.settings.reopenLogs?.();
    this.logger.info('SIGUSR1: reopened the log files');
    for (const record of this.records.values()) this.sendTo(record, { tsgi: 'reopen-logs' });
  }

  /**
   * Stops every worker gracefully; a second call kills them at once.
   * Resolves once all are gone.
   */
  stop(reason = 'stop'): Promise<number> {
    if (this.stopping) {
      if (reason === 'SIGINT' || reason === 'SIGTERM') {
        this.logger.warning(`${reason} again: killing the workers now`);
        for (const record of this.records.values()) record.worker.process.kill('SIGKILL');
      }
      return this.finished;
    }
    this.stopping = true;
    this.logger.info(`${reason}: stopping gracefully (up to ${this.options.gracefulTimeout}s)`);
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
    for (const record of this.records.values()) this.stopWorker(record);
    this.maybeFinish();
    return this.finished;
  }

  private active(): WorkerRecord[] {
    return [...this.records.values()].filter((r) => r.state === 'starting' || r.state === 'ready');
  }

  private reconcile(): void {
    if (this.stopping) return;
    const active = this.active();
    if (active.length < this.desired) {
      if (this.respawnTimer !== null) return;
      for (let i = active.length; i < this.desired; i++) this.spawn();
    } else if (active.length > this.desired) {
      const extra = active.sort((a, b) => a.id - b.id).slice(0, active.length - this.desired);
      for (const record of extra) this.stopWorker(record);
    }
  }

  private spawn(): void {
    const id = this.nextId++;
    const boot: WorkerBoot = {
      id,
      options: this.options,
      cwd: this.settings.cwd,
    };
    const worker = cluster.fork({ [WORKER_BOOT_ENV]: JSON.stringify(boot) });
    const record: WorkerRecord = {
      id,
      worker,
      pid: worker.process.pid ?? 0,
      state: 'starting',
      startedAt: Date.now(),
      lastBeat: null,
      killedForTimeout: false,
      fatal: null,
      stopTimer: null,
      listening: false,
      stopHeard: false,
    };
    this.records.set(id, record);
    this.logger.debug(`worker ${id} (pid ${record.pid}) starting`);
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.onMessage(record, message);
    });
    worker.on('exit', (code, signal) => this.onExit(record, code, signal));
    // An IPC error must not crash the primary; the exit handler does the rest.
    worker.on('error', (error) => this.logger.debug(`worker ${id}: ${error.message}`));
  }

  private onMessage(record: WorkerRecord, message: WorkerMessage): void {
    record.listening = true;
    if (record.state === 'stopping' && !record.stopHeard) {
      // A worker still loading its modules may have missed the request to stop.
      record.stopHeard = true;
      this.sendTo(record, { tsgi: 'stop' });
    }
    switch (message.tsgi) {
      case 'heartbeat':
        record.lastBeat = Date.now();
        break;
      case 'ready':
        this.onReady(record, message.addresses);
        break;
      case 'retire':
        if (record.state === 'ready' && !this.stopping) {
          this.logger.info(
            `worker ${record.id} (pid ${record.pid}) served ${message.served} requests; replacing it`,
          );
          record.state = 'retiring';
          this.reconcile();
        }
        break;
      case 'fatal':
        record.fatal = message;
        this.onFatal(record, message);
        break;
      case 'exiting':
        // Messages are handled in order: node's own request to stop routing
        // connections to this worker came first, so none can follow this answer.
        this.sendTo(record, { tsgi: 'exit-ok' });
        break;
    }
  }

  private onReady(record: WorkerRecord, addresses: BoundAddress[]): void {
    record.lastBeat ??= Date.now();
    if (this.addresses.length === 0) this.addresses = addresses;
    this.logger.info(`worker ${record.id} (pid ${record.pid}) ready`);
    if (record.state === 'starting') {
      record.state = 'ready';
      // One old worker makes way for each new one that is ready.
      const retiring = [...this.records.values()]
        .filter((r) => r.state === 'retiring')
        .sort((a, b) => a.id - b.id)[0];
      if (retiring) this.stopWorker(retiring);
    }
    if (!this.started && this.active().filter((r) => r.state === 'ready').length >= this.desired) {
      this.started = true;
      for (const address of this.addresses) this.logger.info(`listening on ${address.url}`);
      this.startWaiters?.resolve();
      this.startWaiters = null;
    }
  }

  private onFatal(record: WorkerRecord, message: { message: string; exitCode: number }): void {
    if (record.state === 'stopping') {
      // Asked to stop while it was starting (another new worker failed
      // first): it was going away anyway, and the running workers stay.
      this.logger.debug(
        `worker ${record.id} (pid ${record.pid}) failed to start while stopping: ${message.message}`,
      );
      return;
    }
    const retiring = [...this.records.values()].filter((r) => r.state === 'retiring');
    if (this.started && retiring.length > 0 && !this.stopping) {
      // A reload or replacement with a broken app: keep the workers that work.
      this.logger.error(
        `worker ${record.id} (pid ${record.pid}) failed to start: ${message.message}; keeping the running workers`,
      );
      for (const r of retiring) r.state = 'ready';
      for (const r of this.records.values())
        if (r.state === 'starting' && r !== record) this.stopWorker(r);
      record.state = 'stopping';
      return;
    }
    if (this.stopping) return;
    this.exitCode = message.exitCode;
    if (this.startWaiters) {
      this.startWaiters.reject(new WorkerStartError(message.message, message.exitCode));
      this.startWaiters = null;
    } else {
      this.logger.critical(
        `worker ${record.id} (pid ${record.pid}) failed to start: ${message.message}`,
      );
    }
    record.state = 'stopping';
    this.stopping = true;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    for (const r of this.records.values()) if (r !== record) this.stopWorker(r);
  }

  private onExit(record: WorkerRecord, code: number | null, signal: string | null): void {
    if (record.stopTimer) clearTimeout(record.stopTimer);
    this.records.delete(record.id);
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (record.fatal !== null || record.state === 'stopping') {
      this.logger.debug(`worker ${record.id} (pid ${record.pid}) ${how}`);
    } else if (record.state === 'retiring') {
      // Its replacement is already on the way.
      this.logger.warning(`worker ${record.id} (pid ${record.pid}) ${how} while being replaced`);
    } else if (!this.stopping) {
      const lived = Date.now() - record.startedAt;
      if (lived >= this.timing.stableAfterMs) this.failures = 0;
      const delay = backoffDelay(this.failures, this.timing);
      this.failures++;
      const why = record.killedForTimeout
        ? 'was killed after its heartbeat timeout'
        : `${how} unexpectedly`;
      this.logger.error(
        `worker ${record.id} (pid ${record.pid}) ${why}; starting a new one in ${(delay / 1000).toFixed(1)}s`,
      );
      if (this.respawnTimer === null) {
        this.respawnTimer = setTimeout(() => {
          this.respawnTimer = null;
          this.reconcile();
        }, delay);
      }
    }
    this.maybeFinish();
    this.reconcile();
  }

  private stopWorker(record: WorkerRecord): void {
    if (record.state === 'stopping' && record.stopTimer !== null) return;
    record.state = 'stopping';
    this.logger.debug(`worker ${record.id} (pid ${record.pid}) asked to stop`);
    record.stopHeard = record.listening;
    this.sendTo(record, { tsgi: 'stop' });
    const deadline = this.options.gracefulTimeout * 1000 + this.timing.stopGraceMs;
    record.stopTimer = setTimeout(() => {
      this.logger.warning(
        `worker ${record.id} (pid ${record.pid}) still running ${this.options.gracefulTimeout}s after it was asked to stop; killing it`,
      );
      record.worker.process.kill('SIGKILL');
    }, deadline);
    record.stopTimer.unref();
  }

  private sendTo(record: WorkerRecord, message: PrimaryMessage): void {
    try {
      if (record.worker.isConnected()) {
        record.worker.send(message);
        return;
      }
    } catch {
      // The channel closed in between: fall through to a signal.
    }
    if (message.tsgi === 'stop') record.worker.process.kill('SIGTERM');
  }

  private watch(every: number): void {
    const now = Date.now();
    const late = now - this.lastWatch > every * 3;
    this.lastWatch = now;
    // When the primary itself was stalled, heartbeats are waiting unread: judge next round.
    if (late) return;
    const limit = this.options.timeout * 1000;
    for (const record of this.records.values()) {
      if (record.killedForTimeout) continue;
      const silentFor = record.lastBeat === null ? now - record.startedAt : now - record.lastBeat;
      const allowed = record.lastBeat === null ? Math.max(limit, this.timing.bootTimeoutMs) : limit;
      if (silentFor <= allowed) continue;
      record.killedForTimeout = true;
      this.logger.error(
        `worker ${record.id} (pid ${record.pid}) sent no heartbeat for ${(silentFor / 1000).toFixed(1)}s (timeout ${this.options.timeout}s; is its event loop blocked?); killing it`,
      );
      record.worker.process.kill('SIGKILL');
    }
  }

  private maybeFinish(): void {
    if (!this.stopping || this.records.size > 0) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.signalHandlers.length = 0;
    // Stopped by a signal while starting: not a failure; `finished` tells the status.
    this.startWaiters?.resolve();
    this.startWaiters = null;
    this.logger.info('all workers stopped');
    this.resolveFinished(this.exitCode);
  }
}
