/**
 * What the three protocol machines have in common: the shape of a machine and
 * of the verdict it gives when the application settles.
 *
 * A machine is sans-IO: it never touches a socket, a timer or a promise. The
 * code that owns the I/O (a server, the validator, a test harness) reports
 * each thing that happens, and the machine answers with what the rules say
 * to do next, or throws a `ProtocolError` naming the rule that was broken:
 *
 * - `send(event)`: the app called `send(event)`. Returns what the transport
 *   should do.
 * - `receive()`: the app called `receive()`. Returns which event to give it.
 * - `deliver(event)`: the server is about to give the app `event`. Checks it,
 *   so that the same machine can judge a server.
 * - `clientDisconnected()`: the peer went away.
 * - `appReturned()` / `appThrew(error)`: the app's promise settled. Returns a
 *   {@link Settlement}: what the server must still do, and what to log.
 *
 * @module
 */

import { isClientDisconnected, ProtocolError } from '../errors.js';

/**
 * The verdict of a machine once the application's promise has settled: what
 * the server must still do, and what (if anything) it logs.
 *
 * @typeParam Action - the protocol's actions, such as `'respond-500'`.
 */
export interface Settlement<Action extends string> {
  /** What the server must do now. */
  readonly action: Action;
  /** The requirement that prescribes `action`, such as `HTTP-FAIL-1`; `null` for a plain success. */
  readonly requirement: string | null;
  /**
   * What went wrong: the error the app threw, else the rule it broke (see
   * `violation`), else `null`.
   */
  readonly error: unknown;
  /**
   * Whether the server logs `error` as an application error (HTTP-FAIL-4).
   * Never true for a `ClientDisconnectedError` (HTTP-DISC-4).
   */
  readonly log: boolean;
  /**
   * The first rule the application broke, if any: a `ProtocolError` it was
   * given by `send()` (even if it swallowed it), or the rule it broke by
   * settling now, such as HTTP-FAIL-5. The validator rejects with it.
   */
  readonly violation: ProtocolError | null;
}

/**
 * The answer to a send once the client is gone: the server rejects that
 * `send()` with `ClientDisconnectedError` (HTTP-DISC-2, WS-DISC-1).
 */
export interface DisconnectedAction {
  /** The action. */
  readonly kind: 'disconnected';
}

/**
 * The interface the three machines share, so that drivers (the validator, a
 * test harness) can treat them alike.
 *
 * @typeParam State - the machine's state names.
 * @typeParam SendAction - what `send()` tells the transport to do.
 * @typeParam ReceiveAction - what `receive()` tells the server to deliver.
 * @typeParam ReceiveEvent - the events the app receives.
 * @typeParam Action - the settlement actions.
 */
export interface ProtocolMachine<
  State extends string,
  SendAction,
  ReceiveAction,
  ReceiveEvent,
  Action extends string,
> {
  /** The current state; see each machine's transition table. */
  readonly state: State;
  /** The app called `send(event)`: checks it and says what the transport does. */
  send(event: unknown): SendAction;
  /** The app called `receive()`: says which event it gets. */
  receive(): ReceiveAction;
  /** The server gives the app `event`: checks it and records it. */
  deliver(event: unknown): ReceiveEvent;
  /** The peer went away. */
  clientDisconnected(): void;
  /** The app's promise resolved. */
  appReturned(): Settlement<Action>;
  /** The app's promise rejected with `error`. */
  appThrew(error: unknown): Settlement<Action>;
}

/**
 * Builds a {@link Settlement}.
 *
 * @param threw - whether the app's promise rejected.
 * @param thrown - what it rejected with.
 * @param quiet - true when the outcome is expected behaviour that the server
 *   reports its own way (lifespan unsupported), so nothing is logged.
 */
export function settlement<Action extends string>(
  action: Action,
  requirement: string | null,
  threw: boolean,
  thrown: unknown,
  violation: ProtocolError | null,
  quiet = false,
): Settlement<Action> {
  const error = threw ? thrown : violation;
  const log = !quiet && (threw || violation !== null) && !isClientDisconnected(error);
  return { action, requirement, error: error ?? null, log, violation };
}

/**
 * The verdict of a plain success: the response is complete and nothing went
 * wrong. One shared frozen object, since it is the verdict of nearly every
 * exchange.
 */
export const settledOk: Settlement<'ok'> = Object.freeze({
  action: 'ok',
  requirement: null,
  error: null,
  log: false,
  violation: null,
});

/** The error for a call the app made after its promise settled (APP-5). */
export function afterSettled(call: 'send()' | 'receive()'): ProtocolError {
  return new ProtocolError(
    'APP-5',
    call,
    'no call after the application settled',
    'a call after it settled',
  );
}
