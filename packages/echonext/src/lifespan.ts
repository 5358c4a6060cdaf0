/**
 * Startup and shutdown: the TSGI lifespan protocol on the app's side, and a
 * driver that plays the server's side to a mounted TSGI app so that it gets
 * its own startup and shutdown too.
 *
 * @module
 */

import type {
  Application,
  LifespanReceiveEvent,
  LifespanScope,
  LifespanSendEvent,
  Receive,
  Send,
  TsgiInfo,
} from 'tsgi';

/**
 * A startup or shutdown hook. It gets the lifespan state, the object whose
 * shallow copy every request scope carries (LS-STATE-1), and may fill it.
 * A startup hook that throws fails the startup with its message.
 */
export type LifespanHook = (state: Record<string, unknown>) => void | Promise<void>;

/** One part of startup, with what undoes it at shutdown. */
export interface LifespanStep {
  /**
   * Starts this part.
   *
   * @param tsgi - the `tsgi` field of the lifespan scope.
   * @param state - the lifespan state.
   */
  start(tsgi: TsgiInfo, state: Record<string, unknown>): Promise<void>;
  /** Stops this part; only called when `start` succeeded. */
  stop(): Promise<void>;
}

/** What an app does at startup: prepare itself, then run its steps in order. */
export interface LifespanPlan {
  /**
   * Called at `lifespan.startup`, before any step; a throw fails the startup.
   *
   * @param state - the lifespan state.
   * @returns the steps, in startup order.
   */
  prepare(state: Record<string, unknown>): LifespanStep[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Plays the app's side of the lifespan protocol (LS-6): on
 * `lifespan.startup` it prepares and starts every step in order and answers
 * `startup.complete`, or `startup.failed` with the message of the first
 * failure (LS-7); on `lifespan.shutdown` it stops the started steps in
 * reverse order, all of them even when one fails, and answers
 * `shutdown.complete` or `shutdown.failed`. Events it does not know are
 * ignored (VER-2).
 *
 * @param scope - the lifespan scope.
 * @param receive - the TSGI `receive`.
 * @param send - the TSGI `send`.
 * @param plan - what to start.
 */
export async function serveLifespan(
  scope: LifespanScope,
  receive: () => Promise<LifespanReceiveEvent>,
  send: (event: LifespanSendEvent) => Promise<void>,
  plan: LifespanPlan,
): Promise<void> {
  const started: LifespanStep[] = [];
  for (;;) {
    const event = await receive();
    if (event.type === 'lifespan.startup') {
      try {
        for (const step of plan.prepare(scope.state)) {
          await step.start(scope.tsgi, scope.state);
          started.push(step);
        }
      } catch (error) {
        await send({ type: 'lifespan.startup.failed', message: messageOf(error) });
        return;
      }
      await send({ type: 'lifespan.startup.complete' });
    } else if (event.type === 'lifespan.shutdown') {
      const failures: string[] = [];
      for (let i = started.length - 1; i >= 0; i--) {
        try {
          await (started[i] as LifespanStep).stop();
        } catch (error) {
          failures.push(messageOf(error));
        }
      }
      await send(
        failures.length === 0
          ? { type: 'lifespan.shutdown.complete' }
          : { type: 'lifespan.shutdown.failed', message: failures.join('; ') },
      );
      return;
    }
  }
}

/**
 * A step that runs hooks: the startup hooks in registration order, stopping
 * at the first that throws, and at shutdown every shutdown hook in reverse
 * registration order, throwing afterwards what failed.
 *
 * @param startup - the startup hooks.
 * @param shutdown - the shutdown hooks.
 */
export function hookStep(
  startup: readonly LifespanHook[],
  shutdown: readonly LifespanHook[],
): LifespanStep {
  let state: Record<string, unknown> = {};
  return {
    async start(_tsgi, given) {
      state = given;
      for (const hook of startup) await hook(state);
    },
    async stop() {
      // Every hook runs, so that one failure does not leak the resources of the others.
      const failures: unknown[] = [];
      for (let i = shutdown.length - 1; i >= 0; i--) {
        try {
          await (shutdown[i] as LifespanHook)(state);
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        throw new AggregateError(failures, failures.map(messageOf).join('; '));
      }
    },
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failure nobody waits for yet must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * A step that plays the server's side of the lifespan protocol to a mounted
 * TSGI app, sharing the lifespan state with it. An app that settles (or
 * throws) before its first `receive()` does not support lifespan (LS-4) and
 * is left alone; one that answers `startup.failed`, or throws during
 * startup, fails the whole startup with its message prefixed by `label`.
 */
export class MountedLifespan implements LifespanStep {
  readonly #app: Application;
  readonly #label: string;
  #supported = true;
  readonly #shutdown = defer<void>();
  readonly #stopped = defer<void>();

  /**
   * @param app - the mounted app.
   * @param label - names it in failure messages, such as `the app mounted at /legacy`.
   */
  constructor(app: Application, label: string) {
    this.#app = app;
    this.#label = label;
  }

  start(tsgi: TsgiInfo, state: Record<string, unknown>): Promise<void> {
    const started = defer<void>();
    let receives = 0;
    let phase: 'startup' | 'running' | 'shutdown' | 'done' = 'startup';
    const fail = (what: Deferred<void>, message: string) =>
      what.reject(new Error(`${this.#label}: ${message}`));
    const receive: Receive = () => {
      receives++;
      if (receives === 1) return Promise.resolve({ type: 'lifespan.startup' });
      return this.#shutdown.promise.then(() => {
        phase = 'shutdown';
        return { type: 'lifespan.shutdown' };
      });
    };
    const send: Send = async (event) => {
      if (phase === 'startup' && event.type === 'lifespan.startup.complete') {
        phase = 'running';
        started.resolve();
      } else if (phase === 'startup' && event.type === 'lifespan.startup.failed') {
        phase = 'done';
        fail(started, event.message ?? 'startup failed');
      } else if (phase === 'shutdown' && event.type === 'lifespan.shutdown.complete') {
        phase = 'done';
        this.#stopped.resolve();
      } else if (phase === 'shutdown' && event.type === 'lifespan.shutdown.failed') {
        phase = 'done';
        fail(this.#stopped, event.message ?? 'shutdown failed');
      }
    };
    const scope: LifespanScope = { type: 'lifespan', tsgi, state };
    Promise.resolve()
      .then(() => this.#app(scope, receive, send))
      .then(
        () => {
          if (receives === 0) {
            this.#supported = false;
            started.resolve();
          } else if (phase === 'startup') {
            fail(started, 'returned during startup without answering it');
          }
          // Returning without answering the shutdown counts as done.
          this.#stopped.resolve();
        },
        (error: unknown) => {
          if (receives === 0) {
            this.#supported = false;
            started.resolve();
          } else if (phase === 'startup') {
            fail(started, messageOf(error));
          } else {
            fail(this.#stopped, messageOf(error));
          }
        },
      );
    return started.promise;
  }

  stop(): Promise<void> {
    if (!this.#supported) return Promise.resolve();
    this.#shutdown.resolve();
    return this.#stopped.promise;
  }
}
