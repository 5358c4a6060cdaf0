/**
 * The suite's own watch over one call of the application under test. It
 * sits between the application and the harness (which plays the server and
 * runs the validator), sees every `send()` and `receive()` call, and notes
 * what only a watcher of the calls can see: a synchronous throw or a value
 * that is not a promise (APP-1), overlapping sends (APP-4), calls after the
 * application settled (APP-5), bytes changed after `send()` (APP-6), a scope
 * changed anywhere in its depth (APP-2), and events that break their JSON
 * Schema.
 *
 * It also keeps a broken application from stalling the run: once the
 * application learned the peer is gone, answers are handed over on a later
 * turn of the event loop, so an application that loops on `receive()` after
 * `http.disconnect` lets timers fire; and once it keeps calling long after it
 * learned, or once the case is over, its calls are left pending forever.
 *
 * @module
 */

import { isDeepStrictEqual } from 'node:util';
import {
  type Application,
  isClientDisconnected,
  type Receive,
  type ReceiveEvent,
  type Scope,
  type Send,
} from 'tsgi';
import { checkSentEvent } from './event-checks.js';
import { describeThrown, type Finding } from './finding.js';

/** How many calls an application may make after it learned the peer is gone. */
export const CALLS_AFTER_GONE_LIMIT = 100;

/** The protocol of the observed call; it decides which event means the peer is gone. */
export type ObservedProtocol = 'http' | 'websocket' | 'lifespan' | 'other';

/** Options of an {@link Observer}. */
export interface ObserverOptions {
  /** The protocol of the call. */
  readonly protocol: ObservedProtocol;
  /** Makes the scope the application is given from the harness's (to add unknown fields). */
  readonly scope?: (scope: Scope) => Scope;
  /** Makes each event the application receives from the harness's (to add unknown fields). */
  readonly event?: (event: ReceiveEvent) => ReceiveEvent;
}

/** How the application's call ended, as the observer saw it. */
export interface ObservedEnd {
  /** Whether it threw (its promise rejected, or the function threw). */
  readonly threw: boolean;
  /** What it threw. */
  readonly error: unknown;
  /** When, in `performance.now()` milliseconds. */
  readonly at: number;
}

const DISCONNECT_TYPES: Readonly<Record<ObservedProtocol, string | null>> = {
  http: 'http.disconnect',
  websocket: 'websocket.disconnect',
  lifespan: null,
  other: null,
};

/** The rule an application breaks by calling on and on once the peer is gone. */
const ENDLESS_CALLS_RULE: Readonly<Record<ObservedProtocol, string>> = {
  http: 'HTTP-DISC-5',
  websocket: 'APP-1',
  lifespan: 'APP-1',
  other: 'APP-1',
};

function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** A deep copy of a scope without its `state`, the one part an application may change. */
function snapshot(scope: Scope): unknown {
  const { state: _state, ...rest } = scope as Scope & { state?: unknown };
  try {
    return structuredClone(rest);
  } catch {
    return null;
  }
}

/** Watches one call of an application. Hand {@link Observer.app} to the harness. */
export class Observer {
  /** The application to hand the harness: the one under test, watched. */
  readonly app: Application;
  readonly #options: ObserverOptions;
  readonly #findings: Finding[] = [];
  readonly #sent: unknown[] = [];
  readonly #watched: { original: Uint8Array; copy: Uint8Array; what: string }[] = [];
  #given: Scope | null = null;
  #snapshot: unknown = null;
  #end: ObservedEnd | null = null;
  #sendPending = false;
  #closed = false;
  #disconnectReceived = false;
  #learnedGone = false;
  #callsAfterGone = 0;
  #stalled = false;
  #receives = 0;

  /**
   * @param app - the application under test.
   * @param options - see {@link ObserverOptions}.
   */
  constructor(app: Application, options: ObserverOptions) {
    this.#options = options;
    this.app = (scope, receive, send) => this.#call(app, scope, receive, send);
  }

  /** What the observer found wrong so far, in the order it found it. */
  get findings(): readonly Finding[] {
    return this.#findings;
  }

  /** Every event the application passed to `send()`, in order. */
  get sent(): readonly unknown[] {
    return this.#sent;
  }

  /** How many times the application called `receive()`. */
  get receives(): number {
    return this.#receives;
  }

  /** How the call ended, or `null` while it runs. */
  get end(): ObservedEnd | null {
    return this.#end;
  }

  /** Whether the application was given the event that says the peer is gone. */
  get disconnectReceived(): boolean {
    return this.#disconnectReceived;
  }

  /** Whether the application learned the peer is gone, from `receive()` or from `send()`. */
  get learnedGone(): boolean {
    return this.#learnedGone;
  }

  /**
   * Ends the watch: checks the scope and the sent bytes once more, then
   * leaves every later call of the application pending forever, so that a
   * late call never reaches another case.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#finalChecks();
  }

  #note(finding: Finding): void {
    this.#findings.push(finding);
  }

  #call(app: Application, scope: Scope, receive: Receive, send: Send): Promise<void> {
    const given = this.#options.scope ? this.#options.scope(scope) : scope;
    this.#given = given;
    this.#snapshot = snapshot(given);
    let result: unknown;
    try {
      result = app(
        given,
        () => this.#receive(receive),
        (event) => this.#send(send, event),
      );
    } catch (error) {
      this.#note({
        requirement: 'APP-1',
        what: 'application',
        expected: 'a function that returns a promise, which rejects when it fails',
        actual: `a synchronous throw (${describeThrown(error)})`,
      });
      this.#settle(true, error);
      return Promise.reject(error);
    }
    if (typeof (result as { then?: unknown } | null)?.then !== 'function') {
      this.#note({
        requirement: 'APP-1',
        what: 'application',
        expected: 'a function that returns a promise',
        actual: `a function that returned ${result === undefined ? 'undefined' : typeof result}`,
      });
      const error = new Error('the application did not return a promise');
      this.#settle(true, error);
      return Promise.reject(error);
    }
    return Promise.resolve(result as Promise<void>).then(
      () => this.#settle(false, undefined),
      (error: unknown) => {
        this.#settle(true, error);
        throw error;
      },
    );
  }

  #settle(threw: boolean, error: unknown): void {
    this.#end ??= { threw, error, at: performance.now() };
  }

  /** Checks a call the application makes; returns `false` when the call must be left pending. */
  #admit(call: 'send()' | 'receive()'): boolean {
    if (this.#closed || this.#stalled) return false;
    if (this.#end !== null) {
      this.#note({
        requirement: 'APP-5',
        what: call,
        expected: 'no call after the application settled',
        actual: `a call ${Math.round(performance.now() - this.#end.at)} ms after it settled`,
      });
    }
    if (this.#learnedGone && ++this.#callsAfterGone > CALLS_AFTER_GONE_LIMIT) {
      this.#stalled = true;
      this.#note({
        requirement: ENDLESS_CALLS_RULE[this.#options.protocol],
        what: call,
        expected: 'the application to stop and settle once it learned the peer is gone',
        actual: `more than ${CALLS_AFTER_GONE_LIMIT} calls after it learned`,
      });
      return false;
    }
    return true;
  }

  #receive(receive: Receive): Promise<ReceiveEvent> {
    if (!this.#admit('receive()')) return never();
    this.#receives += 1;
    let inner: Promise<ReceiveEvent>;
    try {
      inner = receive();
    } catch (error) {
      inner = Promise.reject(error);
    }
    const gone = DISCONNECT_TYPES[this.#options.protocol];
    return this.#relay(inner, (ok, value) => {
      if (!ok) return value;
      const event = value as ReceiveEvent;
      if (gone !== null && event.type === gone) {
        this.#disconnectReceived = true;
        this.#learnedGone = true;
      }
      return this.#options.event ? this.#options.event(event) : event;
    });
  }

  #send(send: Send, event: Parameters<Send>[0]): Promise<void> {
    if (!this.#admit('send()')) return never();
    if (this.#sendPending) {
      this.#note({
        requirement: 'APP-4',
        what: 'send()',
        expected: 'no call before the previous send() settled',
        actual: `an overlapping call with ${describeType(event)}`,
      });
    }
    this.#sent.push(event);
    this.#watch(event);
    const problem = checkSentEvent(event);
    if (problem !== null) this.#note(problem);
    this.#sendPending = true;
    let inner: Promise<void>;
    try {
      inner = send(event);
    } catch (error) {
      inner = Promise.reject(error);
    }
    return this.#relay(inner, (ok, value) => {
      this.#sendPending = false;
      if (!ok && isClientDisconnected(value)) this.#learnedGone = true;
      return value;
    });
  }

  /**
   * Hands the harness's answer to the application, after `map` (which sees
   * whether it was a success). Once the application learned the peer is
   * gone, or settled, the answer waits for a later turn of the event loop:
   * an application that calls on and on in a loop then lets timers fire.
   * Before that it comes at once, so that the application's view of events
   * is exactly the validator's.
   */
  #relay<T>(inner: Promise<T>, map: (ok: boolean, value: unknown) => unknown): Promise<T> {
    const later = this.#learnedGone || this.#end !== null;
    const hand = (deliver: () => void): void => {
      if (later) setImmediate(deliver);
      else deliver();
    };
    const relayed = new Promise<T>((resolve, reject) => {
      inner.then(
        (value) =>
          hand(() => {
            if (!this.#closed) resolve(map(true, value) as T);
          }),
        (error: unknown) =>
          hand(() => {
            if (!this.#closed) reject(map(false, error));
          }),
      );
    });
    // An application that drops the promise must not crash the run with an unhandled rejection.
    relayed.catch(() => {});
    return relayed;
  }

  /** Keeps a copy of each byte array in a sent event, to compare later (APP-6). */
  #watch(event: unknown): void {
    if (event === null || typeof event !== 'object') return;
    for (const field of ['body', 'bytes'] as const) {
      const value = (event as Record<string, unknown>)[field];
      if (value instanceof Uint8Array) {
        this.#watched.push({
          original: value,
          copy: value.slice(),
          what: `${describeType(event)} ${field}`,
        });
      }
    }
  }

  #finalChecks(): void {
    for (const { original, copy, what } of this.#watched) {
      if (!isDeepStrictEqual(new Uint8Array(original), copy)) {
        this.#note({
          requirement: 'APP-6',
          what,
          expected: 'the bytes of a Uint8Array passed to send() left unchanged',
          actual: 'bytes changed after send()',
        });
        break;
      }
    }
    const given = this.#given;
    if (given !== null && this.#snapshot !== null) {
      const now = snapshot(given);
      if (!isDeepStrictEqual(now, this.#snapshot)) {
        this.#note({
          requirement: 'APP-2',
          what: 'scope',
          expected:
            'the scope unchanged, in every nested object and array (only scope.state may change)',
          actual: `a change: ${changedPath(this.#snapshot, now) ?? 'the scope'}`,
        });
      }
    }
  }
}

/** The `type` of an event, for a message. */
function describeType(event: unknown): string {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'an event without a type';
}

/** The first path at which two snapshots differ, such as `scope.headers[0]`. */
function changedPath(before: unknown, after: unknown, path = 'scope'): string | null {
  if (isDeepStrictEqual(before, after)) return null;
  if (
    before === null ||
    after === null ||
    typeof before !== 'object' ||
    typeof after !== 'object' ||
    before instanceof Uint8Array
  ) {
    return path;
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const step = Array.isArray(before) ? `${path}[${key}]` : `${path}.${key}`;
    const found = changedPath(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      step,
    );
    if (found !== null) return found;
  }
  return path;
}
