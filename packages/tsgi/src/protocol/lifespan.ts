/**
 * The lifespan protocol machine: one {@link LifespanCycle} per process.
 *
 * Lifespan is a strict dialogue, so one table holds both directions
 * ({@link LIFESPAN_TRANSITIONS}): the server says `lifespan.startup`, the app
 * answers with exactly one of `startup.complete` and `startup.failed`; later
 * the server says `lifespan.shutdown` and the app answers once again. Events
 * of the server pass through {@link LifespanCycle.deliver}, replies of the app
 * through {@link LifespanCycle.send}; each is looked up in the same table.
 *
 * Whether the app supports lifespan at all is decided by whether it called
 * `receive()` before settling (LS-4), which is why `receive()` is reported to
 * the machine even though it carries no event.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { LifespanReceiveEvent } from '../types.js';
import { eventType, readText } from './fields.js';
import { afterSettled, type ProtocolMachine, type Settlement, settlement } from './machine.js';

/**
 * The stage of the dialogue:
 *
 * - `idle`: `lifespan.startup` not given yet.
 * - `starting`: `lifespan.startup` given; the app's reply is due.
 * - `started`: the app answered `lifespan.startup.complete`; the server serves.
 * - `startup-failed`: the app answered `lifespan.startup.failed`.
 * - `stopping`: `lifespan.shutdown` given; the app's reply is due.
 * - `stopped`: the app answered `lifespan.shutdown.complete`.
 * - `shutdown-failed`: the app answered `lifespan.shutdown.failed`.
 * - `failed`: the app broke a rule while a reply was due.
 */
export type LifespanState =
  | 'idle'
  | 'starting'
  | 'started'
  | 'startup-failed'
  | 'stopping'
  | 'stopped'
  | 'shutdown-failed'
  | 'failed';

/** The event types of the lifespan protocol, both directions. */
export type LifespanEventType =
  | 'lifespan.startup'
  | 'lifespan.startup.complete'
  | 'lifespan.startup.failed'
  | 'lifespan.shutdown'
  | 'lifespan.shutdown.complete'
  | 'lifespan.shutdown.failed';

/**
 * The legal events, state by state. `lifespan.startup` and
 * `lifespan.shutdown` come from the server, the others from the app.
 */
export const LIFESPAN_TRANSITIONS: {
  readonly [S in LifespanState]: { readonly [E in LifespanEventType]?: LifespanState };
} = {
  idle: { 'lifespan.startup': 'starting' },
  starting: {
    'lifespan.startup.complete': 'started',
    'lifespan.startup.failed': 'startup-failed',
  },
  started: { 'lifespan.shutdown': 'stopping' },
  'startup-failed': {},
  stopping: {
    'lifespan.shutdown.complete': 'stopped',
    'lifespan.shutdown.failed': 'shutdown-failed',
  },
  stopped: {},
  'shutdown-failed': {},
  failed: {},
};

/** The app reported success: serve (startup), or finish stopping (shutdown). */
export interface LifespanCompleteAction {
  /** Which phase completed. */
  readonly kind: 'startup-complete' | 'shutdown-complete';
}

/**
 * The app reported failure: stop with a non-zero exit status and show the
 * message (startup, LS-3), or log it and finish stopping (shutdown).
 */
export interface LifespanFailedAction {
  /** Which phase failed. */
  readonly kind: 'startup-failed' | 'shutdown-failed';
  /** The app's message; empty when it gave none. */
  readonly message: string;
}

/** What {@link LifespanCycle.send} tells the server. */
export type LifespanSendAction = LifespanCompleteAction | LifespanFailedAction;

/** Give the app `lifespan.startup` now (LS-2). */
export interface LifespanStartupAction {
  /** The action. */
  readonly kind: 'startup';
}

/** Give the app `lifespan.shutdown` when the server stops (LS-5). */
export interface LifespanWaitAction {
  /** The action. */
  readonly kind: 'wait';
}

/** What {@link LifespanCycle.receive} tells the server to give the app. */
export type LifespanReceiveAction = LifespanStartupAction | LifespanWaitAction;

/**
 * What the server does once the app settled:
 *
 * - `unsupported`: the app settled before its first `receive()`; log that
 *   once and serve without lifespan and without state (LS-4).
 * - `startup-failed`: stop with a non-zero exit status and show `message` (LS-3).
 * - `shutdown-failed`: log `message` and finish stopping (LS-6).
 * - `ok`: nothing to do. When the app returned after startup, before
 *   `lifespan.shutdown`, the server skips the shutdown dialogue.
 */
export type LifespanSettleAction = 'unsupported' | 'startup-failed' | 'shutdown-failed' | 'ok';

/** A {@link Settlement} with the message a failure shows. */
export interface LifespanSettlement extends Settlement<LifespanSettleAction> {
  /** For the failure actions, the message to show; else `null`. */
  readonly message: string | null;
}

const STARTUP: LifespanReceiveAction = Object.freeze({ kind: 'startup' });
const WAIT: LifespanReceiveAction = Object.freeze({ kind: 'wait' });

const APP_EVENTS: ReadonlySet<string> = new Set([
  'lifespan.startup.complete',
  'lifespan.startup.failed',
  'lifespan.shutdown.complete',
  'lifespan.shutdown.failed',
]);

/**
 * The state machine of the lifespan protocol. Pure: no I/O, no timers.
 */
export class LifespanCycle
  implements
    ProtocolMachine<
      LifespanState,
      LifespanSendAction,
      LifespanReceiveAction,
      LifespanReceiveEvent,
      LifespanSettleAction
    >
{
  #state: LifespanState = 'idle';
  #failedFrom: LifespanState = 'idle';
  #receiveCalled = false;
  #startupIssued = false;
  #settled = false;
  #message: string | null = null;
  #violation: ProtocolError | null = null;

  /** The stage of the dialogue. */
  get state(): LifespanState {
    return this.#state;
  }

  /** Whether the app has called `receive()`; if not when it settles, it does not support lifespan. */
  get receiveCalled(): boolean {
    return this.#receiveCalled;
  }

  /**
   * The app called `send(event)`.
   *
   * @returns what the server does with the reply.
   * @throws ProtocolError naming the rule the event breaks (APP-5 after the app settled).
   */
  send(event: unknown): LifespanSendAction {
    if (this.#settled) throw afterSettled('send()');
    if (this.#state === 'failed') throw this.#violation;
    try {
      return this.#send(event);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#violation ??= error;
        if (this.#state === 'starting' || this.#state === 'stopping') {
          this.#failedFrom = this.#state;
          this.#state = 'failed';
        }
      }
      throw error;
    }
  }

  /**
   * The app called `receive()`.
   *
   * @throws ProtocolError (APP-5) after the app settled.
   */
  receive(): LifespanReceiveAction {
    if (this.#settled) throw afterSettled('receive()');
    this.#receiveCalled = true;
    if (this.#state === 'idle' && !this.#startupIssued) {
      this.#startupIssued = true;
      return STARTUP;
    }
    return WAIT;
  }

  /**
   * The server gives the app `event`.
   *
   * @returns the same event, typed.
   * @throws ProtocolError naming the server rule the event breaks.
   */
  deliver(event: unknown): LifespanReceiveEvent {
    const type = eventType(event, 'SRV-2', 'received event');
    if (type !== 'lifespan.startup' && type !== 'lifespan.shutdown') {
      throw new ProtocolError(
        'SRV-2',
        'received event type',
        'lifespan.startup or lifespan.shutdown',
        describeValue(type),
      );
    }
    const state = this.#state === 'failed' ? this.#failedFrom : this.#state;
    const next = LIFESPAN_TRANSITIONS[state][type];
    if (next === undefined) throw serverOrderError(state, type);
    this.#state = next;
    return event as LifespanReceiveEvent;
  }

  /** Lifespan has no peer to lose; present so the machines share one interface. */
  clientDisconnected(): void {}

  /** The app's promise resolved. */
  appReturned(): LifespanSettlement {
    return this.#settle(false, undefined);
  }

  /** The app's promise rejected with `error`. */
  appThrew(error: unknown): LifespanSettlement {
    return this.#settle(true, error);
  }

  #send(event: unknown): LifespanSendAction {
    const type = eventType(event, 'SRV-3', 'sent event');
    if (!APP_EVENTS.has(type)) {
      throw new ProtocolError(
        'SRV-3',
        'sent event type',
        'lifespan.startup.complete, .startup.failed, .shutdown.complete or .shutdown.failed',
        describeValue(type),
      );
    }
    const failedReply = type.endsWith('.failed');
    const message = failedReply
      ? readText((event as Record<string, unknown>).message, '', 'LS-7', `${type} message`)
      : '';
    const next = LIFESPAN_TRANSITIONS[this.#state][type as LifespanEventType];
    if (next === undefined) throw appOrderError(this.#state, type);
    this.#state = next;
    if (failedReply) this.#message = message;
    switch (type) {
      case 'lifespan.startup.complete':
        return { kind: 'startup-complete' };
      case 'lifespan.startup.failed':
        return { kind: 'startup-failed', message };
      case 'lifespan.shutdown.complete':
        return { kind: 'shutdown-complete' };
      default:
        return { kind: 'shutdown-failed', message };
    }
  }

  #settle(threw: boolean, error: unknown): LifespanSettlement {
    this.#settled = true;
    let violation = this.#violation;
    if (!this.#receiveCalled) {
      return { ...settlement('unsupported', 'LS-4', threw, error, violation, true), message: null };
    }
    const stage = this.#state === 'failed' ? this.#failedFrom : this.#state;
    switch (stage) {
      case 'idle':
      case 'starting':
      case 'stopping': {
        const startup = stage !== 'stopping';
        if (!threw && this.#state !== 'failed') {
          violation ??= new ProtocolError(
            'LS-6',
            'application',
            startup ? 'a reply to lifespan.startup' : 'a reply to lifespan.shutdown',
            'a return without one',
          );
        }
        const message = threw
          ? errorMessage(error)
          : (violation?.message ?? 'the application settled without a reply');
        return {
          ...settlement(
            startup ? 'startup-failed' : 'shutdown-failed',
            startup ? 'LS-3' : 'LS-6',
            threw,
            error,
            violation,
          ),
          message,
        };
      }
      case 'startup-failed':
        return {
          ...settlement('startup-failed', 'LS-3', threw, error, violation),
          message: this.#message,
        };
      case 'shutdown-failed':
        return {
          ...settlement('shutdown-failed', 'LS-6', threw, error, violation),
          message: this.#message,
        };
      default:
        return { ...settlement('ok', null, threw, error, violation), message: null };
    }
  }
}

/** The rule an app reply breaks in a state where the table has no entry for it. */
function appOrderError(state: LifespanState, type: string): ProtocolError {
  const startupReply = type.startsWith('lifespan.startup.');
  switch (state) {
    case 'idle':
      return new ProtocolError(
        'LS-6',
        type,
        'a reply only after lifespan.startup',
        'it before lifespan.startup',
      );
    case 'starting':
      return new ProtocolError(
        'LS-6',
        type,
        'lifespan.startup.complete or lifespan.startup.failed',
        'a shutdown reply during startup',
      );
    case 'stopping':
      return new ProtocolError(
        'LS-6',
        type,
        'lifespan.shutdown.complete or lifespan.shutdown.failed',
        'a startup reply during shutdown',
      );
    default:
      return startupReply
        ? new ProtocolError('LS-6', type, 'exactly one reply to lifespan.startup', 'a second one')
        : state === 'started' || state === 'startup-failed'
          ? new ProtocolError(
              'LS-6',
              type,
              'a reply only after lifespan.shutdown',
              'it before lifespan.shutdown',
            )
          : new ProtocolError(
              'LS-6',
              type,
              'exactly one reply to lifespan.shutdown',
              'a second one',
            );
  }
}

/** The rule a server event breaks in a state where the table has no entry for it. */
function serverOrderError(state: LifespanState, type: string): ProtocolError {
  if (type === 'lifespan.startup') {
    return new ProtocolError(
      'LS-2',
      type,
      'lifespan.startup once, as the first event',
      'a second one',
    );
  }
  switch (state) {
    case 'idle':
      return new ProtocolError(
        'LS-2',
        type,
        'lifespan.startup as the first event',
        'lifespan.shutdown',
      );
    case 'starting':
      return new ProtocolError(
        'LS-2',
        type,
        "the app's reply to lifespan.startup before anything else",
        'lifespan.shutdown before it',
      );
    case 'startup-failed':
      return new ProtocolError(
        'LS-3',
        type,
        'the server to stop after lifespan.startup.failed',
        'lifespan.shutdown',
      );
    default:
      return new ProtocolError('LS-5', type, 'lifespan.shutdown once', 'a second one');
  }
}

/** The message of a thrown value, for showing (LS-3). */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return describeValue(error);
}
