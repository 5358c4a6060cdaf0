/**
 * The lifespan of the application for one application-mode run, as a server
 * runs it: startup once, before the first request, so that every request
 * and connection gets a shallow copy of the state the application filled
 * (LS-STATE-1); shutdown once, after the last. The lifespan cases read how
 * each went; the other cases only need the state.
 *
 * @module
 */

import { openLifespan, type TestLifespan } from 'tsgi';
import { describeThrown, type Finding, findingOf } from './finding.js';
import { Observer } from './observer.js';
import { type AppSettings, settlesWithin, sleep } from './settings.js';

/** How startup went. */
export type StartupOutcome =
  | {
      /** The application settled before its first `receive()`: no lifespan support (LS-4). */
      readonly kind: 'unsupported';
      /** How it settled, in words. */
      readonly detail: string;
    }
  | {
      /** The application sent `lifespan.startup.complete`. */
      readonly kind: 'complete';
      /** The state it filled. */
      readonly state: Record<string, unknown>;
    }
  | {
      /** The application sent `lifespan.startup.failed`, or threw during startup. */
      readonly kind: 'failed';
      /** Its message. */
      readonly message: string;
    }
  | {
      /** The application broke a rule. */
      readonly kind: 'broken';
      /** The rule. */
      readonly finding: Finding;
    };

/** How shutdown went. */
export type ShutdownOutcome =
  | {
      /** There was nothing to shut down. */
      readonly kind: 'not-started';
      /** Why, in words. */
      readonly why: string;
    }
  | {
      /** The application answered with `lifespan.shutdown.complete` or `.failed`, and settled. */
      readonly kind: 'answered';
      /** The message of `lifespan.shutdown.failed`, or `null` for complete. */
      readonly failure: string | null;
    }
  | {
      /** The application broke a rule. */
      readonly kind: 'broken';
      /** The rule. */
      readonly finding: Finding;
    };

function noAnswer(phase: 'startup' | 'shutdown', ms: number): Finding {
  return {
    requirement: 'LS-6',
    what: `the answer to lifespan.${phase}`,
    expected: `exactly one of lifespan.${phase}.complete and lifespan.${phase}.failed`,
    actual: `neither within ${ms} ms`,
  };
}

/** The lifespan of the application under test, for one run. */
export class LifespanSession {
  readonly #settings: AppSettings;
  readonly #observer: Observer;
  #lifespan: TestLifespan | null = null;
  #startup: Promise<StartupOutcome> | null = null;
  #shutdown: Promise<ShutdownOutcome> | null = null;

  /** @param settings - the run's target and limits. */
  constructor(settings: AppSettings) {
    this.#settings = settings;
    this.#observer = new Observer(settings.app, { protocol: 'lifespan' });
  }

  /** Runs startup once, and tells how it went. */
  startup(): Promise<StartupOutcome> {
    this.#startup ??= this.#start();
    return this.#startup;
  }

  /** The state requests get a copy of: the filled state after a completed startup, else none. */
  async requestState(): Promise<Record<string, unknown> | undefined> {
    const outcome = await this.startup();
    return outcome.kind === 'complete' ? outcome.state : undefined;
  }

  /** Runs shutdown once, after startup, and tells how it went. */
  shutdown(): Promise<ShutdownOutcome> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  /** Ends the lifespan at the end of a run: shuts down if it started, and stops watching. */
  async end(): Promise<void> {
    if (this.#startup !== null) await this.shutdown();
    this.#observer.close();
  }

  async #start(): Promise<StartupOutcome> {
    const { limits } = this.#settings;
    const lifespan = openLifespan(this.#observer.app, {
      strict: true,
      validate: true,
      timeoutMs: limits.lifespanTimeoutMs,
    });
    this.#lifespan = lifespan;
    try {
      const startup = await lifespan.startup();
      const found = this.#observer.findings[0];
      if (found !== undefined) return { kind: 'broken', finding: found };
      if (!startup.supported) {
        const end = this.#observer.end;
        const detail =
          end === null
            ? 'it settled before its first receive()'
            : end.threw
              ? `it threw before its first receive() (${describeThrown(end.error)})`
              : 'it returned before its first receive()';
        return { kind: 'unsupported', detail };
      }
      return { kind: 'complete', state: startup.state };
    } catch (error) {
      const found = this.#observer.findings[0] ?? findingOf(error);
      if (found !== null) return { kind: 'broken', finding: found };
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_TSGI_HARNESS_TIMEOUT') {
        return { kind: 'broken', finding: noAnswer('startup', limits.lifespanTimeoutMs) };
      }
      const message = (error as { appMessage?: unknown }).appMessage;
      return {
        kind: 'failed',
        message: typeof message === 'string' ? message : describeThrown(error),
      };
    }
  }

  async #stop(): Promise<ShutdownOutcome> {
    const started = await this.startup();
    const lifespan = this.#lifespan;
    if (started.kind !== 'complete' || lifespan === null) {
      return {
        kind: 'not-started',
        why:
          started.kind === 'unsupported'
            ? `the app does not support lifespan (${started.detail})`
            : 'startup did not complete',
      };
    }
    const { limits } = this.#settings;
    let failure: string | null = null;
    try {
      await lifespan.shutdown({ timeoutMs: limits.lifespanTimeoutMs });
    } catch (error) {
      const found = this.#observer.findings[0] ?? findingOf(error);
      if (found !== null) return { kind: 'broken', finding: found };
      if ((error as { code?: unknown }).code === 'ERR_TSGI_HARNESS_TIMEOUT') {
        return { kind: 'broken', finding: noAnswer('shutdown', limits.lifespanTimeoutMs) };
      }
      const message = (error as { appMessage?: unknown }).appMessage;
      failure = typeof message === 'string' ? message : describeThrown(error);
    }
    const settled = await settlesWithin(lifespan.settled, limits.settleTimeoutMs);
    if (settled) await sleep(limits.lateWindowMs);
    const found =
      this.#observer.findings[0] ?? findingOf(lifespan.settlement?.violation ?? null) ?? null;
    if (found !== null) return { kind: 'broken', finding: found };
    if (!settled) {
      return {
        kind: 'broken',
        finding: {
          requirement: 'APP-1',
          what: 'the lifespan call',
          expected: 'a promise that settles once the lifespan is over',
          actual: `no settle within ${limits.settleTimeoutMs} ms after the answer to lifespan.shutdown`,
        },
      };
    }
    return { kind: 'answered', failure };
  }
}
