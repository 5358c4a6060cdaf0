/**
 * The application's side of a harness WebSocket: how the server answers its
 * `receive()` calls. `websocket.connect` comes first (WS-CONNECT-1), then
 * the client's messages in order, then `websocket.disconnect` with the same
 * code and reason on every later call (WS-DISC-1). Every event given passes
 * through the machine.
 *
 * @module
 */

import type { WebSocketReceiveAction, WebSocketSession } from '../protocol/websocket.js';
import type { WebSocketReceiveEvent } from '../types.js';
import { type Deferred, defer } from './wait.js';

/** Answers the application's `receive()` calls for one connection. */
export class MessageFeed {
  readonly #machine: WebSocketSession;
  readonly #readers: Deferred<WebSocketReceiveEvent>[] = [];
  readonly #incoming: WebSocketReceiveEvent[] = [];
  #gone = false;
  #code = 1006;
  #reason = '';

  /** @param machine - the connection's machine. */
  constructor(machine: WebSocketSession) {
    this.#machine = machine;
  }

  /** How many `receive()` calls are waiting. */
  get waiting(): number {
    return this.#readers.length;
  }

  /** Whether the connection has ended for the application. */
  get gone(): boolean {
    return this.#gone;
  }

  /** The application called `receive()`. */
  receive(): Promise<WebSocketReceiveEvent> {
    let action: WebSocketReceiveAction;
    try {
      action = this.#machine.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'connect') {
      return Promise.resolve(this.#machine.deliver({ type: 'websocket.connect' }));
    }
    if (action.kind === 'disconnect') {
      return Promise.resolve(
        this.#machine.deliver({
          type: 'websocket.disconnect',
          code: action.code,
          reason: action.reason,
        }),
      );
    }
    const reader = defer<WebSocketReceiveEvent>();
    this.#readers.push(reader);
    this.#pump();
    return reader.promise;
  }

  /** A message from the client, given after those before it. */
  message(event: WebSocketReceiveEvent): void {
    this.#incoming.push(event);
    this.#pump();
  }

  /**
   * The connection ended with `code`: the application gets the disconnect
   * once it has read the messages that came before. The first call wins.
   */
  leave(code: number, reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#code = code;
    this.#reason = reason;
    this.#machine.clientDisconnected(code, reason);
    this.#pump();
  }

  #pump(): void {
    while (this.#readers.length > 0) {
      const event = this.#incoming.shift();
      if (event !== undefined) {
        this.#readers.shift()!.resolve(this.#machine.deliver(event));
      } else if (this.#gone) {
        this.#readers.shift()!.resolve(
          this.#machine.deliver({
            type: 'websocket.disconnect',
            code: this.#code,
            reason: this.#reason,
          }),
        );
      } else {
        return;
      }
    }
  }
}
