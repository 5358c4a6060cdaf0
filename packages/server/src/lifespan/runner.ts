/**
 * The lifespan runner: one app call per process that prepares the app
 * before the server accepts connections and cleans up after the last request
 * (section 5). The rules are those of `tsgi`'s {@link LifespanCycle}; this
 * module adds the promises, the timeouts and the logging.
 *
 * Modes: `off` never calls the app for lifespan; `auto` runs it and serves
 * without lifespan when the app settles before its first `receive()` (LS-4);
 * `on` requires lifespan and fails startup in that case.
 *
 * @module
 */
import {
  type Application,
  LifespanCycle,
  type LifespanReceiveEvent,
  type LifespanScope,
  type LifespanSendAction,
  type LifespanSettlement,
  type SendEvent,
  TSGI_VERSION,
  TsgiError,
} from 'tsgi';
import type { Logger } from '../log/logger.js';
import type { LifespanMode } from '../options.js';

/** The code of {@link LifespanStartupError}. */
export const LIFESPAN_ERROR_CODE = 'ERR_TSGI_SERVER_LIFESPAN';

/** The default bound on the wait for `lifespan.startup` to be answered, in seconds (LS-8). */
export const DEFAULT_STARTUP_TIMEOUT = 60;

/**
 * Lifespan startup failed (LS-3): the app sent `lifespan.startup.failed`,
 * threw or returned during startup, or did not answer in time (LS-8). The
 * message carries the app's own message.
 */
export class LifespanStartupError extends TsgiError {
  /**
   * @param message - one line: the app's message, or what happened.
   * @param cause - the error the app threw, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(LIFESPAN_ERROR_CODE, message, cause === undefined ? undefined : { cause });
  }
}

/** How a {@link LifespanRunner} runs. */
export interface LifespanRunnerOptions {
  /** `auto`, `on` or `off`. */
  readonly mode: LifespanMode;
  /** Seconds to wait for the answer to `lifespan.startup` (LS-8). */
  readonly startupTimeout: number;
  /** Seconds to wait for the answer to `lifespan.shutdown` (LS-5). */
  readonly shutdownTimeout: number;
  /** Where failures and the LS-4 notice go. */
  readonly logger: Logger;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
  done: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const result: Deferred<T> = {
    promise,
    resolve(value) {
      if (result.done) return;
      result.done = true;
      resolve(value);
    },
    reject(error) {
      if (result.done) return;
      result.done = true;
      reject(error);
    },
    done: false,
  };
  return result;
}

/** Runs the lifespan protocol for one app. */
export class LifespanRunner {
  readonly #options: LifespanRunnerOptions;
  readonly #cycle = new LifespanCycle();
  readonly #scope: LifespanScope = { type: 'lifespan', tsgi: { version: TSGI_VERSION }, state: {} };
  readonly #startup = deferred<Record<string, unknown> | null>();
  readonly #shutdown = deferred<void>();
  /** A `receive()` waiting for `lifespan.shutdown`. */
  #waiting: Array<(event: LifespanReceiveEvent) => void> = [];
  #shutdownRequested = false;
  /** Whether the app is still in the dialogue, so that stopping must tell it. */
  #running = false;
  #settled = false;

  /** @param options - the mode, the timeouts and the logger. */
  constructor(options: LifespanRunnerOptions) {
    this.#options = options;
  }

  /** The state the app filled during startup (LS-STATE-1). */
  get state(): Record<string, unknown> {
    return this.#scope.state;
  }

  /**
   * Calls the app with the lifespan scope and waits for its answer to
   * `lifespan.startup` (LS-1, LS-2).
   *
   * @returns the state to copy into request scopes, or `null` when the
   *   server serves without lifespan (mode `off`, or LS-4 in mode `auto`).
   * @throws {@link LifespanStartupError} on a failed startup (LS-3, LS-8).
   */
  async startup(app: Application): Promise<Record<string, unknown> | null> {
    const { mode, startupTimeout } = this.#options;
    if (mode === 'off') return null;
    this.#running = true;
    let promise: Promise<void>;
    try {
      promise = Promise.resolve(app(this.#scope, this.#receive, this.#send));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => this.#settle(this.#cycle.appReturned()),
      (error: unknown) => this.#settle(this.#cycle.appThrew(error)),
    );
    const timer = setTimeout(() => {
      this.#startup.reject(
        new LifespanStartupError(
          `lifespan startup did not complete within ${startupTimeout} seconds (LS-8)`,
        ),
      );
    }, startupTimeout * 1000);
    try {
      return await this.#startup.promise;
    } catch (error) {
      this.#running = false;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Gives the app `lifespan.shutdown` and waits for its answer, up to the
   * shutdown timeout (LS-5). Does nothing when lifespan is not running.
   * Failures are logged, never thrown: the server stops either way.
   */
  async shutdown(): Promise<void> {
    if (!this.#running || this.#settled) return;
    this.#shutdownRequested = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve(this.#deliverShutdown());
    const { shutdownTimeout, logger } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), shutdownTimeout * 1000);
    });
    const outcome = await Promise.race([this.#shutdown.promise, expired]);
    clearTimeout(timer);
    this.#running = false;
    if (outcome === 'timeout') {
      logger.error(`lifespan shutdown did not complete within ${shutdownTimeout} seconds (LS-5)`);
    }
  }

  readonly #receive = (): Promise<LifespanReceiveEvent> => {
    let action: ReturnType<LifespanCycle['receive']>;
    try {
      action = this.#cycle.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'startup') {
      return Promise.resolve(this.#cycle.deliver({ type: 'lifespan.startup' }));
    }
    if (this.#shutdownRequested && this.#cycle.state === 'started') {
      return Promise.resolve(this.#deliverShutdown());
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  };

  readonly #send = (event: SendEvent): Promise<void> => {
    let action: LifespanSendAction;
    try {
      action = this.#cycle.send(event);
    } catch (error) {
      // A broken reply while startup is due fails startup at once: the
      // server must not serve on an answer it could not understand.
      if (this.#cycle.state === 'failed' && !this.#startup.done) {
        this.#startup.reject(
          new LifespanStartupError((error as Error).message ?? String(error), error),
        );
      }
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'startup-complete':
        this.#startup.resolve(this.#scope.state);
        break;
      case 'startup-failed':
        this.#startup.reject(new LifespanStartupError(startupMessage(action.message)));
        break;
      case 'shutdown-complete':
        this.#shutdown.resolve();
        break;
      case 'shutdown-failed':
        this.#options.logger.error(`lifespan shutdown failed: ${action.message || '(no message)'}`);
        this.#shutdown.resolve();
        break;
    }
    return Promise.resolve();
  };

  #deliverShutdown(): LifespanReceiveEvent {
    return this.#cycle.deliver({ type: 'lifespan.shutdown' });
  }

  #settle(settlement: LifespanSettlement): void {
    this.#settled = true;
    const { logger, mode } = this.#options;
    switch (settlement.action) {
      case 'unsupported':
        if (mode === 'on') {
          this.#startup.reject(
            new LifespanStartupError(
              'the application does not support lifespan (it settled before calling receive()), but lifespan is set to on',
              settlement.error ?? undefined,
            ),
          );
        } else {
          // LS-4: logged once, below warning, and serving goes on without lifespan.
          logger.info('lifespan is not supported by the application; serving without it');
          if (settlement.error !== null)
            logger.debug('the lifespan call settled with', settlement.error);
          this.#running = false;
          this.#startup.resolve(null);
        }
        break;
      case 'startup-failed':
        this.#startup.reject(
          new LifespanStartupError(
            startupMessage(settlement.message ?? ''),
            settlement.error ?? undefined,
          ),
        );
        break;
      case 'shutdown-failed':
        if (settlement.log && settlement.error !== null) {
          logger.error('exception in the application during lifespan shutdown', settlement.error);
        } else if (!this.#shutdown.done) {
          logger.error(`lifespan shutdown failed: ${settlement.message || '(no message)'}`);
        }
        break;
      default:
        if (settlement.log && settlement.error !== null) {
          logger.error('exception in the application during lifespan', settlement.error);
        }
        // Returning while running ends lifespan: no shutdown event later.
        break;
    }
    this.#shutdown.resolve();
    if (!this.#startup.done) {
      this.#startup.reject(
        new LifespanStartupError('the application settled during lifespan startup'),
      );
    }
  }
}

function startupMessage(message: string): string {
  return message === '' ? 'lifespan startup failed' : `lifespan startup failed: ${message}`;
}
