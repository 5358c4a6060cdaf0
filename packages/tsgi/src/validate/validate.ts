/**
 * `validate(app)`: a middleware that checks both sides of the contract at run
 * time, the Rack::Lint of TSGI.
 *
 * Around each call it checks the scope before the app sees it, then drives
 * the protocol machine of the scope's type with every event crossing in
 * either direction: events the app sends go through `machine.send()`, events
 * the server's `receive()` returns through `machine.deliver()`. On top of the
 * machine it checks what only a wrapper can see: overlapping `send()` calls
 * (APP-4), calls after the app settled (APP-5), sending after receiving a
 * disconnect (HTTP-DISC-5, WS-ORDER-1), settling with a send still pending
 * (APP-1), and changes to the scope (APP-2).
 *
 * A broken rule is a `ProtocolError` naming the requirement. If the app broke
 * it, its `send()` (or `receive()`) rejects with the error; if the server did,
 * `receive()` rejects. Either way the first error is recorded, and the
 * validated app's promise rejects with it when the app settles, even when
 * the app swallowed the rejection. Correct apps and servers see the very same
 * event objects pass through.
 *
 * The cost is paid only by wrapped apps: nothing is patched globally.
 *
 * @module
 */

import { isClientDisconnected, ProtocolError } from '../errors.js';
import { HttpExchange, type HttpReceiveAction } from '../protocol/http.js';
import { LifespanCycle } from '../protocol/lifespan.js';
import { afterSettled, type ProtocolMachine } from '../protocol/machine.js';
import { WebSocketSession } from '../protocol/websocket.js';
import type { Application, Receive, ReceiveEvent, Scope, Send, SendEvent } from '../types.js';
import { checkScope } from './scope.js';

/** Options of {@link validate}. */
export interface ValidateOptions {
  /**
   * Called with each rule broken, as soon as it is found, besides the
   * rejection: for a server that logs violations instead of letting the app
   * see them first.
   */
  readonly onViolation?: (error: ProtocolError) => void;
}

type AnyMachine = ProtocolMachine<
  string,
  { readonly kind: string },
  { readonly kind: string },
  ReceiveEvent,
  string
>;

/** What differs between the protocols, beyond their machines. */
interface Rules {
  /** The event type that tells the app the peer is gone. */
  readonly disconnectType: string;
  /** The rule an app breaks by sending (anything the machine calls `disconnected`) after it. */
  readonly afterDisconnect: string | null;
  /** A check of the delivered event against what `receive()` said when it was called. */
  readonly expect:
    | ((action: { readonly kind: string }, type: unknown) => ProtocolError | null)
    | null;
}

const HTTP_RULES: Rules = {
  disconnectType: 'http.disconnect',
  afterDisconnect: 'HTTP-DISC-5',
  // Judged at call time: a receive() called once the response is complete
  // resolves with http.disconnect, whatever arrives later (HTTP-DISC-3).
  expect(action, type) {
    const receive = action as HttpReceiveAction;
    if (receive.kind !== 'disconnect' || type === 'http.disconnect') return null;
    return new ProtocolError(
      receive.requirement,
      'received event',
      receive.requirement === 'HTTP-DISC-3'
        ? 'http.disconnect for a receive() called after the response was complete'
        : 'http.disconnect once the client is gone',
      JSON.stringify(type),
    );
  },
};

const WEBSOCKET_RULES: Rules = {
  disconnectType: 'websocket.disconnect',
  afterDisconnect: 'WS-ORDER-1',
  expect: null,
};

const LIFESPAN_RULES: Rules = { disconnectType: '', afterDisconnect: null, expect: null };

/**
 * Wraps `app` so that every call checks the scope, every event in both
 * directions and the app's use of `receive()` and `send()`, rejecting with a
 * `ProtocolError` that names the requirement broken.
 *
 * @param app - the application to check.
 * @param options - see {@link ValidateOptions}.
 * @returns an application that behaves as `app` does while both sides keep the rules.
 */
export function validate(app: Application, options: ValidateOptions = {}): Application {
  const onViolation = options.onViolation;
  return async function validated(scope, receive, send) {
    try {
      checkScope(scope);
    } catch (error) {
      if (error instanceof ProtocolError) onViolation?.(error);
      throw error;
    }
    let machine: AnyMachine;
    let rules: Rules;
    switch (scope.type) {
      case 'http':
        machine = new HttpExchange(scope);
        rules = HTTP_RULES;
        break;
      case 'websocket':
        machine = new WebSocketSession(scope);
        rules = WEBSOCKET_RULES;
        break;
      case 'lifespan':
        machine = new LifespanCycle();
        rules = LIFESPAN_RULES;
        break;
      default:
        // A scope type this version does not define: not ours to judge.
        return app(scope, receive, send);
    }
    return new Watch(machine, rules, onViolation).run(app, scope, receive, send);
  };
}

/** The state of one validated call. */
class Watch {
  readonly #machine: AnyMachine;
  readonly #rules: Rules;
  readonly #onViolation: ((error: ProtocolError) => void) | undefined;
  #settled = false;
  #sendPending = false;
  #disconnectReceived = false;
  #violation: ProtocolError | null = null;

  constructor(
    machine: AnyMachine,
    rules: Rules,
    onViolation: ((error: ProtocolError) => void) | undefined,
  ) {
    this.#machine = machine;
    this.#rules = rules;
    this.#onViolation = onViolation;
  }

  async run(app: Application, scope: Scope, receive: Receive, send: Send): Promise<void> {
    const keys = Object.keys(scope);
    const values = keys.map((key) => (scope as unknown as Record<string, unknown>)[key]);
    const headerCount = 'headers' in scope ? scope.headers.length : 0;
    let threw = false;
    let thrown: unknown;
    try {
      await app(scope, this.#receiver(receive), this.#sender(send));
    } catch (error) {
      threw = true;
      thrown = error;
    }
    this.#settled = true;
    const outcome = threw ? this.#machine.appThrew(thrown) : this.#machine.appReturned();
    if (this.#sendPending) {
      this.#record(
        new ProtocolError(
          'APP-1',
          'application',
          'to settle once its send() calls have settled',
          'a settle while a send() was pending',
        ),
      );
    }
    const changed = changedScopeField(scope, keys, values, headerCount);
    if (changed !== null) {
      this.#record(
        new ProtocolError(
          'APP-2',
          `scope.${changed}`,
          'the scope unchanged (only the contents of scope.state may change)',
          'a change',
        ),
      );
    }
    if (outcome.violation !== null) this.#record(outcome.violation);
    if (this.#violation !== null) throw this.#violation;
    if (threw) throw thrown;
  }

  #record(error: ProtocolError): ProtocolError {
    if (this.#violation === null) this.#violation = error;
    this.#onViolation?.(error);
    return error;
  }

  #receiver(receive: Receive): Receive {
    return async () => {
      if (this.#settled) throw this.#record(afterSettled('receive()'));
      let action: { readonly kind: string };
      try {
        action = this.#machine.receive();
      } catch (error) {
        throw error instanceof ProtocolError ? this.#record(error) : error;
      }
      const event = await receive();
      try {
        const mismatch = this.#rules.expect?.(action, (event as { type?: unknown } | null)?.type);
        if (mismatch) throw mismatch;
        this.#machine.deliver(event);
      } catch (error) {
        throw error instanceof ProtocolError ? this.#record(error) : error;
      }
      if (event.type === this.#rules.disconnectType) this.#disconnectReceived = true;
      return event;
    };
  }

  #sender(send: Send): Send {
    return (event: SendEvent) => {
      if (this.#settled) return Promise.reject(this.#record(afterSettled('send()')));
      if (this.#sendPending) {
        return Promise.reject(
          this.#record(
            new ProtocolError(
              'APP-4',
              'send()',
              'no call before the previous send() settled',
              'an overlapping call',
            ),
          ),
        );
      }
      let action: { readonly kind: string };
      try {
        action = this.#machine.send(event);
      } catch (error) {
        return Promise.reject(error instanceof ProtocolError ? this.#record(error) : error);
      }
      const afterDisconnect = this.#rules.afterDisconnect;
      if (action.kind === 'disconnected' && this.#disconnectReceived && afterDisconnect !== null) {
        return Promise.reject(
          this.#record(
            new ProtocolError(
              afterDisconnect,
              String(event.type),
              `no such event after receiving ${this.#rules.disconnectType}`,
              'one',
            ),
          ),
        );
      }
      this.#sendPending = true;
      let sent: Promise<void>;
      try {
        sent = send(event);
      } catch (error) {
        this.#sendPending = false;
        return Promise.reject(error);
      }
      return sent.then(
        () => {
          this.#sendPending = false;
        },
        (error: unknown) => {
          this.#sendPending = false;
          if (isClientDisconnected(error)) this.#machine.clientDisconnected();
          throw error;
        },
      );
    };
  }
}

/** The first top-level scope field the app replaced, added or removed, or `null`. */
function changedScopeField(
  scope: Scope,
  keys: string[],
  values: unknown[],
  headerCount: number,
): string | null {
  const fields = scope as unknown as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    if (fields[keys[i]!] !== values[i]) return keys[i]!;
  }
  const now = Object.keys(scope);
  if (now.length !== keys.length) {
    return now.find((key) => !keys.includes(key)) ?? 'keys';
  }
  if ('headers' in scope && Array.isArray(scope.headers) && scope.headers.length !== headerCount) {
    return 'headers';
  }
  return null;
}
