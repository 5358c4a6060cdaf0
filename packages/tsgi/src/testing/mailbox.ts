/**
 * A queue a test reads from with a time limit: what the application sent
 * (HTTP events, WebSocket messages) waits here until the test takes it.
 *
 * @module
 */

import { type Deferred, defer, within } from './wait.js';

/** Items in arrival order; each `take()` gets the next one, waiting for it if need be. */
export class Mailbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: Deferred<T>[] = [];
  #end: (() => unknown) | null = null;

  /** Whether the mailbox was closed; queued items can still be taken. */
  get ended(): boolean {
    return this.#end !== null;
  }

  /** Adds an item, handing it to the oldest waiting `take()`, if any. Ignored once ended. */
  put(item: T): void {
    if (this.#end !== null) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(item);
    else this.#items.push(item);
  }

  /**
   * The next item.
   *
   * @param timeoutMs - how long to wait.
   * @param awaited - describes what was awaited, for the timeout message.
   * @throws the error of `end()` when the mailbox ended empty; HarnessTimeoutError.
   */
  take(timeoutMs: number, awaited: () => string): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    if (this.#end !== null) return Promise.reject(this.#end());
    const waiter = defer<T>();
    this.#waiters.push(waiter);
    return within(waiter.promise, timeoutMs, awaited, () => {
      const index = this.#waiters.indexOf(waiter);
      if (index !== -1) this.#waiters.splice(index, 1);
    });
  }

  /**
   * No more items will come: waiting and later `take()` calls that find the
   * mailbox empty reject with what `error` returns when they do. The first
   * call wins.
   */
  end(error: () => unknown): void {
    if (this.#end !== null) return;
    this.#end = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error());
  }
}
