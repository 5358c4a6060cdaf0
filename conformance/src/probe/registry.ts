/**
 * The probe's memory: what it saw, kept so that the suite can ask for it over
 * HTTP (`/_probe/...`) after an exchange whose own response could not carry
 * it (a dropped connection, an aborted response).
 *
 * A server may run the probe in several processes (workers, a prefork
 * model), and the suite's next request may reach another process than the
 * one that recorded. So when the environment names a records folder
 * ({@link RECORDS_ENV}), every process writes there what the suite reads
 * back: the reports of exchanges, the count of app calls per token, and the
 * releases of waiting exchanges. Without a folder all of it stays in the
 * memory of one process, which is only right for a single-process server.
 *
 * The lifespan facts stay in memory in either case: lifespan runs once per
 * process (LS-1), so they are judged per process.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { LOG_ENV, RECORDS_ENV } from './constants.js';
import type { Json } from './wire.js';

const MAX_ENTRIES = 2000;

/** How long the results route waits for a report that another process may still write. */
export const RESULT_WAIT_MS = 1000;

/** How often a process looks in the folder for a report or a release it waits for. */
const POLL_MS = 10;

/** Facts about the lifespan protocol as the probe lived it, in one process. */
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

/** A promise that {@link Gate.open} resolves. */
interface Gate {
  readonly promise: Promise<void>;
  readonly open: () => void;
}

/**
 * The name a token gets in the records folder: the token itself when it is
 * short and alphanumeric (the suite's tokens are), else a hash, so that no
 * token can name a path outside the folder.
 */
function fileName(token: string): string {
  return /^[A-Za-z0-9]{1,100}$/.test(token)
    ? token
    : `h${createHash('sha256').update(token).digest('hex')}`;
}

/** Resolves after `ms`, or as soon as `promise` settles. */
async function raceTimer(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The probe's store: in memory, and in the records folder when one is given. */
export class Registry {
  /** What the probe learned about lifespan in this process. */
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
  /** The records folder shared by every process of the server, or `null`. */
  readonly folder: string | null;
  private readonly results = new Map<string, Json>();
  private readonly seen = new Map<string, number>();
  private readonly gates = new Map<string, Gate>();
  private writes = 0;

  /**
   * @param folder - the records folder, created when missing; `null` (or a
   *   folder that cannot be created) keeps everything in this process.
   */
  constructor(folder: string | null) {
    let usable: string | null = null;
    if (folder !== null && folder !== '') {
      try {
        mkdirSync(folder, { recursive: true });
        usable = folder;
      } catch {
        // The probe still serves; the suite then sees what one process saw.
      }
    }
    this.folder = usable;
  }

  private path(kind: 'result' | 'seen' | 'release', token: string): string {
    return join(this.folder as string, `${kind}-${fileName(token)}`);
  }

  /**
   * Writes a file whole or not at all: a reader in another process sees the
   * old content or the new, never a part.
   */
  private writeAtomic(path: string, content: string): void {
    this.writes += 1;
    const temporary = join(this.folder as string, `.tmp-${process.pid}-${this.writes}`);
    try {
      writeFileSync(temporary, content);
      renameSync(temporary, path);
    } catch {
      // Kept in memory: a report lost on disk makes a case fail, not the server.
    }
  }

  /** Stores (or replaces) what an exchange wants to report. */
  record(token: string | null, value: Json): void {
    if (token === null) return;
    this.results.delete(token);
    this.results.set(token, value);
    trim(this.results);
    if (this.folder !== null) this.writeAtomic(this.path('result', token), JSON.stringify(value));
  }

  /** The report stored for `token` by any process, if any. */
  result(token: string): Json | undefined {
    if (this.folder !== null) {
      try {
        return JSON.parse(readFileSync(this.path('result', token), 'utf8')) as Json;
      } catch {
        // Not written yet (or not writable): this process's memory is all there is.
      }
    }
    return this.results.get(token);
  }

  /**
   * The report stored for `token`, waiting up to `ms` for it to appear when
   * the records are shared: the process that records may still be running
   * the exchange when another one is asked.
   */
  async awaitResult(token: string, ms: number = RESULT_WAIT_MS): Promise<Json | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = this.result(token);
      if (value !== undefined || this.folder === null || Date.now() >= deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Counts one app call carrying `token`. */
  see(token: string | null): void {
    if (token === null) return;
    const calls = (this.seen.get(token) ?? 0) + 1;
    this.seen.delete(token);
    this.seen.set(token, calls);
    trim(this.seen);
    if (this.folder === null) return;
    try {
      // One byte per call; appends of one byte from several processes do not mix.
      appendFileSync(this.path('seen', token), '.');
    } catch {
      // Counted in memory only.
    }
  }

  /** How many app calls carried `token`, in every process. */
  calls(token: string): number {
    if (this.folder !== null) {
      try {
        return statSync(this.path('seen', token)).size;
      } catch {
        // No call recorded on disk.
      }
    }
    return this.seen.get(token) ?? 0;
  }

  private gate(token: string): Gate {
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

  private releasedOnDisk(token: string): boolean {
    if (this.folder === null) return false;
    try {
      statSync(this.path('release', token));
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until the suite releases `token` (through any process), or `ms` pass; true when released. */
  async waitRelease(token: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    const gate = this.gate(token);
    let released = false;
    void gate.promise.then(() => {
      released = true;
    });
    for (;;) {
      if (released || this.releasedOnDisk(token)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await raceTimer(gate.promise, this.folder === null ? left : Math.min(left, POLL_MS));
    }
  }

  /** Releases every wait on `token`, now and later, in every process. */
  release(token: string): void {
    this.gate(token).open();
    if (this.folder !== null) this.writeAtomic(this.path('release', token), '');
  }
}

function trim(map: Map<string, unknown>): void {
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next().value as string;
    map.delete(oldest);
  }
}

/**
 * Appends one line to the file named by {@link LOG_ENV}, when set: the suite
 * reads it after the server stopped, to see the order of lifespan events and
 * requests.
 */
export function logLine(event: string, detail: Record<string, Json> = {}): void {
  const path = process.env[LOG_ENV];
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

/** The probe's single registry, sharing its records through {@link RECORDS_ENV} when set. */
export const registry: Registry = new Registry(process.env[RECORDS_ENV] ?? null);
