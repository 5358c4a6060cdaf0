/**
 * The lifespan of an application played by the harness: startup, then
 * shutdown, judged by the sans-IO `LifespanCycle` machine (spec section 5).
 *
 * @module
 */

import { ProtocolError } from '../errors.js';
import {
  LifespanCycle,
  type LifespanReceiveAction,
  type LifespanSendAction,
  type LifespanSettlement,
  type LifespanState,
} from '../protocol/lifespan.js';
import type { Application, LifespanReceiveEvent, LifespanScope, SendEvent } from '../types.js';
import { type AppEnd, runApp } from './app.js';
import { LifespanFailedError } from './errors.js';
import type { LifespanOptions, WaitOptions } from './options.js';
import { buildLifespanScope } from './scope.js';
import { checkTimeout, DEFAULT_TIMEOUT_MS, type Deferred, defer, within } from './wait.js';

/**
 * How startup went: the state the application filled, or, when it settled
 * before its first `receive()`, no lifespan at all (LS-4).
 */
export type LifespanStartup =
  | {
      /** The application supports lifespan and started. */
      readonly supported: true;
      /** The lifespan scope's state, as the application filled it (LS-STATE-1). */
      readonly state: Record<string, unknown>;
    }
  | {
      /** The application does not support lifespan (LS-4). */
      readonly supported: false;
      /** No state: request scopes carry none. */
      readonly state: undefined;
    };

/**
 * The lifespan of one application, played by the harness. Created by
 * {@link openLifespan}; the application is called right after the current
 * synchronous code, and its first `receive()` gives `lifespan.startup`.
 */
export class TestLifespan {
  /** The lifespan scope the application was given. */
  readonly scope: LifespanScope;
  /** The application's promise (inside `validate()` when validating); observed by the harness. */
  readonly settled: Promise<void>;

  readonly #machine = new LifespanCycle();
  readonly #strict: boolean;
  readonly #timeoutMs: number;
  readonly #events: SendEvent[] = [];
  readonly #started = defer<LifespanStartup>();
  readonly #stopped = defer<void>();
  #reader: Deferred<LifespanReceiveEvent> | null = null;
  #stopping = false;
  #settlement: LifespanSettlement | null = null;
  #violation: ProtocolError | null = null;

  /**
   * @param app - the application under test.
   * @param options - see {@link LifespanOptions}.
   */
  constructor(app: Application, options: LifespanOptions = {}) {
    this.#strict = options.strict ?? true;
    this.#timeoutMs = checkTimeout(options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.scope = buildLifespanScope(options.state);
    // Both are awaited only by the test; never let them count as unhandled.
    this.#started.promise.catch(() => {});
    this.#stopped.promise.catch(() => {});
    this.settled = runApp(
      {
        app,
        validated: options.validate ?? true,
        record: (event) => {
          this.#events.push(event);
        },
        onEnd: (end) => this.#settle(end),
        onViolation: (error) => {
          this.#violation ??= error;
        },
      },
      this.scope,
      () => this.#receive(),
      (event) => this.#send(event),
    );
  }

  /** The stage of the dialogue, as the server's machine sees it. */
  get state(): LifespanState {
    return this.#machine.state;
  }

  /** Every event the application passed to `send()` so far, in order. */
  get events(): readonly SendEvent[] {
    return [...this.#events];
  }

  /** How the application settled, once it has. */
  get settlement(): LifespanSettlement | null {
    return this.#settlement;
  }

  /**
   * Waits for the application's answer to `lifespan.startup` (LS-2).
   *
   * @returns the filled state, or `{ supported: false }` when the application
   *   settled before its first `receive()` (LS-4).
   * @throws LifespanFailedError when it sent `lifespan.startup.failed`, or
   *   threw or returned without answering (LS-3); in strict mode a
   *   ProtocolError when it broke a rule; HarnessTimeoutError.
   */
  startup(options: WaitOptions = {}): Promise<LifespanStartup> {
    return within(
      this.#started.promise,
      checkTimeout(options.timeoutMs, this.#timeoutMs),
      () => `the application's answer to lifespan.startup: ${this.#describe()}`,
    );
  }

  /**
   * Gives `lifespan.shutdown` once startup completed, and waits for the
   * answer (LS-5). Resolves at once when there is nothing to shut down: no
   * lifespan support, a failed startup, or an application that already settled.
   *
   * @throws LifespanFailedError when the application sent
   *   `lifespan.shutdown.failed`, or threw or returned without answering; in
   *   strict mode a ProtocolError when it broke a rule; HarnessTimeoutError.
   */
  shutdown(options: WaitOptions = {}): Promise<void> {
    const timeoutMs = checkTimeout(options.timeoutMs, this.#timeoutMs);
    // After a failed startup there is nothing to stop: startup() reported the failure.
    const started = this.#started.promise.then(
      (startup) => startup.supported,
      () => null,
    );
    return within(
      started.then((supported) => {
        if (supported === null || !supported) return;
        if (this.#settlement !== null) return this.#checked();
        if (!this.#stopping) {
          this.#stopping = true;
          this.#giveShutdown();
        }
        return this.#stopped.promise.then(() => this.#checked());
      }),
      timeoutMs,
      () => `the application's answer to lifespan.shutdown: ${this.#describe()}`,
    );
  }

  /** In strict mode, rejects with the first rule the application broke. */
  #checked(): void {
    if (this.#strict && this.#violation !== null) throw this.#violation;
  }

  #receive(): Promise<LifespanReceiveEvent> {
    let action: LifespanReceiveAction;
    try {
      action = this.#machine.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'startup') {
      return Promise.resolve(this.#machine.deliver({ type: 'lifespan.startup' }));
    }
    const reader = defer<LifespanReceiveEvent>();
    this.#reader = reader;
    this.#giveShutdown();
    return reader.promise;
  }

  /** Gives `lifespan.shutdown` to the waiting `receive()`, once the test asked for shutdown. */
  #giveShutdown(): void {
    const reader = this.#reader;
    if (!this.#stopping || reader === null || this.#machine.state !== 'started') return;
    this.#reader = null;
    reader.resolve(this.#machine.deliver({ type: 'lifespan.shutdown' }));
  }

  #send(event: SendEvent): Promise<void> {
    let action: LifespanSendAction;
    try {
      action = this.#machine.send(event);
    } catch (error) {
      if (error instanceof ProtocolError) this.#violation ??= error;
      return Promise.reject(error);
    }
    switch (action.kind) {
      case 'startup-complete':
        this.#started.resolve({ supported: true, state: this.scope.state });
        break;
      case 'startup-failed':
        this.#started.reject(new LifespanFailedError('startup', action.message));
        break;
      case 'shutdown-complete':
        this.#stopped.resolve();
        break;
      case 'shutdown-failed':
        this.#stopped.reject(new LifespanFailedError('shutdown', action.message));
        break;
    }
    return Promise.resolve();
  }

  #settle(end: AppEnd): void {
    const settlement = end.threw ? this.#machine.appThrew(end.error) : this.#machine.appReturned();
    this.#settlement = settlement;
    this.#violation ??=
      (end.validation instanceof ProtocolError ? end.validation : null) ??
      settlement.violation ??
      (settlement.error instanceof ProtocolError ? settlement.error : null);
    const failure = (phase: 'startup' | 'shutdown'): unknown => {
      if (this.#strict && this.#violation !== null) return this.#violation;
      return new LifespanFailedError(phase, settlement.message ?? '', {
        cause: settlement.error ?? undefined,
      });
    };
    switch (settlement.action) {
      case 'unsupported':
        this.#started.resolve({ supported: false, state: undefined });
        break;
      case 'startup-failed':
        // The promise is already rejected when the application sent startup.failed.
        this.#started.reject(failure('startup'));
        break;
      case 'shutdown-failed':
        this.#stopped.reject(failure('shutdown'));
        break;
      default:
        break;
    }
    // An application that returned after startup ends lifespan: nothing is left to stop.
    this.#stopped.resolve();
  }

  /** What the lifespan is doing, for a timeout message. */
  #describe(): string {
    const waiting = this.#reader !== null ? '; the application waits in receive()' : '';
    return `the lifespan is in state ${this.#machine.state}${waiting}`;
  }
}

/**
 * Runs the lifespan of `app`: it is called with a lifespan scope, and its
 * first `receive()` gives `lifespan.startup`.
 *
 * @param app - the application under test.
 * @param options - see {@link LifespanOptions}.
 */
export function openLifespan(app: Application, options: LifespanOptions = {}): TestLifespan {
  return new TestLifespan(app, options);
}
