/**
 * The probe's memory: what it saw, kept in the server's process so that the
 * suite can ask for it over HTTP (`/_probe/...`) after an exchange whose own
 * response could not carry it (a dropped connection, an aborted response).
 *
 * @module
 */

import { appendFileSync } from 'node:fs';
import type { Json } from './wire.js';

const MAX_ENTRIES = 2000;

/** Facts about the lifespan protocol as the probe lived it. */
export interface LifespanFacts {
  /** How many times the app was called with a lifespan scope. */
  calls: number;
  /** When `lifespan.startup` arrived (ms since the epoch), or `null`. */
  startupAt: number | null;
  /** When the probe sent `lifespan.startup.complete`, or `null`. */
  completeAt: number | null;
  /** When `lifespan.shutdown` arrived, or `null`. */
  shutdownAt: number | null;
  /** The first receive event type, when it was not `lifespan.startup`. */
  unexpectedFirstEvent: string | null;
  /** The `tsgi.version` of the lifespan scope, or `null`. */
  version: string | null;
  /** Whether the lifespan scope carried a `state` object. */
  stateGiven: boolean | null;
  /** Requests that reached the app after startup began but before startup completed. */
  requestsBeforeReady: number;
  /** Requests that reached the app before any lifespan call. */
  requestsBeforeLifespan: number;
  /** HTTP and WebSocket calls so far. */
  requests: number;
}

/** The probe's in-memory store, one per process. */
export class Registry {
  /** What the probe learned about lifespan. */
  readonly lifespan: LifespanFacts = {
    calls: 0,
    startupAt: null,
    completeAt: null,
    shutdownAt: null,
    unexpectedFirstEvent: null,
    version: null,
    stateGiven: null,
    requestsBeforeReady: 0,
    requestsBeforeLifespan: 0,
    requests: 0,
  };
  private readonly results = new Map<string, Json>();
  private readonly seen = new Map<string, number>();
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();

  /** Stores (or replaces) what an exchange wants to report. */
  record(token: string | null, value: Json): void {
    if (token === null) return;
    this.results.delete(token);
    this.results.set(token, value);
    trim(this.results);
  }

  /** The report stored for `token`, if any. */
  result(token: string): Json | undefined {
    return this.results.get(token);
  }

  /** Counts one app call carrying `token`. */
  see(token: string | null): number {
    if (token === null) return 0;
    const calls = (this.seen.get(token) ?? 0) + 1;
    this.seen.delete(token);
    this.seen.set(token, calls);
    trim(this.seen);
    return calls;
  }

  /** How many app calls carried `token`. */
  calls(token: string): number {
    return this.seen.get(token) ?? 0;
  }

  private gate(token: string): { promise: Promise<void>; open: () => void } {
    let gate = this.gates.get(token);
    if (gate === undefined) {
      let open = (): void => {};
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
      this.gates.set(token, gate);
      trim(this.gates);
    }
    return gate;
  }

  /** Waits until the suite releases `token`, or `ms` pass; true when released. */
  async waitRelease(token: string, ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.gate(token).promise.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Releases every wait on `token`, now and later. */
  release(token: string): void {
    this.gate(token).open();
  }
}

function trim(map: Map<string, unknown>): void {
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next().value as string;
    map.delete(oldest);
  }
}

/**
 * Appends one line to the file named by `TSGI_CONFORMANCE_LOG`, when set: the
 * suite reads it after the server stopped, to see the order of lifespan
 * events and requests.
 */
export function logLine(event: string, detail: Record<string, Json> = {}): void {
  const path = process.env.TSGI_CONFORMANCE_LOG;
  if (!path) return;
  try {
    appendFileSync(
      path,
      `${JSON.stringify({ event, at: Date.now(), pid: process.pid, ...detail })}\n`,
    );
  } catch {
    // The log is a courtesy to the suite; the app keeps serving without it.
  }
}

/** The probe's single registry. */
export const registry: Registry = new Registry();
