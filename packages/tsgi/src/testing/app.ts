/**
 * How the harness calls an application: optionally inside `validate()`, with
 * a recorder between the two that sees every event the application sends
 * (even one the validator rejects) and how the application itself settled.
 *
 * The second matters because the validator turns a broken rule into a
 * rejection: an application that returned too early reaches the server as
 * one that threw. The harness judges the application by what it did (returned
 * or threw), and reports the validator's finding beside it.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { Application, Receive, Scope, Send, SendEvent } from '../types.js';
import { validate } from '../validate/validate.js';

/** How one call of the application ended. */
export interface AppEnd {
  /** Whether the application threw (its promise rejected). */
  readonly threw: boolean;
  /** What it threw. */
  readonly error: unknown;
  /**
   * The validator's rejection, when validating and the validator found a
   * broken rule beyond what the application threw; else `null`.
   */
  readonly validation: unknown;
}

/** What a harness call needs to run an application once. */
export interface AppCall {
  /** The application under test. */
  readonly app: Application;
  /** Whether to check it with `validate()`. */
  readonly validated: boolean;
  /** Called with each event the application passes to `send()`, in order. */
  readonly record: (event: SendEvent) => void;
  /** Called once when the call ended. */
  readonly onEnd: (end: AppEnd) => void;
  /** Called with each rule the validator finds broken, as soon as it does. */
  readonly onViolation?: (error: ProtocolError) => void;
}

/**
 * Calls the application after the current synchronous code, so that a test
 * can set up (pause the transport, queue body) before it runs.
 *
 * @returns the promise of the call: the validated application's when
 *   validating. The harness observes it, so leaving it unawaited is safe.
 */
export function runApp(call: AppCall, scope: Scope, receive: Receive, send: Send): Promise<void> {
  const { app, record } = call;
  if (typeof app !== 'function') {
    throw new ProtocolError('APP-1', 'application', 'a function', describeValue(app));
  }
  let inner: { readonly threw: boolean; readonly error: unknown } | null = null;
  const recording: Application = (innerScope, innerReceive, innerSend) => {
    let result: unknown;
    try {
      result = app(innerScope, innerReceive, (event) => {
        record(event);
        return innerSend(event);
      });
    } catch (error) {
      inner = { threw: true, error };
      throw error;
    }
    if (typeof (result as { then?: unknown } | null)?.then !== 'function') {
      const error = new ProtocolError(
        'APP-1',
        'application',
        'a function that returns a promise',
        `a function that returned ${describeValue(result)}`,
      );
      inner = { threw: true, error };
      return Promise.reject(error);
    }
    return (result as Promise<void>).then(
      () => {
        inner = { threw: false, error: undefined };
      },
      (error: unknown) => {
        inner = { threw: true, error };
        throw error;
      },
    );
  };
  const onViolation = call.onViolation;
  const called = call.validated
    ? validate(recording, onViolation === undefined ? {} : { onViolation })
    : recording;
  const promise = Promise.resolve().then(() => called(scope, receive, send));
  promise.then(
    () => call.onEnd({ threw: false, error: undefined, validation: null }),
    (error: unknown) => {
      const seen = inner as { readonly threw: boolean; readonly error: unknown } | null;
      if (seen === null || (seen.threw && seen.error === error)) {
        call.onEnd({ threw: true, error, validation: null });
      } else {
        call.onEnd({ threw: seen.threw, error: seen.error, validation: error });
      }
    },
  );
  return promise;
}
