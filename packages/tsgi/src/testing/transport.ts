/**
 * The transport of the harness's server: where `send()` waits while a test
 * imitates a slow client (HTTP-BP-1, WS-BP-1), and where held sends fail once
 * the client is gone (HTTP-DISC-2).
 *
 * @module
 */

import { type Deferred, defer } from './wait.js';

/** A send waiting for the transport, with what happens once it is accepted. */
interface Held {
  readonly done: Deferred<void>;
  readonly accept: () => void;
}

/**
 * Accepts what the application sends at once, or, while paused, holds each
 * `send()` until the test resumes the transport. A held send is accepted
 * in order on resume, or rejected if the client leaves first.
 */
export class TransportGate {
  #paused = false;
  #held: Held[] = [];
  #failure: unknown = null;

  /** Whether sends are being held. */
  get paused(): boolean {
    return this.#paused;
  }

  /** How many sends are held. */
  get holding(): number {
    return this.#held.length;
  }

  /**
   * Carries out a send: runs `accept` (the bytes reach the client) and
   * resolves, now or once the transport is resumed.
   */
  pass(accept: () => void): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (!this.#paused) {
      accept();
      return Promise.resolve();
    }
    const done = defer<void>();
    this.#held.push({ done, accept });
    return done.promise;
  }

  /** Holds later sends until {@link TransportGate.resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Accepts the held sends, in order, and stops holding. */
  resume(): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (const { done, accept } of held) {
      if (this.#failure !== null) {
        done.reject(this.#failure);
        continue;
      }
      accept();
      done.resolve();
    }
  }

  /** The client is gone: held and later sends reject with `error`. */
  fail(error: unknown): void {
    this.#failure ??= error;
    const held = this.#held;
    this.#held = [];
    for (const { done } of held) done.reject(error);
  }
}
